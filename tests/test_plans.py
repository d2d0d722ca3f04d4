"""The plan pages: start from the agreed priorities, measures (library, validation), cost, review and adoption."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D

import pytest

from access_cases import count_rows, page_text, snapshot
from conftest import csrf_token
from cpplan.extensions import db
from cpplan.i18n import format_money
from cpplan.municipalities import guide
from cpplan.municipalities.models import Municipality, Organisation
from cpplan.plans import library
from cpplan.plans.models import Measure, Plan, PlanEvent, PlanIssue
from cpplan.plans.services import total_cost
from cpplan.priorities.models import DecisionItem, PriorityDecision
from cpplan.results import queries
from cpplan.results.queries import IssueFigures
from cpplan.surveys.models import Issue

LIBRARY_CODE = "livestock_registration_drive"


@pytest.fixture
def survey_figures(monkeypatch):
    """Livestock theft: 43 % rate it serious, 12 % had it happen; domestic violence's figures are hidden."""
    fake = {"livestock_theft": IssueFigures("livestock_theft", D("0.43"), None, D("0.12"), None),
            "domestic_violence": IssueFigures("domestic_violence", None, None, None, None)}
    monkeypatch.setattr(queries, "issue_figures", lambda municipality: fake)
    return fake


def url(world, tail: str = "") -> str:
    return f"/m/{world['home']}/plans{tail}"


def post(client, target: str, data: dict):
    return client.post(target, data={**data, "csrf_token": csrf_token(client, "/account")})


def agree(app, world, *codes: str) -> None:
    """Record the working group's agreed priorities (in this order)."""
    with app.app_context():
        decision = PriorityDecision(municipality_id=world["home_id"], decided_on=date(2026, 3, 1))
        for position, code in enumerate(codes, start=1):
            issue = db.session.scalar(db.select(Issue).filter_by(code=code, municipality_id=None))
            decision.items.append(DecisionItem(issue_id=issue.id, position=position, ranked_position=position))
        db.session.add(decision)
        db.session.commit()


def organisations(app, world) -> dict[str, int]:
    """Add the municipality's organisations; return {kind: id}."""
    with app.app_context():
        m = db.session.get(Municipality, world["home_id"])
        orgs = {kind: Organisation(municipality=m, kind=kind, name_en=f"The {kind}", name_ky=f"{kind} (ky)")
                for kind in ("local_government", "police", "school")}
        db.session.add_all(orgs.values())
        db.session.commit()
        return {kind: org.id for kind, org in orgs.items()}


def started(app, world, as_role, *codes: str) -> int:
    """Agree the issues and start the plan as the coordinator; return the plan id."""
    agree(app, world, *codes)
    response = post(as_role("coordinator"), url(world, "/new"), {})
    assert response.status_code == 302, page_text(response)
    return int(re.search(r"/plans/(\d+)$", response.headers["Location"]).group(1))


def plan_of(app, plan_id: int) -> Plan:
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        plan.issues, plan.measures, plan.events  # load them while the session is open
        for measure in plan.measures:
            measure.partners, measure.indicators
        db.session.expunge_all()
        return plan


def issue_id(app, plan_id: int, position: int = 1) -> int:
    with app.app_context():
        return db.session.scalar(db.select(PlanIssue.id).filter_by(plan_id=plan_id, position=position))


def set_status(app, plan_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Plan, plan_id).status = status
        db.session.commit()


def events(app, plan_id: int) -> list[tuple[str, str, str, bool]]:
    with app.app_context():
        return [(e.action, e.from_state, e.to_state, e.refused) for e in
                db.session.scalars(db.select(PlanEvent).filter_by(plan_id=plan_id).order_by(PlanEvent.id))]


MEASURE = {"title": "Ear tags for every cow", "description": "With the veterinary service.", "start": "2026-Q2",
           "end": "2026-12", "cost": "15000.50", "status": "planned",
           "indicators-0-name": "Registered animals", "indicators-0-unit": "%", "indicators-0-target": "90"}


