"""The open-data JSON API: municipalities, plans and budgets; what anonymous clients and the municipality see."""
from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal as D

import pytest
import schemathesis

from access_cases import logged_in_client, translated
from conftest import create_survey
from cpplan.api import openapi, payloads
from cpplan.budget.models import Allocation, ExchangeRate, Expenditure
from cpplan.budget.progress import IndicatorValue, MeasureProgress
from cpplan.extensions import db
from cpplan.municipalities.models import WorkingGroupMember
from cpplan.plans.models import Plan
from plan_factory import make_plan, working_group
from test_plan_public import (COUNCIL, OPEN_AREA, SECRET_COMMENT, SECRET_MEMBER, SECRET_NOTE, SECRET_USER,
                              SHELTER_AREA, measures_of, with_people_and_places)

RATE_2026 = D("87.4500")
PURPOSE = "Street lights by the school"
SECRET_VALUE_NOTE = "value-note-with-a-name"
NOT_FOUND = "There is no published plan number %(plan_id)s."


@pytest.fixture
def plans(app, world) -> dict:
    """Home's adopted plan (version 1: four measures, one under domestic violence, money, progress, people) and its
    draft version 2; a closed and an open survey. Returns the ids."""
    adopted = adopted_plan_with_people(app, world)
    with app.app_context():
        draft = db.session.get(Plan, make_plan(world["home_id"], measures=2, status="draft"))
        draft.version, draft.previous_id = 2, adopted
        working_group(draft.municipality)
        ids = [ms.id for ms in measures_of(adopted)]
        first, second = ids[0], ids[1]
        author = db.session.get(Plan, adopted).created_by_id
        db.session.add_all([
            Allocation(measure_id=first, source="local_budget", year=2026, amount=D("6000.00"),
                       decision_ref="Decision 7", decided_on=date(2026, 2, 1), created_by_id=author),
            Allocation(measure_id=second, source="donor", donor_name="UNDP", year=2027, amount=D("5000.00"),
                       created_by_id=author),
            Expenditure(measure_id=first, spent_on=date(2026, 4, 15), amount=D("7000.10"), purpose=PURPOSE,
                        document_ref="Act 3", created_by_id=author),
            Expenditure(measure_id=second, spent_on=date(2027, 5, 1), amount=D("1000.00"), purpose="Leaflets",
                        created_by_id=author),
            ExchangeRate(year=2026, kgs_per_usd=RATE_2026),
            MeasureProgress(measure_id=first, percent_complete=40, updated_by_id=author),
            IndicatorValue(indicator_id=measures_of(adopted)[0].indicators[0].id, measured_on=date(2026, 6, 1),
                           value=D("12"), note=SECRET_VALUE_NOTE, created_by_id=author),
        ])
        db.session.commit()
        closed, open_ = create_survey(world["home"], "closed").id, create_survey(world["home"], "open").id
        return {"adopted": adopted, "draft": draft.id, "measures": ids, "closed_survey": closed,
                "open_survey": open_}


def adopted_plan_with_people(app, world) -> int:
    """Add home's adopted plan with its council decision, people, notes and places; return its id."""
    with app.app_context():
        plan_id = make_plan(world["home_id"], status="adopted", council=COUNCIL)
    with_people_and_places(app, world, plan_id)
    return plan_id


def get_json(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True))
    assert response.mimetype == "application/json", url
    return response.get_json()


def every_url(world, plans) -> list[str]:
    return ["/api/v1/municipalities", f"/api/v1/municipalities/{world['home']}",
            *(f"/api/v1/plans/{plans[kind]}{tail}" for kind in ("adopted", "draft") for tail in ("", "/budget"))]


# --- municipalities ----------------------------------------------------------------------------------------

