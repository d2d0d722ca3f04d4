"""The budget pages: recording allocations and spending, the plan's budget view, exchange rates, the guide step."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from flask_login import login_user

from access_cases import page_text, snapshot, translated
from conftest import csrf_token
from cpplan.accounts.models import User
from cpplan.budget import services
from cpplan.budget.models import Allocation, ExchangeRate, Expenditure
from cpplan.extensions import db
from cpplan.i18n import format_money
from cpplan.municipalities import guide
from cpplan.municipalities.models import Municipality
from cpplan.plans.models import Measure, Plan, PlanEvent
from cpplan.plans.services import this_year
from plan_factory import make_plan

FIRST = this_year() - 1  # a plan started last year: payments of last year and this year are neither early nor late


@pytest.fixture
def plan(app, world) -> tuple[int, list[int]]:
    """Return (plan id, measure ids) of home's adopted plan with three library measures."""
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=3, status="adopted", first_year=FIRST)
        return plan_id, [m.id for m in db.session.get(Plan, plan_id).measures]


def measure_url(world, plan_id: int, measure_id: int, tail: str = "") -> str:
    return f"/m/{world['home']}/plans/{plan_id}/measures/{measure_id}/budget{tail}"


def allocate(client, world, plan_id, measure_id, lang: str = "en", **fields):
    data = {"source": "local_budget", "year": str(FIRST), "amount": "15000.55", **fields}
    return client.post(measure_url(world, plan_id, measure_id, f"/allocations?lang={lang}"),
                       data={**{f"allocation-{k}": v for k, v in data.items()},
                             "allocation-csrf_token": csrf_token(client, "/account")})


def spend(client, world, plan_id, measure_id, lang: str = "en", **fields):
    data = {"spent_on": f"{FIRST}-06-01", "amount": "20000.10", "purpose": "Street lights", **fields}
    return client.post(measure_url(world, plan_id, measure_id, f"/expenditures?lang={lang}"),
                       data={**{f"expenditure-{k}": v for k, v in data.items()},
                             "expenditure-csrf_token": csrf_token(client, "/account")})


def rows(app, model) -> list:
    with app.app_context():
        found = list(db.session.scalars(db.select(model).order_by(model.id)))
        db.session.expunge_all()
        return found


def budget_events(app, plan_id: int) -> list[tuple[str, int | None, bool, str]]:
    with app.app_context():
        return [(e.action, e.measure_id, e.refused, e.note) for e in db.session.scalars(
            db.select(PlanEvent).filter(PlanEvent.plan_id == plan_id, PlanEvent.action.like("add_%"))
            .order_by(PlanEvent.id))]


def set_status(app, plan_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Plan, plan_id).status = status
        db.session.commit()


# --- recording money ------------------------------------------------------------------------------------

def test_allocation_and_expenditure_are_saved_exactly_with_audit_entries(app, world, as_role, plan):
    plan_id, (first, *_rest) = plan
    client = as_role("coordinator")
    response = allocate(client, world, plan_id, first, source="donor", donor_name="UNDP", decision_ref="Grant 7",
                        decided_on=f"{FIRST}-02-01")
    assert response.status_code == 302, page_text(response)
    assert response.headers["Location"].endswith(measure_url(world, plan_id, first) + "#allocations")
    response = spend(client, world, plan_id, first, document_ref="Act 3")
    assert response.status_code == 302, page_text(response)
    (allocation,), (expenditure,) = rows(app, Allocation), rows(app, Expenditure)
    assert (allocation.measure_id, allocation.source, allocation.donor_name, allocation.year, allocation.amount,
            allocation.decision_ref) == (first, "donor", "UNDP", FIRST, D("15000.55"), "Grant 7")
    assert isinstance(allocation.amount, D) and allocation.amount == D("15000.55")
    assert (expenditure.measure_id, expenditure.amount, expenditure.purpose, expenditure.document_ref) == (
        first, D("20000.10"), "Street lights", "Act 3")
    log = budget_events(app, plan_id)
    assert [(a, m, r) for a, m, r, _note in log] == [("add_allocation", first, False),
                                                     ("add_expenditure", first, False)]
    assert "UNDP" in log[0][3] and "15,000.55" in log[0][3]
    assert "20,000.10" in log[1][3] and "Street lights" in log[1][3]
    log_page = page_text(client.get(f"/m/{world['home']}/plans/{plan_id}/log"))
    assert "Allocation recorded" in log_page and "Spending recorded" in log_page


