"""Dot-votes: the pure ballot checks, the participants' ballot (one per phone), totals and support_by_issue."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from access_cases import page_text, snapshot
from conftest import csrf_token
from cpplan.extensions import db
from cpplan.priorities import meeting_routes, voting
from cpplan.priorities.meetings import Ballot, Meeting, Vote
from cpplan.surveys import catalogue

COOKIE = meeting_routes.VOTER_COOKIE


@pytest.fixture(autouse=True)
def english(client):
    """Read the participants' pages in English (anonymous visitors otherwise get the default, Kyrgyz)."""
    client.get("/?lang=en")


# --- pure checks ---------------------------------------------------------------------------------

OFFERED = ["road_safety", "livestock_theft", "fraud"]


def test_a_valid_ballot_may_put_several_dots_on_one_issue():
    assert voting.check_ballot({"road_safety": "2", "livestock_theft": "1", "fraud": ""}, OFFERED, 3).dots == {
        "road_safety": 2, "livestock_theft": 1}
    result = voting.check_ballot({"fraud": "3"}, OFFERED, 3)
    assert result.ok and result.dots == {"fraud": 3}
    assert voting.check_ballot({"fraud": " 1 "}, OFFERED, 3).dots == {"fraud": 1}


def test_fewer_dots_than_allowed_are_fine():
    assert voting.check_ballot({"fraud": "1"}, OFFERED, 3).ok


@pytest.mark.parametrize("given, errors", [
    ({"road_safety": "2", "fraud": "2"}, {"": "too_many"}),
    ({"road_safety": "-1", "fraud": "2"}, {"road_safety": "not_whole"}),
    ({"road_safety": "1.5"}, {"road_safety": "not_whole"}),
    ({"road_safety": "two"}, {"road_safety": "not_whole"}),
    ({"road_safety": "٣"}, {"road_safety": "not_whole"}),  # an Arabic-Indic digit is not an ASCII number
    ({"road_safety": "1e1"}, {"road_safety": "not_whole"}),
    ({"road_safety": "9" * 5000}, {"road_safety": "not_whole"}),  # int() raised ValueError on it (a 500)
    ({"bride_price": "1"}, {"bride_price": "unknown_issue"}),
    ({"road_safety": "0", "fraud": ""}, {"": "empty"}),
    ({}, {"": "empty"}),
])
def test_bad_ballots_are_refused(given, errors):
    result = voting.check_ballot(given, OFFERED, 3)
    assert not result.ok
    assert result.errors == errors


def test_shares_are_exact_decimals_of_the_whole():
    got = voting.shares({"a": 1, "b": 3, "c": 0})
    assert got == {"a": Decimal("0.25"), "b": Decimal("0.75"), "c": Decimal(0)}
    assert all(isinstance(v, Decimal) for v in got.values())
    assert voting.shares({"a": 0}) == {}
    assert voting.shares({}) == {}
    thirds = voting.shares({"a": 1, "b": 1, "c": 1})
    assert abs(sum(thirds.values()) - 1) < Decimal("1e-20")


def test_token_hash_is_salted_per_vote_and_tokens_have_one_form():
    token = voting.new_token()
    assert voting.is_token(token)
    assert not voting.is_token("short") and not voting.is_token(None) and not voting.is_token(token + "x")
    assert voting.token_hash("aaaa", token) != voting.token_hash("bbbb", token)
    assert token not in voting.token_hash("aaaa", token)


# --- the database and the public pages ------------------------------------------------------------

def make_vote(app, world, *, dots: int = 3, codes: list[str] | None = None, status: str = "open",
              slug_id: str = "home_id", held_on: date = date(2026, 3, 15)) -> tuple[int, str]:
    """Insert a meeting with a vote (all issues, or the codes given); return (vote id, code)."""
    with app.app_context():
        meeting = Meeting(municipality_id=world[slug_id], held_on=held_on, place="School No. 1")
        db.session.add(meeting)
        issues = catalogue.issues_for(world[slug_id])
        if codes is not None:
            issues = [i for i in issues if i.code in codes]
        vote = voting.open_vote(meeting, dots, issues)
        if status == "closed":
            voting.close_vote(vote)
        db.session.commit()
        return vote.id, vote.code


