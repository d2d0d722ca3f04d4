"""Surveys' state changes and response storage: create from the template, open, close, submit."""
from __future__ import annotations

import uuid as uuidlib
from collections import Counter
from dataclasses import dataclass, field

from time import monotonic

from flask import current_app
from sqlalchemy import func, insert
from sqlalchemy.orm import selectinload
from sqlalchemy.exc import IntegrityError

from ..accounts.models import utcnow
from ..extensions import db
from ..municipalities.models import Area
from . import catalogue, kobo, tally, template
from .models import Answer, Option, Question, Response, Survey
from .validation import QuestionSpec, Result, fingerprint, rows, validate


class Conflict(Exception):
    """The uuid was already used for different answers."""


class Invalid(Exception):
    """The answers do not fit the questionnaire; `errors` lists (field, error code)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors


def create_standard(municipality, round_: str = "baseline") -> Survey:
    """Add a draft of the standard community safety survey to the municipality and return it."""
    catalogue.seed()
    survey = template.build(municipality, round_)
    db.session.add(survey)
    return survey


def next_round(municipality) -> str:
    """Return the round of a new survey: the baseline first, a follow-up once a baseline has been opened."""
    opened = db.session.scalar(db.select(func.count()).select_from(Survey).where(
        Survey.municipality_id == municipality.id, Survey.round == "baseline", Survey.status != "draft"))
    return "follow_up" if opened else "baseline"


def open_survey(survey: Survey) -> None:
    """Start collecting answers; the questions of this version are frozen from now on."""
    survey.status = "open"
    survey.opened_dt = survey.opened_dt or utcnow()
    survey.closed_dt = None


def close_survey(survey: Survey) -> None:
    """Stop collecting answers."""
    survey.status = "closed"
    survey.closed_dt = utcnow()


QUESTION_COPIED = ("position", "page", "code", "kind", "text_ky", "text_ru", "text_en", "help_ky", "help_ru",
                   "help_en", "is_sensitive", "min_value", "max_value", "show_if_code", "show_if_option")
OPTION_COPIED = ("position", "code", "label_ky", "label_ru", "label_en")


def new_version(survey: Survey) -> list[Question]:
    """Copy every question (with its options) of the version in use to version + 1 and switch the survey to it.

    Returns the new questions in order. Responses keep the version they were given with, and the old
    version's questions stay untouched; the caller applies its change to the copies and commits once,
    so the copy, the change and the new version number are stored together or not at all.
    """
    current = survey.current_questions()
    survey.version = survey.version + 1
    copies = []
    for old in current:
        copy = Question(version=survey.version, **{name: getattr(old, name) for name in QUESTION_COPIED})
        copy.options = [Option(**{name: getattr(o, name) for name in OPTION_COPIED}) for o in old.options]
        survey.questions.append(copy)
        copies.append(copy)
    return copies


@dataclass(frozen=True)
class Rules:
    """What checking and storing answers needs of a questionnaire version, as plain data."""

    specs: tuple[QuestionSpec, ...]
    kinds: dict[str, str]
    areas: tuple[str, ...]
    issues: tuple[str, ...]


# Kept per worker for an open or closed survey (its questions are frozen); villages and the issue
# catalogue can still change, so the rules are read again after RULES_TTL seconds.
RULES_TTL = 60.0
_RULES = "cpplan.survey_rules"


def rules(survey: Survey) -> Rules:
    """Return the rules of the survey's current questionnaire (a draft's are read every time)."""
    key = (survey.id, survey.version)
    kept = current_app.extensions.setdefault(_RULES, {}).get(key)
    if survey.status != "draft" and kept is not None and monotonic() - kept[0] < RULES_TTL:
        return kept[1]
    questions = db.session.scalars(
        db.select(Question).filter_by(survey_id=survey.id, version=survey.version)
        .options(selectinload(Question.options)).order_by(Question.position)).all()
    found = Rules(
        specs=tuple(QuestionSpec(code=q.code, kind=q.kind, options=tuple(o.code for o in q.options),
                                 min_value=q.min_value, max_value=q.max_value,
                                 show_if_code=q.show_if_code, show_if_option=q.show_if_option) for q in questions),
        kinds={q.code: q.kind for q in questions},
        areas=tuple(str(i) for i in db.session.scalars(db.select(Area.id).filter_by(municipality_id=survey.municipality_id))),
        issues=tuple(i.code for i in catalogue.issues_for(survey.municipality_id)),
    )
    if survey.status != "draft":  # a draft can still be edited in place: never keep its rules
        current_app.extensions[_RULES][key] = (monotonic(), found)
    return found


def specs(survey: Survey) -> list[QuestionSpec]:
    """Return what validation needs of the survey's current questions."""
    return list(rules(survey).specs)


