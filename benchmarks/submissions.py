"""Survey submissions: throughput of the offline-sync endpoint, and a loss test under concurrency.

Builds the demo database in a temporary directory (SQLite in WAL mode, or PostgreSQL with
--database-url), serves the app (wsgi:app) and benchmarks/bare_app.py with gunicorn, 2 sync
workers each, on 127.0.0.1, and takes the token and questionnaire of Kyzyl-Suu's open survey
from GET /api/v1/municipalities/kyzyl-suu/surveys and GET /api/v1/surveys/<token>.

(a) Throughput (wrk, 1 thread, --concurrency connections): POST /api/v1/surveys/<token>/responses,
    every request with a fresh uuid4 (made in wrk's Lua) and one of 500 realistic answer sets made
    in advance, against the floor: POST /responses of the bare app, which parses the same JSON body
    and answers 201. Also the bare GET / (throughput.py's floor) for reference. Rounds of
    bare POST, bare GET, submissions; medians of req/s and p95 and the ratio to the floor in the
    same round. Every acknowledgement is counted by status (201 stored, 200 duplicate, other).
(b) Loss test: --total submissions (2,000) from --clients (50) threads, each its own uuid4, with
    http.client (a new connection per request, as gunicorn's sync workers close it anyway); the
    201s are counted, then the rows with those uuids in the database: they must match exactly.

The rate limit ("120 per minute" per client address) stays on: the app is served with
CPPLAN_PROXIES=1, as behind the one nginx of the deployment guide, and each request of (a) carries
a random X-Forwarded-For (10.x.y.z), each client of (b) its own, so the limiter does its work on
every request but no address reaches 120 a minute.

    .venv/bin/python benchmarks/submissions.py [--duration 5] [--warmup 3] [--rounds 3]
        [--concurrency 8] [--total 2000] [--clients 50] [--skip-throughput] [--skip-loss]
        [--database-url postgresql://...] [--check]

Exit 1 with --check when the ratio is under 10 % or the loss test fails; 2 on any non-2xx
answer or socket error. Writes benchmarks/results/submissions.json (submissions-postgresql.json
with a PostgreSQL URL). Only 127.0.0.1 is contacted; every loop ends on its own.
"""
from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _harness as harness

WORKERS = 2
GOAL = 0.10  # submissions req/s as a share of the bare POST floor
MUNICIPALITY = "kyzyl-suu"
TEMPLATES = 500  # distinct answer sets the wrk script picks from
UUID_MARK = "%UUID%"
TEXTS = ["Больше освещения на улицах", "Көчөлөрдө жарык көбүрөөк болсо", "More police patrols in the evening",
         "Камера у школы и патруль вечером", "Мектептин жанында камера керек", "Fix the road near the bazaar"]

WRK_SCRIPT = r"""
local bodies = {BODIES}
local path = "{PATH}"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  math.randomseed(tonumber(args[1]))
  created, duplicate, other = 0, 0, 0
end
local r = math.random
local function uuid4()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x", r(0, 65535), r(0, 65535), r(0, 65535),
    r(0, 4095), r(32768, 49151), r(0, 65535), r(0, 65535), r(0, 65535))
end
request = function()
  local body = (bodies[r(#bodies)]:gsub("%%UUID%%", uuid4()))
  local headers = {["Content-Type"] = "application/json",
                   ["X-Forwarded-For"] = string.format("10.%d.%d.%d", r(0, 255), r(0, 255), r(1, 254))}
  return wrk.format("POST", path, headers, body)
end
response = function(status, headers, body)
  if status == 201 then created = created + 1 elseif status == 200 then duplicate = duplicate + 1
  else other = other + 1 end
end
done = function(summary, latency, requests)
  local c, d, o = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); d = d + t:get("duplicate"); o = o + t:get("other") end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_s": %.6f, "non_2xx_3xx": %d, "socket_errors": %d, ' ..
    '"created_201": %d, "duplicate_200": %d, "other_status": %d, ' ..
    '"p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f, "mean_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout, c, d, o,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000))
end
"""


