"""Budget pages: a measure's allocations and spending, the plan's budget view, and the exchange rates.

An adopted plan's budget is public, like the plan's public page: anyone may read it, and it names no person
(never who entered a figure). An earlier version has no budget yet: those who may see the plan are told so
(409), everyone else gets 404. Only the coordinator (and site admins) record money, while the plan is
adopted or in implementation; a completed plan is closed for the record.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import FORMAT_LOCALES, current_language, format_money, localized
from ..municipalities import guide
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, permitted_or_404
from ..plans import review, workflow
from ..plans import services as plan_services
from ..plans.models import Measure, Plan, PlanIssue
from ..plans.services import today
from ..surveys import export
from . import rollup, services
from .forms import AllocationForm, ExpenditureForm, RateForm
from .labels import SOURCE_LABELS

bp = Blueprint("budget", __name__)
PLAN = "/m/<slug>/plans/<int:plan_id>/budget"
MEASURE = "/m/<slug>/plans/<int:plan_id>/measures/<int:measure_id>/budget"
# Money is recorded while the plan is carried out; a completed plan is kept as it is.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECORDING_STATES = tuple(s for s in workflow.ADOPTED_STATES if s not in workflow.FINAL_STATES)


@bp.app_template_filter("usd")
def format_usd(value: Decimal | None) -> str:
    """Return US dollars rounded to the cent in the page language's format ('' for None)."""
    if value is None:
        return ""
    return format_currency(rollup.display(value), "USD", locale=FORMAT_LOCALES[current_language()])


@bp.app_template_filter("rate")
def format_rate(value: Decimal | None) -> str:
    """Return an exchange rate with all its decimals (two to four) in the page language's format."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.00##", locale=FORMAT_LOCALES[current_language()])


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its length as a share of the longest (0..1), the figure, its series."""

    label: str
    share: Decimal
    text: str
    kind: str = "allocated"


def bars(items: list[tuple[str, Decimal, str]], text=format_money) -> list[Bar]:
    """Return bars of (label, value, series) items, each as long as its share of the largest value; `text`
    writes the value beside the bar (som by default)."""
    lengths = rollup.shares([Decimal(value) for _label, value, _kind in items])
    return [Bar(label, length, text(value), kind) for (label, value, kind), length in zip(items, lengths)]


# --- the planning guide's budget step ----------------------------------------------------------

def budget_step(municipality: Municipality) -> guide.StepState:
    """Report the budget step: no adopted plan yet, money being recorded (with the figures), or plan completed."""
    plan = review.adopted_plan(municipality)
    if plan is None:
        return guide.StepState("todo", _("The budget is followed once the council has adopted the plan."))
    total = services.plan_rollup(plan).total
    detail = _("Allocated %(allocated)s of %(planned)s; spent %(spent)s.", allocated=format_money(total.allocated.kgs),
               planned=format_money(total.planned.kgs), spent=format_money(total.spent.kgs))
    url = url_for("budget.plan", slug=municipality.slug, plan_id=plan.id)
    if plan.status in workflow.FINAL_STATES:
        return guide.StepState("done", detail, _("See the budget"), url)
    if can("manage_budget", municipality):
        return guide.StepState("in_progress", detail, _("Record allocations and spending"), url)
    return guide.StepState("in_progress", detail, _("See the budget"), url)


def init_app(app) -> None:
    """Light up the budget step of the planning guide."""
    guide.register_step(app, "budget", budget_step)


# --- loading and refusing ---------------------------------------------------------------------------

def _refused(municipality: Municipality, plan: Plan, action: str | None = None):
    """Return the 409 page saying why the budget cannot be read or changed now; with action (a POST), record
    the refused attempt in the plan's audit log and commit only that."""
    if plan.status in workflow.FINAL_STATES:
        message = _("The plan is completed and kept for the record: its budget can no longer change.")
    else:
        message = _("Money is recorded once the council has adopted the plan.")
    if action is not None:
        db.session.rollback()
        plan = db.session.get(Plan, plan.id)
        plan_services.record(plan, current_user, action, plan.status, plan.status, refused=True)
        db.session.commit()
    return render_template("plans/refused.html", m=municipality, plan=plan, message=message,
                           state=workflow.STATE_LABELS.get(plan.status, plan.status), offer_version=False,
                           confirm=None), 409


