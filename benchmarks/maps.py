"""The map of a plan's measures (/m/<slug>/map): build time, page weight and third-party requests.

(1) Build: in a fresh SQLite database (temporary directory), an adopted plan of N library measures
    (tests/plan_factory.make_plan; default 1,000) in one municipality, each placed in one of its five
    villages, with an allocation and a payment. Timed, median of --repeat (5) after one warm-up, inside a
    request context: the builder alone (cpplan.maps.marker_map over N ready Markers), the route's data and
    map (plan, budget roll-up, rows, hotspots, markers, map), and the whole page through the test client.
(2) Weight: the demo database served by gunicorn (wsgi:app) on 127.0.0.1; the page of Uch-Korgon's adopted
    plan (its measures placed in its villages) fetched as an anonymous visitor in ky, ru and en with every
    asset it loads (benchmarks/pages.py's measure_page: HTML, CSS, JS and GeoJSON counted as gzip level 6)
    on a first visit, and on a later one with the static files cached (7 days): the HTML alone. The same for
    a plan of N measures added to Talas.
(3) Third-party requests: those the HTML makes (pages.py's parser), plus every absolute URL in the map's
    script, sorted into the configured tile server and anything else; and, when Chromium and Playwright are
    installed, what a Pixel 5 actually requests (every request off 127.0.0.1 is aborted and counted).

    .venv/bin/python benchmarks/maps.py [--measures 1000] [--repeat 5] [--check]

Goals (issue 6): (1) < 300 ms for 1,000 measures; (2) < 350 KB first load, < 30 KB with assets cached;
(3) 0 third-party requests apart from the tiles. --check exits 1 when one is missed. Writes results/maps.json.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # plan_factory: the shared plan builder
import _harness as harness
import pages

LANGS = pages.LANGS
DEMO_PLAN = "uch-korgon"  # a demo municipality with an adopted plan whose measures sit in its villages
BIG_PLAN = "talas"        # the demo leaves it without a plan (for tests and benchmarks that add one)
GOAL_BUILD_MS = 300
GOAL_FIRST_BYTES = 350_000
GOAL_CACHED_BYTES = 30_000
ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>)\\]+")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def timed(function, repeat: int) -> dict:
    """Return the median, min and max wall time of function() in ms, after one warm-up call."""
    function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return {"median_ms": ms(statistics.median(times)), "min_ms": ms(min(times)), "max_ms": ms(max(times))}


def add_big_plan(app, slug: str, measures: int) -> int:
    """Add an adopted plan of `measures` placed measures with money to the municipality; return its id."""
    from plan_factory import make_plan

    from cpplan.extensions import db
    from cpplan.municipalities.models import Municipality

    with app.app_context():
        municipality = db.session.scalar(db.select(Municipality).filter_by(slug=slug))
        plan_id = make_plan(municipality.id, measures=measures, status="adopted", first_year=2026,
                            codes=("livestock_theft", "road_safety", "school_racketeering", "unsafe_spaces"))
        harness.place_and_fund(plan_id)
        return plan_id


def build_times(measures: int, repeat: int) -> dict:
    """(1) Time the builder, the route's data and map, and the page, for a plan of `measures` measures."""
    from cpplan import create_app, maps
    from cpplan.budget import map_routes, services
    from cpplan.extensions import db
    from cpplan.municipalities.models import Area, Municipality
    from cpplan.surveys import catalogue

    with tempfile.TemporaryDirectory(prefix="cpplan-maps-") as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/maps.sqlite", "SECRET_KEY": "bench" * 8})
        with app.app_context():
            db.create_all()
            catalogue.seed()
            municipality = Municipality(slug="bench", name_ky="Бенч", name_ru="Бенч", name_en="Bench", region="talas",
                                        kind="aiyl_aimak", population=10_000, lat=42.52, lon=72.24)
            municipality.areas.append(Area(kind="village", name_ky="Борбор", name_ru="Центр", name_en="Centre",
                                           lat=42.52, lon=72.24))
            db.session.add(municipality)
            db.session.commit()
        add_big_plan(app, "bench", measures)
        client = app.test_client()
        with app.test_request_context("/m/bench/map?lang=en"):
            municipality = db.session.scalar(db.select(Municipality).filter_by(slug="bench"))
            plan = map_routes.shown_plan(municipality)
            rows = map_routes.measure_rows(municipality, plan, services.plan_rollup(plan))
            ready = map_routes.markers(rows, "Budget of this measure")
            assets = maps.vendored_assets()
            colours = {key: (colour, key) for key, colour in map_routes.STATUS_COLOURS.items()}

            def builder():
                return maps.marker_map(ready, colours=colours, assets=assets, title="Legend", markers_name="Measures",
                                       tiles=maps.configured_tiles(), center=(42.52, 72.24))

            def route_data_and_map():
                db.session.expire_all()  # read the plan again, as a request does
                shown = map_routes.shown_plan(municipality)
                found = map_routes.measure_rows(municipality, shown, services.plan_rollup(shown))
                return map_routes.measure_map(municipality, shown, found, [], assets)

            script = builder().script
            result = {"measures": measures, "placed": len(ready), "script_bytes": len(script.encode()),
                      "builder": timed(builder, repeat), "route_data_and_map": timed(route_data_and_map, repeat)}

        def page():
            response = client.get("/m/bench/map?lang=en")
            assert response.status_code == 200, response.status_code
            return response

        result["page"] = timed(page, repeat)
        result["page_html_bytes"] = len(page().get_data())
        with app.app_context():
            db.engine.dispose()
    return result