# --- starting the plan ------------------------------------------------------------------------------

def test_without_agreed_priorities_the_page_explains_and_links(app, world, as_role):
    client = as_role("coordinator")
    text = page_text(client.get(url(world)))
    assert "No priority issues are agreed yet" in text
    assert f'href="/m/{world["home"]}/priorities"' in text
    before = snapshot(app)
    response = post(client, url(world, "/new"), {})
    assert response.status_code == 302 and snapshot(app) == before


def test_start_fills_issues_in_order_with_published_figures_only(app, world, as_role, survey_figures):
    plan_id = started(app, world, as_role, "livestock_theft", "domestic_violence", "road_safety")
    plan = plan_of(app, plan_id)
    assert plan.status == "draft" and plan.version == 1
    assert plan.last_year == plan.first_year + 2
    assert plan.title_en == f"Local crime prevention plan {plan.first_year}–{plan.last_year}"
    assert plan.title_ky and plan.title_ru
    livestock, violence, road = plan.issues
    assert [i.position for i in plan.issues] == [1, 2, 3]
    assert "43%" in livestock.problem_en and "12%" in livestock.problem_en
    assert "43" in livestock.problem_ru and "12" in livestock.problem_ru and livestock.problem_ky
    # Hidden figures are never printed: the statement says they are not published.
    assert "not published" in violence.problem_en and "%" not in violence.problem_en
    assert "None" not in violence.problem_en + violence.problem_ru + violence.problem_ky
    assert "no survey figures yet" in road.problem_en
    assert events(app, plan_id) == [("start", "", "draft", False)]
    text = page_text(as_role("police").get(url(world, f"/{plan_id}")))
    assert "43%" in text and "Draft" in text
    # One plan per municipality: a second start goes to the existing plan.
    facilitator = as_role("facilitator")
    before = snapshot(app)
    response = post(facilitator, url(world, "/new"), {})
    assert response.headers["Location"].endswith(f"/plans/{plan_id}") and snapshot(app) == before


# --- measures -----------------------------------------------------------------------------------------

def test_measure_is_added_and_edited_with_indicators_and_partners(app, world, as_role):
    orgs = organisations(app, world)
    plan_id = started(app, world, as_role, "livestock_theft")
    pid = issue_id(app, plan_id)
    client = as_role("facilitator")
    data = {**MEASURE, "lead": str(orgs["local_government"]), "partners": [str(orgs["police"]), str(orgs["school"])]}
    response = post(client, url(world, f"/{plan_id}/issues/{pid}/measures/new"), data)
    assert response.status_code == 302, page_text(response)
    measure = plan_of(app, plan_id).measures[0]
    assert (measure.title_en, measure.start, measure.end, measure.cost) == (
        "Ear tags for every cow", "2026-04", "2026-12", D("15000.50"))
    assert measure.title_ky == "" and measure.library_code is None
    assert sorted(o.id for o in measure.partners) == sorted([orgs["police"], orgs["school"]])
    assert [(i.name, i.unit, i.target) for i in measure.indicators] == [("Registered animals", "%", "90")]
    edit = url(world, f"/{plan_id}/measures/{measure.id}/edit")
    assert "Registered animals" in page_text(client.get(edit))
    response = post(client, edit, {**MEASURE, "cost": "", "partners": [str(orgs["school"])], "status": "in_progress"})
    assert response.status_code == 302, page_text(response)
    measure = plan_of(app, plan_id).measures[0]
    assert measure.cost is None and measure.status == "in_progress" and [o.id for o in measure.partners] == [orgs["school"]]
    text = page_text(client.get(url(world, f"/{plan_id}")))
    assert "Ear tags for every cow" in text and "The school" in text and "2026-04" in text
    assert [e[0] for e in events(app, plan_id)] == ["start", "add_measure", "edit_measure"]


