"""Changes to municipality data shared by the coordinator's and the admin's pages."""
from __future__ import annotations

import secrets

from flask import flash, redirect
from flask_babel import gettext as _
from sqlalchemy import func

from ..accounts.models import User
from ..extensions import db
from .forms import ConfirmForm
from .models import Membership, Municipality, WorkingGroupMember
from .permissions import require


def get_or_404(slug: str) -> Municipality:
    """Return the municipality with this slug or abort with 404."""
    return db.first_or_404(db.select(Municipality).filter_by(slug=slug))


def owned_or_404(model, municipality: Municipality, item_id: int):
    """Return the row of `model` with this id that belongs to the municipality, or abort with 404."""
    return db.first_or_404(db.select(model).filter_by(id=item_id, municipality_id=municipality.id))


def permitted_or_404(model, slug: str, item_id: int, action: str):
    """Return the municipality and its row of `model` once the current user may perform action there."""
    municipality = get_or_404(slug)
    require(action, municipality)
    return municipality, owned_or_404(model, municipality, item_id)


def save_if_valid(form, item, target: str):
    """Copy a valid submitted form onto item, commit and return a redirect to target (else None)."""
    if not form.validate_on_submit():
        return None
    form.populate_obj(item)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(target)


def delete_confirmed(item, message: str, target: str):
    """Delete item when the confirmation form is valid, say so, and redirect to target."""
    if ConfirmForm().validate_on_submit():
        db.session.delete(item)
        db.session.commit()
        flash(message, "success")
    return redirect(target)


def add_member(municipality: Municipality, email: str, role: str, display_name: str,
               locale: str) -> tuple[Membership, str | None]:
    """Give a user a role in the municipality, creating the account if needed.

    Returns the membership and, for a new account, its one-time password.
    """
    email = User.normalize_email(email)
    user = db.session.scalar(db.select(User).filter_by(email=email))
    temporary = None
    if user is None:
        temporary = secrets.token_urlsafe(12)
        user = User(email=email, display_name=display_name or email.split("@")[0], locale=locale)
        user.set_password(temporary)
        db.session.add(user)
        db.session.flush()
    membership = db.session.scalar(db.select(Membership).filter_by(
        user_id=user.id, municipality_id=municipality.id))
    if membership is None:
        membership = Membership(user=user, municipality=municipality, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    return membership, temporary


def group_counts(municipality: Municipality) -> dict[str, int]:
    """Return the working group's head count per gender (counted in the database)."""
    rows = db.session.execute(
        db.select(WorkingGroupMember.gender, func.count())
        .filter_by(municipality_id=municipality.id)
        .group_by(WorkingGroupMember.gender)
    ).all()
    return {gender: count for gender, count in rows}
