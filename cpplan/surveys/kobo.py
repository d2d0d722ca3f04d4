"""Reading a KoboToolbox / ODK data export (CSV or XLSX) of the survey's XLSForm into responses."""
from __future__ import annotations

import csv
import io
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from openpyxl import load_workbook

from . import catalogue
from .models import Survey

MAX_ROWS = 100_000
SKIP_COLUMNS_PREFIX = "_"


class KoboFileError(ValueError):
    """The file cannot be read as a Kobo export; `code` names why."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code, self.detail = code, detail


@dataclass
class Row:
    """One submission: its line in the file, its uuid and its answers (or why it was rejected)."""

    line: int
    uuid: str | None = None
    answers: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _xlsx_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) of the first worksheet, read as it goes."""
    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield i, ["" if v is None else str(v) for v in row]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file, also from a row far down
        raise KoboFileError("bad_xlsx", str(exc)) from None


def _csv_lines(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells) of a CSV (`,` or `;`, UTF-8 with or without BOM)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KoboFileError("not_utf8") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)
    except csv.Error as exc:  # e.g. a cell longer than the csv module's limit: not a Kobo export
        raise KoboFileError("bad_csv", str(exc)) from None


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and (line number, cells) of a CSV (`,` or `;`, UTF-8 with or without BOM) or XLSX file."""
    if not data:
        raise KoboFileError("empty")
    lines = _xlsx_lines(data) if filename.lower().endswith(".xlsx") or data[:2] == b"PK" else _csv_lines(data)
    table = []
    for line, cells in lines:
        if any(c.strip() for c in cells):
            table.append((line, cells))
            if len(table) > MAX_ROWS + 1:  # stop reading: a small .xlsx can unzip to millions of rows
                raise KoboFileError("too_many_rows")
    if not table:
        raise KoboFileError("empty")
    header = [h.strip() for h in table[0][1]]
    if "_uuid" not in header:
        raise KoboFileError("no_uuid_column")
    return header, table[1:]


def _column(header_index: dict[str, int], cells: list[str], *names: str) -> str | None:
    """Return the first present cell among names (group prefixes joined by '/'), stripped, or None."""
    for name in names:
        i = header_index.get(name)
        if i is not None and i < len(cells):
            return cells[i].strip()
    return None


def _integer(value: str):
    try:
        number = float(value)
    except ValueError:
        return value  # left for validation to call it the wrong type
    return int(number) if number.is_integer() else number


def column_index(header: list[str]) -> dict[str, int]:
    """Return column positions by name; Kobo may prefix a question with its groups ("group/question"),
    so the last part of a name finds the column too."""
    index = {name: i for i, name in enumerate(header)}
    for name, i in list(index.items()):
        index.setdefault(name.rsplit("/", 1)[-1], i)
    return index


def answers_of(questions: list, issues: list[str], index: dict[str, int], cells: list[str]) -> dict:
    """Return the answers of one export row, keyed by question code, as the API would receive them."""
    answers: dict = {}
    for q in questions:
        if q.kind == "issue_rating":
            ratings = {}
            for issue in issues:
                value = _column(index, cells, f"{q.code}/{issue}", issue)
                if value:
                    ratings[issue] = _integer(value)
            if ratings:
                answers[q.code] = ratings
            continue
        value = _column(index, cells, q.code)
        if q.kind == "multiple":
            if value is None:  # exported as one 0/1 column per option
                chosen = [o.code for o in q.options if _column(index, cells, f"{q.code}/{o.code}") in ("1", "1.0", "True")]
                value = " ".join(chosen)
            if value:
                answers[q.code] = value.split()
        elif not value:
            continue
        elif q.kind in ("scale", "number"):
            answers[q.code] = _integer(value)
        elif q.kind == "location":
            parts = value.split()
            answers[q.code] = ({"lat": _integer(parts[0]), "lon": _integer(parts[1])} if len(parts) >= 2 else value)
        else:
            answers[q.code] = value
    return answers


def parse_uuid(value: str | None) -> str | None:
    """Return a Kobo `_uuid` in canonical form (any UUID version; ODK may add a "uuid:" prefix)."""
    if not value:
        return None
    try:
        return str(uuidlib.UUID(value.removeprefix("uuid:")))
    except ValueError:
        return None


def read(survey: Survey, data: bytes, filename: str) -> list[Row]:
    """Return every submission of the export with its answers, uuid and the reasons it cannot be used."""
    header, table = read_table(data, filename)
    index, uuid_column = column_index(header), {"_uuid": header.index("_uuid")}
    questions = survey.current_questions()
    issues = [i.code for i in catalogue.issues_for(survey.municipality_id)]
    seen: dict[str, int] = {}
    rows = []
    for line, cells in table:
        row = Row(line=line, uuid=parse_uuid(_column(uuid_column, cells, "_uuid")))
        if row.uuid is None:
            row.errors.append(("_uuid", "bad_uuid"))
        elif row.uuid in seen:
            row.errors.append(("_uuid", "duplicate_in_file"))
        else:
            seen[row.uuid] = line
        row.answers = answers_of(questions, issues, index, cells)
        rows.append(row)
    return rows
