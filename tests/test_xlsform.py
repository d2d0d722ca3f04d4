"""The survey as an XLSForm: pyxform converts it, in three languages, with the questionnaire's logic."""
from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from conftest import create_municipality
from cpplan.extensions import db
from cpplan.surveys import catalogue, services, xlsform
from cpplan.surveys.models import Question


@pytest.fixture
def survey_xlsx(app):
    with app.app_context():
        m = create_municipality()
        survey = services.create_standard(m)
        db.session.commit()
        yield survey, xlsform.workbook_bytes(survey)


def sheet_rows(data: bytes, name: str) -> list[dict]:
    sheet = load_workbook(BytesIO(data))[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_pyxform_converts_it_without_errors_or_warnings(survey_xlsx):
    _survey, data = survey_xlsx
    warnings: list[str] = []
    result = convert(xlsform=BytesIO(data), warnings=warnings, file_type=".xlsx")
    assert warnings == []
    for language in ("Кыргызча (ky)", "Русский (ru)", "English (en)"):
        assert f'lang="{language}"' in result.xform


def test_every_question_is_in_the_form_with_three_labels(app, survey_xlsx):
    survey, data = survey_xlsx
    rows = sheet_rows(data, "survey")
    by_name = {r["name"]: r for r in rows if r["name"]}
    with app.app_context():
        questions = db.session.scalars(db.select(Question).filter_by(survey_id=survey.id)).all()
        for q in questions:
            row = by_name[q.code]
            assert row["label::Кыргызча (ky)"] == q.text_ky
            assert row["label::Русский (ru)"] == q.text_ru
            assert row["label::English (en)"] == q.text_en


def test_types_follow_the_question_kinds(survey_xlsx):
    _survey, data = survey_xlsx
    types = {r["name"]: r["type"] for r in sheet_rows(data, "survey") if r["name"]}
    assert types["consent"] == "select_one consent"
    assert types["victimisation"] == "select_multiple victimisation"
    assert types["area"] == "select_one area"
    assert types["safe_day"] == "integer"
    assert types["unsafe_point"] == "geopoint"
    assert types["safer"] == "text"
    assert types["issue_seriousness"] == "begin_group"


def test_everything_after_consent_needs_consent(survey_xlsx):
    _survey, data = survey_xlsx
    for row in sheet_rows(data, "survey"):
        if row["name"] and row["name"] != "consent" and row["type"] not in ("end_group",) and row["relevant"] is not None:
            assert "${consent} = 'yes'" in row["relevant"]
    relevant = {r["name"]: r["relevant"] for r in sheet_rows(data, "survey") if r["name"]}
    assert relevant["consent"] in (None, "")
    assert "${consent} = 'yes'" in relevant["gender"]


def test_show_if_becomes_relevant(app):
    with app.app_context():
        m = create_municipality()
        survey = services.create_standard(m)
        db.session.flush()
        questions = {q.code: q for q in survey.current_questions()}
        questions["unsafe_point"].show_if_code, questions["unsafe_point"].show_if_option = "victimisation", "assault"
        questions["safer"].show_if_code, questions["safer"].show_if_option = "gender", "female"
        db.session.commit()
        rows = {r["name"]: r for r in sheet_rows(xlsform.workbook_bytes(survey), "survey") if r["name"]}
    assert "selected(${victimisation}, 'assault')" in rows["unsafe_point"]["relevant"]
    assert "${gender} = 'female'" in rows["safer"]["relevant"]


def test_choices_hold_options_areas_and_the_issue_ratings_hold_the_catalogue(app, survey_xlsx):
    survey, data = survey_xlsx
    choices = sheet_rows(data, "choices")
    with app.app_context():
        areas = {str(a.id) for a in db.session.get(type(survey), survey.id).municipality.areas}
        issues = [i.code for i in catalogue.issues_for(survey.municipality_id)]
    assert {c["name"] for c in choices if c["list_name"] == "area"} == areas
    assert [c["name"] for c in choices if c["list_name"] == "consent"] == ["yes", "no"]
    rows = sheet_rows(data, "survey")
    start = next(i for i, r in enumerate(rows) if r["name"] == "issue_seriousness")
    group = rows[start + 1:start + 1 + len(issues)]
    assert [r["name"] for r in group] == issues
    assert all(r["constraint"] == ". >= 1 and . <= 5" for r in group)
    assert rows[start + 1 + len(issues)]["type"] == "end_group"


def test_settings_name_the_form_and_its_version(app, survey_xlsx):
    survey, data = survey_xlsx
    settings = sheet_rows(data, "settings")[0]
    with app.app_context():
        assert settings["form_id"] == f"cpplan_kyzyl_suu_{survey.id}_v1"
    assert settings["version"] == "1"
