"""The offline survey form: the service worker's address, the offline page, its strings, the referral in the API."""
from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from cpplan.extensions import db
from cpplan.municipalities.models import Municipality
from cpplan.surveys import services

KYRGYZ_LETTERS = re.compile("[ңөүҢӨҮ]")


def make_survey(app, world, status: str = "open") -> str:
    """Return the token of a standard survey of the home municipality in the given status."""
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        survey = services.create_standard(home)
        if status in ("open", "closed"):
            services.open_survey(survey)
        if status == "closed":
            services.close_survey(survey)
        db.session.commit()
        return survey.token


def strings(response) -> dict:
    block = re.search(r'<script type="application/json" id="strings"[^>]*>(.*?)</script>',
                      response.get_data(as_text=True), flags=re.S)
    assert block, "no strings block"
    return json.loads(block.group(1))


def test_service_worker_is_javascript_and_revalidated(client):
    response = client.get("/s/sw.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.headers["Cache-Control"] == "no-cache"
    assert b"addEventListener('fetch'" in response.data


def test_offline_page_renders_for_an_open_survey(client, app, world):
    token = make_survey(app, world)
    response = client.get(f"/s/{token}/app?lang=en")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'src="/static/js/survey-offline.js"' in body
    assert f'data-api="/api/v1/surveys/{token}"' in body
    assert '<a class="quick-exit" href="/s/exit"' in body
    assert "<noscript>" in body and 'aria-live="polite"' in body
    assert "style=" not in body
    texts = strings(response)
    assert texts["next"] == "Next"
    assert "{n}" in texts["waiting"] and "{n}" in texts["progress"] and "{m}" in texts["progress"]


def test_offline_page_is_translated(client, app, world):
    token = make_survey(app, world)
    english = strings(client.get(f"/s/{token}/app?lang=en"))
    kyrgyz_page = client.get(f"/s/{token}/app?lang=ky")
    assert '<html lang="ky">' in kyrgyz_page.get_data(as_text=True)
    kyrgyz = strings(kyrgyz_page)
    assert set(kyrgyz) == set(english)
    # Texts the catalogue already has must come out in Kyrgyz (new ones wait for the translator).
    for key in ("next", "back", "send", "no_answer", "thanks_title", "help_title"):
        assert kyrgyz[key] != english[key], key
    assert KYRGYZ_LETTERS.search(" ".join(kyrgyz.values()) + htmllib.unescape(kyrgyz_page.get_data(as_text=True)))


@pytest.mark.parametrize("status, expected", [("draft", 404), ("closed", 410)])
def test_offline_page_of_a_draft_or_closed_survey(client, app, world, status, expected):
    token = make_survey(app, world, status)
    assert client.get(f"/s/{token}/app").status_code == expected


def test_offline_page_of_an_unknown_survey(client):
    assert client.get("/s/no-such-survey/app").status_code == 404


def test_consent_page_registers_the_service_worker(client, app, world):
    token = make_survey(app, world)
    body = client.get(f"/s/{token}").get_data(as_text=True)
    assert re.search(r'<script src="/static/js/survey-register.js" defer data-sw="/s/sw.js" '
                     rf'data-app="/s/{token}/app" data-lang="\w\w"></script>', body)


def test_questionnaire_has_the_referral_in_three_languages(client, app, world):
    token = make_survey(app, world)
    data = client.get(f"/api/v1/surveys/{token}").get_json()
    assert set(data["referral"]) == {"ky", "ru", "en"}
    assert all(data["referral"].values())
    with app.app_context():
        home = db.session.get(Municipality, world["home_id"])
        home.referral_ky, home.referral_ru, home.referral_en = "Жардам: 1234", "Помощь: 1234", "Help: 1234"
        db.session.commit()
    data = client.get(f"/api/v1/surveys/{token}").get_json()
    assert data["referral"] == {"ky": "Жардам: 1234", "ru": "Помощь: 1234", "en": "Help: 1234"}
