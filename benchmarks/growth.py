"""How a plan's pages grow with its size: 10, 100 and 1,000 measures (server time, bytes, SQL queries).

For each size N, a fresh SQLite database (WAL, as the app opens it) in a temporary directory gets what
benchmarks/documents.py builds -- one municipality with the working group of seven, a closed survey of 120
invented respondents and an adopted plan of N library measures over four priority issues
(tests/plan_factory.make_plan) -- and then, as benchmarks/maps.py does (_harness.place_and_fund), five
villages with a point, each measure placed in one of them (those of the sensitive issue stay off the map),
with a status, an allocation and a payment. A coordinator of the municipality is added.

Every figure is server-side, in-process, through Flask's test client (no HTTP server, no network: the time
of the route, its queries, templates and file making), median of --repeat (5) after one warm-up request: the
wall time, and the process's CPU time (time.process_time), which other work on a shared machine disturbs less.
The plan page, the printable plan and the plan's PDF and DOCX are fetched as the coordinator (the documents
then name the working group, as in documents.py); the public plan page, the budget page, the map, the JSON
API and the budget CSV/XLSX as an anonymous visitor. Pages in --lang (ky: the longest texts).

SQL statements are counted per request by a SQLAlchemy `before_cursor_execute` listener on the app's
engine (an executemany counts once); the same count at 10 and 1,000 measures means no query per measure
(no N+1). Sizes: the body as sent (raw), and for HTML, JSON and CSV also gzip level 6 (as nginx would send
them; PDF, DOCX and XLSX are already compressed).

    .venv/bin/python benchmarks/growth.py [--sizes 10,100,1000] [--repeat 5] [--lang ky] [--check]

--check exits 1 when a page's query count grows with the number of measures (by one per ten measures or more;
selectinload's batches of 500 ids add one query per relationship per 500 measures). Writes results/growth.json.
"""
from __future__ import annotations

import argparse
import gzip
import io
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pypdf  # noqa: E402
from sqlalchemy import event  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks import documents  # noqa: E402  (its build(): municipality, working group, survey, plan)
from cpplan import create_app  # noqa: E402
from cpplan.accounts.models import User  # noqa: E402
from cpplan.extensions import db  # noqa: E402
from cpplan.municipalities.models import Membership, Municipality  # noqa: E402

SLUG = "kyzyl-suu"  # documents.build's municipality
COORDINATOR = "coordinator@example.org"
PASSWORD = "bench-growth-" + "x" * 12
TEXT_TYPES = ("text/html", "application/json", "text/csv")


def pages(plan_id: int, lang: str) -> list[tuple[str, str, str]]:
    """Return (name, who, path) of every page measured."""
    plan = f"/m/{SLUG}/plans/{plan_id}"
    return [("plan page", "coordinator", f"{plan}?lang={lang}"),
            ("public plan page", "anonymous", f"/plan/{SLUG}?lang={lang}"),
            ("budget page", "anonymous", f"{plan}/budget?lang={lang}"),
            ("measures map page", "anonymous", f"/m/{SLUG}/map?lang={lang}"),
            ("API plan JSON", "anonymous", f"/api/v1/plans/{plan_id}"),
            ("API budget JSON", "anonymous", f"/api/v1/plans/{plan_id}/budget"),
            ("budget CSV", "anonymous", f"{plan}/budget.csv"),
            ("budget XLSX", "anonymous", f"{plan}/budget.xlsx"),
            ("printable plan (HTML)", "coordinator", f"{plan}/document?lang={lang}"),
            ("plan PDF", "coordinator", f"{plan}/plan-{lang}.pdf"),
            ("plan DOCX", "coordinator", f"{plan}/plan-{lang}.docx")]


def build(app, measures: int) -> int:
    """Fill the database for a plan of `measures` measures; add the coordinator; return the plan id."""
    plan_id = documents.build(app, measures)
    with app.app_context():
        harness.place_and_fund(plan_id)
        municipality = db.session.scalar(db.select(Municipality).filter_by(slug=SLUG))
        user = User(email=COORDINATOR, display_name="Coordinator", locale="en")
        user.set_password(PASSWORD)
        db.session.add_all([user, Membership(user=user, municipality=municipality, role="coordinator")])
        db.session.commit()
    return plan_id


def log_in(client) -> None:
    html = client.get("/login?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": COORDINATOR, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"logging in failed: {response.status_code}")


