"""Open data, read-only: municipalities, their plans and the plans' budgets as JSON, and the OpenAPI document.

Anyone reads what the public pages show: every municipality and its adopted plans with their budgets. A plan
that is not adopted (a draft, one in review) answers 404 exactly like a plan that does not exist, unless the
reader has the "view" permission in its municipality. No person is ever named (payloads.py).
"""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from ..budget import progress
from ..budget import services as budget_services
from ..extensions import db
from ..municipalities.models import Municipality
from ..municipalities.permissions import can
from ..municipalities.services import get_or_404
from ..plans import review, workflow
from ..plans import services as plan_services
from ..plans.models import Plan
from ..results.queries import surveys_with_answers
from . import openapi, payloads
from .openapi import MAX_ID
from .routes import _error, bp


def _readable_plan(plan_id: int) -> Plan | None:
    """Return the plan with its issues and measures when the reader may see it, else None (missing or not public)."""
    plan = db.session.scalar(db.select(Plan).filter_by(id=plan_id).options(*review.whole_plan()))
    if plan is None or (plan.status not in workflow.ADOPTED_STATES and not can("view", plan.municipality)):
        return None
    return plan


def _no_plan(plan_id: int):
    return _error(404, "not_found", _("There is no published plan number %(plan_id)s.", plan_id=plan_id))


def _json(data: dict):
    """Return data as JSON that differs by login: shared caches keep one copy per cookie."""
    response = jsonify(data)
    response.vary.add("Cookie")
    return response


@bp.get("/municipalities")
def municipalities():
    """List every municipality with its newest adopted plan (and newest plan of any state for its own readers)."""
    rows = db.session.scalars(db.select(Municipality).order_by(Municipality.slug)).all()
    adopted, latest = review.newest_plans(adopted_only=True), review.newest_plans()
    return _json({"municipalities": [payloads.municipality(m, adopted.get(m.id), latest.get(m.id), can("view", m))
                                     for m in rows]})


@bp.get("/municipalities/<slug>")
def municipality(slug: str):
    """Return one municipality with its plan versions (adopted ones only for the public) and published surveys."""
    m = get_or_404(slug)
    internal = can("view", m)
    plans = [p for p in plan_services.plans_of(m) if internal or p.status in workflow.ADOPTED_STATES]
    surveys = [s for s in surveys_with_answers(m) if internal or s.status == "closed"]
    adopted = next((p for p in plans if p.status in workflow.ADOPTED_STATES), None)
    return _json({**payloads.municipality(m, adopted, plans[0] if plans else None, internal),
                  "plans": [payloads.plan_summary(p) for p in plans],
                  "surveys": [payloads.survey_summary(s, m.slug) for s in surveys]})


@bp.get(f"/plans/<int(max={MAX_ID}):plan_id>")
def plan(plan_id: int):
    """Return a plan with its priority issues and measures (404 for a plan the reader may not see)."""
    found = _readable_plan(plan_id)
    if found is None:
        return _no_plan(plan_id)
    percents = progress.percents_complete([ms.id for ms in found.measures])
    return _json(payloads.plan(found, plan_services.total_cost(found), percents))


@bp.get(f"/plans/<int(max={MAX_ID}):plan_id>/budget")
def plan_budget(plan_id: int):
    """Return a plan's budget: planned, allocated, spent and the gap in total, by source, issue, year and measure,
    and its budget lines."""
    found = _readable_plan(plan_id)
    if found is None:
        return _no_plan(plan_id)
    return _json(payloads.budget(found, budget_services.plan_rollup(found), budget_services.LINE_HEADER,
                                 budget_services.budget_lines(found)))


@bp.get("/openapi.json")
def openapi_document():
    """Return the OpenAPI document of /api/v1."""
    return jsonify(openapi.DOCUMENT)
