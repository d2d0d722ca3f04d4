"""The priority pages: scoring matrix, weights, the working group's assessment, agreed priorities, guide step."""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from access_cases import logged_in_client, page_text, snapshot
from conftest import csrf_token
from cpplan.extensions import db
from cpplan.municipalities import guide
from cpplan.municipalities.models import Municipality
from cpplan.priorities import models
from cpplan.priorities.models import DecisionItem, IssueAssessment, PriorityDecision, ScoringWeights
from cpplan.results import queries
from cpplan.results.queries import IssueFigures

WEIGHTS = {"concern": "3", "prevalence": "2", "severity": "2", "trend": "1", "capacity": "1", "impact": "2",
           "support": "3"}


def figures(**by_code) -> dict[str, IssueFigures]:
    """Return issue_figures' answer: code -> (concern, prevalence, change)."""
    return {code: IssueFigures(code, concern=D(c) if c is not None else None, mean=None,
                               prevalence=D(p) if p is not None else None, change=D(ch) if ch is not None else None)
            for code, (c, p, ch) in by_code.items()}


@pytest.fixture
def survey_figures(monkeypatch):
    """Road safety worries most; domestic violence's figures are hidden (small numbers)."""
    fake = figures(road_safety=("0.6", "0.2", None), livestock_theft=("0.4", "0.1", "0.1"),
                   domestic_violence=(None, None, None))
    monkeypatch.setattr(queries, "issue_figures", lambda municipality: fake, raising=False)
    return fake


@pytest.fixture
def as_role(app, world):
    def login(role: str):
        return logged_in_client(app, world["users"][role])
    return login


def home_url(world, tail: str = "") -> str:
    return f"/m/{world['home']}/priorities{tail}"


def post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def assess(app, world, code: str, **values) -> None:
    with app.app_context():
        from cpplan.surveys.models import Issue
        issue = db.session.scalar(db.select(Issue).filter_by(code=code, municipality_id=None))
        db.session.add(IssueAssessment(municipality_id=world["home_id"], issue_id=issue.id, **values))
        db.session.commit()


# --- the matrix -------------------------------------------------------------------------------

def test_matrix_ranks_issues_with_their_breakdown(app, world, as_role, survey_figures):
    assess(app, world, "domestic_violence", severity=5, impact=5, capacity=4)
    client = as_role("police")  # the police see the ranking (aggregates only)
    response = client.get(home_url(world))
    assert response.status_code == 200
    text = page_text(response)
    # domestic violence: hidden survey figures are left out, its ratings give (2*1 + 1*.75 + 2*1)/5 = 95
    assert "Score 95 of 100" in text
    # road safety: (3*.6 + 2*.2) / 5 = 44
    assert "Score 44 of 100" in text
    assert text.index("Domestic and gender-based violence") < text.index("Road safety") < text.index("Livestock theft")
    assert "no data" in text and "rather than counted as zero" in text
    assert "<title" in text and "<svg" in text and "style=" not in text
    assert "Confirm the priority issues" not in text and "Change the weights" not in text


def test_ranking_uses_meeting_support_and_police_trend(app, world, monkeypatch, survey_figures):
    monkeypatch.setattr("cpplan.priorities.voting.support_by_issue",
                        lambda municipality_id: {"livestock_theft": D("0.9"), "road_safety": D(0)})
    assess(app, world, "livestock_theft", police_previous=10, police_current=20)
    with app.test_request_context():
        m = db.session.get(Municipality, world["home_id"])
        ranked = {r.code: r for r in models.ranking(m)}
    theft = ranked["livestock_theft"]
    assert theft.components["support"] == D("0.9")
    assert theft.components["trend"] == D(1)  # police counts doubled (not the survey's +0.1)
    assert ranked["road_safety"].components["trend"] is None
    assert theft.rank == 1


# --- weights ----------------------------------------------------------------------------------

def test_weights_are_saved(app, world, as_role, survey_figures):
    client = as_role("facilitator")
    assert client.get(home_url(world, "/weights")).status_code == 200
    response = post(client, home_url(world, "/weights"), {**WEIGHTS, "support": "0", "concern": "10"})
    assert response.status_code == 302
    with app.app_context():
        assert models.weights_of(world["home_id"]) == {**{k: int(v) for k, v in WEIGHTS.items()},
                                                       "support": 0, "concern": 10}
    text = page_text(client.get(home_url(world)))
    assert "Weights" in text


