"""Counts kept as responses arrive (survey_tallies): what every result is read from.

Each count belongs to a respondent profile (gender, age band, village), so the counts for everyone
or for one split are sums over the profiles, done by the database.

`contributions` is pure: one response's answer rows -> the counts it adds. `add` applies them in one
upsert statement in the caller's transaction, so a response and its counts are stored together or not
at all; `recount` rebuilds a survey's counts from the stored answers (repairs, migrations).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from .models import Answer, Question, Response, Tally

ALL = ""                     # no split: every respondent
SPLITS = ("gender", "age_band", "area")  # questions whose answer puts a respondent in a group (and columns)
RESPONDENTS = "*"            # question_code of the respondents' count
ANSWERED = "*"               # item of the count of respondents who answered a question
NO_ANSWER = ""               # the group of respondents who did not answer a splitting question
COUNTED = ("single", "multiple", "scale", "area", "issue_rating")  # free text, numbers and points are not counted
KEY = ("gender", "age_band", "area", "question_code", "item", "value")

Key = tuple[str, str, str, str, str, int]  # gender, age band, area, question code, item, value


def contributions(rows: Iterable[tuple], kinds: dict[str, str]) -> Counter:
    """Return the counts one response adds, from its (question code, item, number, text) answer rows."""
    rows = list(rows)
    groups = {code: NO_ANSWER for code in SPLITS}
    for code, item, _number, _text in rows:
        if code in groups and item is not None:
            groups[code] = item
    profile = tuple(groups[code] for code in SPLITS)
    found: Counter = Counter({profile + (RESPONDENTS, "", 0): 1})
    for code, item, number, _text in rows:
        kind = kinds.get(code)
        if kind not in COUNTED:
            continue
        found[profile + (code, ANSWERED, 0)] = 1
        if kind in ("single", "multiple", "area"):
            found[profile + (code, item, 0)] = 1
        elif kind == "scale":
            found[profile + (code, "", int(number))] = 1
        else:  # issue_rating: one rating per issue
            found[profile + (code, item, int(number))] = 1
    return found


COLUMNS = ("survey_id",) + KEY + ("n",)
_COMPILED: dict[str, tuple[str, list[str] | None]] = {}


def _upsert_sql(connection) -> tuple[str, list[str] | None]:
    """Return the dialect's INSERT ... ON CONFLICT DO UPDATE text and its positional parameter order.

    Compiled once per dialect and run with the driver's executemany: a response adds about 30
    counts on every submission, and SQLAlchemy's per-row parameter processing would cost more
    than the database's work.
    """
    name = connection.dialect.name
    if name not in _COMPILED:
        dialect = postgresql if name == "postgresql" else sqlite
        statement = dialect.insert(Tally.__table__).values({c: bindparam(c) for c in COLUMNS})
        statement = statement.on_conflict_do_update(index_elements=["survey_id", *KEY],
                                                    set_={"n": Tally.__table__.c.n + statement.excluded.n})
        compiled = statement.compile(dialect=connection.dialect)
        _COMPILED[name] = (str(compiled), list(compiled.positiontup) if compiled.positional else None)
    return _COMPILED[name]


def add(survey_id: int, counts: Counter, connection=None) -> None:
    """Add counts to the survey's tallies (the caller commits); keys in one order so writers never deadlock."""
    connection = connection or db.session.connection()
    keys = sorted(k for k, n in counts.items() if n)
    if not keys:
        return
    sql, order = _upsert_sql(connection)
    rows = [dict(zip(COLUMNS, (survey_id, *key, counts[key]))) for key in keys]
    connection.exec_driver_sql(sql, [tuple(r[c] for c in order) for r in rows] if order else rows)


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
