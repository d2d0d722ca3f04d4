"""Lighthouse scores (performance, accessibility, best practices) of seven pages in Kyrgyz, on a phone.

Installs Lighthouse (the exact version pinned in benchmarks/lighthouse/package-lock.json) into
benchmarks/lighthouse/node_modules when it is missing, builds the demo database in a temporary directory,
serves it with gunicorn on 127.0.0.1 with no map tiles (CPPLAN_TILES_URL=""), logs in as the coordinator
for the results page (the session cookie goes to Lighthouse with --extra-headers) and runs Lighthouse
--runs times (3) per page with Chromium: mobile form factor, default emulation and simulated throttling.
The median of each category is kept. Writes benchmarks/lighthouse/scores.json (the medians, every run,
the failing audits of each category under 100) and the full reports to benchmarks/results/lighthouse/
(git-ignored).
gunicorn does not compress; --gzip puts a gzip layer in front of the app (level 1, the types
docs/deploy.md's nginx compresses), as deployed but for TLS and HTTP/2, and writes scores-gzip.json instead.

    .venv/bin/python benchmarks/lighthouse.py [--runs 3] [--page NAME ...] [--gzip]

Goals (issue): performance >= 95 (>= 90 on the two map pages), accessibility 100, best practices >= 95.
Exits 1 when a goal is missed (the reasons are printed), 2 when Lighthouse could not score a page.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as harness
import pages as weights

LIGHTHOUSE_DIR = harness.BENCH / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
SCORES = LIGHTHOUSE_DIR / "scores.json"
SCORES_GZIP = LIGHTHOUSE_DIR / "scores-gzip.json"
REPORTS, REPORTS_GZIP = harness.RESULTS / "lighthouse", harness.RESULTS / "lighthouse-gzip"
CHROME_PATH = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-background-networking --disable-component-update " \
               "--no-first-run --disable-sync"
CATEGORIES = ("performance", "accessibility", "best-practices")
GOALS = {"performance": 95, "accessibility": 100, "best-practices": 95}
MAP_PERFORMANCE_GOAL = 90
ATTEMPTS = 3  # a run Lighthouse could not finish (it happens on a busy machine) is tried again
METRICS = ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index")
LANG = "ky"
COORDINATOR = "coordinator@example.org"
SURVEY_MUNICIPALITY, PLAN_MUNICIPALITY = "kyzyl-suu", "uch-korgon"
# What docs/deploy.md's nginx compresses (gzip_types, and text/html always), at its default level 1.
GZIP_TYPES = {"text/html", "text/css", "application/javascript", "text/javascript", "application/json",
              "application/geo+json", "image/svg+xml"}
# (name, path, who looks at it, is a map page); {token}, {survey_id} and {plan_id} are found in the demo.
PAGES = [
    ("landing", "/", None, False),
    ("survey form", "/s/{token}", None, False),
    ("results", f"/m/{SURVEY_MUNICIPALITY}/results/{{survey_id}}", COORDINATOR, False),
    ("plan", f"/plan/{PLAN_MUNICIPALITY}", None, False),
    ("budget", f"/m/{PLAN_MUNICIPALITY}/plans/{{plan_id}}/budget", None, False),
    ("measures map", f"/m/{PLAN_MUNICIPALITY}/map", None, True),
    ("overview", "/overview", None, True),
]


def gzip_app(environ, start_response):
    """Serve wsgi:app with gzip on GZIP_TYPES when the client accepts it (gunicorn "lighthouse:gzip_app", --gzip)."""
    if str(harness.ROOT) not in sys.path:  # gunicorn runs this from benchmarks/
        sys.path.insert(0, str(harness.ROOT))
    from wsgi import app

    answer = {}

    def keep(status, headers, exc_info=None):
        answer.update(status=status, headers=headers)
        return lambda data: None

    chunks = app(environ, keep)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    headers = answer["headers"]
    kind = next((v for k, v in headers if k.lower() == "content-type"), "").split(";")[0].strip().lower()
    if body and kind in GZIP_TYPES and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
        body = gzip.compress(body, 1)
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-encoding")]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body))), ("Vary", "Accept-Encoding")]
    start_response(answer["status"], headers)
    return [body]


def install_lighthouse() -> None:
    """Install the pinned Lighthouse with npm when node_modules lacks it."""
    if LIGHTHOUSE.exists():
        return
    lock = (LIGHTHOUSE_DIR / "package-lock.json").exists()
    command = ["npm", "ci" if lock else "install", "--no-audit", "--no-fund"]
    print(f"installing Lighthouse: {' '.join(command)} (in {LIGHTHOUSE_DIR.relative_to(harness.ROOT)})", flush=True)
    try:
        subprocess.run(command, cwd=LIGHTHOUSE_DIR, check=True, timeout=600)
    except FileNotFoundError as exc:
        raise SystemExit("npm not found: Lighthouse 12 needs Node.js 18.16 or later with npm") from exc


def lighthouse_version() -> str:
    """Return the installed Lighthouse's version."""
    out = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def chromium_version() -> str:
    """Return what `chromium --version` prints (Debian's wrapper script may add noise on stderr)."""
    try:
        out = subprocess.run([CHROME_PATH, "--version"], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise SystemExit(f"Chromium not found at {CHROME_PATH} (apt-get install -y chromium): {exc}") from exc
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "unknown"


class Client(weights.Browser):
    """pages.py's small HTTP client (cookies, no redirects), reading gzip-compressed bodies too (--gzip)."""

    def request(self, method: str, path: str, form: dict | None = None) -> dict:
        got = super().request(method, path, form)
        if got["content_encoding"] == "gzip":
            got["body"] = gzip.decompress(got["body"])
        return got


def demo_paths(port: int, password: str) -> tuple[dict[str, str], str]:
    """Return the values of the page paths' placeholders and the coordinator's session cookie."""
    anonymous = Client(port)
    token, _questionnaire = weights.open_survey(anonymous)
    public = anonymous.request("GET", f"/plan/{PLAN_MUNICIPALITY}?lang=en")
    found = re.search(rf"/m/{PLAN_MUNICIPALITY}/plans/(\d+)/budget", public["body"].decode("utf-8", "replace"))
    if public["status"] != 200 or not found:
        raise RuntimeError(f"/plan/{PLAN_MUNICIPALITY}: status {public['status']}, no link to the budget")
    coordinator = Client(port)
    coordinator.log_in(COORDINATOR, password)  # GET /login, its csrf_token, POST /login; keeps the cookie
    values = {"token": token, "survey_id": weights.survey_id(coordinator), "plan_id": found.group(1)}
    cookie = "; ".join(f"{name}={value}" for name, value in coordinator.cookies.items())
    return values, cookie


def run_lighthouse(url: str, out: Path, headers: Path | None, timeout: float) -> dict:
    """Run Lighthouse once on url; return its report (the JSON is also left in out)."""
    command = [str(LIGHTHOUSE), url, "--form-factor=mobile", f"--only-categories={','.join(CATEGORIES)}",
               f"--chrome-flags={CHROME_FLAGS}", "--output=json", f"--output-path={out}", "--quiet"]
    if headers is not None:
        command.append(f"--extra-headers={headers}")  # a file: the cookie stays off the command line
    env = {**os.environ, "CHROME_PATH": CHROME_PATH}
    out.unlink(missing_ok=True)  # a report left by an earlier run must not pass for this one
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # Lighthouse and the Chromium it started: the group we created
        proc.communicate(timeout=10)
        raise RuntimeError(f"Lighthouse on {url} took more than {timeout:.0f} s") from None
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"Lighthouse on {url} failed ({proc.returncode}): {err.decode(errors='replace')[-1500:]}")
    return json.loads(out.read_text())


