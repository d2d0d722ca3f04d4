"""Facilitator pages: the municipality's surveys, creating one from the template, opening and closing."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, flash, make_response, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..municipalities import guide
from ..municipalities.forms import ConfirmForm, ReferralForm
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, owned_or_404
from . import kobo, labels, public, services, xlsform
from .forms import ImportForm
from .models import Survey

bp = Blueprint("surveys", __name__)


def survey_step(municipality: Municipality) -> guide.StepState:
    """Report the survey step: none yet, a draft, open with its count of answers, or closed."""
    survey = db.session.scalar(db.select(Survey).filter_by(municipality_id=municipality.id)
                               .order_by(Survey.id.desc()))
    url = url_for("surveys.index", slug=municipality.slug)
    manage = can("manage_surveys", municipality)
    if survey is None:
        return guide.StepState("todo", _("No survey yet."), _("Create the survey") if manage else None,
                               url if manage else None)
    if survey.status == "draft":
        return guide.StepState("in_progress", _("The questionnaire is ready to review."),
                               _("Review and open the survey") if manage else None, url if manage else None)
    answers = sum(services.counts_by_channel(survey).values())
    detail = ngettext("%(num)s answer so far.", "%(num)s answers so far.", answers)
    if survey.status == "open":
        return guide.StepState("in_progress", detail, _("Share the survey link") if manage else None,
                               url if manage else None)
    return guide.StepState("done", detail, _("Open the surveys") if can("view", municipality) else None,
                           url if can("view", municipality) else None)


def init_app(app) -> None:
    """Light up the survey step of the planning guide; give templates the survey labels."""
    guide.register_step(app, "survey", survey_step)
    app.jinja_env.globals.update(survey_rounds=labels.ROUND_LABELS, survey_statuses=labels.STATUS_LABELS,
                                 survey_channels=labels.CHANNEL_LABELS)


@bp.route("/m/<slug>/surveys")
def index(slug: str):
    """List the municipality's surveys with their answer counts."""
    municipality = get_or_404(slug)
    require("view", municipality)
    return _index_page(municipality, ReferralForm(obj=municipality, formdata=None))


def _index_page(municipality: Municipality, referral_form: ReferralForm):
    surveys = db.session.scalars(db.select(Survey).filter_by(municipality_id=municipality.id)
                                 .order_by(Survey.id.desc())).all()
    counts = {s.id: sum(services.counts_by_channel(s).values()) for s in surveys}
    return render_template("surveys/index.html", m=municipality, surveys=surveys, counts=counts,
                           can_manage=can("manage_surveys", municipality), confirm=ConfirmForm(),
                           referral_form=referral_form)


@bp.route("/m/<slug>/surveys/referral", methods=["POST"])
def referral(slug: str):
    """Save where respondents can get help (shown at the end of every survey of the municipality)."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    form = ReferralForm()
    if form.validate_on_submit():
        form.populate_obj(municipality)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("surveys.index", slug=slug) + "#referral")
    return _index_page(municipality, form), 400


@bp.route("/m/<slug>/surveys/new", methods=["POST"])
def create(slug: str):
    """Create a draft of the standard community safety survey."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    if ConfirmForm().validate_on_submit():
        survey = services.create_standard(municipality)
        db.session.commit()
        flash(_("A draft of the community safety survey is ready. Review it, then open it."), "success")
        return redirect(url_for("surveys.detail", slug=slug, survey_id=survey.id))
    return redirect(url_for("surveys.index", slug=slug))


@bp.route("/m/<slug>/surveys/<int:survey_id>")
def detail(slug: str, survey_id: int):
    """Show a survey: its questions, public link and answers by channel."""
    municipality = get_or_404(slug)
    require("view", municipality)
    survey = owned_or_404(Survey, municipality, survey_id)
    return render_template("surveys/detail.html", m=municipality, survey=survey,
                           counts=services.counts_by_channel(survey),
                           public_url=public.public_url(survey), share=public.share_links(survey),
                           can_manage=can("manage_surveys", municipality), confirm=ConfirmForm())


@bp.route("/m/<slug>/surveys/<int:survey_id>/qr.svg")
def qr(slug: str, survey_id: int):
    """Return a QR code of the survey's public link, as an SVG image to print or show on a screen."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    survey = owned_or_404(Survey, municipality, survey_id)
    response = make_response(public.qr_svg(public.public_url(survey)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _change_status(slug: str, survey_id: int, allowed_from: str, change, message: str):
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    survey = owned_or_404(Survey, municipality, survey_id)
    if ConfirmForm().validate_on_submit():
        if survey.status != allowed_from:
            flash(_("The survey has changed in the meantime; nothing was done."), "error")
        else:
            change(survey)
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("surveys.detail", slug=slug, survey_id=survey_id))


@bp.route("/m/<slug>/surveys/<int:survey_id>/open", methods=["POST"])
def open_(slug: str, survey_id: int):
    """Open a draft survey for answers (its questions are frozen from then on)."""
    return _change_status(slug, survey_id, "draft", services.open_survey,
                          _("The survey is open. Share its link with residents."))


@bp.route("/m/<slug>/surveys/<int:survey_id>/close", methods=["POST"])
def close(slug: str, survey_id: int):
    """Close an open survey."""
    return _change_status(slug, survey_id, "open", services.close_survey, _("The survey is closed."))


@bp.route("/m/<slug>/surveys/<int:survey_id>/xlsform.xlsx")
def xlsform_download(slug: str, survey_id: int):
    """Download the survey as an XLSForm for KoboToolbox or ODK Collect."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    survey = owned_or_404(Survey, municipality, survey_id)
    return send_file(BytesIO(xlsform.workbook_bytes(survey)), as_attachment=True,
                     download_name=f"{xlsform.form_id(survey)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/m/<slug>/surveys/<int:survey_id>/import", methods=["GET", "POST"])
def import_kobo(slug: str, survey_id: int):
    """Check, then import, a KoboToolbox/ODK data export of the survey (all rows or none)."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    survey = owned_or_404(Survey, municipality, survey_id)
    form = ImportForm()
    report, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = services.import_kobo(survey, upload.read(), upload.filename or "", form.dry_run.data)
        except kobo.KoboFileError as error:
            form.file.errors.append(labels.FILE_ERRORS[error.code])
            status = 400
        else:
            if report.stored:
                flash(ngettext("%(num)s response was imported.", "%(num)s responses were imported.", report.new),
                      "success")
                return redirect(url_for("surveys.detail", slug=slug, survey_id=survey_id))
            status = 400 if report.rejected else 200
    elif form.errors:
        status = 400
    return render_template("surveys/import.html", m=municipality, survey=survey, form=form, report=report,
                           reasons=labels.ERROR_MESSAGES), status