def realistic_answers(questions: list[dict], rng: random.Random) -> dict:
    """Return one plausible respondent's answers: consent, then most questions answered, some skipped."""
    answers: dict = {}
    for q in questions:
        codes = [o["code"] for o in q["options"]]
        if q["code"] == "consent":
            answers["consent"] = "yes"
            continue
        if q["show_if"] and answers.get(q["show_if"]["code"]) != q["show_if"]["option"]:
            continue
        if rng.random() < (0.35 if q["kind"] in ("location", "text") else 0.1):
            continue  # skipped: every question but consent may be
        if q["kind"] in ("single", "area") and codes:
            answers[q["code"]] = rng.choice(codes)
        elif q["kind"] == "multiple" and codes:
            real = [c for c in codes if c != "none"]
            answers[q["code"]] = ["none"] if "none" in codes and rng.random() < 0.4 else rng.sample(
                real, rng.randint(1, min(3, len(real))))
        elif q["kind"] == "scale":
            answers[q["code"]] = rng.randint(1, 5)
        elif q["kind"] == "number":
            low = q["min"] if q["min"] is not None else 0
            answers[q["code"]] = rng.randint(int(low), int(q["max"] if q["max"] is not None else low + 10))
        elif q["kind"] == "issue_rating":
            answers[q["code"]] = {c: rng.randint(1, 5) for c in codes if rng.random() < 0.9}
        elif q["kind"] == "location":
            answers[q["code"]] = {"lat": round(42.34 + rng.uniform(-0.05, 0.05), 5),
                                  "lon": round(77.99 + rng.uniform(-0.05, 0.05), 5)}
        elif q["kind"] == "text":
            answers[q["code"]] = rng.choice(TEXTS)
    return answers


