"""Formula injection: every CSV and XLSX download neutralises what a spreadsheet would run, and numbers stay numbers.

What counts as a formula (decided here; cpplan.surveys.export follows it):
- a text starting with = + - @ TAB or CR (OWASP's list);
- the same after leading spaces or line breaks ("  =1", "\\n@SUM(1)"): Google Sheets and LibreOffice may trim
  them before reading the cell, so those are neutralised too;
- never a number the app stores as a number: -5 stays -5 in a CSV and a number in an XLSX.
Neutralised means: in a CSV, a leading ' (a spreadsheet shows the rest as text); in an XLSX, a text cell (never a
formula cell) that starts with ' (budget workbook) or carries Excel's quote prefix (the XLSForm, whose labels
Kobo must read unchanged). Apart from that ' every text comes back as stored; an XLSX drops the control
characters XML cannot hold.

The payloads are written straight into the database, past the forms (which strip spaces): the exports must be
safe for whatever a form, the API or an import could ever store.
"""
from __future__ import annotations

import csv
import html
import io
import re
import uuid
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from access_cases import URLS, Ctx, logged_in_client
from cpplan.budget.models import Allocation, Expenditure
from cpplan.extensions import db
from cpplan.municipalities.models import Area, Municipality
from cpplan.plans.models import Plan
from cpplan.surveys import catalogue, services
from cpplan.surveys.export import BOM
from cpplan.surveys.models import Question, Survey
from cpplan.surveys.tally import SPLITS
from plan_factory import make_plan

PAYLOADS = (
    '=HYPERLINK("http://x","a")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    "  =1",            # decided: leading spaces do not hide a formula
    "\n@SUM(1)",
    "\x1b=1",          # a control character an XLSX cannot hold: dropped there, and what is left is neutralised
)
LANGS = ("ky", "ru", "en")
NUMBER_CODE = "change"  # a number question from -10 to 10, answered -5 by everyone

# The test's own reading of "a spreadsheet runs it" and of a plain number (not the app's, which is under test).
FORMULA = re.compile(r"[=+\-@\t\r]|\s*[=+\-@]")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

SPREADSHEET_TYPES = {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet",
                     "text/tab-separated-values"}


def runs(text: str) -> bool:
    """Return True when a spreadsheet would read the text as a formula."""
    return FORMULA.match(text) is not None


def plain(text: str) -> str:
    """Return the text as stored: without the ' the export put before a formula."""
    return text[1:] if text.startswith("'") and runs(text[1:]) else text


def in_xlsx(text: str) -> str:
    return NOT_IN_XML.sub("", text)


def rotated(i: int) -> dict[str, str]:
    """Return a different payload per language for the i-th object, so each language's text is checked."""
    return {lang: PAYLOADS[(i + n) % len(PAYLOADS)] for n, lang in enumerate(LANGS)}


# --- the exports, and that no other download escapes the test --------------------------------------------

EXPORTS = {  # endpoint: what the test below checks it with
    "results.survey_csv": "test_survey_csv_exports_neutralise_texts_and_keep_numbers",
    "surveys.responses_csv": "test_survey_csv_exports_neutralise_texts_and_keep_numbers",
    "budget.plan_csv": "test_budget_exports_neutralise_texts_and_keep_numbers",
    "budget.plan_xlsx": "test_budget_exports_neutralise_texts_and_keep_numbers",
    "surveys.xlsform_download": "test_xlsform_keeps_coordinator_texts_as_text_never_formulas",
}


def test_every_csv_and_xlsx_route_is_tested(app):
    """A new .csv or .xlsx route fails here until it is added to EXPORTS and tested below."""
    found = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.rule.lower().endswith((".csv", ".xlsx", ".xls", ".ods", ".tsv"))}
    assert found == set(EXPORTS), f"add to EXPORTS: {sorted(found - set(EXPORTS))}; drop {sorted(set(EXPORTS) - found)}"


