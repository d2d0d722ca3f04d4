"""Local crime prevention plans: priority issues, measures with indicators, and every change recorded.

Texts the group writes (titles, problem statements, objectives, measures) are kept per language
(ky, ru, en) and shown through i18n.localized() with fallback: a measure picked from the library
has all three, one typed in has the language it was typed in.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, Table, Text, false,
                        func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..municipalities.models import Area, Municipality, Organisation
from ..surveys.models import Issue

measure_partners = Table(
    "plan_measure_partners", db.metadata,
    Column("measure_id", ForeignKey("plan_measures.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class Plan(db.Model):
    """One version of a municipality's plan; editing an adopted plan makes the next version."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    title_ky: Mapped[str] = mapped_column(String(200), default="")
    title_ru: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    # The agreed priorities the plan starts from (priorities.PriorityDecision).
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("priority_decisions.id", ondelete="SET NULL"))
    council_decision_number: Mapped[str] = mapped_column(String(60), default="")
    council_decision_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    updated_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship()
    issues: Mapped[list[PlanIssue]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                   order_by="PlanIssue.position")
    measures: Mapped[list[Measure]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                   order_by="(Measure.plan_issue_id, Measure.position)")
    events: Mapped[list[PlanEvent]] = relationship(back_populates="plan", cascade="all, delete-orphan",
                                                   order_by="PlanEvent.id")


class PlanIssue(db.Model):
    """A priority issue of the plan: the problem (pre-filled with the survey's figures) and the objective."""

    __tablename__ = "plan_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    problem_ky: Mapped[str] = mapped_column(Text, default="")
    problem_ru: Mapped[str] = mapped_column(Text, default="")
    problem_en: Mapped[str] = mapped_column(Text, default="")
    objective_ky: Mapped[str] = mapped_column(Text, default="")
    objective_ru: Mapped[str] = mapped_column(Text, default="")
    objective_en: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[Plan] = relationship(back_populates="issues")
    issue: Mapped[Issue] = relationship()
    measures: Mapped[list[Measure]] = relationship(back_populates="plan_issue", order_by="Measure.position",
                                                   viewonly=True)


class Measure(db.Model):
    """What will be done about a priority issue: who leads, with whom, when, at what cost, measured how."""

    __tablename__ = "plan_measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    plan_issue_id: Mapped[int] = mapped_column(ForeignKey("plan_issues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    library_code: Mapped[str | None] = mapped_column(String(60))
    title_ky: Mapped[str] = mapped_column(String(200), default="")
    title_ru: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_ky: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    start: Mapped[str] = mapped_column(String(7))   # YYYY-MM (a quarter is stored as its first month)
    end: Mapped[str] = mapped_column(String(7))     # YYYY-MM (a quarter as its last month)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # KGS, exact
    # Of the cost, what is already promised (local budget line, a donor's grant...): the rest is the funding gap
    # the funding brief asks donors to close. None = nothing secured yet.
    funded: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    lat: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    lon: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    status: Mapped[str] = mapped_column(String(12), default="planned")
    # The measure of the previous version this one was copied from: the money recorded on it shows on this one.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("plan_measures.id", ondelete="SET NULL"))

    plan: Mapped[Plan] = relationship(back_populates="measures")
    plan_issue: Mapped[PlanIssue] = relationship()
    lead: Mapped[Organisation | None] = relationship(foreign_keys=[lead_id])
    partners: Mapped[list[Organisation]] = relationship(secondary=measure_partners)
    area: Mapped[Area | None] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(back_populates="measure", cascade="all, delete-orphan",
                                                       order_by="Indicator.position")


class Indicator(db.Model):
    """How a measure's result is measured: name, unit, baseline, target and where the figure comes from."""

    __tablename__ = "plan_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    baseline: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200), default="")

    measure: Mapped[Measure] = relationship(back_populates="indicators")


class PlanEvent(db.Model):
    """The audit log: every transition, edit and refused attempt on a plan (who, when, from, to, note)."""

    __tablename__ = "plan_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("plan_measures.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    refused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="events")


class PlanComment(db.Model):
    """A reviewer's or member's comment on the plan or on one of its measures."""

    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("plan_measures.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
