"""Page weight: bytes a phone downloads for each page (HTML + its assets), gzip-compressed.

Builds the demo database in a temporary directory (plus a draft plan in Talas from
tests/plan_factory.py, for the measure form), serves the app (wsgi:app) with gunicorn on
127.0.0.1, logs in as the demo users and fetches each page in ky, ru and en together with every
asset it makes the browser load. Prints a table, writes benchmarks/results/pages.json and exits
with 1 when a page weighs more than the budget (30 KiB) or makes any third-party request.

    .venv/bin/python benchmarks/pages.py [--budget-kib 30]
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # plan_factory: the shared plan builder
import _harness as harness

LANGS = ("ky", "ru", "en")
ANON, COORDINATOR, ADMIN = "anonymous", "coordinator@example.org", "admin@example.org"
# (path, who looks at it, expected status)
PAGES = [
    ("/", ANON, 200),
    ("/login", ANON, 200),
    ("/my", COORDINATOR, 200),
    ("/m/kyzyl-suu", COORDINATOR, 200),
    ("/m/kyzyl-suu/group", COORDINATOR, 200),
    ("/m/kyzyl-suu/members", COORDINATOR, 200),
    ("/account", COORDINATOR, 200),
    ("/account/password", COORDINATOR, 200),
    ("/admin/", ADMIN, 200),
    ("/admin/municipalities", ADMIN, 200),
    ("/admin/municipalities/kyzyl-suu", ADMIN, 200),
    ("/admin/users", ADMIN, 200),
    ("/admin/users/1", ADMIN, 200),
    ("/admin/users/new", ADMIN, 200),
    ("/admin/municipalities/new", ADMIN, 200),
    ("/no-such-page", ANON, 404),
    ("/m/kyzyl-suu/surveys", COORDINATOR, 200),
    ("/m/kyzyl-suu/surveys/{survey_id}", COORDINATOR, 200),  # the demo's open survey, found on the index page
    ("/m/kyzyl-suu/results/{survey_id}", COORDINATOR, 200),
    ("/m/kyzyl-suu/results/{survey_id}?split=area", COORDINATOR, 200),  # the widest tables
    ("/m/kyzyl-suu/results/{survey_id}/map", COORDINATOR, 200),
    ("/m/kyzyl-suu/priorities", COORDINATOR, 200),
    ("/m/kyzyl-suu/priorities/assessment", COORDINATOR, 200),
    ("/m/kyzyl-suu/meetings", COORDINATOR, 200),
    ("/m/kyzyl-suu/meetings/1", COORDINATOR, 200),  # the demo's meeting with its closed vote
    # The demo's adopted plan of Uch-Korgon (plan 1): public page, printable plan and brief, the plan page, its log.
    ("/plan/uch-korgon", ANON, 200),
    ("/m/uch-korgon/plans/1/document", ANON, 200),
    ("/m/uch-korgon/plans/1/brief", ANON, 200),
    ("/m/uch-korgon/plans/1", ADMIN, 200),
    ("/m/uch-korgon/plans/1/log", ADMIN, 200),
    ("/review", ADMIN, 200),
    ("/overview", ANON, 200),
]
# The measure form, on a draft plan added to Talas (the demo has none there; Kyzyl-Suu's pages stay as they are),
# fetched by the site admin, who may edit every municipality's plan.
PLAN_MUNICIPALITY = "talas"
MEASURE_FORM = f"/m/{PLAN_MUNICIPALITY}/plans/{{plan_id}}/issues/{{issue_id}}/measures/new"
PAGES.append((MEASURE_FORM, ADMIN, 200))
MAP_OPENED = " + map"
# The hotspot map loads Leaflet (about 42 KiB gzip, then cached for a week): its own budget. Its
# script also fetches the country outline, which the HTML parser cannot see.
# The measure form loads Leaflet only when "Pick on the map" is pressed: measured as loaded (the usual
# budget) and once more with what the button loads (MAP_OPENED row, the map's budget).
PAGE_BUDGETS_KIB = {"/m/kyzyl-suu/results/{survey_id}/map": 64, "/overview": 64, MEASURE_FORM: 30, MEASURE_FORM + MAP_OPENED: 64}
SCRIPT_FETCHES = {"/m/kyzyl-suu/results/{survey_id}/map": ["/static/vendor/kyrgyzstan.geojson"],
                  "/overview": ["/static/vendor/kyrgyzstan.geojson"]}
ON_REQUEST = {MEASURE_FORM: ["/static/vendor/leaflet/leaflet.css", "/static/vendor/leaflet/leaflet.js",
                             "/static/vendor/kyrgyzstan.geojson"]}
SURVEY_MUNICIPALITY = "kyzyl-suu"
# A point inside Kyzyl-Suu (Issyk-Kul region) for the optional map question.
DEMO_POINT = {"lat": "42.34", "lon": "77.99"}
# What the front server compresses: the README's deployment has nginx gzip text/html, text/css,
# JavaScript and GeoJSON (nginx's gzip_types); everything else (SVG, images) is counted as sent.
# Add a type here when the deployment guide adds it to gzip_types.
COMPRESSIBLE = ("text/html", "text/css", "text/javascript", "application/javascript", "application/geo+json")
# <link rel=...> values that make the browser fetch (or connect to) the href.
FETCHING_RELS = {"stylesheet", "icon", "apple-touch-icon", "mask-icon", "manifest", "preload",
                 "modulepreload", "prefetch", "preconnect", "dns-prefetch"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class AssetParser(HTMLParser):
    """Collect what a page makes the browser load, its links elsewhere and its hidden inputs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[tuple[str, str]] = []   # (kind, url)
        self.links: list[str] = []               # <a href>, <form action>: not loaded by themselves
        self.inputs: dict[str, str] = {}
        self.hidden: list[tuple[str, str]] = []  # <input type=hidden>, in order, repeated names kept
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if a.get("style"):
            self.loads += [("css-url", u) for u in _css_urls(a["style"])]
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & FETCHING_RELS and a.get("href"):
                self.loads.append(("link:" + " ".join(sorted(rels & FETCHING_RELS)), a["href"]))
        elif tag in ("script", "img", "iframe", "embed", "audio", "video", "source", "track") and a.get("src"):
            self.loads.append((tag, a["src"]))
        elif tag == "input" and a.get("type", "").lower() == "image" and a.get("src"):
            self.loads.append(("input", a["src"]))
        elif tag == "object" and a.get("data"):
            self.loads.append(("object", a["data"]))
        if a.get("srcset"):
            self.loads += [(tag + ":srcset", part.split()[0]) for part in a["srcset"].split(",") if part.strip()]
        if tag == "video" and a.get("poster"):
            self.loads.append(("video:poster", a["poster"]))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form" and a.get("action"):
            self.links.append(a["action"])
        if tag == "input" and a.get("name"):
            self.inputs[a["name"]] = a.get("value", "")
            if a.get("type", "").lower() == "hidden":
                self.hidden.append((a["name"], a.get("value", "")))
        if tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.loads += [("css-url", u) for u in _css_urls(data)]