def test_no_other_page_answers_a_spreadsheet(app, world):
    """Downloads whose URL does not end in .csv/.xlsx (?format=csv, say) are caught by what they answer.

    Every rule is fetched once as the admin, except the PDF and Word documents: their suffix fixes their type, and
    rendering them is half of this test's time.
    """
    ctx = Ctx(app, world)
    admin = logged_in_client(app, world["users"]["admin"])
    documents = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith((".pdf", ".docx"))}
    found = set()
    for endpoint, url_of in URLS.items():
        if endpoint in documents:
            continue
        response = admin.get(url_of(ctx))
        name = response.headers.get("Content-Disposition", "").lower()
        if response.mimetype in SPREADSHEET_TYPES or re.search(r"\.(csv|xlsx|xls|ods|tsv)\b", name):
            found.add(endpoint)
    assert found == set(EXPORTS)


# --- checks on a downloaded file ---------------------------------------------------------------------------

def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv", response.status
    text = response.get_data().decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):], newline="")))


def csv_problems(rows: list[list[str]], numeric: set[str], what: str) -> list[str]:
    """Return every cell a spreadsheet would run; a plain number passes in a numeric column only."""
    header, found = rows[0], []
    for line, row in enumerate(rows, start=1):
        assert len(row) == len(header), f"{what} line {line}: {len(row)} cells, header has {len(header)}"
        for column, cell in zip(header, row):
            if line > 1 and column in numeric and NUMBER.fullmatch(cell):
                continue
            if runs(cell):
                found.append(f"{what} line {line}, {column}: {cell!r}")
    return found


def xlsx_problems(data: bytes, what: str) -> list[str]:
    """Return every formula in the workbook, and every text that reads as one without ' or the quote prefix."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and re.search(rb"<(\w+:)?f[\s>/]", archive.read(name)):
                found.append(f"{what}: a formula element in {name}")
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    found.append(f"{what} {sheet.title}!{cell.coordinate}: formula {cell.value!r}")
                elif isinstance(cell.value, str) and runs(cell.value) and not cell.quotePrefix:
                    found.append(f"{what} {sheet.title}!{cell.coordinate}: {cell.value!r}")
    return found


def records(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


# --- the survey: its texts, villages, own issues, answers ----------------------------------------------------

@pytest.fixture
def poisoned_survey(app, world) -> dict:
    """An open survey of home with a payload in every text a coordinator writes and in every text answer."""
    with app.app_context():
        municipality = db.session.get(Municipality, world["home_id"])
        for i in range(len(PAYLOADS)):
            municipality.areas.append(Area(kind="village", **{f"name_{k}": v for k, v in rotated(i).items()}))
            catalogue.add_own(municipality.id, tuple(rotated(i).values()), tuple(rotated(i + 1).values()), False)
            db.session.flush()
        survey = services.create_standard(municipality)
        survey.title_ky, survey.title_ru, survey.title_en = rotated(0).values()
        survey.questions.append(Question(version=1, position=len(survey.questions), page=8, code=NUMBER_CODE,
                                         kind="number", min_value=-10, max_value=10))
        i = 0
        for question in survey.questions:
            for lang, payload in rotated(i).items():
                setattr(question, f"text_{lang}", payload)
                setattr(question, f"help_{lang}", rotated(i + 1)[lang])
            for option in question.options:
                i += 1
                for lang, payload in rotated(i).items():
                    setattr(option, f"label_{lang}", payload)
            i += 1
        services.open_survey(survey)
        db.session.commit()
        area = str(municipality.areas[-1].id)
        own = [issue.code for issue in catalogue.issues_for(municipality.id) if issue.municipality_id]
        for payload in PAYLOADS:
            services.submit(survey, str(uuid.uuid4()), {
                "consent": "yes", "gender": "female", "age_band": "30_44", "area": area, "safe_day": 2,
                "issue_seriousness": {code: 3 for code in own}, "safer": payload, NUMBER_CODE: -5}, "web")
        return {"id": survey.id, "own_issues": own}


def test_survey_csv_exports_neutralise_texts_and_keep_numbers(app, world, poisoned_survey):
    """Responses CSV (respondents' free text) and results CSV (every split): no cell runs; -5 stays -5."""
    admin = logged_in_client(app, world["users"]["admin"])
    slug, sid = world["home"], poisoned_survey["id"]
    problems = []

    rows = csv_rows(admin.get(f"/m/{slug}/surveys/{sid}/responses.csv"))
    header = rows[0]
    numeric = {"version", NUMBER_CODE} | {c for c in header if c.startswith("issue_seriousness/")}
    problems += csv_problems(rows, numeric, "responses.csv")
    answers = records(rows)
    # Stored as the form and the API store them: spaces at either end dropped.
    assert sorted(plain(r["safer"]) for r in answers) == sorted(p.strip() for p in PAYLOADS)
    assert [r[NUMBER_CODE] for r in answers] == ["-5"] * len(PAYLOADS)  # a number, not the text "'-5"
    for code in poisoned_survey["own_issues"]:
        assert {r[f"issue_seriousness/{code}"] for r in answers} == {"3"}

    stored = set(PAYLOADS) | {p.strip() for p in PAYLOADS}
    for split in ("", *SPLITS):
        rows = csv_rows(admin.get(f"/m/{slug}/results/{sid}/results.csv?split={split}"))
        problems += csv_problems(rows, {"count", "percent"}, f"results.csv?split={split}")
        for record in records(rows):
            assert record["count"] in ("", "hidden") or NUMBER.fullmatch(record["count"]) \
                or re.fullmatch(r"<\d+", record["count"]), record
            assert record["percent"] == "" or NUMBER.fullmatch(record["percent"]), record
            assert not stored & {plain(v) for v in record.values()}, f"free text in the results: {record}"
    assert not problems, "\n".join(problems)


# --- the budget: plan texts, donors, references, purposes ------------------------------------------------------

@pytest.fixture
def poisoned_plan(app, world) -> dict:
    """An adopted plan of home with payloads in measure titles, priority names, donors, references, purposes."""
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=len(PAYLOADS), status="adopted")
        plan = db.session.get(Plan, plan_id)
        for i, plan_issue in enumerate(plan.issues):
            own = catalogue.add_own(world["home_id"], tuple(rotated(i).values()), ("", "", ""), False)
            db.session.flush()
            plan_issue.issue = own
        expected = {}
        for i, measure in enumerate(plan.measures):
            for lang, payload in rotated(i).items():
                setattr(measure, f"title_{lang}", payload)
            db.session.add(Allocation(measure_id=measure.id, source="donor", donor_name=PAYLOADS[i], year=2026,
                                      amount=Decimal("1500.50"), decision_ref=rotated(i)["ru"],
                                      decided_on=date(2026, 3, 1)))
            db.session.add(Expenditure(measure_id=measure.id, spent_on=date(2026, 4, 2), amount=Decimal("250"),
                                       purpose=PAYLOADS[i], document_ref=rotated(i)["en"]))
            expected[measure.id] = rotated(i)
        issue_names = {pi.id: {lang: getattr(pi.issue, f"name_{lang}") for lang in LANGS} for pi in plan.issues}
        issues = {m.id: issue_names[m.plan_issue_id] for m in plan.measures}
        db.session.commit()
        return {"id": plan_id, "titles": expected, "issues": issues}


