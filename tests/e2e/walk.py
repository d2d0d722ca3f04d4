"""The walk: every page a working group and an administrator use, reached by clicking, in one language.

Each visited page is recorded with what the tests check (language, overflow, tap targets, axe-core),
so the walk runs once per language and the tests report every page that fails, not just the first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .checks import axe_report, horizontal_overflow, html_lang, small_tap_targets

HOME = "kyzyl-suu"
PLANNED = "uch-korgon"  # a demo municipality with an adopted plan
MISSING = "/m/no-such-municipality"


@dataclass
class PageRecord:
    name: str
    url: str
    status: int
    lang: str
    marker: str          # text of an element that is translated on this page
    english: str         # that element's English text
    body: str
    title: str
    overflow: str | None
    small_targets: list[str]
    axe: str | None      # None when axe was not run


@dataclass
class Walk:
    lang: str
    pages: list[PageRecord] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def follow(page, selector: str, expected_status: int = 200):
    """Click the one element matching selector and wait for the page it leads to."""
    with page.expect_navigation() as navigation:
        page.locator(selector).click()
    response = navigation.value
    assert response is not None and response.status == expected_status, (
        f"clicking {selector} on {page.url} gave {response and response.status}, not {expected_status}")
    return response


def switch_language(page, lang: str) -> None:
    """Pick the language with the on-page switcher, as a user does."""
    follow(page, f'.langs button[value="{lang}"]')
    assert html_lang(page) == lang, f"after choosing {lang} on {page.url}, <html lang> is {html_lang(page)!r}"


def log_in(page, email: str, password: str) -> None:
    """Fill in and send the login form of the current page."""
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    follow(page, 'main form button[type="submit"]')
    assert "/login" not in page.url, f"logging in as {email} failed: {page.locator('main').inner_text()}"


def log_out(page) -> None:
    follow(page, 'header form[action="/logout"] button')


def record(page, name: str, status: int, marker: str, english: str, *, axe: bool = True) -> PageRecord:
    """Return what the checks need from the page now shown."""
    return PageRecord(
        name=name, url=page.url, status=status, lang=html_lang(page),
        marker=page.locator(marker).first.inner_text().strip(), english=english,
        body=page.locator("body").inner_text(), title=page.title(),
        overflow=horizontal_overflow(page), small_targets=small_tap_targets(page),
        axe=axe_report(page) if axe else None,
    )


def walk(browser, password: str, lang: str, *, admin: bool = True, axe: bool = True, **context) -> Walk:
    """Walk the app in lang as the coordinator (and the site administrator when admin) and record each page."""
    tab = browser.tab(**context)
    page = tab.page
    result = Walk(lang)
    pages = result.pages

    def visit(name: str, marker: str, english: str, status: int = 200) -> None:
        pages.append(record(page, name, status, marker, english, axe=axe))

    try:
        page.goto("/")  # the one address typed in; everything else is reached by clicking
        switch_language(page, lang)
        visit("landing page", "main h1", "Plan a safer community together")
        follow(page, 'header .menu a[href^="/login"]')
        visit("login page", "main h1", "Log in")
        log_in(page, "coordinator@example.org", password)
        assert html_lang(page) == lang, "the language picked before logging in was not kept"
        visit("my municipalities", "main h1", "My municipalities")
        follow(page, f'main .cards a[href="/m/{HOME}"]')
        visit("planning guide", "main h2", "Planning guide")
        follow(page, f'main .actions a[href="/m/{HOME}/group"]')
        visit("working group", "main h1", "Working group")
        follow(page, "main .crumbs a")
        follow(page, f'main .actions a[href="/m/{HOME}/members"]')
        visit("accounts and roles", "main h1", "Accounts and roles")
        # The survey's first results (the demo survey is open), split by age, and the hotspot map.
        follow(page, "main .crumbs a")
        follow(page, f'main .guide a[href^="/m/{HOME}/results/"]')
        visit("survey results", "main h1", "Survey results")
        follow(page, 'main .splits a[href*="split=age_band"]')
        visit("survey results by age", "#issues-h", "Issues ranked by residents")
        follow(page, 'main a[href$="/map"]')
        page.wait_for_selector(".map .leaflet-interactive")  # the circles are drawn
        visit("hotspot map", "main h1", "Where people feel unsafe")
        # The scoring matrix and the community meetings, from the planning guide.
        follow(page, f'main .crumbs a[href="/m/{HOME}"]')
        follow(page, f'main .guide a[href="/m/{HOME}/priorities/confirm"]')  # the coordinator's next action
        visit("confirm priorities", "main h1", "Confirm the priority issues")
        follow(page, f'main .crumbs a[href="/m/{HOME}/priorities"]')
        visit("priority issues", "main h1", "Priority issues")
        follow(page, f'main .actions a[href="/m/{HOME}/meetings"]')
        visit("community meetings", "main h1", "Community meetings")
        follow(page, f'main .cards a[href="/m/{HOME}/meetings/1"]')  # the demo's meeting
        visit("community meeting", "main table.counts caption", "Participants by gender and age")
        # The public form of the demo's open survey, reached through the facilitator's share link.
        follow(page, f'main .crumbs a[href="/m/{HOME}"]')
        follow(page, f'main .guide a[href="/m/{HOME}/surveys"]')
        follow(page, f'main .cards a[href^="/m/{HOME}/surveys/"]')
        follow(page, "main .public-link a")
        visit("survey consent", "main h1", "Community safety survey")
        page.locator('input[name="a.consent"][value="yes"]').check()
        follow(page, 'main button[value="next"]')
        visit("survey questions", "main legend", "Your gender")
        follow(page, "header .quick-exit")
        assert urlsplit(page.url).path == "/s/exit", f"the quick exit led to {page.url}"
        follow(page, 'header a[href="/account"]')
        visit("account", "main h1", "Your account")
        response = page.goto(MISSING)
        assert response.status == 404, f"{MISSING} answered {response.status}"
        visit("page not found", "main h1", "Page not found", status=404)
        # The national overview, from the landing page (its map has no tiles in the e2e server).
        follow(page, "header .brand")
        follow(page, 'main a[href="/overview"]')
        page.wait_for_selector(".map.leaflet-container")
        visit("overview", "#status-title", "Municipalities by plan status")
        # An adopted plan of another municipality (demo), from the landing page, and its printable version.
        follow(page, "header .brand")
        follow(page, f'main a[href="/m/{PLANNED}"]')
        follow(page, "main .public-link a")
        visit("public plan", "#share-title", "Share this plan")
        follow(page, 'main #documents li >> nth=0 >> a[href*="/document?lang="]')  # in the page's language
        visit("printable plan", "#profile-h", "Municipality profile")
        follow(page, f'.doc-nav a[href="/m/{PLANNED}"]')  # back: the plan page is the working group's
        log_out(page)
        if admin:
            follow(page, 'header .menu a[href^="/login"]')
            log_in(page, "admin@example.org", password)
            assert html_lang(page) == lang, "the language did not survive logging out and in again"
            follow(page, 'header a[href="/admin/"]')
            visit("admin index", "main h1", "Administration")
            follow(page, 'main .cards a[href="/admin/municipalities"]')
            visit("admin municipalities", "main h1", "Municipalities")
            follow(page, f'main .cards a[href="/admin/municipalities/{HOME}"]')
            visit("admin municipality", "#areas-title", "Villages and wards")
            follow(page, "main .crumbs a")
            follow(page, "main .crumbs a")
            follow(page, 'main .cards a[href="/admin/users"]')
            visit("admin users", "main h1", "Users")
            follow(page, 'main .cards li:has-text("coordinator@example.org") > a')
            visit("admin user", "#memberships-title", "Roles in municipalities")
            # The police's review page (admins see every municipality), a plan from it and its audit log.
            follow(page, 'header .menu a[href="/my"]')
            follow(page, 'main a[href="/review"]')
            visit("police review", "main h1", "Police review")
            follow(page, 'main h3 a[href*="/plans/"] >> nth=0')
            visit("plan", "#workflow-title", "Review and adoption")
            follow(page, 'main #log a')
            visit("audit log", "main h1", "Audit log")
            # The plan's budget (the demo's allocations and spending) and one measure's money.
            follow(page, 'main p.crumbs a[href*="/plans/"]')
            follow(page, 'main .public-link a[href$="/budget"]')
            visit("plan budget", "main h1", "Budget of the plan")
            # The map of the plan's measures (no tiles in the e2e server) and back.
            follow(page, 'main .public-link a[href$="/map"]')
            page.wait_for_selector(".map.leaflet-container")
            visit("measure map", "#measures-title", "Measures")
            follow(page, 'main .crumbs a[href$="/budget"]')
            follow(page, 'main th a[href$="/budget"] >> nth=0')
            visit("measure budget", "#allocations-title", "Allocations")
            log_out(page)
    finally:
        result.requests = tab.requests
        result.console_errors = tab.console_errors
        tab.close()
    return result
