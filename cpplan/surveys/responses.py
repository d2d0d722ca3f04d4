"""What facilitators see of the answers: the response table and its CSV (results/ publishes the counts).

Sensitive questions and map points never reach a per-respondent row; counts are done by the database.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func

from ..extensions import db
from ..i18n import localized
from . import catalogue, export, services
from .labels import CHANNEL_LABELS
from .models import Answer, Question, Response, Survey

TIME_ZONE = ZoneInfo("Asia/Bishkek")
PER_PAGE = 50


def _response_count(survey: Survey) -> int:
    return db.session.scalar(db.select(func.count()).select_from(Response).where(Response.survey_id == survey.id))


# --- the response table ----------------------------------------------------------------------------

def columns(survey: Survey) -> list[Question]:
    """Return the questions a per-respondent row may show: never a sensitive one, never a map point."""
    withheld = {q.code for q in survey.questions if q.is_sensitive or q.kind == "location"}
    return [q for q in survey.current_questions() if q.code not in withheld]


def _open_issues(survey: Survey) -> list:
    """Return the catalogue issues whose ratings a per-respondent row may show (not the sensitive ones)."""
    return [i for i in catalogue.issues_for(survey.municipality_id) if not i.is_sensitive]


def _number(value: Decimal | None) -> int | Decimal | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _answers(response_ids: list[int], codes: list[str]) -> dict[int, dict[str, list[tuple]]]:
    """Return {response id: {code: [(item, number, text), ...]}} for the given responses and questions."""
    found: dict[int, dict[str, list[tuple]]] = {rid: {} for rid in response_ids}
    if not response_ids or not codes:
        return found
    rows = db.session.execute(
        db.select(Answer.response_id, Answer.question_code, Answer.item, Answer.number, Answer.text)
        .where(Answer.response_id.in_(response_ids), Answer.question_code.in_(codes))
        .order_by(Answer.id)).all()
    for rid, code, item, number, text in rows:
        found[rid].setdefault(code, []).append((item, _number(number), text))
    return found


def _ordered(survey: Survey):
    return (db.select(Response).where(Response.survey_id == survey.id)
            .order_by(Response.received_dt.desc(), Response.id.desc()))


@dataclass
class Page:
    """One page of the response table: rows of (response, [cell text per column]) and the paging."""

    rows: list[tuple[Response, list[str]]]
    number: int
    pages: int
    total: int


def _display(question: Question, values: list[tuple], areas: dict[str, str], issues: dict[str, str]) -> str:
    """Return one answer as the page language shows it: labels, area names, numbers, text."""
    if not values:
        return ""
    if question.kind in ("single", "multiple"):
        options = {o.code: localized(o, "label") for o in question.options}
        return ", ".join(options.get(item, item) for item, _n, _t in values)
    if question.kind == "area":
        return ", ".join(areas.get(item, item) for item, _n, _t in values)
    if question.kind == "issue_rating":  # ratings of sensitive issues (GBV, extremism) are left out
        return "; ".join(f"{issues[item]}: {number}" for item, number, _t in values if item in issues)
    if question.kind == "text":
        return values[0][2] or ""
    return str(values[0][1])


def page(survey: Survey, number: int) -> Page:
    """Return page `number` (1-based, clamped) of the survey's responses, newest first."""
    total = _response_count(survey)
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(number, 1), pages)
    responses = db.session.scalars(_ordered(survey).limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all()
    shown = columns(survey)
    answers = _answers([r.id for r in responses], [q.code for q in shown])
    areas = {str(a.id): localized(a, "name") for a in services.area_choices(survey)}
    issues = {i.code: localized(i, "name") for i in _open_issues(survey)}
    rows = [(r, [_display(q, answers[r.id].get(q.code, []), areas, issues) for q in shown]) for r in responses]
    return Page(rows, number, pages, total)


# --- the CSV export -------------------------------------------------------------------------------

def _local_time(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite keeps no offset; the app stores UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TIME_ZONE).strftime("%Y-%m-%d %H:%M")


def csv_header(survey: Survey) -> tuple[list[str], list[tuple[Question, str | None]]]:
    """Return the CSV header and what each answer column holds: (question, issue code or None)."""
    issue_codes = [i.code for i in _open_issues(survey)]
    slots: list[tuple[Question, str | None]] = []
    for q in columns(survey):
        slots.extend([(q, code) for code in issue_codes] if q.kind == "issue_rating" else [(q, None)])
    header = ["received", "channel", "version"] + [q.code if item is None else f"{q.code}/{item}"
                                                   for q, item in slots]
    return header, slots


def _csv_value(question: Question, values: list[tuple], item: str | None) -> str | int | Decimal:
    """Return one CSV cell: option codes (space separated when several), numbers (as numbers, so that a negative
    one is not taken for a formula), text."""
    if item is not None:
        return next((number for it, number, _t in values if it == item), "")
    if not values:
        return ""
    if question.kind in ("single", "multiple", "area"):
        return " ".join(it for it, _n, _t in values)
    if question.kind == "text":
        return values[0][2] or ""
    return values[0][1]


def csv_chunks(survey: Survey, batch: int = 500) -> Iterator[str]:
    """Yield the survey's responses as CSV text (UTF-8 BOM, formula cells neutralised), a batch at a time."""
    header, slots = csv_header(survey)
    codes = sorted({q.code for q, _item in slots})

    def rows():
        last = None
        while True:
            query = db.select(Response).where(Response.survey_id == survey.id).order_by(Response.id).limit(batch)
            if last is not None:
                query = query.where(Response.id > last)
            responses = db.session.scalars(query).all()
            if not responses:
                return
            answers = _answers([r.id for r in responses], codes)
            for r in responses:
                given = answers[r.id]
                yield [_local_time(r.received_dt), r.channel, r.version] + [
                    _csv_value(q, given.get(q.code, []), item) for q, item in slots]
            last = responses[-1].id

    return export.csv_text(header, rows())


def channel_label(channel: str) -> str:
    """Return the translated name of a response channel."""
    return str(CHANNEL_LABELS.get(channel, channel))