def expected_budget_line(plan: dict, lang: str, kind: str, measure_id: int) -> dict:
    """Return the texts a budget line must carry (as stored) in lang."""
    i = list(plan["titles"]).index(measure_id)
    line = {"measure": plan["titles"][measure_id][lang], "priority_issue": plan["issues"][measure_id][lang]}
    if kind == "allocation":
        return line | {"donor": PAYLOADS[i], "reference": rotated(i)["ru"], "purpose": ""}
    return line | {"donor": "", "reference": rotated(i)["en"], "purpose": PAYLOADS[i]}


@pytest.mark.parametrize("lang", LANGS)
def test_budget_exports_neutralise_texts_and_keep_numbers(app, world, client, poisoned_plan, lang):
    """The public budget lines, CSV and XLSX, in each language: no cell runs; ids, years, amounts are numbers."""
    base = f"/m/{world['home']}/plans/{poisoned_plan['id']}/budget"
    texts = ("measure", "priority_issue", "donor", "reference", "purpose")
    amounts = {"allocation": Decimal("1500.50"), "expenditure": Decimal("250")}

    rows = csv_rows(client.get(f"{base}.csv?lang={lang}"))  # anonymous: an adopted plan's budget is public
    problems = csv_problems(rows, {"measure_id", "year", "amount_kgs"}, f"budget.csv ({lang})")
    lines = records(rows)
    assert len(lines) == 2 * len(PAYLOADS)
    for line in lines:
        expected = expected_budget_line(poisoned_plan, lang, line["kind"], int(line["measure_id"]))
        assert {k: plain(line[k]) for k in texts} == expected
        assert Decimal(line["amount_kgs"]) == amounts[line["kind"]] and line["year"] == "2026"

    response = client.get(f"{base}.xlsx?lang={lang}")
    assert response.status_code == 200
    problems += xlsx_problems(response.data, f"budget.xlsx ({lang})")
    lines = records(list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)))
    assert len(lines) == 2 * len(PAYLOADS)
    for line in lines:
        for column in ("measure_id", "year", "amount_kgs"):
            assert isinstance(line[column], (int, float)) and not isinstance(line[column], bool), (column, line)
        expected = expected_budget_line(poisoned_plan, lang, line["kind"], line["measure_id"])
        assert {k: plain(line[k] or "") for k in texts} == {k: in_xlsx(v) for k, v in expected.items()}
        assert Decimal(str(line["amount_kgs"])) == amounts[line["kind"]] and line["year"] == 2026
    assert not problems, "\n".join(problems)