def _css_urls(css: str) -> list[str]:
    return [u or i for u, i in CSS_URL.findall(css) if not (u or i).startswith(("data:", "#"))]


def gzip_size(body: bytes, content_type: str, content_encoding: str) -> tuple[int, bool]:
    """Return (bytes on the wire with gzip on, whether we compressed it ourselves)."""
    if content_encoding:  # the server compressed it already: count what it sent
        return len(body), False
    if content_type.startswith(COMPRESSIBLE) and body:
        return len(gzip.compress(body, 6)), True
    return len(body), False


class Browser:
    """A tiny HTTP/1.1 client for one host: cookies, Accept-Encoding: gzip, no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://{harness.HOST}:{port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> dict:
        headers = {"Accept-Encoding": "gzip", "Accept": "*/*", "User-Agent": "cpplan-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.origin + path
        conn = http.client.HTTPConnection(harness.HOST, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            header_bytes = len(f"HTTP/1.1 {resp.status} {resp.reason}\r\n") + sum(
                len(f"{k}: {v}\r\n") for k, v in resp.getheaders()) + 2
            for line in resp.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(line)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return {"status": resp.status, "body": raw, "header_bytes": header_bytes,
                    "content_type": resp.getheader("Content-Type", "").split(";")[0].strip().lower(),
                    "content_encoding": resp.getheader("Content-Encoding", "").strip().lower(),
                    "location": resp.getheader("Location", "")}
        finally:
            conn.close()

    def log_in(self, email: str, password: str) -> None:
        page = self.request("GET", "/login?lang=en")
        parser = AssetParser()
        parser.feed(page["body"].decode("utf-8", "replace"))
        token = parser.inputs.get("csrf_token")
        if page["status"] != 200 or not token:
            raise RuntimeError(f"/login: status {page['status']}, csrf_token {'found' if token else 'missing'}")
        done = self.request("POST", "/login", {"csrf_token": token, "email": email, "password": password})
        if done["status"] not in (302, 303):
            raise RuntimeError(f"logging in as {email} failed: status {done['status']}")


def measure_page(browser: Browser, path: str, lang: str, expected: int, form: dict | list | None = None,
                 label: str | None = None, fetched: list[str] = ()) -> dict:
    """Fetch the page and every asset it loads; return its weight and outside requests.

    With form, the page is the answer to POSTing the form to path (the language then comes from
    the session, as for a browser that chose it on an earlier page); label names it in the results.
    """
    if form is None:
        page = browser.request("GET", f"{path}{'&' if '?' in path else '?'}lang={lang}")
    else:
        page = browser.request("POST", path, form)
    html = page["body"].decode("utf-8", "replace") if not page["content_encoding"] else gzip.decompress(
        page["body"]).decode("utf-8", "replace")
    html_gz, compressed_by_us = gzip_size(page["body"], page["content_type"], page["content_encoding"])
    problems = []
    if page["status"] != expected:
        problems.append(f"status {page['status']} (expected {expected}){' -> ' + page['location'] if page['location'] else ''}")
    shown = re.search(r'<html[^>]*\slang="([^"]*)"', html)
    if not shown or shown.group(1) != lang:
        problems.append(f"rendered in {shown.group(1) if shown else 'no <html lang>'} instead of {lang}")
    parser = AssetParser()
    parser.feed(html)
    base = browser.origin + path
    assets, third_party, seen = [], [], set()
    queue = list(parser.loads) + [("script-fetch", ref) for ref in fetched]
    while queue:
        kind, ref = queue.pop(0)
        absolute = urljoin(base, ref)
        parts = urlsplit(absolute)
        if parts.scheme in ("data", "blob", "about", "javascript"):
            continue
        if parts.netloc != urlsplit(browser.origin).netloc:
            third_party.append({"kind": kind, "url": absolute})
            continue
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if kind.startswith("link:") and kind.split(":", 1)[1] in ("preconnect", "dns-prefetch"):
            continue
        if target in seen:
            continue
        seen.add(target)
        got = browser.request("GET", target)
        size, ours = gzip_size(got["body"], got["content_type"], got["content_encoding"])
        compressed_by_us = compressed_by_us or ours
        if got["status"] != 200:
            problems.append(f"asset {target}: status {got['status']}")
        assets.append({"url": target, "kind": kind, "status": got["status"], "content_type": got["content_type"],
                       "raw_bytes": len(got["body"]), "gzip_bytes": size, "header_bytes": got["header_bytes"]})
        if got["content_type"] == "text/css":
            base_css = browser.origin + parts.path
            queue += [("css-url", urljoin(base_css, u)) for u in _css_urls(got["body"].decode("utf-8", "replace"))]
    external_links = sorted({urljoin(base, h) for h in parser.links
                             if urlsplit(urljoin(base, h)).netloc not in ("", urlsplit(browser.origin).netloc)
                             and urlsplit(urljoin(base, h)).scheme in ("http", "https")})
    total = html_gz + sum(a["gzip_bytes"] for a in assets)
    return {"path": label or path, "lang": lang, "status": page["status"], "html_raw_bytes": len(page["body"]),
            "html_gzip_bytes": html_gz, "html_header_bytes": page["header_bytes"],
            "assets": assets, "assets_gzip_bytes": sum(a["gzip_bytes"] for a in assets),
            "total_gzip_bytes": total, "third_party_requests": third_party,
            "external_links": external_links, "compressed_by_benchmark": compressed_by_us,
            "problems": problems, "_hidden": parser.hidden}


def open_survey(browser: Browser) -> tuple[str, dict]:
    """Return the token and questionnaire of the demo municipality's open survey (through the API)."""
    listing = browser.request("GET", f"/api/v1/municipalities/{SURVEY_MUNICIPALITY}/surveys")
    surveys = json.loads(listing["body"]).get("surveys") or [] if listing["status"] == 200 else []
    if not surveys:
        raise RuntimeError(f"no open survey in {SURVEY_MUNICIPALITY} (status {listing['status']})")
    token = surveys[0]["token"]
    got = browser.request("GET", f"/api/v1/surveys/{token}")
    if got["status"] != 200:
        raise RuntimeError(f"/api/v1/surveys/{token}: status {got['status']}")
    return token, json.loads(got["body"])