def get_json(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection(harness.HOST, port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{path}: status {resp.status}")
        return json.loads(body)
    finally:
        conn.close()


def post_json(port: int, path: str, body: bytes, client: str, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(harness.HOST, port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", "X-Forwarded-For": client})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def run_wrk(port: int, path: str, seconds: float, concurrency: int, script: Path) -> dict:
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
               "-s", str(script), f"http://{harness.HOST}:{port}{path}", "--", str(random.randrange(1, 2**31))]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    result = json.loads(next(l for l in reversed(out.splitlines()) if l.startswith("{")))
    result["rps"] = result["requests"] / result["duration_s"]
    return result


def lua_bodies(bodies: list[str]) -> str:
    return "{\n" + ",\n".join(f"[==[{b}]==]" for b in bodies) + "\n}"


class Rows:
    """Counts stored responses in the demo database (SQLite file, or PostgreSQL through SQLAlchemy)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def uuids(self, token: str) -> set[str]:
        query = ("SELECT r.uuid FROM survey_responses r JOIN surveys s ON s.id = r.survey_id "
                 "WHERE s.token = :token")
        if self.url.startswith("sqlite:///"):
            with sqlite3.connect(self.url[len("sqlite:///"):], timeout=30) as db:
                return {row[0] for row in db.execute(query.replace(":token", "?"), (token,))}
        import sqlalchemy  # the app's own dependency, with its psycopg 3 driver
        url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as conn:
                return {row[0] for row in conn.execute(sqlalchemy.text(query), {"token": token})}
        finally:
            engine.dispose()


def settle(rows: "Rows", token: str, quiet_s: float = 1.0, limit_s: float = 20.0) -> int:
    """Wait until the survey's row count stops changing, bounded in time; return it.

    When wrk stops, requests already sent (in the listen backlog or a worker) are still served and
    stored, though wrk no longer counts their answers; the loss test must start after them.
    """
    count, since, stop_at = len(rows.uuids(token)), time.monotonic(), time.monotonic() + limit_s
    while time.monotonic() < stop_at and time.monotonic() - since < quiet_s:
        time.sleep(0.25)
        now = len(rows.uuids(token))
        if now != count:
            count, since = now, time.monotonic()
    return count


def loss_test(port: int, token: str, questions: list[dict], rows: Rows, total: int, clients: int,
              deadline_s: float = 300.0) -> dict:
    """Send `total` submissions from `clients` threads, each its own uuid; compare 201s with stored rows."""
    rng = random.Random(2026)
    jobs = []
    for i in range(total):
        client_uuid = str(uuid.uuid4())
        body = json.dumps({"uuid": client_uuid, "answers": realistic_answers(questions, rng), "channel": "offline"},
                          ensure_ascii=False).encode()
        jobs.append((client_uuid, body))
    per_client = [jobs[i::clients] for i in range(clients)]
    path = f"/api/v1/surveys/{token}/responses"
    acked: list[list[str]] = [[] for _ in range(clients)]
    statuses: list[Counter] = [Counter() for _ in range(clients)]
    samples: list[list[str]] = [[] for _ in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    before = rows.uuids(token)
    start = time.perf_counter()
    stop_at = start + deadline_s

    def client(i: int) -> None:
        address = f"10.1.{i // 250}.{i % 250 + 1}"  # one address per client, as from 50 phones
        for client_uuid, body in per_client[i]:
            if time.perf_counter() > stop_at:
                statuses[i]["not sent (deadline)"] += 1
                continue
            t0 = time.perf_counter()
            try:
                status, answer = post_json(port, path, body, address)
            except (OSError, http.client.HTTPException) as exc:
                statuses[i][f"error {type(exc).__name__}"] += 1
                continue
            latencies[i].append(time.perf_counter() - t0)
            statuses[i][status] += 1
            if status == 201:
                acked[i].append(client_uuid)
            elif len(samples[i]) < 3:
                samples[i].append(f"{status}: {answer[:200].decode('utf-8', 'replace')}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, stop_at + 60 - time.perf_counter()))
    elapsed = time.perf_counter() - start
    acknowledged = {u for lst in acked for u in lst}
    after = rows.uuids(token)
    ours = {u for u, _ in jobs}
    stored = (after - before) & ours
    status_counts = sum(statuses, Counter())
    all_ms = sorted(x * 1000 for lst in latencies for x in lst)
    ok = len(acknowledged) == total and stored == acknowledged and len(after - before) == total
    return {"total": total, "clients": clients, "acknowledged_201": len(acknowledged),
            "statuses": {str(k): v for k, v in sorted(status_counts.items(), key=str)},
            "rows_added": len(after - before), "rows_with_our_uuids": len(stored),
            "acknowledged_but_missing": len(acknowledged - stored), "stored_but_not_acknowledged": len(stored - acknowledged),
            "server_errors_5xx": sum(v for k, v in status_counts.items() if isinstance(k, int) and k >= 500),
            "elapsed_s": round(elapsed, 2), "submissions_per_s": round(total / elapsed, 1),
            "p50_ms": round(statistics.median(all_ms), 1) if all_ms else None,
            "p95_ms": round(all_ms[min(len(all_ms) - 1, round(0.95 * len(all_ms)) - 1)], 1) if all_ms else None,
            "sample_other_answers": [s for lst in samples for s in lst][:5], "ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per target and round")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load per target first")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="wrk connections")
    parser.add_argument("--total", type=int, default=2000, help="submissions in the loss test")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients in the loss test")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-loss", action="store_true")
    parser.add_argument("--database-url", help="serve a demo database here instead of a temporary SQLite file "
                                               "(e.g. postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%%3Dbench); "
                                               "the demo command resets it")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when the ratio is < {GOAL * 100:.0f}%% or a submission is lost")
    args = parser.parse_args()
    if not (0 < args.duration <= 60 and 0 <= args.warmup <= 30 and 1 <= args.rounds <= 10
            and 1 <= args.concurrency <= 256 and 1 <= args.total <= 20000 and 1 <= args.clients <= 200):
        parser.error("keep --duration <= 60, --warmup <= 30, --rounds 1..10, --concurrency 1..256, "
                     "--total 1..20000, --clients 1..200")
    if not args.skip_throughput and not shutil.which("wrk"):
        parser.error("the throughput part needs wrk (apt-get install -y wrk); or use --skip-throughput")
    if args.database_url and not args.database_url.startswith(("postgresql://", "sqlite:///")):
        parser.error("--database-url takes postgresql://... or sqlite:///...")
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    result: dict = {}
    failures: list[str] = []

    with tempfile.TemporaryDirectory(prefix="cpplan-submissions-") as tmp_name:
        tmp = Path(tmp_name)
        env, _password = harness.demo_database(tmp, database_url=args.database_url)
        database_url = env["CPPLAN_DATABASE_URL"]
        engine = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        if engine == "SQLite":
            with sqlite3.connect(database_url[len("sqlite:///"):]) as db:
                engine += f" (journal_mode={db.execute('PRAGMA journal_mode').fetchone()[0]})"
        env["CPPLAN_PROXIES"] = "1"  # X-Forwarded-For names the client, as behind nginx
        rows = Rows(database_url)
        print(f"database: {engine}; {WORKERS} gunicorn sync workers per server")
        with harness.gunicorn("bare_app:app", env=env, log=tmp / "bare.log", workers=WORKERS, chdir=harness.BENCH) as bare, \
                harness.gunicorn("wsgi:app", env=env, log=tmp / "app.log", workers=WORKERS, ready_path="/healthz") as app:
            listing = get_json(app.port, f"/api/v1/municipalities/{MUNICIPALITY}/surveys")
            token = listing["surveys"][0]["token"]
            questions = get_json(app.port, f"/api/v1/surveys/{token}")["questions"]
            path = f"/api/v1/surveys/{token}/responses"
            rng = random.Random(27)
            bodies = [json.dumps({"uuid": UUID_MARK, "answers": realistic_answers(questions, rng), "channel": "offline"})
                      for _ in range(TEMPLATES)]
            # Every template must be accepted as it is (a 422 would measure the error path).
            for body in bodies[:20]:
                status, answer = post_json(app.port, path, body.replace(UUID_MARK, str(uuid.uuid4())).encode(), "10.9.9.9")
                if status != 201:
                    raise RuntimeError(f"a generated answer set was refused: {status} {answer[:300]!r}")
            body_bytes = statistics.median(len(b) + 36 - len(UUID_MARK) for b in bodies)
            print(f"survey {token}: {len(questions)} questions; answer sets of {body_bytes:.0f} bytes (median JSON body)")

            if not args.skip_throughput:
                post_app, post_bare, get_bare = tmp / "post-app.lua", tmp / "post-bare.lua", tmp / "get.lua"
                post_app.write_text(WRK_SCRIPT.replace("{BODIES}", lua_bodies(bodies)).replace("{PATH}", path))
                post_bare.write_text(WRK_SCRIPT.replace("{BODIES}", lua_bodies(bodies)).replace("{PATH}", "/responses"))
                get_bare.write_text(harness.WRK_REPORT)
                targets = [  # (name, server, path, script)
                    ("bare POST", bare, "/responses", post_bare),
                    ("bare GET", bare, "/", get_bare),
                    ("submissions", app, path, post_app),
                ]
                print(f"generator: wrk, 1 thread, {args.concurrency} connections; {args.rounds} rounds x "
                      f"{args.duration:g} s per target after {args.warmup:g} s warm-up")
                if args.warmup:
                    for _name, server, target, script in targets:
                        run_wrk(server.port, target, args.warmup, args.concurrency, script)
                rounds = []
                stored_before = len(rows.uuids(token))
                created_total = 0
                for i in range(args.rounds):
                    measured = {}
                    for name, server, target, script in targets:
                        cpu0 = server.cpu_seconds()
                        got = run_wrk(server.port, target, args.duration, args.concurrency, script)
                        cpu1 = server.cpu_seconds()
                        got["server_cpu_ms_per_request"] = ((cpu1 - cpu0) * 1000 / got["requests"]
                                                            if None not in (cpu0, cpu1) and got["requests"] else None)
                        measured[name] = got
                    created_total += measured["submissions"]["created_201"]
                    rounds.append(measured)
                    print(f"round {i + 1}: " + "; ".join(
                        f"{n} {r['rps']:.0f} req/s p95 {r['p95_ms']:.1f} ms" for n, r in measured.items()))
                stored_after = settle(rows, token)
                summary = {}
                for name, _server, target, _script in targets:
                    runs = [r[name] for r in rounds]
                    summary[name] = {
                        "path": target if name != "submissions" else "/api/v1/surveys/<token>/responses",
                        "rps_median": statistics.median(r["rps"] for r in runs),
                        "p50_ms_median": statistics.median(r["p50_ms"] for r in runs),
                        "p95_ms_median": statistics.median(r["p95_ms"] for r in runs),
                        "rps_per_round": [round(r["rps"], 1) for r in runs],
                        "server_cpu_ms_per_request_median": statistics.median(
                            r["server_cpu_ms_per_request"] for r in runs) if all(
                            r["server_cpu_ms_per_request"] for r in runs) else None,
                        "requests": sum(r["requests"] for r in runs),
                        "non_2xx_3xx": sum(r["non_2xx_3xx"] for r in runs),
                        "socket_errors": sum(r["socket_errors"] for r in runs),
                    }
                ratios = [r["submissions"]["rps"] / r["bare POST"]["rps"] for r in rounds]
                ratios_get = [r["submissions"]["rps"] / r["bare GET"]["rps"] for r in rounds]
                sub = summary["submissions"]
                sub.update(ratio_to_bare_post_per_round=[round(x, 4) for x in ratios],
                           ratio_to_bare_post_median=statistics.median(ratios),
                           ratio_to_bare_get_median=statistics.median(ratios_get),
                           created_201=created_total,
                           duplicate_200=sum(r["submissions"]["duplicate_200"] for r in rounds),
                           other_status=sum(r["submissions"]["other_status"] for r in rounds),
                           rows_added_during_rounds=stored_after - stored_before)
                result["throughput"] = {"generator": "wrk 1 thread, Lua uuid4 per request", "concurrency": args.concurrency,
                                        "duration_s": args.duration, "warmup_s": args.warmup, "rounds": args.rounds,
                                        "summary": summary, "rounds_raw": rounds}
                print(f"\n{'target':12} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8}  per-round req/s")
                for name, s in summary.items():
                    cpu = s["server_cpu_ms_per_request_median"]
                    print(f"{name:12} {s['rps_median']:8.0f} {s['p50_ms_median']:8.1f} {s['p95_ms_median']:8.1f} "
                          f"{(f'{cpu:.2f}' if cpu else '-'):>8}  {', '.join(f'{x:.0f}' for x in s['rps_per_round'])}")
                ratio = sub["ratio_to_bare_post_median"]
                print(f"submissions / bare POST floor: {ratio:.1%} (per round "
                      f"{', '.join(f'{x:.1%}' for x in ratios)}); / bare GET: {sub['ratio_to_bare_get_median']:.1%}")
                print(f"acknowledged: {created_total} stored (201), {sub['duplicate_200']} duplicates, "
                      f"{sub['other_status']} other; rows added while measuring: {sub['rows_added_during_rounds']}")
                print(f"goal: submissions >= {GOAL:.0%} of the bare POST floor -> {'met' if ratio >= GOAL else 'NOT met'}")
                if ratio < GOAL:
                    failures.append(f"ratio {ratio:.1%} < {GOAL:.0%}")
                errors = {n: (s["non_2xx_3xx"], s["socket_errors"]) for n, s in summary.items()
                          if s["non_2xx_3xx"] or s["socket_errors"]}
                if errors or sub["other_status"] or sub["duplicate_200"]:
                    failures.append(f"errors (non-2xx/3xx, socket errors): {errors}; "
                                    f"other statuses {sub['other_status']}, duplicates {sub['duplicate_200']}")

            if not args.skip_loss:
                print(f"\nloss test: {args.total} submissions from {args.clients} concurrent clients "
                      f"(python threads + http.client, one uuid4 each)")
                loss = loss_test(app.port, token, questions, rows, args.total, args.clients)
                result["loss"] = loss
                print(f"acknowledged (201): {loss['acknowledged_201']}; rows added: {loss['rows_added']} "
                      f"(with our uuids: {loss['rows_with_our_uuids']}); statuses {loss['statuses']}; "
                      f"5xx: {loss['server_errors_5xx']}")
                print(f"elapsed {loss['elapsed_s']} s, {loss['submissions_per_s']} submissions/s, "
                      f"p50 {loss['p50_ms']} ms, p95 {loss['p95_ms']} ms -> {'OK, none lost' if loss['ok'] else 'FAILED'}")
                if loss["sample_other_answers"]:
                    print("other answers, e.g.: " + " | ".join(loss["sample_other_answers"]))
                if not loss["ok"]:
                    failures.append("loss test: acknowledgements and rows do not match the submissions")
            log_tail = (tmp / "app.log").read_text(errors="replace")[-3000:] if (tmp / "app.log").exists() else ""

    if log_tail.strip():
        print("app error log (tail):\n" + log_tail, file=sys.stderr)
    name = "submissions" if engine.startswith("SQLite") else "submissions-postgresql"
    harness.write_results(name, when, started, database=engine, gunicorn_workers=WORKERS,
                          rate_limit="on; CPPLAN_PROXIES=1 and an X-Forwarded-For address per request (a) or per client (b)",
                          goal={"ratio_min": GOAL}, failures=failures, **result,
                          seconds=round(time.monotonic() - started, 1))
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures), file=sys.stderr)
    if any(f.startswith("errors") for f in failures):
        return 2
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.exit(main())
