"""The plan's whole path on phones, in Russian: library picks, review with a change asked, adoption, public page.

The coordinator confirms the priorities, starts the plan, adds two measures picked from the good-practice
library and submits the plan. The police account starts the review and asks for a change; the coordinator
changes a measure and submits again; the police approve; the coordinator records the council's decision.
A visitor with no account then finds the adopted plan on its public page. Every page is checked with
axe-core on a Pixel 5. The run has a demo database of its own, so the walk keeps its untouched one.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from .checks import axe_report, horizontal_overflow, html_lang, translated
from .conftest import own_server
from .walk import HOME, follow, log_in, switch_language

pytestmark = pytest.mark.e2e

LANG = "ru"
PLANS = f"/m/{HOME}/plans"
CHANGE_NOTE = "Уточните стоимость регистрации скота и сроки."
DECISION = ("45/7", "2026-11-20")
NEW_COST = "61000.50"


@pytest.fixture(scope="module")
def plan_server(tmp_path_factory):
    yield from own_server(tmp_path_factory, "plan")


def check_page(page, problems: list[str], name: str) -> None:
    """Note axe-core violations, sideways scrolling or a language other than Russian on the page now shown."""
    if html_lang(page) != LANG:
        problems.append(f"{name}: <html lang> is {html_lang(page)!r}")
    report = axe_report(page)
    if report:
        problems.append(f"=== {name} ({page.url}) axe-core:\n{report}")
    overflow = horizontal_overflow(page)
    if overflow:
        problems.append(f"{name} scrolls sideways: {overflow}")


def signed_in(e2e_browser, server, email: str):
    """Return a Pixel 5 tab logged in as email, with Russian chosen on the login page."""
    tab = e2e_browser.tab(base_url=server.url, locale="ru-RU")
    tab.page.goto("/login")
    switch_language(tab.page, LANG)
    log_in(tab.page, email, server.password)
    return tab


def step(page, action: str, **fields) -> None:
    """Fill in and send the workflow form of action on the plan page; expect the plan page back."""
    form = page.locator(f'form:has(input[name="action"][value="{action}"])')
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    with page.expect_navigation() as navigation:
        form.locator('button[type="submit"]').click()
    assert navigation.value.status == 200, f"{action}: {navigation.value.status} {page.locator('main').inner_text()}"
    flash = page.locator(".flash-success")
    assert flash.count() == 1, f"{action} gave no success message: {page.locator('main').inner_text()[:500]}"


def plan_row(server) -> dict:
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            plan = connection.execute(text(
                "SELECT p.id, p.status, p.council_decision_number, p.council_decision_date FROM plans p "
                "JOIN municipalities m ON m.id = p.municipality_id WHERE m.slug = :slug"), {"slug": HOME}).one()
            events = connection.execute(text(
                "SELECT action, from_state, to_state, note FROM plan_events WHERE plan_id = :id ORDER BY id"),
                {"id": plan.id}).all()
            costs = connection.execute(text("SELECT cost, library_code FROM plan_measures WHERE plan_id = :id "
                                            "ORDER BY id"), {"id": plan.id}).all()
        return {"plan": plan, "events": [tuple(e) for e in events], "measures": [tuple(m) for m in costs]}
    finally:
        engine.dispose()


def add_library_measure(page, problems: list[str], plan_url: str, issue_position: int) -> str:
    """From the plan page, open an issue's good practices, use the first one, fill the targets, save; return title."""
    page.goto(plan_url)
    follow(page, f'main section[id^="issue-"] >> nth={issue_position - 1} >> a[href*="/issues/"]:not([href*="/measures"])')
    check_page(page, problems, f"issue {issue_position} with good practices")
    title = page.locator("main .cards li h3").first.inner_text()
    follow(page, 'main .cards li a[href*="library="] >> nth=0')
    check_page(page, problems, f"measure form pre-filled from the library (issue {issue_position})")
    assert page.locator("#title").input_value() == title  # the Russian library text, pre-filled
    for target in page.locator('input[name$="-target"]').all():
        if page.locator(f'input[name="{target.get_attribute("name").replace("-target", "-name")}"]').input_value():
            target.fill("80")
    follow(page, 'main form button[type="submit"]')
    assert translated("The measure is added.", LANG) in page.locator(".flashes").inner_text()
    return title