def test_municipalities_show_the_adopted_plan_to_everyone(client, world, plans):
    data = get_json(client, "/api/v1/municipalities")
    home, other = data["municipalities"]  # by slug: kyzyl-suu, uch-korgon
    assert home == {
        "slug": "kyzyl-suu", "name": {"ky": "Кызыл-Суу", "ru": "Кызыл-Суу", "en": "Kyzyl-Suu"},
        "region": "issyk_kul", "district": {"ky": "", "ru": "", "en": ""}, "kind": "aiyl_aimak",
        "population": 24800, "lat": 42.34, "lon": 78.0, "is_demo": False,
        "adopted_plan": {"id": plans["adopted"], "version": 1, "status": "adopted",
                         "url": f"/api/v1/plans/{plans['adopted']}"},
        "links": {"self": "/api/v1/municipalities/kyzyl-suu",
                  "open_surveys": "/api/v1/municipalities/kyzyl-suu/surveys", "public_plan": "/plan/kyzyl-suu"},
    }
    assert other["slug"] == "uch-korgon" and other["adopted_plan"] is None and other["links"]["public_plan"] is None
    assert "latest_plan" not in home and "latest_plan" not in other


def test_municipalities_show_their_own_roles_the_newest_draft(app, world, plans):
    client = logged_in_client(app, world["users"]["viewer"])
    home, other = get_json(client, "/api/v1/municipalities")["municipalities"]
    assert home["latest_plan"] == {"id": plans["draft"], "version": 2, "status": "draft",
                                   "url": f"/api/v1/plans/{plans['draft']}"}
    assert home["adopted_plan"]["id"] == plans["adopted"]
    assert "latest_plan" not in other  # the viewer has no role there
    admin = logged_in_client(app, world["users"]["admin"])
    assert get_json(admin, "/api/v1/municipalities")["municipalities"][1]["latest_plan"] is None


def test_one_municipality_lists_adopted_versions_and_closed_surveys_to_the_public(app, client, world, plans):
    data = get_json(client, f"/api/v1/municipalities/{world['home']}")
    assert [(p["id"], p["version"], p["status"]) for p in data["plans"]] == [(plans["adopted"], 1, "adopted")]
    assert data["plans"][0]["title"]["en"] == "Local crime prevention plan 2026–2028"
    assert (data["plans"][0]["first_year"], data["plans"][0]["last_year"]) == (2026, 2028)
    assert [(s["id"], s["status"]) for s in data["surveys"]] == [(plans["closed_survey"], "closed")]
    assert data["surveys"][0]["results_url"] == (
        f"/api/v1/municipalities/{world['home']}/surveys/{plans['closed_survey']}/results")
    assert "latest_plan" not in data
    inside = get_json(logged_in_client(app, world["users"]["coordinator"]), f"/api/v1/municipalities/{world['home']}")
    assert [p["id"] for p in inside["plans"]] == [plans["draft"], plans["adopted"]]
    assert [s["id"] for s in inside["surveys"]] == [plans["open_survey"], plans["closed_survey"]]
    assert inside["latest_plan"]["id"] == plans["draft"] and inside["adopted_plan"]["id"] == plans["adopted"]
    outsider = get_json(logged_in_client(app, world["users"]["outsider"]), f"/api/v1/municipalities/{world['home']}")
    assert outsider == data


# --- a plan ----------------------------------------------------------------------------------------------------

