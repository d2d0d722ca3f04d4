"""The progress page of an adopted plan's measure: status and percent complete, indicator values over time,
a value taken from a follow-up survey's published figure, refusals, permissions and what the public sees."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal as D

import pytest

from access_cases import page_text, snapshot, translated
from conftest import csrf_token
from cpplan.accounts.models import User
from cpplan.budget.progress import IndicatorValue, MeasureProgress
from cpplan.budget.progress_calc import is_survey_share
from cpplan.extensions import db
from cpplan.municipalities.models import Municipality
from cpplan.plans.models import Measure, PlanEvent
from cpplan.surveys import services as survey_services
from plan_factory import make_plan

COORDINATOR_NAME = "Айгерим Бекова"


def make_target(app, world, status: str = "adopted") -> dict:
    """Add a plan of home (school racketeering's measure has a survey-share indicator); return its ids and url."""
    with app.app_context():
        plan_id = make_plan(world["home_id"], measures=2, status=status, first_year=2026)
        measure = db.session.scalars(db.select(Measure).filter_by(plan_id=plan_id).order_by(Measure.position)).all()[1]
        survey_share = next(i for i in measure.indicators if is_survey_share(i.unit, i.source))
        other = next(i for i in measure.indicators if i is not survey_share)
        coordinator = db.session.scalar(db.select(User).filter_by(email=world["users"]["coordinator"]))
        coordinator.display_name = COORDINATOR_NAME
        db.session.commit()
        url = f"/m/{world['home']}/plans/{plan_id}/measures/{measure.id}/progress"
        return {"plan": plan_id, "measure": measure.id, "survey_share": survey_share.id, "other": other.id,
                "url": url, "issue": measure.plan_issue.issue.code}


@pytest.fixture
def target(app, world) -> dict:
    return make_target(app, world)


def post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/account")})


def value_url(target: dict, indicator: str = "other") -> str:
    return f"{target['url']}/indicators/{target[indicator]}/values"


def survey_url(target: dict, indicator: str = "survey_share") -> str:
    return f"{target['url']}/indicators/{target[indicator]}/from-survey"


def values_of(app, indicator_id: int) -> list[IndicatorValue]:
    with app.app_context():
        found = db.session.scalars(db.select(IndicatorValue).filter_by(indicator_id=indicator_id)).all()
        db.session.expunge_all()
        return found


def events(app, plan_id: int, action: str) -> list[PlanEvent]:
    with app.app_context():
        found = db.session.scalars(db.select(PlanEvent).filter_by(plan_id=plan_id, action=action)).all()
        db.session.expunge_all()
        return found


def follow_up(app, world, ratings: int, code: str = "school_racketeering", status: str = "closed") -> int:
    """Add a follow-up survey of home in which `ratings` residents rate the issue 5; return its id."""
    with app.app_context():
        survey = survey_services.create_standard(db.session.get(Municipality, world["home_id"]), "follow_up")
        survey.title_en = f"Follow-up {ratings}"
        survey_services.open_survey(survey)
        db.session.commit()
        for _n in range(ratings):
            survey_services.submit(survey, str(uuid.uuid4()), {"consent": "yes", "issue_seriousness": {code: 5}},
                                   "web")
        if status == "closed":
            survey_services.close_survey(survey)
        db.session.commit()
        return survey.id


# --- recording progress -----------------------------------------------------------------------------------------

def test_values_are_saved_and_shown_newest_first(app, target, as_role):
    client = as_role("facilitator")
    for day, value, note in (("2026-03-01", "45", "Spring count"), ("2026-09-15", "1 250,75", "Autumn count"),
                             ("2026-06-01", "80,5", "Summer count")):
        response = post(client, value_url(target), {"measured_on": day, "value": value, "note": note})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"{target['url']}#indicator-{target['other']}")
    stored = sorted(values_of(app, target["other"]), key=lambda v: v.measured_on)
    assert [(v.value, v.source, v.survey_id) for v in stored] == [(D("45"), "entry", None),
                                                                   (D("80.5"), "entry", None),
                                                                   (D("1250.75"), "entry", None)]
    page = page_text(client.get(target["url"]))
    assert page.index("Autumn count") < page.index("Summer count") < page.index("Spring count")
    assert "1,250.75" in page  # every decimal, in the page's number format
    assert len(events(app, target["plan"], "indicator_value")) == 3
    assert '<svg class="chart progress-chart"' in page