def score(report: dict, category: str) -> int | None:
    """Return the category's score out of 100 (None when Lighthouse could not compute it)."""
    value = report["categories"][category]["score"]
    return None if value is None else round(value * 100)


def failing_audits(reports: list[dict], category: str) -> list[dict]:
    """Return the category's audits that scored under 1 in at least one run: id, title, runs, scores, values."""
    found: dict[str, dict] = {}
    for report in reports:
        for ref in report["categories"][category]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if audit["scoreDisplayMode"] in ("notApplicable", "informative", "manual") or audit["score"] is None:
                continue
            if audit["score"] >= 1:
                continue
            entry = found.setdefault(ref["id"], {"id": ref["id"], "title": audit["title"], "weight": ref["weight"],
                                                 "runs": 0, "scores": [], "display": []})
            entry["runs"] += 1
            entry["scores"].append(audit["score"])
            if audit.get("displayValue"):
                entry["display"].append(audit["displayValue"])
            if "nodes" not in entry:  # the elements at fault (accessibility, best practices), from the first run
                items = (audit.get("details") or {}).get("items")
                items = items if isinstance(items, list) else []  # a checklist's items are a dict
                nodes = [{"label": it["node"].get("nodeLabel", ""), "selector": it["node"].get("selector", ""),
                          "explanation": it["node"].get("explanation", "").replace("\n", " ")[:300]}
                         for it in items[:10] if isinstance(it, dict) and isinstance(it.get("node"), dict)]
                if nodes:
                    entry["nodes"] = nodes
    return sorted(found.values(), key=lambda e: (-e["weight"], -e["runs"], e["id"]))


