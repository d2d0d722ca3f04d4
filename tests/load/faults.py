"""Load with faults: survey submissions from many phones while a gunicorn worker is killed (and, on
PostgreSQL, the database restarted); every acknowledged submission must be stored exactly once.

    .venv/bin/python tests/load/faults.py [--total 10000] [--clients 100] [--workers 4]
        [--database-url postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dfaults]
        [--kill-at 0.3] [--backup-at 0.5] [--restart-db-at 0.6] [--down-seconds 4]

Builds the demo database (a temporary SQLite file in WAL mode, or the PostgreSQL URL given, which
the demo command resets), serves wsgi:app with gunicorn (--workers sync workers; rate limits in
Redis, CPPLAN_RATELIMIT_STORAGE_URI, as in production; CPPLAN_PROXIES=1 so each submission's
X-Forwarded-For names its phone) and sends --total offline-sync submissions to Kyzyl-Suu's open
survey from --clients threads, each submission with its own uuid4 and a realistic answer set.

A client retries the same uuid and answers until it is acknowledged (201 stored, or 200 "already
stored"), as the offline survey page does: on a dropped connection, a 5xx, a 503 or a 429 it waits
(0.1 s doubling to 2 s) and sends again, at most 60 times.

Faults: when --kill-at of the submissions are acknowledged, one worker gets SIGKILL (the arbiter
starts a new one); with PostgreSQL, at --restart-db-at the cluster is stopped (fast mode) for
--down-seconds and started again. While it is down the app must answer 503, never 500.
With SQLite, at --backup-at `flask --app cpplan backup` copies the database while the clients keep
writing; the copy must pass `PRAGMA integrity_check`, hold at least every submission acknowledged
before the backup started (and no more than were stored when it ended), and restore to a working
app: `flask db upgrade` on it, then gunicorn serves it (/healthz, the landing page, the survey's
questions) and stores a new submission in it.

Checks (exit 1 when one fails): every submission acknowledged; the stored rows of the survey grew by
exactly --total and hold exactly the acknowledged uuids (none missing, none extra, none twice); no
500 answer; the worker was replaced; the kept counts (survey_tallies) equal a full recount from the
stored answers. Prints the figures and writes benchmarks/results/faults-<sqlite|postgresql>.json.
Only 127.0.0.1 is contacted; every wait is bounded.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import _harness as harness  # noqa: E402
from submissions import Rows, get_json, realistic_answers  # noqa: E402

MUNICIPALITY = "kyzyl-suu"
REDIS = "redis://127.0.0.1:6379/15"
MAX_TRIES = 60


class Tally:
    """What the clients saw, shared between their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acked: dict[str, int] = {}      # uuid -> status that acknowledged it (201 or 200)
        self.statuses: Counter = Counter()   # every answer or error, by status or exception name
        self.retried: set[str] = set()       # uuids sent more than once
        self.gave_up: list[str] = []

    def note(self, key) -> None:
        with self.lock:
            self.statuses[key] += 1

    def count(self) -> int:
        with self.lock:
            return len(self.acked)


