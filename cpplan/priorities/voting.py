"""Dot-votes: opening, ballots, show-of-hands counts, totals, and the support each issue received.

The checks of a ballot (`check_ballot`) and the shares (`shares`) are pure functions over plain data;
the rest reads and writes the database, and the caller commits.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from sqlalchemy import exists, func, or_, update

from ..extensions import db
from ..surveys.models import Issue
from .meetings import DOTS_MAX, DOTS_MIN, Ballot, BallotDots, Meeting, Vote, VoteOption

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud or typed from a screen
CODE_LENGTH = 10                                    # about 50 bits: not guessable at any request rate
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
MAX_COUNT = 100_000                                 # more hands or dots than any meeting hall holds


# --- pure checks ---------------------------------------------------------------------------------

@dataclass
class BallotCheck:
    """The outcome of checking a ballot: the dots per issue code, or error codes per issue code ("" for the whole)."""

    dots: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_count(raw: str | None) -> int | None:
    """Return raw as a non-negative whole number (empty is 0), or None when it is not one."""
    text = (raw or "").strip()
    if not text:
        return 0
    # More digits than MAX_COUNT has is too many (and int() refuses 4,300 digits or more).
    if not text.isascii() or not text.isdigit() or len(text.lstrip("0")) > len(str(MAX_COUNT)):
        return None
    value = int(text)
    return value if value <= MAX_COUNT else None


def check_ballot(given: dict[str, str], offered: list[str], allowed: int) -> BallotCheck:
    """Check a ballot's dots, given as {issue code: text}, against the issues offered and the dots allowed.

    Error codes per issue: "not_whole" (negative, a fraction or not a number), "unknown_issue";
    for the whole ballot (key ""): "too_many" (more than allowed) and "empty" (no dot at all).
    """
    result = BallotCheck()
    for code, raw in given.items():
        if code not in offered:
            result.errors[code] = "unknown_issue"
            continue
        value = parse_count(raw)
        if value is None:
            result.errors[code] = "not_whole"
        elif value:
            result.dots[code] = value
    if result.errors:
        return result
    total = sum(result.dots.values())
    if total > allowed:
        result.errors[""] = "too_many"
    elif total == 0:
        result.errors[""] = "empty"
    return result


def shares(totals: dict[str, int]) -> dict[str, Decimal]:
    """Return each key's share of the sum of totals (0..1, exact to 28 digits); {} when the sum is 0."""
    whole = sum(totals.values())
    if whole <= 0:
        return {}
    with localcontext() as context:
        context.prec = 28
        return {code: Decimal(n) / Decimal(whole) for code, n in totals.items()}


def token_hash(vote_code: str, token: str) -> str:
    """Return the hash kept for a device's token; salted with the vote so devices cannot be linked across votes."""
    return hashlib.sha256(f"cpplan-vote:{vote_code}:{token}".encode()).hexdigest()


def new_token() -> str:
    """Return a fresh random device token (kept only in the participant's cookie)."""
    return secrets.token_urlsafe(32)


def is_token(value: str | None) -> bool:
    """Return True when value has the form of a device token."""
    return bool(value) and TOKEN_PATTERN.match(value) is not None


# --- database ----------------------------------------------------------------------------------

class Closed(Exception):
    """The vote is closed: nothing was stored."""


class AlreadyVoted(Exception):
    """This device has voted in this vote already: nothing more was stored."""


def new_code() -> str:
    """Return a vote code nobody has yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(db.select(Vote.id).filter_by(code=code)) is None:
            return code


def open_vote(meeting: Meeting, dots_per_person: int, issues: list[Issue]) -> Vote:
    """Open a vote at the meeting on the issues, in the order given (the caller commits)."""
    if not DOTS_MIN <= dots_per_person <= DOTS_MAX:
        raise ValueError(f"dots per person must be {DOTS_MIN}..{DOTS_MAX}")
    vote = Vote(meeting=meeting, municipality_id=meeting.municipality_id, code=new_code(),
                dots_per_person=dots_per_person, status="open")
    vote.options = [VoteOption(issue=issue, position=i) for i, issue in enumerate(issues)]
    db.session.add(vote)
    db.session.flush()
    return vote


def close_vote(vote: Vote) -> None:
    """Close the vote: no more ballots (the caller commits)."""
    db.session.execute(update(Vote).where(Vote.id == vote.id, Vote.status == "open")
                       .values(status="closed", closed_dt=func.now()))
    db.session.refresh(vote)


def option_codes(vote: Vote) -> dict[str, VoteOption]:
    """Return the vote's options by issue code, in order."""
    return {option.issue.code: option for option in vote.options}


