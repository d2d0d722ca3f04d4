"""The national overview: municipalities by plan status, inhabitants, money by year and source (exact, som and
dollars at each year's rate), issues in the adopted plans; public, fuller for admins; the demo's source figures."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from access_cases import page_text
from conftest import create_municipality
from cpplan import demo
from cpplan.budget import overview, rollup
from cpplan.budget.models import Allocation, ExchangeRate, Expenditure
from cpplan.extensions import db
from cpplan.plans.models import Plan
from plan_factory import make_plan


def _money(plan_id: int, allocations=(), expenditures=()) -> None:
    """Add (measure index, source, year, amount) allocations and (measure index, date, amount) payments."""
    measures = db.session.get(Plan, plan_id).measures
    for n, source, year, amount in allocations:
        db.session.add(Allocation(measure_id=measures[n].id, source=source, year=year, amount=D(amount),
                                  donor_name="UNDP" if source == "donor" else ""))
    for n, spent_on, amount in expenditures:
        db.session.add(Expenditure(measure_id=measures[n].id, spent_on=spent_on, amount=D(amount), purpose="Lights"))


@pytest.fixture
def country(app, world):
    """Three municipalities: home with an adopted plan, other with a completed one, a third preparing a draft
    (whose money, put straight into the database, must count nowhere); rates for 2024 and 2025, none for 2026."""
    with app.app_context():
        third = create_municipality("nookat", name_ky="Ноокат", name_ru="Ноокат", name_en="Nookat", region="osh",
                                    population=31200)
        adopted = make_plan(world["home_id"], measures=3, status="adopted", first_year=2025)
        completed = make_plan(world["other_id"], measures=2, status="completed", first_year=2024,
                              codes=("road_safety", "domestic_violence"))
        draft = make_plan(third.id, measures=1, status="draft", first_year=2026, codes=("fraud",))
        _money(adopted, [(0, "local_budget", 2025, "1000.10"), (1, "donor", 2026, "500.05"),
                         (0, "local_budget", 2026, "0.01")], [(0, date(2026, 3, 1), "300.33")])
        _money(completed, [(0, "local_budget", 2024, "2000.00")], [(0, date(2024, 5, 5), "1999.99")])
        _money(draft, [(0, "local_budget", 2026, "999.99")], [(0, date(2026, 1, 1), "50.00")])
        db.session.add_all([ExchangeRate(year=2024, kgs_per_usd=D("80.0000")),
                            ExchangeRate(year=2025, kgs_per_usd=D("87.3500"))])
        db.session.commit()
        return {"adopted": adopted, "completed": completed, "draft": draft}


def test_totals_equal_the_hand_computed_figures_exactly(app, country):
    with app.app_context():
        o = overview.build()
    money = o.money
    # 1000.10 + 500.05 + 0.01 + 2000.00; the draft's 999.99 is not counted. 2026 has no rate: no dollar total.
    assert money.allocated == rollup.Amount(D("3500.16"), None)
    assert money.spent == rollup.Amount(D("2300.32"), None)
    assert list(money.by_year) == [2024, 2025, 2026]
    y2024, y2025, y2026 = money.by_year.values()
    assert y2024.allocated == rollup.Amount(D("2000.00"), D("25"))
    assert y2024.spent == rollup.Amount(D("1999.99"), D("1999.99") / D("80"))
    assert y2025.allocated == rollup.Amount(D("1000.10"), D("1000.10") / D("87.35"))
    assert y2025.spent.kgs == 0 and y2025.rate == D("87.35")
    assert y2026.allocated == rollup.Amount(D("500.06"), None) and y2026.spent == rollup.Amount(D("300.33"), None)
    assert y2026.by_source == {"local_budget": rollup.Amount(D("0.01"), None),
                               "donor": rollup.Amount(D("500.05"), None)}
    assert money.by_source == {"local_budget": rollup.Amount(D("3000.11"), None),
                               "donor": rollup.Amount(D("500.05"), None)}
    assert money.missing_rates == [2026]
    assert all(type(a.kgs) is D for a in money.by_source.values())


def test_municipalities_statuses_inhabitants_and_issues(app, world, country):
    with app.app_context():
        o = overview.build()
        places = {p.municipality.slug: p for p in o.places}
        issues = {issue.code: count for issue, count in o.issues}
    assert (o.municipalities, o.inhabitants) == (3, 24800 + 24800 + 31200)
    assert o.by_status == {"adopted": (1, 24800), "completed": (1, 24800), "preparing": (1, 31200)}
    assert o.by_exact == {"adopted": (1, 24800), "completed": (1, 24800), "draft": (1, 31200)}
    home, other, third = places[world["home"]], places[world["other"]], places["nookat"]
    assert (home.allocated, home.spent, home.adopted_plan_id) == (D("1500.16"), D("300.33"), country["adopted"])
    assert (other.allocated, other.spent, other.status) == (D("2000.00"), D("1999.99"), "completed")
    assert (third.allocated, third.spent, third.status, third.adopted_plan_id) == (0, 0, "preparing", None)
    # Only adopted plans count; the draft's "fraud" is nowhere.
    assert issues == {"road_safety": 2, "domestic_violence": 2, "livestock_theft": 1, "school_racketeering": 1}


def test_a_newer_draft_keeps_the_adopted_version_public(app, world, country):
    with app.app_context():
        newer = make_plan(world["home_id"], measures=1, status="draft", first_year=2025)
        db.session.get(Plan, newer).version = 2
        db.session.commit()
        o = overview.build()
    home = next(p for p in o.places if p.municipality.slug == world["home"])
    assert (home.status, home.exact, home.adopted_plan_id) == ("adopted", "draft", country["adopted"])


def test_public_page_in_russian_shows_som_and_no_draft(client, country):
    response = client.get("/overview?lang=ru")
    assert response.status_code == 200
    text = page_text(response)
    assert "сом" in text and "80 800" in text.replace("\u00a0", " ")
    assert "3 500,16" in text.replace("\u00a0", " ")
    html = response.get_data(as_text=True)
    assert "Черновик" not in text and 'id="exact-status"' not in html
    assert 'id="missing-rates"' in html and "/admin/exchange-rates" not in html


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_admin_sees_exact_statuses_and_the_missing_rate(as_role, country, lang):
    html = as_role("admin").get(f"/overview?lang={lang}").get_data(as_text=True)
    assert 'id="exact-status"' in html and 'id="missing-rates"' in html
    assert "/admin/exchange-rates" in html


def test_empty_country_is_not_an_error(client, world):
    response = client.get("/overview?lang=en")
    assert response.status_code == 200
    text = page_text(response)
    assert "No plan yet" in text and "49,600" in text and "No money allocated yet." in text


def test_demo_reproduces_the_source_figures(app):
    """DOMAIN.md: 14 municipalities, over 350,000 inhabitants, over 165,000 USD allocated by local authorities
    in 2016, GBV a priority in the adopted plans of 4."""
    with app.app_context():
        demo.build("a-long-demo-passphrase-42")
        o = overview.build()
        local_2016 = o.money.by_year[2016].by_source["local_budget"]
        issues = {issue.code: count for issue, count in o.issues}
    assert o.municipalities == 14
    assert o.inhabitants > 350_000
    assert local_2016.usd > 165_000 and local_2016.kgs == D("12706400.00")
    assert issues["domestic_violence"] == 4
