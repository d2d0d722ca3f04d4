"""While the database cannot be reached (restarted, or SQLite locked past its busy timeout) every request gets a
clear 503 with Retry-After — a translated page, or JSON under /api/ — never a 500; nothing is half-written."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from access_cases import page_text, translated
from conftest import create_survey


@pytest.fixture
def database_down(monkeypatch):
    """Make every statement fail as it does when PostgreSQL is stopped under the app."""
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))
    monkeypatch.setattr(Session, "execute", unreachable)


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_a_page_says_temporarily_unavailable(app, client, world, database_down, lang):
    response = client.get(f"/m/{world['home']}?lang={lang}")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert translated(app, "Temporarily unavailable", lang) in page_text(response)
    assert "connection refused" not in response.get_data(as_text=True)


def test_the_health_check_answers_503(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"


def test_an_offline_submission_gets_json_503_and_can_be_sent_again(app, client, world, monkeypatch):
    with app.app_context():
        token = create_survey(status="open").token
    body = {"uuid": "8c2f64b2-4a49-4f0e-9a51-0a6f3c2b7d11", "answers": {"consent": "yes"}, "channel": "offline"}

    def unreachable(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))
    with monkeypatch.context() as patch:
        patch.setattr(Session, "execute", unreachable)
        response = client.post(f"/api/v1/surveys/{token}/responses", json=body)
    assert response.status_code == 503 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "503" and response.headers["Retry-After"] == "10"
    # The database is back: the phone sends the same uuid again and it is stored once.
    again = client.post(f"/api/v1/surveys/{token}/responses", json=body)
    assert again.status_code == 201, again.get_data(as_text=True)
    assert client.post(f"/api/v1/surveys/{token}/responses", json=body).status_code == 200
