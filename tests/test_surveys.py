"""Facilitator survey pages (create from the template, open, close), the guide's survey step, the template."""
from __future__ import annotations

import html
import uuid

import pytest

from access_cases import logged_in_client, snapshot, token_for
from conftest import csrf_token, create_survey
from cpplan.extensions import db
from cpplan.municipalities.models import Municipality
from cpplan.surveys import services, template
from cpplan.surveys.models import Response, Survey
from cpplan.surveys.validation import CONSENT_CODE, CONSENT_YES, validate
from test_guide import guide_steps

MANAGERS = ("coordinator", "facilitator")
READERS = ("member", "police", "viewer")
CHANGED = "The survey has changed in the meantime; nothing was done."


def add_survey(app, slug: str, status: str = "draft") -> int:
    with app.app_context():
        return create_survey(slug, status).id


def survey_row(app, survey_id: int) -> Survey | None:
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        if survey is not None:
            db.session.expunge(survey)
        return survey


def surveys_of(app, municipality_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Survey.id).filter_by(municipality_id=municipality_id)))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- create, open, close -----------------------------------------------------------------------

@pytest.mark.parametrize("role", MANAGERS)
def test_manager_creates_opens_and_closes_the_standard_survey(app, world, role):
    slug = world["home"]
    client = logged_in_client(app, world["users"][role])
    index = client.get(f"/m/{slug}/surveys")
    assert index.status_code == 200
    assert f'action="/m/{slug}/surveys/new"' in index.get_data(as_text=True)
    token = csrf_token(client, f"/m/{slug}/surveys")

    response = client.post(f"/m/{slug}/surveys/new", data={"csrf_token": token})
    assert response.status_code == 302
    [survey_id] = surveys_of(app, world["home_id"])
    assert response.headers["Location"] == f"/m/{slug}/surveys/{survey_id}"
    survey = survey_row(app, survey_id)
    assert (survey.status, survey.version, survey.round) == ("draft", 1, "baseline")
    assert survey.opened_dt is None and survey.closed_dt is None
    assert len(survey.token) >= 8
    with app.app_context():
        assert [q.code for q in db.session.get(Survey, survey_id).current_questions()] == [
            q[1] for q in template.QUESTIONS]
    page = client.get(response.headers["Location"])
    assert "A draft of the community safety survey is ready" in text(page)
    assert f'action="/m/{slug}/surveys/{survey_id}/open"' in text(page)
    assert f'action="/m/{slug}/surveys/{survey_id}/close"' not in text(page)

    token = csrf_token(client, f"/m/{slug}/surveys/{survey_id}")
    response = client.post(f"/m/{slug}/surveys/{survey_id}/open", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/m/{slug}/surveys/{survey_id}"
    opened = survey_row(app, survey_id)
    assert opened.status == "open" and opened.opened_dt is not None and opened.closed_dt is None
    page = client.get(response.headers["Location"])
    assert "The survey is open" in text(page)
    assert survey.token in text(page)
    assert f'action="/m/{slug}/surveys/{survey_id}/close"' in text(page)
    assert f'action="/m/{slug}/surveys/{survey_id}/open"' not in text(page)
    assert app.test_client().get(f"/api/v1/surveys/{survey.token}").status_code == 200

    response = client.post(f"/m/{slug}/surveys/{survey_id}/close", data={"csrf_token": token})
    assert response.status_code == 302
    closed = survey_row(app, survey_id)
    assert closed.status == "closed" and closed.closed_dt is not None
    assert closed.opened_dt == opened.opened_dt
    page = client.get(response.headers["Location"])
    assert "The survey is closed." in text(page)
    assert "/open\"" not in text(page) and "/close\"" not in text(page)
    assert app.test_client().get(f"/api/v1/surveys/{survey.token}").status_code == 410


@pytest.mark.parametrize("status, action", [
    ("open", "open"), ("closed", "open"),        # only a draft can be opened
    ("draft", "close"), ("closed", "close"),     # only an open survey can be closed
])
def test_a_change_from_the_wrong_status_changes_nothing_and_says_so(app, world, status, action):
    slug = world["home"]
    survey_id = add_survey(app, slug, status)
    client = logged_in_client(app, world["users"]["coordinator"])
    token = token_for(client, "coordinator")
    before = snapshot(app)
    response = client.post(f"/m/{slug}/surveys/{survey_id}/{action}", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/m/{slug}/surveys/{survey_id}"
    assert snapshot(app) == before
    assert survey_row(app, survey_id).status == status
    page = client.get(response.headers["Location"])
    assert f'class="flash flash-error">{CHANGED}' in text(page)


def test_create_twice_makes_two_drafts(app, world):
    client = logged_in_client(app, world["users"]["facilitator"])
    token = token_for(client, "facilitator")
    for _ in range(2):
        assert client.post(f"/m/{world['home']}/surveys/new", data={"csrf_token": token}).status_code == 302
    ids = surveys_of(app, world["home_id"])
    assert len(ids) == 2
    tokens = {survey_row(app, i).token for i in ids}
    assert len(tokens) == 2


@pytest.mark.parametrize("role", READERS)
def test_read_only_roles_see_the_surveys_but_cannot_change_them(app, world, role):
    slug = world["home"]
    draft, open_ = add_survey(app, slug, "draft"), add_survey(app, slug, "open")
    client = logged_in_client(app, world["users"][role])
    index = client.get(f"/m/{slug}/surveys")
    assert index.status_code == 200
    assert f"/m/{slug}/surveys/{draft}" in index.get_data(as_text=True)
    assert "/surveys/new" not in index.get_data(as_text=True)
    for survey_id in (draft, open_):
        page = client.get(f"/m/{slug}/surveys/{survey_id}")
        assert page.status_code == 200
        assert f"/surveys/{survey_id}/open\"" not in page.get_data(as_text=True)
        assert f"/surveys/{survey_id}/close\"" not in page.get_data(as_text=True)
    token = token_for(client, role)
    before = snapshot(app)
    for url in (f"/m/{slug}/surveys/new", f"/m/{slug}/surveys/{draft}/open", f"/m/{slug}/surveys/{open_}/close"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert snapshot(app) == before


def test_anonymous_visitors_are_sent_to_the_login_page(app, world):
    slug = world["home"]
    survey_id = add_survey(app, slug, "draft")
    client = app.test_client()
    for url in (f"/m/{slug}/surveys", f"/m/{slug}/surveys/{survey_id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    token = csrf_token(client, "/login")
    before = snapshot(app)
    for url in (f"/m/{slug}/surveys/new", f"/m/{slug}/surveys/{survey_id}/open"):
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    assert snapshot(app) == before


def test_another_municipalitys_coordinator_gets_403(app, world):
    slug = world["home"]
    survey_id = add_survey(app, slug, "draft")
    client = logged_in_client(app, world["users"]["outsider"])
    assert client.get(f"/m/{slug}/surveys").status_code == 403
    assert client.get(f"/m/{slug}/surveys/{survey_id}").status_code == 403
    token = token_for(client, "outsider")
    before = snapshot(app)
    assert client.post(f"/m/{slug}/surveys/{survey_id}/open", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/m/{slug}/surveys/new", data={"csrf_token": token}).status_code == 403
    assert snapshot(app) == before


@pytest.mark.parametrize("role", ["coordinator", "admin", "outsider"])
def test_a_survey_of_another_municipality_is_404_under_this_one(app, world, role):
    """No insecure direct object reference: the id of uch-korgon's survey under kyzyl-suu's address."""
    home, other = world["home"], world["other"]
    if role == "outsider":  # the coordinator of uch-korgon tries kyzyl-suu's surveys through their own address
        home, other = other, home
    draft, open_ = add_survey(app, other, "draft"), add_survey(app, other, "open")
    client = logged_in_client(app, world["users"][role])
    token = token_for(client, role)
    assert client.get(f"/m/{home}/surveys/{draft}").status_code == 404
    before = snapshot(app)
    assert client.post(f"/m/{home}/surveys/{draft}/open", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/m/{home}/surveys/{open_}/close", data={"csrf_token": token}).status_code == 404
    assert snapshot(app) == before
    assert client.get(f"/m/{home}/surveys/999999").status_code == 404


def test_answer_counts_on_the_list_and_the_detail_page(app, world):
    slug = world["home"]
    survey_id = add_survey(app, slug, "open")
    token = survey_row(app, survey_id).token
    api = app.test_client()
    for channel in ("web", "offline", "offline"):
        body = {"uuid": str(uuid.uuid4()), "answers": {"consent": "yes"}, "channel": channel}
        assert api.post(f"/api/v1/surveys/{token}/responses", json=body).status_code == 201
    client = logged_in_client(app, world["users"]["viewer"])
    assert "3 answers" in text(client.get(f"/m/{slug}/surveys"))
    detail = text(client.get(f"/m/{slug}/surveys/{survey_id}"))
    assert "3 answers" in detail
    assert "Online form: 1" in detail and "Phone, sent later: 2" in detail
    with app.app_context():
        assert services.counts_by_channel(db.session.get(Survey, survey_id)) == {"web": 1, "offline": 2}


# --- the planning guide's survey step ----------------------------------------------------------

def survey_step(app, world, role: str | None) -> dict:
    client = logged_in_client(app, None if role is None else world["users"][role])
    steps = guide_steps(client.get(f"/m/{world['home']}?lang=en").get_data(as_text=True))
    step = steps[1]
    assert step["title"].endswith("Safety survey")
    return step


def add_answers(app, survey_id: int, n: int) -> None:
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        for _ in range(n):
            services.submit(survey, str(uuid.uuid4()), {"consent": "yes"}, "paper")


@pytest.mark.parametrize("role", [None, *READERS, *MANAGERS, "admin", "outsider"])
def test_survey_step_through_a_survey_life(app, world, role):
    manages = role in (*MANAGERS, "admin")
    url = f"/m/{world['home']}/surveys"

    def check(status, badge, detail):
        step = survey_step(app, world, role)
        assert step["status"] == status
        assert step["badge"] == badge
        block = step_html(app, world, role)
        assert detail in block, block
        return step

    step = check("todo", "To do", "No survey yet.")
    assert (step["action"] is not None) == manages
    if manages:
        assert step["action"].group(2) == url
        assert step["action"].group(3).strip() == "Create the survey"
        assert step["current"] is False  # the working group comes first

    survey_id = add_survey(app, world["home"], "draft")
    step = check("in_progress", "In progress", "The questionnaire is ready to review.")
    assert (step["action"] is not None) == manages
    if manages:
        assert step["action"].group(2) == url

    with app.app_context():
        services.open_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    step = check("in_progress", "In progress", "0 answers so far.")
    assert (step["action"] is not None) == manages
    add_answers(app, survey_id, 1)
    check("in_progress", "In progress", "1 answer so far.")
    add_answers(app, survey_id, 2)
    check("in_progress", "In progress", "3 answers so far.")

    with app.app_context():
        services.close_survey(db.session.get(Survey, survey_id))
        db.session.commit()
    step = check("done", "Done", "3 answers so far.")
    if manages:
        assert step["action"] is not None and step["action"].group(2) == url
    elif role in READERS:
        # Once closed, the step links every member of the municipality to the survey list (read-only for them).
        assert step["action"] is not None and step["action"].group(2) == url
        assert step["action"].group(3).strip() == "Open the surveys"
    else:
        assert step["action"] is None


def step_html(app, world, role) -> str:
    client = logged_in_client(app, None if role is None else world["users"][role])
    page = client.get(f"/m/{world['home']}?lang=en").get_data(as_text=True)
    return html.unescape(page.split('<li class="step', 3)[2])


def test_survey_step_follows_the_latest_survey(app, world):
    add_survey(app, world["home"], "closed")
    assert survey_step(app, world, "coordinator")["status"] == "done"
    add_survey(app, world["home"], "draft")  # the follow-up round is being prepared
    assert survey_step(app, world, "coordinator")["status"] == "in_progress"


def test_survey_step_of_one_municipality_ignores_the_others(app, world):
    add_survey(app, world["other"], "closed")
    assert survey_step(app, world, "coordinator")["status"] == "todo"


def test_survey_step_is_current_once_the_working_group_is_done(app, world):
    from cpplan.municipalities.models import Organisation, WorkingGroupMember
    with app.app_context():
        m = db.session.get(Municipality, world["home_id"])
        police = Organisation(municipality=m, kind="police", name_en="District police")
        db.session.add(police)
        for i, gender in enumerate(["female", "male", "male", "female", "male"]):
            db.session.add(WorkingGroupMember(municipality=m, name=f"Person {i}", gender=gender,
                                              group_role="member", organisation=police if i == 0 else None))
        db.session.commit()
    step = survey_step(app, world, "facilitator")
    assert step["current"] is True
    assert step["action"].group(1) == "button"   # the primary button: it is the next step


# --- the standard template -----------------------------------------------------------------------

def template_survey(app, world) -> tuple[Survey, list]:
    survey_id = add_survey(app, world["home"], "draft")
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        questions = survey.current_questions()
        for q in questions:
            _ = q.options
        db.session.expunge_all()
        return survey, questions


def test_template_starts_with_consent(app, world):
    _survey, questions = template_survey(app, world)
    consent = questions[0]
    assert consent.code == CONSENT_CODE and consent.kind == "single" and consent.page == 1
    assert [o.code for o in consent.options] == [CONSENT_YES, "no"]
    assert min(q.page for q in questions[1:]) > consent.page  # consent has its page before any question


def test_template_asks_about_victimisation_as_a_sensitive_question(app, world):
    _survey, questions = template_survey(app, world)
    by_code = {q.code: q for q in questions}
    victimisation = by_code["victimisation"]
    assert victimisation.is_sensitive
    assert victimisation.kind == "multiple"
    assert {"domestic_violence", "none"} <= {o.code for o in victimisation.options}
    assert victimisation.help_en  # tells the respondent the answers are only published as totals


def test_template_has_no_free_text_or_identifying_question_among_the_sensitive_ones(app, world):
    _survey, questions = template_survey(app, world)
    sensitive = [q for q in questions if q.is_sensitive]
    assert sensitive
    assert all(q.kind not in ("text", "location", "number") for q in sensitive)
    for q in questions:
        assert "name" not in q.code and "phone" not in q.code


def test_every_template_question_can_be_skipped(app, world):
    survey, questions = template_survey(app, world)
    with app.app_context():
        survey = db.session.get(Survey, survey.id)
        result = services.check(survey, {CONSENT_CODE: CONSENT_YES})
        assert result.ok and result.answers == {CONSENT_CODE: CONSENT_YES}
        every_skip = {q.code: None for q in questions} | {CONSENT_CODE: CONSENT_YES}
        assert services.check(survey, every_skip).ok
        assert services.check(survey, {}).errors == [(CONSENT_CODE, "no_consent")]
    specs = [services.QuestionSpec(code=q.code, kind=q.kind, options=tuple(o.code for o in q.options))
             for q in questions]
    for skip in (None, "", [], {}):
        answers = {q.code: skip for q in questions if q.code != CONSENT_CODE} | {CONSENT_CODE: CONSENT_YES}
        assert validate(specs, answers).answers == {CONSENT_CODE: CONSENT_YES}


def test_only_consent_is_a_whole_response_through_the_api(app, world):
    survey_id = add_survey(app, world["home"], "open")
    token = survey_row(app, survey_id).token
    response = app.test_client().post(f"/api/v1/surveys/{token}/responses",
                                      json={"uuid": str(uuid.uuid4()), "answers": {"consent": "yes"}})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Response)) == 1


def test_template_questions_have_three_languages_and_stable_codes(app, world):
    _survey, questions = template_survey(app, world)
    codes = [q.code for q in questions]
    assert len(codes) == len(set(codes))
    for q in questions:
        assert q.text_ky and q.text_ru and q.text_en, q.code
        for o in q.options:
            assert o.label_ky and o.label_ru and o.label_en, (q.code, o.code)
    assert {"consent", "gender", "age_band", "area", "safe_day", "safe_night", "issue_seriousness",
            "victimisation", "unsafe_area", "unsafe_point", "trust_police", "trust_inspector", "safer"} == set(codes)


def test_issue_catalogue_flags_the_sensitive_issues(app):
    from cpplan.surveys import catalogue
    from cpplan.surveys.models import Issue
    with app.app_context():
        issues = db.session.scalars(db.select(Issue).where(Issue.municipality_id.is_(None))).all()
        assert {i.code for i in issues} == {c[0] for c in catalogue.CATALOGUE}
        assert len(issues) == 10
        assert {i.code for i in issues if i.is_sensitive} == {"domestic_violence", "violent_extremism"}
        assert all(i.name_ky and i.name_ru and i.name_en and i.description_ky and i.description_ru
                   and i.description_en for i in issues)
        assert catalogue.seed() == 0  # seeding again adds nothing


def test_a_survey_created_after_an_opened_baseline_is_the_follow_up(app, world):
    client = logged_in_client(app, world["users"]["facilitator"])
    token = token_for(client, "facilitator")
    client.post(f"/m/{world['home']}/surveys/new", data={"csrf_token": token})
    assert [survey_row(app, i).round for i in surveys_of(app, world["home_id"])] == ["baseline"]
    first = surveys_of(app, world["home_id"])[0]
    client.post(f"/m/{world['home']}/surveys/{first}/open", data={"csrf_token": token})
    page = client.post(f"/m/{world['home']}/surveys/new", data={"csrf_token": token}, follow_redirects=True)
    assert sorted(survey_row(app, i).round for i in surveys_of(app, world["home_id"])) == ["baseline", "follow_up"]
    assert "compared with the baseline" in text(page)
