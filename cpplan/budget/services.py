"""Budget changes and queries shared by the budget pages: record money, read it back, roll the plan up."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from ..extensions import db
from ..i18n import format_day, format_money, localized
from ..plans import services as plan_services
from ..plans.models import Measure, Plan
from . import rollup
from .labels import SOURCE_LABELS
from .models import Allocation, Expenditure, ExchangeRate

NOTE_PURPOSE_MAX = 80  # characters of the purpose repeated in the audit log


def rates() -> dict[int, Decimal]:
    """Return every exchange rate as {year: som per US dollar}."""
    return dict(db.session.execute(db.select(ExchangeRate.year, ExchangeRate.kgs_per_usd)).all())


def rate_rows() -> list[ExchangeRate]:
    """Return the exchange rates, newest year first."""
    return list(db.session.scalars(db.select(ExchangeRate).order_by(ExchangeRate.year.desc())))


def set_rate(year: int, kgs_per_usd: Decimal) -> ExchangeRate:
    """Set the year's rate, replacing the one it had (the caller commits)."""
    rate = db.session.scalar(db.select(ExchangeRate).filter_by(year=year))
    if rate is None:
        rate = ExchangeRate(year=year)
        db.session.add(rate)
    rate.kgs_per_usd = kgs_per_usd
    return rate


def lineage(measure_ids) -> dict[int, int]:
    """Return {measure id: id among measure_ids} for the given measures and every earlier version of them.

    A new plan version copies its measures (plans.services.new_version, Measure.previous_id); the money recorded
    on an earlier copy stays where it was recorded (counted once everywhere) and shows on every later copy.
    One query per version back.
    """
    owner = {measure_id: measure_id for measure_id in measure_ids}
    frontier = list(owner)
    while frontier:
        rows = db.session.execute(db.select(Measure.id, Measure.previous_id)
                                  .filter(Measure.id.in_(frontier), Measure.previous_id.is_not(None))).all()
        frontier = [previous for current, previous in rows if previous not in owner]
        for current, previous in rows:
            owner.setdefault(previous, owner[current])
    return owner


def allocations_of(measure: Measure) -> list[Allocation]:
    """Return the measure's allocations (its earlier versions' too), the latest budget year first (then the
    latest entered)."""
    return list(db.session.scalars(db.select(Allocation).filter(Allocation.measure_id.in_(lineage([measure.id])))
                                   .order_by(Allocation.year.desc(), Allocation.id.desc())))


def expenditures_of(measure: Measure) -> list[Expenditure]:
    """Return the measure's expenditures (its earlier versions' too), the latest payment first (then the latest
    entered)."""
    return list(db.session.scalars(db.select(Expenditure).filter(Expenditure.measure_id.in_(lineage([measure.id])))
                                   .order_by(Expenditure.spent_on.desc(), Expenditure.id.desc())))


def start_year(measure: Measure, plan: Plan) -> int:
    """Return the year a measure starts ("YYYY-MM"), or the plan's first year when the start is not readable."""
    head = (measure.start or "")[:4]
    return int(head) if len(head) == 4 and head.isdigit() else plan.first_year


def plan_rollup(plan: Plan, measures: list[Measure] | None = None) -> rollup.Rollup:
    """Return the budget of the plan's measures (or of the given ones), the money recorded on their earlier
    versions included, in three queries and one per version back.

    The amounts are summed in Python by rollup.py from the Decimal column values: SQLite keeps NUMERIC as
    floating point, so its SUM() is not exact.
    """
    measures = plan.measures if measures is None else measures
    owner = lineage([m.id for m in measures])
    issue_codes = {pi.id: pi.issue.code for pi in plan.issues}
    allocations = db.session.execute(
        db.select(Allocation.measure_id, Allocation.source, Allocation.year, Allocation.amount)
        .filter(Allocation.measure_id.in_(owner))).all()
    expenditures = db.session.execute(
        db.select(Expenditure.measure_id, Expenditure.spent_on, Expenditure.amount)
        .filter(Expenditure.measure_id.in_(owner))).all()
    return rollup.summarize(
        [rollup.MeasureRow(m.id, issue_codes.get(m.plan_issue_id), start_year(m, plan), m.cost) for m in measures],
        [rollup.AllocationRow(owner[measure_id], *rest) for measure_id, *rest in allocations],
        [rollup.ExpenditureRow(owner[measure_id], *rest) for measure_id, *rest in expenditures],
        rates())


def add_allocation(plan: Plan, measure: Measure, user, values: dict) -> Allocation:
    """Add a checked allocation (validation.check_allocation's values) and its audit log entry."""
    allocation = Allocation(measure_id=measure.id, created_by_id=user.id, **values)
    db.session.add(allocation)
    source = str(SOURCE_LABELS[values["source"]])
    if values["donor_name"]:
        source = f"{source}: {values['donor_name']}"
    plan_services.record(plan, user, "add_allocation", plan.status, plan.status, measure=measure,
                         note=_("%(amount)s from %(source)s for %(year)s", amount=format_money(values["amount"]),
                                source=source, year=values["year"]))
    return allocation


def add_expenditure(plan: Plan, measure: Measure, user, values: dict) -> Expenditure:
    """Add a checked expenditure (validation.check_expenditure's values) and its audit log entry."""
    expenditure = Expenditure(measure_id=measure.id, created_by_id=user.id, **values)
    db.session.add(expenditure)
    purpose = values["purpose"]
    if len(purpose) > NOTE_PURPOSE_MAX:
        purpose = purpose[:NOTE_PURPOSE_MAX - 1] + "…"
    plan_services.record(plan, user, "add_expenditure", plan.status, plan.status, measure=measure,
                         note=_("%(amount)s spent on %(date)s: %(purpose)s", amount=format_money(values["amount"]),
                                date=format_day(values["spent_on"]), purpose=purpose))
    return expenditure



LINE_HEADER = ["kind", "measure_id", "measure", "priority_issue", "source", "donor", "year", "date", "amount_kgs",
               "reference", "purpose"]


def budget_lines(plan: Plan) -> list[list]:
    """Return the plan's money (its measures' earlier versions' too) as export rows (LINE_HEADER): allocations
    then expenditures, by measure; amounts stay exact Decimals; texts in the page language."""
    measures = {m.id: m for m in plan.measures}
    owner = lineage(measures)
    issues = {pi.id: localized(pi.issue, "name") for pi in plan.issues}
    allocations = sorted(db.session.scalars(db.select(Allocation).filter(Allocation.measure_id.in_(owner))),
                         key=lambda a: (owner[a.measure_id], a.year, a.id))
    expenditures = sorted(db.session.scalars(db.select(Expenditure).filter(Expenditure.measure_id.in_(owner))),
                          key=lambda e: (owner[e.measure_id], e.spent_on, e.id))

    def about(recorded_on: int) -> list:
        measure = measures[owner[recorded_on]]
        return [measure.id, localized(measure, "title"), issues.get(measure.plan_issue_id, "")]

    rows = [["allocation", *about(a.measure_id), a.source, a.donor_name, a.year,
             a.decided_on.isoformat() if a.decided_on else "", a.amount, a.decision_ref, ""] for a in allocations]
    rows += [["expenditure", *about(e.measure_id), "", "", e.spent_on.year, e.spent_on.isoformat(), e.amount,
              e.document_ref, e.purpose] for e in expenditures]
    return rows