def test_status_and_percent_are_saved(app, target, as_role):
    client = as_role("coordinator")
    response = post(client, f"{target['url']}/status", {"status": "in_progress", "percent_complete": "40"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Measure, target["measure"]).status == "in_progress"
        stored = db.session.scalar(db.select(MeasureProgress).filter_by(measure_id=target["measure"]))
        assert stored.percent_complete == 40
    page = page_text(client.get(target["url"]))
    assert '<progress max="100" value="40"' in page
    assert translated(app, "Under way", "en") in page
    (event,) = events(app, target["plan"], "progress")
    assert event.measure_id == target["measure"] and not event.refused and "40%" in event.note
    # A second report updates the same row.
    post(client, f"{target['url']}/status", {"status": "done", "percent_complete": "100"})
    with app.app_context():
        assert db.session.scalars(db.select(MeasureProgress).filter_by(measure_id=target["measure"])).one() \
            .percent_complete == 100


@pytest.mark.parametrize("tail, data, field, message", [
    ("values", {"measured_on": "2026-05-01", "value": "many"}, "value",
     "Enter the value as a number, e.g. 12 or 12.5."),
    ("values", {"measured_on": "2026-05-01", "value": "1.23456"}, "value",
     "Enter the value with at most four decimals."),
    ("values", {"measured_on": "2026-05-01", "value": "12345678901"}, "value", "The value is too large."),
    ("values", {"measured_on": "2099-01-01", "value": "12"}, "measured_on", "The date cannot be in the future."),
    ("values", {"measured_on": "1.5.2026", "value": "12"}, "measured_on",
     "Enter the date as year-month-day, e.g. 2025-03-14."),
    ("values", {"measured_on": "2025-12-31", "value": "12", "note": ""}, "measured_on",
     "The date cannot be before the plan's first year, %(year)s."),
    ("values", {"measured_on": "2026-05-01", "value": "12", "note": "x" * 301}, "note",
     "Too long: at most %(max)s characters."),
    ("status", {"status": "done", "percent_complete": "140"}, "percent_complete", "Enter a number from 0 to 100."),
    ("status", {"status": "done", "percent_complete": "40.5"}, "percent_complete",
     "Enter a whole number from 0 to 100, e.g. 40."),
    ("status", {"status": "finished", "percent_complete": "40"}, "status", "Choose a status from the list."),
])
def test_bad_input_is_refused_per_field_and_nothing_is_saved(app, target, as_role, tail, data, field, message):
    client = as_role("coordinator")
    url = value_url(target) if tail == "values" else f"{target['url']}/status"
    suffix = target["other"] if tail == "values" else target["measure"]
    before = snapshot(app)
    response = post(client, url, data)
    assert response.status_code == 400
    assert snapshot(app) == before
    text = page_text(response)
    expected = translated(app, message, "en", year=2026, max=300)
    error = re.search(rf'<p class="error" id="{field}-{suffix}-error">([^<]*)</p>', text)
    assert error and expected in error.group(1), text
    assert f'id="{field}-{suffix}"' in text and 'aria-invalid="true"' in text


def test_a_refused_value_stays_in_its_own_form(app, target, as_role):
    """The other indicator's form is not filled with what was sent to this one."""
    response = post(as_role("coordinator"), value_url(target), {"measured_on": "2026-05-01", "value": "many"})
    text = response.get_data(as_text=True)
    assert re.search(rf'id="value-{target["other"]}"[^>]*value="many"', text)
    assert not re.search(rf'id="value-{target["survey_share"]}"[^>]*value="many"', text)
    assert re.search(rf'id="value-{target["survey_share"]}"', text)


def test_a_draft_plan_has_no_progress(app, world, as_role):
    draft = make_target(app, world, status="draft")
    viewer = as_role("viewer")
    response = viewer.get(draft["url"])
    assert response.status_code == 409
    message = translated(app, "Progress is recorded once the council has adopted the plan.", "en")
    assert message in page_text(response)
    coordinator = as_role("coordinator")
    before = values_of(app, draft["other"])
    response = post(coordinator, value_url(draft), {"measured_on": "2026-05-01", "value": "12"})
    assert response.status_code == 409 and message in page_text(response)
    assert values_of(app, draft["other"]) == before == []
    response = post(coordinator, f"{draft['url']}/status", {"status": "done", "percent_complete": "100"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Measure, draft["measure"]).status == "planned"
    refused = events(app, draft["plan"], "indicator_value") + events(app, draft["plan"], "progress")
    assert len(refused) == 2 and all(e.refused for e in refused)
    # Anonymous visitors are sent to log in; the plan page offers no progress link.
    assert app.test_client().get(draft["url"]).status_code == 302
    assert draft["url"] not in viewer.get(f"/m/{world['home']}/plans/{draft['plan']}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "police", "viewer"])
def test_other_roles_get_403_and_write_nothing(app, target, as_role, role):
    client = as_role(role)
    page = page_text(client.get(target["url"]))
    assert 'action="' + value_url(target) not in page  # no forms for them
    before = snapshot(app)
    for url, data in ((value_url(target), {"measured_on": "2026-05-01", "value": "12"}),
                      (f"{target['url']}/status", {"status": "done", "percent_complete": "100"}),
                      (survey_url(target), {"survey": "1", "issue": target["issue"]})):
        assert post(client, url, data).status_code == 403
    assert snapshot(app) == before


def test_anonymous_sees_an_adopted_plans_progress_without_names(app, world, target, as_role):
    coordinator = as_role("coordinator")
    post(coordinator, value_url(target), {"measured_on": "2026-05-01", "value": "12", "note": "Registry count"})
    post(coordinator, f"{target['url']}/status", {"status": "in_progress", "percent_complete": "25"})
    public = app.test_client().get(target["url"])
    assert public.status_code == 200
    text = page_text(public)
    assert "Registry count" in text and '<progress max="100" value="25"' in text
    assert COORDINATOR_NAME not in text
    assert translated(app, "Entered by", "en") not in text
    assert "<form" not in text.split("<main", 1)[1]  # nothing to send (the language switch is in the header)
    viewer_text = page_text(as_role("viewer").get(target["url"]))
    assert COORDINATOR_NAME in viewer_text
    # The plan's page links the measure's progress once adopted.
    plan_page = as_role("viewer").get(f"/m/{world['home']}/plans/{target['plan']}").get_data(as_text=True)
    assert f'href="{target["url"]}"' in plan_page


# --- a value from a follow-up survey -------------------------------------------------------------------------------

def test_survey_value_is_taken_when_published(app, world, target, as_role):
    survey_id = follow_up(app, world, 12)
    client = as_role("facilitator")
    page = page_text(client.get(target["url"]))
    assert translated(app, "Take the value from the survey", "en") in page
    assert survey_url(target) in page and survey_url(target, "other") not in page
    response = post(client, survey_url(target), {"survey": str(survey_id), "issue": target["issue"]})
    assert response.status_code == 302
    (value,) = values_of(app, target["survey_share"])
    assert (value.value, value.source, value.survey_id) == (D(100), "survey", survey_id)
    page = page_text(client.get(target["url"]))
    assert 'Survey "Follow-up 12"' in page


def test_hidden_survey_figure_is_refused(app, world, target, as_role):
    survey_id = follow_up(app, world, 3)  # too few to publish
    client = as_role("coordinator")
    before = snapshot(app)
    response = post(client, survey_url(target), {"survey": str(survey_id), "issue": target["issue"]})
    assert response.status_code == 409
    assert translated(app, "This figure is not published, to protect respondents.", "en") in page_text(response)
    assert snapshot(app) == before


def test_survey_value_needs_a_closed_follow_up_and_a_survey_indicator(app, world, target, as_role):
    client = as_role("coordinator")
    open_one = follow_up(app, world, 12, status="open")
    closed = follow_up(app, world, 12)
    before = snapshot(app)
    response = post(client, survey_url(target), {"survey": str(open_one), "issue": target["issue"]})
    assert response.status_code == 400
    assert translated(app, "Choose a closed follow-up survey from the list.", "en") in page_text(response)
    response = post(client, survey_url(target, "other"), {"survey": str(closed), "issue": target["issue"]})
    assert response.status_code == 400
    assert translated(app, "This indicator is not a share of residents from the safety survey.", "en") \
        in page_text(response)
    response = post(client, survey_url(target), {"survey": str(closed), "issue": "no_such_issue"})
    assert response.status_code == 400
    assert snapshot(app) == before
