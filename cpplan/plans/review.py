"""Queries of the public plan page and the police's view: adopted versions, plans awaiting review, police measures.

Each page asks a handful of queries whatever the number of rows (joins, correlated EXISTS, selectinload);
grouping the rows for display is the only work done in Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from sqlalchemy import false, func, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from ..municipalities.models import Municipality, Organisation
from ..municipalities.permissions import municipalities_of
from ..surveys.models import Issue
from . import workflow
from .models import Measure, Plan, PlanEvent, PlanIssue, measure_partners

AWAITING_STATES = ("submitted", "in_review")  # the police have the next step
POLICE_KIND = "police"                        # the Organisation kind the police view follows
POLICE_ROLE = "police"                        # the Membership role that may open the police view


# --- the public page of an adopted plan ---------------------------------------------------------

def whole_plan():
    """Return the loader options that bring a plan's issues, measures, organisations, areas and indicators in a
    fixed number of queries."""
    return (selectinload(Plan.issues).joinedload(PlanIssue.issue),
            selectinload(Plan.measures).options(joinedload(Measure.lead), joinedload(Measure.area),
                                                selectinload(Measure.partners), selectinload(Measure.indicators)))


def adopted_plan(municipality: Municipality, version: int | None = None) -> Plan | None:
    """Return the municipality's newest adopted plan version (or the given version if adopted), or None.

    Issues, measures, organisations, areas and indicators come in a fixed number of queries.
    """
    query = db.select(Plan).filter(Plan.municipality_id == municipality.id, Plan.status.in_(workflow.ADOPTED_STATES))
    if version is not None:
        query = query.filter(Plan.version == version)
    return db.session.scalar(query.order_by(Plan.version.desc(), Plan.id.desc()).limit(1).options(*whole_plan()))


def adopted_versions(municipality: Municipality) -> list[int]:
    """Return the version numbers of the municipality's adopted plans, oldest first."""
    return list(db.session.scalars(
        db.select(Plan.version).filter(Plan.municipality_id == municipality.id,
                                       Plan.status.in_(workflow.ADOPTED_STATES))
        .distinct().order_by(Plan.version)))


def newest_plans(adopted_only: bool = False) -> dict[int, Plan]:
    """Return every municipality's newest plan version (or newest adopted one) by municipality id, in one query."""
    rank = func.row_number().over(partition_by=Plan.municipality_id,
                                  order_by=(Plan.version.desc(), Plan.id.desc())).label("rank")
    query = db.select(Plan, rank)
    if adopted_only:
        query = query.filter(Plan.status.in_(workflow.ADOPTED_STATES))
    ranked = query.subquery()
    newest = aliased(Plan, ranked)
    return {plan.municipality_id: plan for plan in db.session.scalars(db.select(newest).filter(ranked.c.rank == 1))}


def has_adopted_plan(municipality: Municipality) -> bool:
    """Return True when the municipality has an adopted plan to show the public."""
    return db.session.scalar(
        db.select(Plan.id).filter(Plan.municipality_id == municipality.id,
                                  Plan.status.in_(workflow.ADOPTED_STATES)).limit(1)) is not None


# --- who the police view is for -----------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """The municipalities a police view covers: every one (site admins) or those listed."""

    everywhere: bool
    municipality_ids: frozenset[int] = frozenset()

    def where(self, column):
        """Return the SQL condition that keeps `column` (a municipality id) inside the scope."""
        return true() if self.everywhere else column.in_(self.municipality_ids)


def police_scope(user) -> Scope | None:
    """Return the municipalities where the user is police (all for site admins), or None when there are none."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_admin:
        return Scope(everywhere=True)
    ids = frozenset(m.id for m, role in municipalities_of(user) if role == POLICE_ROLE)
    return Scope(everywhere=False, municipality_ids=ids) if ids else None


# --- plans awaiting the police's review ----------------------------------------------------------

@dataclass(frozen=True)
class AwaitingPlan:
    """A plan the police are to review, and since when (its last submission; None if not recorded)."""

    plan: Plan
    municipality: Municipality
    since: datetime | None


def _submitted_at():
    """Return a subquery of each plan's last accepted submission: (plan_id, since)."""
    return (db.select(PlanEvent.plan_id, func.max(PlanEvent.at).label("since"))
            .filter(PlanEvent.action == "submit", PlanEvent.refused == false())
            .group_by(PlanEvent.plan_id).subquery())


