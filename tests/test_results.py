"""Published survey results: pages, CSV, API, the hotspot map and rounds compared (access and disclosure control)."""
from __future__ import annotations

import csv
import html
import io
import re
import uuid

import pytest
from access_cases import LOGIN, logged_in_client, outcome, translated
from test_kobo_import import as_csv, export_rows

from cpplan.extensions import db
from cpplan.municipalities.models import Area, Municipality
from cpplan.surveys import services, tally
from cpplan.surveys.models import Survey, Tally

SPLITS = ("", "gender", "age_band", "area")
LANGS = ("ky", "ru", "en")
SENSITIVE_ISSUES = ("domestic_violence", "violent_extremism")
FEMALE = {"ky": "Аял", "ru": "Женщина", "en": "Woman"}
TITLE = {"ky": "Сурамжылоонун жыйынтыктары", "ru": "Результаты опроса", "en": "Survey results"}


# --- building surveys ------------------------------------------------------------------------------

def municipality(slug: str) -> Municipality:
    return db.session.scalar(db.select(Municipality).filter_by(slug=slug))


def add_area(app, slug: str, name_en: str, name_ky: str | None = None, name_ru: str | None = None,
             lat: float | None = None, lon: float | None = None) -> str:
    """Add a village to the municipality; return its id as the area question's answer."""
    with app.app_context():
        area = Area(municipality=municipality(slug), kind="village", name_en=name_en,
                    name_ky=name_ky or name_en, name_ru=name_ru or name_en, lat=lat, lon=lon)
        db.session.add(area)
        db.session.commit()
        return str(area.id)


def first_area(app, slug: str) -> str:
    with app.app_context():
        return str(municipality(slug).areas[0].id)


def make_survey(app, slug: str, people: list[dict], status: str = "closed", round_: str = "baseline") -> int:
    """Create a standard survey, store each person's answers (consent added) through services.submit, set status."""
    with app.app_context():
        survey = services.create_standard(municipality(slug), round_)
        if status in ("open", "closed"):
            services.open_survey(survey)
        db.session.commit()
        for answers in people:
            services.submit(survey, str(uuid.uuid4()), {"consent": "yes", **answers}, "web")
        if status == "closed":
            services.close_survey(survey)
        db.session.commit()
        return survey.id


