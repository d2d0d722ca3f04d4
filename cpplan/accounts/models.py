"""The User model."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from . import passwords


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(timezone.utc)


class User(UserMixin, db.Model):
    """A person who logs in: site admin or member of one or more municipalities."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: the unique index makes e-mails unique case-insensitively.
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="ky")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_dt: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, server_default=func.now())
    last_login_dt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @staticmethod
    def normalize_email(email: str) -> str:
        """Return the e-mail as stored: trimmed and lower-cased."""
        return (email or "").strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.is_active_account)

    def set_password(self, password: str) -> None:
        """Hash and store a new password (the caller checks the policy first)."""
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        """Return True when the password matches; rehash if the parameters changed."""
        ok, new_hash = passwords.verify(self.password_hash, password)
        if ok and new_hash:
            self.password_hash = new_hash
        return ok

    def get_id(self) -> str:
        """Return the session identity: id and session version, so a version bump logs out."""
        return f"{self.id}:{self.session_version}"

    def end_other_sessions(self) -> None:
        """Invalidate every session of this user (the caller logs the current one in again)."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self) -> str:
        return f"<User {self.email}>"