def _readable(slug: str, plan_id: int) -> tuple[Municipality, Plan]:
    """Return an adopted plan to anyone; abort with 404 for plans that are missing or not for this user."""
    municipality = get_or_404(slug)
    plan = db.first_or_404(db.select(Plan).filter_by(id=plan_id, municipality_id=municipality.id)
                           .options(selectinload(Plan.issues).joinedload(PlanIssue.issue), selectinload(Plan.measures)))
    if plan.status not in workflow.ADOPTED_STATES and not can("view", municipality):
        abort(404)  # drafts are never shown to the public, not even as existing
    return municipality, plan


def _measure_of(plan: Plan, measure_id: int) -> Measure:
    return db.first_or_404(db.select(Measure).filter_by(id=measure_id, plan_id=plan.id))


def _setup(plan: Plan, form):
    """Return the form set up to check entries against the plan's period and today."""
    form.setup(plan.first_year, plan.last_year, today())
    return form


def _blank_forms(plan: Plan) -> tuple[AllocationForm, ExpenditureForm]:
    """Return the measure page's two empty forms: this year (when in the plan's period) and today offered."""
    day = today()
    year = day.year if plan.first_year <= day.year <= plan.last_year else plan.first_year
    return (_setup(plan, AllocationForm(prefix="allocation", formdata=None, data={"year": str(year)})),
            _setup(plan, ExpenditureForm(prefix="expenditure", formdata=None, data={"spent_on": day.isoformat()})))


def _measure_page(municipality: Municipality, plan: Plan, measure: Measure, allocation: AllocationForm | None = None,
                  expenditure: ExpenditureForm | None = None):
    """Render the measure's budget page (400 when a submitted form has errors)."""
    blank_allocation, blank_expenditure = _blank_forms(plan)
    allocation = blank_allocation if allocation is None else allocation
    expenditure = blank_expenditure if expenditure is None else expenditure
    figures = services.plan_rollup(plan, [measure]).measures[measure.id]
    may_record = can("manage_budget", municipality) and plan.status in RECORDING_STATES
    status = 400 if allocation.errors or expenditure.errors else 200
    return render_template("budget/measure.html", m=municipality, plan=plan, measure=measure, figures=figures,
                           allocations=services.allocations_of(measure), expenditures=services.expenditures_of(measure),
                           sources=SOURCE_LABELS, may_record=may_record, allocation_form=allocation,
                           expenditure_form=expenditure, labels=workflow.STATE_LABELS), status


def _recordable(slug: str, plan_id: int, measure_id: int, action: str):
    """Return (municipality, plan, measure, None) when the current user may record money now, else a refusal
    (login or 403 first, then 409 when the plan's state does not allow it) as the fourth item."""
    municipality, plan = permitted_or_404(Plan, slug, plan_id, "manage_budget")
    measure = _measure_of(plan, measure_id)
    refusal = None if plan.status in RECORDING_STATES else _refused(municipality, plan, action)
    return municipality, plan, measure, refusal


# --- pages ----------------------------------------------------------------------------------------

@bp.route(MEASURE)
def measure(slug: str, plan_id: int, measure_id: int):
    """Show a measure's allocations and spending, newest first, its totals and the forms to record money."""
    municipality, plan = _readable(slug, plan_id)
    measure = _measure_of(plan, measure_id)
    if plan.status not in workflow.ADOPTED_STATES:
        return _refused(municipality, plan)
    return _measure_page(municipality, plan, measure)


def _record(slug: str, plan_id: int, measure_id: int, kind: str):
    """Record an allocation or a payment ("allocation" | "expenditure") on the measure, or show the form's errors."""
    form_class, save, done = RECORDS[kind]
    municipality, plan, measure, refusal = _recordable(slug, plan_id, measure_id, f"add_{kind}")
    if refusal is not None:
        return refusal
    form = _setup(plan, form_class(prefix=kind))
    if not form.validate_on_submit():  # shown again with its errors (400), nothing saved
        return _measure_page(municipality, plan, measure, **{kind: form})
    save(plan, measure, current_user, form.check.values)
    db.session.commit()
    flash(done(), "success")
    return redirect(url_for("budget.measure", slug=slug, plan_id=plan.id, measure_id=measure.id) + f"#{kind}s")


