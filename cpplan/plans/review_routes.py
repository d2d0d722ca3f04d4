"""Review pages of a plan: comments on the plan and its measures, the audit log across versions, what changed.

Registered on the plans blueprint (routes.py imports this module at its end).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..config import LANGUAGES
from ..extensions import db
from ..i18n import FORMAT_LOCALES, LANGUAGE_NAMES, current_language, format_money, localized
from ..municipalities.forms import TOO_LONG
from ..municipalities.models import Municipality
from ..municipalities.services import owned_or_404
from ..surveys.models import Issue
from . import compare, services, workflow
from .forms import MEASURE_STATUS_LABELS
from .models import Measure, Plan
from .routes import EVENT_LABELS, _names, _plan, _refused, _role, bp, detail_page

# The audit log names the workflow's steps and the recorded edits with the labels the plan page uses.
LOG_LABELS = {**EVENT_LABELS, **workflow.ACTION_LABELS}
CHANGE_LABELS = {
    "title": _l("Title"),
    "period": _l("Period"),
    "problem": _l("Problem"),
    "objective": _l("Objective"),
    "description": _l("Description"),
    "lead": _l("Lead"),
    "partners": _l("Partners"),
    "timeline": _l("Timeline"),
    "cost": _l("Cost"),
    "funded": _l("Funding already secured, in som"),
    "area": _l("Area"),
    "status": _l("Status"),
    "indicator": _l("Indicator"),
    "indicator_unit": _l("Unit"),
    "indicator_baseline": _l("Baseline"),
    "indicator_target": _l("Target"),
    "indicator_source": _l("Source"),
}
CHANGE_BADGES = {compare.ADDED: _l("Added"), compare.REMOVED: _l("Removed")}
_MAX_ID_DIGITS = 9  # an id typed into the address is a 32-bit integer at most


def _id_or_404(raw: str) -> int:
    """Return a positive integer id typed into a form or the address, or abort with 404."""
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > _MAX_ID_DIGITS:
        abort(404)
    return int(raw)


def format_when(value: datetime) -> str:
    """Return a moment as the date and time in Kyrgyzstan (Asia/Bishkek) in the page locale's format."""
    return format_datetime(value, "medium", tzinfo=services.TIME_ZONE, locale=FORMAT_LOCALES[current_language()])


# --- comments -------------------------------------------------------------------------------------------

class CommentForm(FlaskForm):
    """A comment's text (the measure it is about comes as measure_id and is checked by the view)."""

    body = TextAreaField(_l("Your comment"), filters=[lambda value: value.strip() if isinstance(value, str) else value],
                         validators=[DataRequired(message=_l("Write the comment first.")),
                                     Length(max=services.COMMENT_MAX, message=TOO_LONG)])


@bp.route("/m/<slug>/plans/<int:plan_id>/comments", methods=["POST"])
def comment(slug: str, plan_id: int):
    """Add a comment on the plan, or with measure_id on one of its measures; back to it (post/redirect/get).

    A measure of another plan is 404; a comment the workflow refuses is explained (409); an empty or too long
    comment shows the plan page again with the message at the field (400). Comments are their own record: the
    audit log does not repeat them.
    """
    municipality, plan = _plan(slug, plan_id, "comment_plan")
    raw_measure = request.form.get("measure_id", "")
    measure = (db.first_or_404(db.select(Measure).filter_by(id=_id_or_404(raw_measure), plan_id=plan.id))
               if raw_measure.strip() else None)
    refusal = workflow.can_comment(plan.status, _role(municipality))
    if refusal is not None:
        return _refused(municipality, plan, refusal.message)
    form = CommentForm()
    if not form.validate_on_submit():
        return detail_page(municipality, plan, comment_error={
            "measure_id": None if measure is None else measure.id, "body": form.body.data or "",
            "message": " ".join(str(e) for e in form.body.errors)})
    services.add_comment(plan, current_user, form.body.data, measure)
    db.session.commit()
    flash(_("Your comment is added."), "success")
    anchor = "#comments" if measure is None else f"#measure-{measure.id}"
    return redirect(url_for("plans.detail", slug=slug, plan_id=plan.id) + anchor)


# --- the audit log --------------------------------------------------------------------------------------

@bp.route("/m/<slug>/plans/<int:plan_id>/log")
def log(slug: str, plan_id: int):
    """List the audit log of the plan and its earlier versions, newest first, 100 rows a page.

    ?only=refused keeps the refused attempts, ?version=N one version (404 if the plan has no such version).
    """
    municipality, plan = _plan(slug, plan_id, "view_plan_log")
    versions = services.versions_back(plan)
    version = request.args.get("version", type=int)
    shown = [v for v in versions if version is None or v.version == version]
    if not shown:
        abort(404)
    refused_only = request.args.get("only") == "refused"
    page = services.log_page([v.id for v in shown], request.args.get("page", 1, type=int),
                             refused_only=refused_only)
    entries, refused = services.log_counts([v.id for v in versions])
    return render_template("plans/log.html", m=municipality, plan=plan, versions=versions, version=version,
                           refused_only=refused_only, page=page, entries=entries, refused=refused,
                           users=_names([row.event.user_id for row in page.rows]), what=LOG_LABELS,
                           labels=workflow.STATE_LABELS, when=format_when)


