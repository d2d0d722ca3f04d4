"""Facilitator pages: the municipality's surveys, creating one from the template, opening and closing."""
from __future__ import annotations

import uuid as uuidlib
from io import BytesIO

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..municipalities import guide
from ..municipalities.forms import ConfirmForm, ReferralForm
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, permitted_or_404
from . import catalogue, kobo, labels, public, responses, services, xlsform
from .forms import ImportForm, IssueForm, question_form
from .models import Survey
from .validation import CONSENT_CODE, CONSENT_YES

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


def _survey_or_404(slug: str, survey_id: int, action: str) -> tuple[Municipality, Survey]:
    """Return the municipality and its survey once the current user may perform action there."""
    return permitted_or_404(Survey, slug, survey_id, action)


@bp.route("/m/<slug>/surveys")
def index(slug: str):
    """List the municipality's surveys with their answer counts."""
    municipality = get_or_404(slug)
    require("view", municipality)
    return _index_page(municipality, ReferralForm(obj=municipality, formdata=None))


def _index_page(municipality: Municipality, referral_form: ReferralForm, issue_form: IssueForm | None = None):
    surveys = db.session.scalars(db.select(Survey).filter_by(municipality_id=municipality.id)
                                 .order_by(Survey.id.desc())).all()
    counts = {s.id: sum(services.counts_by_channel(s).values()) for s in surveys}
    return render_template("surveys/index.html", m=municipality, surveys=surveys, counts=counts,
                           can_manage=can("manage_surveys", municipality), confirm=ConfirmForm(),
                           referral_form=referral_form, issues=catalogue.issues_for(municipality.id),
                           issue_form=issue_form or IssueForm(formdata=None))


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


