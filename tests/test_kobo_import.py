"""A KoboToolbox/ODK data export of the survey's XLSForm imports back: all or nothing, once per _uuid."""
from __future__ import annotations

import csv
import io
import uuid

import pytest
from openpyxl import Workbook

from conftest import create_municipality
from cpplan.extensions import db
from cpplan.surveys import catalogue, kobo, services
from cpplan.surveys.models import Answer, Response, Survey

GOOD = {"consent": "yes", "gender": "female", "age_band": "30_44", "safe_day": "4", "safe_night": "2",
        "victimisation": "livestock_theft fraud", "trust_police": "3", "safer": "Street lights; more patrols"}


@pytest.fixture
def survey_id(app):
    with app.app_context():
        m = create_municipality()
        survey = services.create_standard(m)
        services.open_survey(survey)
        db.session.commit()
        return survey.id


def survey_of(survey_id: int) -> Survey:
    return db.session.get(Survey, survey_id)


def export_rows(survey: Survey, records: list[dict], group_prefix: bool = True, multiple_as_columns: bool = False):
    """Return (header, rows) as Kobo exports them ("XML values and headers")."""
    issues = [i.code for i in catalogue.issues_for(survey.municipality_id)]
    victimisation = [o.code for q in survey.current_questions() if q.code == "victimisation" for o in q.options]
    header = ["start", "end", "consent", "gender", "age_band", "area", "safe_day", "safe_night"]
    header += [f"issue_seriousness/{c}" if group_prefix else c for c in issues]
    header += ([] if multiple_as_columns else ["victimisation"]) + [f"victimisation/{o}" for o in victimisation]
    header += ["unsafe_area", "unsafe_point", "_unsafe_point_latitude", "_unsafe_point_longitude",
               "trust_police", "trust_inspector", "safer", "_id", "_uuid", "_submission_time", "_index"]
    rows = []
    for n, record in enumerate(records, start=1):
        chosen = record.get("victimisation", "").split()
        values = dict(record, **{f"victimisation/{o}": ("1" if o in chosen else "0") for o in victimisation})
        for code, rating in record.get("ratings", {}).items():
            values[f"issue_seriousness/{code}" if group_prefix else code] = str(rating)
        if multiple_as_columns:
            values.pop("victimisation", None)
        values.update(_id=str(n), _index=str(n), _submission_time="2026-11-20T10:00:00")
        rows.append([values.get(h, "") for h in header])
    return header, rows


