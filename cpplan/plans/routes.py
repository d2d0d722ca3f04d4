"""Plan pages: start a plan from the agreed priorities, edit it and its measures, review and adoption."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import maps
from ..accounts.models import User
from ..config import LANGUAGES
from ..extensions import db
from ..i18n import current_language, format_day, localized
from ..municipalities import guide
from ..municipalities.labels import ROLE_LABELS
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, permitted_or_404
from ..priorities.models import latest_decision
from ..results import queries
from . import library, review, services, validation, workflow
from .forms import INDICATOR_ROWS, MEASURE_STATUS_LABELS, ConfirmForm, IssueForm, MeasureForm, PlanForm, TransitionForm
from .models import Indicator, Measure, Plan, PlanIssue

bp = Blueprint("plans", __name__)
LANG_INDEX = {lang: n for n, lang in enumerate(LANGUAGES)}  # library texts are (ky, ru, en)
# What the audit log calls the edits it records (the workflow's steps have their own labels).
EVENT_LABELS = {
    "start": _l("Plan started"),
    "edit": _l("Plan edited"),
    "add_measure": _l("Measure added"),
    "edit_measure": _l("Measure edited"),
    "new_version": _l("New version made"),
    "add_allocation": _l("Allocation recorded"),  # budget/
    "add_expenditure": _l("Spending recorded"),  # budget/
    "progress": _l("Progress of a measure updated"),
    "indicator_value": _l("Indicator value recorded"),
}


def plan_step(municipality: Municipality) -> guide.StepState:
    """Report the plan step: no plan, a draft being written, or a plan submitted or further."""
    plan = services.latest_plan(municipality)
    index_url = url_for("plans.index", slug=municipality.slug)
    if plan is None:
        editor = can("edit_plan", municipality)
        return guide.StepState("todo", _("No plan yet."), _("Start the plan") if editor else None,
                               index_url if editor else None)
    detail_url = url_for("plans.detail", slug=municipality.slug, plan_id=plan.id)
    status = str(workflow.STATE_LABELS[plan.status])
    if plan.status in workflow.EDITABLE_STATES:
        detail = _("Version %(version)s is being written (%(status)s).", version=plan.version, status=status)
        if can("edit_plan", municipality):
            return guide.StepState("in_progress", detail, _("Add measures"), detail_url)
        return guide.StepState("in_progress", detail, _("See the plan") if can("view", municipality) else None,
                               detail_url if can("view", municipality) else None)
    return guide.StepState("done", _("Version %(version)s: %(status)s.", version=plan.version, status=status),
                           _("See the plan") if can("view", municipality) else None,
                           detail_url if can("view", municipality) else None)


def adoption_step(municipality: Municipality) -> guide.StepState:
    """Report the adoption step: not submitted, in review or approved (the role's next action), or adopted."""
    plan = services.latest_plan(municipality)
    if plan is None or plan.status in workflow.EDITABLE_STATES:
        return guide.StepState("todo", _("The plan has not been submitted for review yet."))
    detail_url = url_for("plans.detail", slug=municipality.slug, plan_id=plan.id) + "#workflow"
    if plan.status in workflow.ADOPTED_STATES:
        return guide.StepState("done", _("Adopted by the council: decision %(number)s of %(date)s.",
                                         number=plan.council_decision_number,
                                         date=format_day(plan.council_decision_date)))
    detail = str(workflow.STATE_LABELS[plan.status])
    actions = workflow.actions_for(plan.status, services.workflow_role(current_user, municipality))
    if "start_review" in actions or "approve" in actions:
        return guide.StepState("in_progress", detail, _("Review the plan"), detail_url)
    if "adopt" in actions:
        return guide.StepState("in_progress", detail, _("Record the council's adoption"), detail_url)
    return guide.StepState("in_progress", detail)


def init_app(app) -> None:
    """Light up the plan and adoption steps of the planning guide."""
    guide.register_step(app, "plan", plan_step)
    guide.register_step(app, "adoption", adoption_step)


# --- loading ------------------------------------------------------------------------------------

def _plan(slug: str, plan_id: int, action: str) -> tuple[Municipality, Plan]:
    return permitted_or_404(Plan, slug, plan_id, action)


def _role(municipality: Municipality) -> str | None:
    return services.workflow_role(current_user, municipality)


def _refused(municipality: Municipality, plan: Plan, message, action: str | None = None):
    """Return the 409 page saying why; with action (a POST), record the refused attempt and commit only that."""
    if action is not None:
        db.session.rollback()
        plan = db.session.get(Plan, plan.id)
        services.record(plan, current_user, action, plan.status, plan.status, refused=True)
        db.session.commit()
    offer_version = (workflow.needs_new_version(plan.status) and can("edit_plan", municipality)
                     and services.newer_version(plan) is None)
    return render_template("plans/refused.html", m=municipality, plan=plan, message=message,
                           state=workflow.STATE_LABELS.get(plan.status, plan.status),
                           offer_version=offer_version, confirm=ConfirmForm()), 409


def _edit_refusal(municipality: Municipality, plan: Plan):
    """Return workflow.can_edit's refusal for the current user, or None when the content may be edited."""
    return workflow.can_edit(plan.status, _role(municipality))


def _choices(municipality: Municipality) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    orgs = [(str(o.id), localized(o, "name")) for o in municipality.organisations]
    areas = [(str(a.id), localized(a, "name")) for a in municipality.areas]
    return orgs, areas


# --- pages ----------------------------------------------------------------------------------------

@bp.route("/m/<slug>/plans")
def index(slug: str):
    """List the municipality's plans (status, version); offer to start one from the agreed priorities."""
    municipality = get_or_404(slug)
    require("view", municipality)
    plans = services.plans_of(municipality)
    return render_template("plans/index.html", m=municipality, plans=plans, labels=workflow.STATE_LABELS,
                           decision=latest_decision(municipality.id), can_edit=can("edit_plan", municipality),
                           confirm=ConfirmForm())


@bp.route("/m/<slug>/plans/new", methods=["POST"])
def start(slug: str):
    """Start a draft plan from the latest agreed priorities, its problem statements pre-filled."""
    municipality = get_or_404(slug)
    require("edit_plan", municipality)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    decision = latest_decision(municipality.id)
    if decision is None:
        flash(_("Agree the priority issues first: the plan starts from them."), "error")
        return redirect(url_for("plans.index", slug=slug))
    existing = services.latest_plan(municipality)
    if existing is not None:
        flash(_("The municipality already has a plan."), "error")
        return redirect(url_for("plans.detail", slug=slug, plan_id=existing.id))
    plan = services.start_plan(municipality, decision, current_user, queries.issue_figures(municipality))
    db.session.commit()
    flash(_("The plan is started. Add measures for each priority issue."), "success")
    return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id))


