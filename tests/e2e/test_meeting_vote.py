"""A community meeting's dot-vote on Pixel 5 phones: the facilitator opens it, ten phones vote, the projector counts.

The facilitator records a meeting and opens a 3-dot vote; ten participant phones (separate browser
contexts, no account) open the public link and each send a different known ballot, by typing, with
the JavaScript +/- buttons, or with the same buttons on a phone without JavaScript. One phone tries a
second ballot and is refused; the projector view, polling every 3 seconds, shows exactly the totals.
Then the vote is closed and a late ballot gets the closed message.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from .checks import axe_report, horizontal_overflow, small_tap_targets
from .walk import HOME, follow, log_in

pytestmark = pytest.mark.e2e

ALREADY = "You have already voted on this device."
CLOSED = "This vote is closed and no longer takes dots. Thank you for taking part."
# Ten different ballots of at most 3 dots: (how the phone enters them, {issue code: dots}).
BALLOTS = [
    ("type", {"livestock_theft": 3}),
    ("type", {"livestock_theft": 2, "road_safety": 1}),
    ("type", {"road_safety": 1, "alcohol_drugs": 1, "fraud": 1}),
    ("type", {"domestic_violence": 2, "livestock_theft": 1}),
    ("type", {"school_racketeering": 3}),
    ("buttons", {"road_safety": 2}),
    ("buttons", {"youth_delinquency": 1, "unsafe_spaces": 1, "livestock_theft": 1}),
    ("buttons", {"theft_burglary": 1}),
    ("buttons", {"alcohol_drugs": 2, "domestic_violence": 1}),
    ("no-js", {"violent_extremism": 1, "road_safety": 1, "school_racketeering": 1}),
]
SECOND_TRY = 2  # the phone (index in BALLOTS) that tries to vote twice

SCREEN_STATE = """() => {
  const list = document.getElementById('totals');
  return {
    status: list.dataset.status,
    ballots: document.getElementById('ballots').textContent.trim(),
    rows: [...list.querySelectorAll('li')].map(li => [li.dataset.code,
      Number(li.querySelector('.t-dots').textContent), Number(li.querySelector('.t-hands').textContent),
      Number(li.querySelector('.t-total').textContent)]),
  };
}"""


def expected_totals() -> dict[str, int]:
    totals: dict[str, int] = {}
    for _how, dots in BALLOTS:
        for code, n in dots.items():
            totals[code] = totals.get(code, 0) + n
    return totals


def stored_ballots(server, code: str) -> int:
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT count(*) FROM meeting_ballots b JOIN meeting_votes v ON v.id = b.vote_id WHERE v.code = :code"),
                {"code": code}).scalar_one()
    finally:
        engine.dispose()


def page_problems(page, name: str) -> list[str]:
    """Return the page's axe-core violations, sideways scrolling and small tap targets."""
    found = []
    report = axe_report(page)
    if report:
        found.append(f"=== {name} ({page.url}) axe-core:\n{report}")
    overflow = horizontal_overflow(page)
    if overflow:
        found.append(f"{name} scrolls sideways: {overflow}")
    small = small_tap_targets(page)
    if small:
        found.append(f"{name} has small tap targets: {small}")
    return found


def fill_ballot(page, how: str, dots: dict[str, int]) -> None:
    """Enter the dots as the phone's owner does: typing, tapping +, or tapping + without JavaScript."""
    for code, n in dots.items():
        for _ in range(n if how != "type" else 0):
            plus = f'main button[name="step"][value="+{code}"]'
            if how == "no-js":
                follow(page, plus)  # the server adds the dot and shows the form again
            else:
                page.locator(plus).click()
        if how == "type":
            page.locator(f"#d-{code}").fill(str(n))
        assert page.locator(f"#d-{code}").input_value() == str(n)