def test_overspending_is_warned_on_the_measure_and_the_plan(app, world, as_role, plan):
    plan_id, (first, second, _third) = plan
    client = as_role("coordinator")
    allocate(client, world, plan_id, first, amount="15000.55")
    spend(client, world, plan_id, first, amount="20000.10")
    allocate(client, world, plan_id, second, amount="100")
    measure_page = page_text(client.get(measure_url(world, plan_id, first)))
    assert f"Overspent: {format_money(D('4999.55'), 'en')} more was spent than allocated." in measure_page
    assert "Overspent" not in page_text(client.get(measure_url(world, plan_id, second)))
    view = page_text(client.get(f"/m/{world['home']}/plans/{plan_id}/budget"))
    assert "1 measure spent more than was allocated to it" in view and format_money(D("4999.55"), "en") in view


@pytest.mark.parametrize("fields, message", [
    ({"amount": "0"}, "The amount must be more than 0."),
    ({"amount": "-5"}, "The amount cannot be negative."),
    ({"amount": "12.345"}, "Enter the amount with at most two decimals (tyiyn)."),
    ({"amount": "lots"}, "Enter the amount as a number of som, e.g. 15000 or 15000.50."),
    ({"amount": "1000000000000"}, "The amount is too large."),
    ({"source": "lottery"}, "Choose a source from the list."),
    ({"source": "donor", "donor_name": ""}, "Name the donor."),
    ({"year": str(FIRST + 3)}, "Choose a year of the plan's period, %(first)s–%(last)s."),
    ({"decided_on": "2999-01-01"}, "The date cannot be in the future."),
])
def test_a_bad_allocation_is_refused_per_field_in_russian_and_nothing_is_saved(app, world, as_role, plan, fields,
                                                                               message):
    plan_id, (first, *_rest) = plan
    client = as_role("coordinator")
    before = snapshot(app)
    response = allocate(client, world, plan_id, first, lang="ru", **fields)
    assert response.status_code == 400
    text = page_text(response)
    assert translated(app, message, "ru", first=FIRST, last=FIRST + 2) in text
    assert 'aria-invalid="true"' in text
    assert snapshot(app) == before


@pytest.mark.parametrize("fields, message", [
    ({"amount": "0"}, "The amount must be more than 0."),
    ({"spent_on": "2999-01-01"}, "The date cannot be in the future."),
    ({"spent_on": f"{FIRST - 1}-12-31"}, "The payment cannot be dated before the plan's first year, %(first)s."),
    ({"spent_on": "31.12.2026"}, "Enter the date as year-month-day, e.g. 2025-03-14."),
    ({"purpose": ""}, "Say what the money was spent on."),
])
def test_a_bad_expenditure_is_refused_per_field_in_russian_and_nothing_is_saved(app, world, as_role, plan, fields,
                                                                                message):
    plan_id, (first, *_rest) = plan
    client = as_role("coordinator")
    before = snapshot(app)
    response = spend(client, world, plan_id, first, lang="ru", **fields)
    assert response.status_code == 400
    assert translated(app, message, "ru", first=FIRST) in page_text(response)
    assert snapshot(app) == before


def test_money_is_refused_on_a_draft_plan_and_the_attempt_logged(app, world, as_role):
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=1, status="draft", first_year=FIRST)
        measure_id = db.session.scalar(db.select(Measure.id).filter_by(plan_id=plan_id))
    client = as_role("coordinator")
    response = allocate(client, world, plan_id, measure_id)
    assert response.status_code == 409
    assert "Money is recorded once the council has adopted the plan." in page_text(response)
    response = spend(client, world, plan_id, measure_id)
    assert response.status_code == 409
    assert rows(app, Allocation) == [] and rows(app, Expenditure) == []
    assert [(a, r) for a, _m, r, _n in budget_events(app, plan_id)] == [("add_allocation", True),
                                                                         ("add_expenditure", True)]
    # Reading: the municipality is told why, the public does not learn the draft exists.
    assert client.get(measure_url(world, plan_id, measure_id)).status_code == 409
    assert client.get(f"/m/{world['home']}/plans/{plan_id}/budget").status_code == 409
    anonymous = app.test_client()
    assert anonymous.get(measure_url(world, plan_id, measure_id)).status_code == 404
    assert anonymous.get(f"/m/{world['home']}/plans/{plan_id}/budget").status_code == 404