@bp.route("/m/<slug>/plans/<int:plan_id>")
def detail(slug: str, plan_id: int):
    """Show the plan: period, status, issues with their measures, total cost, the steps the user may take."""
    municipality, plan = _plan(slug, plan_id, "view")
    return detail_page(municipality, plan)


def detail_page(municipality: Municipality, plan: Plan, comment_error: dict | None = None):
    """Render the plan page; with comment_error ({"measure_id", "body", "message"}) a refused comment, as a 400."""
    # Measures with their lead, area, partners and indicators in a fixed number of queries, not two per measure.
    plan = db.session.scalar(db.select(Plan).filter_by(id=plan.id).options(*review.whole_plan()))
    role = _role(municipality)
    show_log = can("view_plan_log", municipality)
    return render_template("plans/detail.html", m=municipality, plan=plan, total=services.total_cost(plan),
                           labels=workflow.STATE_LABELS, helps=workflow.STATE_HELP,
                           action_labels=workflow.ACTION_LABELS, action_who=workflow.ACTION_WHO,
                           actions=workflow.actions_for(plan.status, role) if can("transition_plan", municipality)
                           else [],
                           measure_labels=MEASURE_STATUS_LABELS, form=TransitionForm(), confirm=ConfirmForm(),
                           can_edit=can("edit_plan", municipality) and _edit_refusal(municipality, plan) is None,
                           offer_version=(can("edit_plan", municipality) and workflow.needs_new_version(plan.status)
                                          and services.newer_version(plan) is None),
                           newer=services.newer_version(plan), change_request=services.change_request(plan),
                           previous=db.session.get(Plan, plan.previous_id) if plan.previous_id else None,
                           show_log=show_log,
                           log_counts=services.log_counts([v.id for v in services.versions_back(plan)])
                           if show_log else None,
                           comments=services.comments_of(plan), role_labels=ROLE_LABELS,
                           may_comment=(can("comment_plan", municipality)
                                        and workflow.can_comment(plan.status, role) is None),
                           comment_error=comment_error), 200 if comment_error is None else 400


