"""Community meetings: recording attendance and minutes, opening a vote, show of hands, closing; bad input."""
from __future__ import annotations

import re
from datetime import date

import pytest

from access_cases import page_text, snapshot
from conftest import csrf_token
from cpplan.extensions import db
from cpplan.priorities import voting
from cpplan.priorities.meetings import AGE_BANDS, GENDERS, Meeting, Vote
from cpplan.surveys import catalogue

VALID = {"held_on": "2026-03-15", "place": "School No. 1, assembly hall", "facilitator": "Nurgul Bekova",
         "minutes": "Residents discussed the survey results.", "n_female_18_29": "12", "n_female_60_plus": "3",
         "n_male_30_44": "9", "n_male_14_17": ""}


def login(auth, world, role: str = "facilitator"):
    auth.login(world["users"][role])


def meetings(app) -> list[Meeting]:
    with app.app_context():
        rows = db.session.scalars(db.select(Meeting).order_by(Meeting.id)).all()
        for m in rows:
            m.counts()  # load the attendance before the session ends
            db.session.expunge(m)
        return rows


def make_meeting(app, world, slug_id: str = "home_id") -> int:
    with app.app_context():
        meeting = Meeting(municipality_id=world[slug_id], held_on=date(2026, 3, 15), place="Club")
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def make_vote(app, meeting_id: int, status: str = "open") -> tuple[int, str]:
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        vote = voting.open_vote(meeting, 3, catalogue.issues_for(meeting.municipality_id))
        if status == "closed":
            voting.close_vote(vote)
        db.session.commit()
        return vote.id, vote.code