@pytest.mark.parametrize("field, value, message", [
    ("concern", "11", "Enter a whole number from 0 to 10."),
    ("trend", "-1", "Enter a whole number from 0 to 10."),
    ("impact", "abc", "Enter a whole number from 0 to 10."),
    ("severity", "2.5", "Enter a whole number from 0 to 10."),
    ("support", "", "Enter a weight from 0 to 10."),
    (None, None, "At least one weight must be above 0."),
])
def test_bad_weights_change_nothing(app, world, as_role, field, value, message):
    client = as_role("coordinator")
    data = {k: "0" for k in WEIGHTS} if field is None else {**WEIGHTS, field: value}
    before = snapshot(app)
    response = post(client, home_url(world, "/weights"), data)
    assert response.status_code == 400
    text = page_text(response)
    target = field or "concern"
    assert f'id="{target}-error">{message}' in text
    assert text.count(message) == 1
    assert snapshot(app) == before


# --- assessment -------------------------------------------------------------------------------

def test_assessment_saves_and_clears(app, world, as_role):
    client = as_role("facilitator")
    page = page_text(client.get(home_url(world, "/assessment")))
    assert 'for="road_safety-severity"' in page and 'for="road_safety-police_current"' in page
    response = post(client, home_url(world, "/assessment"), {
        "road_safety-severity": "4", "road_safety-capacity": "2", "road_safety-impact": "",
        "road_safety-police_previous": "12", "road_safety-police_current": "0",
        "fraud-impact": "5"})
    assert response.status_code == 302
    with app.app_context():
        rows = {r.issue.code: r for r in db.session.scalars(db.select(IssueAssessment))}
        assert set(rows) == {"road_safety", "fraud"}
        road = rows["road_safety"]
        assert (road.severity, road.capacity, road.impact, road.police_previous, road.police_current) == (
            4, 2, None, 12, 0)
    # Emptying fraud's rating removes its (now empty) assessment; fields not sent keep their values.
    post(client, home_url(world, "/assessment"), {"road_safety-severity": "3", "fraud-impact": ""})
    with app.app_context():
        codes = {r.issue.code: r.severity for r in db.session.scalars(db.select(IssueAssessment))}
        assert codes == {"road_safety": 3}


@pytest.mark.parametrize("data, field, message", [
    ({"road_safety-severity": "6"}, "road_safety-severity", "Choose a rating from 1 to 5, or leave it empty."),
    ({"road_safety-impact": "0"}, "road_safety-impact", "Choose a rating from 1 to 5, or leave it empty."),
    ({"fraud-police_current": "-3"}, "fraud-police_current", "Enter a whole number, 0 or more."),
    ({"fraud-police_previous": "abc"}, "fraud-police_previous", "Enter a whole number, 0 or more."),
    # Too large for a float: WTForms' range check overflowed (a 500); beyond int()'s 4,300 digits.
    ({"fraud-police_current": "9" * 400}, "fraud-police_current", "Enter a whole number, 0 or more."),
    ({"fraud-police_current": "9" * 5000}, "fraud-police_current", "Enter a whole number, 0 or more."),
])
def test_bad_assessment_changes_nothing(app, world, as_role, data, field, message):
    assess(app, world, "fraud", severity=2, police_previous=4)
    client = as_role("coordinator")
    before = snapshot(app)
    response = post(client, home_url(world, "/assessment"), {"road_safety-capacity": "3", **data})
    assert response.status_code == 400
    text = page_text(response)
    assert f'id="{field}-error">{message}</p>' in text
    assert snapshot(app) == before


# --- agreed priorities ------------------------------------------------------------------------

def test_confirm_is_prefilled_from_the_ranking(app, world, as_role, survey_figures):
    client = as_role("coordinator")
    text = page_text(client.get(home_url(world, "/confirm")))
    # ranking: road safety (44), livestock theft, then issues without data in catalogue order
    assert '<option selected value="road_safety">' in text or 'value="road_safety" selected' in text


def test_confirm_in_ranking_order_needs_no_reason(app, world, as_role, survey_figures):
    client = as_role("coordinator")
    response = post(client, home_url(world, "/confirm"), {
        "decided_on": "2024-06-01", "issue_1": "road_safety", "issue_2": "livestock_theft"})
    assert response.status_code == 302
    with app.app_context():
        decision = models.latest_decision(world["home_id"])
        assert [(i.issue.code, i.position, i.ranked_position, i.reason) for i in decision.items] == [
            ("road_safety", 1, 1, ""), ("livestock_theft", 2, 2, "")]
        assert decision.items[0].score == D("44.0")
        assert decision.created_by.email == world["users"]["coordinator"]
    text = page_text(client.get(home_url(world)))
    assert "Place 1 in the ranking, score 44" in text


