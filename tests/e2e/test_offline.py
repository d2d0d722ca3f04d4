"""The survey offline on a Pixel 5: open it once online, answer twice offline in Kyrgyz, sync once.

The service worker keeps the offline form after one online visit; answers completed offline wait
in IndexedDB, are sent when the phone is back online, and a replayed sync adds nothing.
"""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from sqlalchemy import create_engine, text

from .checks import KYRGYZ_LETTERS, axe_report, horizontal_overflow, small_tap_targets

pytestmark = pytest.mark.e2e

HOME = "kyzyl-suu"
WAIT_S = 15


def open_token(server) -> str:
    with urllib.request.urlopen(f"{server.url}/api/v1/municipalities/{HOME}/surveys", timeout=10) as response:
        surveys = json.load(response)["surveys"]
    assert surveys, "the demo has no open survey in Kyzyl-Suu"
    return surveys[0]["token"]


def offline_count(server, token: str) -> int:
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM survey_responses r JOIN surveys s ON s.id = r.survey_id "
                "WHERE s.token = :token AND r.channel = 'offline'"), {"token": token}).scalar_one()
    finally:
        engine.dispose()


def wait_until(page, script: str, arg=None, seconds: float = WAIT_S):
    """Evaluate script (may return a promise) until it gives a truthy value; return that value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = page.evaluate(script, arg)
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {script}")


CACHED = """async (token) => {
  const keys = ['/s/' + token + '/app', '/api/v1/surveys/' + token, '/static/js/survey-offline.js', '/static/css/app.css'];
  for (const key of keys) if (!(await caches.match(key))) return false;
  return true;
}"""

PENDING = """() => new Promise((ok, fail) => {
  const open = indexedDB.open('cpplan-survey', 1);
  open.onsuccess = () => {
    const req = open.result.transaction('pending').objectStore('pending').getAll();
    req.onsuccess = () => { open.result.close(); ok(req.result); };
    req.onerror = () => fail(req.error);
  };
  open.onerror = () => fail(open.error);
})"""

REINSERT = """(items) => new Promise((ok, fail) => {
  const open = indexedDB.open('cpplan-survey', 1);
  open.onsuccess = () => {
    const tx = open.result.transaction('pending', 'readwrite');
    items.forEach(item => tx.objectStore('pending').put(item));
    tx.oncomplete = () => { open.result.close(); window.dispatchEvent(new Event('online')); ok(true); };
    tx.onerror = () => fail(tx.error);
  };
  open.onerror = () => fail(open.error);
})"""


def answer_once(page, area_label: str | None = None) -> None:
    """Answer the offline form from consent to thanks: consent yes, a few answers, skip the rest."""
    page.locator('input[name="a.consent"][value="yes"]').check()
    page.locator(".pager button[type=submit]").click()
    page.locator('input[name="a.gender"][value="female"]').check()
    page.locator(".pager button[type=submit]").click()
    page.locator('input[name="a.safe_day"][value="4"]').check()
    page.locator('input[name="a.safe_night"][value="2"]').check()
    for _ in range(20):
        button = page.locator(".pager button[type=submit]")
        last = button.get_attribute("value") == "send"
        if page.locator('textarea[name="a.safer"]').count():
            page.locator('textarea[name="a.safer"]').fill("Көчөлөргө жарык керек")
        button.click()
        if last:
            break
    page.locator("#survey-app .again").wait_for()


def test_offline_answers_are_sent_once(e2e_browser, e2e_server):
    token = open_token(e2e_server)
    before = offline_count(e2e_server, token)
    tab = e2e_browser.tab(locale="ky-KG")
    page, context = tab.page, tab.context
    try:
        page.goto(f"/s/{token}?lang=ky")
        assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
        wait_until(page, CACHED, token)

        context.set_offline(True)
        page.goto(f"/s/{token}")  # offline: the service worker opens the kept offline form
        assert page.evaluate("document.documentElement.lang") == "ky"
        page.locator('#survey-app input[name="a.consent"]').first.wait_for()
        assert page.locator("form[method=post]").count() == 0  # not the server's form: the kept offline one
        assert KYRGYZ_LETTERS.search(page.locator("main").inner_text())
        report = axe_report(page)
        assert not report, report
        assert not small_tap_targets(page) and not horizontal_overflow(page)

        answer_once(page)
        assert KYRGYZ_LETTERS.search(page.locator("#survey-app").inner_text())
        report = axe_report(page)  # the thank-you screen with the referral and the waiting status
        assert not report, report
        page.locator("#survey-app .again").click()  # another person answers
        answer_once(page)
        status = page.locator("#survey-status")
        assert status.get_attribute("data-waiting") == "2"
        assert status.get_attribute("aria-live") == "polite"
        assert "2" in status.inner_text()
        items = page.evaluate(PENDING)
        assert len(items) == 2 and len({item["uuid"] for item in items}) == 2
        assert all(item["answers"]["consent"] == "yes" for item in items)
        assert offline_count(e2e_server, token) == before

        context.set_offline(False)
        page.locator('#survey-status[data-waiting="0"]').wait_for(state="attached", timeout=WAIT_S * 1000)
        assert offline_count(e2e_server, token) == before + 2

        # Replay the sync: the same two items again are acknowledged as duplicates, nothing is added.
        page.evaluate(REINSERT, items)
        wait_until(page, f"async () => (await ({PENDING})()).length === 0")
        page.locator('#survey-status[data-waiting="0"]').wait_for(state="attached")
        assert page.evaluate("localStorage.getItem('cpplan-survey-rejected')") is None  # 200 duplicate, not refused
        assert offline_count(e2e_server, token) == before + 2
        errors = [e for e in tab.console_errors if "net::ERR_INTERNET_DISCONNECTED" not in e]
        assert not errors, errors
    finally:
        tab.close()


def test_declining_consent_offline_stores_nothing(e2e_browser, e2e_server):
    token = open_token(e2e_server)
    tab = e2e_browser.tab(locale="en-US")
    page, context = tab.page, tab.context
    try:
        page.goto(f"/s/{token}?lang=en")
        page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
        wait_until(page, CACHED, token)
        context.set_offline(True)
        page.goto(f"/s/{token}/app")
        page.locator('#survey-app input[name="a.consent"][value="no"]').check()
        page.locator(".pager button[type=submit]").click()
        page.locator("#survey-app .referral").wait_for()
        assert page.evaluate(PENDING) == []
    finally:
        tab.close()