def status_of(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> int:
    """Send one request on a new connection; return its status (the body is read and dropped)."""
    conn = http.client.HTTPConnection(harness.HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def post(port: int, path: str, body: bytes, client: str) -> int:
    return status_of(port, "POST", path, body, {"Content-Type": "application/json", "X-Forwarded-For": client})


def send(port: int, path: str, job: tuple[str, bytes, str], tally: Tally) -> None:
    """Send one submission until it is acknowledged (or MAX_TRIES), as a phone's offline queue does."""
    client_uuid, body, address = job
    wait = 0.1
    for attempt in range(MAX_TRIES):
        if attempt:
            with tally.lock:
                tally.retried.add(client_uuid)
            time.sleep(wait)
            wait = min(wait * 2, 2.0)
        try:
            status = post(port, path, body, address)
        except (OSError, http.client.HTTPException) as exc:
            tally.note(type(exc).__name__)
            continue
        tally.note(status)
        if status in (200, 201):
            with tally.lock:
                tally.acked[client_uuid] = status
            return
        if status not in (429, 500, 502, 503, 504):
            break  # 4xx: the submission itself is wrong; retrying cannot help
    with tally.lock:
        tally.gave_up.append(client_uuid)


def workers_of(server) -> list[int]:
    return server.pids()[1:]


def kill_a_worker(server, workers: int, log: dict) -> None:
    """SIGKILL one worker; wait (30 s at most) until the arbiter has as many workers again."""
    victim = workers_of(server)[0]
    os.kill(victim, signal.SIGKILL)
    log["killed_worker"] = victim
    log["killed_at_s"] = round(time.perf_counter() - log["t0"], 2)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = [p for p in workers_of(server) if p != victim]
        if len(now) >= workers:
            log["replacement_after_s"] = round(time.perf_counter() - log["t0"] - log["killed_at_s"], 2)
            log["workers_after"] = now
            return
        time.sleep(0.1)
    log["replacement_after_s"] = None


def restart_postgres(seconds: float, log: dict) -> None:
    """Stop the PostgreSQL cluster (fast: connections are cut), wait, start it again."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    log["db_down_at_s"] = round(time.perf_counter() - log["t0"], 2)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"],
                   check=True, timeout=60)
    time.sleep(seconds)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True, timeout=60)
    log["db_up_at_s"] = round(time.perf_counter() - log["t0"], 2)


def backup_during_load(env: dict, tmp: Path, rows: "Rows", token: str, tally: Tally, log: dict) -> None:
    """Run `flask --app cpplan backup` while the clients write; note what the copy must hold."""
    target = tmp / "backup.sqlite"
    with tally.lock:
        acked_before = set(tally.acked)
    log["backup_at_s"] = round(time.perf_counter() - log["t0"], 2)
    started = time.perf_counter()
    done = subprocess.run([harness.PYTHON, "-m", "flask", "--app", "cpplan", "backup", str(target)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    log["backup_s"] = round(time.perf_counter() - started, 2)
    log["backup_output"] = (done.stdout + done.stderr).strip()
    log["backup_exit"] = done.returncode
    log["backup_acked_before"] = acked_before
    log["backup_stored_after"] = len(rows.uuids(token))


def check_restore(env: dict, tmp: Path, token: str, questions: list, before: set, log: dict) -> dict:
    """Check the copy made under load: integrity, contents, and that it restores to a working app."""
    import sqlite3

    copy = tmp / "backup.sqlite"
    report: dict = {"command_exit": log.pop("backup_exit"), "command_output": log.pop("backup_output"),
                    "seconds": log.pop("backup_s"), "started_at_s": log.pop("backup_at_s")}
    acked_before, stored_after = log.pop("backup_acked_before"), log.pop("backup_stored_after")
    report["acknowledged_when_it_started"] = len(acked_before)
    if report["command_exit"]:
        return {**report, "ok": False}
    restored = tmp / "restored.sqlite"
    restored.write_bytes(copy.read_bytes())  # "put the copy in place of the file", as docs/deploy.md says
    with sqlite3.connect(restored) as conn:
        report["integrity_check"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
    in_copy = Rows(f"sqlite:///{restored}").uuids(token)
    report["submissions_in_copy"] = len(in_copy - before)
    report["acknowledged_before_but_missing_in_copy"] = len(acked_before - in_copy)
    report["stored_when_it_ended"] = stored_after - len(before)
    restore_env = {**env, "CPPLAN_DATABASE_URL": f"sqlite:///{restored}"}
    upgrade = subprocess.run([harness.PYTHON, "-m", "flask", "--app", "cpplan", "db", "upgrade"], cwd=ROOT,
                             env=restore_env, capture_output=True, text=True, timeout=120)
    report["db_upgrade_exit"] = upgrade.returncode
    with harness.gunicorn("wsgi:app", env=restore_env, log=tmp / "restored.log", workers=1,
                          ready_path="/healthz") as app:
        report["healthz"] = status_of(app.port, "GET", "/healthz")
        report["landing_page"] = status_of(app.port, "GET", "/?lang=ky")
        report["survey_questions"] = len(get_json(app.port, f"/api/v1/surveys/{token}")["questions"])
        new_uuid = str(uuid.uuid4())
        body = json.dumps({"uuid": new_uuid, "answers": realistic_answers(questions, random.Random(7)),
                           "channel": "offline"}).encode()
        report["new_submission"] = post(app.port, f"/api/v1/surveys/{token}/responses", body, "10.250.0.1")
    report["new_submission_stored"] = new_uuid in Rows(f"sqlite:///{restored}").uuids(token)
    report["ok"] = (report["integrity_check"] == "ok" and report["acknowledged_before_but_missing_in_copy"] == 0
                    and report["submissions_in_copy"] <= report["stored_when_it_ended"]
                    and report["db_upgrade_exit"] == 0 and report["healthz"] == 200 and report["landing_page"] == 200
                    and report["new_submission"] == 201 and report["new_submission_stored"])
    return report


def tallies_match(database_url: str, token: str) -> dict:
    """Return the kept counts of the survey against a full recount from its stored answers (rolled back)."""
    os.environ["CPPLAN_DATABASE_URL"] = database_url
    from cpplan import create_app
    from cpplan.extensions import db
    from cpplan.surveys import tally
    from cpplan.surveys.models import Survey, Tally as Count

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        survey = db.session.scalar(db.select(Survey).filter_by(token=token))

        def counts() -> dict:
            return {(c.gender, c.age_band, c.area, c.question_code, c.item, c.value): c.n
                    for c in db.session.scalars(db.select(Count).filter_by(survey_id=survey.id))}

        kept = counts()
        responses = tally.recount(survey.id)
        rebuilt = counts()
        db.session.rollback()
        return {"responses_recounted": responses, "kept_counts": len(kept), "equal": kept == rebuilt,
                "differences": sum(1 for k in set(kept) | set(rebuilt) if kept.get(k) != rebuilt.get(k))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share acknowledged when a worker is killed")
    parser.add_argument("--restart-db-at", type=float, default=0.6, help="PostgreSQL: share acknowledged when the "
                                                                          "database is restarted")
    parser.add_argument("--backup-at", type=float, default=0.5, help="SQLite: share acknowledged when "
                                                                     "`flask backup` runs")
    parser.add_argument("--down-seconds", type=float, default=4.0)
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds before the clients stop sending")
    args = parser.parse_args()
    if not (1 <= args.total <= 50000 and 1 <= args.clients <= 500 and 1 <= args.workers <= 16):
        parser.error("keep --total 1..50000, --clients 1..500, --workers 1..16")
    postgres = bool(args.database_url and args.database_url.startswith("postgresql://"))
    started, when = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")

    with tempfile.TemporaryDirectory(prefix="cpplan-faults-") as tmp_name:
        tmp = Path(tmp_name)
        env, _password = harness.demo_database(tmp, database_url=args.database_url)
        database_url = env["CPPLAN_DATABASE_URL"]
        env.update(CPPLAN_PROXIES="1", CPPLAN_RATELIMIT_STORAGE_URI=REDIS)
        rows = Rows(database_url)
        log: dict = {}
        with harness.gunicorn("wsgi:app", env=env, log=tmp / "app.log", workers=args.workers,
                              ready_path="/healthz") as app:
            token = get_json(app.port, f"/api/v1/municipalities/{MUNICIPALITY}/surveys")["surveys"][0]["token"]
            questions = get_json(app.port, f"/api/v1/surveys/{token}")["questions"]
            path = f"/api/v1/surveys/{token}/responses"
            rng = random.Random(2016)
            jobs = []
            for n in range(args.total):
                client_uuid = str(uuid.uuid4())
                body = json.dumps({"uuid": client_uuid, "answers": realistic_answers(questions, rng),
                                   "channel": "offline"}, ensure_ascii=False).encode()
                jobs.append((client_uuid, body, f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"))
            before = rows.uuids(token)
            tally = Tally()
            log["t0"] = time.perf_counter()
            stop_at = log["t0"] + args.deadline

            def client(mine) -> None:
                for job in mine:
                    if time.perf_counter() > stop_at:
                        with tally.lock:
                            tally.gave_up.append(job[0])
                        continue
                    send(app.port, path, job, tally)

            threads = [threading.Thread(target=client, args=(jobs[i::args.clients],), daemon=True)
                       for i in range(args.clients)]
            for thread in threads:
                thread.start()
            faults = [(args.kill_at, lambda: kill_a_worker(app, args.workers, log))]
            if postgres:
                faults.append((args.restart_db_at, lambda: restart_postgres(args.down_seconds, log)))
            else:
                faults.append((args.backup_at, lambda: backup_during_load(env, tmp, rows, token, tally, log)))
            for share, fault in faults:
                while tally.count() < share * args.total and any(t.is_alive() for t in threads):
                    time.sleep(0.02)
                statuses_before = Counter(tally.statuses)
                fault()
                log.setdefault("answers_around_faults", []).append(
                    {k: v - statuses_before.get(k, 0) for k, v in tally.statuses.items()
                     if v - statuses_before.get(k, 0) and k not in (200, 201)})
            for thread in threads:
                thread.join(timeout=max(1.0, stop_at + 120 - time.perf_counter()))
            elapsed = time.perf_counter() - log["t0"]
            after = rows.uuids(token)
        backup = None if postgres else check_restore(env, tmp, token, questions, before, log)
        counts_check = tallies_match(database_url, token)

    ours = {job[0] for job in jobs}
    acked = set(tally.acked)
    added = after - before
    result = {
        "database": "PostgreSQL" if postgres else "SQLite (WAL)", "workers": args.workers, "clients": args.clients,
        "submissions": args.total, "acknowledged": len(acked),
        "acknowledged_on_retry_as_already_stored_200": sum(1 for s in tally.acked.values() if s == 200),
        "sent_more_than_once": len(tally.retried), "gave_up": len(tally.gave_up),
        "rows_added": len(added), "acknowledged_and_stored": len(acked & added),
        "acknowledged_but_missing": len(acked - added), "stored_but_never_acknowledged": len((added & ours) - acked),
        "rows_not_ours": len(added - ours),
        "answers": {str(k): v for k, v in sorted(tally.statuses.items(), key=str)},
        "server_errors_500": tally.statuses.get(500, 0),
        "faults": {k: v for k, v in log.items() if k != "t0"},
        "kept_counts_equal_recount": counts_check,
        "backup_under_load": backup,
        "elapsed_s": round(elapsed, 1), "submissions_per_s": round(args.total / elapsed, 1),
    }
    failures = []
    if len(acked) != args.total or tally.gave_up:
        failures.append(f"{args.total - len(acked)} submissions never acknowledged")
    if added != acked or len(added) != args.total:
        failures.append("stored rows differ from the acknowledged submissions")
    if result["server_errors_500"]:
        failures.append(f"{result['server_errors_500']} answers were 500")
    if log.get("replacement_after_s") is None:
        failures.append("the killed worker was not replaced")
    if backup is not None and not backup["ok"]:
        failures.append("the backup made under load failed its checks")
    if not counts_check["equal"]:
        failures.append(f"kept counts differ from a recount in {counts_check['differences']} places")
    result["ok"] = not failures
    print(json.dumps(result, indent=1, ensure_ascii=False))
    harness.write_results(f"faults-{'postgresql' if postgres else 'sqlite'}", when, started, **result)
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
