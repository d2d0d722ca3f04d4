"""The plan's documents: printable page, PDF and DOCX of the plan and its funding brief (content, access, privacy)."""
from __future__ import annotations

import html
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal as D

import docx
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from access_cases import LOGIN, logged_in_client, outcome, translated
from cpplan.accounts.models import User
from cpplan.documents import budget
from cpplan.extensions import db
from cpplan.i18n import format_money, format_share
from cpplan.municipalities.models import Municipality, WorkingGroupMember
from cpplan.plans import library
from cpplan.plans.models import Measure, Plan, PlanEvent
from cpplan.results import queries
from cpplan.results.queries import IssueFigures
from plan_factory import make_plan, working_group
from test_results import make_survey, markers

LANGS = ("ky", "ru", "en")
KINDS = ("plan-{lang}.pdf", "plan-{lang}.docx", "brief-{lang}.pdf", "brief-{lang}.docx", "document?lang={lang}",
         "brief?lang={lang}")
COUNCIL = ("14/3", date(2026, 4, 2))


# --- helpers ------------------------------------------------------------------------------------------------

def url(world, plan_id: int, tail: str) -> str:
    return f"/m/{world['home']}/plans/{plan_id}/{tail}"


def pdf_pages(response) -> list[str]:
    """Return each page's text, whitespace collapsed (a table cell wraps its words onto several lines)."""
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(response.data)).pages]


def pdf_text(response) -> str:
    return " ".join(pdf_pages(response))


def docx_of(response) -> docx.document.Document:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return docx.Document(io.BytesIO(response.data))


def docx_text(response) -> str:
    """Return every paragraph and table cell of the DOCX, whitespace collapsed."""
    document = docx_of(response)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def norm(text: str) -> str:
    return " ".join(text.split())


def library_title(code: str, n: int = 0, lang: int = 0) -> str:
    """Return the title of the n-th library measure of an issue (the factory's first measure per issue)."""
    return library.for_issue(code)[n].title[lang]


def adopted_plan(app, world, measures: int = 4, **kw) -> int:
    """An adopted plan of home with a working group, the council's decision and its approval and adoption logged."""
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        working_group(home)
        db.session.commit()
        plan_id = make_plan(world["home_id"], measures=measures, status="adopted", council=COUNCIL, **kw)
        police = db.session.scalar(db.select(User).filter_by(email=world["users"]["police"]))
        coordinator = db.session.scalar(db.select(User).filter_by(email=world["users"]["coordinator"]))
        police.display_name, coordinator.display_name = "Officer Bolotbek", "Coordinator Cholpon"
        plan = db.session.get(Plan, plan_id)
        plan.events += [PlanEvent(action="approve", from_state="in_review", to_state="approved", user_id=police.id,
                                  at=datetime(2026, 3, 20, 9, tzinfo=timezone.utc)),
                        PlanEvent(action="adopt", from_state="approved", to_state="adopted", user_id=coordinator.id,
                                  at=datetime(2026, 4, 3, 9, tzinfo=timezone.utc)),
                        PlanEvent(action="approve", from_state="in_review", to_state="in_review",
                                  user_id=police.id, refused=True, at=datetime(2026, 3, 1, tzinfo=timezone.utc))]
        db.session.commit()
        return plan_id


def member_names(app, world) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(WorkingGroupMember.name)
                                       .filter_by(municipality_id=world["home_id"])))


def measures_of(app, plan_id: int) -> list[tuple[str, D | None, D | None]]:
    """Return (ky title, cost, funded) of the plan's measures, in issue order."""
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        order = {pi.id: pi.position for pi in plan.issues}
        found = sorted(plan.measures, key=lambda m: (order[m.plan_issue_id], m.position, m.id))
        return [(m.title_ky, m.cost, m.funded) for m in found]


@pytest.fixture
def adopted(app, world) -> int:
    return adopted_plan(app, world)


@pytest.fixture
def draft(app, world) -> int:
    with app.app_context():
        return make_plan(world["home_id"], measures=3)


# --- budget: the pure sums ----------------------------------------------------------------------------------

