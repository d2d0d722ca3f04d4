"""The planning guide: the pure module (steps, statuses, gender balance) and the overview page."""
from __future__ import annotations

import re
from fractions import Fraction

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from cpplan.extensions import db
from cpplan.municipalities import guide
from cpplan.municipalities.guide import STEPS, StepState
from cpplan.municipalities.models import Municipality, Organisation
from conftest import csrf_token


# --- the pure module -------------------------------------------------------------------------

def test_build_returns_every_step_in_cycle_order_whatever_the_order_of_the_states():
    states = {key: StepState("todo") for key in reversed(STEPS)}
    steps = guide.build(states)
    assert [s.key for s in steps] == list(STEPS)
    assert [s.number for s in steps] == list(range(1, len(STEPS) + 1))
    assert len(steps) == 8
    assert all(s.title and len(s.help) == 2 for s in steps)


def test_current_step_is_the_first_available_step_not_done():
    states = {
        "survey": StepState("in_progress"),
        "working_group": StepState("done"),
        "plan": StepState("todo"),
    }
    steps = {s.key: s for s in guide.build(states)}
    assert [k for k, s in steps.items() if s.is_current] == ["survey"]

    states["survey"] = StepState("done")
    steps = {s.key: s for s in guide.build(states)}
    # results and priorities have no provider, so the next available step not done is the plan
    assert [k for k, s in steps.items() if s.is_current] == ["plan"]


def test_first_step_is_current_when_nothing_is_done():
    steps = guide.build({"working_group": StepState("todo"), "survey": StepState("todo")})
    assert [s.is_current for s in steps] == [True] + [False] * 7


def test_no_current_step_when_every_available_step_is_done():
    steps = guide.build({"working_group": StepState("done"), "budget": StepState("done")})
    assert not any(s.is_current for s in steps)


def test_a_step_reported_unavailable_is_not_the_current_one():
    steps = {s.key: s for s in guide.build({
        "working_group": StepState("done"),
        "survey": StepState("unavailable"),
        "results": StepState("todo"),
    })}
    assert not steps["survey"].is_current
    assert steps["results"].is_current


def test_steps_without_a_provider_are_unavailable():
    steps = {s.key: s for s in guide.build({"working_group": StepState("in_progress", "3 members")})}
    assert steps["working_group"].state == StepState("in_progress", "3 members")
    for key in STEPS[1:]:
        assert steps[key].state.status == "unavailable"
        assert not steps[key].is_current


def test_build_with_no_provider_at_all():
    steps = guide.build({})
    assert [s.state.status for s in steps] == ["unavailable"] * 8
    assert not any(s.is_current for s in steps)


@pytest.mark.parametrize("members, women, police, expected", [
    (0, 0, False, "todo"),
    (0, 0, True, "todo"),
    (1, 0, False, "in_progress"),
    (1, 1, True, "in_progress"),
    (4, 2, True, "in_progress"),      # one member short
    (5, 0, True, "in_progress"),      # no women
    (5, 2, False, "in_progress"),     # no police
    (5, 1, True, "done"),
    (12, 6, True, "done"),
])
def test_working_group_status_thresholds(members, women, police, expected):
    assert guide.working_group_status(members, women, police) == expected


def test_gender_balance_examples():
    assert guide.gender_balance({"female": 1, "male": 2}) == {"female": 33, "male": 67}
    assert guide.gender_balance({"female": 1, "male": 1, "unspecified": 1}) == {
        "female": 34, "male": 33, "unspecified": 33}  # ties go to the first key alphabetically
    assert guide.gender_balance({"female": 3, "male": 0}) == {"female": 100, "male": 0}
    assert guide.gender_balance({}) == {}
    assert guide.gender_balance({"female": 0, "male": 0}) == {}


@settings(deadline=None)  # pure arithmetic; no per-example deadline on a busy machine
@given(st.dictionaries(st.sampled_from(["female", "male", "unspecified", "other", "x"]),
                       st.integers(min_value=0, max_value=10**9), min_size=1)
       .filter(lambda counts: sum(counts.values()) > 0))
def test_gender_balance_adds_up_to_100_and_stays_within_one_point(counts):
    shares = guide.gender_balance(counts)
    total = sum(counts.values())
    assert set(shares) == set(counts)
    assert sum(shares.values()) == 100
    for key, share in shares.items():
        assert isinstance(share, int)
        assert abs(share - Fraction(counts[key] * 100, total)) < 1


def test_step_state_refuses_an_unknown_status():
    with pytest.raises(ValueError):
        StepState("finished")
    with pytest.raises(ValueError):
        StepState("")
    for status in guide.STATUSES:
        assert StepState(status).status == status


def test_register_step_refuses_an_unknown_step(app):
    with pytest.raises(KeyError):
        guide.register_step(app, "party", lambda m: StepState("todo"))


def test_collect_asks_the_registered_providers(app, world):
    seen = []

    def provider(municipality):
        seen.append(municipality.slug)
        return StepState("in_progress")

    guide.register_step(app, "budget", provider)
    with app.test_request_context():
        m = db.session.scalar(db.select(Municipality).filter_by(slug=world["home"]))
        states = guide.collect(app, m)
    assert seen == [world["home"]]
    assert states["budget"] == StepState("in_progress")
    assert states["working_group"].status == "todo"  # registered by the app itself
    # survey, results, priorities, plan and adoption: registered by their packages
    assert set(states) == {"working_group", "survey", "results", "priorities", "plan", "adoption", "budget"}


