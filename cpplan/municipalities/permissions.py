"""The one permission helper: what a user may do, by site role and role in a municipality."""
from __future__ import annotations

from flask import abort, g
from flask_login import current_user

from ..extensions import db, login_manager
from .models import ROLES, Membership, Municipality

ALL_ROLES = frozenset(ROLES)
# Which municipality roles may perform each action (site admins may do everything).
RULES: dict[str, frozenset[str]] = {
    "view": ALL_ROLES,                          # the municipality's internal pages
    "view_group": ALL_ROLES,                    # names on the working-group roster
    "edit_group": frozenset({"coordinator"}),   # roster and organisations
    "manage_members": frozenset({"coordinator"}),
    "manage_surveys": frozenset({"coordinator", "facilitator"}),  # create, open, close, paper entry
    "manage_priorities": frozenset({"coordinator", "facilitator"}),  # ratings, weights, meetings, votes
    "confirm_priorities": frozenset({"coordinator"}),  # the working group's agreed priorities
    "edit_plan": frozenset({"coordinator", "facilitator"}),  # start a plan, its issues and measures, new versions
    # Take part in the plan's review and adoption (plans/workflow.py decides which step, by role and state).
    "transition_plan": frozenset({"coordinator", "facilitator", "police"}),
    # Comment on the plan and its measures (plans/workflow.py can_comment has the last word).
    "comment_plan": frozenset({"coordinator", "facilitator", "member", "police"}),
    "view_plan_log": frozenset({"coordinator"}),  # the plan's audit log, refused attempts included
    "manage_budget": frozenset({"coordinator"}),  # record an adopted plan's allocations and spending
    # Status, percent complete and indicator values of an adopted plan's measures (budget/progress_routes.py).
    "edit_progress": frozenset({"coordinator", "facilitator"}),
    "edit_municipality": frozenset(),           # profile and areas: admins only
    "admin": frozenset(),                       # site administration
}


def role_in(user, municipality: Municipality | None) -> str | None:
    """Return the user's role in the municipality, or None (asked once per request and pair)."""
    if municipality is None or not getattr(user, "is_authenticated", False):
        return None
    roles = g.setdefault("cpplan_roles", {})
    key = (user.id, municipality.id)
    if key not in roles:
        roles[key] = db.session.scalar(
            db.select(Membership.role).filter_by(user_id=user.id, municipality_id=municipality.id))
    return roles[key]


def can(action: str, municipality: Municipality | None = None, user=None) -> bool:
    """Return True when the user (default: the current one) may perform the action."""
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return role_in(user, municipality) in RULES[action]


def require(action: str, municipality: Municipality | None = None) -> None:
    """Abort unless the current user may act: login for anonymous users, 403 for the others."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not can(action, municipality):
        abort(403)


def municipalities_of(user) -> list[tuple[Municipality, str | None]]:
    """Return the municipalities the user belongs to with the role (all of them for admins)."""
    if user.is_admin:
        rows = db.session.scalars(db.select(Municipality).order_by(Municipality.slug)).all()
        roles = dict(db.session.execute(
            db.select(Membership.municipality_id, Membership.role).filter_by(user_id=user.id)).all())
        return [(m, roles.get(m.id)) for m in rows]
    return [tuple(row) for row in db.session.execute(
        db.select(Municipality, Membership.role)
        .join(Membership, Membership.municipality_id == Municipality.id)
        .filter(Membership.user_id == user.id)
        .order_by(Municipality.slug)
    )]
