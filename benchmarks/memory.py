"""Memory per gunicorn worker: RSS (and PSS) of 4 sync workers on the demo database, before and after a warm-up.

The demo database (`flask --app cpplan demo`, as scripts/demo.sh builds it) in a temporary directory, served as
docs/deploy.md serves the app: `gunicorn --workers 4` (sync) on `wsgi:app`, on 127.0.0.1, the rate limits in a
Redis database of their own (_harness.gunicorn does this for several workers, as production must).

Before the warm-up, once the four workers have loaded the app, each process's memory is read from /proc:
RSS (VmRSS), the peak RSS since it started (VmHWM), and from /proc/<pid>/smaps_rollup PSS (shared pages divided
among the processes sharing them) and USS (its private pages). Then the warm-up: the site is crawled (every
`<a href>` on the same host, breadth first, at most --max-pages pages each) as an anonymous visitor from `/`
and as the demo coordinator (logged in with the form and its CSRF token) from `/my`; the open-data API and the
demo plans' PDF and DOCX files and maps are added to the list. The list is then requested --requests (2,000)
times in turn, with ?lang=ky, ru and en in turn, from --clients (8) concurrent clients (half anonymous, half
logged in as the coordinator; a new connection per request, as gunicorn's sync workers close them), so the
kernel spreads them over the four workers. Memory is read again after each quarter of the requests.

    .venv/bin/python benchmarks/memory.py [--requests 2000] [--clients 8] [--workers 4] [--goal-mb 150]

Goal (issue): < 150 MB (10^6 bytes: 143.1 MiB) RSS per worker after the warm-up; figures are in MiB. The peak (VmHWM) is reported, not checked: every login
hashes the password with Argon2 (64 MiB of memory by design, given back at once), and a PDF's layout needs
room while it runs. Exit 1 when the goal is missed, 2 when a request of the warm-up failed. Writes
benchmarks/results/memory.json.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import _harness as harness
import pages

COORDINATOR = "coordinator@example.org"
LANGS = ("ky", "ru", "en")
MIB = 1024 * 1024
SKIPPED = ("/static/", "/logout", "/healthz")


class LinkParser(HTMLParser):
    """Collect every <a href> of a page (forms are not followed: a GET of a POST target measures nothing)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def memory_of(pid: int) -> dict | None:
    """Return RSS, peak RSS, PSS and USS of the process in bytes (PSS/USS None without smaps_rollup)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = {line.split(":")[0]: line.split(":")[1].split() for line in status.splitlines() if ":" in line}
    found = {"pid": pid, "rss": int(fields["VmRSS"][0]) * 1024, "peak_rss": int(fields["VmHWM"][0]) * 1024,
             "pss": None, "uss": None}
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return found
    kib = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+):\s+(\d+) kB", rollup, re.M)}
    found["pss"] = kib.get("Pss", 0) * 1024
    found["uss"] = (kib.get("Private_Clean", 0) + kib.get("Private_Dirty", 0)) * 1024
    return found


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def snapshot(server, label: str, requests_done: int) -> dict:
    """Read the master's and every worker's memory."""
    pids = server.pids()
    workers = [m for m in (memory_of(pid) for pid in pids[1:]) if m is not None]
    for w in workers:
        w["cpu_s"] = round(cpu_seconds(w["pid"]), 2)
    return {"label": label, "requests": requests_done, "master": memory_of(pids[0]), "workers": workers,
            "time": datetime.now(UTC).isoformat(timespec="seconds"), "load": os.getloadavg()}


def settled(server, workers: int, deadline_s: float = 60.0) -> None:
    """Wait until every worker is up and its RSS has stopped growing (the app imported, not yet warmed)."""
    deadline, last = time.monotonic() + deadline_s, None
    while time.monotonic() < deadline:
        pids = server.pids()[1:]
        rss = [m["rss"] for m in (memory_of(pid) for pid in pids) if m is not None]
        if len(rss) == workers and last is not None and all(abs(a - b) < 256 * 1024 for a, b in zip(rss, last)):
            return
        last = rss if len(rss) == workers else None
        time.sleep(1.0)
    raise RuntimeError(f"the {workers} workers did not settle within {deadline_s:.0f} s")


def crawl(browser: pages.Browser, start: str, max_pages: int) -> list[str]:
    """Return the same-host pages (status 200) reachable from start through <a href>, breadth first."""
    seen, queue, found = {start}, deque([start]), []
    while queue and len(found) < max_pages:
        path = queue.popleft()
        response = browser.request("GET", path)
        if response["status"] != 200:
            continue
        found.append(path)
        if response["content_type"] != "text/html":
            continue
        parser = LinkParser()
        parser.feed(response["body"].decode("utf-8", "replace"))
        for href in parser.links:
            url = urlsplit(urljoin(f"{browser.origin}{path}", href))
            if url.netloc != urlsplit(browser.origin).netloc or url.scheme not in ("http", "https"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target.startswith(SKIPPED) or target in seen:
                continue
            seen.add(target)
            queue.append(target)
    return found


def extra_paths(browser: pages.Browser) -> list[str]:
    """Return the open-data API of every municipality and plan, and each demo plan's files and map."""
    found = ["/api/v1/municipalities", "/api/v1/openapi.json", "/overview"]
    listing = browser.request("GET", "/api/v1/municipalities")
    import json

    for m in json.loads(listing["body"])["municipalities"]:
        slug = m["slug"]
        found += [f"/api/v1/municipalities/{slug}", f"/m/{slug}/map", f"/plan/{slug}"]
        plan = m.get("adopted_plan") or {}
        if plan.get("id"):
            pid = plan["id"]
            found += [f"/api/v1/plans/{pid}", f"/api/v1/plans/{pid}/budget",
                      f"/m/{slug}/plans/{pid}/budget", f"/m/{slug}/plans/{pid}/budget.csv",
                      f"/m/{slug}/plans/{pid}/budget.xlsx", f"/m/{slug}/plans/{pid}/document"]
            found += [f"/m/{slug}/plans/{pid}/{kind}-{lang}.{ext}" for kind in ("plan", "brief")
                      for lang in LANGS for ext in ("pdf", "docx")]
    return found