def goals_for(is_map: bool) -> dict[str, int]:
    """Return the goal of each category for a page (map pages need less performance)."""
    return {**GOALS, "performance": MAP_PERFORMANCE_GOAL} if is_map else dict(GOALS)


def measure(name: str, origin: str, path: str, is_map: bool, headers: Path | None, runs: int,
            timeout: float, reports_dir: Path) -> dict:
    """Run Lighthouse runs times on one page (reports in reports_dir); return its row for scores.json."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    reports, loads, seconds, failures = [], [], [], []
    slug = re.sub(r"[^a-z0-9]+", "-", name)
    url = origin + path
    for run in range(runs):
        loads.append(round(os.getloadavg()[0], 2))
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                reports.append(run_lighthouse(url, reports_dir / f"{slug}-{run + 1}.json", headers, timeout))
                break
            except RuntimeError as problem:  # e.g. NO_NAVSTART: Chromium's trace lost on a busy machine
                failures.append(str(problem).splitlines()[0][:300])
                print(f"  {name} run {run + 1}: attempt {attempt} failed: {failures[-1]}", flush=True)
                if attempt == ATTEMPTS:
                    raise
        seconds.append(round(time.monotonic() - started, 1))
        got = ", ".join(f"{c} {score(reports[-1], c)}" for c in CATEGORIES)
        print(f"  {name} run {run + 1}/{runs}: {got} ({seconds[-1]} s, load {loads[-1]})", flush=True)
    row = {"page": name, "path": path, "url": url, "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
           "goals": goals_for(is_map), "load_average_1min": loads,
           "seconds": seconds, "categories": {}}
    for category in CATEGORIES:
        scores = [score(r, category) for r in reports]
        median = None if None in scores else int(statistics.median(scores))
        entry = {"median": median, "runs": scores}
        if median is None or median < 100:
            entry["failing_audits"] = failing_audits(reports, category)
        row["categories"][category] = entry
    row["metrics_median"] = {m: statistics.median(r["audits"][m]["numericValue"] for r in reports)
                             for m in METRICS if all("numericValue" in r["audits"].get(m, {}) for r in reports)}
    first = reports[0]
    row["failed_attempts"] = failures
    row["run_warnings"] = sorted({w for r in reports for w in r.get("runWarnings", [])})
    row["benchmark_index"] = [r["environment"].get("benchmarkIndex") for r in reports]
    row["final_url"] = first.get("finalDisplayedUrl") or first.get("finalUrl")
    if row["final_url"] != url:  # e.g. sent to the login page: the scores would be another page's
        raise RuntimeError(f"{name}: Lighthouse ended on {row['final_url']}, not {url}")
    return row


def misses(row: dict) -> list[str]:
    """Return why the page misses its goals ([] when it meets them)."""
    reasons = []
    for category, goal in row["goals"].items():
        entry = row["categories"][category]
        if entry["median"] is None or entry["median"] < goal:
            # the weighted audits, and the others that failed in most runs
            audits = ", ".join(a["id"] for a in entry.get("failing_audits", [])
                               if a["weight"] or 2 * a["runs"] > len(entry["runs"]))
            reasons.append(f"{row['page']}: {category} {entry['median']} < {goal} (failing: {audits or 'none listed'})")
    return reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median is kept")
    parser.add_argument("--page", action="append", choices=[p[0] for p in PAGES], help="only this page (repeatable)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds allowed for one Lighthouse run")
    parser.add_argument("--gzip", action="store_true", help="compress as docs/deploy.md's nginx does")
    args = parser.parse_args()
    started = time.monotonic()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    install_lighthouse()
    versions = {"lighthouse": lighthouse_version(), "chromium": chromium_version()}
    chosen = [p for p in PAGES if not args.page or p[0] in args.page]
    load_before = [round(x, 2) for x in os.getloadavg()]
    print(f"Lighthouse {versions['lighthouse']}, {versions['chromium']}, {args.runs} runs per page, "
          f"load average {load_before}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cpplan-lighthouse-") as tmp_name:
        tmp = Path(tmp_name)
        env, password = harness.demo_database(tmp)
        # Demo mode as scripts/demo.sh serves it, two workers, each counting its own rate limits (memory://);
        # no tiles, so that no request leaves 127.0.0.1 (the map pages show their markers on a blank ground).
        env.update(CPPLAN_DEMO="1", CPPLAN_RATELIMIT_STORAGE_URI="memory://", CPPLAN_TILES_URL="")
        app, chdir = ("lighthouse:gzip_app", harness.BENCH) if args.gzip else ("wsgi:app", harness.ROOT)
        with harness.gunicorn(app, env=env, log=tmp / "gunicorn.log", workers=2, chdir=chdir) as server:
            values, cookie = demo_paths(server.port, password)
            headers = tmp / "headers.json"
            headers.write_text(json.dumps({"Cookie": cookie}))
            headers.chmod(0o600)
            for name, template, who, is_map in chosen:
                origin, path = f"http://{harness.HOST}:{server.port}", f"{template.format(**values)}?lang={LANG}"
                rows.append(measure(name, origin, path, is_map, headers if who else None, args.runs, args.timeout,
                                    REPORTS_GZIP if args.gzip else REPORTS))
    load_after = [round(x, 2) for x in os.getloadavg()]
    payload = {"date": when, "lighthouse": versions["lighthouse"], "chromium": versions["chromium"],
               "settings": {"form_factor": "mobile", "throttling": "simulated (Lighthouse default: slow 4G, 4x CPU)",
                            "chrome_flags": CHROME_FLAGS, "language": LANG, "runs": args.runs,
                            "tiles": "none (CPPLAN_TILES_URL='')", "server": f"gunicorn {app}, 2 sync workers",
                            "compression": "gzip level 1 (--gzip)" if args.gzip else "none (gunicorn)"},
               "machine": harness.machine(), "load_average_before": load_before, "load_average_after": load_after,
               "seconds": round(time.monotonic() - started), "pages": rows}
    scores_file = SCORES_GZIP if args.gzip else SCORES
    if args.page and scores_file.exists():  # a partial run updates its pages and keeps the others
        kept = json.loads(scores_file.read_text())
        payload["partial_run"] = {"pages": args.page, "date": when}
        payload.update({k: kept[k] for k in ("date", "load_average_before", "load_average_after", "seconds")
                        if k in kept})  # the full run's; each page keeps its own date
        kept_rows = {r["page"]: r for r in kept.get("pages", [])}
        kept_rows.update({r["page"]: r for r in rows})
        payload["pages"] = [kept_rows[p[0]] for p in PAGES if p[0] in kept_rows]
    scores_file.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")

    print(f"\n{'page':14} {'performance':>12} {'accessibility':>14} {'best practices':>15}  path")
    for row in rows:
        cells = []
        for category, width in zip(CATEGORIES, (12, 14, 15)):
            entry, goal = row["categories"][category], row["goals"][category]
            mark = "" if entry["median"] is not None and entry["median"] >= goal else " !"
            cells.append(f"{str(entry['median']) + mark:>{width}}")
        print(f"{row['page']:14} {' '.join(cells)}  {row['path']}")
    print(f"load average before {load_before}, after {load_after}; "
          f"wrote {scores_file.relative_to(harness.ROOT)} in {time.monotonic() - started:.0f} s")
    if any(e["median"] is None for r in rows for e in r["categories"].values()):
        print(f"Lighthouse could not score a page: see {REPORTS.relative_to(harness.ROOT)}*/", file=sys.stderr)
        return 2
    reasons = [reason for row in rows for reason in misses(row)]
    for reason in reasons:
        print(f"goal missed: {reason}", file=sys.stderr)
    return 1 if reasons else 0


if __name__ == "__main__":
    sys.exit(main())