def test_a_completed_plan_keeps_its_budget_read_only(app, world, as_role, plan):
    plan_id, (first, *_rest) = plan
    set_status(app, plan_id, "completed")
    client = as_role("coordinator")
    assert client.get(measure_url(world, plan_id, first)).status_code == 200
    assert "allocation-amount" not in page_text(client.get(measure_url(world, plan_id, first)))
    response = allocate(client, world, plan_id, first)
    assert response.status_code == 409 and rows(app, Allocation) == []


@pytest.mark.parametrize("role", ["member", "police", "facilitator", "viewer", "outsider"])
def test_other_roles_cannot_record_money(app, world, as_role, plan, role):
    plan_id, (first, *_rest) = plan
    client = as_role(role)
    before = snapshot(app)
    assert allocate(client, world, plan_id, first).status_code == 403
    assert spend(client, world, plan_id, first).status_code == 403
    assert snapshot(app) == before
    assert "allocation-amount" not in page_text(client.get(measure_url(world, plan_id, first)))


def test_a_measure_of_another_plan_is_404(app, world, as_role, plan):
    plan_id, _ids = plan
    with app.app_context():
        other_plan = make_plan(world["other_id"], measures=1, status="adopted", first_year=FIRST)
        foreign = db.session.scalar(db.select(Measure.id).filter_by(plan_id=other_plan))
    client = as_role("coordinator")
    before = snapshot(app)
    assert client.get(measure_url(world, plan_id, foreign)).status_code == 404
    assert allocate(client, world, plan_id, foreign).status_code == 404
    assert client.get(f"/m/{world['home']}/plans/{other_plan}/budget").status_code == 404
    assert snapshot(app) == before


# --- the plan's budget view ---------------------------------------------------------------------------

def test_the_budget_view_is_public_and_shows_the_rollup(app, world, as_role, plan):
    plan_id, (first, second, third) = plan
    client = as_role("coordinator")
    allocate(client, world, plan_id, first, source="donor", donor_name="UNDP", amount="15000.55")
    allocate(client, world, plan_id, second, source="community", amount="2500", year=str(FIRST + 1))
    spend(client, world, plan_id, first, amount="5000.05")
    with app.app_context():
        User_ = db.session.scalar(db.select(User).filter_by(email=world["users"]["coordinator"]))
        User_.display_name = "Айгүл Токтосунова"
        db.session.commit()
        summary = services.plan_rollup(db.session.get(Plan, plan_id))
    anonymous = app.test_client()
    response = anonymous.get(f"/m/{world['home']}/plans/{plan_id}/budget?lang=en")
    assert response.status_code == 200
    text = page_text(response)
    total = summary.total
    assert (total.allocated.kgs, total.spent.kgs) == (D("17500.55"), D("5000.05"))
    for amount in (total.planned.kgs, total.allocated.kgs, total.spent.kgs, total.gap.kgs):
        assert format_money(amount, "en") in text
    assert "Donor" in text and "Community or in kind" in text and "<svg" in text and "<table" in text
    assert measure_url(world, plan_id, third) in text
    assert "Айгүл" not in text and "coordinator@" not in text  # no person is named
    measure_page = page_text(anonymous.get(measure_url(world, plan_id, first)))
    assert "UNDP" in measure_page and "Айгүл" not in measure_page and "allocation-amount" not in measure_page


