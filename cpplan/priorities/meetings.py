"""Community meetings (attendance by gender and age band, minutes) and their dot-votes on issues."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint,
                        func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..municipalities.models import Municipality
from ..surveys.models import Issue

GENDERS = ("female", "male")
AGE_BANDS = ("14_17", "18_29", "30_44", "45_59", "60_plus")  # the survey's codes
VOTE_STATUSES = ("open", "closed")
DOTS_DEFAULT, DOTS_MIN, DOTS_MAX = 3, 1, 10


class Meeting(db.Model):
    """A community meeting of a municipality where residents discuss and prioritise issues."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    facilitator: Mapped[str] = mapped_column(String(120), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    municipality: Mapped[Municipality] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                        order_by="(Attendance.gender, Attendance.age_band)")
    votes: Mapped[list[Vote]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                             order_by="Vote.id")

    def counts(self) -> dict[tuple[str, str], int]:
        """Return {(gender, age band): participants}."""
        return {(a.gender, a.age_band): a.count for a in self.attendance}

    def participants(self) -> int:
        """Return how many people took part."""
        return sum(a.count for a in self.attendance)


class Attendance(db.Model):
    """How many participants of one gender and age band came to a meeting."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "gender", "age_band", name="uq_attendance_cell"),
                      CheckConstraint("count >= 0", name="ck_attendance_count"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    gender: Mapped[str] = mapped_column(String(12))
    age_band: Mapped[str] = mapped_column(String(12))
    count: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")


class Vote(db.Model):
    """A dot-vote at a meeting: each participant spreads a number of dots over the issues offered."""

    __tablename__ = "meeting_votes"
    __table_args__ = (CheckConstraint("dots_per_person BETWEEN 1 AND 10", name="ck_vote_dots"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    # The short unguessable code in the public link /v/<code> (the only credential of participants).
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    dots_per_person: Mapped[int] = mapped_column(Integer, default=DOTS_DEFAULT)
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    closed_dt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="votes")
    options: Mapped[list[VoteOption]] = relationship(back_populates="vote", cascade="all, delete-orphan",
                                                     order_by="VoteOption.position")

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class VoteOption(db.Model):
    """An issue offered in a vote, with the show-of-hands count the facilitator entered."""

    __tablename__ = "meeting_vote_options"
    __table_args__ = (UniqueConstraint("vote_id", "issue_id", name="uq_vote_option_issue"),
                      CheckConstraint("hands >= 0", name="ck_vote_option_hands"))

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("meeting_votes.id", ondelete="CASCADE"), index=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    hands: Mapped[int] = mapped_column(Integer, default=0)

    vote: Mapped[Vote] = relationship(back_populates="options")
    issue: Mapped[Issue] = relationship()


class Ballot(db.Model):
    """One device's ballot in a vote. Only a hash of the device's token is kept, never an address."""

    __tablename__ = "meeting_ballots"
    # One ballot per device and vote, enforced by the database (two simultaneous sends store one).
    __table_args__ = (UniqueConstraint("vote_id", "token_hash", name="uq_ballot_vote_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("meeting_votes.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    cast_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    dots: Mapped[list[BallotDots]] = relationship(cascade="all, delete-orphan")


class BallotDots(db.Model):
    """The dots one ballot put on one issue of the vote (only issues with at least one dot)."""

    __tablename__ = "meeting_ballot_dots"
    __table_args__ = (UniqueConstraint("ballot_id", "option_id", name="uq_ballot_dots_option"),
                      CheckConstraint("dots > 0", name="ck_ballot_dots_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("meeting_ballots.id", ondelete="CASCADE"), index=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("meeting_votes.id", ondelete="CASCADE"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("meeting_vote_options.id", ondelete="CASCADE"), index=True)
    dots: Mapped[int] = mapped_column(Integer)