# --- the overview page -----------------------------------------------------------------------

def guide_steps(html: str) -> list[dict]:
    """Return the steps of the overview page's guide: status, title, badge, current, action link."""
    block = re.search(r'<ol class="guide">(.*?)</ol>', html, re.S)
    assert block, "no planning guide on the page"
    steps = []
    for item in re.findall(r'<li class="step (.*?)</li>', block.group(1), re.S):
        steps.append({
            "status": re.match(r"step-(\w+)", item).group(1),
            "current": item.split('"', 1)[0].endswith(" current"),
            "title": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r"<h3>(.*?)</h3>", item, re.S)
                                                   .group(1))).strip(),
            "badge": re.search(r'<span class="badge badge-\w+">(.*?)</span>', item).group(1),
            "action": re.search(r'<a class="(button[^"]*)" href="([^"]+)">(.*?)</a>', item),
        })
    return steps


def english(app, strings):
    with app.test_request_context(), force_locale("en"):
        return [str(s) for s in strings]


def test_overview_shows_the_eight_steps_in_order(app, client, world):
    steps = guide_steps(client.get(f"/m/{world['home']}?lang=en").get_data(as_text=True))
    titles = english(app, [guide.TITLES[k] for k in STEPS])
    assert [s["title"] for s in steps] == [f"{i} {t}" for i, t in enumerate(titles, start=1)]
    assert steps[0]["status"] == "todo"
    assert steps[1]["status"] == "todo"  # the survey step (tests/test_surveys.py follows it further)
    assert steps[2]["status"] == "todo"  # results (tests/test_results.py)
    assert steps[3]["status"] == "todo"  # priorities (tests/test_priorities.py)
    assert [s["status"] for s in steps[4:6]] == ["todo"] * 2  # plan and adoption (tests/test_plans.py)
    assert steps[6]["status"] == "todo"  # budget and monitoring (tests/test_budget.py)
    assert steps[7]["status"] == "unavailable"  # the follow-up survey


def add_member(client, slug, token, name, gender="male", organisation_id=0):
    response = client.post(f"/m/{slug}/group", data={
        "csrf_token": token, "name": name, "organisation_id": organisation_id, "position": "",
        "gender": gender, "group_role": "member"})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_working_group_step_follows_the_roster(app, client, auth, world):
    slug = world["home"]
    with app.app_context():
        m = db.session.scalar(db.select(Municipality).filter_by(slug=slug))
        police = Organisation(municipality=m, kind="police", name_en="District police")
        school = Organisation(municipality=m, kind="school", name_en="School No. 1")
        db.session.add_all([police, school])
        db.session.commit()
        police_id, school_id = police.id, school.id
    todo, in_progress, done = english(app, [guide.STATUS_LABELS[s] for s in ("todo", "in_progress", "done")])
    auth.login(world["users"]["coordinator"])

    def first_step():
        return guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))[0]

    assert first_step()["badge"] == todo
    token = csrf_token(client, f"/m/{slug}/group")
    add_member(client, slug, token, "Aigul Osmonova", "female", school_id)
    assert first_step()["badge"] == in_progress
    for name in ("Bakyt", "Erlan", "Azamat"):
        add_member(client, slug, token, name)
    assert first_step()["badge"] == in_progress      # four members, no police
    add_member(client, slug, token, "Nurlan Police Inspector", "male", police_id)
    step = first_step()
    assert step["badge"] == done
    assert step["status"] == "done"
    assert not step["current"]


def test_coordinator_sees_the_next_action_a_viewer_does_not(app, client, auth, world):
    slug = world["home"]
    auth.login(world["users"]["coordinator"])
    step = guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))[0]
    assert step["current"]
    assert step["action"] is not None
    assert step["action"].group(1) == "button"            # the primary button: it is the next step
    assert step["action"].group(2) == f"/m/{slug}/group"
    assert step["action"].group(3).strip()
    auth.logout()

    auth.login(world["users"]["viewer"])
    steps = guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))
    assert steps[0]["current"]
    assert steps[0]["badge"] == english(app, [guide.STATUS_LABELS["todo"]])[0]
    assert all(s["action"] is None for s in steps)


def test_anonymous_visitor_sees_the_guide_without_actions(client, world):
    steps = guide_steps(client.get(f"/m/{world['home']}").get_data(as_text=True))
    assert len(steps) == 8
    assert all(s["action"] is None for s in steps)


def test_results_step_follows_the_survey(app, client, auth, world):
    """No answers: to do; an open survey with answers: first results for members; closed: done, public link."""
    import uuid

    from conftest import create_survey
    from cpplan.surveys import services

    slug = world["home"]
    assert guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))[2]["status"] == "todo"
    with app.app_context():
        survey = create_survey(slug, "open")
        services.submit(survey, str(uuid.uuid4()), {"consent": "yes", "gender": "female"}, "web")
        survey_id = survey.id
    anonymous = guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))[2]
    assert anonymous["status"] == "in_progress" and anonymous["action"] is None
    auth.login(world["users"]["police"])
    member = guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))[2]
    assert member["action"].group(2) == f"/m/{slug}/results/{survey_id}"
    auth.logout()
    with app.app_context():
        services.close_survey(db.session.get(type(survey), survey_id))
        db.session.commit()
    closed = guide_steps(client.get(f"/m/{slug}?lang=en").get_data(as_text=True))[2]
    assert closed["status"] == "done" and closed["action"].group(3) == "See the results"