def with_lang(path: str, lang: str) -> str:
    if "lang=" in path or path.startswith("/api/") or re.search(r"-(ky|ru|en)\.(pdf|docx)$", path):
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def warm(port: int, password: str, plan: list[tuple[str, str]], clients: int, deadline: float,
         on_progress) -> dict:
    """Send the planned (who, path) requests from `clients` threads; return statuses and times."""
    lock = threading.Lock()
    queues = {who: deque(path for kind, path in plan if kind == who) for who in ("anonymous", "coordinator")}
    statuses: Counter = Counter()
    failures: list[str] = []
    times: dict[str, list[float]] = {}
    done = [0]

    def worker(who: str) -> None:
        browser = pages.Browser(port)
        if who == "coordinator":
            browser.log_in(COORDINATOR, password)
        while time.monotonic() < deadline:
            with lock:
                if not queues[who]:
                    return
                path = queues[who].popleft()
            send(browser, path)

    def send(browser: pages.Browser, path: str) -> None:
        started = time.perf_counter()
        try:
            status = browser.request("GET", path)["status"]
        except OSError as error:
            status = f"error {type(error).__name__}"
        elapsed = time.perf_counter() - started
        with lock:
            statuses[status] += 1
            times.setdefault(re.sub(r"\d+", "N", path.split("?")[0]), []).append(elapsed)
            if status != 200:
                failures.append(f"{path}: {status}")
            done[0] += 1
            count = done[0]
        on_progress(count)

    threads = [threading.Thread(target=worker, args=("anonymous" if i % 2 == 0 else "coordinator",), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    slowest = sorted(((statistics.median(v), k, len(v)) for k, v in times.items()), reverse=True)[:5]
    return {"sent": done[0], "statuses": {str(k): v for k, v in statuses.items()}, "failures": failures[:20],
            "slowest_median_s": [(k, round(s, 3), n) for s, k, n in slowest]}


def mib(n: int | None) -> str:
    return "-" if n is None else f"{n / MIB:.1f}"


def summary(snap: dict) -> dict:
    workers = snap["workers"]
    out = {}
    for key in ("rss", "peak_rss", "pss", "uss"):
        values = [w[key] for w in workers if w[key] is not None]
        if values:
            out[key] = {"max": max(values), "mean": round(statistics.mean(values))}
    return out


def show(snap: dict) -> None:
    s = summary(snap)
    master = snap["master"]
    load = " ".join(f"{x:.2f}" for x in snap["load"])
    print(f"  {snap['label']:>16} ({snap['requests']:>5} requests; load {load}): worker RSS max {mib(s['rss']['max'])} "
          f"mean {mib(s['rss']['mean'])} MiB, peak max {mib(s['peak_rss']['max'])}, PSS max "
          f"{mib(s.get('pss', {}).get('max'))} mean {mib(s.get('pss', {}).get('mean'))}, USS max "
          f"{mib(s.get('uss', {}).get('max'))}; master RSS {mib(master['rss'])} PSS {mib(master['pss'])}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--max-pages", type=int, default=250, help="pages crawled per visitor (anonymous, coordinator)")
    parser.add_argument("--goal-mb", type=float, default=150.0, help="RSS goal per worker, MB of 1,000,000 bytes")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds the warm-up may take at most")
    parser.add_argument("--app", default="wsgi:app", help="the WSGI app gunicorn serves (to compare a variant)")
    args = parser.parse_args()
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")

    with tempfile.TemporaryDirectory(prefix="cpplan-memory-") as tmp_name:
        tmp = Path(tmp_name)
        env, password = harness.demo_database(tmp)
        with harness.gunicorn(args.app, env=env, log=tmp / "gunicorn.log", workers=args.workers,
                              ready_path="/healthz") as server:
            settled(server, args.workers)
            snaps = [snapshot(server, "before warm-up", 0)]
            show(snaps[0])

            anonymous, coordinator = pages.Browser(server.port), pages.Browser(server.port)
            coordinator.log_in(COORDINATOR, password)
            found = {"anonymous": crawl(anonymous, "/", args.max_pages),
                     "coordinator": crawl(coordinator, "/my", args.max_pages)}
            extra = [p for p in extra_paths(anonymous) if p not in found["anonymous"]]
            crawled = sum(len(v) for v in found.values()) + len(extra)  # the crawl's 200s and the extras tried
            found["anonymous"] += [p for p in extra if anonymous.request("GET", p)["status"] == 200]
            print(f"  crawled {len(found['anonymous'])} anonymous and {len(found['coordinator'])} coordinator paths "
                  f"({crawled} requests)", flush=True)
            snaps.append(snapshot(server, "after the crawl", crawled))
            show(snaps[-1])

            everything = [(who, path) for who, paths in found.items() for path in paths]
            random.Random(2016).shuffle(everything)
            plan = [(who, with_lang(path, LANGS[n % 3])) for n, (who, path) in
                    zip(range(args.requests), itertools.cycle(everything))]
            marks = {args.requests * q // 4: f"after {q}/4" for q in (1, 2, 3)}
            mark_lock = threading.Lock()

            def on_progress(count: int) -> None:
                if count in marks:
                    with mark_lock:
                        snaps.append(snapshot(server, marks[count], crawled + count))
                        show(snaps[-1])

            warm_started = time.monotonic()
            outcome = warm(server.port, password, plan, args.clients, time.monotonic() + args.deadline, on_progress)
            warm_s = time.monotonic() - warm_started
            snaps.append(snapshot(server, "after warm-up", crawled + outcome["sent"]))
            show(snaps[-1])
            before = {w["pid"]: w for w in snaps[0]["workers"]}
            print(f"  warm-up: {outcome['sent']} requests in {warm_s:.0f} s from {args.clients} clients; statuses "
                  f"{outcome['statuses']}; slowest (median s): {outcome['slowest_median_s']}")
            print("  per worker (pid: RSS before -> after, peak, PSS after, USS after, CPU s during the run):")
            for w in snaps[-1]["workers"]:
                b = before.get(w["pid"])
                print(f"    {w['pid']}: {mib(b['rss']) if b else '(new)'} -> {mib(w['rss'])} MiB, peak "
                      f"{mib(w['peak_rss'])}, PSS {mib(w['pss'])}, USS {mib(w['uss'])}, CPU {w['cpu_s']} s")
            replaced = sorted(set(before) - {w["pid"] for w in snaps[-1]["workers"]})

    goal = args.goal_mb * 1_000_000
    goal_text = f"{args.goal_mb:g} MB ({goal / MIB:.1f} MiB)"
    final = summary(snaps[-1])
    missed = []
    if final["rss"]["max"] >= goal:
        missed.append(f"a worker's RSS after the warm-up is {mib(final['rss']['max'])} MiB")
    if replaced:
        missed.append(f"workers {replaced} were replaced during the run (crashed or killed?)")
    harness.write_results("memory", when, started, app=args.app, workers=args.workers, requests=args.requests,
                          clients=args.clients, crawled={k: v for k, v in found.items()}, warm_up=outcome,
                          warm_up_s=round(warm_s, 1), snapshots=snaps, summary=final, goal_mb=args.goal_mb,
                          missed=missed)
    if missed:
        print(f"MISSED (goal < {goal_text} RSS per worker): " + "; ".join(missed), file=sys.stderr)
        return 1
    bad = sum(v for k, v in outcome["statuses"].items() if k != "200")
    if bad or outcome["sent"] < len(plan):
        print(f"warm-up incomplete: {outcome['sent']} of {len(plan)} sent, {bad} not 200: {outcome['failures']}",
              file=sys.stderr)
        return 2
    print(f"OK: every worker under {goal_text} RSS (max {mib(final['rss']['max'])} MiB after the warm-up, "
          f"peak {mib(final['peak_rss']['max'])} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
