"""Shared pieces of the benchmarks: a throw-away demo database and gunicorn servers on 127.0.0.1.

Everything here is bounded: servers are started by us, waited for with a deadline and stopped
(by their own process id) when the `with` block ends, even on errors.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HOST = "127.0.0.1"
# With several workers, production keeps rate limits in one shared store (gunicorn.conf.py refuses memory://):
# benchmarks do the same, in their own Redis database, emptied before each server starts.
SHARED_LIMITS = "redis://127.0.0.1:6379/14"


# wrk's closing hook: the summary as one JSON line (requests, errors, latency percentiles in ms).
WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.6f, "non_2xx_3xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
end
"""

def demo_database(tmp: Path, database_url: str | None = None) -> tuple[dict[str, str], str]:
    """Build the demo database (in tmp unless database_url); return the environment to serve it and the password."""
    password = "bench-" + secrets.token_urlsafe(12)
    env = dict(os.environ)
    env.update(
        CPPLAN_DATABASE_URL=database_url or f"sqlite:///{tmp / 'bench.sqlite'}",
        CPPLAN_SECRET_KEY=secrets.token_hex(32),
    )
    # Let no inherited setting change what is measured.
    for name in ("CPPLAN_DEBUG", "CPPLAN_DEMO", "CPPLAN_HTTPS", "CPPLAN_DEFAULT_LOCALE", "CPPLAN_PROXIES"):
        env.pop(name, None)
    subprocess.run(
        [PYTHON, "-m", "flask", "--app", "cpplan", "demo", "--password", password],
        cwd=ROOT, env=env, check=True, timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return env, password


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now: in CPPLAN_BENCH_PORTS ("5700-5799") when set,
    so that people sharing a machine can keep their servers apart; else any the system gives."""
    span = os.environ.get("CPPLAN_BENCH_PORTS", "")
    if span:
        first, last = (int(p) for p in span.split("-"))
        for port in range(first, last + 1):
            with socket.socket() as sock:
                try:
                    sock.bind((HOST, port))
                except OSError:
                    continue
                return port
        raise RuntimeError(f"no free port in CPPLAN_BENCH_PORTS={span}")
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _ready(port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status < 500
    except OSError:
        return False


class Server:
    """A running gunicorn: its port and the CPU time its processes have used."""

    def __init__(self, port: int, pid: int) -> None:
        self.port, self.pid = port, pid

    def pids(self) -> list[int]:
        """Return the arbiter and its workers."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            children = []
        return [self.pid] + [int(c) for c in children]

    def cpu_seconds(self) -> float | None:
        """Return user + system CPU seconds of the arbiter and its live workers (None off Linux)."""
        total = 0
        try:
            for pid in self.pids():
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # a worker that just exited
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (ValueError, IndexError):
            return None
        return total / os.sysconf("SC_CLK_TCK") if Path("/proc").is_dir() else None


@contextmanager
def gunicorn(app: str, *, env: dict[str, str], log: Path, workers: int = 1, chdir: Path = ROOT,
             ready_path: str = "/", start_timeout: float = 30.0):
    """Serve the WSGI app ("module:variable") with gunicorn on 127.0.0.1; yield the Server.

    gunicorn reads ROOT/gunicorn.conf.py (the production start-up check); with several workers and no
    CPPLAN_RATELIMIT_STORAGE_URI given, the rate limits go to SHARED_LIMITS, as in production.
    """
    if workers > 1 and not env.get("CPPLAN_RATELIMIT_STORAGE_URI"):
        import redis

        redis.Redis.from_url(SHARED_LIMITS).flushdb()
        env = {**env, "CPPLAN_RATELIMIT_STORAGE_URI": SHARED_LIMITS}
    port = free_port()
    command = [GUNICORN, "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"{HOST}:{port}",
               "--workers", str(workers), "--worker-class", "sync", "--chdir", str(chdir),
               "--error-logfile", str(log), "--log-level", "warning", "--graceful-timeout", "5", app]
    with log.open("ab") as out:  # a refusal by gunicorn.conf.py is printed before the error log opens
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + start_timeout
        while not _ready(port, ready_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"gunicorn {app} did not start on port {port}:\n{tail}")
            time.sleep(0.2)
        yield Server(port, proc.pid)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the process group we created for it
                proc.wait(timeout=5)


def place_and_fund(plan_id: int, villages: int = 5) -> None:
    """Put the plan's measures on the map and give them money, in the app context the caller holds.

    The municipality gets at least `villages` villages, each with a point (those without one get one near the
    municipality's); measure n goes to village n mod villages, takes the status planned, in progress, done,
    cancelled in turn, and gets one allocation (local budget, the plan's first year) and one payment. Measures
    of a sensitive issue stay off the map whatever their village (as the app shows them).
    """
    from datetime import date
    from decimal import Decimal

    from cpplan.budget.models import Allocation, Expenditure
    from cpplan.extensions import db
    from cpplan.municipalities.models import Area
    from cpplan.plans.models import Plan

    plan = db.session.get(Plan, plan_id)
    municipality = plan.municipality
    lat, lon = municipality.lat or 42.5, municipality.lon or 72.2
    while len(municipality.areas) < villages:
        n = len(municipality.areas)
        municipality.areas.append(Area(kind="village", name_ky=f"Айыл {n}", name_ru=f"Село {n}", name_en=f"Village {n}"))
    for n, area in enumerate(municipality.areas):
        if area.lat is None or area.lon is None:
            area.lat, area.lon = lat + 0.02 * n, lon - 0.03 * n
    db.session.commit()
    areas = municipality.areas
    for n, measure in enumerate(plan.measures):
        measure.area_id = areas[n % len(areas)].id
        measure.status = ("planned", "in_progress", "done", "cancelled")[n % 4]
        db.session.add(Allocation(measure_id=measure.id, source="local_budget", year=plan.first_year,
                                  amount=Decimal(1000 + 37 * n)))
        db.session.add(Expenditure(measure_id=measure.id, spent_on=date(plan.first_year, 4, 1), amount=Decimal(100 + n),
                                   purpose="(bench)"))
    db.session.commit()


def write_results(name: str, when: str, started: float, **data) -> None:
    """Write benchmarks/results/<name>.json with the run's time and machine, and say so."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "when": when, "machine": machine(), **data}
    out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")


def machine() -> dict[str, str]:
    """Return a short description of the machine the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {"cpus": str(os.cpu_count()), "cpu_model": model, "memory": mem_gib,
            "python": sys.version.split()[0], "platform": sys.platform}