def test_dollars_appear_for_years_with_a_rate(app, world, as_role, plan):
    plan_id, (first, *_rest) = plan
    allocate(as_role("coordinator"), world, plan_id, first, amount="8750")
    with app.app_context():
        services.set_rate(FIRST, D("87.5"))
        db.session.commit()
    text = page_text(app.test_client().get(f"/m/{world['home']}/plans/{plan_id}/budget?lang=en"))
    assert "$100.00" in text  # 8750 / 87.5
    assert "No exchange rate for" in text  # the plan's later years have none


def test_the_plan_pages_link_to_the_budget(app, world, as_role, plan):
    plan_id, (first, *_rest) = plan
    budget = f"/m/{world['home']}/plans/{plan_id}/budget"
    detail = page_text(as_role("member").get(f"/m/{world['home']}/plans/{plan_id}"))
    assert budget in detail and measure_url(world, plan_id, first) in detail
    assert budget in page_text(app.test_client().get(f"/plan/{world['home']}"))


# --- exchange rates -------------------------------------------------------------------------------------

def test_admin_sets_and_replaces_a_rate(app, world, as_role):
    admin = as_role("admin")
    assert admin.get("/admin/exchange-rates").status_code == 200
    for rate in ("87.4512", "89,1"):
        response = admin.post("/admin/exchange-rates", data={"year": "2026", "kgs_per_usd": rate,
                                                             "csrf_token": csrf_token(admin, "/admin/exchange-rates")})
        assert response.status_code == 302
    (saved,) = rows(app, ExchangeRate)
    assert (saved.year, saved.kgs_per_usd) == (2026, D("89.1"))
    assert "89.10" in page_text(admin.get("/admin/exchange-rates"))


@pytest.mark.parametrize("data, message", [
    ({"year": "2026", "kgs_per_usd": "0"}, "The rate must be more than 0."),
    ({"year": "2026", "kgs_per_usd": "-1"}, "The rate must be more than 0."),
    ({"year": "2026", "kgs_per_usd": "87.12345"}, "Enter the rate with at most four decimals."),
    ({"year": "1999", "kgs_per_usd": "87"}, "Enter a year from 2000 to 2100."),
])
def test_a_bad_rate_is_refused(app, world, as_role, data, message):
    admin = as_role("admin")
    before = snapshot(app)
    response = admin.post("/admin/exchange-rates?lang=ru",
                          data={**data, "csrf_token": csrf_token(admin, "/admin/exchange-rates")})
    assert response.status_code == 400 and translated(app, message, "ru") in page_text(response)
    assert snapshot(app) == before


def test_only_admins_set_rates(app, world, as_role):
    coordinator = as_role("coordinator")
    assert coordinator.get("/admin/exchange-rates").status_code == 403
    before = snapshot(app)
    response = coordinator.post("/admin/exchange-rates", data={"year": "2026", "kgs_per_usd": "87",
                                                               "csrf_token": csrf_token(coordinator, "/account")})
    assert response.status_code == 403 and snapshot(app) == before


# --- the planning guide ---------------------------------------------------------------------------------

def budget_step(app, world, role: str) -> guide.StepState:
    with app.test_request_context("/?lang=en"):
        login_user(db.session.scalar(db.select(User).filter_by(email=world["users"][role])))
        return guide.collect(app, db.session.get(Municipality, world["home_id"]))["budget"]


def test_guide_step_follows_the_budget(app, world, as_role):
    assert budget_step(app, world, "coordinator").status == "todo"
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=1, status="adopted", first_year=FIRST)
        measure_id = db.session.scalar(db.select(Measure.id).filter_by(plan_id=plan_id))
    allocate(as_role("coordinator"), world, plan_id, measure_id, amount="1000")
    step = budget_step(app, world, "coordinator")
    assert (step.status, step.action_label) == ("in_progress", "Record allocations and spending")
    assert format_money(D("1000"), "en") in step.detail
    assert step.action_url == f"/m/{world['home']}/plans/{plan_id}/budget"
    assert budget_step(app, world, "member").action_label == "See the budget"
    set_status(app, plan_id, "completed")
    assert budget_step(app, world, "member").status == "done"


# --- exports ---------------------------------------------------------------------------------------

INJECTION = "=HYPERLINK(\"http://evil.example\",\"click\")"