def test_library_prefills_in_kyrgyz_and_keeps_other_languages(app, world, as_role):
    orgs = organisations(app, world)
    entry = library.get(LIBRARY_CODE)
    plan_id = started(app, world, as_role, "livestock_theft")
    pid = issue_id(app, plan_id)
    client = as_role("coordinator")
    issue_page = page_text(client.get(url(world, f"/{plan_id}/issues/{pid}?lang=ky")))
    assert entry.title[0] in issue_page and f"library={LIBRARY_CODE}" in issue_page
    target = url(world, f"/{plan_id}/issues/{pid}/measures/new?library={LIBRARY_CODE}&lang=ky")
    form = page_text(client.get(target))
    assert entry.title[0] in form and entry.indicators[0].name[0] in form
    if entry.lead in orgs:
        assert re.search(rf'<option selected value="{orgs[entry.lead]}"|<option value="{orgs[entry.lead]}" selected',
                         form)
    response = post(client, target, {**MEASURE, "title": "Малды каттоо (биздин айыл)", "description": ""})
    assert response.status_code == 302, page_text(response)
    measure = plan_of(app, plan_id).measures[0]
    assert measure.library_code == LIBRARY_CODE
    assert measure.title_ky == "Малды каттоо (биздин айыл)"
    assert (measure.title_ru, measure.title_en) == (entry.title[1], entry.title[2])
    assert (measure.description_ru, measure.description_en) == (entry.description[1], entry.description[2])


BAD_MEASURES = [
    ({"end": "2026-03", "start": "2026-Q2"}, "end", "The end cannot be before the start."),
    ({"start": "March"}, "start", "Enter a month as 2027-03 or a quarter as 2027-Q2."),
    ({"start": ""}, "start", "This field is required."),
    ({"cost": "-5"}, "cost", "The cost cannot be negative."),
    ({"cost": "10.505"}, "cost", "Enter the cost with at most two decimals (tyiyn)."),
    ({"cost": "ten"}, "cost", "Enter the cost as a number of som"),
    ({"indicators-0-unit": ""}, "indicators-0-unit", "Enter the unit, e.g. cases or %."),
    ({"indicators-0-target": ""}, "indicators-0-target", "Enter the target."),
    ({"indicators-1-unit": "cases"}, "indicators-1-name", "Name the indicator."),
    ({"title": ""}, "title", "This field is required."),
    ({"title": "x" * 201}, "title", "Too long: at most 200 characters."),
    ({"description": "x" * 2001}, "description", "Too long: at most 2000 characters."),
    ({"indicators-0-source": "x" * 201}, "indicators-0-source", "Too long: at most 200 characters."),
    ({"status": "finished"}, "status", "Choose a status from the list."),
    ({"lead": "999999"}, "lead", "Choose an organisation from the list."),
]


@pytest.mark.parametrize("change, field, message", BAD_MEASURES)
def test_bad_measure_is_refused_with_the_message_at_the_field(app, world, as_role, change, field, message):
    plan_id = started(app, world, as_role, "livestock_theft")
    pid = issue_id(app, plan_id)
    client = as_role("coordinator")
    for target in (url(world, f"/{plan_id}/issues/{pid}/measures/new"),):
        before = snapshot(app)
        response = post(client, target, {**MEASURE, **change})
        assert response.status_code == 400
        html = page_text(response)
        error = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', html)
        assert error and message in error.group(1), html
        assert f'id="{field}"' in html and f'for="{field}"' in html
        assert snapshot(app) == before


