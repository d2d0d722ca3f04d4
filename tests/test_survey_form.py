"""The public survey form at /s/<token>: the walk without JavaScript, respondent safety, abuse, sharing."""
from __future__ import annotations

import gzip
import html as htmllib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from access_cases import logged_in_client, snapshot, token_for
from cpplan.extensions import db
from cpplan.municipalities.models import Municipality
from cpplan.surveys import services, template
from cpplan.surveys.models import Answer, Response, Survey

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"
# What a respondent answers on each page after consent (form field name -> value or values).
WALK = {
    2: {"a.gender": "female", "a.age_band": "30_44", "a.area": "{area}"},
    3: {"a.safe_day": "4", "a.safe_night": "2"},
    4: {"a.issue_seriousness.livestock_theft": "5", "a.issue_seriousness.road_safety": "3"},
    5: {"a.victimisation": ["livestock_theft", "fraud"]},
    6: {"a.unsafe_area": "{area}", "a.unsafe_point.lat": "42.3412", "a.unsafe_point.lon": "78.0051"},
    7: {"a.trust_police": "3"},
    8: {"a.safer": "Көчөлөргө жарык керек"},
}


@pytest.fixture
def survey(app, world):
    """Return (token, survey id, area id) of an open standard survey in the home municipality."""
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        item = services.create_standard(home)
        services.open_survey(item)
        db.session.commit()
        return item.token, item.id, home.areas[0].id