def _names(user_ids: list[int | None]) -> dict[int, str]:
    """Return {user id: display name} of the users named in the audit log."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.display_name).filter(User.id.in_(ids))).all())


@bp.route("/m/<slug>/plans/<int:plan_id>/edit", methods=["GET", "POST"])
def edit(slug: str, plan_id: int):
    """Edit the plan's title (in the page language) and period, while the workflow allows it."""
    municipality, plan = _plan(slug, plan_id, "edit_plan")
    lang = current_language()
    form = PlanForm(data={"title": localized(plan, "title"), "first_year": plan.first_year,
                          "last_year": plan.last_year} if request.method == "GET" else None)
    refusal = _edit_refusal(municipality, plan)
    if refusal is not None:
        return _refused(municipality, plan, refusal.message, "edit" if request.method == "POST" else None)
    if form.validate_on_submit():
        setattr(plan, f"title_{lang}", form.title.data.strip())
        plan.first_year, plan.last_year = form.first_year.data, form.last_year.data
        services.record(plan, current_user, "edit", plan.status, plan.status)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id))
    return render_template("plans/edit.html", m=municipality, plan=plan, form=form), 400 if form.errors else 200


@bp.route("/m/<slug>/plans/<int:plan_id>/issues/<int:issue_id>", methods=["GET", "POST"])
def edit_issue(slug: str, plan_id: int, issue_id: int):
    """Edit a priority issue's problem and objective; list the library's measures for it."""
    municipality, plan = _plan(slug, plan_id, "edit_plan")
    plan_issue = db.first_or_404(db.select(PlanIssue).filter_by(id=issue_id, plan_id=plan.id))
    lang = current_language()
    form = IssueForm(data={"problem": localized(plan_issue, "problem"),
                           "objective": localized(plan_issue, "objective")} if request.method == "GET" else None)
    refusal = _edit_refusal(municipality, plan)
    if refusal is not None:
        return _refused(municipality, plan, refusal.message, "edit" if request.method == "POST" else None)
    if form.validate_on_submit():
        setattr(plan_issue, f"problem_{lang}", (form.problem.data or "").strip())
        setattr(plan_issue, f"objective_{lang}", (form.objective.data or "").strip())
        services.record(plan, current_user, "edit", plan.status, plan.status)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id) + f"#issue-{plan_issue.id}")
    return render_template("plans/issue.html", m=municipality, plan=plan, plan_issue=plan_issue, form=form,
                           suggestions=library.for_issue(plan_issue.issue.code), lang_index=LANG_INDEX[lang]), \
        400 if form.errors else 200


def _library_data(entry: library.LibraryMeasure, municipality: Municipality, plan: Plan, lang: str) -> dict:
    """Return a measure form's data pre-filled from a library measure, in the page language."""
    n = LANG_INDEX[lang]
    lead = next((o for o in municipality.organisations if o.kind == entry.lead), None)
    partners = [str(o.id) for o in municipality.organisations if o.kind in entry.partners and o is not lead]
    end_index = plan.first_year * 12 + entry.months - 1  # months counted from January of the first year
    return {"title": entry.title[n], "description": entry.description[n], "lead": str(lead.id) if lead else "",
            "partners": partners, "start": f"{plan.first_year}-01",
            "end": f"{end_index // 12:04d}-{end_index % 12 + 1:02d}",
            "cost": "" if entry.cost_hint_kgs is None else str(entry.cost_hint_kgs), "status": "planned",
            "indicators": [{"name": i.name[n], "unit": i.unit[n], "target": "", "baseline": "",
                            "source": i.source[n]} for i in entry.indicators[:INDICATOR_ROWS]]}


def _text_of(value) -> str:
    """Return a stored number as the form shows it: "" for None, else its exact digits."""
    return "" if value is None else str(value)