def test_budget_sums_are_exact_per_issue_year_and_total():
    rows = [("a", 2026, D("10000.50"), D("5000.25")), ("b", 2027, D("0.10"), None), ("a", 2027, D("0.20"), D("0.20")),
            ("b", 2026, None, None)]
    found = budget.summary(rows)
    assert found.total == budget.Money(D("10000.80"), D("5000.45"), D("5000.35"))
    assert list(found.by_issue) == ["a", "b"]
    assert found.by_issue["a"] == budget.Money(D("10000.70"), D("5000.45"), D("5000.25"))
    assert found.by_issue["b"] == budget.Money(D("0.10"), D("0.00"), D("0.10"))
    assert list(found.by_year) == [2026, 2027]
    assert found.by_year[2027] == budget.Money(D("0.30"), D("0.20"), D("0.10"))
    assert (found.measures, found.unestimated) == (4, 1)


def test_funding_above_the_cost_is_capped_and_hides_no_other_gap():
    """An over-funded measure has a gap of 0 (never negative) and its extra money does not close another's gap."""
    assert budget.line(D("100"), D("250")) == budget.Money(D("100"), D("100"), D("0"))
    found = budget.summary([("a", 2026, D("100"), D("250")), ("a", 2026, D("300"), None)])
    assert found.total == budget.Money(D("400"), D("100"), D("300"))


def test_missing_negative_and_unknown_values():
    assert budget.line(None, D("50")) == budget.Money()  # no estimate: counts 0, nothing secured towards it
    assert budget.line(D("80"), D("-5")) == budget.Money(D("80"), D("0.00"), D("80"))
    assert budget.summary([]) == budget.Summary()
    found = budget.summary([("a", None, D("1"), None), ("a", 2028, D("2"), None), ("a", 2026, D("3"), None)])
    assert list(found.by_year) == [2026, 2028, None]
    assert [budget.start_year(s) for s in ("2026-03", "2026", "", None, "20x6-01")] == [2026, 2026, None, None, None]


@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from((2026, 2027, None)),
                          st.none() | st.decimals(0, 10**9, places=2), st.none() | st.decimals(-10, 10**9, places=2))))
def test_cost_is_secured_plus_gap_everywhere(rows):
    found = budget.summary(rows)
    for money in (found.total, *found.by_issue.values(), *found.by_year.values()):
        assert money.cost == money.secured + money.gap and money.gap >= 0 and money.secured >= 0
    assert found.total.gap == sum((budget.line(c, f).gap for _i, _y, c, f in rows), D("0"))


# --- the PDF and DOCX say what the plan says, in the language asked -----------------------------------------

def test_kyrgyz_pdf_keeps_the_kyrgyz_letters(app, world, client, adopted):
    response = client.get(url(world, adopted, "plan-ky.pdf"))
    assert response.headers["Content-Disposition"] == 'attachment; filename="kyzyl-suu-plan-v1-ky.pdf"'
    text = pdf_text(response)
    for letter in "ңөү":
        assert letter in text
    for title, _cost, _funded in measures_of(app, adopted):
        assert norm(title) in text
    assert library_title("livestock_theft") in text  # Малды каттоо жана бирка менен белгилөө кампаниясы
    assert "Жети-Өгүз райондук милиция бөлүмү" in text and "Аялдар кеңеши" in text
    assert norm(translated(app, "Measures", "ky")) in text
    assert re.search(r"1 / \d+", text)  # page numbers in the footer


def test_russian_pdf_has_russian_labels(app, world, client, adopted):
    text = pdf_text(client.get(url(world, adopted, "plan-ru.pdf")))
    for label in ("Measures", "Partners", "Timeline", "Indicators", "Working group", "Priority issues"):
        russian = translated(app, label, "ru")
        assert re.search(r"[а-яА-Я]", russian), label
        assert norm(russian) in text, label
    assert library_title("livestock_theft", lang=1) in text
    assert "сом" in text