def page_answers(questions: list[dict], page: int) -> list[tuple[str, str]]:
    """Return the form fields a respondent fills in on one page: every question answered.

    Every issue is rated, several options are ticked and the text is long, so each page is as
    heavy as the form makes it (the answers travel on in hidden fields to the later pages).
    """
    fields = []
    for q in questions:
        if q["page"] != page:
            continue
        name, codes = f"a.{q['code']}", [o["code"] for o in q["options"]]
        if q["code"] == "consent":
            fields.append((name, "yes"))
        elif q["kind"] in ("single", "area") and codes:
            fields.append((name, codes[-1]))
        elif q["kind"] == "multiple" and codes:
            fields += [(name, c) for c in codes[:3] if c != "none"]
        elif q["kind"] == "scale":
            fields.append((name, "2"))
        elif q["kind"] == "number":
            fields.append((name, str(q["min"] if q["min"] is not None else 1)))
        elif q["kind"] == "issue_rating":
            fields += [(f"{name}.{c}", str(1 + i % 5)) for i, c in enumerate(codes)]
        elif q["kind"] == "location":
            fields += [(f"{name}.{axis}", value) for axis, value in DEMO_POINT.items()]
        elif q["kind"] == "text":
            fields.append((name, "More street lights near the school, and a patrol in the evening. " * 4))
    return fields


