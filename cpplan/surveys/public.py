"""The public survey form at /s/<token>: consent, one page per questionnaire page, referral, thanks.

Works without JavaScript. Every page is a plain POST that carries the answers so far in hidden
fields, so nothing is kept on the server or in a cookie until the respondent sends the last page:
a quick exit on a shared phone leaves no answers behind.
"""
from __future__ import annotations

import io
import uuid as uuidlib
from urllib.parse import quote

import segno
from flask import (Blueprint, abort, current_app, make_response, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db, limiter
from ..i18n import localized
from . import catalogue, labels, services
from .models import Question, Survey
from .validation import CONSENT_CODE, CONSENT_YES, LAT_RANGE, LON_RANGE, SCALE, TEXT_MAX, is_shown

bp = Blueprint("survey_form", __name__)

HONEYPOT = "website"  # a field people never see; bots fill it in
NO_STORE = "no-store"
# What the respondent reads for each validation error (the facilitators' wording where it fits).
MESSAGES = {**labels.ERROR_MESSAGES,
            "not_an_option": _l("Choose one of the answers offered."),
            "no_consent": _l("To answer the questions, choose “Yes, I agree”.")}


def public_url(survey: Survey) -> str:
    """Return the full address of the survey's public form (the short link residents open)."""
    return url_for("survey_form.form", token=survey.token, _external=True)


def share_links(survey: Survey) -> dict[str, str]:
    """Return WhatsApp and Telegram links that share the survey's address with a short invitation."""
    link = public_url(survey)
    message = _("Please answer the community safety survey of %(name)s. It is anonymous.",
                name=localized(survey.municipality, "name"))
    return {"whatsapp": f"https://wa.me/?text={quote(f'{message} {link}', safe='')}",
            "telegram": f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(message, safe='')}"}


def qr_svg(url: str) -> bytes:
    """Return a QR code of url as a standalone SVG document (attributes only, no style)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=4, dark="#000", light="#fff",
                                    xmldecl=False, title=_("QR code of the survey link"))
    return out.getvalue()


def _survey(token: str) -> Survey:
    """Return the open survey with this token; 404 for unknown or draft, the translated 410 page if closed."""
    survey = db.session.scalar(db.select(Survey).filter_by(token=token))
    if survey is None or survey.status == "draft":
        abort(404)
    if survey.status == "closed":
        abort(_no_store(make_response(render_template("surveys/public/closed.html", survey=survey), 410)))
    return survey


def _no_store(response):
    """Return the response marked never to be cached (the back button must not show answers)."""
    response.headers["Cache-Control"] = NO_STORE
    return response


def _pages(questions: list[Question]) -> list[int]:
    """Return the questionnaire's page numbers in order."""
    return sorted({q.page for q in questions})


def _number(raw: str, kind=int):
    """Return raw as a number of the kind, or raw itself (validation then reports the wrong form)."""
    try:
        return kind(raw)
    except ValueError:
        return raw


def read_answers(questions: list[Question], form, issue_codes: list[str]) -> dict:
    """Return the answers in the submitted form as {code: value}, typed as validation expects (skipped left out)."""
    answers = {}
    for q in questions:
        name = f"a.{q.code}"
        if q.kind == "multiple":
            value = [v for v in form.getlist(name) if v]
        elif q.kind in ("scale", "number"):
            value = _number(form.get(name, "").strip())
        elif q.kind == "location":
            lat, lon = (form.get(f"{name}.{axis}", "").strip() for axis in ("lat", "lon"))
            value = {"lat": _number(lat, float), "lon": _number(lon, float)} if lat or lon else None
        elif q.kind == "issue_rating":
            given = {code: form.get(f"{name}.{code}", "").strip() for code in issue_codes}
            value = {code: _number(raw) for code, raw in given.items() if raw}
        else:
            value = form.get(name, "")
        if value not in (None, "", [], {}):
            answers[q.code] = value
    return answers


def hidden_fields(question: Question, value) -> list[tuple[str, str]]:
    """Return the (name, value) pairs that carry one answer to the next page in hidden inputs."""
    name = f"a.{question.code}"
    if value in (None, "", [], {}):
        return []
    if question.kind == "multiple":
        return [(name, str(v)) for v in value]
    if question.kind in ("location", "issue_rating"):
        return [(f"{name}.{key}", str(v)) for key, v in value.items()]
    return [(name, str(value))]


def _prune(survey: Survey, answers: dict) -> dict:
    """Drop answers to questions that an earlier (changed) answer no longer asks."""
    kept = {}
    for spec in services.specs(survey):
        if spec.code in answers and is_shown(spec, kept):
            kept[spec.code] = answers[spec.code]
    return kept


def _message(question: Question | None, error: str) -> str:
    """Return the respondent-facing message for a validation error of the question."""
    kind = question.kind if question else None
    if error == "out_of_range" and kind == "number" and None not in (question.min_value, question.max_value):
        return _("Enter a number from %(min)s to %(max)s.", min=question.min_value, max=question.max_value)
    if error == "out_of_range" and kind in ("scale", "issue_rating"):
        return _("Enter a number from %(min)s to %(max)s.", min=SCALE[0], max=SCALE[1])
    if error == "out_of_range" and kind == "location":
        return _("This point is outside Kyrgyzstan.")
    if error == "wrong_type" and kind in ("number", "scale", "issue_rating"):
        return _("Enter a whole number.")
    if error == "wrong_type" and kind == "location":
        return _("Enter both latitude and longitude, or leave both empty.")
    if error == "too_long":
        return _("At most %(max)d characters.", max=TEXT_MAX)
    return str(MESSAGES.get(error, MESSAGES["wrong_type"]))


def referral_text(survey: Survey) -> str:
    """Return where the respondent can get help: the municipality's text, or the national numbers."""
    return localized(survey.municipality, "referral") or _(
        "If you or someone you know is in danger or needs help, call the police on 102 or an ambulance on 103.")


def question_context(survey: Survey, answers: dict, errors: list[tuple[str, str]] | None = None) -> dict:
    """Return what the question macro needs: answers, a message per erring code, areas, issues and ranges."""
    by_code = {q.code: q for q in survey.current_questions()}
    return {"answers": answers, "errors": {code: _message(by_code.get(code), error) for code, error in errors or []},
            "areas": services.area_choices(survey), "issues": catalogue.issues_for(survey.municipality_id),
            "scale": range(SCALE[0], SCALE[1] + 1), "lat_range": LAT_RANGE, "lon_range": LON_RANGE,
            "text_max": TEXT_MAX}


def _render_page(survey: Survey, index: int, answers: dict, client_uuid: str,
                 errors: list[tuple[str, str]] | None = None):
    """Return the response showing page `index` (1-based) with the answers so far (400 when errors)."""
    questions = survey.current_questions()
    pages = _pages(questions)
    number = pages[index - 1]
    by_code = {q.code: q for q in questions}
    specs = {spec.code: spec for spec in services.specs(survey)}
    shown = [q for q in questions if q.page == number and is_shown(specs[q.code], answers)]
    carried = [pair for q in questions if q.page != number for pair in hidden_fields(q, answers.get(q.code))]
    ctx = question_context(survey, answers, errors)
    messages = ctx["errors"]
    summary = [(by_code.get(code), message) for code, message in messages.items()]
    html = render_template(
        "surveys/public/page.html", survey=survey, index=index, total=len(pages), questions=shown,
        carried=carried, client_uuid=client_uuid, summary=summary, on_page={q.code for q in shown},
        honeypot=HONEYPOT, referral=referral_text(survey) if index == len(pages) else None,
        ctx=ctx)
    return _no_store(make_response(html, 400 if errors else 200))


def _is_send() -> bool:
    """Return True for the last page's Send (the limit on stored responses counts only these)."""
    return request.method == "POST" and request.form.get("go") == "send"


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit("120 per minute", methods=["POST"])
@limiter.limit("30 per minute", methods=["POST"], exempt_when=lambda: not _is_send())
def form(token: str):
    """Show the consent page (GET), or take one page's answers and show the next page or store the response."""
    survey = _survey(token)
    if request.method == "GET":
        return _render_page(survey, 1, {}, str(uuidlib.uuid4()))
    client_uuid = services.parse_uuid(request.form.get("uuid"))
    if client_uuid is None:
        abort(400)
    thanked = redirect(url_for("survey_form.thanks", token=token))
    if request.form.get(HONEYPOT):
        return thanked  # looks like success to the bot; nothing is stored
    total = len(_pages(survey.current_questions()))
    try:
        index = min(max(int(request.form.get("page", "1")), 1), total)
    except ValueError:
        abort(400)
    issue_codes = [i.code for i in catalogue.issues_for(survey.municipality_id)]
    answers = _prune(survey, read_answers(survey.current_questions(), request.form, issue_codes))
    consent = answers.get(CONSENT_CODE)
    consent_options = next((tuple(o.code for o in q.options) for q in survey.current_questions()
                            if q.code == CONSENT_CODE), ())
    if consent in consent_options and consent != CONSENT_YES:
        return thanked  # declined: thank them and keep nothing
    result = services.check(survey, answers)
    if not result.ok:
        return _render_page(survey, index, answers, client_uuid, result.errors)
    go = request.form.get("go")
    if go == "send" and index == total:
        try:
            services.submit(survey, client_uuid, result.answers, channel="web")
        except services.Invalid as invalid:
            return _render_page(survey, index, answers, client_uuid, invalid.errors)
        except services.Conflict:
            pass  # sent before (the back button after sending): the first answers stand
        return thanked
    index = index - 1 if go == "back" else index + 1
    return _render_page(survey, min(max(index, 1), total), result.answers, client_uuid)


@bp.route("/s/<token>/thanks")
def thanks(token: str):
    """Thank the respondent and show again where to get help."""
    survey = db.session.scalar(db.select(Survey).filter_by(token=token))
    if survey is None or survey.status == "draft":
        abort(404)
    return _no_store(make_response(render_template("surveys/public/thanks.html", survey=survey,
                                                   referral=referral_text(survey))))


def offline_strings(survey: Survey) -> dict[str, str]:
    """Return every text the offline form's JavaScript shows, translated for this request's language.

    Placeholders use braces ({n}) so the script can fill them in; the server's own messages are
    reused where they exist, so the lead translates each text once.
    """
    return {
        "progress": _("Page %(num)s of %(total)s", num="{n}", total="{m}"),
        "next": _("Next"), "back": _("Back"), "send": _("Send my answers"), "no_answer": _("No answer"),
        "lat": _("Latitude"), "lon": _("Longitude"),
        "thanks_title": _("Thank you"), "thanks": _("Thank you for your time. You can close this page now."),
        "help_title": _("Where to get help"), "referral": referral_text(survey),
        "check": _("Please check the answers marked below. Nothing has been saved."),
        "range": _("Enter a number from %(min)s to %(max)s.", min="{min}", max="{max}"),
        "whole": _("Enter a whole number."), "consent": str(MESSAGES["no_consent"]),
        "outside": _("This point is outside Kyrgyzstan."),
        "pair": _("Enter both latitude and longitude, or leave both empty."),
        "too_long": _("At most %(max)d characters.", max=TEXT_MAX),
        "closed": _("This survey is closed and no longer takes answers. Thank you for your interest."),
        "loading": _("Loading the questionnaire…"),
        "no_form": _("The questionnaire could not be loaded. Open the survey once while connected to the internet."),
        "kept": _("Your answers are saved on this phone and will be sent when there is a connection."),
        "waiting": _("Answers waiting to be sent: {n}"),
        "sent": _("All answers have been sent."),
        "rejected": _("Answers the server did not accept: {n}"),
        "again": _("Answer the survey again (another person)"),
    }


@bp.route("/s/sw.js")
def service_worker():
    """Serve the survey's service worker from /s/ so that its scope covers every survey address."""
    response = send_from_directory(current_app.static_folder, "js/survey-sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/s/<token>/app")
def offline_app(token: str):
    """The offline form's page: a small shell that the service worker keeps and the script fills in."""
    survey = _survey(token)
    html = render_template("surveys/public/app.html", survey=survey, strings=offline_strings(survey),
                           limits={"lat": LAT_RANGE, "lon": LON_RANGE, "text": TEXT_MAX, "scale": SCALE})
    return _no_store(make_response(html))


@bp.route("/s/exit")
def exit_():
    """A neutral page for the quick exit: nothing about the survey, and the browser's cache cleared."""
    response = _no_store(make_response(render_template("surveys/public/exit.html")))
    response.headers["Clear-Site-Data"] = '"cache"'
    return response