def test_departing_from_the_ranking_needs_a_reason(app, world, as_role, survey_figures):
    client = as_role("coordinator")
    data = {"decided_on": "2024-06-01", "issue_1": "domestic_violence", "issue_2": "road_safety"}
    before = snapshot(app)
    response = post(client, home_url(world, "/confirm"), data)
    assert response.status_code == 400
    text = page_text(response)
    assert "Say why this issue is at place 1 when the ranking puts it at place 4." in text
    assert "Say why this issue is at place 2 when the ranking puts it at place 1." in text
    assert snapshot(app) == before
    response = post(client, home_url(world, "/confirm"), {
        **data, "reason_1": "Women at the meeting named it first.", "reason_2": "Second after GBV."})
    assert response.status_code == 302
    with app.app_context():
        items = models.latest_decision(world["home_id"]).items
        assert [(i.issue.code, i.position, i.ranked_position) for i in items] == [
            ("domestic_violence", 1, 4), ("road_safety", 2, 1)]
        assert items[0].departs and items[0].reason == "Women at the meeting named it first."


@pytest.mark.parametrize("data, message", [
    ({"issue_1": "road_safety", "issue_2": "road_safety", "reason_2": "x"}, "Each issue can be chosen only once."),
    ({"issue_1": "road_safety", "issue_3": "livestock_theft", "reason_3": "x"},
     "Fill the places in order, without leaving one empty."),
    ({"issue_1": "no_such_issue"}, "Choose an issue from the list."),
    ({}, "Choose at least one priority issue."),
    ({"issue_1": "road_safety", "decided_on": "14.06.2024"}, "Enter the date as year-month-day, e.g. 2025-03-14."),
    ({"issue_1": "road_safety", "decided_on": ""}, "Enter the date."),
    # Spaces only passed InputRequired with no date: the insert failed on NOT NULL (a 500).
    ({"issue_1": "road_safety", "decided_on": " \r\n"}, "Enter the date."),
])
def test_bad_decisions_change_nothing(app, world, as_role, survey_figures, data, message):
    client = as_role("coordinator")
    before = snapshot(app)
    response = post(client, home_url(world, "/confirm"), {"decided_on": "2024-06-01", **data})
    assert response.status_code == 400
    assert message in page_text(response)
    assert snapshot(app) == before


def test_latest_decision_and_history(app, world, as_role, survey_figures):
    client = as_role("coordinator")
    post(client, home_url(world, "/confirm"), {"decided_on": "2024-06-01", "issue_1": "road_safety"})
    post(client, home_url(world, "/confirm"), {"decided_on": "2025-02-01", "issue_1": "road_safety",
                                               "issue_2": "livestock_theft"})
    with app.app_context():
        latest = models.latest_decision(world["home_id"])
        assert str(latest.decided_on) == "2025-02-01" and len(latest.items) == 2
        assert models.latest_decision(world["other_id"]) is None
    text = page_text(client.get(home_url(world)))
    assert "Earlier decisions" in text


# --- the planning guide -----------------------------------------------------------------------

def step(app, world, role: str) -> guide.StepState:
    from flask_login import login_user

    from cpplan.accounts.models import User
    with app.test_request_context("/?lang=en"):
        login_user(db.session.scalar(db.select(User).filter_by(email=world["users"][role])))
        m = db.session.get(Municipality, world["home_id"])
        return guide.collect(app, m)["priorities"]


def test_guide_step_follows_the_work(app, world, survey_figures):
    state = step(app, world, "facilitator")
    assert state.status == "todo" and state.action_label == "Rate the issues and hold a community meeting"
    assert step(app, world, "member").action_url is None  # only actions the user may take
    assess(app, world, "road_safety", severity=4)
    state = step(app, world, "coordinator")
    assert state.status == "in_progress" and state.action_label == "Confirm the priority issues"
    assert state.action_url.endswith("/priorities/confirm")
    assert step(app, world, "facilitator").action_label != "Confirm the priority issues"
    with app.app_context():
        decision = PriorityDecision(municipality_id=world["home_id"], decided_on=date(2024, 6, 1))
        road = db.session.scalar(db.select(models.Issue).filter_by(code="road_safety"))
        decision.items.append(DecisionItem(issue_id=road.id, position=1, ranked_position=1, score=D("44.0")))
        db.session.add(decision)
        db.session.commit()
    state = step(app, world, "police")
    assert state.status == "done" and "Road safety" in state.detail


def test_guide_names_agreed_issues_in_the_page_language(app, world, as_role, survey_figures):
    client = as_role("coordinator")
    post(client, home_url(world, "/confirm"), {"decided_on": "2024-06-01", "issue_1": "road_safety"})
    text = page_text(client.get(f"/m/{world['home']}?lang=ru"))
    assert "Безопасность дорожного движения" in text


def test_other_municipality_data_is_not_shown(app, world, as_role, survey_figures):
    """The outsider's municipality keeps its own weights; an outsider cannot open home's matrix."""
    with app.app_context():
        db.session.add(ScoringWeights(municipality_id=world["other_id"], concern=0))
        db.session.commit()
        assert models.weights_of(world["home_id"])["concern"] == 3
    assert as_role("outsider").get(home_url(world)).status_code == 403