def test_facilitator_records_a_meeting_with_attendance(app, world, client, auth):
    login(auth, world)
    form = client.get("/m/kyzyl-suu/meetings/new")
    html = page_text(form)
    assert form.status_code == 200
    # Every visible field has a label.
    for field_id in re.findall(r'<(?:input|textarea|select)[^>]*\sid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id
    assert 'type="date"' in html and html.count('type="number"') == len(GENDERS) * len(AGE_BANDS)
    token = csrf_token(client, "/m/kyzyl-suu/meetings/new")
    response = client.post("/m/kyzyl-suu/meetings/new", data={**VALID, "csrf_token": token})
    assert response.status_code == 302
    [meeting] = meetings(app)
    assert response.headers["Location"] == f"/m/kyzyl-suu/meetings/{meeting.id}"
    assert meeting.held_on == date(2026, 3, 15) and meeting.place == VALID["place"]
    assert meeting.facilitator == "Nurgul Bekova" and meeting.minutes == VALID["minutes"]
    counts = meeting.counts()
    assert len(counts) == 10 and sum(counts.values()) == 24
    assert counts[("female", "18_29")] == 12 and counts[("male", "30_44")] == 9 and counts[("male", "14_17")] == 0
    detail = page_text(client.get(f"/m/kyzyl-suu/meetings/{meeting.id}"))
    assert "24 participants" in detail and "Residents discussed the survey results." in detail
    listing = page_text(client.get("/m/kyzyl-suu/meetings"))
    assert VALID["place"] in listing and "24 participants" in listing


@pytest.mark.parametrize("field, value, message", [
    ("n_female_18_29", "-3", "Enter a whole number from 0 to 10000."),
    ("n_male_60_plus", "many", "Enter a whole number from 0 to 10000."),
    ("n_male_60_plus", "2.5", "Enter a whole number from 0 to 10000."),
    ("n_male_60_plus", "10001", "Enter a whole number from 0 to 10000."),
    # int() refuses 4,300 digits or more: its own English error was shown at the field.
    pytest.param("n_male_60_plus", "9" * 5000, "Enter a whole number from 0 to 10000.",
                 id="n_male_60_plus-5000-digits"),
    ("held_on", "2026-02-30", "Enter the date as YYYY-MM-DD, for example 2026-03-15."),
    ("held_on", "last Tuesday", "Enter the date as YYYY-MM-DD, for example 2026-03-15."),
    ("held_on", "", "Enter the date of the meeting."),
    ("place", "", "This field is required."),
])
@pytest.mark.parametrize("action", ["new", "edit"])
def test_bad_meeting_input_is_refused_at_the_field(app, world, client, auth, field, value, message, action):
    login(auth, world, "coordinator")
    url = "/m/kyzyl-suu/meetings/new"
    if action == "edit":
        url = f"/m/kyzyl-suu/meetings/{make_meeting(app, world)}/edit"
    token = csrf_token(client, url)
    before = snapshot(app)
    response = client.post(url, data={**VALID, field: value, "csrf_token": token})
    assert response.status_code == 400
    html = page_text(response)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and error.group(1) == message, html[:3000]
    assert f'aria-describedby="{field}-error"' in html
    assert snapshot(app) == before
    # What was typed is shown again.
    if value and field != "held_on":
        assert f'value="{value}"' in html


def test_editing_changes_the_counts(app, world, client, auth):
    login(auth, world)
    mid = make_meeting(app, world)
    form = page_text(client.get(f"/m/kyzyl-suu/meetings/{mid}/edit"))
    assert 'value="2026-03-15"' in form and 'value="Club"' in form
    token = csrf_token(client, f"/m/kyzyl-suu/meetings/{mid}/edit")
    response = client.post(f"/m/kyzyl-suu/meetings/{mid}/edit", data={**VALID, "csrf_token": token})
    assert response.status_code == 302
    data = {**VALID, "n_female_18_29": "5", "csrf_token": token}
    assert client.post(f"/m/kyzyl-suu/meetings/{mid}/edit", data=data).status_code == 302
    [meeting] = meetings(app)
    assert meeting.counts()[("female", "18_29")] == 5 and len(meeting.attendance) == 10


def test_opening_a_vote_defaults_to_three_dots_and_all_issues(app, world, client, auth):
    login(auth, world)
    mid = make_meeting(app, world)
    html = page_text(client.get(f"/m/kyzyl-suu/meetings/{mid}"))
    with app.app_context():
        codes = [i.code for i in catalogue.issues_for(world["home_id"])]
    assert re.search(r'id="dots"[^>]*value="3"', html)
    assert html.count('name="issues"') == len(codes) == html.count("checked")
    token = csrf_token(client, f"/m/kyzyl-suu/meetings/{mid}")
    response = client.post(f"/m/kyzyl-suu/meetings/{mid}/votes",
                           data={"csrf_token": token, "dots": "5", "issues": ["fraud", "road_safety"]})
    assert response.status_code == 302
    with app.app_context():
        vote = db.session.scalar(db.select(Vote).filter_by(meeting_id=mid))
        assert vote.dots_per_person == 5 and vote.status == "open"
        assert [o.issue.code for o in vote.options] == ["road_safety", "fraud"]  # catalogue order
        assert re.fullmatch(r"[23456789a-hjkmnp-z]{10}", vote.code)
        vid, code = vote.id, vote.code
    assert response.headers["Location"] == f"/m/kyzyl-suu/votes/{vid}"
    page = page_text(client.get(f"/m/kyzyl-suu/votes/{vid}"))
    assert f"http://localhost/v/{code}" in page and f'src="/v/{code}/qr.svg"' in page
    assert f'href="/v/{code}/screen"' in page


@pytest.mark.parametrize("data, message", [
    ({"dots": "0"}, "Enter a whole number from 1 to 10."),
    ({"dots": "11"}, "Enter a whole number from 1 to 10."),
    ({"dots": "-2"}, "Enter a whole number from 1 to 10."),
    ({"dots": "three"}, "Enter a whole number from 1 to 10."),
    ({"dots": ""}, "Enter a whole number from 1 to 10."),
    ({"issues": ["fraud"]}, "Choose at least two issues."),
    ({"issues": ["fraud", "not_an_issue"]}, "Choose from the issues listed."),
])
def test_bad_vote_settings_are_refused(app, world, client, auth, data, message):
    login(auth, world)
    mid = make_meeting(app, world)
    token = csrf_token(client, f"/m/kyzyl-suu/meetings/{mid}")
    before = snapshot(app)
    response = client.post(f"/m/kyzyl-suu/meetings/{mid}/votes",
                           data={"csrf_token": token, "dots": "3", "issues": ["fraud", "road_safety"], **data})
    assert response.status_code == 400
    assert message in page_text(response)
    assert snapshot(app) == before


def test_show_of_hands_and_closing(app, world, client, auth):
    login(auth, world)
    vid, code = make_vote(app, make_meeting(app, world))
    url = f"/m/kyzyl-suu/votes/{vid}"
    token = csrf_token(client, url)
    before = snapshot(app)
    response = client.post(f"{url}/hands", data={"csrf_token": token, "h_road_safety": "-1", "h_fraud": "2"})
    assert response.status_code == 400 and "Enter a whole number from 0 to 10000." in page_text(response)
    response = client.post(f"{url}/hands", data={"csrf_token": token, "h_road_safety": "x"})
    assert response.status_code == 400
    assert snapshot(app) == before
    assert client.post(f"{url}/hands", data={"csrf_token": token, "h_road_safety": "7", "h_fraud": "2"}).status_code == 302
    data = client.get(f"/v/{code}/totals.json").get_json()
    assert {r["code"]: r["hands"] for r in data["issues"]}["road_safety"] == 7
    assert data["issues"][0]["code"] == "road_safety"
    assert client.post(f"{url}/close", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Vote, vid).status == "closed"
    # Closed: no more hands, no more ballots.
    before = snapshot(app)
    client.post(f"{url}/hands", data={"csrf_token": token, "h_road_safety": "9"})
    assert snapshot(app) == before
    phone = app.test_client()
    assert phone.get(f"/v/{code}").status_code == 410


def test_police_read_meetings_and_votes_but_see_no_controls(app, world, client, auth):
    mid = make_meeting(app, world)
    vid, _code = make_vote(app, mid)
    login(auth, world, "police")
    detail = page_text(client.get(f"/m/kyzyl-suu/meetings/{mid}"))
    assert "Open the vote" not in detail and "Edit the meeting" not in detail
    page = page_text(client.get(f"/m/kyzyl-suu/votes/{vid}"))
    assert "Close the vote" not in page and "Save the counts" not in page


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_objects_of_another_municipality_are_404(app, world, client, auth, role):
    foreign_meeting = make_meeting(app, world, "other_id")
    foreign_vote, _code = make_vote(app, foreign_meeting)
    login(auth, world, role)
    for url in (f"/m/kyzyl-suu/meetings/{foreign_meeting}", f"/m/kyzyl-suu/meetings/{foreign_meeting}/edit",
                f"/m/kyzyl-suu/votes/{foreign_vote}"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/m/kyzyl-suu/meetings")
    before = snapshot(app)
    for url, data in ((f"/m/kyzyl-suu/meetings/{foreign_meeting}/edit", VALID),
                      (f"/m/kyzyl-suu/meetings/{foreign_meeting}/votes", {"dots": "3", "issues": ["fraud", "road_safety"]}),
                      (f"/m/kyzyl-suu/votes/{foreign_vote}/hands", {"h_fraud": "4"}),
                      (f"/m/kyzyl-suu/votes/{foreign_vote}/close", {})):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    assert snapshot(app) == before
