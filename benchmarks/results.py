"""Results and ranking at 10,000, 100,000 and 1,000,000 responses: time to compute, growth with size.

For each size N, a fresh database (SQLite file in a temporary directory, or a schema of its own in
PostgreSQL with --database-url) gets one municipality with three villages and one closed survey of
the standard questionnaire, and N invented responses stored as the app stores them: a response row,
its answer rows (about 25 per response) and the counts kept as responses arrive (survey_tallies,
added with the same `tally.contributions` the submission path uses). Answers are drawn from a pool of
5,000 invented respondents (seed 2016) so that building 25 million rows stays within minutes.

Then, in the app (no HTTP server: the time of the work itself), --repeat times each:
  compute  queries.build() for everyone and each split (gender, age band, village) -- every table,
           every disclosure-control decision, the issue ranking -- plus queries.issue_figures()
           (what the scoring matrix reads);
  page     GET /m/<slug>/results/<id>?split=... through Flask's test client, for the four views
           (templates and all, as a phone gets it).
Medians are reported, with the growth factor from one size to the next (linear growth would be 10x).
Also checked once per size: the kept counts equal a recount from the stored answers (skipped above
100,000 unless --recount-all: a full recount reads every answer row in Python, which is exactly what
the results never do).

    .venv/bin/python benchmarks/results.py [--sizes 10000,100000,1000000] [--repeat 5]
        [--database-url postgresql://...] [--check]

--check exits 1 unless 100,000 responses take < 0.5 s and 1,000,000 take < 5 s (compute and page).
Writes benchmarks/results/results.json (results-postgresql.json with a PostgreSQL URL).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from benchmarks._harness import write_results  # noqa: E402
from cpplan import create_app  # noqa: E402
from cpplan.extensions import db  # noqa: E402
from cpplan.municipalities.models import Area, Municipality  # noqa: E402
from cpplan.surveys import catalogue, services, tally  # noqa: E402
from cpplan.surveys.models import Answer, Response, Survey, Tally  # noqa: E402
from cpplan.surveys.validation import fingerprint, rows  # noqa: E402

SPLITS = ("", "gender", "age_band", "area")
POOL = 5_000
BATCH = 5_000


def _respondent(rng: random.Random, areas: list[str], issues: list[str]) -> dict:
    answers = {"consent": "yes", "safe_day": rng.choice((2, 3, 4, 4, 5)), "safe_night": rng.choice((1, 2, 3, 3, 4)),
               "issue_seriousness": {c: rng.randint(1, 5) for c in issues if rng.random() < 0.9},
               "victimisation": rng.sample(["livestock_theft", "fraud", "assault", "domestic_violence",
                                            "road_accident"], rng.choice((0, 0, 0, 1, 1, 2))) or ["none"],
               "trust_police": rng.randint(1, 5), "trust_inspector": rng.randint(1, 5),
               "area": rng.choice(areas), "unsafe_area": rng.choice(areas)}
    if rng.random() < 0.97:
        answers["gender"] = rng.choice(("female", "male"))
    if rng.random() < 0.95:
        answers["age_band"] = rng.choice(("14_17", "18_29", "30_44", "45_59", "60_plus"))
    return answers


def build(app, n: int, seed: int = 2016) -> tuple[int, float]:
    """Fill the database with one survey of n responses; return the survey id and the seconds it took."""
    started = time.monotonic()
    rng = random.Random(seed)
    with app.app_context():
        db.drop_all()
        db.create_all()
        catalogue.seed()
        m = Municipality(slug="bench", name_ky="Сынак", name_ru="Тест", name_en="Bench", region="issyk_kul",
                         kind="aiyl_aimak", population=50_000, lat=42.34, lon=78.0)
        for name, dlat in (("Борбор", 0), ("Тоо-Башы", .05), ("Суу-Бою", -.05)):
            m.areas.append(Area(kind="village", name_ky=name, name_ru=name, name_en=name, lat=42.34 + dlat, lon=78.0))
        db.session.add(m)
        db.session.flush()
        survey = services.create_standard(m)
        services.open_survey(survey)
        db.session.flush()
        kinds = {q.code: q.kind for q in survey.current_questions()}
        areas = [str(a.id) for a in m.areas]
        issues = [i.code for i in catalogue.issues_for(m.id)]
        pool = []
        for _ in range(POOL):
            answers = _respondent(rng, areas, issues)
            assert services.check(survey, answers).ok
            answer_rows = rows(answers, kinds)
            pool.append((fingerprint(answers), answer_rows, tally.contributions(answer_rows, kinds)))
        chosen = Counter()
        now = datetime.now(timezone.utc)
        connection = db.session.connection()
        for start in range(0, n, BATCH):
            picks = [rng.randrange(POOL) for _ in range(min(BATCH, n - start))]
            chosen.update(picks)
            ids = connection.execute(insert(Response.__table__).returning(Response.__table__.c.id,
                                                                         sort_by_parameter_order=True), [
                {"survey_id": survey.id, "version": 1, "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                 "payload_sha256": pool[p][0], "channel": "web", "received_dt": now} for p in picks]).scalars().all()
            connection.execute(insert(Answer.__table__), [
                {"response_id": rid, "survey_id": survey.id, "question_code": code, "item": item, "number": number,
                 "text": text} for rid, p in zip(ids, picks) for code, item, number, text in pool[p][1]])
        counts = Counter()
        for p, times in chosen.items():
            for key, value in pool[p][2].items():
                counts[key] += value * times
        tally.add(survey.id, counts)
        services.close_survey(survey)
        db.session.commit()
        return survey.id, time.monotonic() - started


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(app, survey_id: int, repeat: int) -> dict:
    """Return the median seconds of computing every view and of serving the four result pages."""
    from cpplan.results import queries

    def compute():
        with app.test_request_context("/?lang=ru"):
            survey = db.session.get(Survey, survey_id)
            for split in SPLITS:
                queries.build(survey, split)
            queries.issue_figures(survey.municipality)
            db.session.remove()

    client = app.test_client()

    def pages():
        for split in SPLITS:
            response = client.get(f"/m/bench/results/{survey_id}?lang=ru" + (f"&split={split}" if split else ""))
            assert response.status_code == 200, response.status_code

    compute()
    pages()  # warm: templates compiled, catalogues loaded
    return {"compute_s": _median_seconds(compute, repeat), "pages_s": _median_seconds(pages, repeat)}


def recount_matches(app, survey_id: int) -> bool:
    """Return True when the kept counts equal a recount from every stored answer."""
    with app.app_context():
        kept = {(t.gender, t.age_band, t.area, t.question_code, t.item, t.value): t.n
                for t in db.session.scalars(db.select(Tally).filter_by(survey_id=survey_id))}
        tally.recount(survey_id)
        recounted = {(t.gender, t.age_band, t.area, t.question_code, t.item, t.value): t.n
                     for t in db.session.scalars(db.select(Tally).filter_by(survey_id=survey_id))}
        db.session.rollback()
        return kept == recounted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--recount-all", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    started, when = time.monotonic(), datetime.now(timezone.utc).isoformat(timespec="seconds")
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'results.sqlite'}"
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 32, "TESTING": False})
        for n in sizes:
            survey_id, built_s = build(app, n)
            found = measure(app, survey_id, args.repeat)
            checked = recount_matches(app, survey_id) if (n <= 100_000 or args.recount_all) else None
            with app.app_context():
                tallies = db.session.scalar(db.select(db.func.count()).select_from(Tally))
                answers = db.session.scalar(db.select(db.func.count()).select_from(Answer))
            row = {"responses": n, "answer_rows": answers, "tally_rows": tallies, "build_s": round(built_s, 1),
                   "compute_s": round(found["compute_s"], 4), "pages_s": round(found["pages_s"], 4),
                   "recount_matches": checked}
            figures.append(row)
            print(f"{n:>9,} responses ({answers:,} answer rows, {tallies:,} kept counts; built in {built_s:.0f} s): "
                  f"compute {found['compute_s'] * 1000:.0f} ms, four pages {found['pages_s'] * 1000:.0f} ms"
                  + ("" if checked is None else f", recount {'matches' if checked else 'DIFFERS'}"), flush=True)
        with app.app_context():
            db.drop_all()
    for before, after in zip(figures, figures[1:]):
        growth = after["compute_s"] / before["compute_s"] if before["compute_s"] else None
        print(f"growth {before['responses']:,} -> {after['responses']:,} "
              f"(x{after['responses'] // before['responses']}): compute x{growth:.2f}, "
              f"pages x{after['pages_s'] / before['pages_s']:.2f}")
    name = "results-postgresql" if args.database_url else "results"
    write_results(name, when, started, figures=figures)
    if args.check:
        limits = {100_000: 0.5, 1_000_000: 5.0}
        failed = [row for row in figures if row["responses"] in limits
                  and max(row["compute_s"], row["pages_s"]) >= limits[row["responses"]]]
        failed += [row for row in figures if row["recount_matches"] is False]
        if failed:
            print("over the limit or counts differ:", failed)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