def area_choices(survey: Survey) -> list[Area]:
    """Return the villages and wards a respondent can pick."""
    return list(survey.municipality.areas)


def check(survey: Survey, answers) -> Result:
    """Validate answers against the survey's current questionnaire."""
    found = rules(survey)
    return validate(list(found.specs), answers, found.areas, found.issues)


def parse_uuid(value) -> str | None:
    """Return the canonical form of a client uuid4, or None when it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = uuidlib.UUID(value)
    except ValueError:
        return None
    return str(parsed) if parsed.version == 4 else None


def submit(survey: Survey, client_uuid: str, answers, channel: str) -> tuple[str, bool]:
    """Store a response once per uuid; return its uuid and whether it is new.

    Raises Invalid (nothing stored) or Conflict (the uuid came before with other answers).
    """
    result = check(survey, answers)
    if not result.ok:
        raise Invalid(result.errors)
    try:  # most responses are new: insert first, and let the unique uuid catch a resend
        _new_response(survey, client_uuid, result.answers, channel)
        db.session.commit()
    except IntegrityError:  # sent before, or at the same moment through another request
        db.session.rollback()
        existing = db.session.execute(db.select(Response.survey_id, Response.payload_sha256)
                                      .filter_by(uuid=client_uuid)).first()
        if existing is None:
            raise
        if existing.survey_id != survey.id or existing.payload_sha256 != fingerprint(result.answers):
            raise Conflict(client_uuid) from None
        return client_uuid, False
    return client_uuid, True


def _new_response(survey: Survey, client_uuid: str, clean: dict, channel: str, counts: Counter | None = None) -> None:
    """Insert a response, its answer rows and its counts, three statements in all (the caller commits).

    With `counts` given, the response's counts are added to it instead, for the caller to store once.
    """
    connection = db.session.connection()
    response_id = connection.execute(insert(Response.__table__).returning(Response.__table__.c.id), {
        "survey_id": survey.id, "version": survey.version, "uuid": client_uuid,
        "payload_sha256": fingerprint(clean), "channel": channel, "received_dt": utcnow()}).scalar_one()
    values = [{"response_id": response_id, "survey_id": survey.id, "question_code": code, "item": item,
               "number": number, "text": text} for code, item, number, text in rows(clean, rules(survey).kinds)]
    if values:
        connection.execute(insert(Answer.__table__), values)
    added = tally.contributions([(v["question_code"], v["item"], v["number"], v["text"]) for v in values],
                                rules(survey).kinds)
    if counts is None:
        tally.add(survey.id, added)
    else:
        counts.update(added)


@dataclass
class ImportReport:
    """What an import of a Kobo export did, or would do: counts and every rejected line with its reasons."""

    total: int = 0
    new: int = 0
    already: int = 0
    rejected: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)
    stored: bool = False


def import_kobo(survey: Survey, data: bytes, filename: str, dry_run: bool) -> ImportReport:
    """Check every row of a Kobo export; store the new ones only when none is rejected (all or nothing).

    Raises kobo.KoboFileError when the file cannot be read at all.
    """
    report, fresh = ImportReport(), []
    rows_ = kobo.read(survey, data, filename)
    report.total = len(rows_)
    uuids = [r.uuid for r in rows_ if r.uuid]
    stored = {}
    for start in range(0, len(uuids), 500):  # a few hundred per query: databases cap the parameters
        stored.update((found, (survey_id, sha)) for found, survey_id, sha in db.session.execute(
            db.select(Response.uuid, Response.survey_id, Response.payload_sha256).where(
                Response.uuid.in_(uuids[start:start + 500]))))
    for row in rows_:
        errors = list(row.errors)
        if not errors:
            result = check(survey, row.answers)
            errors = result.errors
        if not errors and row.uuid in stored:
            # Already imported only into this survey: another survey's response (perhaps another
            # municipality's) is a conflict, as in submit(), never acknowledged as this survey's.
            if stored[row.uuid] == (survey.id, fingerprint(result.answers)):
                report.already += 1
                continue
            errors = [("_uuid", "conflict")]
        if errors:
            report.rejected.append((row.line, errors))
        else:
            fresh.append((row.uuid, result.answers))
    report.new = len(fresh)
    if dry_run or report.rejected or not fresh:
        return report
    counts: Counter = Counter()
    for client_uuid, clean in fresh:
        _new_response(survey, client_uuid, clean, "import", counts)
    tally.add(survey.id, counts)
    db.session.commit()
    report.stored = True
    return report


def counts_by_channel(survey: Survey) -> dict[str, int]:
    """Return the number of responses per channel (counted in the database)."""
    return dict(db.session.execute(
        db.select(Response.channel, func.count()).filter_by(survey_id=survey.id).group_by(Response.channel)).all())