def _measure_data(measure: Measure) -> dict:
    """Return the edit form's data from a stored measure (texts in the page language)."""
    return {"title": localized(measure, "title"), "description": localized(measure, "description"),
            "lead": str(measure.lead_id or ""), "partners": [str(o.id) for o in measure.partners],
            "start": measure.start, "end": measure.end, "cost": _text_of(measure.cost),
            "funded": _text_of(measure.funded), "area": str(measure.area_id or ""),
            "lat": _text_of(measure.lat), "lon": _text_of(measure.lon), "status": measure.status,
            "indicators": [{"name": i.name, "unit": i.unit, "baseline": i.baseline, "target": i.target,
                            "source": i.source} for i in measure.indicators]}


def _save_measure(measure: Measure, form: MeasureForm, municipality: Municipality, lang: str) -> None:
    """Copy the checked form onto the measure (texts in the page language)."""
    values = form.check.values
    setattr(measure, f"title_{lang}", values["title"])
    setattr(measure, f"description_{lang}", values["description"])
    orgs = {str(o.id): o for o in municipality.organisations}
    measure.lead_id = int(form.lead.data) if form.lead.data else None
    measure.partners = [orgs[p] for p in dict.fromkeys(form.partners.data or []) if p != form.lead.data]
    measure.start, measure.end = str(values["start"]), str(values["end"])
    measure.cost, measure.funded = values["cost"], values["funded"]
    measure.area_id = int(form.area.data) if form.area.data else None
    measure.lat, measure.lon = values["point"] or (None, None)
    measure.status = values["status"]
    measure.indicators = [Indicator(position=n, name=i.name, unit=i.unit, baseline=i.baseline, target=i.target,
                                    source=i.source) for n, i in enumerate(values["indicators"])]


def _point_picker(municipality: Municipality, form: MeasureForm) -> maps.MapParts:
    """Return the measure form's map picker, centred on the point in the form, else on the municipality."""
    lat = validation.parse_coordinate(form.lat.data, validation.LAT_RANGE)[0]
    lon = validation.parse_coordinate(form.lon.data, validation.LON_RANGE)[0]
    if lat is not None and lon is not None:
        center = (float(lat), float(lon))
    elif municipality.lat is not None and municipality.lon is not None:
        center = (float(municipality.lat), float(municipality.lon))
    else:
        center = None
    places = [maps.Place(float(a.lat), float(a.lon), localized(a, "name")) for a in municipality.areas
              if a.lat is not None and a.lon is not None]
    text = maps.PickerText(
        pick=_("Pick on the map"), clear=_("Clear the point"), label=_("Map for picking the point of the measure"),
        hint=_("Tap where the measure takes place, or move the map with the arrow keys and press Enter to put the "
               "point at its centre. Mark a public place, never someone's home."),
        failed=_("The map could not be loaded. Type the coordinates instead."))
    return maps.picker_map(inputs=(form.lat.id, form.lon.id), script=url_for("static", filename="js/point-picker.js"),
                           assets=maps.vendored_assets(), text=text, center=center, places=places)


def _measure_page(municipality, plan, plan_issue, form, measure=None, entry=None):
    """Render the measure form (400 when it has errors) with its point picker."""
    return render_template("plans/measure.html", m=municipality, plan=plan, plan_issue=plan_issue, form=form,
                           measure=measure, entry=entry, picker=_point_picker(municipality, form)), \
        400 if form.errors else 200


