"""Facilitator pages of a survey: paper entry, live counts with small cells hidden, the response table and CSV."""
from __future__ import annotations

import csv
import html
import io
import re
import uuid

import pytest
from access_cases import logged_in_client, snapshot
from conftest import csrf_token, create_survey

from cpplan.extensions import db
from cpplan.municipalities.models import Municipality
from cpplan.surveys import services
from cpplan.surveys.export import BOM, neutralise
from cpplan.surveys.models import Response, Survey

MANAGERS = ("coordinator", "facilitator")
READERS = ("member", "police", "viewer")
HYPERLINK = '=HYPERLINK("http://evil.example","click")'


def add_survey(app, slug: str, status: str = "open") -> int:
    with app.app_context():
        return create_survey(slug, status).id


def add_responses(app, survey_id: int, answers: dict, n: int = 1, channel: str = "web") -> None:
    """Store n responses with the given answers (consent added)."""
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        for _ in range(n):
            services.submit(survey, str(uuid.uuid4()), {"consent": "yes", **answers}, channel)


def area_id(app, slug: str) -> str:
    with app.app_context():
        m = db.session.scalar(db.select(Municipality).filter_by(slug=slug))
        return str(m.areas[0].id)


def responses_of(app, survey_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            db.select(Response.uuid, Response.channel).filter_by(survey_id=survey_id)).all()]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden_uuid(page: str) -> str:
    return re.search(r'name="uuid" value="([0-9a-f-]{36})"', page).group(1)


# --- paper entry -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", MANAGERS)
def test_paper_entry_stores_a_paper_response_and_comes_back_empty(app, world, role):
    slug, sid = world["home"], add_survey(app, world["home"])
    client = logged_in_client(app, world["users"][role])
    url = f"/m/{slug}/surveys/{sid}/paper"
    page = client.get(url)
    assert page.status_code == 200
    body = text(page)
    assert 'name="a.consent"' not in body  # consent is given on paper; the form does not ask it again
    assert "the respondent agreed on paper" in body
    # The first field (gender's first option) has the focus; one submit button, so Enter saves.
    assert re.search(r'<input type="radio" name="a.gender" value="female" autofocus>', body)
    form = re.search(r'<form method="post" action="/m/[^"]+/paper".*?</form>', body, re.DOTALL).group(0)
    assert form.count('type="submit"') == 1
    first_uuid = hidden_uuid(body)

    token = csrf_token(client, url)
    data = {"csrf_token": token, "uuid": first_uuid, "a.gender": "female", "a.area": area_id(app, slug),
            "a.safe_night": "2", "a.issue_seriousness.livestock_theft": "5", "a.safer": "More light"}
    response = client.post(url, data=data)
    assert response.status_code == 302 and response.headers["Location"] == url
    assert responses_of(app, sid) == [(first_uuid, "paper")]
    with app.app_context():
        stored = db.session.scalar(db.select(Response).filter_by(uuid=first_uuid))
        assert {(a.question_code, a.item) for a in stored.answers} >= {("consent", "yes"), ("gender", "female")}

    again = client.get(url)
    body = text(again)
    assert "Saved; 1 paper questionnaire entered." in body
    assert hidden_uuid(body) != first_uuid  # a fresh form for the next questionnaire
    assert "checked" not in body
    assert 'value="female" autofocus' in body


def test_paper_double_submit_stores_once(app, world):
    slug, sid = world["home"], add_survey(app, world["home"])
    client = logged_in_client(app, world["users"]["facilitator"])
    url = f"/m/{slug}/surveys/{sid}/paper"
    data = {"csrf_token": csrf_token(client, url), "uuid": str(uuid.uuid4()), "a.gender": "male"}
    assert client.post(url, data=data).status_code == 302
    second = client.post(url, data=data, follow_redirects=True)
    assert second.status_code == 200
    assert "saved already; it was not stored twice" in text(second)
    assert len(responses_of(app, sid)) == 1


