"""Public and member pages of a municipality: overview (planning guide), working group, members."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import func
from sqlalchemy.orm import contains_eager
from wtforms.fields.choices import SelectChoice

from ..accounts.models import User
from ..extensions import db
from ..i18n import current_language, localized
from . import guide, labels, landing
from .forms import ConfirmForm, GroupMemberForm, MembershipForm, OrganisationForm, RoleForm
from .models import Membership, Municipality, Organisation, WorkingGroupMember
from .permissions import can, municipalities_of, require
from .services import add_member, delete_confirmed, get_or_404, group_counts, owned_or_404, save_if_valid

bp = Blueprint("municipalities", __name__)


def working_group_step(municipality: Municipality) -> guide.StepState:
    """Report the working group step from the roster."""
    counts = group_counts(municipality)
    members = sum(counts.values())
    has_police = db.session.scalar(
        db.select(func.count()).select_from(WorkingGroupMember).join(Organisation)
        .filter(WorkingGroupMember.municipality_id == municipality.id, Organisation.kind == "police")) > 0
    status = guide.working_group_status(members, counts.get("female", 0), has_police)
    detail = " ".join((ngettext("%(num)s member.", "%(num)s members.", members),
                       _("Women: %(num)s.", num=counts.get("female", 0))))
    if status != "done" and not has_police and members:
        detail += " " + _("The police are not in the group yet.")
    if can("edit_group", municipality):
        label = _("Add members") if status != "done" else _("Open the working group")
        return guide.StepState(status, detail, label, url_for("municipalities.group", slug=municipality.slug))
    return guide.StepState(status, detail)


def init_app(app) -> None:
    """Light up the working group's step of the guide and give templates the translated labels."""
    guide.register_step(app, "working_group", working_group_step)
    landing.init_app(app)
    app.jinja_env.globals.update(labels=labels, guide_status=guide.STATUS_LABELS)


@bp.route("/")
def index():
    """Show what cpplan is and the municipalities that plan with it."""
    return render_template("index.html", municipality_list=landing.municipality_list())


@bp.route("/my")
@login_required
def mine():
    """List the user's municipalities with their role."""
    return render_template("municipalities/mine.html", rows=municipalities_of(current_user))


@bp.route("/m/<slug>")
def overview(slug: str):
    """Show the municipality's profile and planning guide."""
    municipality = get_or_404(slug)
    steps = guide.build(guide.collect(current_app, municipality))
    return render_template("municipalities/overview.html", m=municipality, steps=steps,
                           can_view_group=can("view_group", municipality),
                           can_manage=can("manage_members", municipality),
                           can_edit=can("edit_municipality", municipality))


@bp.route("/m/<slug>/group", methods=["GET", "POST"])
def group(slug: str):
    """Show the working-group roster and organisations; the coordinator adds members."""
    municipality = get_or_404(slug)
    require("view_group", municipality)
    form = _group_form(municipality)
    if request.method == "POST":
        require("edit_group", municipality)
        if form.validate_on_submit():
            member = WorkingGroupMember(municipality=municipality)
            _fill_member(member, form)
            db.session.add(member)
            db.session.commit()
            flash(_("“%(name)s” is added to the working group.", name=member.name), "success")
            return redirect(url_for("municipalities.group", slug=slug))
    return _group_page(municipality, form, OrganisationForm(formdata=None))


def _group_page(municipality: Municipality, form: GroupMemberForm, org_form: OrganisationForm):
    """Render the roster page; 400 when one of its forms was sent with errors."""
    counts = group_counts(municipality)
    return render_template(
        "municipalities/group.html", m=municipality, form=form, counts=counts,
        shares=guide.gender_balance(counts), org_form=org_form,
        can_edit=can("edit_group", municipality), confirm=ConfirmForm(),
    ), 400 if form.errors or org_form.errors else 200


def _group_form(municipality: Municipality, obj=None) -> GroupMemberForm:
    form = GroupMemberForm(obj=obj)
    form.organisation_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(org.id, localized(org, "name")) for org in municipality.organisations]
    return form


def _fill_member(member: WorkingGroupMember, form: GroupMemberForm) -> None:
    member.name = form.name.data.strip()
    member.organisation_id = form.organisation_id.data or None
    member.position = (form.position.data or "").strip()
    member.gender = form.gender.data
    member.group_role = form.group_role.data