def cast(app, vote_id: int, dots: dict[str, int], hands: dict[str, int] | None = None) -> None:
    """Store a ballot from a new phone (and set hands), as the services do."""
    with app.app_context():
        vote = db.session.get(Vote, vote_id)
        was_closed = vote.status == "closed"
        if was_closed:  # demo-like history: ballots first, then closing
            vote.status = "open"
        if dots:
            voting.cast_ballot(vote, voting.new_token(), dots)
        if hands:
            voting.record_hands(vote, hands)
        if was_closed:
            vote.status = "closed"
        db.session.commit()


def send(client, code: str, dots: dict[str, str], **extra):
    """Send a ballot from the client's phone (with its CSRF token)."""
    token = csrf_token(client, f"/v/{code}?lang=en")
    return client.post(f"/v/{code}", data={"csrf_token": token, **{f"d.{k}": v for k, v in dots.items()}, **extra})


def ballots(app, vote_id: int) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Ballot).filter_by(vote_id=vote_id))


def test_the_ballot_page_gives_the_phone_a_scoped_httponly_cookie(app, world, client):
    _vid, code = make_vote(app, world)
    response = client.get(f"/v/{code}")
    assert response.status_code == 200
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/v/" in header
    assert "Secure" not in header
    assert response.headers["Cache-Control"] == "no-store"
    html = page_text(response)
    # Every number field has its label; the +/- buttons are named for screen readers; no inline script.
    for field_id in re.findall(r'<input type="number" id="([^"]+)"', html):
        assert f'<label for="{field_id}">' in html
    assert 'aria-label="One dot more on Road safety"' in html
    assert "js/vote-screen.js" in html and "<script>" not in html
    # A second visit keeps the same token.
    again = client.get(f"/v/{code}")
    assert not [h for h in again.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]