def test_paper_invalid_answers_rerender_with_400_and_store_nothing(app, world):
    slug, sid = world["home"], add_survey(app, world["home"])
    client = logged_in_client(app, world["users"]["coordinator"])
    url = f"/m/{slug}/surveys/{sid}/paper"
    token = csrf_token(client, url)
    before = snapshot(app)
    response = client.post(url, data={"csrf_token": token, "uuid": str(uuid.uuid4()), "a.gender": "female",
                                      "a.safe_day": "9", "a.age_band": "200_plus"})
    assert response.status_code == 400
    body = text(response)
    assert "Nothing has been saved." in body
    assert "Enter a number from 1 to 5." in body
    assert 'value="female" checked' in body  # what was typed stays
    assert re.search(r'name="a.age_band" value="14_17" autofocus', body)  # focus on the first wrong answer
    assert snapshot(app) == before
    # A missing or malformed uuid is refused too.
    assert client.post(url, data={"csrf_token": token, "uuid": "nope", "a.gender": "male"}).status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize("role", READERS + ("outsider",))
def test_paper_entry_is_for_managers_only(app, world, role):
    slug, sid = world["home"], add_survey(app, world["home"])
    client = logged_in_client(app, world["users"][role])
    url = f"/m/{slug}/surveys/{sid}/paper"
    assert client.get(url).status_code == 403
    token = csrf_token(client, "/account")
    assert client.post(url, data={"csrf_token": token, "uuid": str(uuid.uuid4()),
                                  "a.gender": "male"}).status_code == 403
    assert responses_of(app, sid) == []


def test_paper_entry_of_another_municipalitys_survey_is_404(app, world):
    other_sid = add_survey(app, world["other"])
    client = logged_in_client(app, world["users"]["coordinator"])
    url = f"/m/{world['home']}/surveys/{other_sid}/paper"
    assert client.get(url).status_code == 404
    token = csrf_token(client, "/account")
    assert client.post(url, data={"csrf_token": token, "uuid": str(uuid.uuid4())}).status_code == 404
    assert responses_of(app, other_sid) == []


@pytest.mark.parametrize("status", ("draft", "closed"))
def test_paper_entry_refuses_a_survey_that_is_not_open(app, world, status):
    slug, sid = world["home"], add_survey(app, world["home"], status)
    client = logged_in_client(app, world["users"]["facilitator"])
    url = f"/m/{slug}/surveys/{sid}/paper"
    assert client.get(url).headers["Location"] == f"/m/{slug}/surveys/{sid}"
    token = csrf_token(client, "/account")
    response = client.post(url, data={"csrf_token": token, "uuid": str(uuid.uuid4()), "a.gender": "male"},
                           follow_redirects=True)
    assert "can be entered only while the survey is open" in text(response)
    assert responses_of(app, sid) == []


def test_paper_entry_is_linked_from_the_open_survey_page(app, world):
    slug, sid = world["home"], add_survey(app, world["home"])
    body = text(logged_in_client(app, world["users"]["facilitator"]).get(f"/m/{slug}/surveys/{sid}"))
    assert f'href="/m/{slug}/surveys/{sid}/paper"' in body
    assert f'href="/m/{slug}/surveys/{sid}/responses"' in body
    reader = text(logged_in_client(app, world["users"]["viewer"]).get(f"/m/{slug}/surveys/{sid}"))
    assert "/paper" not in reader and f"/surveys/{sid}/responses" not in reader


# --- the response table and its CSV ----------------------------------------------------------------------

SENSITIVE_ANSWERS = {"victimisation": ["domestic_violence", "assault"],
                     "unsafe_point": {"lat": 42.34567, "lon": 78.01234}}


def add_full_response(app, slug: str, sid: int, safer: str = "More street lights", n: int = 1) -> None:
    add_responses(app, sid, {"gender": "female", "age_band": "30_44", "area": area_id(app, slug), "safe_day": 4,
                             "issue_seriousness": {"livestock_theft": 5, "domestic_violence": 4},
                             "unsafe_area": area_id(app, slug), "trust_police": 2, "safer": safer,
                             **SENSITIVE_ANSWERS}, n)


