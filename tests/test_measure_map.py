"""The municipality's map of its plan's measures (/m/<slug>/map) and the marker map builder behind it.

Markers sized by the money allocated and coloured by status, never a sensitive issue's measure, hotspots only
where the survey publishes a count, every text escaped, local assets only (tiles aside), the plan the visitor may
see, and the tile server in the CSP only when tiles are configured.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal as D

import folium
import pytest
from folium.plugins import MarkerCluster
from test_results import add_area, make_survey

from access_cases import page_text
from cpplan import config, create_app
from cpplan.budget.map_routes import STATUS_COLOURS
from cpplan.budget.models import Allocation, Expenditure
from cpplan.extensions import db
from cpplan.i18n import format_money
from cpplan.maps import Assets, Circle, Marker, Tiles, escape, marker_map
from cpplan.maps.markers import MARKER_MAX_RADIUS, MARKER_MIN_RADIUS
from cpplan.municipalities.models import Municipality
from cpplan.plans.models import Plan
from plan_factory import make_plan

EVIL = "</script><img src=x onerror=alert(1)> `x` ${alert(1)}"
ASSETS = Assets("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
                "/static/vendor/kyrgyzstan.geojson", "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
                ("/static/vendor/leaflet.markercluster/MarkerCluster.css",
                 "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css"))
COLOURS = {"a": ("#111111", "First"), "b": ("#222222", "Second")}
BOUNDARY = json.dumps({"type": "Feature", "properties": {"name": EVIL}, "geometry": {
    "type": "Polygon", "coordinates": [[[77.9, 42.3], [78.1, 42.3], [78.1, 42.4], [77.9, 42.3]]]}})
ROW = re.compile(r"\}\)\(\w+, (\[[^\]]*\]), (\[\[.*?\]\])\);", re.S)


# --- helpers ------------------------------------------------------------------------------------------

def inline_script(body: str) -> str:
    """Return the text of the page's inline scripts."""
    return "".join(m.group(2) for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", body, re.S)
                   if "src=" not in m.group(1))


def marker_rows(script: str) -> tuple[list[str], list[list]]:
    """Return the colours and the marker rows the map's script draws ([lat, lon, radius, colour, title, ...])."""
    found = ROW.search(script)
    if found is None:
        return [], []
    return json.loads(found.group(1)), json.loads(found.group(2))


def by_key(rows: list[list]) -> dict[int, list]:
    return {row[8]: row for row in rows}


def setup_plan(app, world, *, status: str = "adopted", measures: int = 4, codes=("livestock_theft", "road_safety",
               "domestic_violence", "school_racketeering")) -> tuple[int, list[int]]:
    """Add a plan to home with its measures in home's village; return (plan id, measure ids in plan order)."""
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=measures, status=status, codes=codes, first_year=2025)
        plan = db.session.get(Plan, plan_id)
        area = db.session.get(Municipality, world["home_id"]).areas[0]
        for measure in plan.measures:
            measure.area_id = area.id
        db.session.commit()
        return plan_id, [m.id for m in plan.measures]


def update_measure(app, measure_id: int, **values) -> None:
    from cpplan.plans.models import Measure

    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        for name, value in values.items():
            setattr(measure, name, value)
        db.session.commit()


def allocate(app, measure_id: int, amount: str, spent: str | None = None) -> None:
    from datetime import date

    with app.app_context():
        db.session.add(Allocation(measure_id=measure_id, source="local_budget", year=2025, amount=D(amount)))
        if spent:
            db.session.add(Expenditure(measure_id=measure_id, spent_on=date(2025, 5, 1), amount=D(spent),
                                       purpose="Lights"))
        db.session.commit()


def sensitive_ids(app, plan_id: int) -> set[int]:
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        return {m.id for m in plan.measures if m.plan_issue.issue.is_sensitive}


def get_map(client, world, lang: str = "en"):
    response = client.get(f"/m/{world['home']}/map?lang={lang}")
    return response, response.get_data(as_text=True)


# --- the page -------------------------------------------------------------------------------------------