def test_the_cookie_is_secure_under_https(app, world, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    _vid, code = make_vote(app, world)
    header = next(h for h in client.get(f"/v/{code}").headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "Secure" in header


def test_a_ballot_is_stored_with_only_a_hash_of_the_token(app, world, client):
    vid, code = make_vote(app, world)
    response = send(client, code, {"road_safety": "2", "livestock_theft": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/v/{code}/thanks"
    token = client.get_cookie(COOKIE, path="/v/").value
    with app.app_context():
        ballot = db.session.scalar(db.select(Ballot).filter_by(vote_id=vid))
        assert ballot.token_hash == voting.token_hash(code, token)
        stored = {(d.option_id, d.dots) for d in ballot.dots}
        options = {o.issue.code: o.id for o in db.session.get(Vote, vid).options}
        assert stored == {(options["road_safety"], 2), (options["livestock_theft"], 1)}
    assert token not in str(snapshot(app))
    thanks = client.get(f"/v/{code}/thanks")
    assert "Your dots were counted." in page_text(thanks)


def test_a_second_ballot_from_the_same_phone_is_refused(app, world, client):
    vid, code = make_vote(app, world)
    page_token = csrf_token(client, f"/v/{code}")  # the form opened before the first ballot was sent
    assert send(client, code, {"fraud": "3"}).status_code == 302
    before = snapshot(app)
    response = client.post(f"/v/{code}", data={"csrf_token": page_token, "d.road_safety": "3"})
    assert response.status_code == 409
    assert "You have already voted on this device." in page_text(response)
    assert snapshot(app) == before
    # The page itself says so too, without a form.
    again = client.get(f"/v/{code}")
    assert "You have already voted on this device." in page_text(again) and "<form" not in page_text(again)
    # Another phone may vote.
    assert send(app.test_client(), code, {"fraud": "1"}).status_code == 302
    assert ballots(app, vid) == 2


def test_two_ballots_from_one_phone_at_the_same_moment_store_one(app, world, client, monkeypatch):
    """Both requests pass the 'already voted?' check; the unique constraint lets only the first in."""
    vid, code = make_vote(app, world)
    assert send(client, code, {"fraud": "1"}).status_code == 302
    monkeypatch.setattr(voting, "has_voted", lambda vote, token: False)
    before = snapshot(app)
    response = send(client, code, {"fraud": "2"})
    assert response.status_code == 409
    assert "You have already voted on this device." in page_text(response)
    assert snapshot(app) == before and ballots(app, vid) == 1


def test_the_database_refuses_a_second_ballot_with_the_same_token_hash(app, world):
    vid, code = make_vote(app, world)
    with app.app_context():
        db.session.add_all([Ballot(vote_id=vid, token_hash="x" * 64), Ballot(vote_id=vid, token_hash="x" * 64)])
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


@pytest.mark.parametrize("dots, message", [
    ({"road_safety": "2", "fraud": "2"}, "You have 3 dots but used 4. Take some away."),
    ({"road_safety": "-1", "fraud": "1"}, "Enter a whole number of dots: 0 or more."),
    ({"road_safety": "1.5"}, "Enter a whole number of dots: 0 or more."),
    ({"road_safety": "many"}, "Enter a whole number of dots: 0 or more."),
    ({"road_safety": "9" * 5000}, "Enter a whole number of dots: 0 or more."),  # was a 500 (int() refused it)
    ({"road_safety": "0", "fraud": ""}, "Put at least one dot on an issue."),
    ({}, "Put at least one dot on an issue."),
    ({"fraud": "1", "not_offered": "1"}, "This issue is not part of this vote."),
])
def test_bad_ballots_are_refused_with_a_message_and_nothing_stored(app, world, client, dots, message):
    vid, code = make_vote(app, world, codes=["road_safety", "livestock_theft", "fraud"])
    csrf_token(client, f"/v/{code}")
    before = snapshot(app)
    response = send(client, code, dots)
    assert response.status_code == 400
    text = page_text(response)
    assert message in text and "Nothing was saved. Please check your dots." in text
    assert snapshot(app) == before
    # What was typed is shown again to correct.
    for issue, value in dots.items():
        if issue != "not_offered" and value:
            assert f'name="d.{issue}" value="{value}"' in text


def test_an_issue_left_out_of_the_vote_cannot_get_dots(app, world, client):
    vid, code = make_vote(app, world, codes=["road_safety", "fraud"])
    before = snapshot(app)
    response = send(client, code, {"road_safety": "1", "livestock_theft": "1"})
    assert response.status_code == 400 and "This issue is not part of this vote." in page_text(response)
    assert snapshot(app) == before


def test_a_closed_vote_takes_no_ballot(app, world, client):
    vid, code = make_vote(app, world)
    page = csrf_token(client, f"/v/{code}")
    with app.app_context():
        voting.close_vote(db.session.get(Vote, vid))
        db.session.commit()
    before = snapshot(app)
    response = client.post(f"/v/{code}", data={"csrf_token": page, "d.fraud": "1"})
    assert response.status_code == 410
    assert "This vote is closed and no longer takes dots." in page_text(response)
    assert snapshot(app) == before
    assert client.get(f"/v/{code}").status_code == 410


def test_a_close_that_commits_after_the_page_loaded_wins(app, world, client, monkeypatch):
    """The status is read again under the write: a ballot racing the close is refused."""
    vid, code = make_vote(app, world)
    real = voting.has_voted

    def close_meanwhile(vote, token):
        db.session.execute(db.update(Vote).where(Vote.id == vote.id).values(status="closed"))
        return real(vote, token)

    monkeypatch.setattr(voting, "has_voted", close_meanwhile)
    response = send(client, code, {"fraud": "1"})
    assert response.status_code == 410
    assert ballots(app, vid) == 0


def test_unknown_vote_code_is_404(app, world, client):
    for url in ("/v/nosuchcode", "/v/nosuchcode/screen", "/v/nosuchcode/totals.json", "/v/nosuchcode/qr.svg"):
        assert client.get(url).status_code == 404, url


def test_plus_and_minus_work_without_javascript_and_store_nothing(app, world, client):
    vid, code = make_vote(app, world, codes=["road_safety", "fraud"])
    token = csrf_token(client, f"/v/{code}")
    before = snapshot(app)
    response = client.post(f"/v/{code}", data={"csrf_token": token, "d.road_safety": "2", "d.fraud": "0",
                                               "step": "+fraud"})
    text = page_text(response)
    assert response.status_code == 200
    assert 'name="d.fraud" value="1"' in text and "Dots left: 0" in text
    response = client.post(f"/v/{code}", data={"csrf_token": token, "d.road_safety": "2", "d.fraud": "1",
                                               "step": "+fraud"})  # no dots left: stays
    assert 'name="d.fraud" value="1"' in page_text(response)
    response = client.post(f"/v/{code}", data={"csrf_token": token, "d.road_safety": "2", "d.fraud": "1",
                                               "step": "-road_safety"})
    assert 'name="d.road_safety" value="1"' in page_text(response)
    assert snapshot(app) == before


def test_totals_json_and_projector_view(app, world, client):
    vid, code = make_vote(app, world, codes=["road_safety", "livestock_theft", "fraud"])
    cast(app, vid, {"road_safety": 2, "fraud": 1})
    cast(app, vid, {"livestock_theft": 3})
    cast(app, vid, {"livestock_theft": 1, "road_safety": 2}, hands={"fraud": 4})
    data = client.get(f"/v/{code}/totals.json").get_json()
    assert data["status"] == "open" and data["ballots"] == 3
    assert [(r["code"], r["dots"], r["hands"], r["total"]) for r in data["issues"]] == [
        ("fraud", 1, 4, 5), ("livestock_theft", 4, 0, 4), ("road_safety", 4, 0, 4)]  # a tie: the vote's order
    screen = client.get(f"/v/{code}/screen")
    html = page_text(screen)
    assert screen.status_code == 200
    assert 'src="/static/js/vote-screen.js" defer' in html
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in html
    assert re.search(r'id="ballots">3<', html)
    assert html.index('data-code="fraud"') < html.index('data-code="livestock_theft"') < html.index('data-code="road_safety"')
    assert 'style=' not in html
    qr = client.get(f"/v/{code}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


def test_support_by_issue(app, world):
    with app.app_context():
        assert voting.support_by_issue(world["home_id"]) == {}
    empty_vid, _ = make_vote(app, world, held_on=date(2026, 5, 1))  # latest, but nobody voted: ignored
    with app.app_context():
        assert voting.support_by_issue(world["home_id"]) == {}
    open_vid, _ = make_vote(app, world, codes=["road_safety", "fraud"], held_on=date(2026, 4, 1))
    cast(app, open_vid, {"road_safety": 3})
    with app.app_context():
        assert voting.support_by_issue(world["home_id"]) == {"road_safety": Decimal(1), "fraud": Decimal(0)}
    # A closed vote, even an earlier one, comes before an open one.
    closed_vid, _ = make_vote(app, world, codes=["road_safety", "livestock_theft", "fraud"],
                              held_on=date(2026, 3, 1), status="closed")
    cast(app, closed_vid, {"livestock_theft": 2, "fraud": 1}, hands={"livestock_theft": 4, "road_safety": 1})
    with app.app_context():
        support = voting.support_by_issue(world["home_id"])
    assert support == {"livestock_theft": Decimal("0.75"), "fraud": Decimal("0.125"), "road_safety": Decimal("0.125")}
    assert all(isinstance(v, Decimal) for v in support.values())
    # Of two closed votes, the later meeting's counts; hands alone count as support.
    later_vid, _ = make_vote(app, world, codes=["road_safety", "fraud"], held_on=date(2026, 3, 20), status="closed")
    cast(app, later_vid, {}, hands={"fraud": 5})
    with app.app_context():
        assert voting.support_by_issue(world["home_id"]) == {"fraud": Decimal(1), "road_safety": Decimal(0)}
        # Another municipality's votes are not mixed in.
        assert voting.support_by_issue(world["other_id"]) == {}