@pytest.mark.parametrize("role", MANAGERS + ("admin",))
def test_response_table_lists_answers_but_never_sensitive_ones(app, world, role):
    slug, sid = world["home"], add_survey(app, world["home"])
    add_full_response(app, slug, sid)
    response = logged_in_client(app, world["users"][role]).get(f"/m/{slug}/surveys/{sid}/responses")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = text(response)
    for shown in ("Woman", "30–44", "Centre", "More street lights", "Livestock theft: 5", "Online form",
                  "How much do you trust the police?"):
        assert shown in body
    for withheld in ("victimisation", "Violence in the family", "Assault or threats", "In the last 12 months",
                     "42.34567", "78.01234", "unsafe_point", "You may mark the place on the map",
                     "Domestic and gender-based violence"):
        assert withheld not in body


def test_response_table_is_paginated_by_50(app, world):
    slug, sid = world["home"], add_survey(app, world["home"])
    add_responses(app, sid, {"gender": "male"}, 51)
    client = logged_in_client(app, world["users"]["facilitator"])
    first = text(client.get(f"/m/{slug}/surveys/{sid}/responses"))
    assert first.count("<tr><td>") == 50
    assert f"/m/{slug}/surveys/{sid}/responses?page=2" in first
    second = text(client.get(f"/m/{slug}/surveys/{sid}/responses?page=2"))
    assert second.count("<tr><td>") == 1 and "Page 2 of 2" in second
    assert text(client.get(f"/m/{slug}/surveys/{sid}/responses?page=99")).count("<tr><td>") == 1


@pytest.mark.parametrize("suffix", ("responses", "responses.csv"))
@pytest.mark.parametrize("role", READERS + ("outsider",))
def test_response_table_and_csv_are_for_managers_only(app, world, role, suffix):
    slug, sid = world["home"], add_survey(app, world["home"])
    add_full_response(app, slug, sid)
    assert logged_in_client(app, world["users"][role]).get(f"/m/{slug}/surveys/{sid}/{suffix}").status_code == 403


@pytest.mark.parametrize("suffix", ("responses", "responses.csv"))
def test_response_table_of_another_municipalitys_survey_is_404(app, world, suffix):
    other_sid = add_survey(app, world["other"])
    client = logged_in_client(app, world["users"]["coordinator"])
    assert client.get(f"/m/{world['home']}/surveys/{other_sid}/{suffix}").status_code == 404


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(BOM.encode("utf-8"))
    return list(csv.reader(io.StringIO(raw.decode("utf-8")[1:])))


def test_csv_export_has_codes_no_sensitive_columns_and_neutralised_formulas(app, world):
    slug, sid = world["home"], add_survey(app, world["home"])
    add_full_response(app, slug, sid, safer=HYPERLINK)
    add_responses(app, sid, {"gender": "male", "safer": "-1 +2 @home"}, channel="paper")
    response = logged_in_client(app, world["users"]["facilitator"]).get(f"/m/{slug}/surveys/{sid}/responses.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header = rows[0]
    assert header[:6] == ["received", "channel", "version", "consent", "gender", "age_band"]
    assert "issue_seriousness/livestock_theft" in header
    for withheld in ("victimisation", "unsafe_point", "issue_seriousness/domestic_violence",
                     "issue_seriousness/violent_extremism", "issue_seriousness"):
        assert withheld not in header
    by_channel = {row[1]: dict(zip(header, row)) for row in rows[1:]}
    web, paper = by_channel["web"], by_channel["paper"]
    assert web["gender"] == "female" and web["age_band"] == "30_44" and web["area"] == area_id(app, slug)
    assert web["issue_seriousness/livestock_theft"] == "5" and web["safe_day"] == "4"
    assert web["safer"] == "'" + HYPERLINK
    assert paper["safer"] == "'-1 +2 @home" and paper["safe_day"] == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", web["received"])
    raw = response.get_data(as_text=True)
    for withheld in ("42.34567", "78.01234", "domestic_violence", "assault"):
        assert withheld not in raw


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""), (None, ""), (5, "5"),
    ("'=already", "'=already"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
