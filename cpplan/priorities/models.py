"""Scoring weights, the working group's assessment of each issue, and the agreed priority issues."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (CheckConstraint, Date, DateTime, ForeignKey, Integer, Numeric, Text, UniqueConstraint,
                        func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db
from ..municipalities.models import Municipality
from ..surveys.models import Issue
from . import scoring
from .meetings import Meeting
from .scoring import COMPONENTS, DEFAULT_WEIGHTS

TOP_DEFAULT, TOP_MAX = 3, 6


def _weight(name: str) -> Mapped[int]:
    return mapped_column(Integer, default=DEFAULT_WEIGHTS[name], server_default=str(DEFAULT_WEIGHTS[name]))


class ScoringWeights(db.Model):
    """How much each component counts in a municipality's scoring matrix (0..10 each)."""

    __tablename__ = "scoring_weights"
    __table_args__ = tuple(CheckConstraint(f"{c} BETWEEN 0 AND 10", name=f"ck_weight_{c}") for c in COMPONENTS)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), unique=True)
    concern: Mapped[int] = _weight("concern")
    prevalence: Mapped[int] = _weight("prevalence")
    severity: Mapped[int] = _weight("severity")
    trend: Mapped[int] = _weight("trend")
    capacity: Mapped[int] = _weight("capacity")
    impact: Mapped[int] = _weight("impact")
    support: Mapped[int] = _weight("support")
    updated_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())

    def as_dict(self) -> dict[str, int]:
        """Return {component: weight}."""
        return {c: getattr(self, c) for c in COMPONENTS}


def _rating() -> Mapped[int | None]:
    return mapped_column(Integer)


class IssueAssessment(db.Model):
    """The working group's view of one issue: ratings 1..5 and police-recorded cases of two years."""

    __tablename__ = "issue_assessments"
    __table_args__ = (
        UniqueConstraint("municipality_id", "issue_id", name="uq_assessment_issue"),
        CheckConstraint("severity BETWEEN 1 AND 5", name="ck_assessment_severity"),
        CheckConstraint("capacity BETWEEN 1 AND 5", name="ck_assessment_capacity"),
        CheckConstraint("impact BETWEEN 1 AND 5", name="ck_assessment_impact"),
        CheckConstraint("police_previous >= 0", name="ck_assessment_police_previous"),
        CheckConstraint("police_current >= 0", name="ck_assessment_police_current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    severity: Mapped[int | None] = _rating()
    capacity: Mapped[int | None] = _rating()
    impact: Mapped[int | None] = _rating()
    police_previous: Mapped[int | None] = mapped_column(Integer)
    police_current: Mapped[int | None] = mapped_column(Integer)
    updated_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())

    issue: Mapped[Issue] = relationship()

    def is_empty(self) -> bool:
        """Return True when nothing is rated or counted."""
        return all(getattr(self, name) is None for name in
                   ("severity", "capacity", "impact", "police_previous", "police_current"))


class PriorityDecision(db.Model):
    """The working group's agreed priority issues, in order, as confirmed on one day (the plan starts here)."""

    __tablename__ = "priority_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    decided_on: Mapped[date] = mapped_column(Date)
    # The community meeting the decision followed, if any.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    municipality: Mapped[Municipality] = relationship()
    created_by: Mapped[User | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    items: Mapped[list[DecisionItem]] = relationship(back_populates="decision", cascade="all, delete-orphan",
                                                     order_by="DecisionItem.position")


class DecisionItem(db.Model):
    """One agreed priority issue: its place, its place in the computed ranking, its score then, and why."""

    __tablename__ = "priority_decision_items"
    __table_args__ = (
        UniqueConstraint("decision_id", "position", name="uq_decision_position"),
        UniqueConstraint("decision_id", "issue_id", name="uq_decision_issue"),
        CheckConstraint("position >= 1", name="ck_decision_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("priority_decisions.id", ondelete="CASCADE"), index=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    ranked_position: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    # Required whenever position != ranked_position: why the group departed from the computed ranking.
    reason: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[PriorityDecision] = relationship(back_populates="items")
    issue: Mapped[Issue] = relationship()

    @property
    def departs(self) -> bool:
        """Return True when the agreed place differs from the computed ranking's."""
        return self.position != self.ranked_position


def latest_decision(municipality_id: int) -> PriorityDecision | None:
    """Return the municipality's latest agreed priorities (what the plan starts from), or None."""
    return db.session.scalar(db.select(PriorityDecision).filter_by(municipality_id=municipality_id)
                             .order_by(PriorityDecision.decided_on.desc(), PriorityDecision.id.desc()).limit(1))


def weights_of(municipality_id: int) -> dict[str, int]:
    """Return the municipality's weights, or the defaults when it has not set any."""
    row = db.session.scalar(db.select(ScoringWeights).filter_by(municipality_id=municipality_id))
    return row.as_dict() if row is not None else dict(DEFAULT_WEIGHTS)


def assessments_of(municipality_id: int) -> dict[int, IssueAssessment]:
    """Return {issue id: assessment} of the municipality."""
    rows = db.session.scalars(db.select(IssueAssessment).filter_by(municipality_id=municipality_id))
    return {row.issue_id: row for row in rows}


def ranking(municipality: Municipality, issues: list[Issue] | None = None,
            weights: dict[str, int] | None = None) -> list[scoring.RankedIssue]:
    """Return the municipality's issues ranked by the scoring matrix (survey figures, ratings, meeting support)."""
    from ..results import queries
    from ..surveys import catalogue
    from .voting import support_by_issue

    issues = catalogue.issues_for(municipality.id) if issues is None else issues
    figures = queries.issue_figures(municipality)
    support = support_by_issue(municipality.id)
    assessed = assessments_of(municipality.id)
    inputs = []
    for index, issue in enumerate(issues):  # issues_for's order is the catalogue's
        fig, rated = figures.get(issue.code), assessed.get(issue.id)
        inputs.append(scoring.IssueInput(
            code=issue.code, position=index,
            concern=getattr(fig, "concern", None), prevalence=getattr(fig, "prevalence", None),
            survey_change=getattr(fig, "change", None), support=support.get(issue.code),
            **{name: getattr(rated, name, None) for name in
               ("severity", "capacity", "impact", "police_previous", "police_current")}))
    return scoring.rank(inputs, weights_of(municipality.id) if weights is None else weights)


def has_assessment(municipality_id: int) -> bool:
    """Return True when the working group has rated or counted any issue."""
    return db.session.scalar(db.select(db.func.count()).select_from(IssueAssessment)
                             .filter_by(municipality_id=municipality_id)) > 0


def decisions_of(municipality_id: int) -> list[PriorityDecision]:
    """Return the municipality's decisions, latest first."""
    return db.session.scalars(db.select(PriorityDecision).filter_by(municipality_id=municipality_id)
                              .order_by(PriorityDecision.decided_on.desc(), PriorityDecision.id.desc())).all()
