"""Editing a questionnaire: in place on a draft, as a new version once the survey has been opened."""
from __future__ import annotations

import html
import uuid

import pytest
from access_cases import logged_in_client, snapshot
from conftest import csrf_token, create_survey

from cpplan.extensions import db
from cpplan.surveys import services
from cpplan.surveys.models import Option, Question, Response, Survey

MANAGERS = ("coordinator", "facilitator")
READERS = ("member", "police", "viewer")
RU = {"Accept-Language": "ru"}


def add_survey(app, slug: str, status: str = "open") -> tuple[int, str]:
    with app.app_context():
        survey = create_survey(slug, status)
        return survey.id, survey.token


def edit_url(slug: str, survey_id: int, code: str) -> str:
    return f"/m/{slug}/surveys/{survey_id}/questions/{code}"


def wording(app, survey_id: int, version: int) -> dict:
    """Return {code: (texts, helps, [(option code, labels)])} of one version, read from the database."""
    with app.app_context():
        questions = db.session.scalars(db.select(Question).filter_by(survey_id=survey_id, version=version)
                                       .order_by(Question.position)).all()
        return {q.code: ((q.text_ky, q.text_ru, q.text_en), (q.help_ky, q.help_ru, q.help_en),
                         [(o.code, (o.label_ky, o.label_ru, o.label_en)) for o in q.options],
                         (q.kind, q.is_sensitive, q.show_if_code, q.show_if_option, q.page, q.position))
                for q in questions}


def survey_version(app, survey_id: int) -> int:
    with app.app_context():
        return db.session.get(Survey, survey_id).version


def post_edit(client, url: str, data: dict, token: str | None = None, **kw):
    return client.post(url, data={"csrf_token": token or csrf_token(client, url), **data}, **kw)


def submit(client, token: str, answers: dict) -> tuple[int, str]:
    client_uuid = str(uuid.uuid4())
    response = client.post(f"/api/v1/surveys/{token}/responses", json={"uuid": client_uuid, "answers": answers})
    return response.status_code, client_uuid


# --- the service ---------------------------------------------------------------------------------

def test_new_version_copies_every_question_and_option(app, world):
    survey_id, _token = add_survey(app, world["home"])
    before = wording(app, survey_id, 1)
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        services.rules(survey)  # version 1's rules kept for this worker
        copies = services.new_version(survey)
        assert survey.version == 2
        assert [q.code for q in copies] == list(before)
        assert all(q.version == 2 for q in copies)
        assert [q.code for q in survey.current_questions()] == list(before)
        db.session.commit()
        counts = {v: db.session.scalar(db.select(db.func.count()).select_from(Question)
                                       .filter_by(survey_id=survey_id, version=v)) for v in (1, 2)}
        assert counts == {1: len(before), 2: len(before)}
        # the copies have options of their own: changing one leaves version 1 alone
        gender = next(q for q in copies if q.code == "gender")
        gender.options[0].label_en = "Female"
        db.session.commit()
        assert services.rules(survey).specs == services.rules(survey).specs  # read for (id, 2)
        assert [s.code for s in services.rules(survey).specs] == list(before)
    assert wording(app, survey_id, 1) == before
    after = wording(app, survey_id, 2)
    assert after["gender"][2][0] == ("female", (before["gender"][2][0][1][0], before["gender"][2][0][1][1], "Female"))
    assert {k: v for k, v in after.items() if k != "gender"} == {k: v for k, v in before.items() if k != "gender"}


def test_new_version_twice_counts_on(app, world):
    survey_id, _token = add_survey(app, world["home"])
    with app.app_context():
        survey = db.session.get(Survey, survey_id)
        services.new_version(survey)
        db.session.commit()
        third = services.new_version(survey)
        db.session.commit()
        assert survey.version == 3 and {q.version for q in third} == {3}
        assert db.session.scalar(db.select(db.func.count()).select_from(Option)) > 0


