"""The survey as an XLSForm (.xlsx) for KoboToolbox / ODK Collect, with labels in three languages."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

from . import catalogue
from .export import looks_like_formula, xml_text
from .models import Survey

LANGUAGES = (("ky", "Кыргызча (ky)"), ("ru", "Русский (ru)"), ("en", "English (en)"))
SCALE = (1, 5)


def _texts(obj, field: str) -> list[str]:
    return [getattr(obj, f"{field}_{code}") or "" for code, _name in LANGUAGES]


def _between(low: int | None, high: int | None) -> str:
    parts = ([f". >= {low}"] if low is not None else []) + ([f". <= {high}"] if high is not None else [])
    return " and ".join(parts)


def _relevant(question, consent: bool) -> str:
    """Return the XLSForm `relevant` expression: consent given, and the question's show-if."""
    parts = ["${consent} = 'yes'"] if consent and question.code != "consent" else []
    if question.show_if_code:
        shown = question.survey.current_questions()
        kinds = {q.code: q.kind for q in shown}
        if kinds.get(question.show_if_code) == "multiple":
            parts.append(f"selected(${{{question.show_if_code}}}, '{question.show_if_option}')")
        else:
            parts.append(f"${{{question.show_if_code}}} = '{question.show_if_option}'")
    return " and ".join(parts)


def rows(survey: Survey) -> tuple[list[list], list[list], list[list]]:
    """Return the survey, choices and settings sheets as rows (header first)."""
    labels = [f"label::{name}" for _code, name in LANGUAGES]
    hints = [f"hint::{name}" for _code, name in LANGUAGES]
    survey_rows = [["type", "name", *labels, *hints, "relevant", "constraint"]]
    choice_rows = [["list_name", "name", *labels]]
    questions = survey.current_questions()
    consent = any(q.code == "consent" for q in questions)
    for q in questions:
        text, help_, relevant = _texts(q, "text"), _texts(q, "help"), _relevant(q, consent)
        if q.kind in ("single", "multiple"):
            kind = "select_one" if q.kind == "single" else "select_multiple"
            survey_rows.append([f"{kind} {q.code}", q.code, *text, *help_, relevant, ""])
            choice_rows.extend([q.code, o.code, *_texts(o, "label")] for o in q.options)
        elif q.kind == "area":
            survey_rows.append([f"select_one {q.code}", q.code, *text, *help_, relevant, ""])
            choice_rows.extend([q.code, str(a.id), *_texts(a, "name")] for a in survey.municipality.areas)
        elif q.kind in ("scale", "number"):
            low, high = SCALE if q.kind == "scale" else (q.min_value, q.max_value)
            survey_rows.append(["integer", q.code, *text, *help_, relevant, _between(low, high)])
        elif q.kind == "text":
            survey_rows.append(["text", q.code, *text, *help_, relevant, "string-length(.) <= 500"])
        elif q.kind == "location":
            survey_rows.append(["geopoint", q.code, *text, *help_, relevant, ""])
        elif q.kind == "issue_rating":
            survey_rows.append(["begin_group", q.code, *text, *help_, relevant, ""])
            for issue in catalogue.issues_for(survey.municipality_id):
                survey_rows.append(["integer", issue.code, *_texts(issue, "name"), *_texts(issue, "description"),
                                    "", _between(*SCALE)])
            survey_rows.append(["end_group", "", *[""] * (len(labels) + len(hints)), "", ""])
    settings = [["form_title", "form_id", "version", "default_language"],
                [survey.title_en or survey.title_ru or survey.title_ky, form_id(survey), str(survey.version),
                 LANGUAGES[0][1]]]
    return survey_rows, choice_rows, settings


def form_id(survey: Survey) -> str:
    """Return the form id Kobo files the submissions under: municipality, survey and version."""
    return f"cpplan_{survey.municipality.slug.replace('-', '_')}_{survey.id}_v{survey.version}"


def _keep_text(cell) -> None:
    """Store a text that looks like a formula (a label written by the coordinator) as text, never as a formula.

    openpyxl turns any text starting with "=" into a formula, which Excel would run on opening and pyxform would
    read as empty. Excel's quote prefix (what typing ' before a cell sets) keeps it text even when the cell is
    edited, while Kobo still reads the label unchanged, without the visible ' of the CSV exports.
    """
    cell.data_type = "s"
    cell.quotePrefix = True


def workbook_bytes(survey: Survey) -> bytes:
    """Return the XLSForm as .xlsx bytes."""
    book = Workbook()
    for title, sheet_rows in zip(("survey", "choices", "settings"), rows(survey)):
        sheet = book.active if title == "survey" else book.create_sheet()
        sheet.title = title
        for row in sheet_rows:
            sheet.append([xml_text(value) if isinstance(value, str) else value for value in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str) and looks_like_formula(cell.value):
                    _keep_text(cell)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
