"""Site administration: municipalities with their areas, users and memberships."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..extensions import db
from ..i18n import localized
from .forms import AreaForm, ConfirmForm, MembershipForm, MunicipalityForm, UserForm
from .models import Area, Membership, Municipality
from .permissions import require
from .services import add_member, delete_confirmed, get_or_404, owned_or_404, save_if_valid

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> None:
    """Every admin page is for site administrators."""
    require("admin")


@bp.route("/")
def index():
    """Link to the admin sections with their sizes."""
    counts = {
        "municipalities": db.session.scalar(db.select(db.func.count()).select_from(Municipality)),
        "users": db.session.scalar(db.select(db.func.count()).select_from(User)),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/municipalities")
def municipalities():
    """List every municipality."""
    area_count = (db.select(db.func.count(Area.id)).where(Area.municipality_id == Municipality.id)
                  .correlate(Municipality).scalar_subquery())
    rows = db.session.execute(db.select(Municipality, area_count).order_by(Municipality.slug)).all()
    return render_template("admin/municipalities.html", rows=rows)


def _slug_taken(form: MunicipalityForm, current: Municipality | None) -> bool:
    other = db.session.scalar(db.select(Municipality).filter_by(slug=form.slug.data))
    if other is not None and other is not current:
        form.slug.errors.append(_("Another municipality already uses this short name."))
        return True
    return False


@bp.route("/municipalities/new", methods=["GET", "POST"])
def new_municipality():
    """Create a municipality."""
    form = MunicipalityForm()
    if form.validate_on_submit() and not _slug_taken(form, None):
        municipality = Municipality()
        form.populate_obj(municipality)
        db.session.add(municipality)
        db.session.commit()
        flash(_("Municipality “%(name)s” is created.", name=localized(municipality, "name")), "success")
        return redirect(url_for("admin.municipality", slug=municipality.slug))
    return render_template("admin/municipality_form.html", form=form, m=None), 400 if form.errors else 200


@bp.route("/municipalities/<slug>", methods=["GET", "POST"])
def municipality(slug: str):
    """Edit a municipality and list its areas."""
    m = get_or_404(slug)
    form = MunicipalityForm(obj=m)
    if form.validate_on_submit() and not _slug_taken(form, m):
        form.populate_obj(m)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("admin.municipality", slug=m.slug))
    return render_template("admin/municipality_form.html", form=form, m=m,
                           area_form=AreaForm(formdata=None), confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/municipalities/<slug>/areas", methods=["POST"])
def add_area(slug: str):
    """Add a village or ward."""
    m = get_or_404(slug)
    form = AreaForm()
    if form.validate_on_submit():
        area = Area(municipality=m)
        form.populate_obj(area)
        db.session.add(area)
        db.session.commit()
        flash(_("Village or ward “%(name)s” is added.", name=localized(area, "name")), "success")
        return redirect(url_for("admin.municipality", slug=slug) + "#areas")
    return render_template("admin/municipality_form.html", form=MunicipalityForm(obj=m, formdata=None), m=m,
                           area_form=form, confirm=ConfirmForm()), 400


@bp.route("/municipalities/<slug>/areas/<int:area_id>", methods=["GET", "POST"])
def area(slug: str, area_id: int):
    """Edit a village or ward."""
    m = get_or_404(slug)
    item = owned_or_404(Area, m, area_id)
    form = AreaForm(obj=item)
    saved = save_if_valid(form, item, url_for("admin.municipality", slug=slug) + "#areas")
    if saved:
        return saved
    return render_template("admin/area_form.html", form=form, m=m, area=item,
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/municipalities/<slug>/areas/<int:area_id>/delete", methods=["POST"])
def delete_area(slug: str, area_id: int):
    """Delete a village or ward."""
    m = get_or_404(slug)
    item = owned_or_404(Area, m, area_id)
    return delete_confirmed(item, _("Village or ward “%(name)s” is removed.", name=localized(item, "name")),
                            url_for("admin.municipality", slug=slug) + "#areas")


@bp.route("/users")
def users():
    """List every user account."""
    rows = db.session.scalars(db.select(User).order_by(User.email)).all()
    return render_template("admin/users.html", rows=rows)


def _save_user(form: UserForm, user: User) -> bool:
    """Copy the form onto the user; return False (with the form error set) on a taken e-mail."""
    user.email = User.normalize_email(form.email.data)
    user.display_name = form.display_name.data.strip()
    user.locale = form.locale.data
    if user.id == current_user.id and not (form.is_admin.data and form.is_active.data):
        form.is_admin.errors.append(_("You cannot take away your own administrator rights or deactivate yourself."))
        db.session.rollback()
        return False
    deactivated = user.is_active_account and not form.is_active.data
    user.is_admin = form.is_admin.data
    user.is_active_account = form.is_active.data
    if form.new_password.data:
        user.set_password(form.new_password.data)
    if form.new_password.data or deactivated:
        user.end_other_sessions()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        form.email.errors.append(_("Another account already uses this e-mail."))
        return False
    db.session.commit()
    return True


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create a user account."""
    form = UserForm()
    form.password_required = True
    if form.validate_on_submit():
        user = User(session_version=1)
        db.session.add(user)
        if _save_user(form, user):
            flash(_("The account %(email)s is created.", email=user.email), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """Edit a user account and its memberships."""
    item = db.get_or_404(User, user_id)
    form = UserForm(obj=item, is_active=item.is_active_account)
    if request.method == "GET":
        form.is_active.data = item.is_active_account
    if form.validate_on_submit():
        if _save_user(form, item):
            flash(_("Saved."), "success")
            return redirect(url_for("admin.user", user_id=item.id))
        item = db.get_or_404(User, user_id)
    memberships = db.session.scalars(db.select(Membership).filter_by(user_id=item.id)).all()
    membership_form = MembershipForm(formdata=None, email=item.email)
    all_municipalities = db.session.scalars(db.select(Municipality).order_by(Municipality.slug)).all()
    return render_template("admin/user_form.html", form=form, user=item, memberships=memberships,
                           membership_form=membership_form, municipalities=all_municipalities,
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/memberships", methods=["POST"])
def add_membership(user_id: int):
    """Give the user a role in a municipality."""
    item = db.get_or_404(User, user_id)
    form = MembershipForm(email=item.email)
    m = db.session.scalar(db.select(Municipality).filter_by(slug=request.form.get("municipality", "")))
    if m is None:
        flash(_("Choose a municipality from the list."), "error")
    elif form.validate_on_submit():
        add_member(m, item.email, form.role.data, item.display_name, item.locale)
        db.session.commit()
        flash(_("Saved."), "success")
    else:
        flash(_("Choose a role from the list."), "error")
    return redirect(url_for("admin.user", user_id=user_id) + "#memberships")


@bp.route("/memberships/<int:membership_id>/delete", methods=["POST"])
def delete_membership(membership_id: int):
    """Take away a membership."""
    membership = db.get_or_404(Membership, membership_id)
    return delete_confirmed(membership, _("Saved."), url_for("admin.user", user_id=membership.user_id) + "#memberships")