def test_markers_grow_with_the_money_allocated(app, world, client):
    plan_id, ids = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    for measure_id, amount in zip(ids, ("1000", "16000", "4000")):
        allocate(app, measure_id, amount)
    response, body = get_map(client, world)
    assert response.status_code == 200
    _colours, rows = marker_rows(inline_script(body))
    radius = {key: row[2] for key, row in by_key(rows).items()}
    assert set(radius) == set(ids)
    assert radius[ids[3]] == MARKER_MIN_RADIUS  # nothing allocated: the smallest marker
    assert radius[ids[1]] == MARKER_MAX_RADIUS  # the most money: the largest
    assert radius[ids[3]] < radius[ids[0]] < radius[ids[2]] < radius[ids[1]]
    # area, not radius, is proportional
    assert radius[ids[2]] == pytest.approx(MARKER_MIN_RADIUS + (MARKER_MAX_RADIUS - MARKER_MIN_RADIUS) * 0.5, abs=0.05)


def test_the_smallest_marker_is_a_24_px_target(app, world, client):
    """Lighthouse's target-size audit (WCAG 2.5.8) found 20 px markers: every marker's icon is now 24 px or more."""
    _plan_id, ids = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    allocate(app, ids[1], "16000")
    _response, body = get_map(client, world)
    script = inline_script(body)
    _colours, rows = marker_rows(script)
    assert "var d = 2 * r[2] + 4" in script  # the icon's side: the circle and its 2 px border
    assert min(2 * row[2] + 4 for row in rows) >= 24


def test_colour_follows_the_measure_status(app, world, client):
    plan_id, ids = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    statuses = ("planned", "in_progress", "done", "cancelled")
    for measure_id, status in zip(ids, statuses):
        update_measure(app, measure_id, status=status)
    _response, body = get_map(client, world)
    colours, rows = marker_rows(inline_script(body))
    drawn = {key: colours[row[3]] for key, row in by_key(rows).items()}
    assert drawn == {measure_id: STATUS_COLOURS[status] for measure_id, status in zip(ids, statuses)}
    legend = re.search(r'<ul class="map-legend">(.*?)</ul>', body, re.S).group(1)
    for status, label in (("planned", "Planned"), ("in_progress", "Under way"), ("done", "Done"),
                          ("cancelled", "Cancelled")):
        assert re.search(rf'fill="{STATUS_COLOURS[status]}"[^<]*</svg> {label}</li>', legend), label


def test_a_sensitive_measure_is_never_placed_but_is_listed(app, world, client, as_role):
    plan_id, ids = setup_plan(app, world)
    hidden = sensitive_ids(app, plan_id)
    assert hidden
    for measure_id in hidden:
        update_measure(app, measure_id, lat=D("42.351"), lon=D("78.012"))  # even its own point stays off the map
    for visitor in (client, as_role("coordinator")):
        _response, body = get_map(visitor, world)
        _colours, rows = marker_rows(inline_script(body))
        assert set(by_key(rows)) == set(ids) - hidden
        assert "42.351" not in inline_script(body)
        for measure_id in hidden:
            row = re.search(rf'<tr id="measure-{measure_id}".*?</tr>', body, re.S).group(0)
            assert "No place on the map" in row and "Centre" not in row


def test_a_measure_is_placed_at_its_point_else_its_area_else_nowhere(app, world, client):
    plan_id, (own, by_area, nowhere, _other) = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    update_measure(app, own, lat=D("42.5"), lon=D("78.25"))
    update_measure(app, nowhere, area_id=None)
    _response, body = get_map(client, world)
    rows = by_key(marker_rows(inline_script(body))[1])
    assert rows[own][:2] == [42.5, 78.25]
    assert rows[by_area][:2] == [42.34, 78.0]  # the village's coordinates (conftest)
    assert nowhere not in rows
    row = re.search(rf'<tr id="measure-{nowhere}".*?</tr>', body, re.S).group(0)
    assert "No place on the map" in row
    assert "3 measures of 4 are on the map" in page_text(client.get(f"/m/{world['home']}/map?lang=en"))


def test_popup_has_the_figures_in_som_and_the_link_to_the_measure_budget(app, world, client):
    plan_id, ids = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    allocate(app, ids[0], "12500.50", spent="3000")
    _response, body = get_map(client, world, "ru")
    row = by_key(marker_rows(inline_script(body))[1])[ids[0]]
    lines, link, text = row[5], row[6], row[7]
    allocated, spent = format_money(D("12500.50"), "ru"), format_money(D("3000"), "ru")
    assert "сом" in allocated
    assert len(lines) == 4 and allocated in lines[2] and spent in lines[3], lines  # status, planned, allocated, spent
    assert link == f"/m/{world['home']}/plans/{plan_id}/measures/{ids[0]}/budget"
    assert client.get(link).status_code == 200
    assert text
    table = re.search(rf'<tr id="measure-{ids[0]}".*?</tr>', body, re.S).group(0)
    assert f'href="{link}"' in table and allocated in table and spent in table


