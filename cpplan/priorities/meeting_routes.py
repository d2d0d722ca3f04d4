"""Community meetings and dot-votes: the working group's pages, the participants' ballot and the projector view.

Participants have no account. Each phone gets a random token in a cookie scoped to /v/ (HttpOnly,
SameSite=Lax, Secure under HTTPS); only a hash of it, salted with the vote's code, is stored with
the ballot, so one device casts one ballot and ballots cannot be linked across votes.
The projector view and its JSON are public by the vote's code: they show only totals of a
public meeting, and the screen is often a borrowed laptop that nobody should log in on.
"""
from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, current_app, flash, jsonify, make_response, redirect, render_template,
                   request, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from ..i18n import localized
from ..municipalities.forms import ConfirmForm
from ..municipalities.models import Municipality
from ..municipalities.permissions import can, require
from ..municipalities.services import get_or_404, permitted_or_404
from ..surveys import catalogue
from ..surveys.public import qr_svg
from . import voting
from .meeting_forms import AGE_LABELS, GENDER_LABELS, MeetingForm, VoteForm, hands_counts, hands_form
from .meetings import AGE_BANDS, GENDERS, Attendance, Meeting, Vote

bp = Blueprint("meetings", __name__)

VOTER_COOKIE = "cpplan_voter"
VOTER_COOKIE_AGE = timedelta(days=14)
NO_STORE = "no-store"
BALLOT_MESSAGES = {
    "not_whole": _l("Enter a whole number of dots: 0 or more."),
    "unknown_issue": _l("This issue is not part of this vote."),
    "empty": _l("Put at least one dot on an issue."),
}


def init_app(app) -> None:
    """Give templates the attendance labels."""
    app.jinja_env.globals.update(meeting_genders=GENDER_LABELS, meeting_age_bands=AGE_LABELS)


# --- the working group's pages -------------------------------------------------------------------

def _meeting_or_404(slug: str, meeting_id: int, action: str) -> tuple[Municipality, Meeting]:
    """Return the municipality and its meeting once the current user may perform action there."""
    return permitted_or_404(Meeting, slug, meeting_id, action)


def _vote_or_404(slug: str, vote_id: int, action: str) -> tuple[Municipality, Vote]:
    """Return the municipality and its vote once the current user may perform action there."""
    return permitted_or_404(Vote, slug, vote_id, action)


@bp.route("/m/<slug>/meetings")
def index(slug: str):
    """List the municipality's community meetings, latest first."""
    municipality = get_or_404(slug)
    require("view", municipality)
    meetings = db.session.scalars(db.select(Meeting).filter_by(municipality_id=municipality.id)
                                  .order_by(Meeting.held_on.desc(), Meeting.id.desc())).all()
    return render_template("priorities/meetings.html", m=municipality, meetings=meetings,
                           can_manage=can("manage_priorities", municipality))


def _save_meeting(meeting: Meeting, form: MeetingForm) -> None:
    """Copy the checked form onto the meeting and its attendance cells (the caller commits)."""
    meeting.held_on = form.held_on.data
    meeting.place = form.place.data.strip()
    meeting.facilitator = (form.facilitator.data or "").strip()
    meeting.minutes = (form.minutes.data or "").strip()
    cells = {(a.gender, a.age_band): a for a in meeting.attendance}
    for (gender, band), count in form.counts().items():
        if (gender, band) in cells:
            cells[(gender, band)].count = count
        else:
            meeting.attendance.append(Attendance(gender=gender, age_band=band, count=count))


def _meeting_form_page(municipality: Municipality, form: MeetingForm, meeting: Meeting | None):
    return render_template("priorities/meeting_form.html", m=municipality, form=form, meeting=meeting,
                           genders=GENDERS), 400 if form.errors else 200