@bp.route("/m/<slug>/group/<int:member_id>", methods=["GET", "POST"])
def group_member(slug: str, member_id: int):
    """Edit one person on the roster."""
    municipality = get_or_404(slug)
    require("edit_group", municipality)
    member = owned_or_404(WorkingGroupMember, municipality, member_id)
    form = _group_form(municipality, obj=member)
    if form.validate_on_submit():
        _fill_member(member, form)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("municipalities.group", slug=slug))
    return render_template("municipalities/group_member.html", m=municipality, form=form,
                           member=member, confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/m/<slug>/group/<int:member_id>/delete", methods=["POST"])
def delete_group_member(slug: str, member_id: int):
    """Remove a person from the roster."""
    municipality = get_or_404(slug)
    require("edit_group", municipality)
    member = owned_or_404(WorkingGroupMember, municipality, member_id)
    return delete_confirmed(member, _("“%(name)s” is removed from the working group.", name=member.name),
                            url_for("municipalities.group", slug=slug))


@bp.route("/m/<slug>/organisations", methods=["POST"])
def add_organisation(slug: str):
    """Add an organisation to the municipality's list."""
    municipality = get_or_404(slug)
    require("edit_group", municipality)
    form = OrganisationForm()
    if form.validate_on_submit():
        org = Organisation(municipality=municipality)
        form.populate_obj(org)
        db.session.add(org)
        db.session.commit()
        flash(_("Organisation “%(name)s” is added.", name=localized(org, "name")), "success")
        return redirect(url_for("municipalities.group", slug=slug) + "#organisations")
    return _group_page(municipality, _group_form(municipality), form)


@bp.route("/m/<slug>/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation(slug: str, org_id: int):
    """Edit an organisation."""
    municipality = get_or_404(slug)
    require("edit_group", municipality)
    org = owned_or_404(Organisation, municipality, org_id)
    form = OrganisationForm(obj=org)
    saved = save_if_valid(form, org, url_for("municipalities.group", slug=slug) + "#organisations")
    if saved:
        return saved
    return render_template("municipalities/organisation.html", m=municipality, form=form, org=org,
                           confirm=ConfirmForm()), 400 if form.errors else 200


@bp.route("/m/<slug>/organisations/<int:org_id>/delete", methods=["POST"])
def delete_organisation(slug: str, org_id: int):
    """Remove an organisation (its people stay on the roster without one)."""
    municipality = get_or_404(slug)
    require("edit_group", municipality)
    org = owned_or_404(Organisation, municipality, org_id)
    return delete_confirmed(org, _("Organisation “%(name)s” is removed.", name=localized(org, "name")),
                            url_for("municipalities.group", slug=slug) + "#organisations")


@bp.route("/m/<slug>/members", methods=["GET", "POST"])
def members(slug: str):
    """List the accounts with a role here; the coordinator adds people or changes roles."""
    municipality = get_or_404(slug)
    require("manage_members", municipality)
    form = MembershipForm()
    if form.validate_on_submit():
        membership, temporary = add_member(municipality, form.email.data, form.role.data,
                                           (form.display_name.data or "").strip(), current_language())
        db.session.commit()
        flash(_("%(email)s now has the role “%(role)s”.", email=membership.user.email,
                role=labels.ROLE_LABELS[form.role.data]), "success")
        if temporary:
            flash(_("A new account was created. Give this one-time password to the person in private: %(password)s",
                    password=temporary), "warning")
        return redirect(url_for("municipalities.members", slug=slug))
    return render_template("municipalities/members.html", m=municipality, form=form,
                           memberships=_memberships(municipality), role_form=RoleForm,
                           confirm=ConfirmForm()), 400 if form.errors else 200


def _memberships(municipality: Municipality) -> list[Membership]:
    # The join also fills ms.user, so the list costs one query rather than one per member.
    return db.session.scalars(db.select(Membership).join(User).options(contains_eager(Membership.user)).filter(
        Membership.municipality_id == municipality.id).order_by(User.email)).all()


@bp.route("/m/<slug>/members/<int:membership_id>/role", methods=["POST"])
def change_role(slug: str, membership_id: int):
    """Change a member's role."""
    municipality = get_or_404(slug)
    require("manage_members", municipality)
    membership = owned_or_404(Membership, municipality, membership_id)
    form = RoleForm(prefix=f"r{membership_id}")
    if form.validate_on_submit():
        if membership.user_id == current_user.id and form.role.data != "coordinator" and not current_user.is_admin:
            flash(_("You cannot take away your own coordinator role."), "error")
        else:
            membership.role = form.role.data
            db.session.commit()
            flash(_("Saved."), "success")
    else:
        flash(_("Choose a role from the list."), "error")
    return redirect(url_for("municipalities.members", slug=slug))


@bp.route("/m/<slug>/members/<int:membership_id>/delete", methods=["POST"])
def remove_member(slug: str, membership_id: int):
    """Take away a user's role in the municipality."""
    municipality = get_or_404(slug)
    require("manage_members", municipality)
    membership = owned_or_404(Membership, municipality, membership_id)
    if membership.user_id == current_user.id and not current_user.is_admin:
        flash(_("You cannot remove yourself."), "error")
    elif ConfirmForm().validate_on_submit():
        email = membership.user.email  # read before the delete: the deleted row cannot load it later
        db.session.delete(membership)
        db.session.commit()
        flash(_("%(email)s no longer has a role here.", email=email), "success")
    return redirect(url_for("municipalities.members", slug=slug))
