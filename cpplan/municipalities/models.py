"""Municipality, Area, Organisation, WorkingGroupMember and Membership."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db

KINDS = ("town", "aiyl_aimak")
REGIONS = ("batken", "chui", "issyk_kul", "jalal_abad", "naryn", "osh", "talas", "bishkek_city", "osh_city")
AREA_KINDS = ("village", "ward")
ROLES = ("coordinator", "facilitator", "member", "police", "viewer")
ORGANISATION_KINDS = ("local_government", "council", "police", "school", "womens_council",
                      "youth_committee", "ngo", "health_centre", "religious", "media", "other")
GENDERS = ("female", "male", "unspecified")
GROUP_ROLES = ("chair", "secretary", "member")


class Named:
    """Names in Kyrgyz, Russian and English, shown through i18n.localized() with fallback."""

    name_ky: Mapped[str] = mapped_column(String(160), default="")
    name_ru: Mapped[str] = mapped_column(String(160), default="")
    name_en: Mapped[str] = mapped_column(String(160), default="")


class Municipality(Named, db.Model):
    """A town or aiyl aimak that plans crime prevention."""

    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    region: Mapped[str] = mapped_column(String(20))
    district_ky: Mapped[str] = mapped_column(String(120), default="")
    district_ru: Mapped[str] = mapped_column(String(120), default="")
    district_en: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(20), default="aiyl_aimak")
    population: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    # Where respondents can get help (hotlines, services), shown at the end of every survey.
    referral_ky: Mapped[str] = mapped_column(Text, default="", server_default="")
    referral_ru: Mapped[str] = mapped_column(Text, default="", server_default="")
    referral_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())

    areas: Mapped[list[Area]] = relationship(back_populates="municipality", cascade="all, delete-orphan",
                                             order_by="Area.name_en")
    organisations: Mapped[list[Organisation]] = relationship(back_populates="municipality",
                                                             cascade="all, delete-orphan",
                                                             order_by="Organisation.id")
    group_members: Mapped[list[WorkingGroupMember]] = relationship(back_populates="municipality",
                                                                   cascade="all, delete-orphan",
                                                                   order_by="WorkingGroupMember.id")
    memberships: Mapped[list[Membership]] = relationship(back_populates="municipality",
                                                         cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Municipality {self.slug}>"


class Area(Named, db.Model):
    """A village or ward of a municipality."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="village")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)

    municipality: Mapped[Municipality] = relationship(back_populates="areas")


class Organisation(Named, db.Model):
    """An organisation of the municipality that plans name as lead or partner."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="other")

    municipality: Mapped[Municipality] = relationship(back_populates="organisations")


class WorkingGroupMember(db.Model):
    """A person on the working group's roster (most have no account)."""

    __tablename__ = "working_group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    position: Mapped[str] = mapped_column(String(120), default="")
    gender: Mapped[str] = mapped_column(String(12), default="unspecified")
    group_role: Mapped[str] = mapped_column(String(12), default="member")

    municipality: Mapped[Municipality] = relationship(back_populates="group_members")
    organisation: Mapped[Organisation | None] = relationship()


class Membership(db.Model):
    """A user's role in one municipality."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "municipality_id", name="uq_membership_user_municipality"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))

    user: Mapped[User] = relationship()
    municipality: Mapped[Municipality] = relationship(back_populates="memberships")