def hidden(page: str) -> MultiDict:
    """Return the hidden inputs of the page's survey form (what the browser sends back unchanged)."""
    return MultiDict((htmllib.unescape(name), htmllib.unescape(value)) for name, value in
                     re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def send(client, token: str, page: str, answers: dict | None = None, go: str = "next", area: int = 0):
    """Press a button of the shown page after filling in answers; return the response."""
    data = hidden(page)
    for name, value in (answers or {}).items():
        for item in value if isinstance(value, list) else [value]:
            data.add(name, item.format(area=area))
    data["go"] = go
    return client.post(f"/s/{token}", data=data)


def text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def walk_to(client, token: str, last: int, area: int) -> str:
    """Answer consent and the WALK pages before `last` in English; return the html of page `last`."""
    page = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    response = send(client, token, page, {"a.consent": "yes"})
    for number in range(2, last):
        assert response.status_code == 200, text(response)
        response = send(client, token, response.get_data(as_text=True), WALK[number], area=area)
    assert response.status_code == 200, text(response)
    return response.get_data(as_text=True)


# --- the walk --------------------------------------------------------------------------------

def test_whole_walk_in_kyrgyz_stores_one_web_response(app, client, survey):
    token, survey_id, area = survey
    response = client.get(f"/s/{token}?lang=ky")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="ky">' in page
    assert "Коопсуздук боюнча бир нече суроого жооп бересизби?" in page  # the consent question
    assert '<progress max="8" value="1"' in page
    pages = [page]
    response = send(client, token, page, {"a.consent": "yes"})
    for number in range(2, 9):
        assert response.status_code == 200, text(response)
        page = response.get_data(as_text=True)
        pages.append(page)
        assert '<html lang="ky">' in page
        assert f'<progress max="8" value="{number}"' in page
        go = "send" if number == 8 else "next"
        response = send(client, token, page, WALK[number], go=go, area=area)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/s/{token}/thanks"
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert "102" in text(thanks) and "103" in text(thanks)  # no referral text set: the national numbers
    assert "Мал уурдоо" in pages[3] and "Аты-жөндөрдү" in pages[7]  # issue names, help in Kyrgyz
    with app.app_context():
        stored = db.session.scalars(db.select(Response)).all()
        assert len(stored) == 1
        assert stored[0].channel == "web" and stored[0].survey_id == survey_id and stored[0].version == 1
        rows = {(a.question_code, a.item, a.number, a.text) for a in
                db.session.scalars(db.select(Answer).filter_by(response_id=stored[0].id))}
    assert rows == {
        ("consent", "yes", None, None),
        ("gender", "female", None, None), ("age_band", "30_44", None, None), ("area", str(area), None, None),
        ("safe_day", None, Decimal(4), None), ("safe_night", None, Decimal(2), None),
        ("issue_seriousness", "livestock_theft", Decimal(5), None),
        ("issue_seriousness", "road_safety", Decimal(3), None),
        ("victimisation", "livestock_theft", None, None), ("victimisation", "fraud", None, None),
        ("unsafe_area", str(area), None, None),
        ("unsafe_point", "lat", Decimal("42.3412"), None), ("unsafe_point", "lon", Decimal("78.0051"), None),
        ("trust_police", None, Decimal(3), None),
        ("safer", None, None, "Көчөлөргө жарык керек"),
    }


def test_every_question_can_be_skipped(app, client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 2, area)
    for number in range(2, 8):
        response = send(client, token, page)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert f'value="{number + 1}"' in page
    assert send(client, token, page, go="send").status_code == 302
    with app.app_context():
        assert [a.question_code for a in db.session.scalars(db.select(Answer))] == ["consent"]


def test_widgets_have_labels_and_fieldsets(client, survey):
    token, _id, area = survey
    page2 = walk_to(client, token, 2, area)
    assert page2.count("<fieldset") == 2 and "<legend>Your gender</legend>" in page2  # gender, age band
    assert f'<option value="{area}">Centre</option>' in page2
    assert '<label for="q-area-input">' in page2
    page = send(client, token, page2).get_data(as_text=True)
    assert 'name="a.safe_day" value="5"' in page and "1 — not at all, 5 — completely" in page
    page = send(client, token, page).get_data(as_text=True)  # page 4: issue ratings
    assert page.count('<fieldset class="rating">') == 10
    assert "<legend>Livestock theft</legend>" in page
    page = send(client, token, page).get_data(as_text=True)
    assert page.count('type="checkbox" name="a.victimisation"') == 8
    page = send(client, token, page).get_data(as_text=True)
    assert '<label for="q-unsafe_point-lat">Latitude</label>' in page
    assert "The point is never published" in page
    page = send(client, token, send(client, token, page).get_data(as_text=True)).get_data(as_text=True)
    assert re.search(r'<textarea id="q-safer-input" name="a.safer" rows="4" maxlength="500"', page)
    assert 'value="send"' in page
    # Every visible input, select and textarea has a label (radios and checkboxes inside theirs).
    for html in (page2, page):
        for match in re.finditer(r'<(input|select|textarea)\b[^>]*>', html):
            tag = match.group(0)
            if 'type="hidden"' in tag or 'type="radio"' in tag or 'type="checkbox"' in tag:
                continue
            ident = re.search(r'id="([^"]+)"', tag).group(1)
            assert f'<label for="{ident}">' in html, tag


# --- consent ---------------------------------------------------------------------------------

def test_consent_no_thanks_and_stores_nothing(app, client, survey):
    token, _id, _area = survey
    before = snapshot(app)
    page = client.get(f"/s/{token}").get_data(as_text=True)
    response = send(client, token, page, {"a.consent": "no"})
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{token}/thanks"
    assert client.get(response.headers["Location"]).status_code == 200
    assert snapshot(app) == before


def test_consent_left_empty_asks_again(app, client, survey):
    token, _id, _area = survey
    page = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    response = send(client, token, page)
    assert response.status_code == 400
    assert "To answer the questions, choose “Yes, I agree”." in text(response)
    assert count(app, Response) == 0


# --- back, validation ------------------------------------------------------------------------

def test_back_button_keeps_the_answers(client, survey):
    token, _id, area = survey
    page3 = walk_to(client, token, 3, area=area)
    page4 = send(client, token, page3, WALK[3]).get_data(as_text=True)
    assert 'name="a.safe_day" value="4"' in page4  # carried in a hidden field
    back = send(client, token, page4, {"a.issue_seriousness.fraud": "2"}, go="back")
    assert back.status_code == 200
    page = back.get_data(as_text=True)
    assert '<progress max="8" value="3"' in page
    assert '<input type="radio" name="a.safe_day" value="4" checked>' in page
    assert '<input type="radio" name="a.safe_night" value="2" checked>' in page
    assert 'name="a.issue_seriousness.fraud" value="2"' in page  # page 4's answer travels too
    page2 = send(client, token, page, go="back").get_data(as_text=True)
    assert '<input type="radio" name="a.gender" value="female" checked>' in page2
    assert f'<option value="{area}" selected>' in page2


@pytest.mark.parametrize("page_number, answers, message", [
    (3, {"a.safe_day": "7"}, "Enter a number from 1 to 5."),
    (3, {"a.safe_night": "two"}, "Enter a whole number."),
    (2, {"a.gender": "robot"}, "Choose one of the answers offered."),
    (2, {"a.area": "999999"}, "Choose one of the answers offered."),
    (6, {"a.unsafe_point.lat": "55.75", "a.unsafe_point.lon": "37.61"}, "This point is outside Kyrgyzstan."),
    (6, {"a.unsafe_point.lat": "42.3"}, "Enter both latitude and longitude, or leave both empty."),
    (8, {"a.safer": "x" * 501}, "At most 500 characters."),
])
def test_invalid_answers_are_refused_with_a_message(app, client, survey, page_number, answers, message):
    token, _id, area = survey
    page = walk_to(client, token, page_number, area=area)
    before = snapshot(app)
    response = send(client, token, page, answers, go="send" if page_number == 8 else "next")
    assert response.status_code == 400
    body = text(response)
    assert message in body and 'role="alert"' in body
    assert f'<progress max="8" value="{page_number}"' in body  # the same page again
    assert snapshot(app) == before


def test_forged_hidden_answer_is_refused_at_the_end(app, client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 8, area=area)
    data = hidden(page)
    data["a.gender"] = "robot"
    data["go"] = "send"
    before = snapshot(app)
    response = client.post(f"/s/{token}", data=data)
    assert response.status_code == 400
    assert "Your gender: Choose one of the answers offered." in text(response)
    assert snapshot(app) == before


def test_missing_or_bad_uuid_is_a_bad_request(app, client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 8, area)
    data = hidden(page)
    data["uuid"] = "not-a-uuid"
    data["go"] = "send"
    assert client.post(f"/s/{token}", data=data).status_code == 400
    assert count(app, Response) == 0


# --- idempotency and abuse -------------------------------------------------------------------

def test_double_submission_stores_one_response(app, client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 8, area=area)
    first = send(client, token, page, WALK[8], go="send")
    second = send(client, token, page, WALK[8], go="send")
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == f"/s/{token}/thanks"
    assert count(app, Response) == 1
    # Back after sending, a changed answer, and send again with the same uuid: the first answers stand.
    assert send(client, token, page, {"a.safer": "something else"}, go="send").status_code == 302
    assert count(app, Response) == 1


def test_filled_honeypot_gets_thanks_and_stores_nothing(app, client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 8, area=area)
    assert 'aria-hidden="true"' in page and 'name="website" tabindex="-1"' in page
    before = snapshot(app)
    response = send(client, token, page, {**WALK[8], "website": "http://spam.example"}, go="send")
    assert response.status_code == 302 and response.headers["Location"] == f"/s/{token}/thanks"
    assert snapshot(app) == before


def test_final_posts_are_rate_limited(app, client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 8, area)
    statuses = []
    for n in range(31):
        data = hidden(page)
        data["uuid"] = f"00000000-0000-4000-8000-{n:012d}"
        data["go"] = "send"
        statuses.append(client.post(f"/s/{token}", data=data).status_code)
    assert statuses[:30] == [302] * 30 and statuses[30] == 429
    assert count(app, Response) == 30


# --- closed, unknown, draft ------------------------------------------------------------------

def test_closed_survey_answers_410(app, client, survey):
    token, survey_id, _area = survey
    page = client.get(f"/s/{token}").get_data(as_text=True)
    with app.app_context():
        services.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    response = client.get(f"/s/{token}?lang=en")
    assert response.status_code == 410
    assert "This survey is closed" in text(response) and 'href="/s/exit"' in text(response)
    assert send(client, token, page, {"a.consent": "yes"}).status_code == 410
    assert count(app, Response) == 0


def test_unknown_token_and_draft_are_404(app, client, world):
    assert client.get("/s/no-such-token").status_code == 404
    assert client.get("/s/no-such-token/thanks").status_code == 404
    with app.app_context():
        draft = services.create_standard(db.session.get(Municipality, world["home_id"]))
        db.session.commit()
        token = draft.token
    response = client.get(f"/s/{token}?lang=ru")
    assert response.status_code == 404 and "Страница не найдена" in text(response)
    assert client.get(f"/s/{token}/thanks").status_code == 404


# --- respondent safety -----------------------------------------------------------------------

def test_quick_exit_and_no_store_on_every_page(client, survey):
    token, _id, area = survey
    responses = [client.get(f"/s/{token}")]
    responses.append(send(client, token, responses[0].get_data(as_text=True), {"a.consent": "yes"}))
    for number in range(2, 8):
        responses.append(send(client, token, responses[-1].get_data(as_text=True), WALK[number], area=area))
    responses.append(client.get(f"/s/{token}/thanks"))
    assert len(responses) == 9
    for response in responses:
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert re.search(r'<header class="survey-top">\s*<a class="quick-exit" href="/s/exit"', body)
        assert response.headers["Cache-Control"] == "no-store"
        assert "style=" not in body
        # The only script: the consent page registers the offline form's service worker (external file).
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert len(scripts) <= 1 and all('src="/static/js/survey-register.js"' in s for s in scripts)


def test_exit_page_is_neutral_and_clears_the_cache(client, survey):
    token, _id, _area = survey
    response = client.get("/s/exit")
    assert response.status_code == 200
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert response.headers["Cache-Control"] == "no-store"
    body = text(response)
    assert token not in body and "Quick exit" not in body
    assert not any(title in body for title in template.TITLE)


def test_referral_is_shown_at_the_end_and_on_the_thanks_page(app, client, survey, world):
    token, _id, area = survey
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        home.referral_en = "Crisis centre: 0312 000 000\nOpen day and night"
        db.session.commit()
    page = walk_to(client, token, 8, area)
    assert "Crisis centre: 0312 000 000" in htmllib.unescape(page)
    assert "Crisis centre: 0312 000 000" in text(client.get(f"/s/{token}/thanks"))
    assert "Crisis centre" not in text(client.get(f"/s/{token}"))  # only at the end


def test_pages_are_light_and_load_nothing_from_elsewhere(client, survey):
    token, _id, area = survey
    css = gzip.compress(CSS.read_bytes(), 6)
    page = walk_to(client, token, 4, area)  # the biggest page: every catalogue issue rated
    assert len(gzip.compress(page.encode(), 6)) + len(css) <= 30 * 1024
    for link in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert link.startswith(("/", "#")), link


def test_nothing_is_kept_in_the_session_between_pages(client, survey):
    token, _id, area = survey
    page = walk_to(client, token, 3, area=area)
    send(client, token, page, WALK[3])
    with client.session_transaction() as session:
        # Flask-Login's freshness flag and the CSRF token, nothing of the answers.
        assert set(session) <= {"csrf_token", "lang", "_fresh"}


# --- facilitators: QR code, share links, referral --------------------------------------------

@pytest.mark.parametrize("role, status", [("facilitator", 200), ("coordinator", 200), ("admin", 200),
                                          ("member", 403), ("police", 403), ("outsider", 403)])
def test_qr_code_for_facilitators_only(app, world, survey, role, status):
    _token, survey_id, _area = survey
    client = logged_in_client(app, world["users"][role])
    response = client.get(f"/m/{world['home']}/surveys/{survey_id}/qr.svg")
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "image/svg+xml"
        assert response.data.startswith(b"<svg") and b"style" not in response.data


def test_qr_code_needs_a_login(app, client, world, survey):
    _token, survey_id, _area = survey
    response = client.get(f"/m/{world['home']}/surveys/{survey_id}/qr.svg")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_detail_page_shares_the_public_link(app, world, survey):
    token, survey_id, _area = survey
    client = logged_in_client(app, world["users"]["facilitator"])
    body = client.get(f"/m/{world['home']}/surveys/{survey_id}").get_data(as_text=True)
    link = f"http://localhost/s/{token}"
    assert f'<a href="{link}">{link}</a>' in body
    assert f'src="/m/{world["home"]}/surveys/{survey_id}/qr.svg"' in body
    assert 'href="https://wa.me/?text=' in body and f"http%3A%2F%2Flocalhost%2Fs%2F{token}" in body
    assert f'href="https://t.me/share/url?url=http%3A%2F%2Flocalhost%2Fs%2F{token}&amp;text=' in body
    member = logged_in_client(app, world["users"]["member"])
    body = member.get(f"/m/{world['home']}/surveys/{survey_id}").get_data(as_text=True)
    assert link in body and "qr.svg" not in body


@pytest.mark.parametrize("role, expected", [("coordinator", 302), ("facilitator", 302), ("member", 403),
                                            ("outsider", 403)])
def test_referral_form(app, world, role, expected):
    client = logged_in_client(app, world["users"][role])
    before = snapshot(app)
    response = client.post(f"/m/{world['home']}/surveys/referral", data={
        "csrf_token": token_for(client, role), "referral_ky": "Милиция: 102", "referral_ru": "Милиция: 102",
        "referral_en": "  Police: 102  "})
    assert response.status_code == expected
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        if expected == 302:
            assert response.headers["Location"] == f"/m/{world['home']}/surveys#referral"
            assert (home.referral_ky, home.referral_en) == ("Милиция: 102", "Police: 102")
        else:
            assert snapshot(app) == before


def test_referral_form_refuses_too_long_text(app, world):
    client = logged_in_client(app, world["users"]["coordinator"])
    before = snapshot(app)
    response = client.post(f"/m/{world['home']}/surveys/referral", data={
        "csrf_token": token_for(client, "coordinator"), "referral_en": "x" * 2001})
    assert response.status_code == 400 and "At most 2000 characters." in text(response)
    assert snapshot(app) == before


def test_surveys_index_shows_the_referral_form_to_managers_only(app, world):
    coordinator = logged_in_client(app, world["users"]["coordinator"])
    page = coordinator.get(f"/m/{world['home']}/surveys").get_data(as_text=True)
    assert f'action="/m/{world["home"]}/surveys/referral"' in page
    member = logged_in_client(app, world["users"]["member"])
    assert "surveys/referral" not in member.get(f"/m/{world['home']}/surveys").get_data(as_text=True)


def test_admin_municipality_form_edits_the_referral(app, world):
    client = logged_in_client(app, world["users"]["admin"])
    page = client.get(f"/admin/municipalities/{world['home']}").get_data(as_text=True)
    assert 'name="referral_ky"' in page and 'name="referral_ru"' in page and 'name="referral_en"' in page
    response = client.post(f"/admin/municipalities/{world['home']}", data={
        "csrf_token": token_for(client, "admin"), "slug": world["home"], "name_en": "Kyzyl-Suu",
        "kind": "aiyl_aimak", "region": "issyk_kul", "referral_ru": "Кризисный центр"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Municipality, world["home_id"]).referral_ru == "Кризисный центр"


def test_demo_municipalities_have_a_referral_and_kyzyl_suu_an_open_survey(app):
    from cpplan import demo

    with app.app_context():
        demo.build("demo-password-long-enough-1")
        municipalities = db.session.scalars(db.select(Municipality)).all()
        assert all("102" in m.referral_ky and "103" in m.referral_en and "(demo)" in m.referral_en
                   for m in municipalities)
        surveys = db.session.scalars(db.select(Survey)).all()
        assert [(s.municipality.slug, s.status) for s in surveys if s.status == "open"] == [("kyzyl-suu", "open")]
