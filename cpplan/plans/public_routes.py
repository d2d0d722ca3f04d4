"""The public page of an adopted plan (no login, short link to share) and the police's review view."""
from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import login_manager
from ..municipalities.models import Municipality
from ..municipalities.services import get_or_404
from . import review, services, workflow
from .forms import MEASURE_STATUS_LABELS
from .models import Plan
from .routes import bp

POLICE_ROLE_LABELS = {"lead": _l("Police lead"), "partner": _l("Police are a partner")}


# --- the public page ------------------------------------------------------------------------------

def _public_page(municipality: Municipality, plan: Plan | None, share_url: str):
    """Render the public page of an adopted plan, or 404 when there is none (drafts are never shown)."""
    if plan is None:
        abort(404)
    versions = review.adopted_versions(municipality)
    return render_template("plans/public.html", m=municipality, plan=plan, total=services.total_cost(plan),
                           labels=workflow.STATE_LABELS, measure_labels=MEASURE_STATUS_LABELS,
                           versions=versions, newest=versions[-1], share_url=share_url)


@bp.route("/plan/<slug>")
def public(slug: str):
    """Show the municipality's newest adopted plan to anyone: the short link that residents share."""
    municipality = get_or_404(slug)
    return _public_page(municipality, review.adopted_plan(municipality),
                        url_for("plans.public", slug=slug, _external=True))


@bp.route("/plan/<slug>/v<int:version>")
def public_version(slug: str, version: int):
    """Show one adopted version of the municipality's plan to anyone (404 unless adopted)."""
    municipality = get_or_404(slug)
    return _public_page(municipality, review.adopted_plan(municipality, version),
                        url_for("plans.public_version", slug=slug, version=version, _external=True))


@bp.app_template_global()
def public_plan_url(municipality: Municipality) -> str | None:
    """Return the short public link of the municipality's adopted plan, or None when nothing is adopted."""
    return url_for("plans.public", slug=municipality.slug) if review.has_adopted_plan(municipality) else None


@bp.app_template_global()
def public_version_url(plan: Plan) -> str | None:
    """Return the public link of this plan version when it is adopted, else None (a draft is never public)."""
    if plan.status not in workflow.ADOPTED_STATES:
        return None
    return url_for("plans.public_version", slug=plan.municipality.slug, version=plan.version)


# --- the police's view -----------------------------------------------------------------------------

def _police_scope_or_abort() -> review.Scope:
    """Return the current user's police scope: login for anonymous users, 403 for users who are not police."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    scope = review.police_scope(current_user)
    if scope is None:
        abort(403)
    return scope


@bp.route("/review")
def police():
    """List the plans awaiting the police's review and the measures the police lead or are partners in."""
    scope = _police_scope_or_abort()
    return render_template("plans/police.html", awaiting=review.awaiting_review(scope),
                           groups=review.police_measures(scope), everywhere=scope.everywhere,
                           labels=workflow.STATE_LABELS, measure_labels=MEASURE_STATUS_LABELS,
                           role_labels=POLICE_ROLE_LABELS)


@bp.app_template_global()
def police_review_count() -> int | None:
    """Return how many plans await the current user's police review, or None when the view is not theirs."""
    scope = review.police_scope(current_user)
    return None if scope is None else review.count_awaiting(scope)
