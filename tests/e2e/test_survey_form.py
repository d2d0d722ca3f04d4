"""The public survey on a Pixel 5 in Kyrgyz: consent to thank-you with the plain form, and the quick exit.

Every page of the walk is checked with axe-core and for horizontal scrolling; the server must then
hold exactly one new response with channel "web".
"""
from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from .checks import KYRGYZ_LETTERS, axe_report, horizontal_overflow, html_lang, translated
from .test_offline import open_token
from .walk import follow

pytestmark = pytest.mark.e2e

SAFER = "Көчөлөргө жарык жана мектептин жанында жөө өтмөк керек"



def web_responses(server, token: str) -> list[int]:
    """Return the ids of the survey's responses sent through the online form."""
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(
                "SELECT r.id FROM survey_responses r JOIN surveys s ON s.id = r.survey_id "
                "WHERE s.token = :token AND r.channel = 'web' ORDER BY r.id"), {"token": token}).scalars())
    finally:
        engine.dispose()


def stored_codes(server, response_id: int) -> set[str]:
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT question_code FROM survey_answers WHERE response_id = :id"),
                                          {"id": response_id}).scalars())
    finally:
        engine.dispose()


def questionnaire(server, token: str) -> dict:
    with urllib.request.urlopen(f"{server.url}/api/v1/surveys/{token}", timeout=10) as response:
        return json.load(response)


def check_page(page, name: str, failures: list[str]) -> None:
    """Record the page's axe-core violations, horizontal scroll or wrong language."""
    if html_lang(page) != "ky":
        failures.append(f"{name} ({page.url}): <html lang={html_lang(page)!r}>")
    report = axe_report(page)
    if report:
        failures.append(f"=== {name} ({page.url}) axe-core:\n{report}")
    overflow = horizontal_overflow(page)
    if overflow:
        failures.append(f"{name} ({page.url}) scrolls sideways: {overflow}")


def answer_page(page) -> set[str]:
    """Answer a few questions of the page shown: a radio, a checkbox, issue ratings, the village, the text.

    Returns the codes of the questions answered.
    """
    answered = set()
    main = page.locator("main form")
    questions = main.locator(".question")
    for i in range(questions.count()):
        question = questions.nth(i)
        code = question.get_attribute("id").removeprefix("q-")
        ratings = question.locator("fieldset.rating")
        if ratings.count():  # issue ratings: the first three issues
            for j, value in zip(range(min(3, ratings.count())), ("5", "3", "1")):
                ratings.nth(j).locator(f'input[type=radio][value="{value}"]').check()
            answered.add(code)
        elif question.locator("input[type=checkbox]").count():
            question.locator("input[type=checkbox]").first.check()
            answered.add(code)
        elif question.locator("input[type=radio]").count():
            radios = question.locator('input[type=radio]:not([value=""])')
            radios.nth(min(1, radios.count() - 1) if code != "consent" else 0).check()
            answered.add(code)
        elif question.locator("select").count():
            select = question.locator("select")
            value = select.locator("option").nth(1).get_attribute("value")
            select.select_option(value)
            answered.add(code)
        elif question.locator("textarea").count():
            question.locator("textarea").fill(SAFER)
            answered.add(code)
    return answered


