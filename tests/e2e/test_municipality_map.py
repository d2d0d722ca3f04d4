"""The map of a plan's measures in Chromium on a Pixel 5, with the tile server unreachable (every tile request is
aborted, as on a phone offline or on a weak 2G link): the country outline, the markers, their clusters and the
list still work; a popup shows a hostile title as text with the link to the measure's budget; zoom buttons,
keyboard and layer switches work; axe-core finds nothing; no request leaves 127.0.0.1 but the aborted tiles.

Own server (tiles configured, unlike the walk's) and own plan: an adopted plan of Kyzyl-Suu whose measures sit in
its villages, three in one village (a cluster), one at its own point with a hostile title, and those of domestic
violence, given a village and a point too, which the map must leave out.
"""
from __future__ import annotations

import re
import secrets
import time
from decimal import Decimal

import pytest

from .checks import axe_report, horizontal_overflow, poll
from .conftest import TIMEOUT_MS, own_server

pytestmark = pytest.mark.e2e

SLUG = "kyzyl-suu"
TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
TILE_REQUEST = re.compile(r"^https://[abc]\.tile\.openstreetmap\.org/")
EVIL = "</script><img src=x onerror=alert(1)> `x` ${alert(1)}"
OWN_POINT = (Decimal("42.31"), Decimal("78.05"))  # south-east of the demo villages, away from them


@pytest.fixture(scope="module")
def map_server(tmp_path_factory):
    yield from own_server(tmp_path_factory, "measures_map", CPPLAN_TILES_URL=TILES)