def test_ten_phones_vote_and_the_projector_shows_the_totals(e2e_browser, e2e_server):
    facilitator = e2e_browser.tab()
    tabs = [facilitator]
    failures: list[str] = []
    try:
        # The facilitator records the meeting and opens a 3-dot vote on every issue.
        page = facilitator.page
        page.goto("/login")
        log_in(page, "facilitator@example.org", e2e_server.password)
        page.goto(f"/m/{HOME}/meetings")
        follow(page, f'main a[href="/m/{HOME}/meetings/new"]')
        page.locator("#held_on").fill("2026-11-20")
        page.locator("#place").fill("School No. 1, assembly hall")
        page.locator("#facilitator").fill("Nurgul Bekova")
        page.locator("#n_female_18_29").fill("6")
        page.locator("#n_female_45_59").fill("3")
        page.locator("#n_male_30_44").fill("4")
        page.locator("#minutes").fill("The survey results were presented and discussed.")
        follow(page, 'main form button[type="submit"]')
        assert "/meetings/" in page.url and "13" in page.locator("main h2").first.inner_text()
        assert page.locator("#dots").input_value() == "3"
        assert page.locator('#open-vote input[name="issues"]:checked').count() >= 10
        follow(page, '#open-vote button[type="submit"]')
        link = page.locator("main .public-link a").get_attribute("href")
        code = urlsplit(link).path.removeprefix("/v/")
        assert link.startswith(e2e_server.url) and len(code) == 10
        assert page.evaluate("document.querySelector('img.qr-big').naturalWidth") > 0, "the QR code did not load"
        vote_page = page.url

        # The projector: a laptop screen, no login.
        projector = e2e_browser.tab(viewport={"width": 1280, "height": 800}, is_mobile=False, has_touch=False,
                                    device_scale_factor=1)
        tabs.append(projector)
        screen = projector.page
        screen.goto(f"/v/{code}/screen")
        assert screen.evaluate(SCREEN_STATE)["ballots"] == "0"
        assert screen.evaluate("document.querySelector('img.qr-big').naturalWidth") > 0
        failures += page_problems(screen, "projector view")

        # Ten phones vote; the third first opens the ballot twice (two tabs), to try again later.
        stale = None
        for index, (how, dots) in enumerate(BALLOTS):
            phone = e2e_browser.tab(java_script_enabled=how != "no-js")
            tabs.append(phone)
            ballot = phone.page
            ballot.goto(link)
            assert ballot.locator("main form.ballot").count() == 1
            if index == 0:
                failures += page_problems(ballot, "participant ballot")
            if index == SECOND_TRY:
                stale = phone.context.new_page()
                stale.goto(link)
            fill_ballot(ballot, how, dots)
            if how == "buttons":
                assert ballot.locator("#dots-left").inner_text().strip() == f"Dots left: {3 - sum(dots.values())}"
            follow(ballot, 'main button[name="go"][value="send"]')
            assert urlsplit(ballot.url).path == f"/v/{code}/thanks", ballot.locator("main").inner_text()

        # The second ballot from the same phone is refused, and nothing more is stored.
        stale.locator("#d-fraud").fill("3")
        follow(stale, 'main button[name="go"][value="send"]', 409)
        assert ALREADY in stale.locator("main").inner_text()
        stale.goto(link)
        assert ALREADY in stale.locator("main").inner_text() and not stale.locator("main form").count()
        assert stored_ballots(e2e_server, code) == len(BALLOTS)

        # The projector catches up by itself (polling every 3 seconds) and shows exactly the totals.
        expected = expected_totals()
        screen.wait_for_function(
            """([count, expected]) => {
              if (document.getElementById('ballots').textContent.trim() !== String(count)) return false;
              return [...document.querySelectorAll('#totals li')].every(li =>
                Number(li.querySelector('.t-dots').textContent) === (expected[li.dataset.code] || 0));
            }""", arg=[len(BALLOTS), expected], timeout=10_000, polling=250)
        state = screen.evaluate(SCREEN_STATE)
        assert state["ballots"] == str(len(BALLOTS)) and state["status"] == "open"
        shown = {row[0]: row[1] for row in state["rows"]}
        assert {c: n for c, n in shown.items() if n} == expected
        assert all(hands == 0 and total == dots for _c, dots, hands, total in state["rows"])
        totals = [row[3] for row in state["rows"]]
        assert totals == sorted(totals, reverse=True), "the projector's list is not sorted by support"
        assert state["rows"][0][0] == "livestock_theft"
        failures += page_problems(screen, "projector view with results")

        # A phone opens the ballot, the facilitator closes the vote, the late ballot is refused.
        late = e2e_browser.tab()
        tabs.append(late)
        late.page.goto(link)
        late.page.locator("#d-fraud").fill("1")
        page.goto(vote_page)
        follow(page, f'main form[action$="/votes/{urlsplit(vote_page).path.rsplit("/", 1)[1]}/close"] button')
        follow(late.page, 'main button[name="go"][value="send"]', 410)
        assert CLOSED in late.page.locator("main").inner_text()
        assert stored_ballots(e2e_server, code) == len(BALLOTS)
        screen.wait_for_function("() => document.getElementById('totals').dataset.status === 'closed'",
                                 timeout=10_000, polling=250)
        assert screen.locator("#join").is_hidden()

        # Every request of every phone and screen stayed on this server; no script error anywhere.
        requests = [url for tab in tabs for url in tab.requests]
        assert any(urlsplit(url).path == "/static/js/vote-screen.js" for url in requests)
        elsewhere = sorted({url for url in requests
                            if urlsplit(url).scheme != "data" and urlsplit(url).hostname != "127.0.0.1"})
        assert not elsewhere, elsewhere
        errors = [e for tab in tabs for e in tab.console_errors if "status of 409" not in e and "status of 410" not in e]
        assert not errors, errors
    finally:
        for tab in tabs:
            tab.close()
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
