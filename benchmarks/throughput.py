"""Throughput: requests/s and p95 latency of cpplan pages against a bare-Flask floor in the same run.

Serves the app (over a fresh demo database) and benchmarks/bare_app.py with gunicorn, 2 sync
workers each, on 127.0.0.1. After a warm-up of every target, it loads them in turn - bare "hello",
the landing page /?lang=en, the login page /login?lang=en - for a fixed duration at a fixed
concurrency, and repeats that round a few times. The machine is shared, so each page is compared
with the bare floor measured in the same round, and the medians over the rounds are reported.
Uses wrk when installed (`apt-get install -y wrk`), else a stdlib thread-based generator.

    .venv/bin/python benchmarks/throughput.py [--duration 5] [--warmup 3] [--rounds 5]
        [--concurrency 8] [--generator auto|wrk|python] [--also PATH ...] [--check]

--also adds app pages to every round (e.g. --also "/no-such-page?lang=en": the 404 page renders
only base.html, the ceiling for any templated page). --check exits with 1 when the landing page is
below 25 % of the floor. Writes
benchmarks/results/throughput.json. Only 127.0.0.1 is contacted; every loop ends on its own.
"""
from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as harness

WORKERS = 2
GOAL = 0.25  # landing page req/s as a share of the bare floor
# The app as deployed (wsgi.py calls create_app() too), except that the default rate limit of
# 300 requests/min per client address - all of our traffic comes from 127.0.0.1 - is raised so
# that the limiter still does its per-request work but never answers 429.
APP = "wsgi:app"
BARE = "bare_app:app"
TARGETS = [  # (name, server, path, expected status)
    ("bare", "bare", "/", 200),
    ("landing", "app", "/?lang=en", 200),
    ("login", "app", "/login?lang=en", 200),
]