def test_titles_are_escaped_in_the_script_popup_and_list(app, world, client):
    plan_id, ids = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    update_measure(app, ids[0], title_en=EVIL, title_ky=EVIL, title_ru=EVIL)
    _response, body = get_map(client, world)
    script = inline_script(body)
    for raw in ("</script><img", "<img src=x", "onerror=alert(1)>", "`x`", "${alert(1)}", "${"):
        assert raw not in script, raw
    assert "`" not in script  # no hotspots here: the only template literals would be folium's tooltips
    row = by_key(marker_rows(script)[1])[ids[0]]
    assert row[4] == escape(EVIL) and row[7] != EVIL
    assert "<img" not in body.split("<main", 1)[1]
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; `x` ${alert(1)}" in body  # the list, as text


def test_hotspots_show_only_published_counts(app, world, client, as_role):
    setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    slug = world["home"]
    named = add_area(app, slug, "Jany-Jol", "Жаңы-Жол", "Жаны-Жол", lat=42.30, lon=78.10)
    few = add_area(app, slug, "Kichi-Too", "Кичи-Тоо", "Кичи-Тоо", lat=42.40, lon=78.20)
    people = [{"gender": "male", "unsafe_area": named}] * 8 + [{"gender": "female", "unsafe_area": few}] * 3
    make_survey(app, slug, people, status="open")
    _response, body = get_map(client, world)
    assert "L.circleMarker(" not in inline_script(body)  # an open survey's first results are for the roles
    _response, body = get_map(as_role("viewer"), world)
    script = inline_script(body)
    assert script.count("L.circleMarker(") == 1
    assert "Jany-Jol: 8 people" in script and "Kichi-Too" not in script and "3 people" not in script
    assert "L.control.layers(" in script and "Where people feel unsafe" in script
    make_survey(app, slug, people, status="closed")
    _response, body = get_map(client, world)
    script = inline_script(body)
    assert script.count("L.circleMarker(") == 1 and "Kichi-Too" not in script


def test_page_loads_only_local_files_and_no_jquery_or_bootstrap(app, world, client):
    setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    response, body = get_map(client, world)
    lowered = body.lower()
    for name in ("jquery", "bootstrap", "cdnjs", "cdn.jsdelivr", "unpkg", "awesome", "fontawesome"):
        assert name not in lowered, name
    urls = set(re.findall(r"https?://[^\s\"'<>)\\]+", body))
    assert urls <= {config.TILES_URL, "https://www.openstreetmap.org/copyright"}, urls
    scripts = re.findall(r'<script src="([^"]+)"', body)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', body)
    assert scripts == ["/static/vendor/leaflet/leaflet.js",
                       "/static/vendor/leaflet.markercluster/leaflet.markercluster.js"]
    assert set(styles) == {"/static/css/app.css", "/static/vendor/leaflet/leaflet.css",
                           "/static/vendor/leaflet.markercluster/MarkerCluster.css",
                           "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css"}
    for url in scripts + styles + ["/static/vendor/kyrgyzstan.geojson"]:
        assert client.get(url).status_code == 200, url
    # The list comes first; the map's scripts load after it.
    assert body.index('<table class="log budget map-list">') < body.index('<script src="/static/vendor/leaflet/')
    assert 'fetch("/static/vendor/kyrgyzstan.geojson"' in inline_script(body)


def test_anonymous_visitors_see_only_an_adopted_plan(app, world, client, as_role):
    draft_id, _ids = setup_plan(app, world, status="draft", codes=("livestock_theft", "road_safety"))
    response, body = get_map(client, world)
    assert response.status_code == 404
    assert "There is no adopted plan to show on the map yet." in page_text(response)
    assert "Local crime prevention plan" not in body
    response, body = get_map(as_role("viewer"), world)
    assert response.status_code == 200 and "This version is not adopted yet" in page_text(response)
    _colours, rows = marker_rows(inline_script(body))
    assert all(f"/plans/{draft_id}#measure-" in row[6] for row in rows) and rows  # no budget page for a draft
    assert as_role("outsider").get(f"/m/{world['home']}/map").status_code == 404

    adopted_id, adopted_ids = setup_plan(app, world, status="adopted", codes=("livestock_theft", "road_safety"))
    with app.app_context():  # the draft becomes the newer version of the adopted plan
        draft = db.session.get(Plan, draft_id)
        draft.version, draft.previous_id = 2, adopted_id
        db.session.commit()
    _response, body = get_map(client, world)
    assert set(by_key(marker_rows(inline_script(body))[1])) == set(adopted_ids)
    _response, body = get_map(as_role("coordinator"), world)
    assert set(by_key(marker_rows(inline_script(body))[1])).isdisjoint(adopted_ids)