# kind: (form, the service that saves it, the message once saved)
RECORDS = {
    "allocation": (AllocationForm, services.add_allocation, lambda: _("The allocation is recorded.")),
    "expenditure": (ExpenditureForm, services.add_expenditure, lambda: _("The spending is recorded.")),
}


@bp.route(MEASURE + "/allocations", methods=["POST"])
def add_allocation(slug: str, plan_id: int, measure_id: int):
    """Record money allocated to the measure."""
    return _record(slug, plan_id, measure_id, "allocation")


@bp.route(MEASURE + "/expenditures", methods=["POST"])
def add_expenditure(slug: str, plan_id: int, measure_id: int):
    """Record money spent on the measure."""
    return _record(slug, plan_id, measure_id, "expenditure")


@bp.route(PLAN)
def plan(slug: str, plan_id: int):
    """Show the plan's budget: planned, allocated, spent and the gap, by source, priority issue and year."""
    municipality, plan = _readable(slug, plan_id)
    if plan.status not in workflow.ADOPTED_STATES:
        return _refused(municipality, plan)
    summary = services.plan_rollup(plan)
    issues = [(pi, summary.by_issue[pi.issue.code]) for pi in plan.issues if pi.issue.code in summary.by_issue]
    total = summary.total
    charts = {
        "total": bars([(_("Planned"), total.planned.kgs, "planned"), (_("Allocated"), total.allocated.kgs,
                                                                      "allocated"),
                       (_("Spent"), total.spent.kgs, "spent"), (_("Unfunded gap"), total.gap.kgs, "gap")]),
        "source": bars([(str(SOURCE_LABELS.get(s, s)), a.kgs, "allocated") for s, a in summary.by_source.items()]),
        "issue": bars([(localized(pi.issue, "name"), f.allocated.kgs, "allocated") for pi, f in issues]),
        "year": bars([item for y in summary.by_year.values()
                      for item in ((_("%(year)s: allocated", year=y.year), y.allocated.kgs, "allocated"),
                                   (_("%(year)s: spent", year=y.year), y.spent.kgs, "spent"))]),
    }
    return render_template("budget/plan.html", m=municipality, plan=plan, summary=summary, issues=issues,
                           charts=charts, sources=SOURCE_LABELS, labels=workflow.STATE_LABELS,
                           internal=can("view", municipality), set_rates=can("admin"))


def _export(slug: str, plan_id: int, kind: str):
    """Send an adopted plan's budget lines as "csv" or "xlsx" (every text cell neutralised against formulas)."""
    municipality, plan = _readable(slug, plan_id)
    if plan.status not in workflow.ADOPTED_STATES:
        return _refused(municipality, plan)
    rows = services.budget_lines(plan)
    if kind == "csv":
        response = Response("".join(export.csv_text(services.LINE_HEADER, rows)).encode("utf-8"), mimetype="text/csv")
    else:
        response = Response(export.xlsx_bytes("budget", services.LINE_HEADER, rows), mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={slug}-plan-v{plan.version}-budget.{kind}"
    return response


@bp.route(PLAN + ".csv")
def plan_csv(slug: str, plan_id: int):
    """Download the plan's budget lines (allocations and expenditures) as CSV for Excel."""
    return _export(slug, plan_id, "csv")


@bp.route(PLAN + ".xlsx")
def plan_xlsx(slug: str, plan_id: int):
    """Download the plan's budget lines as an Excel workbook (amounts as numbers)."""
    return _export(slug, plan_id, "xlsx")


@bp.route("/admin/exchange-rates", methods=["GET", "POST"])
def exchange_rates():
    """Let site admins set the som per US dollar rate of a year (a new rate replaces the year's old one)."""
    require("admin")
    form = RateForm()
    if form.validate_on_submit():
        values = form.check.values
        services.set_rate(values["year"], values["kgs_per_usd"])
        db.session.commit()
        flash(_("The rate for %(year)s is saved.", year=values["year"]), "success")
        return redirect(url_for("budget.exchange_rates"))
    return render_template("budget/rates.html", form=form, rates=services.rate_rows()), 400 if form.errors else 200