def _awaiting_filter(scope: Scope):
    return Plan.status.in_(AWAITING_STATES), scope.where(Plan.municipality_id)


def awaiting_review(scope: Scope) -> list[AwaitingPlan]:
    """Return the plans submitted or in review in the scope, the longest waiting first."""
    submitted = _submitted_at()
    rows = db.session.execute(
        db.select(Plan, Municipality, submitted.c.since)
        .join(Municipality, Municipality.id == Plan.municipality_id)
        .outerjoin(submitted, submitted.c.plan_id == Plan.id)
        .filter(*_awaiting_filter(scope))
        .order_by(submitted.c.since.asc().nulls_last(), Municipality.slug, Plan.id))
    return [AwaitingPlan(plan, municipality, since) for plan, municipality, since in rows]


def count_awaiting(scope: Scope) -> int:
    """Return how many plans in the scope are submitted or in review (counted in the database)."""
    return db.session.scalar(db.select(func.count(Plan.id)).filter(*_awaiting_filter(scope)))


# --- measures the police lead or take part in -----------------------------------------------------

@dataclass(frozen=True)
class PoliceMeasure:
    """A measure naming the police: its priority issue and whether the police lead it ("lead") or help ("partner")."""

    measure: Measure
    issue: Issue
    role: str


@dataclass
class PlanMeasures:
    """The police's measures of one plan (the latest version of the municipality's plan)."""

    plan: Plan
    municipality: Municipality
    measures: list[PoliceMeasure] = field(default_factory=list)


def _police_lead():
    """Return a correlated EXISTS: the measure's lead is a police organisation."""
    return (db.select(Organisation.id)
            .filter(Organisation.id == Measure.lead_id, Organisation.kind == POLICE_KIND).exists())


def _police_partner():
    """Return a correlated EXISTS: one of the measure's partners is a police organisation."""
    return (db.select(measure_partners.c.organisation_id)
            .join(Organisation, Organisation.id == measure_partners.c.organisation_id)
            .filter(measure_partners.c.measure_id == Measure.id, Organisation.kind == POLICE_KIND).exists())


def _latest_version():
    """Return a correlated NOT EXISTS: no newer version was made from the plan."""
    newer = aliased(Plan)
    return ~db.select(newer.id).filter(newer.previous_id == Plan.id).exists()


def police_measures(scope: Scope) -> list[PlanMeasures]:
    """Return the measures the police lead or are partners in, in the latest version of each plan in the scope.

    Grouped by plan, in municipality order, then by priority issue and measure position.
    """
    is_lead = _police_lead()
    rows = db.session.execute(
        db.select(Measure, Issue, Plan, Municipality, is_lead.label("is_lead"))
        .join(Plan, Plan.id == Measure.plan_id)
        .join(Municipality, Municipality.id == Plan.municipality_id)
        .join(PlanIssue, PlanIssue.id == Measure.plan_issue_id)
        .join(Issue, Issue.id == PlanIssue.issue_id)
        .filter(scope.where(Plan.municipality_id), _latest_version(), is_lead | _police_partner())
        .order_by(Municipality.slug, Plan.id, PlanIssue.position, Measure.position, Measure.id))
    groups = []
    for _plan_id, plan_rows in groupby(rows, key=lambda row: row.Plan.id):
        plan_rows = list(plan_rows)
        group = PlanMeasures(plan_rows[0].Plan, plan_rows[0].Municipality)
        group.measures = [PoliceMeasure(row.Measure, row.Issue, "lead" if row.is_lead else "partner")
                          for row in plan_rows]
        groups.append(group)
    return groups
