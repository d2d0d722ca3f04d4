"""The progress page of an adopted plan's measure: status, percent complete and indicator values over time.

Anyone reads the progress of an adopted plan (names of who entered what only for the municipality's
roles); the coordinator and facilitators record it. A plan that is not adopted has no progress yet:
its page and its forms answer with the plan's translated refusal (409), a refused POST recorded in the
plan's audit log like every change.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from ..i18n import FORMAT_LOCALES, current_language, format_share, localized
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, owned_or_404, permitted_or_404
from ..plans import routes as plan_routes
from ..plans import services
from ..plans.forms import MEASURE_STATUS_LABELS
from ..plans.models import Indicator, Measure, Plan
from ..plans.workflow import ADOPTED_STATES
from ..surveys import catalogue
from ..surveys.models import Survey
from . import progress
from .progress_forms import StatusForm, SurveyValueForm, ValueForm

bp = Blueprint("progress", __name__)
PAGE = "/m/<slug>/plans/<int:plan_id>/measures/<int:measure_id>/progress"
NOT_ADOPTED = _l("Progress is recorded once the council has adopted the plan.")
EXACT, SIGNED = "#,##0.####", "+#,##0.####;-#,##0.####"


@bp.app_template_global()
def progress_url(measure: Measure) -> str | None:
    """Return the progress page of a measure of an adopted plan, else None (a draft has no progress yet)."""
    plan = measure.plan
    if plan.status not in ADOPTED_STATES:
        return None
    return url_for("progress.page", slug=plan.municipality.slug, plan_id=plan.id, measure_id=measure.id)


def exact(value, signed: bool = False) -> str:
    """Return a value with all its decimals (up to four) in the locale's style; signed shows + or -."""
    return format_decimal(value, format=SIGNED if signed else EXACT, locale=FORMAT_LOCALES[current_language()])


# --- loading ----------------------------------------------------------------------------------------------------

def _readable(slug: str, plan_id: int, measure_id: int) -> tuple[Municipality, Plan, Measure]:
    """Return the measure once the current user may read it: anyone for an adopted plan, else "view"."""
    municipality = get_or_404(slug)
    plan = owned_or_404(Plan, municipality, plan_id)
    if plan.status not in ADOPTED_STATES:
        require("view", municipality)
    return municipality, plan, db.first_or_404(db.select(Measure).filter_by(id=measure_id, plan_id=plan.id))


def _writable(slug: str, plan_id: int, measure_id: int) -> tuple[Municipality, Plan, Measure]:
    """Return the measure once the current user may record its progress (the plan's state is checked apart)."""
    municipality, plan = permitted_or_404(Plan, slug, plan_id, "edit_progress")
    return municipality, plan, db.first_or_404(db.select(Measure).filter_by(id=measure_id, plan_id=plan.id))


def _indicator(measure: Measure, indicator_id: int) -> Indicator:
    return db.first_or_404(db.select(Indicator).filter_by(id=indicator_id, measure_id=measure.id))


def _refusal(municipality: Municipality, plan: Plan, action: str | None = None):
    """Return the plan's 409 refusal (recorded with action) when it is not adopted, else None."""
    if plan.status in ADOPTED_STATES:
        return None
    return plan_routes._refused(municipality, plan, NOT_ADOPTED, action)


def _survey_choices(municipality: Municipality, surveys: list[Survey]) -> tuple[list, list]:
    """Return the survey-figure form's choices: the closed follow-up surveys and the municipality's issues."""
    return ([(str(s.id), localized(s, "title") or str(s.id)) for s in surveys],
            [(i.code, localized(i, "name")) for i in catalogue.issues_for(municipality.id)])


# --- the page ---------------------------------------------------------------------------------------------------

def _page(municipality: Municipality, plan: Plan, measure: Measure, code: int = 200, **failed):
    """Render the progress page; failed holds the form that was refused ("status_form" or, by indicator id,
    "value_forms" / "survey_forms"), shown with its messages. The other forms start empty (formdata=None: the
    request's fields belong to the refused form)."""
    may_edit = can("edit_progress", municipality)
    view = progress.measure_view(measure)
    forms = {}
    if may_edit:
        surveys = progress.follow_up_surveys(municipality)
        choices = _survey_choices(municipality, surveys) if surveys else None
        forms = {
            "status": failed.get("status_form") or StatusForm(formdata=None, data={
                "status": measure.status, "percent_complete": str(view.summary.percent_complete or 0)}
            ).with_ids(measure.id),
            "values": {i.indicator.id: ValueForm(formdata=None).with_ids(i.indicator.id) for i in view.indicators},
            "surveys": {i.indicator.id: SurveyValueForm(formdata=None, data={"issue": measure.plan_issue.issue.code})
                        .set_choices(*choices).with_ids(i.indicator.id)
                        for i in view.indicators if i.survey_share and choices},
        }
        forms["values"].update(failed.get("value_forms", {}))
        forms["surveys"].update(failed.get("survey_forms", {}))
    return render_template("progress/measure.html", m=municipality, plan=plan, measure=measure, view=view,
                           may_view=can("view", municipality), may_edit=may_edit, forms=forms,
                           status_labels=MEASURE_STATUS_LABELS, exact=exact), code


