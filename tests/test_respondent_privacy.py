"""Acceptance test of respondent safety: one older woman in a small village reports domestic violence.

About 60 people answer; exactly one — a woman aged 60 or older living in Тоо-Башы, the only woman
over 60 there — ticks "violence in the family" and rates the domestic-violence issue 5. Every output
is fetched (results page per split in three languages, results CSV and API per split, the hotspot map,
the survey page, the planning guide, the response table and CSV, the scoring matrix): wherever
domestic-violence victimisation appears every count is hidden ("<10" or "hidden", zeros of other
groups included) and no percentage is given; the per-respondent views never show it at all; and no
published count anywhere lies between 1 and the threshold, so her group combination is never "1".
"""
from __future__ import annotations

import re

import pytest
from access_cases import logged_in_client, translated
from test_results import (LANGS, SPLITS, add_area, api_problems, csv_problems, csv_rows, first_area, make_survey,
                          markers, page_problems, result_section, strip_tags, table_rows, text)

DV = "domestic_violence"
DV_OPTION = {"ky": "Үй-бүлөдөгү зомбулук", "ru": "Насилие в семье", "en": "Violence in the family"}
DV_ISSUE = {"ky": "Үй-бүлөлүк жана гендердик зомбулук", "ru": "Домашнее и гендерное насилие",
            "en": "Domestic and gender-based violence"}
EVENTS = (["fraud"], ["theft_burglary"], ["none"], ["assault"], ["none"], ["fraud", "theft_burglary"],
          ["livestock_theft"], ["none"], ["assault", "fraud"], ["none"], ["road_accident"])
AGES = ("14_17", "18_29", "30_44", "45_59", "60_plus")