def test_budget_lines_export_exactly_as_csv_and_xlsx_with_formulas_neutralised(app, world, as_role, client, plan):
    import csv
    import io

    from openpyxl import load_workbook

    plan_id, (first, second, *_rest) = plan
    coordinator = as_role("coordinator")
    assert allocate(coordinator, world, plan_id, first, source="donor", donor_name=INJECTION).status_code == 302
    assert allocate(coordinator, world, plan_id, second, amount="0.10").status_code == 302
    assert spend(coordinator, world, plan_id, first, purpose="+cmd|' /C calc'!A0", amount="1234567.89").status_code \
        == 302
    base = f"/m/{world['home']}/plans/{plan_id}/budget"
    response = client.get(base + ".csv")  # anonymous: the adopted plan's budget is public
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].endswith("-plan-v1-budget.csv")
    lines = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["kind"], int(r["measure_id"]), r["amount_kgs"]) for r in lines] == [
        ("allocation", first, "15000.55"), ("allocation", second, "0.10"), ("expenditure", first, "1234567.89")]
    assert lines[0]["donor"] == "'" + INJECTION and lines[2]["purpose"].startswith("'+cmd")
    response = client.get(base + ".xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    header = [c.value for c in sheet[1]]
    amounts = [row[header.index("amount_kgs")] for row in values]
    assert [D(str(a)) for a in amounts] == [D("15000.55"), D("0.10"), D("1234567.89")]
    assert all(isinstance(a, (int, float)) for a in amounts)  # numbers a spreadsheet can add up
    assert values[0][header.index("donor")] == "'" + INJECTION
    assert not any(isinstance(v, str) and v.startswith("=") for row in values for v in row)


def test_exports_of_a_draft_plan_are_not_public(app, world, client):
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=1, status="draft")
    for tail in (".csv", ".xlsx"):
        assert client.get(f"/m/{world['home']}/plans/{plan_id}/budget{tail}").status_code == 404


# --- a new version of the plan: the money recorded on the earlier one follows its measures ----------------------

def test_money_of_an_earlier_version_shows_on_the_new_version_and_counts_once(app, world, plan):
    from cpplan.budget import overview
    from cpplan.plans.services import new_version

    plan_id, (first, second, _third) = plan
    with app.app_context():
        db.session.add_all([Allocation(measure_id=first, source="local_budget", year=FIRST, amount=D("1000.10")),
                            Allocation(measure_id=second, source="donor", donor_name="UNDP", year=FIRST,
                                       amount=D("250.05")),
                            Expenditure(measure_id=first, spent_on=date(FIRST, 5, 1),
                                        amount=D("400.40"), purpose="Lights")])
        db.session.commit()
        v1 = db.session.get(Plan, plan_id)
        v2 = new_version(v1, db.session.get(User, 1))
        v2.status = "adopted"
        db.session.commit()
        copies = {m.previous_id: m for m in v2.measures}
        assert set(copies) == {m.id for m in v1.measures}
        v2_total, v1_total = services.plan_rollup(v2).total, services.plan_rollup(v1).total
        assert (v2_total.allocated.kgs, v2_total.spent.kgs) == (D("1250.15"), D("400.40"))
        assert (v1_total.allocated.kgs, v1_total.spent.kgs) == (D("1250.15"), D("400.40"))
        assert services.plan_rollup(v2).measures[copies[first].id].allocated.kgs == D("1000.10")
        assert [a.amount for a in services.allocations_of(copies[first])] == [D("1000.10")]
        assert [e.amount for e in services.expenditures_of(copies[first])] == [D("400.40")]
        assert {row[1] for row in services.budget_lines(v2)} == {copies[first].id, copies[second].id}
        # Money recorded on the new version shows there only; the overview counts every row once.
        db.session.add(Allocation(measure_id=copies[first].id, source="local_budget", year=FIRST, amount=D("9.90")))
        db.session.commit()
        assert services.plan_rollup(v2).total.allocated.kgs == D("1260.05")
        assert services.plan_rollup(v1).total.allocated.kgs == D("1250.15")
        assert overview.build().money.allocated.kgs == D("1260.05")