def test_adopted_plan_in_full(app, client, world, plans):
    data = get_json(client, f"/api/v1/plans/{plans['adopted']}")
    with app.app_context():
        plan = db.session.get(Plan, plans["adopted"])
        expected_measures = [(ms.id, ms.plan_issue.issue.code, ms.title_ky, ms.title_ru, ms.title_en,
                              ms.lead.name_en, sorted(o.name_en for o in ms.partners), ms.start, ms.end,
                              [i.name for i in ms.indicators]) for ms in plan.measures]
    assert (data["id"], data["version"], data["status"], data["municipality"]) == (
        plans["adopted"], 1, "adopted", "kyzyl-suu")
    assert data["title"] == {"ky": "Кылмыштуулуктун алдын алуу боюнча жергиликтүү план 2026–2028",
                             "ru": "Местный план профилактики правонарушений 2026–2028",
                             "en": "Local crime prevention plan 2026–2028"}
    assert (data["first_year"], data["last_year"]) == (2026, 2028)
    assert data["council_decision"] == {"number": "12-3", "date": "2026-05-01"}
    assert [(i["code"], i["sensitive"]) for i in data["issues"]] == [
        ("livestock_theft", False), ("school_racketeering", False), ("domestic_violence", True), ("road_safety", False)]
    assert data["issues"][0]["objective"]["en"] == "(Demo) Halve the number of cases in three years."
    assert [(ms["id"], ms["issue"], ms["title"]["ky"], ms["title"]["ru"], ms["title"]["en"], ms["lead"]["name"]["en"],
             sorted(o["name"]["en"] for o in ms["partners"]), ms["start"], ms["end"],
             [i["name"] for i in ms["indicators"]]) for ms in data["measures"]] == expected_measures
    # Money is an exact decimal string: the library's costs are 10 000.50 + 1 250 per measure; every second is
    # half funded.
    assert [(ms["cost"], ms["funded"]) for ms in data["measures"]] == [
        ("10000.50", None), ("11250.50", "5625.25"), ("12500.50", None), ("13750.50", "6875.25")]
    assert data["total_cost"] == "47502.00"
    assert [ms["percent_complete"] for ms in data["measures"]] == [40, None, None, None]
    assert [ms["status"] for ms in data["measures"]] == ["planned"] * 4
    assert data["measures"][0]["indicators"][0]["target"] == "80"
    assert data["links"] == {"municipality": "/api/v1/municipalities/kyzyl-suu",
                             "budget": f"/api/v1/plans/{plans['adopted']}/budget", "public_page": "/plan/kyzyl-suu/v1"}


def test_sensitive_measure_has_no_place_and_no_measure_has_a_point(client, world, plans):
    data = get_json(client, f"/api/v1/plans/{plans['adopted']}")
    areas = {ms["issue"]: ms["area"] for ms in data["measures"]}
    assert areas["domestic_violence"] is None
    assert areas["road_safety"] == {"ky": OPEN_AREA, "ru": OPEN_AREA, "en": OPEN_AREA}
    assert all(set(ms) >= {"area"} and not set(ms) & {"lat", "lon", "area_id"} for ms in data["measures"])
    text = json.dumps(data, ensure_ascii=False)
    assert SHELTER_AREA not in text and "42.493117" not in text and "78.395571" not in text


@pytest.mark.parametrize("role", ["anonymous", "coordinator", "admin"])
def test_no_person_note_comment_or_point_in_any_answer(app, world, plans, role):
    client = logged_in_client(app, None if role == "anonymous" else world["users"][role])
    with app.app_context():
        people = list(db.session.scalars(db.select(WorkingGroupMember.name)))
    assert SECRET_MEMBER in people and len(people) > 5
    for url in every_url(world, plans) + [f"/api/v1/municipalities/{world['home']}/surveys"]:
        response = client.get(url)
        if response.status_code == 404:
            assert role == "anonymous" and "/plans/" in url, url
            continue
        text = json.dumps(response.get_json(), ensure_ascii=False)  # decoded, however jsonify escaped it
        for secret in (SECRET_USER, SECRET_NOTE, SECRET_COMMENT, SECRET_VALUE_NOTE, SHELTER_AREA, "42.493117",
                       "@example.org", "unseen", *people):
            assert secret not in text, (url, secret)


def test_a_plan_not_adopted_is_404_to_the_public_like_a_missing_one(app, client, world, plans):
    missing = 99999
    for tail in ("", "/budget"):
        draft = get_json(client, f"/api/v1/plans/{plans['draft']}{tail}", 404)
        absent = get_json(client, f"/api/v1/plans/{missing}{tail}", 404)
        assert draft == {"error": "not_found", "message": translated(app, NOT_FOUND, "ky", plan_id=plans["draft"])}
        assert absent == {"error": "not_found", "message": translated(app, NOT_FOUND, "ky", plan_id=missing)}
    outsider = logged_in_client(app, world["users"]["outsider"])  # a coordinator of another municipality
    assert get_json(outsider, f"/api/v1/plans/{plans['draft']}", 404)["error"] == "not_found"
    assert get_json(outsider, f"/api/v1/plans/{plans['draft']}/budget", 404)["error"] == "not_found"