@bp.route("/m/<slug>/surveys/issues", methods=["POST"])
def add_issue(slug: str):
    """Add an issue of the municipality's own for residents to rate (after the national catalogue)."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    form = IssueForm()
    if form.validate_on_submit():
        clean = {name: (field.data or "").strip() for name, field in form._fields.items()
                 if name.startswith(("name_", "description_"))}
        for attempt in range(3):  # two people adding the same name at once: the second gets the next code
            catalogue.add_own(municipality.id, tuple(clean[f"name_{c}"] for c in ("ky", "ru", "en")),
                              tuple(clean[f"description_{c}"] for c in ("ky", "ru", "en")), form.is_sensitive.data)
            try:
                db.session.commit()
                break
            except IntegrityError:
                db.session.rollback()
                if attempt == 2:
                    raise
        flash(_("The issue was added. Open surveys offer it within a minute."), "success")
        return redirect(url_for("surveys.index", slug=slug) + "#issues")
    return _index_page(municipality, ReferralForm(obj=municipality, formdata=None), form), 400


@bp.route("/m/<slug>/surveys/new", methods=["POST"])
def create(slug: str):
    """Create a draft of the standard community safety survey."""
    municipality = get_or_404(slug)
    require("manage_surveys", municipality)
    if ConfirmForm().validate_on_submit():
        survey = services.create_standard(municipality, services.next_round(municipality))
        db.session.commit()
        if survey.round == "follow_up":
            flash(_("A draft of the follow-up survey is ready: its results will be compared with the baseline."),
                  "success")
        else:
            flash(_("A draft of the community safety survey is ready. Review it, then open it."), "success")
        return redirect(url_for("surveys.detail", slug=slug, survey_id=survey.id))
    return redirect(url_for("surveys.index", slug=slug))


@bp.route("/m/<slug>/surveys/<int:survey_id>")
def detail(slug: str, survey_id: int):
    """Show a survey: its questions, public link and answers by channel."""
    municipality, survey = _survey_or_404(slug, survey_id, "view")
    return render_template("surveys/detail.html", m=municipality, survey=survey,
                           counts=services.counts_by_channel(survey),
                           public_url=public.public_url(survey), share=public.share_links(survey),
                           can_manage=can("manage_surveys", municipality), confirm=ConfirmForm())


@bp.route("/m/<slug>/surveys/<int:survey_id>/qr.svg")
def qr(slug: str, survey_id: int):
    """Return a QR code of the survey's public link, as an SVG image to print or show on a screen."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
    response = make_response(public.qr_svg(public.public_url(survey)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _change_status(slug: str, survey_id: int, allowed_from: str, change, message: str):
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
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


@bp.route("/m/<slug>/surveys/<int:survey_id>/questions/<code>", methods=["GET", "POST"])
def edit_question(slug: str, survey_id: int, code: str):
    """Edit the wording of one question: in place on a draft, as a new questionnaire version once opened."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
    question = next((q for q in survey.current_questions() if q.code == code), None)
    if question is None:
        abort(404)
    form = question_form(question, survey.version)
    here = url_for("surveys.edit_question", slug=slug, survey_id=survey_id, code=code)
    if form.validate_on_submit():
        if form.version.data != str(survey.version):
            flash(_("The survey has changed in the meantime; nothing was done."), "error")
            return redirect(here)
        previous = survey.version
        if survey.status != "draft":  # frozen: answers given so far stay with this version
            question = next(q for q in services.new_version(survey) if q.code == code)
        form.apply(question)
        try:
            db.session.commit()
        except IntegrityError:  # another change made the same new version at the same moment
            db.session.rollback()
            flash(_("The survey has changed in the meantime; nothing was done."), "error")
            return redirect(here)
        if survey.version != previous:
            flash(_("Saved as version %(version)s; answers given before stay with version %(previous)s.",
                    version=survey.version, previous=previous), "success")
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("surveys.detail", slug=slug, survey_id=survey_id) + f"#q-{code}")
    return render_template("surveys/question.html", m=municipality, survey=survey, question=question,
                           form=form), 400 if form.errors else 200


@bp.route("/m/<slug>/surveys/<int:survey_id>/xlsform.xlsx")
def xlsform_download(slug: str, survey_id: int):
    """Download the survey as an XLSForm for KoboToolbox or ODK Collect."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
    return send_file(BytesIO(xlsform.workbook_bytes(survey)), as_attachment=True,
                     download_name=f"{xlsform.form_id(survey)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/m/<slug>/surveys/<int:survey_id>/import", methods=["GET", "POST"])
def import_kobo(slug: str, survey_id: int):
    """Check, then import, a KoboToolbox/ODK data export of the survey (all rows or none)."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
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


def _paper_page(survey: Survey, answers: dict, client_uuid: str, errors: list[tuple[str, str]] | None = None):
    """Return the paper-entry page: every question but consent on one page, focus on the first (or first wrong)."""
    questions = [q for q in survey.current_questions() if q.code != CONSENT_CODE]
    ctx = public.question_context(survey, answers, errors)
    by_code = {q.code: q for q in survey.current_questions()}
    summary = [(by_code.get(code), message) for code, message in ctx["errors"].items()]
    wrong = [q.code for q in questions if q.code in ctx["errors"]]
    ctx["autofocus"] = wrong[0] if wrong else (questions[0].code if questions else None)
    html = render_template("surveys/paper.html", m=survey.municipality, survey=survey, questions=questions,
                           ctx=ctx, summary=summary, client_uuid=client_uuid,
                           entered=services.counts_by_channel(survey).get("paper", 0))
    response = make_response(html, 400 if errors else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/m/<slug>/surveys/<int:survey_id>/paper", methods=["GET", "POST"])
def paper(slug: str, survey_id: int):
    """Type in paper questionnaires, one after another (channel paper, validated like the online form)."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
    if survey.status != "open":
        flash(_("Paper questionnaires can be entered only while the survey is open."), "error")
        return redirect(url_for("surveys.detail", slug=slug, survey_id=survey_id))
    if request.method == "GET":
        return _paper_page(survey, {}, str(uuidlib.uuid4()))
    client_uuid = services.parse_uuid(request.form.get("uuid"))
    if client_uuid is None:
        abort(400)
    issue_codes = [i.code for i in catalogue.issues_for(survey.municipality_id)]
    answers = public.read_answers(survey.current_questions(), request.form, issue_codes)
    if any(q.code == CONSENT_CODE for q in survey.current_questions()):
        answers[CONSENT_CODE] = CONSENT_YES  # the respondent agreed on paper; a declined sheet is not typed in
    here = redirect(url_for("surveys.paper", slug=slug, survey_id=survey_id))
    try:
        _response, is_new = services.submit(survey, client_uuid, answers, channel="paper")
    except services.Invalid as invalid:
        return _paper_page(survey, answers, client_uuid, invalid.errors)
    except services.Conflict:
        flash(_("This form was saved before with other answers; nothing was changed."), "error")
        return here
    if is_new:
        entered = services.counts_by_channel(survey).get("paper", 0)
        flash(ngettext("Saved; %(num)s paper questionnaire entered.", "Saved; %(num)s paper questionnaires entered.",
                       entered), "success")
    else:
        flash(_("This questionnaire was saved already; it was not stored twice."), "success")
    return here


@bp.route("/m/<slug>/surveys/<int:survey_id>/responses")
def responses_table(slug: str, survey_id: int):
    """List the responses, 50 a page, without sensitive answers or map points."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
    number = request.args.get("page", 1, type=int)
    response = make_response(render_template(
        "surveys/responses.html", m=municipality, survey=survey, columns=responses.columns(survey),
        page=responses.page(survey, number), channel_label=responses.channel_label))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/m/<slug>/surveys/<int:survey_id>/responses.csv")
def responses_csv(slug: str, survey_id: int):
    """Download the responses as CSV for Excel, without sensitive questions or map points."""
    municipality, survey = _survey_or_404(slug, survey_id, "manage_surveys")
    # Built whole, not streamed: a few thousand rows at most, and the session closes with the request.
    response = make_response("".join(responses.csv_chunks(survey)).encode("utf-8"))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f"attachment; filename=survey-{survey.id}-responses.csv"
    response.headers["Cache-Control"] = "private, no-store"
    return response
