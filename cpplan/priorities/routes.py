"""Priority pages: the scoring matrix, its weights, the working group's assessment and the agreed priorities."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..i18n import format_day, localized
from ..municipalities import guide
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404
from ..surveys import catalogue
from . import models, scoring
from .forms import (COMPONENT_HELP, COMPONENT_LABELS, ConfirmPrioritiesForm, WeightsForm,
                    assessment_form)
from .meetings import Meeting
from .models import (TOP_DEFAULT, DecisionItem, IssueAssessment, PriorityDecision, ScoringWeights,
                     latest_decision)

bp = Blueprint("priorities", __name__)
TIME_ZONE = ZoneInfo("Asia/Bishkek")


def priorities_step(municipality: Municipality) -> guide.StepState:
    """Report the priorities step: nothing yet, ratings or a meeting without a decision, or agreed issues."""
    decision = latest_decision(municipality.id)
    url = url_for("priorities.index", slug=municipality.slug)
    if decision is not None:
        names = ", ".join(localized(item.issue, "name") for item in decision.items)
        return guide.StepState("done", _("Agreed priorities: %(issues)s.", issues=names),
                               _("See the priorities") if can("view", municipality) else None,
                               url if can("view", municipality) else None)
    has_meeting = db.session.scalar(db.select(Meeting.id).filter_by(municipality_id=municipality.id).limit(1))
    if models.has_assessment(municipality.id) or has_meeting is not None:
        detail = _("Issues are being rated; no priorities agreed yet.")
        if can("confirm_priorities", municipality):
            return guide.StepState("in_progress", detail, _("Confirm the priority issues"),
                                   url_for("priorities.confirm", slug=municipality.slug))
        return guide.StepState("in_progress", detail, _("See the ranking") if can("view", municipality) else None,
                               url if can("view", municipality) else None)
    manage = can("manage_priorities", municipality)
    return guide.StepState("todo", _("No ratings and no community meeting yet."),
                           _("Rate the issues and hold a community meeting") if manage else None,
                           url if manage else None)


def init_app(app) -> None:
    """Light up the priorities step of the planning guide."""
    guide.register_step(app, "priorities", priorities_step)


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * 100).quantize(Decimal(1))


def _matrix(municipality: Municipality) -> tuple[list[dict], dict[str, int]]:
    """Return the ranked issues as rows for the page (issue, ranked issue, component parts) and the weights."""
    issues = catalogue.issues_for(municipality.id)
    by_code = {issue.code: issue for issue in issues}
    weights = models.weights_of(municipality.id)
    rows = []
    for ranked in models.ranking(municipality, issues, weights):
        parts = [{"key": c, "label": COMPONENT_LABELS[c], "value": _percent(ranked.components[c]),
                  "weight": weights[c], "points": ranked.contributions[c]} for c in scoring.COMPONENTS]
        offsets, x = {}, Decimal(0)
        for part in parts:
            offsets[part["key"]] = x
            x += part["points"] or 0
        rows.append({"issue": by_code[ranked.code], "ranked": ranked, "parts": parts, "offsets": offsets})
    return rows, weights


@bp.route("/m/<slug>/priorities")
def index(slug: str):
    """Show the scoring matrix: issues ranked with their score and components, and the agreed priorities."""
    municipality = get_or_404(slug)
    require("view", municipality)
    rows, weights = _matrix(municipality)
    return render_template("priorities/index.html", m=municipality, rows=rows, weights=weights,
                           components=scoring.COMPONENTS, labels=COMPONENT_LABELS, helps=COMPONENT_HELP,
                           decisions=models.decisions_of(municipality.id),
                           can_manage=can("manage_priorities", municipality),
                           can_confirm=can("confirm_priorities", municipality))


@bp.route("/m/<slug>/priorities/weights", methods=["GET", "POST"])
def weights(slug: str):
    """Set how much each component counts in the municipality's scoring matrix."""
    municipality = get_or_404(slug)
    require("manage_priorities", municipality)
    form = WeightsForm(data=models.weights_of(municipality.id))
    if form.validate_on_submit():
        row = db.session.scalar(db.select(ScoringWeights).filter_by(municipality_id=municipality.id))
        if row is None:
            row = ScoringWeights(municipality_id=municipality.id)
            db.session.add(row)
        for name, value in form.weights().items():
            setattr(row, name, value)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("priorities.index", slug=slug))
    return render_template("priorities/weights.html", m=municipality, form=form,
                           defaults=scoring.DEFAULT_WEIGHTS), 400 if form.errors else 200


@bp.route("/m/<slug>/priorities/assessment", methods=["GET", "POST"])
def assessment(slug: str):
    """Rate every issue (severity, capacity to act, impact) and enter police-recorded cases of two years."""
    municipality = get_or_404(slug)
    require("manage_priorities", municipality)
    issues = catalogue.issues_for(municipality.id)
    assessed = models.assessments_of(municipality.id)
    form = assessment_form(issues, assessed)
    if form.validate_on_submit():
        for issue in issues:
            values, row = form.values(issue.code), assessed.get(issue.id)
            if all(v is None for v in values.values()):
                if row is not None:
                    db.session.delete(row)
                continue
            if row is None:
                row = IssueAssessment(municipality_id=municipality.id, issue_id=issue.id)
                db.session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("priorities.index", slug=slug))
    return render_template("priorities/assessment.html", m=municipality, form=form,
                           issues={issue.code: issue for issue in issues}), 400 if form.errors else 200


@bp.route("/m/<slug>/priorities/confirm", methods=["GET", "POST"])
def confirm(slug: str):
    """Record the working group's agreed priority issues, in order, starting from the computed ranking."""
    municipality = get_or_404(slug)
    require("confirm_priorities", municipality)
    rows, _weights = _matrix(municipality)
    ranked = {row["ranked"].code: row["ranked"] for row in rows}
    ids = {row["issue"].code: row["issue"].id for row in rows}
    prefill = {f"issue_{n}": row["ranked"].code for n, row in enumerate(rows[:TOP_DEFAULT], start=1)}
    meetings = db.session.scalars(db.select(Meeting).filter_by(municipality_id=municipality.id)
                                  .order_by(Meeting.held_on.desc(), Meeting.id.desc())).all()
    # Pre-filled on GET only: a place left out of a POST is an empty place, not the ranking's.
    form = ConfirmPrioritiesForm(data={"decided_on": datetime.now(TIME_ZONE).date(), **prefill}
                                 if request.method == "GET" else None)
    form.set_choices([(row["issue"].code, _("%(rank)s. %(name)s", rank=row["ranked"].rank,
                                            name=localized(row["issue"], "name"))) for row in rows],
                     {code: item.rank for code, item in ranked.items()},
                     [(str(m.id), " · ".join(p for p in (format_day(m.held_on), m.place) if p)) for m in meetings])
    if form.validate_on_submit():
        decision = PriorityDecision(municipality_id=municipality.id, decided_on=form.decided_on.data,
                                    meeting_id=int(form.meeting.data) if form.meeting.data else None,
                                    created_by_id=current_user.id)
        for position, code, reason in form.chosen():
            decision.items.append(DecisionItem(issue_id=ids[code], position=position,
                                               ranked_position=ranked[code].rank, score=ranked[code].score,
                                               reason=reason))
        db.session.add(decision)
        db.session.commit()
        flash(_("The priority issues are agreed. The plan starts from them."), "success")
        return redirect(url_for("priorities.index", slug=slug) + "#agreed")
    return render_template("priorities/confirm.html", m=municipality, form=form, rows=rows,
                           decisions=models.decisions_of(municipality.id)), 400 if form.errors else 200
