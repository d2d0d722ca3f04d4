"""The hotspot map in Chromium on a phone: drawn from local files only, zoomable, axe-clean, no exact points."""
from __future__ import annotations

import re
import time

from .checks import axe_report
from .conftest import TIMEOUT_MS


def open_map(page, password: str) -> None:
    page.goto("/login?lang=en")
    page.locator("#email").fill("coordinator@example.org")
    page.locator("#password").fill(password)
    page.locator('main form button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/my$"))
    page.goto("/m/kyzyl-suu/results")
    page.locator('main a[href$="/map"]').click()
    page.wait_for_selector(".map .leaflet-interactive", timeout=TIMEOUT_MS)


def test_hotspot_map_is_local_zoomable_and_accessible(e2e_browser, e2e_server):
    tab = e2e_browser.tab()
    page = tab.page
    try:
        open_map(page, e2e_server.password)
        assert not [u for u in tab.requests if not u.startswith(e2e_server.url) and not u.startswith("data:")], \
            "a request left the app's server"
        assert any("/static/vendor/leaflet/leaflet.js" in u for u in tab.requests)
        assert any("/static/vendor/kyrgyzstan.geojson" in u for u in tab.requests)
        assert not tab.console_errors, tab.console_errors
        viewport = page.locator('meta[name="viewport"]').get_attribute("content")
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport  # pinch zoom stays on
        map_id = page.locator(".map").get_attribute("id")
        before = page.evaluate(f"window['{map_id}'].getZoom()")
        # wait_for_function evaluates a string, which the page's CSP (no unsafe-eval) refuses: poll instead.
        # A press during the opening fit-to-circles animation can be lost, so the button is pressed again.
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while page.evaluate(f"window['{map_id}'].getZoom()") <= before:
            assert time.monotonic() < deadline, "the zoom-in button did not zoom the map"
            page.locator(".leaflet-control-zoom-in").click()
            page.wait_for_timeout(400)
        circles = page.locator(".map path.leaflet-interactive").count()
        rows = page.locator("main table.counts tbody tr").count()
        assert 0 < circles <= rows  # one circle per village at most, never a point per respondent
        assert page.title().startswith("Where people feel unsafe")
        assert page.locator("html").get_attribute("lang") == "en"
        assert axe_report(page) == ""
    finally:
        tab.close()