# --- the XLSForm: the coordinator's question texts, choices, villages, own issues ----------------------------------

def test_xlsform_keeps_coordinator_texts_as_text_never_formulas(app, world, poisoned_survey):
    """No formula cell; texts that look like one are text cells with the quote prefix; Kobo reads them unchanged."""
    from pyxform.xls2xform import convert

    coordinator = logged_in_client(app, world["users"]["coordinator"])
    response = coordinator.get(f"/m/{world['home']}/surveys/{poisoned_survey['id']}/xlsform.xlsx")
    assert response.status_code == 200
    problems = xlsx_problems(response.data, "xlsform.xlsx")
    assert not problems, "\n".join(problems)
    written = {cell for sheet in load_workbook(io.BytesIO(response.data)).worksheets
               for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)}
    with app.app_context():
        survey = db.session.get(Survey, poisoned_survey["id"])
        own = [i for i in catalogue.issues_for(survey.municipality_id) if i.municipality_id]
        expected = {survey.title_en}  # the form title
        for question in survey.current_questions():
            expected |= {getattr(question, f"{f}_{lang}") for f in ("text", "help") for lang in LANGS}
            expected |= {getattr(o, f"label_{lang}") for o in question.options for lang in LANGS}
        expected |= {getattr(a, f"name_{lang}") for a in survey.municipality.areas for lang in LANGS}
        expected |= {getattr(i, f"{f}_{lang}") for i in own for f in ("name", "description") for lang in LANGS}
        expected = {in_xlsx(text) for text in expected}
    assert expected <= written, f"texts missing or changed: {sorted(expected - written)[:5]}"
    assert {in_xlsx(p) for p in PAYLOADS} <= written  # as written: no ' before them, the quote prefix keeps them text

    warnings: list[str] = []
    xform = html.unescape(convert(xlsform=io.BytesIO(response.data), warnings=warnings, file_type=".xlsx").xform)
    for payload in PAYLOADS:  # the labels Kobo shows respondents: the coordinator's text, not a formula's result
        assert in_xlsx(payload).strip() in xform, payload


# --- the shared neutraliser, on the decisions above ----------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    *[(payload, "'" + payload) for payload in PAYLOADS if payload != "\x1b=1"],
    ("\x1b=1", "\x1b=1"),          # ESC is no space and no formula start: text for a CSV (an XLSX drops ESC)
    (" plain", " plain"), ("a=b", "a=b"), ("", ""), (None, ""), ("'=already", "'=already"),
    (-5, "-5"), (Decimal("-5.50"), "-5.50"), (-2.5, "-2.5"), (0, "0"),  # numbers stay numbers
    ("-5", "'-5"),                 # but a text that looks like a negative number is text
    (Decimal("-Infinity"), "'-Infinity"), (float("-inf"), "'-inf"), (True, "True"),
])
def test_neutralise_follows_the_decisions(value, expected):
    """The one neutraliser of every export: formula texts get a ', numbers do not (not even negative ones)."""
    from cpplan.surveys.export import neutralise

    assert neutralise(value) == expected