def test_bad_edit_of_a_measure_saves_nothing(app, world, as_role):
    plan_id = started(app, world, as_role, "livestock_theft")
    client = as_role("coordinator")
    post(client, url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new"), MEASURE)
    measure_id = plan_of(app, plan_id).measures[0].id
    before = snapshot(app)
    response = post(client, url(world, f"/{plan_id}/measures/{measure_id}/edit"),
                    {**MEASURE, "title": "Changed", "cost": "-1", "end": "2025-01"})
    assert response.status_code == 400
    text = page_text(response)
    assert "The cost cannot be negative." in text and "The end cannot be before the start." in text
    assert snapshot(app) == before


def test_indicator_rows_whose_number_cannot_be_read_are_ignored(app, world, as_role):
    """WTForms' int() raised on "indicators-²-name" and on a row number of 4,300 digits or more (a 500)."""
    plan_id = started(app, world, as_role, "livestock_theft")
    client = as_role("coordinator")
    response = post(client, url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new"),
                    {**MEASURE, "indicators-²-name": "Superscript", f"indicators-{'9' * 5000}-name": "Far away"})
    assert response.status_code == 302
    assert [i.name for i in plan_of(app, plan_id).measures[0].indicators] == ["Registered animals"]


@pytest.mark.parametrize("years", [{"first_year": " "}, {"last_year": "\r\n"}, {"first_year": " ", "last_year": " "}])
def test_plan_years_of_spaces_only_are_refused(app, world, as_role, years):
    """Spaces only passed InputRequired with no year, and comparing the years raised TypeError (a 500)."""
    plan_id = started(app, world, as_role, "livestock_theft")
    client = as_role("coordinator")
    before = snapshot(app)
    response = post(client, url(world, f"/{plan_id}/edit"),
                    {"title": "Safer streets", "first_year": "2026", "last_year": "2028", **years})
    assert response.status_code == 400
    assert "Enter a year from 2000 to 2100." in page_text(response)
    assert snapshot(app) == before


def test_total_cost_is_exact(app, world, as_role):
    plan_id = started(app, world, as_role, "livestock_theft")
    client = as_role("coordinator")
    for cost in ("0.10", "0.20", "1234567.89", ""):
        response = post(client, url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new"),
                        {**MEASURE, "cost": cost})
        assert response.status_code == 302
    plan = plan_of(app, plan_id)
    assert total_cost(plan) == D("1234568.19")
    text = page_text(client.get(url(world, f"/{plan_id}")))
    assert f"Total cost: {format_money(D('1234568.19'), 'en')}" in text


# --- review and adoption -------------------------------------------------------------------------

def step(client, world, plan_id: int, action: str, **extra):
    return post(client, url(world, f"/{plan_id}/transition"), {"action": action, **extra})


def test_happy_path_from_draft_to_adoption(app, world, as_role):
    plan_id = started(app, world, as_role, "livestock_theft")
    coordinator, police, facilitator = as_role("coordinator"), as_role("police"), as_role("facilitator")
    path = [
        (facilitator, "submit", {}, "submitted"),
        (police, "start_review", {}, "in_review"),
        (police, "request_changes", {"note": "Add a measure for the summer pastures."}, "changes_requested"),
        (coordinator, "submit", {}, "submitted"),
        (police, "start_review", {}, "in_review"),
        (police, "approve", {}, "approved"),
        (coordinator, "adopt", {"decision_number": "12/3", "decision_date": "2026-01-15"}, "adopted"),
    ]
    for client, action, extra, state in path:
        response = step(client, world, plan_id, action, **extra)
        assert response.status_code == 302, (action, page_text(response))
        assert plan_of(app, plan_id).status == state
    plan = plan_of(app, plan_id)
    assert (plan.council_decision_number, plan.council_decision_date) == ("12/3", date(2026, 1, 15))
    log = events(app, plan_id)
    assert [e[:3] for e in log[1:]] == [
        ("submit", "draft", "submitted"), ("start_review", "submitted", "in_review"),
        ("request_changes", "in_review", "changes_requested"), ("submit", "changes_requested", "submitted"),
        ("start_review", "submitted", "in_review"), ("approve", "in_review", "approved"),
        ("adopt", "approved", "adopted")]
    assert not any(e[3] for e in log)
    text = page_text(coordinator.get(url(world, f"/{plan_id}")))
    log_page = page_text(coordinator.get(url(world, f"/{plan_id}/log")))
    assert "Add a measure for the summer pastures." in log_page  # the audit log shows the note
    assert "Make a new version" in text
    assert "Add a measure for the summer pastures." not in page_text(police.get(url(world, f"/{plan_id}")))


@pytest.mark.parametrize("role, status, action, extra, message", [
    # A facilitator may submit but not record the adoption.
    ("facilitator", "approved", "adopt", {"decision_number": "1", "decision_date": "2026-01-15"},
     "Only the coordinator can record the council's adoption."),
    # No skipping the police review: the coordinator cannot approve, nor adopt a plan that is only submitted.
    ("coordinator", "in_review", "approve", {}, "Only the police can approve the plan."),
    ("coordinator", "submitted", "adopt", {"decision_number": "1", "decision_date": "2026-01-15"},
     'The step "Record council adoption" is not possible while the plan is "Submitted".'),
    ("police", "in_review", "request_changes", {"note": "  "}, "Add a note saying what needs to change."),
    ("coordinator", "approved", "adopt", {"decision_number": "1", "decision_date": "15.01.2026"},
     "Enter the council decision number and date."),
    ("police", "draft", "approve", {}, 'The step "Approve" is not possible while the plan is "Draft".'),
])
def test_forbidden_step_is_refused_and_only_recorded(app, world, as_role, role, status, action, extra, message):
    plan_id = started(app, world, as_role, "livestock_theft")
    set_status(app, plan_id, status)
    before = count_rows(app)
    response = step(as_role(role), world, plan_id, action, **extra)
    assert response.status_code == 409
    assert message in page_text(response)
    after = count_rows(app)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"plan_events": 1}
    assert plan_of(app, plan_id).status == status
    assert events(app, plan_id)[-1] == (action, status, status, True)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_take_no_step(app, world, as_role, role):
    """Roles with no part in the workflow are stopped by the permission check: 403 and nothing written."""
    plan_id = started(app, world, as_role, "livestock_theft")
    set_status(app, plan_id, "approved")
    client = as_role(role)
    before = snapshot(app)
    response = step(client, world, plan_id, "adopt", decision_number="1", decision_date="2026-01-15")
    assert response.status_code == 403 and snapshot(app) == before