@bp.route("/m/<slug>/meetings/new", methods=["GET", "POST"])
def new(slug: str):
    """Record a community meeting."""
    municipality = get_or_404(slug)
    require("manage_priorities", municipality)
    form = MeetingForm()
    if form.validate_on_submit():
        meeting = Meeting(municipality_id=municipality.id)
        _save_meeting(meeting, form)
        db.session.add(meeting)
        db.session.commit()
        flash(_("The meeting was saved."), "success")
        return redirect(url_for("meetings.detail", slug=slug, meeting_id=meeting.id))
    return _meeting_form_page(municipality, form, None)


@bp.route("/m/<slug>/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(slug: str, meeting_id: int):
    """Correct a meeting: date, place, facilitator, attendance, minutes."""
    municipality, meeting = _meeting_or_404(slug, meeting_id, "manage_priorities")
    form = MeetingForm(obj=meeting)
    if request.method == "GET":
        for (gender, band), count in meeting.counts().items():
            form[f"n_{gender}_{band}"].data = count
    if form.validate_on_submit():
        _save_meeting(meeting, form)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("meetings.detail", slug=slug, meeting_id=meeting.id))
    return _meeting_form_page(municipality, form, meeting)


def _detail_page(municipality: Municipality, meeting: Meeting, vote_form: VoteForm | None = None):
    issues = catalogue.issues_for(municipality.id)
    vote_form = vote_form or VoteForm(issues, formdata=None)
    counts = meeting.counts()
    gender_totals = {g: sum(n for (gender, _band), n in counts.items() if gender == g) for g in GENDERS}
    ballots = {vote.id: voting.ballot_count(vote) for vote in meeting.votes}
    return render_template("priorities/meeting.html", m=municipality, meeting=meeting, counts=counts, gender_totals=gender_totals,
                           genders=GENDERS, bands=AGE_BANDS, ballots=ballots, vote_form=vote_form,
                           can_manage=can("manage_priorities", municipality)), 400 if vote_form.errors else 200


@bp.route("/m/<slug>/meetings/<int:meeting_id>")
def detail(slug: str, meeting_id: int):
    """Show a meeting: attendance by gender and age, minutes, and its votes."""
    municipality, meeting = _meeting_or_404(slug, meeting_id, "view")
    return _detail_page(municipality, meeting)


@bp.route("/m/<slug>/meetings/<int:meeting_id>/votes", methods=["POST"])
def open_vote(slug: str, meeting_id: int):
    """Open a dot-vote at the meeting and go to its page with the link and QR code."""
    municipality, meeting = _meeting_or_404(slug, meeting_id, "manage_priorities")
    issues = catalogue.issues_for(municipality.id)
    form = VoteForm(issues)
    if form.validate_on_submit():
        chosen = set(form.issues.data)
        vote = voting.open_vote(meeting, form.dots.data, [i for i in issues if i.code in chosen])
        db.session.commit()
        flash(_("The vote is open. Show the QR code so that participants can join."), "success")
        return redirect(url_for("meetings.vote", slug=slug, vote_id=vote.id))
    return _detail_page(municipality, meeting, form)


def public_url(vote: Vote) -> str:
    """Return the full address participants open to vote."""
    return url_for("meetings.ballot", code=vote.code, _external=True)


def _vote_page(municipality: Municipality, vote: Vote, form=None):
    can_manage = can("manage_priorities", municipality)
    form = form or hands_form(vote, formdata=None)
    return render_template("priorities/meeting_vote.html", m=municipality, vote=vote, meeting=vote.meeting,
                           totals=voting.totals(vote), ballots=voting.ballot_count(vote),
                           public_url=public_url(vote), hands=form, confirm=ConfirmForm(),
                           can_manage=can_manage), 400 if form.errors else 200


@bp.route("/m/<slug>/votes/<int:vote_id>")
def vote(slug: str, vote_id: int):
    """The facilitator's page of a vote: the link and a big QR code, totals, hands, closing."""
    municipality, vote = _vote_or_404(slug, vote_id, "view")
    return _vote_page(municipality, vote)