def test_plan_from_library_picks_to_adoption_and_public_page(e2e_browser, plan_server):
    problems: list[str] = []
    coordinator = signed_in(e2e_browser, plan_server, "coordinator@example.org")
    page = coordinator.page

    # The agreed priorities, as ranked; then the plan starts from them.
    page.goto(f"/m/{HOME}/priorities/confirm")
    check_page(page, problems, "confirm priorities")
    follow(page, 'main form button[type="submit"]')
    page.goto(PLANS)
    check_page(page, problems, "plans, none yet")
    follow(page, f'main form[action="{PLANS}/new"] button')
    plan_url = page.url
    check_page(page, problems, "new plan")

    titles = [add_library_measure(page, problems, plan_url, n) for n in (1, 2)]
    page.goto(plan_url)
    for title in titles:
        assert title in page.locator("main").inner_text()
    step(page, "submit")
    check_page(page, problems, "plan submitted")

    police = signed_in(e2e_browser, plan_server, "police@example.org")
    police.page.goto(plan_url)
    check_page(police.page, problems, "plan as the police see it")
    assert police.page.locator('a[href*="/measures/"][href$="/edit"]').count() == 0  # police edit no measure
    step(police.page, "start_review")
    step(police.page, "request_changes", note=CHANGE_NOTE)
    assert translated("Changes requested", LANG) in police.page.locator("main .badge").first.inner_text()

    # The coordinator sees the note, changes the first measure's cost and submits again.
    page.goto(plan_url)
    assert CHANGE_NOTE in page.locator("main").inner_text()
    follow(page, 'main a[href*="/measures/"][href$="/edit"] >> nth=0')
    check_page(page, problems, "measure edit")
    page.locator("#cost").fill(NEW_COST)
    follow(page, 'main form button[type="submit"]')
    step(page, "submit")

    police.page.goto(plan_url)
    step(police.page, "start_review")
    step(police.page, "approve")
    assert police.page.locator('form:has(input[value="adopt"])').count() == 0  # adoption is the coordinator's

    page.goto(plan_url)
    step(page, "adopt", decision_number=DECISION[0], decision_date=DECISION[1])
    check_page(page, problems, "plan adopted")
    stored = plan_row(plan_server)
    assert stored["plan"].status == "adopted" and stored["plan"].council_decision_number == DECISION[0]
    assert [e[0] for e in stored["events"]] == ["start", "add_measure", "add_measure", "submit", "start_review",
                                                "request_changes", "edit_measure", "submit", "start_review",
                                                "approve", "adopt"]
    assert ("request_changes", "in_review", "changes_requested", CHANGE_NOTE) in stored["events"]
    assert str(stored["measures"][0][0]) in (NEW_COST, "61000.5")

    # A visitor with no account: the public page of the adopted plan, in Russian.
    visitor = e2e_browser.tab(base_url=plan_server.url, locale="ru-RU")
    visitor.page.goto(f"/plan/{HOME}?lang={LANG}")
    check_page(visitor.page, problems, "public page of the adopted plan")
    public = visitor.page.locator("main").inner_text()
    for title in titles:
        assert title in public
    assert DECISION[0] in public
    assert "61 000,50" in public.replace("\u00a0", " ").replace("\u202f", " ")
    assert CHANGE_NOTE not in public  # the review's notes stay inside the working group
    outside = [url for tab in (coordinator, police, visitor) for url in tab.requests
               if not url.startswith(plan_server.url) and not url.startswith("data:")]
    errors = [e for tab in (coordinator, police, visitor) for e in tab.console_errors]
    for tab in (coordinator, police, visitor):
        tab.close()
    assert not outside, outside
    assert not errors, errors
    assert not problems, "\n".join(problems)