def test_docx_has_the_measures_table_with_each_cost(app, world, client, adopted):
    lang = "ru"
    document = docx_of(client.get(url(world, adopted, f"plan-{lang}.docx")))
    header = [translated(app, label, lang) for label in ("Measure", "Lead", "Partners", "Timeline", "Cost in som",
                                                         "Indicators")]
    tables = [t for t in document.tables if [c.text for c in t.rows[0].cells] == header]
    assert len(tables) == 1
    rows = [[c.text for c in row.cells] for row in tables[0].rows[1:]]
    with app.app_context():
        expected = [(m.title_ru, format_money(m.cost, lang)) for m in
                    sorted(db.session.get(Plan, adopted).measures,
                           key=lambda m: (m.plan_issue.position, m.position))]
    assert [(r[0], r[4]) for r in rows] == expected
    assert all("сом" in r[4] for r in rows)


def test_documents_in_english_and_the_title_block(app, world, client, adopted):
    text = docx_text(client.get(url(world, adopted, "plan-en.docx")))
    assert "Local crime prevention plan 2026–2028" in text and "Kyzyl-Suu" in text
    assert translated(app, "Adopted by council", "en") in text
    assert "14/3" in text


# --- budget and adoption in the document ---------------------------------------------------------------------

def test_budget_totals_in_the_document(app, world, client, adopted):
    found = budget.summary((None, None, cost, funded) for _t, cost, funded in measures_of(app, adopted))
    text = page_text(client.get(url(world, adopted, "document?lang=en")))
    for amount in (found.total.cost, found.total.secured, found.total.gap):
        assert norm(format_money(amount, "en")) in text
    assert found.total.gap == found.total.cost - found.total.secured > 0


def test_adoption_record_gives_dates_and_roles_not_names(app, world, adopted):
    client = logged_in_client(app, world["users"]["member"])
    for tail in ("document?lang=en", "plan-en.docx"):
        response = client.get(url(world, adopted, tail))
        text = page_text(response) if tail.startswith("document") else docx_text(response)
        assert "Officer Bolotbek" not in text and "Coordinator Cholpon" not in text
        assert translated(app, "Approved by police", "en") in text
        assert translated(app, "Police", "en") in text
    text = page_text(client.get(url(world, adopted, "document?lang=en")))
    assert text.count(translated(app, "Approved by police", "en")) == 1  # the refused attempt is not listed


# --- disclosure control: hidden figures print as markers ------------------------------------------------------

def test_hidden_issue_figures_print_the_marker_and_no_number(app, world, client, adopted, monkeypatch):
    hidden = {code: IssueFigures(code, None, None, None, None) for code in
              ("livestock_theft", "school_racketeering", "domestic_violence", "road_safety")}
    monkeypatch.setattr(queries, "issue_figures", lambda municipality: hidden)
    raw = client.get(url(world, adopted, "document?lang=en")).get_data(as_text=True)
    section = re.search(r'<section id="issues".*?</section>', raw, re.S).group(0)
    values = re.findall(r"<dt>Respondents [^<]*</dt><dd>([^<]*)</dd>", section)
    assert values and set(values) == {translated(app, "hidden", "en")}
    assert "%" not in re.sub(r"<dd>\(Demo\)[^<]*</dd>", "", section)  # the factory's own problem text says 43 %
    text = pdf_text(client.get(url(world, adopted, "plan-en.pdf")))
    assert text.count(f"(4 or 5 of 5) {translated(app, 'hidden', 'en')}") == 4
    brief = pdf_text(client.get(url(world, adopted, "brief-ru.pdf")))
    assert norm(translated(app, "The share to whom it happened is not published, to protect respondents.", "ru")) \
        in brief
    assert "%" not in brief


