"""Hostile text in measure titles and organisation names runs no script, on any map or page, in Chromium.

Karakol's adopted plan gets measure titles and organisation names (every language) made of
`</script><img src=x onerror=alert(1)>`, a backtick and `${alert(1)}` — the ways out of an HTML element, a
JavaScript template literal (folium's popups) and a string. Every page that shows them is opened on a phone,
each map's popups are opened; no dialog may appear, no <img src=x> may exist, no Content-Security-Policy
violation may be reported (so the test does not pass merely because the CSP blocked an injected script), and the
text must be shown as text. Own demo database.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from .conftest import own_server
from .walk import log_in

pytestmark = pytest.mark.e2e

SLUG = "karakol"
PAYLOADS = ("</script><img src=x onerror=alert(1)>", "`", "${alert(1)}")
TITLE = "Жарык " + " ".join(PAYLOADS) + " \\ '\""
ORGANISATION = "ОО " + "".join(PAYLOADS)

# Recorded in every page before its own scripts run: CSP violations, and any image element named "x".
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
OPEN_POPUPS = """() => {
  // Render every marker's and circle's popup the way Leaflet does (innerHTML), clustered or not, and open one.
  const out = [];
  const sink = document.createElement('div');
  document.body.appendChild(sink);
  const visit = layer => {
    if (layer.getLayers) layer.getLayers().forEach(visit);
    const popup = layer.getPopup && layer.getPopup();
    if (popup) { sink.innerHTML = popup.getContent(); out.push(sink.textContent); }
  };
  for (const key of Object.keys(window)) {
    let value;
    try { value = window[key]; } catch (e) { continue; }
    if (value instanceof L.Map) value.eachLayer(visit);
  }
  sink.remove();
  return out;
}"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    for server in own_server(tmp_path_factory, "xss"):
        engine = create_engine(server.database)
        try:
            with engine.begin() as connection:
                plan_id = connection.execute(text(
                    "SELECT p.id FROM plans p JOIN municipalities m ON m.id = p.municipality_id WHERE m.slug = :s"),
                    {"s": SLUG}).scalar_one()
                connection.execute(text("UPDATE plan_measures SET title_ky = :t, title_ru = :t, title_en = :t "
                                        "WHERE plan_id = :p"), {"t": TITLE, "p": plan_id})
                connection.execute(text(
                    "UPDATE organisations SET name_ky = :n, name_ru = :n, name_en = :n WHERE municipality_id = "
                    "(SELECT id FROM municipalities WHERE slug = :s)"), {"n": ORGANISATION, "s": SLUG})
                measure_id = connection.execute(text("SELECT min(id) FROM plan_measures WHERE plan_id = :p"),
                                                {"p": plan_id}).scalar_one()
        finally:
            engine.dispose()
        server.plan_id, server.measure_id = plan_id, measure_id
        yield server


def pages(server) -> list[tuple[str, bool]]:
    """Return (path, whether the page shows a title or a name as text) of every page that may show them."""
    plan, measure = server.plan_id, server.measure_id
    base = f"/m/{SLUG}/plans/{plan}"
    return [(f"/m/{SLUG}/map", True), ("/overview", False), (f"/plan/{SLUG}", True), (f"{base}/budget", True),
            (f"{base}/measures/{measure}/budget", True), (f"{base}/document", True), (f"{base}/brief", True),
            (base, True), (f"{base}/log", False), (f"{base}/measures/{measure}/progress", True),
            (f"/api/v1/plans/{plan}", True)]


@pytest.mark.parametrize("lang", ["ky", "en"])
def test_hostile_titles_and_names_run_no_script(e2e_browser, hostile_server, lang):
    tab = e2e_browser.tab(base_url=hostile_server.url)
    page = tab.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{page.url}: {dialog.message}"), dialog.dismiss()))
    page.add_init_script(WATCH)
    page.goto("/login")
    log_in(page, "admin@example.org", hostile_server.password)  # the admin sees every page, the plan's too
    problems, shown = [], 0
    for path, shows in pages(hostile_server):
        response = page.goto(f"{path}?lang={lang}")
        assert response.status == 200, f"{path}: {response.status}"
        page.wait_for_load_state("load")
        if page.evaluate("() => window.L !== undefined"):
            popups = page.evaluate(OPEN_POPUPS)
            assert popups, f"{path}: the map has no popup"
            shown += sum(TITLE in p for p in popups)
            marker = page.locator(".leaflet-marker-icon, path.leaflet-interactive").first
            if marker.count():
                marker.click(force=True)
                page.wait_for_timeout(200)
        found = page.evaluate("""() => ({images: document.querySelectorAll('img[src="x"]').length,
                                         violations: window.__violations,
                                         text: document.body.innerText})""")
        if found["images"]:
            problems.append(f"{path}: {found['images']} <img src=x> in the page")
        if found["violations"]:
            problems.append(f"{path}: CSP violations {found['violations']}")
        if shows and PAYLOADS[0] not in found["text"]:  # JSON too: the browser shows it as text
            problems.append(f"{path}: the title or name is not shown as text")
    assert not dialogs, dialogs
    assert not problems, "\n".join(problems)
    assert shown, "no popup showed the measure's title as text"
    assert not tab.console_errors, tab.console_errors
    tab.close()