def survey_flow(port: int, lang: str) -> list[dict]:
    """Answer the public form as a new visitor in lang, measuring each page; return the rows.

    GET /s/<token>?lang=.. (consent), then POST each page as the browser would (its hidden fields,
    including the csrf_token and the answers so far, plus this page's answers and the Next button)
    and measure the page that comes back; Send on the last page must redirect to the thank-you
    page, which is measured too. Nothing is mocked: the response is stored like any other.
    """
    browser = Browser(port)
    token, questionnaire = open_survey(browser)
    questions = questionnaire["questions"]
    pages = sorted({q["page"] for q in questions})
    form_path = f"/s/{token}"
    rows = [measure_page(browser, form_path, lang, 200, label="/s/<token> p.1 consent (GET)")]
    for index, _number in enumerate(pages, start=1):
        current = rows[-1]
        if current["status"] != 200:
            break  # the problem is recorded on the row
        fields = [(k, v) for k, v in current["_hidden"] if k != "page"] + [("page", str(index))]
        fields += page_answers(questions, _number)
        if index < len(pages):
            rows.append(measure_page(browser, form_path, lang, 200, form=fields + [("go", "next")],
                                     label=f"/s/<token> p.{index + 1} (POST)"))
        else:
            sent = browser.request("POST", form_path, fields + [("go", "send")])
            if sent["status"] not in (302, 303) or not sent["location"].split("?")[0].endswith(f"/s/{token}/thanks"):
                current["problems"].append(f"Send answered {sent['status']} -> {sent['location'] or 'no redirect'}")
            rows.append(measure_page(browser, f"/s/{token}/thanks", lang, 200, label="/s/<token>/thanks"))
    for row in rows:
        row["as"] = ANON
    return rows