def test_small_survey_counts_never_appear_as_numbers(app, world, client, adopted):
    """Three respondents: the count prints as "<5", and no share of theirs is published in any language."""
    people = [{"gender": "female", "age_band": "30_44", "safe_day": 4, "safe_night": 2, "trust_police": 5,
               "victimisation": ["livestock_theft"], "issue_seriousness": {"livestock_theft": 5, "road_safety": 4}}
              for _ in range(3)]
    make_survey(app, world["home"], people)
    for lang in LANGS:
        raw = client.get(url(world, adopted, f"document?lang={lang}")).get_data(as_text=True)
        section = re.search(r'<section id="survey".*?</section>', raw, re.S).group(0)
        count = html.unescape(re.search(r"<dd>([^<]*)</dd>", section).group(1))
        assert count in markers(app, lang, 5)
        values = [html.unescape(v) for v in re.findall(r'<text x="326"[^>]*>([^<]*)</text>', section)]
        assert values and not any(re.search(r"\d", v) for v in values), values
        issues = re.search(r'<section id="issues".*?</section>', raw, re.S).group(0)
        assert not re.search(r"<dd>\d+\s?%</dd>", issues)
        assert ">3<" not in section
    text = pdf_text(client.get(url(world, adopted, "plan-en.pdf")))
    assert f"{translated(app, 'Respondents', 'en')} <5" in text
    assert f"{translated(app, 'Respondents', 'en')} 3" not in text


def test_open_survey_results_are_not_published_to_the_public(app, world, client, adopted):
    people = [{"gender": ("female", "male")[i % 2], "safe_day": 4, "issue_seriousness": {"road_safety": 5}}
              for i in range(30)]
    make_survey(app, world["home"], people, status="open")
    public = page_text(client.get(url(world, adopted, "document?lang=en")))
    assert translated(app, "Results are published when the survey closes.", "en") in public
    member = logged_in_client(app, world["users"]["member"])
    internal = page_text(member.get(url(world, adopted, "document?lang=en")))
    assert translated(app, "Results are published when the survey closes.", "en") not in internal
    assert "100%" in internal  # road safety: everyone rated it 5


# --- who sees what ----------------------------------------------------------------------------------------------

def test_public_documents_of_an_adopted_plan_name_no_member(app, world, client, adopted):
    names = member_names(app, world)
    assert len(names) == 7
    for kind in KINDS:
        response = client.get(url(world, adopted, kind.format(lang="ky")))
        text = (pdf_text(response) if kind.endswith(".pdf") else docx_text(response) if kind.endswith(".docx")
                else page_text(response))
        assert not [name for name in names if name in text], kind
        if kind.startswith("plan") or kind.startswith("document"):
            assert "Аялдар кеңеши" in text  # organisations are named
            assert norm(format_share(D(3) / 7, "ky")) in text  # the share of women


def test_members_see_the_names_on_the_roster(app, world, adopted):
    names = member_names(app, world)
    client = logged_in_client(app, world["users"]["member"])
    for tail in ("document?lang=ru", "plan-ru.docx", "plan-ru.pdf"):
        response = client.get(url(world, adopted, tail))
        text = (pdf_text(response) if tail.endswith(".pdf") else docx_text(response) if tail.endswith(".docx")
                else page_text(response))
        assert all(norm(name) in text for name in names), tail
    brief = pdf_text(client.get(url(world, adopted, "brief-ru.pdf")))
    assert not [name for name in names if name in brief]  # the brief names organisations only, for everyone


@pytest.mark.parametrize("kind", KINDS)
def test_draft_documents_need_the_municipality(app, world, client, draft, kind):
    path = url(world, draft, kind.format(lang="en"))
    assert outcome(client.get(path)) == LOGIN
    assert logged_in_client(app, world["users"]["outsider"]).get(path).status_code == 403
    assert logged_in_client(app, world["users"]["viewer"]).get(path).status_code == 200


def test_unknown_plan_answers_like_the_plan_page(app, world, client, adopted):
    assert outcome(client.get(url(world, 999999, "plan-en.pdf"))) == LOGIN
    member = logged_in_client(app, world["users"]["member"])
    assert member.get(url(world, 999999, "plan-en.pdf")).status_code == 404
    assert member.get(f"/m/{world['other']}/plans/{adopted}/plan-en.pdf").status_code == 403  # as the plan page
    admin = logged_in_client(app, world["users"]["admin"])
    assert admin.get(f"/m/{world['other']}/plans/{adopted}/plan-en.pdf").status_code == 404
    assert client.get(f"/m/no-such-place/plans/{adopted}/plan-en.pdf").status_code == 404


