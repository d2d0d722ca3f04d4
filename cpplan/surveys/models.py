"""Issue catalogue, surveys with versioned questions, and responses with their answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint,
                        false, func)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import utcnow
from ..extensions import db
from ..municipalities.models import Municipality, Named

ROUNDS = ("baseline", "follow_up")
STATUSES = ("draft", "open", "closed")
KINDS = ("single", "multiple", "scale", "number", "text", "area", "location", "issue_rating")
CHANNELS = ("web", "offline", "paper", "import")


class Issue(Named, db.Model):
    """A crime or safety issue residents rate: the national catalogue, or a municipality's own."""

    __tablename__ = "issues"
    __table_args__ = (UniqueConstraint("municipality_id", "code", name="uq_issue_municipality_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the national catalogue, offered to every municipality.
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    description_ky: Mapped[str] = mapped_column(String(300), default="")
    description_ru: Mapped[str] = mapped_column(String(300), default="")
    description_en: Mapped[str] = mapped_column(String(300), default="")
    is_sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    position: Mapped[int] = mapped_column(Integer, default=0)


class Survey(db.Model):
    """A round of the community safety survey in one municipality."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    title_ky: Mapped[str] = mapped_column(String(200), default="")
    title_ru: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    round: Mapped[str] = mapped_column(String(12), default="baseline")
    status: Mapped[str] = mapped_column(String(8), default="draft")
    # The questionnaire version in use; opening freezes it, a later change makes version + 1.
    version: Mapped[int] = mapped_column(Integer, default=1)
    token: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    opened_dt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_dt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    municipality: Mapped[Municipality] = relationship()
    questions: Mapped[list[Question]] = relationship(back_populates="survey", cascade="all, delete-orphan",
                                                     order_by="(Question.version, Question.position)")

    def current_questions(self) -> list[Question]:
        """Return the questions of the version in use, in order."""
        return [q for q in self.questions if q.version == self.version]


class Question(db.Model):
    """One question of one questionnaire version; `code` stays the same across versions."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "version", "code", name="uq_question_version_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    page: Mapped[int] = mapped_column(Integer, default=1)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    text_ky: Mapped[str] = mapped_column(String(500), default="")
    text_ru: Mapped[str] = mapped_column(String(500), default="")
    text_en: Mapped[str] = mapped_column(String(500), default="")
    help_ky: Mapped[str] = mapped_column(String(500), default="")
    help_ru: Mapped[str] = mapped_column(String(500), default="")
    help_en: Mapped[str] = mapped_column(String(500), default="")
    is_sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    min_value: Mapped[int | None] = mapped_column(Integer)
    max_value: Mapped[int | None] = mapped_column(Integer)
    # Shown only when the answer to question `show_if_code` is (or, for multiple choice, includes) this option.
    show_if_code: Mapped[str | None] = mapped_column(String(40))
    show_if_option: Mapped[str | None] = mapped_column(String(40))

    survey: Mapped[Survey] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(back_populates="question", cascade="all, delete-orphan",
                                                 order_by="Option.position")


class Option(db.Model):
    """A choice offered by a single- or multiple-choice question."""

    __tablename__ = "survey_options"
    __table_args__ = (UniqueConstraint("question_id", "code", name="uq_option_question_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    code: Mapped[str] = mapped_column(String(40))
    label_ky: Mapped[str] = mapped_column(String(200), default="")
    label_ru: Mapped[str] = mapped_column(String(200), default="")
    label_en: Mapped[str] = mapped_column(String(200), default="")

    question: Mapped[Question] = relationship(back_populates="options")


class Response(db.Model):
    """One respondent's answers. No IP address, user agent or cookie id is ever stored."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # The client's uuid4: a resent response is recognised and stored once.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    received_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class Answer(db.Model):
    """One value of one answer, in rows the database can count (a multiple choice gives one row per option)."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    question_code: Mapped[str] = mapped_column(String(40))
    # The option, area id or issue code the value belongs to (None for plain numbers and text).
    item: Mapped[str | None] = mapped_column(String(40))
    number: Mapped[float | None] = mapped_column(Numeric(12, 6))
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")


class Tally(db.Model):
    """A count kept as responses arrive: how many respondents of one profile gave one answer.

    The profile is the respondent's answers to the splitting questions (gender, age band, village;
    "" for no answer), so results for everyone or per group are sums over a few thousand rows
    whatever the number of responses. question_code "*" counts respondents; item "*" counts those
    who answered a question; value is a scale or rating (0 otherwise).
    """

    __tablename__ = "survey_tallies"

    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(40), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(40), primary_key=True)
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    question_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
