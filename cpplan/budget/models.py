"""The money of an adopted plan's measures: allocations (decided), expenditures (paid), and exchange rates.

A measure is referred to by its id only: plans/ sits below budget/ and knows nothing of these tables, so
Measure has no relationship to them; query them by measure_id. Amounts are exact som (Numeric(14, 2)).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db
from .validation import SOURCES  # noqa: F401  (the values of Allocation.source)


class Allocation(db.Model):
    """Money decided for a measure: from which source (a donor by name), for which budget year, how much."""

    __tablename__ = "budget_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # one of SOURCES
    donor_name: Mapped[str] = mapped_column(String(200), default="")  # only for source "donor"
    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # KGS, exact
    decision_ref: Mapped[str] = mapped_column(String(120), default="")  # e.g. the council's budget decision
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


class Expenditure(db.Model):
    """Money paid for a measure: when, how much, for what, and the supporting document."""

    __tablename__ = "budget_expenditures"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True)
    spent_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))  # KGS, exact
    purpose: Mapped[str] = mapped_column(String(300))
    document_ref: Mapped[str] = mapped_column(String(120), default="")  # invoice, act, payment order
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())


class ExchangeRate(db.Model):
    """Som per US dollar for a year, set by site admins, to show budgets in dollars beside som."""

    __tablename__ = "budget_exchange_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    kgs_per_usd: Mapped[Decimal] = mapped_column(Numeric(12, 4))