@bp.route("/m/<slug>/votes/<int:vote_id>/hands", methods=["POST"])
def hands(slug: str, vote_id: int):
    """Save the show-of-hands counts per issue (for participants without a phone)."""
    municipality, vote = _vote_or_404(slug, vote_id, "manage_priorities")
    form = hands_form(vote, formdata=request.form)
    if not vote.is_open:
        flash(_("This vote is closed; nothing was changed."), "error")
        return redirect(url_for("meetings.vote", slug=slug, vote_id=vote_id))
    if form.validate_on_submit():
        voting.record_hands(vote, hands_counts(form))
        db.session.commit()
        flash(_("The show-of-hands counts were saved."), "success")
        return redirect(url_for("meetings.vote", slug=slug, vote_id=vote_id))
    return _vote_page(municipality, vote, form)


@bp.route("/m/<slug>/votes/<int:vote_id>/close", methods=["POST"])
def close_vote(slug: str, vote_id: int):
    """Close the vote: participants can no longer send dots."""
    municipality, vote = _vote_or_404(slug, vote_id, "manage_priorities")
    if ConfirmForm().validate_on_submit():
        if not vote.is_open:
            flash(_("The vote has changed in the meantime; nothing was done."), "error")
        else:
            voting.close_vote(vote)
            db.session.commit()
            flash(_("The vote is closed."), "success")
    return redirect(url_for("meetings.vote", slug=slug, vote_id=vote_id))


# --- public: the participants' ballot, the QR code and the projector view ----------------------

def _public_vote(code: str) -> Vote:
    """Return the vote with this code, or 404."""
    return db.first_or_404(db.select(Vote).filter_by(code=code))


def _device_token() -> tuple[str, bool]:
    """Return this phone's voting token and whether it is new (to be set as a cookie)."""
    token = request.cookies.get(VOTER_COOKIE)
    if voting.is_token(token):
        return token, False
    return voting.new_token(), True


