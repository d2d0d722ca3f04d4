"""Counts kept as responses arrive (survey_tallies): what every result is read from.

`contributions` is pure: one response's answer rows -> the counts it adds. `add` applies them in one
upsert statement in the caller's transaction, so a response and its counts are stored together or not
at all; `recount` rebuilds a survey's counts from the stored answers (repairs, migrations).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import Answer, Question, Response, Tally

ALL = ""                     # the split of every respondent
SPLITS = ("gender", "age_band", "area")  # questions whose answer puts a respondent in a group
RESPONDENTS = "*"            # question_code of the respondents' count
ANSWERED = "*"               # item of the count of respondents who answered a question
NO_ANSWER = ""               # split_value of respondents who did not answer the splitting question
COUNTED = ("single", "multiple", "scale", "area", "issue_rating")  # free text, numbers and points are not counted

Key = tuple[str, str, str, str, int]  # split, split_value, question_code, item, value


def contributions(rows: Iterable[tuple], kinds: dict[str, str]) -> Counter:
    """Return the counts one response adds, from its (question code, item, number, text) answer rows."""
    rows = list(rows)
    groups = {code: NO_ANSWER for code in SPLITS}
    for code, item, _number, _text in rows:
        if code in groups and item is not None:
            groups[code] = item
    base: set[tuple[str, str, int]] = {(RESPONDENTS, "", 0)}
    for code, item, number, _text in rows:
        kind = kinds.get(code)
        if kind not in COUNTED:
            continue
        base.add((code, ANSWERED, 0))
        if kind in ("single", "multiple", "area"):
            base.add((code, item, 0))
        elif kind == "scale":
            base.add((code, "", int(number)))
        else:  # issue_rating: one rating per issue
            base.add((code, item, int(number)))
    found: Counter = Counter()
    for code, item, value in base:
        found[(ALL, "", code, item, value)] += 1
        for split, group in groups.items():
            found[(split, group, code, item, value)] += 1
    return found


def _upsert(connection):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(Tally.__table__)


def add(survey_id: int, counts: Counter, chunk: int = 400, connection=None) -> None:
    """Add counts to the survey's tallies (the caller commits); keys in one order so writers never deadlock."""
    connection = connection or db.session.connection()
    keys = sorted(k for k, n in counts.items() if n)
    for start in range(0, len(keys), chunk):
        statement = _upsert(connection)
        statement = statement.on_conflict_do_update(
            index_elements=["survey_id", "split", "split_value", "question_code", "item", "value"],
            set_={"n": Tally.__table__.c.n + statement.excluded.n})
        connection.execute(statement, [
            {"survey_id": survey_id, "split": s, "split_value": g, "question_code": q, "item": i, "value": v,
             "n": counts[(s, g, q, i, v)]} for s, g, q, i, v in keys[start:start + chunk]])


def recount(survey_id: int, batch: int = 2000, connection=None) -> int:
    """Rebuild the survey's tallies from its stored answers (the caller commits); return the responses counted.

    Also used by the migration that introduced the tallies, with its own connection.
    """
    connection = connection or db.session.connection()
    kinds = dict(connection.execute(select(Question.code, Question.kind).where(Question.survey_id == survey_id)).all())
    connection.execute(delete(Tally.__table__).where(Tally.__table__.c.survey_id == survey_id))
    total, last, counts = 0, 0, Counter()
    while True:
        ids = connection.execute(select(Response.id).where(Response.survey_id == survey_id, Response.id > last)
                                 .order_by(Response.id).limit(batch)).scalars().all()
        if not ids:
            break
        rows: dict[int, list[tuple]] = {rid: [] for rid in ids}
        for rid, code, item, number, text in connection.execute(
                select(Answer.response_id, Answer.question_code, Answer.item, Answer.number, Answer.text)
                .where(Answer.survey_id == survey_id, Answer.response_id.between(ids[0], ids[-1]))):
            if rid in rows:
                rows[rid].append((code, item, number, text))
        for answer_rows in rows.values():
            counts.update(contributions(answer_rows, kinds))
        total, last = total + len(ids), ids[-1]
    add(survey_id, counts, connection=connection)
    return total