def mixed_people(areas: list[str], n: int = 40) -> list[dict]:
    """Realistic answers of n people: both genders, every age band, the villages given, some victimisation."""
    ages = ("14_17", "18_29", "30_44", "45_59", "60_plus")
    events = (["fraud"], ["theft_burglary"], ["none"], ["assault"], ["none"], ["fraud", "theft_burglary"],
              ["livestock_theft"], ["none"])
    people = []
    for i in range(n):
        person = {"gender": ("female", "male")[i % 2], "age_band": ages[(i // 2) % 5], "area": areas[i % len(areas)],
                  "safe_day": 1 + (i * 3) % 5, "safe_night": 1 + (i * 7) % 5, "trust_police": 1 + i % 5,
                  "victimisation": events[i % len(events)], "unsafe_area": areas[(i + 1) % len(areas)],
                  "issue_seriousness": {"road_safety": 4 + i % 2, "fraud": 1 + i % 3, "theft_burglary": 1 + i % 5,
                                        "livestock_theft": 2 + i % 3}}
        if i % 13 == 5:
            del person["age_band"]  # a few skip a question
        people.append(person)
    return people


# --- reading outputs -------------------------------------------------------------------------------

def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def strip_tags(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def result_section(body: str, code: str) -> str:
    """Return the raw HTML of one question's results section (id q-<code>)."""
    match = re.search(rf'<section class="result" id="q-{code}".*?</section>', body, re.S)
    assert match, f"no section q-{code}"
    return match.group(0)


def table_rows(fragment: str) -> dict[str, list[tuple[str, str | None]]]:
    """Return {row header: [(count text, percent text or None), ...]} of the tables in a fragment (raw HTML)."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", fragment, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if not header:
            continue
        cells = []
        for cell in re.findall(r"<td>(.*?)</td>", row, re.S):
            pct = re.search(r'<span class="pct">(.*?)</span>', cell, re.S)
            count = re.sub(r'<span class="pct">.*?</span>', "", cell, flags=re.S)
            cells.append((strip_tags(count), strip_tags(pct.group(1)) if pct else None))
        found[strip_tags(header.group(1))] = cells
    return found


def markers(app, lang: str, threshold: int) -> set[str]:
    return {translated(app, "<%(min)s", lang, min=threshold), translated(app, "hidden", lang)}


def as_number(cell: str) -> int | None:
    """Return a published count written with the locale's grouping, or None when it is not a number."""
    digits = re.sub(r"[\s\u00a0\u202f,]", "", cell)
    return int(digits) if digits.isdigit() else None


def small_published(value, threshold: int) -> bool:
    """True when a published count lies in 1..threshold-1 (it must have been hidden)."""
    return isinstance(value, int) and 0 < value < threshold


def csv_problems(rows: list[dict], min_cell: int = 5, min_sensitive: int = 10) -> list[str]:
    """Return every CSV count that is small but published, marked with the wrong threshold, or has a percentage while hidden."""
    problems = []
    for row in rows:
        code = row["question"]
        sensitive = code == "victimisation" or code.removeprefix("issue/") in SENSITIVE_ISSUES
        threshold = min_sensitive if sensitive else min_cell
        count = row["count"]
        if count == "" and row["answer"] == "*mean":
            continue
        if count in ("hidden", f"<{threshold}"):
            if row["percent"] != "":
                problems.append(f"percentage of a hidden count: {row}")
            continue
        if not count.isdigit():
            problems.append(f"unknown marker: {row}")
        elif small_published(int(count), threshold):
            problems.append(f"small count published: {row}")
    return problems


def api_problems(data: dict) -> list[str]:
    """Return every API count that is small but published or whose percentage is given while it is hidden."""
    t, ts = data["thresholds"]["ordinary"], data["thresholds"]["sensitive"]
    problems = []
    for q in data["questions"]:
        threshold = ts if q["sensitive"] else t
        for n in q["answered"]:
            if small_published(n, threshold):
                problems.append(f"{q['code']} answered {n}")
        for row in q["rows"]:
            for n, pct in zip(row["counts"], row["percents"]):
                if small_published(n, threshold):
                    problems.append(f"{q['code']}/{row['key']}: {n}")
                if isinstance(n, str) and pct is not None:
                    problems.append(f"{q['code']}/{row['key']}: percentage {pct} of hidden {n}")
                if isinstance(n, str) and n not in ("hidden", f"<{threshold}"):
                    problems.append(f"{q['code']}/{row['key']}: marker {n}")
    for issue in data["issues"]:
        threshold = ts if issue["sensitive"] else t
        for n, pct, mean in zip(issue["answered"], issue["serious_percent"], issue["mean"]):
            if small_published(n, threshold):
                problems.append(f"issue {issue['code']} answered {n}")
            if isinstance(n, str) and (pct is not None or mean is not None):
                problems.append(f"issue {issue['code']}: figures of hidden {n}")
    return problems


def page_problems(app, body: str, lang: str) -> list[str]:
    """Return every count cell of the results tables on a page that is small but published or has a hidden percentage."""
    problems = []
    for match in re.finditer(r'<section class="result" id="q-([a-z_]+)".*?</section>', body, re.S):
        code, fragment = match.group(1), match.group(0)
        threshold = 10 if code == "victimisation" else 5
        hidden = markers(app, lang, threshold)
        summaries = {translated(app, "Mean (1–5)", lang), translated(app, "Answered 4 or 5", lang)}
        for label, cells in table_rows(fragment).items():
            if label in summaries:
                continue
            for count, pct in cells:
                if count in hidden:
                    if pct is not None:
                        problems.append(f"{code}/{label}: percentage {pct} of hidden count")
                    continue
                if count in ("—", "") or "%" in count:
                    continue  # means and shares in the footer
                number = as_number(count)
                if number is None:
                    if not re.fullmatch(r"[\d.,\s]+", count):
                        problems.append(f"{code}/{label}: unexpected cell {count!r}")
                elif small_published(number, threshold):
                    problems.append(f"{code}/{label}: small count {number} published")
    return problems


# --- access ----------------------------------------------------------------------------------------

def urls(slug: str, sid: int) -> dict[str, str]:
    return {"page": f"/m/{slug}/results/{sid}", "csv": f"/m/{slug}/results/{sid}/results.csv",
            "map": f"/m/{slug}/results/{sid}/map", "api": f"/api/v1/municipalities/{slug}/surveys/{sid}/results"}


@pytest.mark.parametrize("lang", LANGS)
def test_closed_results_are_public_in_every_language_and_split(app, world, lang):
    slug = world["home"]
    sid = make_survey(app, slug, mixed_people([first_area(app, slug)], 20))
    client = app.test_client()
    for split in SPLITS:
        response = client.get(f"/m/{slug}/results/{sid}?split={split}&lang={lang}")
        assert response.status_code == 200, split
        body = text(response)
        assert TITLE[lang] in body
        if split != "gender":
            assert FEMALE[lang] in strip_tags(result_section(response.get_data(as_text=True), "gender"))
        else:  # the groups are columns
            assert re.search(rf'<th scope="col">{FEMALE[lang]}</th>', body)
        assert not page_problems(app, response.get_data(as_text=True), lang)
        for kind in ("csv", "api"):
            assert client.get(urls(slug, sid)[kind] + f"?split={split}").status_code == 200
    # An unknown split falls back to everyone: the same tables, no group columns.
    bogus = client.get(f"/m/{slug}/results/{sid}?split=bogus&lang={lang}").get_data(as_text=True)
    everyone = client.get(f"/m/{slug}/results/{sid}?lang={lang}").get_data(as_text=True)
    tables = lambda body: re.findall(r'<table class="counts results">.*?</table>', body, re.S)  # noqa: E731
    assert tables(bogus) == tables(everyone)
    assert f'<th scope="col">{FEMALE[lang]}</th>' not in bogus
    assert client.get(urls(slug, sid)["api"] + "?split=bogus").get_json()["split"] is None
    assert {r["split"] for r in csv_rows(client.get(urls(slug, sid)["csv"] + "?split=bogus"))} == {"all"}


def test_open_results_need_a_role_and_drafts_have_none(app, world):
    slug = world["home"]
    open_id = make_survey(app, slug, mixed_people([first_area(app, slug)], 10), status="open")
    draft_id = make_survey(app, slug, [], status="draft")
    foreign_id = make_survey(app, world["other"], [], status="closed")
    anonymous = app.test_client()
    for kind, url in urls(slug, open_id).items():
        response = anonymous.get(url)
        if kind == "api":
            assert response.status_code == 403 and response.get_json()["error"] == "not_published"
        else:
            assert outcome(response) == LOGIN, url
    for role in ("police", "viewer", "member", "facilitator"):
        client = logged_in_client(app, world["users"][role])
        for kind, url in urls(slug, open_id).items():
            assert client.get(url).status_code == 200, (role, url)
    outsider = logged_in_client(app, world["users"]["outsider"])
    for url in urls(slug, open_id).values():
        assert outsider.get(url).status_code == 403, url
    coordinator = logged_in_client(app, world["users"]["coordinator"])
    for sid in (draft_id, foreign_id):  # a draft has no results; another municipality's id is not found here
        for kind, url in urls(slug, sid).items():
            for client in (anonymous, coordinator):
                response = client.get(url)
                assert response.status_code == 404, url
                if kind == "api":
                    assert response.is_json and response.get_json()["error"] in ("not_found", "404")
    # The foreign survey's results are public under its own municipality.
    assert anonymous.get(urls(world["other"], foreign_id)["page"]).status_code == 200


def test_latest_redirects_to_the_newest_visible_survey(app, world):
    slug = world["home"]
    anonymous = app.test_client()
    assert anonymous.get(f"/m/{slug}/results").status_code == 404
    closed_id = make_survey(app, slug, [])
    open_id = make_survey(app, slug, [], status="open")
    assert anonymous.get(f"/m/{slug}/results").headers["Location"] == f"/m/{slug}/results/{closed_id}"
    police = logged_in_client(app, world["users"]["police"])
    assert police.get(f"/m/{slug}/results").headers["Location"] == f"/m/{slug}/results/{open_id}"


# --- disclosure control ----------------------------------------------------------------------------

def test_three_women_are_never_shown_as_three(app, world):
    slug = world["home"]
    area = first_area(app, slug)
    people = [{"gender": "female", "age_band": "30_44", "area": area, "safe_day": 4}] * 3 + \
             [{"gender": "male", "age_band": "30_44", "area": area, "safe_day": 2}] * 7
    sid = make_survey(app, slug, people)
    client = app.test_client()
    for split in SPLITS:
        raw = client.get(f"/m/{slug}/results/{sid}?split={split}&lang=en").get_data(as_text=True)
        assert not page_problems(app, raw, "en")
        for cells in table_rows(raw).values():
            assert all(count != "3" for count, _pct in cells), split
        rows = csv_rows(client.get(f"/m/{slug}/results/{sid}/results.csv?split={split}"))
        assert not csv_problems(rows)
        assert all(r["count"] != "3" for r in rows)
        data = client.get(f"/api/v1/municipalities/{slug}/surveys/{sid}/results?split={split}").get_json()
        assert not api_problems(data)
        published = [n for q in data["questions"] for r in q["rows"] for n in r["counts"]]
        published += [n for q in data["questions"] + data["issues"] for n in q["answered"]]
        assert 3 not in published and data["respondents"] == 10
    raw = client.get(f"/m/{slug}/results/{sid}?lang=en").get_data(as_text=True)
    gender = table_rows(result_section(raw, "gender"))
    assert gender["Woman"] == [("<5", None)]
    assert gender["Man"][0][0] == "hidden" and gender["Man"][0][1] is None  # 7 would give 3 away from the total 10
    women = [r for r in csv_rows(client.get(f"/m/{slug}/results/{sid}/results.csv?split=gender")) if r["group"] == "female"]
    assert {r["count"] for r in women if r["answer"] == "*answered" and r["question"] in ("age_band", "area", "safe_day")} == {"<5"}


@pytest.mark.parametrize("split", SPLITS)
def test_no_small_count_is_published_anywhere(app, world, split):
    slug = world["home"]
    areas = [first_area(app, slug), add_area(app, slug, "Ak-Suu"), add_area(app, slug, "Chong-Tash")]
    sid = make_survey(app, slug, mixed_people(areas, 45))
    client = app.test_client()
    rows = csv_rows(client.get(f"/m/{slug}/results/{sid}/results.csv?split={split}"))
    assert rows and not csv_problems(rows)
    assert {r["split"] for r in rows} == {split or "all"}
    data = client.get(f"/api/v1/municipalities/{slug}/surveys/{sid}/results?split={split}").get_json()
    assert not api_problems(data)
    assert data["split"] == (split or None)
    for lang in LANGS:
        raw = client.get(f"/m/{slug}/results/{sid}?split={split}&lang={lang}").get_data(as_text=True)
        assert not page_problems(app, raw, lang)
    # Something is published at all: the respondents and the first victimisation answers.
    assert data["respondents"] == 45
    assert any(isinstance(n, int) and n >= 10 for q in data["questions"] if q["code"] == "victimisation"
               for r in q["rows"] for n in r["counts"])


# --- issues ranked, means, rounds ------------------------------------------------------------------

def ranked_people(n: int = 20, road_5: int = 10) -> list[dict]:
    """n people rating road safety 5 (road_5 of them) or 4 (or 3 beyond n/2), fraud 1 or 2; feeling safe 4 or 2."""
    people = []
    for i in range(n):
        road = 5 if i < road_5 else (4 if i < n // 2 + road_5 // 2 else 3)
        people.append({"gender": ("female", "male")[i % 2], "safe_day": 4 if i < 12 else 2,
                       "issue_seriousness": {"road_safety": road, "fraud": 1 + i % 2}})
    return people


def test_issues_are_ranked_with_means_and_serious_shares(app, world):
    slug = world["home"]
    sid = make_survey(app, slug, [dict(p, issue_seriousness={"road_safety": 5 - (i % 2), "fraud": 1 + i % 2})
                                  for i, p in enumerate(ranked_people())])
    client = app.test_client()
    body = text(client.get(f"/m/{slug}/results/{sid}?lang=en"))
    issues = re.search(r'<section id="issues".*?</section>', body, re.S).group(0)
    assert issues.index("Road safety") < issues.index("Fraud")
    ranking = re.findall(r'<th scope="row">(\d+)\. ([^<]+)', issues)
    assert ranking[0] == ("1", "Road safety") and ranking[1] == ("2", "Fraud")
    road = table_rows(issues)["1. Road safety"][0][0]
    assert road.startswith("100") and "mean 4.5" in road
    assert "mean 1.5" in table_rows(issues)["2. Fraud"][0][0]
    safe_day = table_rows(result_section(body, "safe_day"))
    assert safe_day["Mean (1–5)"][0][0] == "3.2"                 # 12 × 4 + 8 × 2 over 20
    assert safe_day["Answered 4 or 5"][0][0].startswith("60")   # 12 of 20

    rows = csv_rows(client.get(f"/m/{slug}/results/{sid}/results.csv"))
    order = list(dict.fromkeys(r["question"] for r in rows if r["question"].startswith("issue/")))
    assert order.index("issue/road_safety") < order.index("issue/fraud")
    figures = {(r["question"], r["answer"]): r for r in rows if r["group"] == "all"}
    assert figures[("issue/road_safety", "*serious_4_5")]["count"] == "20"
    assert figures[("issue/road_safety", "*serious_4_5")]["percent"] == "100"
    assert figures[("issue/road_safety", "*mean")]["percent"] == "4.5"
    assert figures[("issue/fraud", "*mean")]["percent"] == "1.5"

    data = client.get(f"/api/v1/municipalities/{slug}/surveys/{sid}/results").get_json()
    codes = [i["code"] for i in data["issues"]]
    assert codes[:2] == ["road_safety", "fraud"]
    assert data["issues"][0]["mean"] == [4.5] and data["issues"][0]["serious_percent"] == [100]
    safe = next(q for q in data["questions"] if q["code"] == "safe_day")
    assert safe["mean"] == [3.2] and safe["percent_4_or_5"] == [60]


def test_rounds_compare_baseline_and_follow_up(app, world):
    slug = world["home"]
    client = app.test_client()
    make_survey(app, slug, ranked_people(20, road_5=20))            # road safety serious for 100 %
    assert client.get(f"/m/{slug}/results/rounds").status_code == 404  # one round only
    follow_id = make_survey(app, slug, ranked_people(20, road_5=0), round_="follow_up")  # 4 for 10, 3 for 10: 50 %
    response = client.get(f"/m/{slug}/results/rounds?lang=en")
    assert response.status_code == 200
    rows = table_rows(response.get_data(as_text=True))
    assert rows["Road safety"][2][0] in ("-50 points", "−50 points")
    assert rows["Road safety"][0][0].startswith("100") and rows["Road safety"][1][0].startswith("50")
    assert rows["Fraud"][2][0] == "0 points"  # 0 % rated fraud serious in both rounds
    results = text(client.get(f"/m/{slug}/results/{follow_id}?lang=en"))
    assert f"/m/{slug}/results/rounds" in results  # the results page links to the comparison


def test_rounds_need_a_role_while_a_round_is_open(app, world):
    slug = world["home"]
    make_survey(app, slug, ranked_people())
    make_survey(app, slug, ranked_people(), status="open", round_="follow_up")
    assert outcome(app.test_client().get(f"/m/{slug}/results/rounds")) == LOGIN
    assert logged_in_client(app, world["users"]["police"]).get(f"/m/{slug}/results/rounds").status_code == 200


# --- the hotspot map -------------------------------------------------------------------------------

def test_map_draws_only_villages_named_by_enough_people(app, world):
    slug = world["home"]
    named = add_area(app, slug, "Jany-Jol", "Жаңы-Жол", "Жаны-Жол", lat=42.30, lon=78.10)
    few = add_area(app, slug, "Kichi-Too", "Кичи-Тоо", "Кичи-Тоо", lat=42.40, lon=78.20)
    people = [{"gender": "male", "unsafe_area": named}] * 8 + [{"gender": "female", "unsafe_area": few}] * 3
    sid = make_survey(app, slug, people)
    response = app.test_client().get(f"/m/{slug}/results/{sid}/map?lang=en")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "http://" not in body and "https://" not in body
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in body
    assert 'href="/static/vendor/leaflet/leaflet.css"' in body
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    inline = [m for m in re.finditer(r"<script\b([^>]*)>(.*?)</script>", body, re.S) if "src=" not in m.group(1)]
    assert inline and all(f'nonce="{nonce}"' in m.group(1) for m in inline)
    script = "".join(m.group(2) for m in inline)
    assert script.count("L.circleMarker(") == 1
    assert "Jany-Jol" in script and "Kichi-Too" not in script and "3 people" not in script
    table = table_rows(body)
    assert table["Kichi-Too"] == [("<5", None)] and table["Jany-Jol"] == [("8", None)]


# --- tallies ---------------------------------------------------------------------------------------

def test_tallies_equal_a_recount_after_an_import(app, world):
    slug = world["home"]
    sid = make_survey(app, slug, mixed_people([first_area(app, slug)], 6), status="open")
    with app.app_context():
        survey = db.session.get(Survey, sid)
        area = str(survey.municipality.areas[0].id)
        given = [{"consent": "yes", "gender": "female", "age_band": "18_29", "area": area, "safe_day": "3",
                  "victimisation": "fraud assault", "_uuid": str(uuid.uuid4()),
                  "ratings": {"road_safety": 4, "domestic_violence": 2}} for _ in range(4)]
        header, rows = export_rows(survey, given)
        report = services.import_kobo(survey, as_csv(header, rows), "export.csv", dry_run=False)
        assert report.stored and report.new == 4

        def kept():
            db.session.expire_all()
            return sorted((t.gender, t.age_band, t.area, t.question_code, t.item, t.value, t.n)
                          for t in db.session.scalars(db.select(Tally).filter_by(survey_id=sid)))

        before = kept()
        assert tally.recount(sid) == 10
        db.session.commit()
        assert kept() == before
        everyone = {}
        for _g, _a, _r, q, i, _v, n in before:
            everyone[(q, i)] = everyone.get((q, i), 0) + n
        assert everyone[("victimisation", "assault")] == 5 and everyone[("*", "")] == 10