def test_police_do_not_edit_measures(app, world, as_role):
    plan_id = started(app, world, as_role, "livestock_theft")
    post(as_role("coordinator"), url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new"), MEASURE)
    measure_id = plan_of(app, plan_id).measures[0].id
    police = as_role("police")
    before = snapshot(app)
    assert police.get(url(world, f"/{plan_id}/measures/{measure_id}/edit")).status_code == 403
    response = post(police, url(world, f"/{plan_id}/measures/{measure_id}/edit"), {**MEASURE, "title": "Police"})
    assert response.status_code == 403 and snapshot(app) == before
    assert "Edit the measure" not in page_text(police.get(url(world, f"/{plan_id}")))


@pytest.mark.parametrize("status, message", [
    ("adopted", "The plan has been adopted: changes are made in a new version, which is reviewed again."),
    ("in_review", "The plan is locked during review and adoption"),
])
def test_locked_plan_is_not_edited_in_place(app, world, as_role, status, message):
    plan_id = started(app, world, as_role, "livestock_theft")
    client = as_role("coordinator")
    post(client, url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new"), MEASURE)
    measure_id = plan_of(app, plan_id).measures[0].id
    set_status(app, plan_id, status)
    for target, data, action in (
            (f"/{plan_id}/measures/{measure_id}/edit", {**MEASURE, "title": "Changed"}, "edit_measure"),
            (f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new", MEASURE, "add_measure"),
            (f"/{plan_id}/edit", {"title": "Changed", "first_year": "2026", "last_year": "2027"}, "edit"),
            (f"/{plan_id}/issues/{issue_id(app, plan_id)}", {"problem": "Changed", "objective": ""}, "edit")):
        before = count_rows(app)
        response = post(client, url(world, target), data)
        assert response.status_code == 409, target
        text = page_text(response)
        assert message in text
        assert ("Make a new version" in text) == (status == "adopted")
        after = count_rows(app)
        assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"plan_events": 1}
        assert events(app, plan_id)[-1] == (action, status, status, True)
    assert plan_of(app, plan_id).measures[0].title_en == MEASURE["title"]


def test_new_version_copies_an_adopted_plan_into_a_draft(app, world, as_role):
    orgs = organisations(app, world)
    plan_id = started(app, world, as_role, "livestock_theft", "road_safety")
    client = as_role("coordinator")
    post(client, url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new"),
         {**MEASURE, "lead": str(orgs["police"]), "partners": [str(orgs["school"])]})
    set_status(app, plan_id, "adopted")
    response = post(client, url(world, f"/{plan_id}/new-version"), {})
    assert response.status_code == 302
    new_id = int(re.search(r"/plans/(\d+)$", response.headers["Location"]).group(1))
    old, new = plan_of(app, plan_id), plan_of(app, new_id)
    assert (new.version, new.status, new.previous_id, old.status) == (2, "draft", plan_id, "adopted")
    assert [(i.issue_id, i.problem_en) for i in new.issues] == [(i.issue_id, i.problem_en) for i in old.issues]
    copy, original = new.measures[0], old.measures[0]
    assert copy.id != original.id and copy.plan_issue_id == new.issues[0].id
    assert (copy.title_en, copy.cost, copy.lead_id) == (original.title_en, original.cost, original.lead_id)
    assert [o.id for o in copy.partners] == [orgs["school"]]
    assert [(i.name, i.unit, i.target) for i in copy.indicators] == [("Registered animals", "%", "90")]
    # The copy is edited; the adopted version stays as it was.
    post(client, url(world, f"/{new_id}/measures/{copy.id}/edit"), {**MEASURE, "title": "Revised"})
    assert plan_of(app, new_id).measures[0].title_en == "Revised"
    assert plan_of(app, plan_id).measures[0].title_en == MEASURE["title"]
    # A second request goes to the existing new version.
    before = snapshot(app)
    response = post(client, url(world, f"/{plan_id}/new-version"), {})
    assert response.headers["Location"].endswith(f"/plans/{new_id}") and snapshot(app) == before


def test_plans_of_another_municipality_are_404(app, world, as_role):
    plan_id = started(app, world, as_role, "livestock_theft")
    outsider = as_role("outsider")
    assert outsider.get(f"/m/{world['other']}/plans/{plan_id}").status_code == 404
    before = snapshot(app)
    response = post(outsider, f"/m/{world['other']}/plans/{plan_id}/transition", {"action": "submit"})
    assert response.status_code == 404 and snapshot(app) == before


# --- the planning guide ---------------------------------------------------------------------------

def steps(app, world, role: str) -> tuple[guide.StepState, guide.StepState]:
    from flask_login import login_user

    from cpplan.accounts.models import User
    with app.test_request_context("/?lang=en"):
        login_user(db.session.scalar(db.select(User).filter_by(email=world["users"][role])))
        states = guide.collect(app, db.session.get(Municipality, world["home_id"]))
        return states["plan"], states["adoption"]


def test_guide_steps_follow_the_plan(app, world, as_role):
    plan, adoption = steps(app, world, "coordinator")
    assert (plan.status, plan.action_label, adoption.status) == ("todo", "Start the plan", "todo")
    assert steps(app, world, "police")[0].action_label is None
    plan_id = started(app, world, as_role, "livestock_theft")
    plan, adoption = steps(app, world, "facilitator")
    assert (plan.status, plan.action_label, adoption.status) == ("in_progress", "Add measures", "todo")
    set_status(app, plan_id, "submitted")
    plan, adoption = steps(app, world, "police")
    assert (plan.status, adoption.status, adoption.action_label) == ("done", "in_progress", "Review the plan")
    set_status(app, plan_id, "approved")
    assert steps(app, world, "coordinator")[1].action_label == "Record the council's adoption"
    assert steps(app, world, "police")[1].action_label is None
    step(as_role("coordinator"), world, plan_id, "adopt", decision_number="7-2", decision_date="2026-02-01")
    adoption = steps(app, world, "member")[1]
    assert adoption.status == "done" and "7-2" in adoption.detail and "2026" in adoption.detail