@bp.route("/m/<slug>/plans/<int:plan_id>/issues/<int:issue_id>/measures/new", methods=["GET", "POST"])
def new_measure(slug: str, plan_id: int, issue_id: int):
    """Add a measure to a priority issue; ?library=<code> pre-fills it from the measures library."""
    municipality, plan = _plan(slug, plan_id, "edit_plan")
    plan_issue = db.first_or_404(db.select(PlanIssue).filter_by(id=issue_id, plan_id=plan.id))
    refusal = _edit_refusal(municipality, plan)
    if refusal is not None:
        return _refused(municipality, plan, refusal.message, "add_measure" if request.method == "POST" else None)
    lang = current_language()
    entry = library.get(request.args.get("library", ""))
    if entry is not None and entry.issue != plan_issue.issue.code:
        entry = None
    form = MeasureForm(data=_library_data(entry, municipality, plan, lang) if entry and request.method == "GET"
                       else None)
    form.set_choices(*_choices(municipality))
    if form.validate_on_submit():
        measure = Measure(plan_issue=plan_issue, position=len(plan_issue.measures) + 1,
                          library_code=entry.code if entry else None)
        if entry is not None:  # the other languages keep the library's text
            for other, n in LANG_INDEX.items():
                setattr(measure, f"title_{other}", entry.title[n])
                setattr(measure, f"description_{other}", entry.description[n])
        _save_measure(measure, form, municipality, lang)
        plan.measures.append(measure)
        db.session.flush()
        services.record(plan, current_user, "add_measure", plan.status, plan.status, measure=measure)
        db.session.commit()
        flash(_("The measure is added."), "success")
        return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id) + f"#measure-{measure.id}")
    return _measure_page(municipality, plan, plan_issue, form, entry=entry)


@bp.route("/m/<slug>/plans/<int:plan_id>/measures/<int:measure_id>/edit", methods=["GET", "POST"])
def edit_measure(slug: str, plan_id: int, measure_id: int):
    """Edit a measure of the plan (texts in the page language), while the workflow allows it."""
    municipality, plan = _plan(slug, plan_id, "edit_plan")
    measure = db.first_or_404(db.select(Measure).filter_by(id=measure_id, plan_id=plan.id))
    refusal = _edit_refusal(municipality, plan)
    if refusal is not None:
        return _refused(municipality, plan, refusal.message, "edit_measure" if request.method == "POST" else None)
    lang = current_language()
    form = MeasureForm(data=_measure_data(measure) if request.method == "GET" else None)
    form.set_choices(*_choices(municipality))
    if form.validate_on_submit():
        _save_measure(measure, form, municipality, lang)
        services.record(plan, current_user, "edit_measure", plan.status, plan.status, measure=measure)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id) + f"#measure-{measure.id}")
    return _measure_page(municipality, plan, measure.plan_issue, form, measure=measure)


@bp.route("/m/<slug>/plans/<int:plan_id>/transition", methods=["POST"])
def transition(slug: str, plan_id: int):
    """Take a step of the review and adoption; a refused step is recorded and explained (409)."""
    municipality, plan = _plan(slug, plan_id, "transition_plan")
    form = TransitionForm()
    form.validate_on_submit()  # the CSRF token is checked app-wide; a bad date counts as no date
    action, note = form.action.data or "", (form.note.data or "").strip()
    council = {"number": form.decision_number.data or "", "date": form.decision_date.data}
    result = workflow.check(plan.status, action, _role(municipality), note=note, decision=council,
                            today=services.today())
    if not result.ok:
        return _refused(municipality, plan, result.message, action[:40] or "unknown")
    from_state = plan.status
    plan.status = result.to_state
    if result.decision is not None:
        plan.council_decision_number = result.decision.number
        plan.council_decision_date = result.decision.date
    services.record(plan, current_user, action, from_state, plan.status, note)
    db.session.commit()
    flash(_("Done: the plan is now \"%(state)s\".", state=workflow.STATE_LABELS[plan.status]), "success")
    return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id))


@bp.route("/m/<slug>/plans/<int:plan_id>/new-version", methods=["POST"])
def new_version(slug: str, plan_id: int):
    """Copy an adopted plan into the next version (draft) so that it can be changed and reviewed again."""
    municipality, plan = _plan(slug, plan_id, "edit_plan")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    newer = services.newer_version(plan)
    if newer is not None:
        flash(_("A newer version of this plan already exists."), "error")
        return redirect(url_for("plans.detail", slug=slug, plan_id=newer.id))
    if not workflow.needs_new_version(plan.status):
        return _refused(municipality, plan, _("Only an adopted plan needs a new version; edit this one directly."),
                        "new_version")
    copy = services.new_version(plan, current_user)
    db.session.commit()
    flash(_("Version %(version)s is a draft: change it and submit it for review again.", version=copy.version),
          "success")
    return redirect(url_for("plans.detail", slug=slug, plan_id=copy.id))


from . import public_routes  # noqa: E402, F401  (registers the public plan page and the police view on bp)
from . import review_routes  # noqa: E402,F401
