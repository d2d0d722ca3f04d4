"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _hasher.hash(password)


def verify(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """Return (matches, new hash when the stored one uses old parameters)."""
    try:
        _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(stored_hash):
        return True, _hasher.hash(password)
    return True, None


def burn_time(password: str) -> None:
    """Spend the time of one verification so unknown e-mails cannot be told apart by timing."""
    verify(_dummy_hash(), password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("cpplan-dummy-password")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Return the refused common passwords, lower-cased."""
    text = files("cpplan.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def problems(password: str, email: str = "") -> list:
    """Return the policy's complaints about a password (empty when it is acceptable)."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(_l("Use at least %(n)s characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        found.append(_l("Use at most %(n)s characters.", n=MAX_LENGTH))
    lowered = password.lower()
    local_part = email.split("@")[0].lower() if email else ""
    if lowered in common_passwords() or (local_part and lowered == local_part) or len(set(password)) < 3:
        found.append(_l("This password is too common or easy to guess; choose another."))
    return found