def survey_id(browser: Browser) -> str:
    """Return the id of the first survey listed on the municipality's survey index page."""
    page = browser.request("GET", f"/m/{SURVEY_MUNICIPALITY}/surveys?lang=en")
    found = re.search(rf'/m/{SURVEY_MUNICIPALITY}/surveys/(\d+)', page["body"].decode("utf-8", "replace"))
    if page["status"] != 200 or not found:
        raise RuntimeError(f"/m/{SURVEY_MUNICIPALITY}/surveys: status {page['status']}, no survey link")
    return found.group(1)


def add_plan(env: dict[str, str]) -> dict[str, int]:
    """Add a draft plan to PLAN_MUNICIPALITY's demo database; return the plan's and its first issue's ids."""
    from plan_factory import make_plan

    from cpplan import create_app
    from cpplan.extensions import db
    from cpplan.municipalities.models import Municipality
    from cpplan.plans.models import PlanIssue

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["CPPLAN_DATABASE_URL"], "SECRET_KEY": env["CPPLAN_SECRET_KEY"]})
    with app.app_context():
        municipality = db.session.scalar(db.select(Municipality).filter_by(slug=PLAN_MUNICIPALITY))
        plan_id = make_plan(municipality.id, measures=3)
        issue_id = db.session.scalar(db.select(PlanIssue.id).filter_by(plan_id=plan_id, position=1))
        db.engine.dispose()
    return {"plan_id": plan_id, "issue_id": issue_id}