def measure(client, path: str, repeat: int, counter: list[int]) -> dict:
    """Return the median time, the sizes and the SQL statements of GET path (after one warm-up)."""
    first = client.get(path)
    if first.status_code != 200:
        raise RuntimeError(f"{path}: status {first.status_code}")
    times, cpu, queries = [], [], []
    for _ in range(repeat):
        counter[0] = 0
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        body = response.get_data()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        queries.append(counter[0])
    kind = response.mimetype
    row = {"path": path, "status": response.status_code, "content_type": kind,
           "median_ms": round(statistics.median(times) * 1000, 1), "min_ms": round(min(times) * 1000, 1),
           "max_ms": round(max(times) * 1000, 1), "cpu_ms": round(statistics.median(cpu) * 1000, 1), "bytes": len(body),
           "gzip_bytes": len(gzip.compress(body, 6)) if kind.startswith(TEXT_TYPES) else None,
           "queries": max(queries), "queries_min": min(queries)}
    if kind == "application/pdf":
        row["pdf_pages"] = len(pypdf.PdfReader(io.BytesIO(body)).pages)
    return row


def run_size(measures: int, repeat: int, lang: str) -> dict:
    """Build a database for one size and measure every page; return the figures."""
    with tempfile.TemporaryDirectory(prefix="cpplan-growth-") as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'growth.sqlite'}",
                          "SECRET_KEY": "bench-" + "x" * 32, "TESTING": False})
        started = time.monotonic()
        plan_id = build(app, measures)
        built_s = time.monotonic() - started
        counter = [0]
        with app.app_context():
            engine = db.engine

        def count(*_args, **_kwargs):
            counter[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        clients = {"anonymous": app.test_client(), "coordinator": app.test_client()}
        log_in(clients["coordinator"])
        rows = {}
        for name, who, path in pages(plan_id, lang):
            rows[name] = row = measure(clients[who], path, repeat, counter)
            row["as"] = who
            gz = f", gzip {row['gzip_bytes'] / 1000:.1f} kB" if row["gzip_bytes"] is not None else ""
            pdf = f", {row['pdf_pages']} pages" if "pdf_pages" in row else ""
            print(f"  {measures:>5} measures  {name:22} {row['median_ms']:9.1f} ms (CPU {row['cpu_ms']:.1f})  "
                  f"{row['bytes'] / 1000:8.1f} kB{gz}"
                  f"{pdf}  {row['queries']} queries", flush=True)
        event.remove(engine, "before_cursor_execute", count)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return {"measures": measures, "plan_id": plan_id, "build_s": round(built_s, 1), "pages": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lang", default="ky", choices=("ky", "ru", "en"))
    parser.add_argument("--check", action="store_true", help="exit 1 when a query count grows with the plan")
    args = parser.parse_args()
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = []
    for n in sizes:
        print(f"{n:,} measures:", flush=True)
        figures.append(run_size(n, args.repeat, args.lang))

    print(f"\ngrowth per step (time x, bytes x, queries), median of {args.repeat}, test client, lang={args.lang}:")
    growing = []
    for name in figures[0]["pages"]:
        cells = []
        for before, after in zip(figures, figures[1:]):
            a, b = before["pages"][name], after["pages"][name]
            cells.append(f"{before['measures']}->{after['measures']}: time x{b['median_ms'] / a['median_ms']:.1f} "
                         f"(CPU x{b['cpu_ms'] / max(a['cpu_ms'], 0.1):.1f}), bytes x{b['bytes'] / a['bytes']:.1f}")
        queries = [f["pages"][name]["queries"] for f in figures]
        # A query per measure (or per ten) would add hundreds; SQLAlchemy's selectinload reads its IN lists 500
        # ids at a time, which adds one query per relationship per 500 measures.
        if queries[-1] - queries[0] >= (figures[-1]["measures"] - figures[0]["measures"]) / 10:
            growing.append(f"{name}: {queries}")
        print(f"  {name:22} " + "; ".join(cells) + f"; queries {' / '.join(map(str, queries))}")
    harness.write_results("growth", when, started, sizes=sizes, repeat=args.repeat, lang=args.lang,
                          server="Flask test client, in-process", figures=figures, queries_growing=growing)
    if growing:
        print("query count grows with the plan (N+1?):\n  " + "\n  ".join(growing))
        return 1 if args.check else 0
    print("no query per measure (no N+1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