# --- a draft: in place ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", MANAGERS)
def test_editing_a_draft_saves_in_place(app, world, role):
    survey_id, _token = add_survey(app, world["home"], "draft")
    before = wording(app, survey_id, 1)
    client = logged_in_client(app, world["users"][role])
    url = edit_url(world["home"], survey_id, "gender")
    page = client.get(url)
    assert page.status_code == 200
    assert "Saving makes version" not in page.get_data(as_text=True)
    response = post_edit(client, url, {"text_en": "  What is your gender?  ", "help_ru": "Можно пропустить",
                                       "option_1_en": "Male"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/m/{world['home']}/surveys/{survey_id}#q-gender")
    assert survey_version(app, survey_id) == 1
    after = wording(app, survey_id, 1)
    texts, helps, options, fixed = after["gender"]
    assert texts == (before["gender"][0][0], before["gender"][0][1], "What is your gender?")
    assert helps == ("", "Можно пропустить", "")
    assert [code for code, _labels in options] == ["female", "male"]
    assert options[1][1][2] == "Male" and options[0] == before["gender"][2][0]
    assert fixed == before["gender"][3]
    assert {k: v for k, v in after.items() if k != "gender"} == {k: v for k, v in before.items() if k != "gender"}
    assert "Saved." in html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_question_without_options_has_no_option_fields(app, world):
    survey_id, _token = add_survey(app, world["home"], "draft")
    client = logged_in_client(app, world["users"]["coordinator"])
    page = client.get(edit_url(world["home"], survey_id, "safe_day")).get_data(as_text=True)
    assert 'name="text_ky"' in page and "option_0" not in page


# --- an opened survey: a new version ---------------------------------------------------------------

@pytest.mark.parametrize("status", ["open", "closed"])
def test_the_page_says_saving_makes_a_new_version(app, world, status):
    survey_id, _token = add_survey(app, world["home"], status)
    client = logged_in_client(app, world["users"]["facilitator"])
    page = html.unescape(client.get(edit_url(world["home"], survey_id, "gender")).get_data(as_text=True))
    assert "Saving makes version 2; answers given so far stay with version 1." in page
    assert 'value="female"' not in page  # option codes are shown, not editable
    assert "female" in page


def test_editing_an_open_survey_makes_version_2(app, world):
    survey_id, token = add_survey(app, world["home"], "open")
    api = app.test_client()
    status, first_uuid = submit(api, token, {"consent": "yes", "gender": "female"})
    assert status == 201
    before = wording(app, survey_id, 1)

    client = logged_in_client(app, world["users"]["facilitator"])
    url = edit_url(world["home"], survey_id, "gender")
    response = post_edit(client, url, {"option_0_en": "Female resident", "text_en": "Your gender (optional)"})
    assert response.status_code == 302
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Saved as version 2; answers given before stay with version 1." in page
    assert "Your gender (optional)" in page

    assert survey_version(app, survey_id) == 2
    assert wording(app, survey_id, 1) == before  # version 1 untouched
    v2 = wording(app, survey_id, 2)
    assert list(v2) == list(before)
    assert v2["gender"][0][2] == "Your gender (optional)"
    assert v2["gender"][2][0] == ("female", (*before["gender"][2][0][1][:2], "Female resident"))
    assert v2["gender"][3] == before["gender"][3]  # kind, sensitive, show-if, page and position as they were
    assert {k: v for k, v in v2.items() if k != "gender"} == {k: v for k, v in before.items() if k != "gender"}

    # the questionnaire served to phones is version 2, with the same option codes
    served = api.get(f"/api/v1/surveys/{token}").get_json()
    assert served["version"] == 2
    gender = next(q for q in served["questions"] if q["code"] == "gender")
    assert gender["text"]["en"] == "Your gender (optional)"
    assert [o["code"] for o in gender["options"]] == ["female", "male"]
    assert gender["options"][0]["label"]["en"] == "Female resident"

    # new answers are checked against version 2 and stored with it; the earlier one keeps version 1
    status, second_uuid = submit(api, token, {"consent": "yes", "gender": "female"})
    assert status == 201
    status, _bad = submit(api, token, {"consent": "yes", "gender": "Female resident"})
    assert status == 422
    with app.app_context():
        versions = dict(db.session.execute(db.select(Response.uuid, Response.version)).all())
    assert versions == {first_uuid: 1, second_uuid: 2}


def test_a_second_edit_makes_version_3(app, world):
    survey_id, _token = add_survey(app, world["home"], "closed")
    client = logged_in_client(app, world["users"]["coordinator"])
    url = edit_url(world["home"], survey_id, "safer")
    assert post_edit(client, url, {"text_en": "What would help?"}).status_code == 302
    assert post_edit(client, url, {"text_en": "What would help most?", "version": "2"}).status_code == 302
    assert survey_version(app, survey_id) == 3
    assert [wording(app, survey_id, v)["safer"][0][2] for v in (2, 3)] == ["What would help?",
                                                                           "What would help most?"]


def test_a_form_shown_for_an_older_version_changes_nothing(app, world):
    survey_id, _token = add_survey(app, world["home"], "open")
    client = logged_in_client(app, world["users"]["coordinator"])
    url = edit_url(world["home"], survey_id, "safer")
    token = csrf_token(client, url)
    assert post_edit(client, url, {"text_en": "First change", "version": "1"}, token).status_code == 302
    before = snapshot(app)
    response = post_edit(client, url, {"text_en": "Second change, from the old page", "version": "1"}, token)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert snapshot(app) == before
    assert "changed in the meantime" in html.unescape(client.get(url).get_data(as_text=True))


# --- bad input: 400, nothing written ------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "open"])
@pytest.mark.parametrize("data", [{"text_en": "x" * 501}, {"help_ky": "ы" * 501}, {"option_0_ru": "x" * 201},
                                  {"text_ky": " ", "text_ru": "", "text_en": ""},
                                  {"option_1_ky": "", "option_1_ru": "", "option_1_en": ""}])
def test_bad_input_is_refused_with_400_and_nothing_changes(app, world, status, data):
    survey_id, _token = add_survey(app, world["home"], status)
    client = logged_in_client(app, world["users"]["coordinator"])
    url = edit_url(world["home"], survey_id, "gender")
    token = csrf_token(client, url)
    before = snapshot(app)
    response = post_edit(client, url, data, token)
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_errors_are_translated(app, world):
    survey_id, _token = add_survey(app, world["home"], "draft")
    client = logged_in_client(app, world["users"]["coordinator"])
    url = edit_url(world["home"], survey_id, "gender")
    response = client.post(url + "?lang=ru", data={"csrf_token": csrf_token(client, url), "text_en": "x" * 501})
    assert response.status_code == 400
    from access_cases import translated
    assert translated(app, "At most %(max)d characters.", "ru", max=500) in html.unescape(
        response.get_data(as_text=True))


def test_no_csrf_token_no_change(app, world):
    survey_id, _token = add_survey(app, world["home"], "open")
    client = logged_in_client(app, world["users"]["coordinator"])
    before = snapshot(app)
    response = client.post(edit_url(world["home"], survey_id, "gender"), data={"text_en": "Changed"})
    assert response.status_code == 400
    assert snapshot(app) == before


# --- who may edit what ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", READERS)
def test_readers_may_not_edit(app, world, role):
    survey_id, _token = add_survey(app, world["home"], "open")
    client = logged_in_client(app, world["users"][role])
    url = edit_url(world["home"], survey_id, "gender")
    assert client.get(url).status_code == 403
    before = snapshot(app)
    assert post_edit(client, url, {"text_en": "Changed"}, csrf_token(client, "/account")).status_code == 403
    assert snapshot(app) == before
    detail = client.get(f"/m/{world['home']}/surveys/{survey_id}").get_data(as_text=True)
    assert "/questions/" not in detail


def test_anonymous_visitors_are_sent_to_login(app, world):
    survey_id, _token = add_survey(app, world["home"], "open")
    response = app.test_client().get(edit_url(world["home"], survey_id, "gender"))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_managers_see_an_edit_link_per_question(app, world):
    survey_id, _token = add_survey(app, world["home"], "open")
    client = logged_in_client(app, world["users"]["facilitator"])
    detail = client.get(f"/m/{world['home']}/surveys/{survey_id}").get_data(as_text=True)
    for code in ("consent", "gender", "victimisation", "safer"):
        assert f'href="{edit_url(world["home"], survey_id, code)}"' in detail


def test_another_municipalitys_survey_is_404(app, world):
    other_id, _token = add_survey(app, world["other"], "draft")
    client = logged_in_client(app, world["users"]["coordinator"])
    assert client.get(edit_url(world["home"], other_id, "gender")).status_code == 404
    before = snapshot(app)
    response = post_edit(client, edit_url(world["home"], other_id, "gender"), {"text_en": "Changed"},
                         csrf_token(client, "/account"))
    assert response.status_code == 404
    assert snapshot(app) == before


def test_unknown_question_code_is_404(app, world):
    survey_id, _token = add_survey(app, world["home"], "draft")
    client = logged_in_client(app, world["users"]["coordinator"])
    assert client.get(edit_url(world["home"], survey_id, "no_such_question")).status_code == 404