def kib(n: int) -> str:
    return f"{n / 1024:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget-kib", type=float, default=30.0, help="page budget in KiB (default 30)")
    args = parser.parse_args()
    budget = int(args.budget_kib * 1024)
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")

    with tempfile.TemporaryDirectory(prefix="cpplan-pages-") as tmp_name:
        tmp = Path(tmp_name)
        env, password = harness.demo_database(tmp)
        ids = add_plan(env)
        with harness.gunicorn("wsgi:app", env=env, log=tmp / "gunicorn.log", workers=1,
                              ready_path="/healthz") as server:
            port = server.port
            browsers = {ANON: Browser(port)}
            for email in (COORDINATOR, ADMIN):
                browsers[email] = Browser(port)
                browsers[email].log_in(email, password)
            ids["survey_id"] = survey_id(browsers[COORDINATOR])
            results = []
            for path, who, expected in PAGES:
                variants = [("", SCRIPT_FETCHES.get(path, []))]
                if path in ON_REQUEST:
                    variants.append((MAP_OPENED, SCRIPT_FETCHES.get(path, []) + ON_REQUEST[path]))
                for lang in LANGS:
                    for suffix, fetched in variants:
                        row = measure_page(browsers[who], path.format(**ids), lang, expected,
                                           label=re.sub(r"\{\w+\}", "<id>", path) + suffix, fetched=fetched)
                        row["budget_bytes"] = int(PAGE_BUDGETS_KIB.get(path + suffix, budget / 1024) * 1024)
                        row["as"] = who
                        results.append(row)
            for lang in LANGS:
                results += survey_flow(port, lang)

    by_page: dict[str, dict[str, dict]] = {}
    for row in results:
        by_page.setdefault(row["path"], {})[row["lang"]] = row
    ours = any(r["compressed_by_benchmark"] for r in results)
    print(f"Page weight, gzip level 6, empty cache (HTML + every asset the page loads), KiB; budget {kib(budget)} KiB")
    if ours:
        print("The server sent no Content-Encoding, so HTML and CSS are counted as gzip.compress(body, 6): the size\n"
              "behind nginx with gzip on for " + ", ".join(COMPRESSIBLE) + ", as the README's deployment\n"
              "prescribes; other types (SVG, images) are counted as sent.")
    width = max(34, *(len(path) for path in by_page))
    header = (f"{'page':{width}} {'as':12} {'st':>3} {'ky':>6} {'ru':>6} {'en':>6} {'html':>6} {'raw':>6}"
              f" {'assets':>10} {'3rd':>4}")
    print(header)
    print("-" * len(header))
    for path, langs in by_page.items():
        first = next(iter(langs.values()))
        worst = max(langs.values(), key=lambda r: r["total_gzip_bytes"])
        who = first["as"].split("@")[0]
        print(f"{path:{width}} {who:12} {first['status']:>3} "
              + " ".join(f"{kib(langs[l]['total_gzip_bytes']) if l in langs else '-':>6}" for l in LANGS)
              + f" {kib(worst['html_gzip_bytes']):>6} {kib(worst['html_raw_bytes']):>6}"
              + f" {kib(worst['assets_gzip_bytes']):>5} ({len(worst['assets'])})"
              + f" {max(len(r['third_party_requests']) for r in langs.values()):>4}")
    print("-" * len(header))
    print("ky/ru/en: total per language; html: the page itself (gzip); raw: the page uncompressed;"
          " assets: gzip KiB (count); 3rd: third-party requests")

    heaviest = max(results, key=lambda r: r["total_gzip_bytes"])
    per_lang = {}
    for lang in LANGS:
        top = max((r for r in results if r["lang"] == lang), key=lambda r: r["total_gzip_bytes"])
        per_lang[lang] = {"max_total_gzip_bytes": top["total_gzip_bytes"], "page": top["path"]}
        print(f"heaviest in {lang}: {top['path']} {kib(top['total_gzip_bytes'])} KiB")
    third = sum(len(r["third_party_requests"]) for r in results)
    links = sorted({u for r in results for u in r["external_links"]})
    headers = max(r["html_header_bytes"] for r in results)
    print(f"third-party requests: {third}; links to other sites (not loaded): {len(links)}; "
          f"largest HTML response header block: {headers} bytes (not counted above)")

    failures = []
    for r in results:
        where = f"{r['path']}?lang={r['lang']}"
        if r["total_gzip_bytes"] > r.get("budget_bytes", budget):
            failures.append(f"{where}: {r['total_gzip_bytes']} bytes > budget {r.get('budget_bytes', budget)}")
        for t in r["third_party_requests"]:
            failures.append(f"{where}: third-party request {t['kind']} {t['url']}")
        failures += [f"{where}: {p}" for p in r["problems"]]

    harness.write_results(
        "pages", when, started,
        budget_bytes=budget,
        compression=("gzip.compress(body, 6) computed by the benchmark for " + ", ".join(COMPRESSIBLE)
                     + " (server sent uncompressed; nginx gzip in front, as the README prescribes); other types as sent"
                     if ours else "as sent by the server"),
        summary={"max_total_gzip_bytes": heaviest["total_gzip_bytes"],
                 "max_page": f"{heaviest['path']}?lang={heaviest['lang']}",
                 "per_language": per_lang, "third_party_requests": third,
                 "external_links": links, "max_html_header_bytes": headers,
                 "failures": failures, "seconds": round(time.monotonic() - started, 1)},
        pages=[{k: v for k, v in r.items() if not k.startswith("_")} for r in results],
    )
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print(f"OK: every page is within {kib(budget)} KiB (the map "
          f"{', '.join(f'{p}: {b} KiB' for p, b in PAGE_BUDGETS_KIB.items())}) and makes no third-party request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