@pytest.mark.parametrize("role", ["coordinator", "viewer", "police", "admin"])
def test_the_municipality_sees_its_draft_and_its_budget(app, world, plans, role):
    client = logged_in_client(app, world["users"][role])
    data = get_json(client, f"/api/v1/plans/{plans['draft']}")
    assert (data["id"], data["status"], data["version"], len(data["measures"])) == (plans["draft"], "draft", 2, 2)
    assert data["council_decision"] is None and data["links"]["public_page"] is None
    budget = get_json(client, f"/api/v1/plans/{plans['draft']}/budget")
    assert budget["total"]["planned"]["kgs"] == "21251.00" and budget["total"]["allocated"]["kgs"] == "0.00"
    assert budget["lines"] == [] and budget["total"]["execution_percent"] is None


def test_not_found_message_in_the_requested_language(app, client, world, plans):
    data = get_json(client, f"/api/v1/plans/{plans['draft']}?lang=ru", 404)
    assert data["message"] == translated(app, NOT_FOUND, "ru", plan_id=plans["draft"])


# --- a plan's budget ---------------------------------------------------------------------------------------------

def test_budget_rollup_in_exact_strings(client, world, plans):
    data = get_json(client, f"/api/v1/plans/{plans['adopted']}/budget")
    first, second, third, fourth = plans["measures"]
    total = data["total"]
    # Planned 47 502.00; allocated 6 000 + 5 000; spent 7 000.10 + 1 000; the gap per measure: 4 000.50 +
    # 6 250.50 + 12 500.50 + 13 750.50; the first measure overspent by 1 000.10; 8 000.10 / 11 000 = 72.73 %.
    # Dollars: the plan's money reaches into 2027 and 2028, which have no rate, so the totals have none.
    assert total == {
        "planned": {"kgs": "47502.00", "usd": None}, "allocated": {"kgs": "11000.00", "usd": None},
        "spent": {"kgs": "8000.10", "usd": None}, "gap": {"kgs": "36502.00", "usd": None},
        "overspend_kgs": "1000.10", "execution_percent": 72.7, "unestimated_measures": 0,
        "overspent_measures": [first],
    }
    # 2026: measures 1 and 4 start (10 000.50 + 13 750.50 = 23 751.00 som = 271.60 $ at 87.45).
    assert data["by_year"] == [
        {"year": 2026, "planned": {"kgs": "23751.00", "usd": "271.60"}, "allocated": {"kgs": "6000.00", "usd": "68.61"},
         "spent": {"kgs": "7000.10", "usd": "80.05"}, "kgs_per_usd": "87.4500"},
        {"year": 2027, "planned": {"kgs": "11250.50", "usd": None}, "allocated": {"kgs": "5000.00", "usd": None},
         "spent": {"kgs": "1000.00", "usd": None}, "kgs_per_usd": None},
        {"year": 2028, "planned": {"kgs": "12500.50", "usd": None}, "allocated": {"kgs": "0.00", "usd": "0.00"},
         "spent": {"kgs": "0.00", "usd": "0.00"}, "kgs_per_usd": None},
    ]
    assert data["missing_rates"] == [2027, 2028]
    assert data["by_source"] == [{"source": "local_budget", "kgs": "6000.00", "usd": "68.61"},
                                 {"source": "donor", "kgs": "5000.00", "usd": None}]
    issues = {row["issue"]: row for row in data["by_issue"]}
    assert issues["livestock_theft"]["execution_percent"] == 116.7  # 7 000.10 / 6 000
    assert issues["domestic_violence"]["gap"] == {"kgs": "12500.50", "usd": None}
    measures = {row["measure"]: row for row in data["measures"]}
    assert measures[first]["overspend_kgs"] == "1000.10" and measures[second]["execution_percent"] == 20.0
    assert measures[third]["allocated"] == {"kgs": "0.00", "usd": "0.00"} and fourth in measures
    assert (data["plan"], data["municipality"], data["status"], data["currency"]) == (
        plans["adopted"], "kyzyl-suu", "adopted", "KGS")