def script_urls(html: str) -> list[str]:
    """Return the absolute URLs written in the page's inline scripts (tile templates, links in attributions)."""
    inline = "".join(m.group(2) for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
                     if "src=" not in m.group(1))
    return sorted(set(ABSOLUTE_URL.findall(inline)))


def weight(browser, path: str, tiles_url: str) -> list[dict]:
    """(2) and (3) from the HTML: the page's weight per language, first visit and with the assets cached."""
    rows = []
    for lang in LANGS:
        row = pages.measure_page(browser, path, lang, 200, fetched=["/static/vendor/kyrgyzstan.geojson"])
        html = browser.request("GET", f"{path}?lang={lang}")["body"].decode("utf-8", "replace")
        urls = script_urls(html)
        tiles = [u for u in urls if u == tiles_url]
        # A link in the tiles' attribution is shown, not loaded.
        others = [u for u in urls if u != tiles_url and not u.startswith("https://www.openstreetmap.org/copyright")]
        rows.append({"path": path, "lang": lang, "first_bytes": row["total_gzip_bytes"],
                     "cached_bytes": row["html_gzip_bytes"], "html_raw_bytes": row["html_raw_bytes"],
                     "assets": [(a["url"], a["gzip_bytes"]) for a in row["assets"]],
                     "third_party_from_html": row["third_party_requests"], "tile_templates": tiles,
                     "other_script_urls": others, "problems": row["problems"]})
    return rows


def browser_requests(origin: str, path: str) -> dict | None:
    """(3) What Chromium on a Pixel 5 requests off 127.0.0.1 (aborted, counted by host); None without Chromium."""
    if not Path("/usr/bin/chromium").exists():
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    outside: list[str] = []
    local = urlsplit(origin).netloc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-background-networking"])
        try:
            context = browser.new_context(**playwright.devices["Pixel 5"], locale="en-US")

            def route(request_route):
                url = request_route.request.url
                if urlsplit(url).netloc == local or url.startswith("data:"):
                    request_route.continue_()
                else:
                    outside.append(url)
                    request_route.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.goto(f"{origin}{path}?lang=en")
            page.wait_for_selector(".map .leaflet-marker-icon", timeout=15_000)
            page.wait_for_timeout(1500)
        finally:
            browser.close()
    hosts: dict[str, int] = {}
    for url in outside:
        hosts[urlsplit(url).netloc] = hosts.get(urlsplit(url).netloc, 0) + 1
    return {"requests_off_host": len(outside), "by_host": hosts}


def kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measures", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")

    build = build_times(args.measures, args.repeat)
    print(f"(1) build, {build['measures']} measures ({build['placed']} placed), median of {args.repeat}:")
    for name in ("builder", "route_data_and_map", "page"):
        t = build[name]
        print(f"    {name:20} {t['median_ms']:8.1f} ms  (min {t['min_ms']}, max {t['max_ms']})")
    print(f"    map script {kb(build['script_bytes'])} kB, page HTML {kb(build['page_html_bytes'])} kB (uncompressed)")

    from cpplan import config, create_app
    from cpplan.extensions import db

    with tempfile.TemporaryDirectory(prefix="cpplan-maps-") as tmp_name:
        tmp = Path(tmp_name)
        env, _password = harness.demo_database(tmp)
        env.pop("CPPLAN_TILES_URL", None)  # the default tiles, as deployed
        app = create_app({"SQLALCHEMY_DATABASE_URI": env["CPPLAN_DATABASE_URL"],
                          "SECRET_KEY": env["CPPLAN_SECRET_KEY"]})
        add_big_plan(app, BIG_PLAN, args.measures)
        with app.app_context():
            db.engine.dispose()
        with harness.gunicorn("wsgi:app", env=env, log=tmp / "gunicorn.log", workers=1,
                              ready_path="/healthz") as server:
            browser = pages.Browser(server.port)
            rows = weight(browser, f"/m/{DEMO_PLAN}/map", config.TILES_URL)
            rows += weight(browser, f"/m/{BIG_PLAN}/map", config.TILES_URL)
            real = browser_requests(browser.origin, f"/m/{DEMO_PLAN}/map")

    print("(2) weight, anonymous, gzip level 6 for HTML/CSS/JS/GeoJSON, kB (1000 bytes): first visit / assets cached")
    for row in rows:
        print(f"    {row['path']:22} {row['lang']}  {kb(row['first_bytes']):>6} / {kb(row['cached_bytes']):>5}"
              f"   (HTML raw {kb(row['html_raw_bytes'])}; {len(row['assets'])} assets)")
    assets = rows[0]["assets"]
    print("    assets: " + ", ".join(f"{url.rsplit('/', 1)[-1]} {kb(size)}" for url, size in assets))
    third = sum(len(r["third_party_from_html"]) + len(r["other_script_urls"]) for r in rows)
    print(f"(3) third-party requests from the HTML and scripts: {third}; tile server: "
          f"{sorted({t for r in rows for t in r['tile_templates']})}")
    if real is not None:
        print(f"    Chromium (Pixel 5), {DEMO_PLAN}: {real['requests_off_host']} requests off 127.0.0.1, by host "
              f"{real['by_host']}")

    demo_rows = [r for r in rows if DEMO_PLAN in r["path"]]
    failures = []
    if build["route_data_and_map"]["median_ms"] >= GOAL_BUILD_MS:
        failures.append(f"build {build['route_data_and_map']['median_ms']} ms >= {GOAL_BUILD_MS} ms")
    for r in demo_rows:
        if r["first_bytes"] >= GOAL_FIRST_BYTES:
            failures.append(f"{r['path']} {r['lang']}: first load {r['first_bytes']} B >= {GOAL_FIRST_BYTES}")
        if r["cached_bytes"] >= GOAL_CACHED_BYTES:
            failures.append(f"{r['path']} {r['lang']}: cached {r['cached_bytes']} B >= {GOAL_CACHED_BYTES}")
    if third:
        failures.append(f"{third} third-party requests other than the tiles")
    if real is not None and set(real["by_host"]) - {urlsplit(config.TILES_URL).netloc}:
        failures.append(f"Chromium requested {real['by_host']}")
    failures += [f"{r['path']} {r['lang']}: {p}" for r in rows for p in r["problems"]]

    harness.write_results("maps", when, started, build=build, weight=rows, browser=real,
                          goals={"build_ms": GOAL_BUILD_MS, "first_bytes": GOAL_FIRST_BYTES,
                                 "cached_bytes": GOAL_CACHED_BYTES}, failures=failures)
    if failures:
        print("MISSED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1 if args.check else 0
    print("OK: every goal met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