# --- what changed between two versions --------------------------------------------------------------------

@dataclass
class ChangeRow:
    """A changed field as the page shows it: what, the value before and after (formatted, in the page language)."""

    label: str
    old: str
    new: str


@dataclass
class ChangeBlock:
    """The changes of one measure (title set) or of the issue or plan itself (no title); status: added/removed."""

    title: str | None = None
    status: str | None = None
    rows: list[ChangeRow] = field(default_factory=list)


@dataclass
class ChangeSection:
    """The changes of the plan's own fields (no title) or of one priority issue."""

    title: str | None = None
    status: str | None = None
    blocks: list[ChangeBlock] = field(default_factory=list)


def _pick(texts: dict[str, str]) -> str:
    """Return a text kept per language in the page language, falling back through the others."""
    lang = current_language()
    return next((texts.get(code) for code in (lang, *LANGUAGES) if texts.get(code)), "")


def _shown(name: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    """Return a compared value in the page language: money, organisation and area names, labels, periods."""
    if value is None or value == "":
        return "—"
    if name in ("cost", "funded"):
        return format_money(value)
    if name == "lead":
        return names["organisations"].get(value, "—")
    if name == "partners":
        return ", ".join(sorted(names["organisations"].get(i, "—") for i in value)) or "—"
    if name == "area":
        return names["areas"].get(value, "—")
    if name == "status":
        return str(MEASURE_STATUS_LABELS.get(value, value))
    if name == "timeline":
        return _("%(start)s to %(end)s", start=value[0], end=value[1])
    if name == "period":
        return f"{value[0]}–{value[1]}"
    if name == "indicator":
        return _("%(name)s: from %(baseline)s to %(target)s %(unit)s", name=value.name,
                 baseline=value.baseline or "—", target=value.target, unit=value.unit)
    return str(value)


def _label(change: compare.Change) -> str:
    label = str(CHANGE_LABELS[change.field])
    if change.lang is not None:
        return _("%(field)s (%(language)s)", field=label, language=LANGUAGE_NAMES.get(change.lang, change.lang))
    if change.field.startswith("indicator_"):
        return _("%(indicator)s: %(field)s", indicator=change.item, field=label)
    return label


def present(changes: list[compare.Change], municipality: Municipality) -> list[ChangeSection]:
    """Group compare.compare()'s changes by issue and measure, with labels and values in the page language."""
    names = {"organisations": {o.id: localized(o, "name") for o in municipality.organisations},
             "areas": {a.id: localized(a, "name") for a in municipality.areas}}
    issue_ids = {c.issue_id for c in changes if c.issue_id is not None}
    issues = {i.id: localized(i, "name") for i in db.session.scalars(db.select(Issue).filter(Issue.id.in_(issue_ids)))}
    sections: dict[int | None, ChangeSection] = {}
    blocks: dict[tuple, ChangeBlock] = {}
    for change in changes:
        section = sections.setdefault(change.issue_id, ChangeSection(issues.get(change.issue_id)))
        if change.field == "issue":
            section.status = change.kind
            continue
        key = (change.issue_id, id(change.measure))
        if key not in blocks:
            blocks[key] = ChangeBlock(None if change.measure is None else _pick(change.measure.title))
            section.blocks.append(blocks[key])
        if change.field == "measure":
            blocks[key].status = change.kind
        else:
            blocks[key].rows.append(ChangeRow(_label(change), _shown(change.field, change.old, names),
                                              _shown(change.field, change.new, names)))
    return list(sections.values())


@bp.route("/m/<slug>/plans/<int:plan_id>/compare", endpoint="compare")
def compare_versions(slug: str, plan_id: int):
    """Show what changed between the plan and its previous version, or ?with=<id> another of the municipality's.

    The older of the two (by version) is the "before". A plan with no earlier version says so.
    """
    municipality, plan = _plan(slug, plan_id, "view")
    if "with" in request.args:
        other = owned_or_404(Plan, municipality, _id_or_404(request.args["with"]))
    else:
        other = db.session.get(Plan, plan.previous_id) if plan.previous_id else None
    sections, old, new = None, None, None
    if other is not None:
        old, new = sorted((other, plan), key=lambda p: (p.version, p.id))
        sections = present(compare.compare(services.comparable(old), services.comparable(new)), municipality)
    others = [p for p in services.plans_of(municipality) if p.id != plan.id]
    return render_template("plans/compare.html", m=municipality, plan=plan, old=old, new=new, sections=sections,
                           others=others, other=other, labels=workflow.STATE_LABELS, badges=CHANGE_BADGES)
