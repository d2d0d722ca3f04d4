"""JSON API v1: open surveys, questionnaires, and the offline-sync endpoint for responses."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext as _

from ..extensions import csrf, db, limiter
from ..municipalities.permissions import can
from ..municipalities.services import get_or_404, owned_or_404
from ..results import queries as results
from ..results import stats
from ..surveys import catalogue, services
from ..surveys.labels import ERROR_MESSAGES
from ..surveys.models import Survey
from .openapi import MAX_ID
from .payloads import names

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_RESPONSE_BYTES = 64 * 1024


def _error(status: int, code: str, message: str, **extra):
    return jsonify({"error": code, "message": message, **extra}), status


def questionnaire(survey: Survey) -> dict:
    """Return the survey's current questionnaire as plain data for the offline form and other clients."""
    areas = [{"code": str(a.id), "label": names(a, "name")} for a in services.area_choices(survey)]
    issues = [{"code": i.code, "label": names(i, "name"), "sensitive": i.is_sensitive}
              for i in catalogue.issues_for(survey.municipality_id)]
    questions = []
    for q in survey.current_questions():
        options = {"area": areas, "issue_rating": issues}.get(
            q.kind, [{"code": o.code, "label": names(o, "label")} for o in q.options])
        questions.append({
            "code": q.code, "kind": q.kind, "page": q.page, "sensitive": q.is_sensitive,
            "text": names(q, "text"), "help": names(q, "help"),
            "min": 1 if q.kind == "scale" else q.min_value, "max": 5 if q.kind == "scale" else q.max_value,
            "show_if": {"code": q.show_if_code, "option": q.show_if_option} if q.show_if_code else None,
            "options": options,
        })
    return {"token": survey.token, "municipality": survey.municipality.slug, "status": survey.status,
            "round": survey.round, "version": survey.version, "title": names(survey, "title"),
            "referral": _referral(survey), "questions": questions}


def _referral(survey: Survey) -> dict[str, str]:
    """Return where respondents can get help, per language (the national numbers where the municipality set none)."""
    from flask_babel import force_locale

    from ..surveys.public import referral_text

    texts = {}
    for lang in ("ky", "ru", "en"):
        with force_locale(lang):
            texts[lang] = referral_text(survey)
    return texts


def _open_survey_or_error(token: str):
    survey = db.session.scalar(db.select(Survey).filter_by(token=token))
    if survey is None or survey.status == "draft":
        return None, _error(404, "not_found", _("There is no open survey at this address."))
    if survey.status == "closed":
        return None, _error(410, "closed", _("This survey is closed and no longer takes answers."))
    return survey, None


@bp.get("/municipalities/<slug>/surveys")
def open_surveys(slug: str):
    """List the municipality's open surveys with their tokens."""
    municipality = get_or_404(slug)
    surveys = db.session.scalars(db.select(Survey).filter_by(municipality_id=municipality.id, status="open")
                                 .order_by(Survey.id)).all()
    return jsonify({"municipality": slug, "surveys": [
        {"token": s.token, "title": names(s, "title"), "round": s.round, "version": s.version} for s in surveys]})


@bp.get("/surveys/<token>")
def get_survey(token: str):
    """Return an open survey's questionnaire."""
    survey, failure = _open_survey_or_error(token)
    return failure or jsonify(questionnaire(survey))


@bp.post("/surveys/<token>/responses")
@csrf.exempt  # no cookie session: the survey token is the only credential, and answers are anonymous
@limiter.limit("120 per minute")
def submit_response(token: str):
    """Store one response; the same uuid with the same answers is acknowledged again, not stored twice."""
    # A chunked body has no Content-Length: read at most one byte more than allowed to tell.
    request.max_content_length = MAX_RESPONSE_BYTES + 1
    if (request.content_length or 0) > MAX_RESPONSE_BYTES or len(request.get_data()) > MAX_RESPONSE_BYTES:
        abort(413)
    survey, failure = _open_survey_or_error(token)
    if failure:
        return failure
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the decoder follows (silent= only covers ValueError)
        body = None
    if not isinstance(body, dict):
        return _error(400, "bad_request", _("Send a JSON object with a uuid and the answers."))
    client_uuid = services.parse_uuid(body.get("uuid"))
    if client_uuid is None:
        return _error(400, "bad_uuid", _("Every response needs its own uuid (version 4)."))
    channel = body.get("channel", "offline")
    if channel not in ("web", "offline"):
        return _error(400, "bad_channel", _("The channel must be web or offline."))
    try:
        stored_uuid, new = services.submit(survey, client_uuid, body.get("answers"), channel)
    except services.Invalid as invalid:
        return jsonify({"error": "invalid", "message": _("Some answers do not fit the questionnaire; nothing was stored."),
                        "errors": [{"field": field, "error": code, "message": str(ERROR_MESSAGES[code])}
                                   for field, code in invalid.errors]}), 422
    except services.Conflict:
        return _error(409, "conflict", _("This uuid was already used for different answers."))
    return jsonify({"uuid": stored_uuid, "status": "stored" if new else "duplicate"}), 201 if new else 200


def _percents(values) -> list:
    return [None if v is None else int(stats.percent(v)) for v in values]


@bp.get(f"/municipalities/<slug>/surveys/<int(max={MAX_ID}):survey_id>/results")
def survey_results(slug: str, survey_id: int):
    """Return a survey's published results (every count protected), optionally ?split=gender|age_band|area."""
    municipality = get_or_404(slug)
    survey = owned_or_404(Survey, municipality, survey_id)
    if survey.status == "draft":
        return _error(404, "not_found", _("This survey has no results yet."))
    if survey.status != "closed" and not can("view", municipality):
        return _error(403, "not_published", _("Results are published when the survey closes."))
    built = results.build(survey, results.split_or_none(request.args.get("split")))
    columns = [{"key": "all", "label": _("Everyone")}] + [{"key": key or "no_answer", "label": label}
                                                           for key, label in built.groups]
    return jsonify({
        "survey": survey.id, "municipality": slug, "status": survey.status, "round": survey.round,
        "split": built.split or None, "columns": columns,
        "thresholds": {"ordinary": built.threshold, "sensitive": built.threshold_sensitive},
        "respondents": stats.published(built.respondents, built.threshold),
        "issues": [{"code": i.code, "label": i.label, "sensitive": i.sensitive,
                    "answered": [stats.published(n, i.threshold) for n in i.answered],
                    "serious_percent": _percents(i.concern), "mean": [None if m is None else float(m) for m in i.mean]}
                   for i in built.issues],
        "questions": [{"code": t.code, "title": t.title, "sensitive": t.sensitive,
                       "answered": [stats.published(n, t.threshold) for n in t.totals],
                       "rows": [{"key": r.key, "label": r.label, "counts": [stats.published(n, t.threshold) for n in r.cells],
                                 "percents": _percents(r.percents)} for r in t.rows],
                       "mean": [None if m is None else float(m) for m in t.means] or None,
                       "percent_4_or_5": _percents(t.serious) or None}
                      for _name, _title, tables in built.sections for t in tables],
    })


from . import open_data  # noqa: E402,F401  (registers the open-data addresses and the OpenAPI document on bp)