def has_voted(vote: Vote, token: str | None) -> bool:
    """Return True when the device with this token has a ballot in the vote."""
    if not is_token(token):
        return False
    return db.session.scalar(db.select(Ballot.id).filter_by(vote_id=vote.id, token_hash=token_hash(vote.code, token))) \
        is not None


def cast_ballot(vote: Vote, token: str, dots: dict[str, int]) -> Ballot:
    """Store one checked ballot (issue code -> dots); raise Closed or AlreadyVoted and store nothing.

    The caller commits, and on IntegrityError (the same device sent twice at the same moment: the
    unique constraint on vote and token hash) rolls back and treats it as AlreadyVoted.
    """
    if vote.status != "open":
        raise Closed()
    if has_voted(vote, token):
        raise AlreadyVoted()
    # Re-read the status under the write: a close committed since the page loaded wins.
    still_open = db.session.scalar(db.select(Vote.status).where(Vote.id == vote.id)
                                   .with_for_update()) == "open"
    if not still_open:
        raise Closed()
    options = option_codes(vote)
    ballot = Ballot(vote_id=vote.id, token_hash=token_hash(vote.code, token))
    ballot.dots = [BallotDots(vote_id=vote.id, option_id=options[code].id, dots=n) for code, n in dots.items() if n]
    db.session.add(ballot)
    db.session.flush()
    return ballot


def record_hands(vote: Vote, hands: dict[str, int]) -> None:
    """Set the show-of-hands count of the issues given by code (the caller commits)."""
    options = option_codes(vote)
    for code, n in hands.items():
        options[code].hands = n


@dataclass
class Total:
    """One issue's result in a vote."""

    code: str
    issue: Issue
    dots: int
    hands: int

    @property
    def total(self) -> int:
        return self.dots + self.hands


def totals(vote: Vote) -> list[Total]:
    """Return each offered issue's dots and hands, most support first (ties in the vote's order)."""
    dots = dict(db.session.execute(
        db.select(BallotDots.option_id, func.sum(BallotDots.dots)).where(BallotDots.vote_id == vote.id)
        .group_by(BallotDots.option_id)).all())
    rows = [Total(o.issue.code, o.issue, int(dots.get(o.id, 0)), o.hands) for o in vote.options]
    order = {o.issue.code: o.position for o in vote.options}
    return sorted(rows, key=lambda t: (-t.total, order[t.code]))


def ballot_count(vote: Vote) -> int:
    """Return how many ballots the vote has."""
    return db.session.scalar(db.select(func.count()).select_from(Ballot).filter_by(vote_id=vote.id)) or 0


def latest_vote_with_support(municipality_id: int) -> Vote | None:
    """Return the municipality's latest vote with any dots or hands: closed votes before an open one."""
    has_dots = exists().where(BallotDots.vote_id == Vote.id)
    has_hands = exists().where(VoteOption.vote_id == Vote.id, VoteOption.hands > 0)
    return db.session.scalar(
        db.select(Vote).join(Meeting, Meeting.id == Vote.meeting_id)
        .where(Vote.municipality_id == municipality_id, or_(has_dots, has_hands))
        .order_by((Vote.status == "closed").desc(), Meeting.held_on.desc(), Vote.id.desc())
        .limit(1))


def support_by_issue(municipality_id: int) -> dict[str, Decimal]:
    """Return issue code -> share (0..1) of all dots plus show-of-hands counts in the municipality's latest vote.

    The latest vote that has any dots or hands counts, a closed vote before an open one; every issue
    it offered is in the result (0 when nobody supported it). {} when there is no such vote.
    """
    vote = latest_vote_with_support(municipality_id)
    if vote is None:
        return {}
    dots = dict(db.session.execute(
        db.select(BallotDots.option_id, func.sum(BallotDots.dots)).where(BallotDots.vote_id == vote.id)
        .group_by(BallotDots.option_id)).all())
    rows = db.session.execute(db.select(VoteOption.id, VoteOption.hands, Issue.code)
                              .join(Issue, Issue.id == VoteOption.issue_id).where(VoteOption.vote_id == vote.id)).all()
    return shares({code: int(dots.get(option_id, 0)) + hands for option_id, hands, code in rows})