def test_survey_answered_in_kyrgyz_from_consent_to_thanks(e2e_browser, e2e_server):
    token = open_token(e2e_server)
    before = web_responses(e2e_server, token)
    tab = e2e_browser.tab()  # an English-speaking phone: the respondent picks Kyrgyz on the consent page
    page = tab.page
    failures: list[str] = []
    answered: set[str] = set()
    try:
        page.goto(f"/s/{token}")
        if html_lang(page) != "ky":
            follow(page, '.survey-langs a[lang="ky"]')
        assert html_lang(page) == "ky"
        assert KYRGYZ_LETTERS.search(page.locator("main").inner_text())
        check_page(page, "consent", failures)
        page.locator('input[name="a.consent"][value="yes"]').check()
        answered.add("consent")
        follow(page, 'main button[value="next"]')
        number = 2
        kinds_seen = set()
        while True:
            assert html_lang(page) == "ky", f"page {number} is not in Kyrgyz"
            assert not page.locator("main [role=alert]").count(), page.locator("main [role=alert]").inner_text()
            check_page(page, f"question page {number}", failures)
            for kind, selector in (("radio", "input[type=radio]"), ("checkbox", "input[type=checkbox]"),
                                   ("rating", "fieldset.rating"), ("select", "select")):
                if page.locator(f"main form .question {selector}").count():
                    kinds_seen.add(kind)
            answered |= answer_page(page)
            send = page.locator('main button[value="send"]')
            if send.count():
                assert page.locator("main .referral").count(), "the last page shows no referral information"
                follow(page, 'main button[value="send"]')
                break
            follow(page, 'main button[value="next"]')
            number += 1
            assert number < 30, "the survey never reached its last page"
        assert kinds_seen == {"radio", "checkbox", "rating", "select"}, kinds_seen

        # The thank-you page, in Kyrgyz, with where to get help.
        assert urlsplit(page.url).path == f"/s/{token}/thanks"
        check_page(page, "thank-you page", failures)
        thanks = translated("Thank you for your time. You can close this page now.", "ky")
        assert thanks != "Thank you for your time. You can close this page now."
        assert page.locator("main h1").inner_text().strip() == translated("Thank you", "ky")
        assert thanks in page.locator("main").inner_text()
        assert page.locator("main .referral h2").inner_text().strip() == translated("Where to get help", "ky")
        referral = questionnaire(e2e_server, token)["referral"]["ky"]
        assert referral and page.locator("main .referral-text").inner_text().strip() == referral.strip()
        assert not tab.console_errors, tab.console_errors
    finally:
        tab.close()
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)

    after = web_responses(e2e_server, token)
    new = sorted(set(after) - set(before))
    assert len(after) == len(before) + 1 and len(new) == 1, (before, after)
    assert stored_codes(e2e_server, new[0]) == answered


def test_quick_exit_on_a_question_page_leads_to_the_neutral_exit_page(e2e_browser, e2e_server):
    token = open_token(e2e_server)
    tab = e2e_browser.tab(locale="ky-KG")
    page = tab.page
    try:
        page.goto(f"/s/{token}?lang=ky")
        title = page.locator("main h1").inner_text().strip()
        page.locator('input[name="a.consent"][value="yes"]').check()
        follow(page, 'main button[value="next"]')
        assert page.locator("main .question").count()
        response = follow(page, "header .quick-exit")
        assert urlsplit(page.url).path == "/s/exit"
        assert "no-store" in response.all_headers().get("cache-control", "")
        # Chromium consumes Clear-Site-Data itself and does not report it: ask the server directly.
        with urllib.request.urlopen(f"{e2e_server.url}/s/exit", timeout=10) as direct:
            assert direct.headers["Clear-Site-Data"] == '"cache"'
        body = page.locator("body").inner_text()
        assert title not in body and token not in page.content()
        assert not page.locator("form input[name^='a.']").count()
        assert page.title() == f"{translated('Welcome', 'ky')} · cpplan"
        report = axe_report(page)
        assert not report, report
        assert not horizontal_overflow(page)
    finally:
        tab.close()


def test_surveys_page_lists_issues_and_adds_one_in_kyrgyz(e2e_browser, e2e_server):
    """The coordinator's surveys page: the issues residents rate, and the form to add one, accessible on a phone."""
    from .checks import small_tap_targets
    from .walk import log_in

    tab = e2e_browser.tab(locale="ky-KG")
    page = tab.page
    try:
        page.goto("/login?lang=ky")
        log_in(page, "coordinator@example.org", e2e_server.password)
        page.goto("/m/kyzyl-suu/surveys")
        assert html_lang(page) == "ky"
        assert page.locator("#issues li").count() >= 10
        assert page.locator("#issue-form").count() == 1
        failures: list[str] = []
        check_page(page, "surveys page", failures)
        failures += small_tap_targets(page)
        assert not failures, "\n".join(failures)
        page.locator("#name_ky").fill("Ээси жок иттер")
        page.locator("#description_ky").fill("Мектептердин жанындагы ит үйүрлөрү.")
        follow(page, "#issue-form button[type=submit]")
        assert urlsplit(page.url).path == "/m/kyzyl-suu/surveys"
        assert page.locator("#issues li", has_text="Ээси жок иттер").count() == 1
        # An empty form is refused in Kyrgyz, and the page with the error still passes axe-core.
        follow(page, "#issue-form button[type=submit]", expected_status=400)
        error = page.locator("#name_ky-error").inner_text().strip()
        assert error == translated("Enter the name in at least one language.", "ky")
        report = axe_report(page)
        assert not report, report
    finally:
        tab.close()