def people(villages: list[str], too_bashy: str) -> list[dict]:
    """59 neighbours with realistic answers, then her: the only woman over 60 in Тоо-Башы, and the only DV report."""
    found = []
    for i in range(59):
        gender = ("female", "male")[i % 2]
        age = AGES[(i // 2) % 5]
        village = villages[i % 3]
        if gender == "female" and age == "60_plus" and village == too_bashy:
            age = "45_59"
        person = {"gender": gender, "age_band": age, "area": village,
                  "safe_day": 2 + i % 4, "safe_night": 1 + (i * 3) % 5, "trust_police": 1 + (i * 2) % 5,
                  "trust_inspector": 1 + i % 5, "victimisation": EVENTS[i % len(EVENTS)],
                  "unsafe_area": villages[(i * 2) % 3],
                  "issue_seriousness": {"road_safety": 3 + i % 3, "fraud": 2 + i % 4, "theft_burglary": 1 + i % 5,
                                        "livestock_theft": 2 + i % 3, "alcohol_drugs": 1 + i % 4,
                                        DV: 1 + i % 4}}  # neighbours rate the DV issue 1..4: she is the only 5
        if i % 17 == 4:
            del person["age_band"]
        if i % 11 == 7:
            person["safer"] = "Street lights near the school"
        found.append(person)
    found.append({"gender": "female", "age_band": "60_plus", "area": too_bashy, "safe_day": 2, "safe_night": 1,
                  "trust_police": 2, "victimisation": [DV], "unsafe_area": too_bashy,
                  "issue_seriousness": {DV: 5, "road_safety": 3}})
    return found


@pytest.fixture
def scene(app, world):
    """The same 60 answers in a closed survey and in an open one (for the facilitator's and police's views)."""
    slug = world["home"]
    too_bashy = add_area(app, slug, "Too-Bashy", "Тоо-Башы", "Тоо-Башы", lat=42.41, lon=78.12)
    villages = [first_area(app, slug), too_bashy, add_area(app, slug, "Ak-Suu", "Ак-Суу", "Ак-Суу", lat=42.30, lon=78.05)]
    answers = people(villages, too_bashy)
    return {"slug": slug, "closed": make_survey(app, slug, answers), "open": make_survey(app, slug, answers, status="open"),
            "too_bashy": too_bashy}


def dv_page_problems(app, raw: str, lang: str, where: str) -> list[str]:
    """Return what a results page tells of the DV victimisation row: each cell must be a marker without a percentage."""
    problems = [f"{where}: {p}" for p in page_problems(app, raw, lang)]
    section = result_section(raw, "victimisation")
    rows = table_rows(section)
    cells = rows.get(DV_OPTION[lang])
    if cells is None:
        return problems + [f"{where}: no row {DV_OPTION[lang]!r} in q-victimisation"]
    hidden = markers(app, lang, 10)
    for n, (count, pct) in enumerate(cells):
        if count not in hidden or pct is not None:
            problems.append(f"{where}: DV cell {n} shows {count!r} ({pct})")
    chart = re.search(rf'class="chart-label">{re.escape(DV_OPTION[lang])}</text>.*?class="chart-value">([^<]*)</text>',
                      section, re.S)
    if not chart or chart.group(1) != translated(app, "hidden", lang):
        problems.append(f"{where}: DV chart shows {chart.group(1) if chart else None!r}")
    issues = re.search(r'<section id="issues".*?</section>', raw, re.S).group(0)
    dv_issue = next((v for k, v in table_rows(issues).items() if DV_ISSUE[lang] in k), None)
    if dv_issue is None:
        problems.append(f"{where}: no DV issue row")
    else:
        for count, _pct in dv_issue:  # her 5 is the only one: neither the share of 4-5 nor the mean may be given
            if not count.startswith("—"):
                problems.append(f"{where}: DV issue shows {count!r}")
    # Nothing else on the page mentions the option with a figure.
    elsewhere = raw.replace(section, "")
    if DV_OPTION[lang] in elsewhere:
        problems.append(f"{where}: DV option named outside its table")
    return problems


def test_results_pages_hide_her_in_every_split_and_language(app, scene):
    slug, problems = scene["slug"], []
    anonymous = app.test_client()
    police = logged_in_client(app, "police@example.org")
    for lang in LANGS:
        for split in SPLITS:
            for who, client, sid in (("anonymous", anonymous, scene["closed"]), ("police", police, scene["open"])):
                response = client.get(f"/m/{slug}/results/{sid}?split={split}&lang={lang}")
                assert response.status_code == 200
                problems += dv_page_problems(app, response.get_data(as_text=True), lang, f"{who} {lang} split={split}")
    assert not problems, "\n".join(problems)


def test_results_csv_and_api_hide_her_in_every_split(app, scene):
    slug, problems = scene["slug"], []
    client = app.test_client()
    for split in SPLITS:
        rows = csv_rows(client.get(f"/m/{slug}/results/{scene['closed']}/results.csv?split={split}"))
        problems += [f"csv {split}: {p}" for p in csv_problems(rows)]
        dv = [r for r in rows if r["question"] == "victimisation" and r["answer"] == DV]
        assert len(dv) == 1 + (0 if not split else len({r["group"] for r in rows}) - 1), split
        problems += [f"csv {split}: DV {r}" for r in dv if r["count"] not in ("<10", "hidden") or r["percent"]]
        for r in rows:
            if r["question"] == f"issue/{DV}" and r["answer"] in ("*serious_4_5", "*mean") and r["percent"]:
                problems.append(f"csv {split}: DV issue {r}")
        data = client.get(f"/api/v1/municipalities/{slug}/surveys/{scene['closed']}/results?split={split}").get_json()
        problems += [f"api {split}: {p}" for p in api_problems(data)]
        victimisation = next(q for q in data["questions"] if q["code"] == "victimisation")
        row = next(r for r in victimisation["rows"] if r["key"] == DV)
        if any(n not in ("<10", "hidden") for n in row["counts"]) or any(p is not None for p in row["percents"]):
            problems.append(f"api {split}: DV {row}")
        issue = next(i for i in data["issues"] if i["code"] == DV)
        if any(v is not None for v in issue["serious_percent"] + issue["mean"]):
            problems.append(f"api {split}: DV issue {issue}")
        assert data["respondents"] == 60
    assert not problems, "\n".join(problems)


def test_map_survey_page_and_guide_do_not_reveal_her(app, scene):
    slug = scene["slug"]
    client = app.test_client()
    facilitator = logged_in_client(app, "facilitator@example.org")
    police = logged_in_client(app, "police@example.org")
    pages = {"map": (client, f"/m/{slug}/results/{scene['closed']}/map"),
             "map (open)": (police, f"/m/{slug}/results/{scene['open']}/map"),
             "guide": (client, f"/m/{slug}"), "guide (police)": (police, f"/m/{slug}"),
             "survey page": (facilitator, f"/m/{slug}/surveys/{scene['closed']}"),
             "survey page (police)": (police, f"/m/{slug}/surveys/{scene['open']}")}
    for lang in LANGS:
        for name, (who, url) in pages.items():
            response = who.get(f"{url}?lang={lang}")
            assert response.status_code == 200, name
            body = text(response)
            # The survey page lists the questionnaire (the option's wording, no figure): leave that list out.
            body = re.sub(r'<ol class="questions">.*?</ol>', "", body, flags=re.S)
            assert DV_OPTION[lang] not in body, (name, lang)
            assert DV not in body.replace(f"c-{DV}", ""), (name, lang)
            if name.startswith("map"):
                assert not page_problems(app, response.get_data(as_text=True), lang)
                for label, cells in table_rows(response.get_data(as_text=True)).items():
                    for count, _pct in cells:
                        assert not re.fullmatch(r"[1-4]", count), (label, count)


def test_response_table_and_csv_never_show_victimisation(app, scene):
    slug = scene["slug"]
    facilitator = logged_in_client(app, "facilitator@example.org")
    police = logged_in_client(app, "police@example.org")
    forbidden = list(DV_OPTION.values()) + [DV, "victimisation"] + [
        "Акыркы 12 айда", "Случалось ли что-то", "In the last 12 months"]
    for sid in (scene["open"], scene["closed"]):
        for lang in LANGS:
            for number in (1, 2):  # 60 responses: two pages of 50
                response = facilitator.get(f"/m/{slug}/surveys/{sid}/responses?page={number}&lang={lang}")
                assert response.status_code == 200
                body = text(response)
                rows = re.findall(r"<tbody>.*?</tbody>", body, re.S)[0].count("<tr>")
                assert rows == (50 if number == 1 else 10)
                for word in forbidden:
                    assert word not in body, (sid, lang, number, word)
                for label in DV_ISSUE.values():  # the DV issue's ratings are left out of every row
                    assert label not in body, (sid, lang, label)
        data = facilitator.get(f"/m/{slug}/surveys/{sid}/responses.csv")
        assert data.status_code == 200
        csv_text = data.get_data(as_text=True)
        header = csv_text.lstrip("\ufeff").splitlines()[0].split(",")
        assert not [h for h in header if "victimisation" in h or DV in h or h == "unsafe_point"]
        for word in forbidden:
            assert word not in csv_text, (sid, word)
        assert len(csv_text.strip().splitlines()) == 61
        assert police.get(f"/m/{slug}/surveys/{sid}/responses").status_code == 403
        assert police.get(f"/m/{slug}/surveys/{sid}/responses.csv").status_code == 403


def test_her_group_combination_is_never_counted_as_one(app, scene):
    """Village x age, village x gender, age x gender: her cell (Тоо-Башы, 60+, woman) is never a published 1..4."""
    slug, client = scene["slug"], app.test_client()
    for split in SPLITS:
        rows = csv_rows(client.get(f"/m/{slug}/results/{scene['closed']}/results.csv?split={split}"))
        assert not csv_problems(rows)
        assert not [r for r in rows if r["count"] == "1"], split
    by_area = csv_rows(client.get(f"/m/{slug}/results/{scene['closed']}/results.csv?split=area"))
    her = [r for r in by_area if r["group"] == scene["too_bashy"] and r["question"] == "age_band" and r["answer"] == "60_plus"]
    assert her and all(r["count"] in ("<5", "hidden") or int(r["count"]) >= 5 for r in her)


def test_priorities_matrix_does_not_reveal_her(app, scene):
    """The scoring matrix (built by another helper): DV's concern and prevalence must be 'no data'."""
    slug = scene["slug"]
    police = logged_in_client(app, "police@example.org")
    response = police.get(f"/m/{slug}/priorities?lang=en")
    assert response.status_code == 200, f"/m/{slug}/priorities answered {response.status_code}"
    body = response.get_data(as_text=True)
    card = re.search(rf'<li class="rank-card" id="issue-{DV}">.*?</li>', body, re.S)
    assert card, "no card of the DV issue"
    no_data = translated(app, "no data", "en")
    for component in ("concern", "prevalence"):
        cell = re.search(rf'<span class="swatch c-{component}"[^>]*></span>.*?</th>\s*<td>(.*?)</td>', card.group(0), re.S)
        assert cell and strip_tags(cell.group(1)) == no_data, (component, cell and cell.group(1))
    assert DV_OPTION["en"] not in body