def test_no_municipality_is_a_plain_404(client):
    assert client.get("/m/no-such-place/map").status_code == 404


def test_the_plan_budget_page_links_to_the_map(app, world, client):
    plan_id, _ids = setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    body = client.get(f"/m/{world['home']}/plans/{plan_id}/budget?lang=en").get_data(as_text=True)
    assert f'href="/m/{world["home"]}/map"' in body


def test_the_stored_boundary_is_drawn_inline_without_its_properties(app, world, client):
    setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    with app.app_context():
        db.session.get(Municipality, world["home_id"]).boundary_geojson = BOUNDARY
        db.session.commit()
    _response, body = get_map(client, world)
    script = inline_script(body)
    assert 'L.geoJSON([{"type":"Polygon","coordinates":[[[77.9,42.3]' in script
    assert "onerror" not in script and '"name"' not in script
    with app.app_context():
        db.session.get(Municipality, world["home_id"]).boundary_geojson = '{"type": "Polygon", "coordinates": "x'
        db.session.commit()
    response, body = get_map(client, world)
    assert response.status_code == 200 and "L.geoJSON([" not in inline_script(body)


# --- tiles and the CSP ------------------------------------------------------------------------------------

def csp_images(response) -> list[str]:
    """Return the sources of the response's CSP img-src."""
    for part in response.headers["Content-Security-Policy"].split(";"):
        words = part.split()
        if words and words[0] == "img-src":
            return words[1:]
    return []


def tiles_app(database_url, url: str):
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-0123456789abcdef",
                       "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": "memory://",
                       "CPPLAN_TILES_URL": url})


def test_tile_servers_join_img_src_only_when_tiles_are_configured(app, world, client):
    setup_plan(app, world, codes=("livestock_theft", "road_safety"))
    response, body = get_map(client, world)
    assert csp_images(response) == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert re.search(r'L\.tileLayer\(\s*"' + re.escape(config.TILES_URL) + '"', body)
    assert '"referrerPolicy": "strict-origin-when-cross-origin"' in body
    assert 'createPane("outline")' in body  # the country outline under the tiles
    for url, expected in (("", []), ("/tiles/{z}/{x}/{y}.png", []),
                          ("https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                           ["https://a.tiles.example.org", "https://b.tiles.example.org",
                            "https://c.tiles.example.org"])):
        other = tiles_app(app.config["SQLALCHEMY_DATABASE_URI"], url)
        try:
            response = other.test_client().get(f"/m/{world['home']}/map?lang=en")
            assert response.status_code == 200
            assert csp_images(response) == ["'self'", "data:", *expected]
            assert ("L.tileLayer(" in response.get_data(as_text=True)) == bool(url)
            assert ('createPane("outline")' in response.get_data(as_text=True)) == bool(url)
        finally:
            with other.app_context():
                db.engine.dispose()


@pytest.mark.parametrize("url", ["https://tiles.example.org/tile.png", "ftp://tiles.example.org/{z}/{x}/{y}.png",
                                 "//tiles.example.org/{z}/{x}/{y}.png", "https://{z}.example.org/{z}/{x}/{y}.png",
                                 "https://ti'les.example.org/{z}/{x}/{y}.png"])
def test_an_unusable_tile_url_stops_the_start(database_url, url):
    with pytest.raises(config.ConfigError, match="CPPLAN_TILES_URL"):
        tiles_app(database_url, url)


# --- the builder ------------------------------------------------------------------------------------------

def build(markers, **kw):
    options = dict(colours=COLOURS, assets=ASSETS, title="Legend", markers_name="Measures")
    options.update(kw)
    return marker_map(markers, **options)