def test_budget_lines_like_the_export(client, world, plans):
    first, second, *_ = plans["measures"]
    lines = get_json(client, f"/api/v1/plans/{plans['adopted']}/budget?lang=en")["lines"]
    assert [(line["kind"], line["measure_id"], line["source"], line["donor"], line["year"], line["date"],
             line["amount_kgs"], line["reference"], line["purpose"]) for line in lines] == [
        ("allocation", first, "local_budget", "", 2026, "2026-02-01", "6000.00", "Decision 7", ""),
        ("allocation", second, "donor", "UNDP", 2027, None, "5000.00", "", ""),
        ("expenditure", first, None, "", 2026, "2026-04-15", "7000.10", "Act 3", PURPOSE),
        ("expenditure", second, None, "", 2027, "2027-05-01", "1000.00", "", "Leaflets"),
    ]
    assert lines[0]["priority_issue"] == "Livestock theft" and lines[0]["measure"]


def test_money_is_never_a_float(client, world, plans):
    def floats(value, path=""):
        if isinstance(value, float):
            yield path
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from floats(item, f"{path}.{key}")
        elif isinstance(value, list):
            for item in value:
                yield from floats(item, f"{path}[]")
    budget = get_json(client, f"/api/v1/plans/{plans['adopted']}/budget")
    assert set(floats(budget)) == {".total.execution_percent", ".by_issue[].execution_percent",
                                   ".measures[].execution_percent"}
    assert not set(floats(get_json(client, f"/api/v1/plans/{plans['adopted']}")))


def test_money_strings_are_exact():
    assert [payloads.money(v) for v in (D("61000.5"), D("0"), D("1E+3"), D("271.5952"), None)] == [
        "61000.50", "0.00", "1000.00", "271.60", None]
    assert payloads.percent(D("8000.10") / D("11000")) == 72.7 and payloads.percent(None) is None


# --- errors are JSON under /api/ -----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/api/v1/plans/999999", "/api/v1/plans/99999999999", "/api/v1/plans/abc",
                                 "/api/v1/plans/-1/budget", "/api/v1/municipalities/no-such-place",
                                 "/api/v1/no-such-thing",
                                 "/api/v1/municipalities/kyzyl-suu/surveys/99999999999/results"])
def test_unknown_addresses_are_json_404(client, world, url):
    data = get_json(client, url, 404)
    assert set(data) == {"error", "message"} and data["error"] in ("404", "not_found") and data["message"]


def test_wrong_method_is_json_405_with_allow(client, world, plans):
    response = client.post(f"/api/v1/plans/{plans['adopted']}")
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "405"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}


def test_a_server_error_under_the_api_is_json(app, client, world, plans, monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")
    monkeypatch.setattr(payloads, "plan", broken)
    response = client.get(f"/api/v1/plans/{plans['adopted']}")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.get_json()["error"] == "500" and "boom" not in response.get_data(as_text=True)
    assert client.get("/m/no-such-place").mimetype == "text/html"  # pages keep their HTML error page


# --- the OpenAPI document ------------------------------------------------------------------------------------------

def test_openapi_document_lists_every_api_address(app, client):
    data = get_json(client, "/api/v1/openapi.json")
    assert data["openapi"] == "3.1.0" and data == json.loads(json.dumps(openapi.DOCUMENT))
    schemathesis.openapi.from_dict(data).validate()  # against the OpenAPI 3.1 meta-schema
    as_openapi = re.compile(r"<(?:[^:>]+:)?([^>]+)>")  # <int(max=...):plan_id> -> {plan_id}
    rules = {as_openapi.sub(r"{\1}", rule.rule): {m.lower() for m in rule.methods} - {"head", "options"}
             for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert rules == {path: set(item) for path, item in data["paths"].items()}


def test_answers_depend_on_login_so_caches_keep_them_apart(client, world, plans):
    assert "Cookie" in client.get("/api/v1/municipalities").headers["Vary"]