@pytest.fixture(scope="module")
def plan(map_server):
    """Return (plan id, {measure id: English title}, ids of the measures that must stay off the map, id of the
    measure with the hostile title)."""
    from plan_factory import make_plan

    from cpplan import create_app
    from cpplan.budget.models import Allocation
    from cpplan.extensions import db
    from cpplan.municipalities.models import Municipality
    from cpplan.plans.models import Plan

    app = create_app({"SQLALCHEMY_DATABASE_URI": map_server.database, "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        municipality = db.session.scalar(db.select(Municipality).filter_by(slug=SLUG))
        plan_id = make_plan(municipality.id, measures=7, status="adopted",
                            codes=("livestock_theft", "road_safety", "domestic_violence"), first_year=2025)
        plan = db.session.get(Plan, plan_id)
        areas = municipality.areas
        hidden = set()
        for n, measure in enumerate(plan.measures):
            measure.area = areas[0] if n < 3 else areas[n % len(areas)]
            measure.status = ("planned", "in_progress", "done")[n % 3]
            db.session.add(Allocation(measure_id=measure.id, source="local_budget", year=2025,
                                      amount=Decimal(1000 * (n + 1))))
            if measure.plan_issue.issue.is_sensitive:
                measure.lat, measure.lon = OWN_POINT
                hidden.add(measure.id)
        located = next(m for m in plan.measures[3:] if m.id not in hidden)
        located.title_en, located.lat, located.lon = EVIL, *OWN_POINT
        db.session.commit()
        titles = {m.id: m.title_en for m in plan.measures}
        db.engine.dispose()
    return plan_id, titles, hidden, located.id


def offline_tab(browser, server):
    """Open a Pixel 5 tab whose tile requests all fail; return it, the URLs of the failed requests (but those a
    navigation cut short, such as the previous page's favicon) and the dialogs that opened."""
    tab = browser.tab(base_url=server.url)
    failed = []
    tab.context.route(TILE_REQUEST, lambda route: route.abort())
    tab.context.on("requestfailed", lambda request: request.failure == "net::ERR_ABORTED"
                   and not TILE_REQUEST.match(request.url) or failed.append(request.url))
    dialogs = []
    tab.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return tab, failed, dialogs


def map_name(page) -> str:
    return page.locator(".map").get_attribute("id")


def markers_in(page, map_id: str) -> list[int]:
    """Return the measure ids of every marker in the map's marker layer (clustered or not)."""
    return page.evaluate(f"""() => {{
        const ids = [];
        window['{map_id}'].eachLayer(layer => {{
            if (layer.getLayers && layer.options.maxClusterRadius)
                layer.getLayers().forEach(m => ids.push(m.options.measure));
        }});
        return ids.sort((a, b) => a - b);
    }}""")


def test_the_map_works_without_tiles_on_a_phone(e2e_browser, map_server, plan):
    plan_id, titles, hidden, evil_id = plan
    tab, failed, dialogs = offline_tab(e2e_browser, map_server)
    page = tab.page
    try:
        response = page.goto(f"/m/{SLUG}/map?lang=en")
        assert response.status == 200
        assert "img-src 'self' data: https://a.tile.openstreetmap.org" in response.headers["content-security-policy"]
        page.wait_for_selector(".map .leaflet-marker-icon", timeout=TIMEOUT_MS)
        poll(page, "document.querySelectorAll('.leaflet-outline-pane path').length", lambda n: n >= 1,
             "the country outline was not drawn under the tiles")
        assert [u for u in tab.requests if TILE_REQUEST.match(u)], "the tiles were not even asked for"
        assert failed and all(TILE_REQUEST.match(u) for u in failed), failed

        map_id = map_name(page)
        assert markers_in(page, map_id) == sorted(set(titles) - hidden)
        assert page.locator("main table.map-list tbody tr").count() == len(titles)
        for measure_id in hidden:
            assert "No place on the map" in page.locator(f'tr[data-measure="{measure_id}"]').inner_text()
        cluster = page.locator(".map .marker-cluster")
        assert cluster.count() >= 1 and "3" in cluster.all_inner_texts()
        assert horizontal_overflow(page) is None
        viewport = page.locator('meta[name="viewport"]').get_attribute("content")
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport
        report = axe_report(page)
        assert report == "", report

        # The hostile title: a marker of its own, opened by a tap; its popup shows the title as text.
        evil = page.locator(".map .map-marker", has_text="onerror=alert(1)")
        evil.tap()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for(timeout=TIMEOUT_MS)
        assert EVIL in popup.inner_text()
        assert popup.locator("img").count() == 0 and not dialogs
        link = popup.locator("a")
        assert link.get_attribute("href") == f"/m/{SLUG}/plans/{plan_id}/measures/{evil_id}/budget"
        assert "сом" in popup.inner_text() or "KGS" in popup.inner_text()
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while popup.count():  # a press while the popup pans the map into view can be lost: pressed again
            assert time.monotonic() < deadline, "the popup's close button did not close it"
            page.locator(".leaflet-popup-close-button").click()
            page.wait_for_timeout(400)

        # A tap on the cluster of one village's three measures spreads them out around it.
        shown = page.locator(".map .map-marker").count()
        page.locator(".map .marker-cluster", has_text="3").tap()
        poll(page, "document.querySelectorAll('.map .map-marker').length", lambda n: n == shown + 3,
             "tapping the cluster did not show its measures")

        # The zoom buttons (a press during an animation can be lost: pressed again).
        zoom = page.evaluate(f"window['{map_id}'].getZoom()")
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while page.evaluate(f"window['{map_id}'].getZoom()") >= zoom:
            assert time.monotonic() < deadline, "the zoom-out button did not zoom the map"
            page.locator(".leaflet-control-zoom-out").click()
            page.wait_for_timeout(400)

        # From the keyboard: a marker takes the focus and Enter opens its popup; its link leads to the budget.
        marker = page.locator(".map .map-marker", has_text="onerror=alert(1)")
        assert marker.get_attribute("tabindex") == "0" and marker.get_attribute("role") == "button"
        marker.focus()
        page.keyboard.press("Enter")
        popup.wait_for(timeout=TIMEOUT_MS)
        poll(page, "getComputedStyle(document.querySelector('.leaflet-popup')).opacity", lambda o: o == "1",
             "the popup did not finish fading in")  # axe would measure the contrast of a half-faded text
        report = axe_report(page)
        assert report == "", report
        with page.expect_navigation() as navigation:
            popup.locator("a").click()
        assert navigation.value.status == 200 and page.url.endswith(f"/measures/{evil_id}/budget")

        assert not [u for u in tab.requests if not u.startswith(map_server.url) and not u.startswith("data:")
                    and not TILE_REQUEST.match(u)], "a request left the app's server"
        assert not [e for e in tab.console_errors if "Failed to load resource" not in e], tab.console_errors
        assert not dialogs
    finally:
        tab.close()


def test_the_roles_switch_between_measures_and_hotspots(e2e_browser, map_server, plan):
    from .walk import log_in

    tab, failed, _dialogs = offline_tab(e2e_browser, map_server)
    page = tab.page
    try:
        page.goto("/login?lang=en")
        log_in(page, "coordinator@example.org", map_server.password)
        page.goto(f"/m/{SLUG}/map?lang=en")
        page.wait_for_selector(".map .leaflet-marker-icon", timeout=TIMEOUT_MS)
        toggle = page.locator(".map .leaflet-control-layers-toggle")
        box = toggle.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # collapsed: a finger's target that leaves the map free
        toggle.tap()  # a phone: the control opens on a tap
        switches = page.locator(".map .leaflet-control-layers-selector")
        assert switches.count() == 2  # measures, and where people feel unsafe (the demo survey's first results)
        hotspots = ".map .leaflet-overlay-pane path.leaflet-interactive"
        poll(page, f"document.querySelectorAll('{hotspots}').length", lambda n: n >= 1, "no hotspot was drawn")
        page.locator(".map .leaflet-control-layers label", has_text="Measures").click()
        poll(page, "document.querySelectorAll('.map .leaflet-marker-icon').length", lambda n: n == 0,
             "switching the measures off left markers")
        assert page.locator(hotspots).count() >= 1
        page.locator(".map .leaflet-control-layers label", has_text="Where people feel unsafe").click()
        poll(page, f"document.querySelectorAll('{hotspots}').length", lambda n: n == 0,
             "switching the hotspots off left circles")
        page.locator(".map .leaflet-control-layers label", has_text="Measures").click()
        poll(page, "document.querySelectorAll('.map .leaflet-marker-icon').length", lambda n: n >= 1,
             "switching the measures on again drew nothing")
        box = page.locator(".map .leaflet-control-layers label").first.bounding_box()
        assert box["height"] >= 44  # a finger's target
        assert horizontal_overflow(page) is None
        report = axe_report(page)
        assert report == "", report
        assert all(TILE_REQUEST.match(u) for u in failed), failed
        assert not [e for e in tab.console_errors if "Failed to load resource" not in e], tab.console_errors
    finally:
        tab.close()