def as_csv(header, rows, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def as_xlsx(header, rows) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def records(n: int, area: str) -> list[dict]:
    return [dict(GOOD, _uuid=str(uuid.uuid4()), area=area, unsafe_point="42.34 78.01 0 0",
                 ratings={"livestock_theft": 5, "road_safety": (i % 5) + 1}) for i in range(n)]


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("fmt", ["csv", "csv-semicolon-bom", "xlsx", "no-group-prefix", "multiple-as-columns"])
def test_an_export_round_trips(app, survey_id, fmt):
    with app.app_context():
        survey = survey_of(survey_id)
        area = str(survey.municipality.areas[0].id)
        given = records(3, area)
        header, rows = export_rows(survey, given, group_prefix=fmt != "no-group-prefix",
                                   multiple_as_columns=fmt == "multiple-as-columns")
        data = {"csv": lambda: as_csv(header, rows), "csv-semicolon-bom": lambda: as_csv(header, rows, ";", True),
                "xlsx": lambda: as_xlsx(header, rows)}.get(fmt, lambda: as_csv(header, rows))()
        name = "export.xlsx" if fmt == "xlsx" else "export.csv"
        report = services.import_kobo(survey, data, name, dry_run=False)
        assert (report.total, report.new, report.already, report.rejected, report.stored) == (3, 3, 0, [], True)
        response = db.session.scalar(db.select(Response).filter_by(uuid=given[0]["_uuid"]))
        assert response.channel == "import" and response.version == 1
        stored = {(a.question_code, a.item): a for a in response.answers}
        assert stored[("gender", "female")] and stored[("victimisation", "fraud")]
        assert int(stored[("issue_seriousness", "livestock_theft")].number) == 5
        assert float(stored[("unsafe_point", "lat")].number) == pytest.approx(42.34)
        assert stored[("safer", None)].text == "Street lights; more patrols"
        again = services.import_kobo(survey, data, name, dry_run=False)
        assert (again.new, again.already, again.stored) == (0, 3, False)
        assert count(Response) == 3


def test_dry_run_counts_and_stores_nothing(app, survey_id):
    with app.app_context():
        survey = survey_of(survey_id)
        header, rows = export_rows(survey, records(4, str(survey.municipality.areas[0].id)))
        report = services.import_kobo(survey, as_csv(header, rows), "export.csv", dry_run=True)
        assert (report.total, report.new, report.rejected, report.stored) == (4, 4, [], False)
        assert count(Response) == 0


def test_one_bad_row_rejects_the_whole_import_with_its_line(app, survey_id):
    with app.app_context():
        survey = survey_of(survey_id)
        given = records(3, str(survey.municipality.areas[0].id))
        given[1]["safe_day"] = "9"              # out of range, on line 3 (header is line 1)
        given[2]["gender"] = "dragon"           # not an option, line 4
        header, rows = export_rows(survey, given)
        report = services.import_kobo(survey, as_csv(header, rows), "export.csv", dry_run=False)
        assert report.stored is False and report.new == 1
        assert report.rejected == [(3, [("safe_day", "out_of_range")]), (4, [("gender", "not_an_option")])]
        assert count(Response) == 0 and count(Answer) == 0


def test_bad_and_repeated_uuids_are_rejected(app, survey_id):
    with app.app_context():
        survey = survey_of(survey_id)
        given = records(3, str(survey.municipality.areas[0].id))
        given[1]["_uuid"] = "not-a-uuid"
        given[2]["_uuid"] = given[0]["_uuid"]
        header, rows = export_rows(survey, given)
        report = services.import_kobo(survey, as_csv(header, rows), "export.csv", dry_run=True)
        assert report.rejected == [(3, [("_uuid", "bad_uuid")]), (4, [("_uuid", "duplicate_in_file")])]


def test_a_uuid_stored_with_other_answers_is_a_conflict(app, survey_id):
    with app.app_context():
        survey = survey_of(survey_id)
        given = records(1, str(survey.municipality.areas[0].id))
        header, rows = export_rows(survey, given)
        services.import_kobo(survey, as_csv(header, rows), "export.csv", dry_run=False)
        given[0]["gender"] = "male"
        header, rows = export_rows(survey, given)
        report = services.import_kobo(survey, as_csv(header, rows), "export.csv", dry_run=False)
        assert report.rejected == [(2, [("_uuid", "conflict")])]


@pytest.mark.parametrize("data, name, code", [
    ("consent,_uuid\nдa,x\n".encode("cp1251"), "export.csv", "not_utf8"),
    (b"PK\x03\x04 this is no zip", "export.xlsx", "bad_xlsx"),
    (b"consent,gender\nyes,female\n", "export.csv", "no_uuid_column"),
    (b"\n\n", "export.csv", "empty"),
])
def test_unreadable_files_say_why(app, survey_id, data, name, code):
    with app.app_context():
        with pytest.raises(kobo.KoboFileError) as caught:
            services.import_kobo(survey_of(survey_id), data, name, dry_run=True)
        assert caught.value.code == code
        assert count(Response) == 0


# --- the facilitator's pages -------------------------------------------------------------------

@pytest.fixture
def coordinator_client(app, client, auth, survey_id):
    from conftest import create_user
    with app.app_context():
        create_user("coord@example.org", role="coordinator", municipality=survey_of(survey_id).municipality)
        create_user("viewer@example.org", role="viewer", municipality=survey_of(survey_id).municipality)
    auth.login("coord@example.org")
    return client


def post_file(client, survey_id: int, data: bytes, name: str, dry_run: bool):
    from conftest import csrf_token
    url = f"/m/kyzyl-suu/surveys/{survey_id}/import"
    form = {"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.post(url, data=form, content_type="multipart/form-data")


def test_the_xlsform_downloads_for_facilitators_only(app, client, auth, coordinator_client, survey_id):
    response = coordinator_client.get(f"/m/kyzyl-suu/surveys/{survey_id}/xlsform.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    assert f"cpplan_kyzyl_suu_{survey_id}_v1.xlsx" in response.headers["Content-Disposition"]
    auth.logout()
    auth.login("viewer@example.org")
    assert client.get(f"/m/kyzyl-suu/surveys/{survey_id}/xlsform.xlsx").status_code == 403
    assert client.get(f"/m/kyzyl-suu/surveys/{survey_id}/import").status_code == 403


def test_check_then_import_through_the_page(app, coordinator_client, survey_id):
    with app.app_context():
        survey = survey_of(survey_id)
        header, rows = export_rows(survey, records(2, str(survey.municipality.areas[0].id)))
    data = as_csv(header, rows)
    checked = post_file(coordinator_client, survey_id, data, "export.csv", dry_run=True)
    assert checked.status_code == 200 and "2 new responses" in checked.get_data(as_text=True)
    with app.app_context():
        assert count(Response) == 0
    imported = post_file(coordinator_client, survey_id, data, "export.csv", dry_run=False)
    assert imported.status_code == 302
    with app.app_context():
        assert count(Response) == 2


def test_the_page_lists_rejected_lines_and_unreadable_files(app, coordinator_client, survey_id):
    rejected = post_file(coordinator_client, survey_id, b"consent,_uuid\nyes,not-a-uuid\n", "export.csv", dry_run=False)
    assert rejected.status_code == 400 and "Line 2" in rejected.get_data(as_text=True)
    unreadable = post_file(coordinator_client, survey_id, "a,_uuid\nб,x\n".encode("cp1251"), "export.csv", dry_run=True)
    assert unreadable.status_code == 400 and "UTF-8" in unreadable.get_data(as_text=True)
    wrong_type = post_file(coordinator_client, survey_id, b"%PDF-1.4", "export.pdf", dry_run=True)
    assert wrong_type.status_code == 400
    with app.app_context():
        assert count(Response) == 0


def test_an_export_larger_than_a_form_may_be_can_be_imported(app, coordinator_client, survey_id):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    with app.app_context():
        survey = survey_of(survey_id)
        header, rows = export_rows(survey, records(600, str(survey.municipality.areas[0].id)))
    data = as_csv(header, rows)
    assert len(data) > 64 * 1024
    response = post_file(coordinator_client, survey_id, data, "export.csv", dry_run=True)
    assert response.status_code == 200 and "600 new responses" in response.get_data(as_text=True)
    app.config["CPPLAN_MAX_IMPORT_BYTES"] = 64 * 1024
    assert post_file(coordinator_client, survey_id, data, "export.csv", dry_run=True).status_code == 413