def _respond(html: str, status: int, token: str | None = None, fresh: bool = False):
    """Return a never-cached response; give the phone its token cookie when it is new."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = NO_STORE
    if fresh and token:
        _give_token(response, token)
    return response


def _give_token(response, token: str) -> None:
    """Set the phone's voting token: only sent to /v/, never readable by scripts, Secure under HTTPS."""
    response.set_cookie(VOTER_COOKIE, token, max_age=VOTER_COOKIE_AGE, path="/v/", httponly=True,
                        samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _notice(vote: Vote, title: str, message: str, status: int, **kw):
    """Return the participant's page with one message (closed, already voted, thanks)."""
    return _respond(render_template("priorities/vote_notice.html", vote=vote, title=title, message=message), status,
                    **kw)


def _closed(vote: Vote):
    return _notice(vote, _("This vote is closed"),
                   _("This vote is closed and no longer takes dots. Thank you for taking part."), 410)


def _already(vote: Vote, status: int):
    return _notice(vote, _("Already voted"), _("You have already voted on this device."), status)


def _ballot_page(vote: Vote, values: dict[str, str], errors: dict[str, str] | None = None, status: int = 200,
                 token: str | None = None, fresh: bool = False):
    """Return the ballot form with the dots given so far and the messages of any errors."""
    errors = errors or {}
    allowed = vote.dots_per_person
    used = sum(voting.parse_count(v) or 0 for v in values.values())
    messages = {code: str(BALLOT_MESSAGES[error]) for code, error in errors.items() if code and error in BALLOT_MESSAGES}
    summary = []
    if errors.get("") == "too_many":
        summary.append(_("You have %(allowed)s dots but used %(used)s. Take some away.", allowed=allowed, used=used))
    elif errors.get("") == "empty":
        summary.append(str(BALLOT_MESSAGES["empty"]))
    options = voting.option_codes(vote)
    for code, error in errors.items():
        if code and code not in options:
            summary.append(str(BALLOT_MESSAGES[error]))
    html = render_template("priorities/vote.html", vote=vote, values=values, messages=messages, summary=summary,
                           has_errors=bool(errors), allowed=allowed, left=max(allowed - used, 0), used=used,
                           options=list(options.values()))
    return _respond(html, status, token, fresh)


def _given_dots() -> dict[str, str]:
    """Return the dots in the submitted form as {issue code: raw text}."""
    return {key[2:]: value for key, value in request.form.items() if key.startswith("d.")}


def _stepped(vote: Vote, values: dict[str, str], step: str) -> dict[str, str]:
    """Return the values after a + or - button (the form works without JavaScript): 0..dots left."""
    sign, code = step[:1], step[1:]
    if code not in voting.option_codes(vote) or sign not in "+-":
        return values
    numbers = {c: voting.parse_count(v) or 0 for c, v in values.items()}
    current = numbers.get(code, 0)
    if sign == "+" and sum(numbers.values()) < vote.dots_per_person:
        current += 1
    elif sign == "-" and current > 0:
        current -= 1
    return {**values, code: str(current)}


@bp.route("/v/<code>", methods=["GET", "POST"])
@limiter.limit("300 per minute", methods=["POST"])
def ballot(code: str):
    """The participant's ballot: spread the dots over the issues and send, once per phone."""
    vote = _public_vote(code)
    token, fresh = _device_token()
    if not vote.is_open:
        return _closed(vote)
    if request.method == "GET":
        if voting.has_voted(vote, token):
            return _already(vote, 200)
        return _ballot_page(vote, {}, token=token, fresh=fresh)
    values = _given_dots()
    step = request.form.get("step")
    if step:
        return _ballot_page(vote, _stepped(vote, values, step), token=token, fresh=fresh)
    result = voting.check_ballot(values, list(voting.option_codes(vote)), vote.dots_per_person)
    if not result.ok:
        return _ballot_page(vote, values, result.errors, 400, token, fresh)
    try:
        voting.cast_ballot(vote, token, result.dots)
        db.session.commit()
    except voting.Closed:
        db.session.rollback()
        return _closed(vote)
    except voting.AlreadyVoted:
        db.session.rollback()
        return _already(vote, 409)
    except IntegrityError:  # the same phone sent twice at the same moment: the first ballot stands
        db.session.rollback()
        return _already(vote, 409)
    response = redirect(url_for("meetings.thanks", code=code))
    if fresh:
        _give_token(response, token)
    return response


@bp.route("/v/<code>/thanks")
def thanks(code: str):
    """Thank the participant after the ballot was stored."""
    vote = _public_vote(code)
    return _notice(vote, _("Thank you"), _("Your dots were counted. Watch the results on the screen."), 200)


@bp.route("/v/<code>/qr.svg")
def qr(code: str):
    """Return a QR code of the vote's public link (shown big on the facilitator's page and the projector)."""
    vote = _public_vote(code)
    response = make_response(qr_svg(public_url(vote)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _totals_data(vote: Vote) -> dict:
    """Return the totals the projector shows: issues by support, ballots, status."""
    rows = voting.totals(vote)
    return {"status": vote.status, "ballots": voting.ballot_count(vote), "dots_per_person": vote.dots_per_person,
            "issues": [{"code": t.code, "name": localized(t.issue, "name"), "dots": t.dots, "hands": t.hands,
                        "total": t.total} for t in rows]}


@bp.route("/v/<code>/screen")
def screen(code: str):
    """The projector view: live totals per issue and the number of ballots (updated every 3 seconds)."""
    vote = _public_vote(code)
    data = _totals_data(vote)
    top = max([row["total"] for row in data["issues"]] + [1])
    html = render_template("priorities/vote_screen.html", vote=vote, data=data, top=top, public_url=public_url(vote))
    return _respond(html, 200)


@bp.route("/v/<code>/totals.json")
def totals(code: str):
    """Return the vote's live totals as JSON for the projector view."""
    vote = _public_vote(code)
    response = jsonify(_totals_data(vote))
    response.headers["Cache-Control"] = NO_STORE
    return response