def test_builder_escapes_every_text_and_uses_only_the_given_assets():
    defaults = (list(MarkerCluster.default_js), list(MarkerCluster.default_css), list(folium.Map.default_js))
    parts = build([Marker(42.0, 74.0, D("5"), "a", EVIL, [EVIL], f"/x?a=1&b={EVIL}", EVIL, key=7)],
                  title=EVIL, markers_name=EVIL, circles=[Circle(42.1, 74.1, 9, EVIL)], circles_name=EVIL,
                  notes=[EVIL], colours={"a": ("#123456", EVIL)})
    text = "\n".join([*parts.css, *parts.js, str(parts.html), parts.script])
    for raw in ("</script><img", "<img", "${alert", "`x`"):
        assert raw not in text, raw
    assert "http://" not in text and "https://" not in text
    assert parts.js == [ASSETS.leaflet_js, ASSETS.cluster_js] and parts.css == [ASSETS.leaflet_css, *ASSETS.cluster_css]
    assert (list(MarkerCluster.default_js), list(MarkerCluster.default_css), list(folium.Map.default_js)) == defaults
    assert str(parts.html).count(escape(EVIL)) == 4  # caption, colour label, circles' layer, note
    colours, rows = marker_rows(parts.script)
    assert colours == ["#123456"] and rows[0][4] == escape(EVIL) and rows[0][5] == [escape(EVIL)]
    assert rows[0][6] == escape(f"/x?a=1&b={EVIL}") and rows[0][8] == 7
    assert 'options["key"] = r[8]' in parts.script
    assert "L.markerClusterGroup(" in parts.script and '"maxClusterRadius": 40' in parts.script


def test_builder_without_clustering_tiles_or_markers():
    parts = build([], cluster=False, center=None)
    assert parts.js == [ASSETS.leaflet_js] and "markerClusterGroup" not in parts.script
    assert '"zoom": 6' in parts.script and "fitBounds" not in parts.script and "tileLayer" not in parts.script
    assert "L.control.layers(" not in parts.script  # one layer: nothing to switch
    with pytest.raises(ValueError, match="cluster_js"):
        build([], assets=Assets("/l.js", "/l.css"))
    with pytest.raises(KeyError, match="'c'"):
        build([Marker(42.0, 74.0, 1, "c", "x")])


def test_builder_fits_markers_circles_and_boundary_and_keeps_a_tile_layer():
    parts = build([Marker(42.0, 74.0, 1, "a", "x"), Marker(D("42.2"), D("74.4"), 3, "b", "y")],
                  circles=[Circle(41.9, 74.2, 5, "v")], circles_name="Hotspots", boundary_geojson=BOUNDARY,
                  tiles=Tiles("https://{s}.t.example.org/{z}/{x}/{y}.png", "&copy; Example"))
    assert "[[41.9, 74.0], [42.4, 78.1]]" in parts.script  # south-west and north-east of everything
    assert '"subdomains": "abc"' in parts.script and '"maxZoom": 19' in parts.script
    assert "Hotspots" in str(parts.html) and "L.control.layers(" in parts.script


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_the_fast_money_formatter_writes_what_format_money_writes(app, lang):
    from cpplan.i18n import money_formatter

    formatted = money_formatter(lang)
    for value in ("0", "0.5", "7", "999.99", "1000", "12500.50", "1234567.891", "1234567.895", "99999999999.99",
                  "-5", "-12500.5"):
        assert formatted(D(value)) == format_money(D(value), lang), value
    assert formatted(None) == format_money(None, lang) == "" and formatted(3) == format_money(3, lang)


def test_markercluster_and_jquery_are_vendored_with_licences_and_jquery_is_loaded_by_no_page():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    vendor = root / "static" / "vendor"
    for name in ("leaflet.markercluster/leaflet.markercluster.js", "leaflet.markercluster/MarkerCluster.css",
                 "leaflet.markercluster/MarkerCluster.Default.css", "leaflet.markercluster/LICENSE",
                 "jquery/jquery.min.js", "jquery/LICENSE"):
        assert (vendor / name).is_file(), name
    assert "sourceMappingURL" not in (vendor / "leaflet.markercluster/leaflet.markercluster.js").read_text()
    assert "v3.7.1" in (vendor / "jquery/jquery.min.js").read_text()[:200]
    licences = (vendor / "LICENSES.md").read_text()
    assert "| leaflet.markercluster | 1.5.3 |" in licences and "| jquery | 3.7.1 |" in licences
    for path in [*(root / "templates").rglob("*.html"), *(root / "cpplan").rglob("*.py")]:
        assert "vendor/jquery" not in path.read_text().lower(), path
