"""Plan documents: seconds to build a 50-measure plan's PDF and DOCX, per language (median of 5).

The goal (issue): the PDF in < 2 s and the DOCX in < 0.5 s. A fresh SQLite database in a temporary directory
holds one municipality with the usual working group of seven, a closed survey of 120 invented respondents
(so the document has its charts) and an adopted plan of 50 library measures over four priority issues
(tests/plan_factory.make_plan: texts in ky/ru/en, lead, partners, indicators, part funded). Each figure is
the time from the plan to the file's bytes, inside the app as a request would run it: the document's
content (database reads, survey results with disclosure control, budget) and its layout (WeasyPrint for the
PDF, python-docx for the DOCX). The funding brief's PDF is measured too. One warm-up run per language
first (templates compiled, fonts loaded).

    .venv/bin/python benchmarks/documents.py [--measures 50] [--repeat 5] [--check]

--check exits 1 when a median is over its goal. Writes benchmarks/results/documents.json.
"""
from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import pypdf  # noqa: E402

from benchmarks._harness import write_results  # noqa: E402
from cpplan import create_app  # noqa: E402
from cpplan.config import LANGUAGES  # noqa: E402
from cpplan.documents import content, render, word  # noqa: E402
from cpplan.extensions import db  # noqa: E402
from cpplan.municipalities.models import Area, Municipality  # noqa: E402
from cpplan.plans.models import Plan  # noqa: E402
from cpplan.surveys import catalogue, services  # noqa: E402
from plan_factory import make_plan, working_group  # noqa: E402

GOALS = {"pdf": 2.0, "docx": 0.5}  # seconds
RESPONDENTS = 120


def _answers(rng: random.Random, areas: list[str], issues: list[str]) -> dict:
    return {"consent": "yes", "gender": rng.choice(("female", "male")), "area": rng.choice(areas),
            "age_band": rng.choice(("18_29", "30_44", "45_59", "60_plus")), "safe_day": rng.randint(2, 5),
            "safe_night": rng.randint(1, 5), "trust_police": rng.randint(1, 5), "trust_inspector": rng.randint(1, 5),
            "issue_seriousness": {code: rng.randint(1, 5) for code in issues},
            "victimisation": rng.choice((["none"], ["livestock_theft"], ["fraud"], ["none"]))}


def build(app, measures: int) -> int:
    """Fill the database: municipality, working group, closed survey, adopted plan; return the plan id."""
    rng = random.Random(2016)
    with app.app_context():
        db.drop_all()
        db.create_all()
        catalogue.seed()
        m = Municipality(slug="kyzyl-suu", name_ky="Кызыл-Суу", name_ru="Кызыл-Суу", name_en="Kyzyl-Suu",
                         region="issyk_kul", kind="aiyl_aimak", population=24_800, lat=42.34, lon=78.0)
        for name in ("Борбор", "Тоо-Башы", "Ак-Суу"):
            m.areas.append(Area(kind="village", name_ky=name, name_ru=name, name_en=name))
        db.session.add(m)
        db.session.commit()
        working_group(m)
        survey = services.create_standard(m)
        services.open_survey(survey)
        db.session.commit()
        areas, issues = [str(a.id) for a in m.areas], [i.code for i in catalogue.issues_for(m.id)]
        for _ in range(RESPONDENTS):
            services.submit(survey, str(uuid.uuid4()), _answers(rng, areas, issues), "web")
        services.close_survey(survey)
        db.session.commit()
        return make_plan(m.id, measures=measures, status="adopted", council=("14/3", date(2026, 4, 2)))


def _median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(app, plan_id: int, lang: str, repeat: int) -> dict:
    """Return the median seconds of the plan's PDF and DOCX and of the brief's PDF in lang, and the page counts."""
    reader = content.Reader(names=True, internal=True)

    def run(make):
        with app.test_request_context(f"/?lang={lang}"):
            plan = db.session.get(Plan, plan_id)
            out = make(plan)
            db.session.remove()
            return out

    jobs = {"pdf": lambda plan: render.pdf(content.plan_document(plan, lang, reader)),
            "docx": lambda plan: word.docx_bytes(content.plan_document(plan, lang, reader)),
            "brief_pdf": lambda plan: render.pdf(content.funding_brief(plan, lang))}
    found = {}
    for name, job in jobs.items():
        data = run(job)  # warm-up, and the file to describe
        found[f"{name}_s"] = round(_median_seconds(lambda: run(job), repeat), 3)
        found[f"{name}_kib"] = round(len(data) / 1024, 1)
        if name.endswith("pdf"):
            found[f"{name}_pages"] = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measures", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    started, when = time.monotonic(), datetime.now(timezone.utc).isoformat(timespec="seconds")
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'documents.sqlite'}",
                          "SECRET_KEY": "bench-" + "x" * 32, "TESTING": False})
        plan_id = build(app, args.measures)
        figures = {}
        for lang in LANGUAGES:
            figures[lang] = row = measure(app, plan_id, lang, args.repeat)
            print(f"{lang}: plan PDF {row['pdf_s'] * 1000:.0f} ms ({row['pdf_pages']} pages, {row['pdf_kib']} KiB), "
                  f"DOCX {row['docx_s'] * 1000:.0f} ms ({row['docx_kib']} KiB), funding brief PDF "
                  f"{row['brief_pdf_s'] * 1000:.0f} ms ({row['brief_pdf_pages']} pages)", flush=True)
        with app.app_context():
            db.drop_all()
    write_results("documents", when, started, measures=args.measures, respondents=RESPONDENTS,
                  repeat=args.repeat, goals_s=GOALS, figures=figures)
    over = [f"{lang} {kind}" for lang, row in figures.items() for kind, goal in GOALS.items()
            if row[f"{kind}_s"] >= goal]
    if over:
        print("over the goal:", ", ".join(over))
    return 1 if args.check and over else 0


if __name__ == "__main__":
    sys.exit(main())
