"""The measure form's point picker in Chromium on a Pixel 5: Leaflet only on request, a tap fills the inputs,
typing moves the marker, Enter picks the map's centre, the point is saved; axe-clean; nothing leaves the server.

The demo has no plan, so this module adds one to Talas (tests/plan_factory.py) with the demo facilitator as
its facilitator, away from Kyzyl-Suu, whose planning guide the walk follows; the role is removed at the end.
"""
from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import create_engine, text

from .checks import axe_report, horizontal_overflow, poll, small_tap_targets
from .conftest import TIMEOUT_MS
from .walk import follow, log_in

pytestmark = pytest.mark.e2e

SLUG = "talas"
NEIGHBOURHOOD = 0.1  # degrees around the municipality's centre that a tap near the map's middle stays within
MARKER = ".picker-map path[fill='#f1b400']"  # maps.POINT_STYLE's fill


@pytest.fixture(scope="module")
def draft_plan(e2e_server):
    """Return (plan id, first issue id, (lat, lon) of Talas) after adding a draft plan and the facilitator."""
    from plan_factory import make_plan

    from cpplan import create_app
    from cpplan.accounts.models import User
    from cpplan.extensions import db
    from cpplan.municipalities.models import Membership, Municipality
    from cpplan.plans.models import PlanIssue

    app = create_app({"SQLALCHEMY_DATABASE_URI": e2e_server.database, "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        municipality = db.session.scalar(db.select(Municipality).filter_by(slug=SLUG))
        center = (float(municipality.lat), float(municipality.lon))
        plan_id = make_plan(municipality.id, measures=1, codes=("livestock_theft",))
        issue_id = db.session.scalar(db.select(PlanIssue.id).filter_by(plan_id=plan_id))
        facilitator = db.session.scalar(db.select(User).filter_by(email="facilitator@example.org"))
        membership = Membership(user=facilitator, municipality=municipality, role="facilitator")
        db.session.add(membership)
        db.session.commit()
        membership_id = membership.id
    try:
        yield plan_id, issue_id, center
    finally:
        with app.app_context():
            db.session.delete(db.session.get(Membership, membership_id))
            db.session.commit()
            db.engine.dispose()


def stored_point(server, plan_id: int) -> list[tuple[float, float]]:
    """Return the (lat, lon) of the plan's measures that have a point."""
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            return [(float(lat), float(lon)) for lat, lon in connection.execute(text(
                "SELECT lat, lon FROM plan_measures WHERE plan_id = :plan AND lat IS NOT NULL ORDER BY id"),
                {"plan": plan_id})]
    finally:
        engine.dispose()


def inputs(page) -> tuple[str, str]:
    return page.locator("#lat").input_value(), page.locator("#lon").input_value()


def near(value: tuple[str, str], center: tuple[float, float]) -> bool:
    return all(abs(float(v) - c) < NEIGHBOURHOOD for v, c in zip(value, center))


def test_pick_a_point_on_the_map_and_save_it(e2e_browser, e2e_server, draft_plan):
    plan_id, issue_id, center = draft_plan
    tab = e2e_browser.tab()
    page = tab.page
    try:
        page.goto("/login?lang=en")
        log_in(page, "facilitator@example.org", e2e_server.password)
        page.goto(f"/m/{SLUG}/plans/{plan_id}/issues/{issue_id}/measures/new")
        assert page.locator("main h1").inner_text() == "New measure"
        assert not [u for u in tab.requests if "/vendor/" in u], "Leaflet was loaded before it was asked for"
        assert axe_report(page) == ""

        page.locator("#title").fill("Street lights on the market road")
        page.locator("#start").fill("2026-05")
        page.locator("#end").fill("2026-Q4")
        page.locator("#cost").fill("250000")
        page.locator("#funded").fill("100000.50")
        page.locator('main button[data-picker="open"]').click()
        page.wait_for_selector(".picker-map.leaflet-container", timeout=TIMEOUT_MS)
        poll(page, "document.querySelectorAll('.picker-map path').length", lambda n: n >= 2,
             "the outline and the village dots were not drawn")
        assert page.evaluate("document.activeElement.id") == "point-map"  # keyboard users land on the map
        assert page.locator("#point-map").get_attribute("aria-label")

        box = page.locator("#point-map").bounding_box()
        page.locator("#point-map").tap(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2 - 30})
        tapped = poll(page, "[document.getElementById('lat').value, document.getElementById('lon').value]",
                      all, "a tap on the map did not fill the inputs")
        assert near(tapped, center), (tapped, center)
        assert all(re.fullmatch(r"\d+\.\d{1,6}", v) for v in tapped), tapped  # rounded to 6 decimals at most
        assert page.locator(MARKER).count() == 1

        page.locator('main button[data-picker="clear"]').click()
        assert inputs(page) == ("", "") and page.locator(MARKER).count() == 0
        page.locator("#lat").fill(f"{center[0] + 0.01:.4f}")
        page.locator("#lon").fill(f"{center[1] + 0.01:.4f}")
        poll(page, f"document.querySelectorAll(\"{MARKER}\").length", lambda n: n == 1,
             "typing the point did not put the marker")

        page.locator("#point-map").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")  # the point goes to the map's centre
        entered = poll(page, "document.getElementById('lat').value", lambda v: v != f"{center[0] + 0.01:.4f}",
                       "Enter on the map did not pick its centre")
        assert near((entered, inputs(page)[1]), center)

        page.locator("#point-map").tap(position={"x": box["width"] / 2 - 50, "y": box["height"] / 2 + 20})
        chosen = poll(page, "[document.getElementById('lat').value, document.getElementById('lon').value]",
                      lambda v: v[0] != entered, "the second tap did not move the point")
        assert near(chosen, center)
        assert horizontal_overflow(page) is None
        assert not small_tap_targets(page)
        assert axe_report(page) == ""

        follow(page, 'main form button[type="submit"]')
        assert f"/m/{SLUG}/plans/{plan_id}" in page.url
        assert stored_point(e2e_server, plan_id) == [(float(chosen[0]), float(chosen[1]))]
        assert "100,000.50" in page.locator("main").inner_text()  # the secured funding on the plan page

        loaded = [u for u in tab.requests if "/vendor/" in u]
        assert any(u.endswith("/static/vendor/leaflet/leaflet.js") for u in loaded)
        assert any(u.endswith("/static/vendor/kyrgyzstan.geojson") for u in loaded)
        assert not [u for u in tab.requests if not u.startswith(e2e_server.url) and not u.startswith("data:")], \
            "a request left the app's server"
        assert not tab.console_errors, tab.console_errors
    finally:
        tab.close()


def test_without_javascript_the_inputs_alone_save_the_point(e2e_browser, e2e_server, draft_plan):
    plan_id, issue_id, center = draft_plan
    tab = e2e_browser.tab(java_script_enabled=False)
    page = tab.page
    try:
        page.goto("/login?lang=en")
        log_in(page, "facilitator@example.org", e2e_server.password)
        page.goto(f"/m/{SLUG}/plans/{plan_id}/issues/{issue_id}/measures/new")
        assert not page.locator('main button[data-picker="open"]').is_visible()
        assert not page.locator("#point-map").is_visible()
        before = stored_point(e2e_server, plan_id)
        page.locator("#title").fill("Patrol of the summer pastures")
        page.locator("#start").fill("2026-06")
        page.locator("#end").fill("2026-09")
        page.locator("#lat").fill("42,4931")
        page.locator("#lon").fill("78.3955")
        follow(page, 'main form button[type="submit"]')
        assert stored_point(e2e_server, plan_id) == before + [(42.4931, 78.3955)]
        assert not [u for u in tab.requests if "/vendor/" in u]
    finally:
        tab.close()