@bp.route(PAGE)
def page(slug: str, plan_id: int, measure_id: int):
    """Show a measure's status, percent complete and its indicators' values over time."""
    municipality, plan, measure = _readable(slug, plan_id, measure_id)
    return _refusal(municipality, plan) or _page(municipality, plan, measure)


def _done(plan: Plan, measure: Measure, anchor: str):
    """Commit, say so and go back to the progress page (post/redirect/get)."""
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("progress.page", slug=plan.municipality.slug, plan_id=plan.id, measure_id=measure.id)
                    + f"#{anchor}")


@bp.route(PAGE + "/status", methods=["POST"])
def status(slug: str, plan_id: int, measure_id: int):
    """Record the measure's status and percent complete."""
    municipality, plan, measure = _writable(slug, plan_id, measure_id)
    refusal = _refusal(municipality, plan, "progress")
    if refusal is not None:
        return refusal
    form = StatusForm().with_ids(measure.id)
    if not form.validate_on_submit():
        return _page(municipality, plan, measure, 400, status_form=form)
    values = form.check.values
    progress.set_progress(measure, values["status"], values["percent_complete"], current_user)
    services.record(plan, current_user, "progress", plan.status, plan.status, measure=measure,
                    note=_("%(status)s, %(percent)s complete", status=MEASURE_STATUS_LABELS[values["status"]],
                           percent=format_share(Decimal(values["percent_complete"]) / 100)))
    return _done(plan, measure, "status")


def _record_value(plan: Plan, measure: Measure, indicator: Indicator, day: date, value, note: str,
                  survey: Survey | None = None):
    """Add the indicator's value, record it in the plan's audit log and go back to the page."""
    progress.add_value(indicator, day, value, note, current_user, survey=survey)
    text = _("%(indicator)s: %(value)s on %(date)s", indicator=indicator.name, value=exact(value),
             date=day.isoformat())
    if survey is not None:
        text = _("%(entry)s, from the survey \"%(survey)s\"", entry=text, survey=localized(survey, "title"))
    services.record(plan, current_user, "indicator_value", plan.status, plan.status, note=text, measure=measure)
    return _done(plan, measure, f"indicator-{indicator.id}")


def _value_target(slug: str, plan_id: int, measure_id: int, indicator_id: int):
    """Load what a new indicator value is for; the refusal (recorded, a response) when the plan takes none now."""
    municipality, plan, measure = _writable(slug, plan_id, measure_id)
    indicator = _indicator(measure, indicator_id)
    return municipality, plan, measure, indicator, _refusal(municipality, plan, "indicator_value")


@bp.route(PAGE + "/indicators/<int:indicator_id>/values", methods=["POST"])
def add_value(slug: str, plan_id: int, measure_id: int, indicator_id: int):
    """Record a value of one of the measure's indicators (date, value, note)."""
    municipality, plan, measure, indicator, refusal = _value_target(slug, plan_id, measure_id, indicator_id)
    if refusal is not None:
        return refusal
    form = ValueForm().within(plan.first_year, services.today()).with_ids(indicator.id)
    if not form.validate_on_submit():
        return _page(municipality, plan, measure, 400, value_forms={indicator.id: form})
    values = form.check.values
    return _record_value(plan, measure, indicator, values["measured_on"], values["value"], values["note"])


@bp.route(PAGE + "/indicators/<int:indicator_id>/from-survey", methods=["POST"])
def from_survey(slug: str, plan_id: int, measure_id: int, indicator_id: int):
    """Take the indicator's value from a closed follow-up survey: the published share rating an issue serious."""
    municipality, plan, measure, indicator, refusal = _value_target(slug, plan_id, measure_id, indicator_id)
    if refusal is not None:
        return refusal
    surveys = {str(s.id): s for s in progress.follow_up_surveys(municipality)}
    form = SurveyValueForm().set_choices(*_survey_choices(municipality, list(surveys.values()))).with_ids(indicator.id)
    if not form.validate_on_submit():
        return _page(municipality, plan, measure, 400, survey_forms={indicator.id: form})
    day, value, problem = progress.survey_reading(surveys[form.survey.data], form.issue.data, indicator,
                                                  plan.first_year, services.today())
    if problem is not None:
        name, code = problem
        form.add_error(name, code, plan.first_year)
        return _page(municipality, plan, measure, 409 if code == "not_published" else 400,
                     survey_forms={indicator.id: form})
    return _record_value(plan, measure, indicator, day, value, "", surveys[form.survey.data])