@pytest.mark.parametrize("tail", ["plan-xx.pdf", "plan-.pdf", "plan-KY.pdf", "brief-de.docx", "plan-ky%00.pdf",
                                  "document?lang=de", "brief?lang=", "plan-ky.doc"])
def test_unknown_language_is_404(app, world, client, adopted, tail):
    assert client.get(url(world, adopted, tail)).status_code == 404


# --- the funding brief ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_funding_brief_fits_one_page_with_twelve_gap_measures(app, world, client, monkeypatch, lang):
    """Twelve measures with a gap and, for each priority issue, the longest why-it-matters line (both figures)."""
    shown = {code: IssueFigures(code, D("0.43"), D("3.9"), D("0.12"), None) for code in
             ("livestock_theft", "school_racketeering", "domestic_violence", "road_safety")}
    monkeypatch.setattr(queries, "issue_figures", lambda municipality: shown)
    plan_id = adopted_plan(app, world, measures=12)
    found = measures_of(app, plan_id)
    assert sum(1 for _t, cost, funded in found if budget.line(cost, funded).gap > 0) == 12
    response = client.get(url(world, plan_id, f"brief-{lang}.pdf"))
    assert response.headers["Content-Disposition"] == f'attachment; filename="kyzyl-suu-funding-brief-v1-{lang}.pdf"'
    pages = pdf_pages(response)
    assert len(pages) == 1
    total = budget.summary((None, None, cost, funded) for _t, cost, funded in found).total
    assert norm(format_money(total.gap, lang)) in pages[0]
    assert norm(format_share(D("0.12"), lang)) in pages[0]


def test_funding_brief_lists_only_measures_with_a_gap(app, world, client, adopted):
    with app.app_context():
        first = db.session.scalar(db.select(Measure).filter_by(plan_id=adopted).order_by(Measure.id))
        first.funded = first.cost + 1  # fully funded (and more): no gap
        title = first.title_en
        db.session.commit()
    document = docx_of(client.get(url(world, adopted, "brief-en.docx")))
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[:2] == [translated(app, "Measure", "en"), translated(app, "Priority issue", "en")]
    titles = [row.cells[0].text for row in table.rows[1:-1]]
    assert title not in titles and len(titles) == 3
    assert table.rows[-1].cells[0].text == translated(app, "Total", "en")


# --- the printable page and the plan page ---------------------------------------------------------------------

def test_printable_page_obeys_the_csp(app, world, client, adopted):
    response = client.get(url(world, adopted, "document?lang=ky"))
    raw = response.get_data(as_text=True)
    assert '<html lang="ky">' in raw
    assert "/static/css/document.css" in raw
    assert "<style" not in raw and " style=" not in raw and "<script" not in raw
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/static/css/document.css").status_code == 200
    assert f'href="/m/{world["home"]}/plans/{adopted}/plan-ky.pdf"' in raw


def test_page_defaults_to_the_page_language(app, world, client, adopted):
    client.get("/?lang=ru")
    assert '<html lang="ru">' in client.get(url(world, adopted, "document")).get_data(as_text=True)
    assert '<html lang="en">' in client.get(url(world, adopted, "brief?lang=en")).get_data(as_text=True)


def test_plan_page_links_the_documents_page_language_first(app, world, adopted):
    client = logged_in_client(app, world["users"]["member"])
    raw = client.get(f"/m/{world['home']}/plans/{adopted}?lang=ru").get_data(as_text=True)
    section = re.search(r'<section id="documents".*?</section>', raw, re.S).group(0)
    pdfs = re.findall(r'/plan-(\w\w)\.pdf"', section)
    assert pdfs == ["ru", "ky", "en"]
    for lang in LANGS:
        for tail in (f"plan-{lang}.docx", f"brief-{lang}.pdf", f"document?lang={lang}"):
            assert f'{url(world, adopted, tail)}"' in section
