"""The national overview's figures: municipalities by plan status, inhabitants, money by year and source, and
how many municipalities' adopted plans include each issue.

Money is summed by the database in whole tyiyn (cents) as integers, exact on SQLite (whose NUMERIC is floating
point) as on PostgreSQL, then turned back into som. Only money of adopted plans (adopted, in implementation or
completed) counts: it is the money the public may read, and money can be recorded on no other plan.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, cast, func

from ..extensions import db
from ..municipalities.models import Municipality
from ..plans import review, workflow
from ..plans.models import Measure, Plan, PlanIssue
from ..surveys.models import Issue
from . import rollup, services
from .models import Allocation, Expenditure

# What the public is told of a municipality's plan (admins see the newest plan's exact status).
PUBLIC_STATUSES = ("adopted", "completed", "preparing", "none")
# A municipality's newest adopted plan decides between "adopted" (being carried out) and "completed".
_CARRIED_OUT = ("adopted", "in_implementation")
HUNDRED = Decimal(100)


@dataclass
class Place:
    """A municipality in the overview: its plan status (public and exact), the plan to link to, its money."""

    municipality: Municipality
    status: str                      # one of PUBLIC_STATUSES
    exact: str                       # the newest plan's status, or "none"
    adopted_plan_id: int | None      # the newest adopted version, the one the public reads
    allocated: Decimal = rollup.ZERO
    spent: Decimal = rollup.ZERO


@dataclass
class Overview:
    """Everything the overview page shows."""

    places: list[Place]
    money: rollup.National
    issues: list[tuple[Issue, int]]              # (issue, municipalities whose adopted plan includes it)
    by_status: dict[str, tuple[int, int]]        # public status -> (municipalities, inhabitants)
    by_exact: dict[str, tuple[int, int]] = field(default_factory=dict)  # exact status -> (same), for admins

    @property
    def municipalities(self) -> int:
        return len(self.places)

    @property
    def inhabitants(self) -> int:
        return sum(p.municipality.population or 0 for p in self.places)


def _som(tyiyn) -> Decimal:
    return (Decimal(int(tyiyn or 0)) / HUNDRED).quantize(rollup.CENT)


def _tyiyn(column):
    """Return a column of som as whole tyiyn, summable exactly by SQLite and PostgreSQL alike."""
    return func.sum(cast(func.round(column * 100), BigInteger))


def public_status(newest: Plan | None, adopted: Plan | None) -> str:
    """Return what the public is told: adopted (being carried out), completed, preparing a plan, or none."""
    if adopted is not None:
        return "adopted" if adopted.status in _CARRIED_OUT else "completed"
    return "none" if newest is None else "preparing"


def _sums(money, *keys) -> list:
    """Return (*keys, tyiyn) rows: the Allocation or Expenditure amounts of adopted plans' measures, by keys."""
    return db.session.execute(
        db.select(*keys, _tyiyn(money.amount)).join(Measure, Measure.id == money.measure_id)
        .join(Plan, Plan.id == Measure.plan_id).filter(Plan.status.in_(workflow.ADOPTED_STATES))
        .group_by(*keys)).all()


def _money_by_municipality() -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    return tuple({m: _som(t) for m, t in _sums(money, Plan.municipality_id)} for money in (Allocation, Expenditure))


def _money() -> rollup.National:
    allocated = _sums(Allocation, Allocation.year, Allocation.source)
    spent = _sums(Expenditure, func.extract("year", Expenditure.spent_on))
    return rollup.national([(y, s, _som(t)) for y, s, t in allocated], [(int(y), _som(t)) for y, t in spent],
                           services.rates())


def _issues(plan_ids: list[int]) -> list[tuple[Issue, int]]:
    """Return each issue with the number of these plans (one per municipality) that include it, most first."""
    if not plan_ids:
        return []
    counted = db.session.execute(
        db.select(PlanIssue.issue_id, func.count(func.distinct(PlanIssue.plan_id)))
        .filter(PlanIssue.plan_id.in_(plan_ids)).group_by(PlanIssue.issue_id)).all()
    issues = {i.id: i for i in db.session.scalars(db.select(Issue).filter(Issue.id.in_([i for i, _n in counted])))}
    return sorted(((issues[i], n) for i, n in counted), key=lambda pair: (-pair[1], pair[0].position, pair[0].code))


def _tally(places: list[Place], key) -> dict[str, tuple[int, int]]:
    counts: Counter = Counter()
    people: Counter = Counter()
    for place in places:
        counts[key(place)] += 1
        people[key(place)] += place.municipality.population or 0
    return {status: (counts[status], people[status]) for status in counts}


def build() -> Overview:
    """Return the national overview, in a fixed number of queries whatever the number of municipalities."""
    municipalities = db.session.scalars(db.select(Municipality).order_by(Municipality.slug)).all()
    newest, adopted = review.newest_plans(), review.newest_plans(adopted_only=True)
    allocated, spent = _money_by_municipality()
    places = []
    for m in municipalities:
        published, latest = adopted.get(m.id), newest.get(m.id)
        places.append(Place(m, public_status(latest, published), latest.status if latest else "none",
                            published.id if published else None, allocated.get(m.id, rollup.ZERO),
                            spent.get(m.id, rollup.ZERO)))
    by_status = _tally(places, lambda p: p.status)
    return Overview(places=places, money=_money(),
                    issues=_issues([plan.id for plan in adopted.values()]),
                    by_status={s: by_status[s] for s in PUBLIC_STATUSES if s in by_status},
                    by_exact=_tally(places, lambda p: p.exact))