def run_wrk(port: int, path: str, seconds: float, concurrency: int, script: Path) -> dict:
    """Load http://127.0.0.1:port/path with wrk (1 thread: the server needs the CPUs more)."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
               "-H", "Accept-Encoding: gzip", "-s", str(script), f"http://{harness.HOST}:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    line = next(l for l in reversed(out.splitlines()) if l.startswith("{"))
    result = json.loads(line)
    result["rps"] = result["requests"] / result["duration_s"]
    return result


def run_python(port: int, path: str, seconds: float, concurrency: int, _script=None) -> dict:
    """Load the URL from `concurrency` threads, each one request at a time on a new connection.

    gunicorn's sync workers close the connection after every response, as wrk then sees too.
    Requests that finish after the deadline are not counted; each has a 5 s timeout.
    """
    start = time.perf_counter()
    stop_at = start + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    bad = [0] * concurrency
    errors = [0] * concurrency

    def worker(i: int) -> None:
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                return
            conn = http.client.HTTPConnection(harness.HOST, port, timeout=5)
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                continue
            finally:
                conn.close()
            t1 = time.perf_counter()
            if t1 > stop_at:
                return
            latencies[i].append(t1 - t0)
            if not 200 <= status < 400:
                bad[i] += 1

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 10)
    all_ms = sorted(x * 1000 for lst in latencies for x in lst)
    n = len(all_ms)

    def pct(p: float) -> float:
        return all_ms[min(n - 1, max(0, round(p / 100 * n) - 1))] if n else float("nan")

    return {"requests": n, "duration_s": seconds, "rps": n / seconds, "non_2xx_3xx": sum(bad),
            "socket_errors": sum(errors), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": statistics.fmean(all_ms) if n else float("nan"), "max_ms": all_ms[-1] if n else float("nan")}


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def check_page(port: int, path: str, expected: int | None) -> None:
    conn = http.client.HTTPConnection(harness.HOST, port, timeout=10)
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    if expected is not None and resp.status != expected:
        raise RuntimeError(f"{path} answered {resp.status}, expected {expected}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per target and round")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load per target first")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds over all targets; short interleaved rounds pair each page with a floor "
                             "measured seconds apart (medians reported)")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--also", action="append", default=[], metavar="PATH",
                        help="another app path to measure (repeatable; any status is accepted)")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when landing < {GOAL * 100:.0f}%% of the floor")
    args = parser.parse_args()
    if not (0 < args.duration <= 60 and 0 <= args.warmup <= 30 and 1 <= args.rounds <= 10
            and 1 <= args.concurrency <= 256):
        parser.error("keep --duration <= 60, --warmup <= 30, --rounds 1..10, --concurrency 1..256")
    if any(not path.startswith("/") for path in args.also):
        parser.error("--also takes paths on the app, like /no-such-page?lang=en")
    targets = TARGETS + [(path, "app", path, None) for path in args.also]
    wrk = shutil.which("wrk")
    if args.generator == "wrk" and not wrk:
        parser.error("wrk is not installed (apt-get install -y wrk), use --generator python")
    use_wrk = args.generator == "wrk" or (args.generator == "auto" and wrk is not None)
    load = run_wrk if use_wrk else run_python
    if use_wrk:
        version = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10,
                                 check=False).stdout.split()
        generator = " ".join(version[:2]) or "wrk"
    else:
        generator = "python threads + http.client"
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    print(f"generator: {generator}; {WORKERS} gunicorn sync workers per server; concurrency {args.concurrency}; "
          f"{args.rounds} rounds x {args.duration:g} s per target after {args.warmup:g} s warm-up")

    rounds: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="cpplan-throughput-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "report.lua"
        script.write_text(harness.WRK_REPORT)
        env, _password = harness.demo_database(tmp)
        with harness.gunicorn(BARE, env=env, log=tmp / "bare.log", workers=WORKERS, chdir=harness.BENCH) as bare, \
                harness.gunicorn(APP, env=env, log=tmp / "app.log", workers=WORKERS, ready_path="/healthz") as app:
            servers = {"bare": bare, "app": app}
            for name, server, path, expected in targets:
                check_page(servers[server].port, path, expected)
                if args.warmup:
                    load(servers[server].port, path, args.warmup, args.concurrency, script)
            for i in range(args.rounds):
                measured = {}
                for name, server, path, _expected in targets:
                    cpu0 = servers[server].cpu_seconds()
                    result = load(servers[server].port, path, args.duration, args.concurrency, script)
                    cpu1 = servers[server].cpu_seconds()
                    # Server CPU per request: what the workers spent, whatever else the machine ran.
                    result["server_cpu_ms_per_request"] = (
                        (cpu1 - cpu0) * 1000 / result["requests"] if None not in (cpu0, cpu1) and result["requests"]
                        else None)
                    measured[name] = result
                rounds.append(measured)
                print(f"round {i + 1}: " + "; ".join(
                    f"{n} {r['rps']:.0f} req/s p95 {r['p95_ms']:.1f} ms" for n, r in measured.items()))

    summary = {}
    for name, server, path, expected in targets:
        runs = [r[name] for r in rounds]
        summary[name] = {
            "server": "bare Flask hello (benchmarks/bare_app.py)" if server == "bare" else "cpplan",
            "path": path,
            "rps_median": statistics.median(r["rps"] for r in runs),
            "p95_ms_median": statistics.median(r["p95_ms"] for r in runs),
            "p50_ms_median": statistics.median(r["p50_ms"] for r in runs),
            "rps_per_round": [round(r["rps"], 1) for r in runs],
            "p95_ms_per_round": [round(r["p95_ms"], 2) for r in runs],
            "server_cpu_ms_per_request_median": _median([r["server_cpu_ms_per_request"] for r in runs]),
            "requests": sum(r["requests"] for r in runs),
            "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in runs) if expected else None,
            "socket_errors": sum(r["socket_errors"] for r in runs),
        }
        if server == "app":
            ratios = [r[name]["rps"] / r["bare"]["rps"] for r in rounds]
            summary[name]["ratio_to_bare_per_round"] = [round(x, 4) for x in ratios]
            summary[name]["ratio_to_bare_median"] = statistics.median(ratios)
            cpu = [r["bare"]["server_cpu_ms_per_request"] / r[name]["server_cpu_ms_per_request"] for r in rounds
                   if r["bare"]["server_cpu_ms_per_request"] and r[name]["server_cpu_ms_per_request"]]
            summary[name]["cpu_ratio_to_bare_median"] = statistics.median(cpu) if cpu else None

    width = max(16, *(len(s["path"]) for s in summary.values()))
    print(f"\n{'target':8} {'path':{width}} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'x bare':>8} {'cpu ms':>8} "
          f"{'cpu x':>7}  per-round req/s")
    for name, s in summary.items():
        ratio = f"{s['ratio_to_bare_median']:.1%}" if "ratio_to_bare_median" in s else "floor"
        cpu_ratio = s.get("cpu_ratio_to_bare_median")
        cpu_ratio = "floor" if "ratio_to_bare_median" not in s else (f"{cpu_ratio:.1%}" if cpu_ratio else "-")
        cpu_ms = s["server_cpu_ms_per_request_median"]
        print(f"{name[:8]:8} {s['path']:{width}} {s['rps_median']:8.0f} {s['p50_ms_median']:8.1f} {s['p95_ms_median']:8.1f} "
              f"{ratio:>8} {(f'{cpu_ms:.2f}' if cpu_ms else '-'):>8} {cpu_ratio:>7}  "
              f"{', '.join(f'{x:.0f}' for x in s['rps_per_round'])}")
    print("req/s, p50, p95: medians over the rounds; x bare: req/s as a share of the bare floor in the same round;\n"
          "cpu ms: server CPU (gunicorn arbiter + workers) per request; cpu x: bare CPU/request over the page's")
    landing = summary["landing"]["ratio_to_bare_median"]
    met = landing >= GOAL
    print(f"goal: landing page >= {GOAL:.0%} of the bare floor: {landing:.1%} -> {'met' if met else 'NOT met'}")
    errors = {n: (s["non_2xx_3xx"], s["socket_errors"]) for n, s in summary.items() if s["non_2xx_3xx"] or s["socket_errors"]}
    if errors:
        print(f"ERRORS (non-2xx/3xx, socket errors): {errors}", file=sys.stderr)

    harness.write_results(
        "throughput", when, started,
        settings={"generator": generator, "gunicorn_workers": WORKERS, "worker_class": "sync",
                  "concurrency": args.concurrency, "duration_s": args.duration, "warmup_s": args.warmup,
                  "rounds": args.rounds, "app": APP, "bare": BARE, "database": "SQLite demo database"},
        goal={"landing_ratio_min": GOAL, "landing_ratio": landing, "met": met},
        summary=summary,
        rounds=rounds,
        seconds=round(time.monotonic() - started, 1),
    )
    if errors:
        return 2
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
