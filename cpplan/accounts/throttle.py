"""Login throttling per account and per client, in the rate-limit storage (memory or Redis)."""
from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from ..extensions import limiter

# One shared address can hide a whole village behind mobile NAT, so a client gets more tries.
CLIENT_FACTOR = 4


def _rules() -> tuple[RateLimitItemPerMinute, RateLimitItemPerMinute]:
    cfg = current_app.config
    failures, minutes = cfg["CPPLAN_LOGIN_MAX_FAILURES"], cfg["CPPLAN_LOGIN_WINDOW_MINUTES"]
    return (RateLimitItemPerMinute(failures, minutes),
            RateLimitItemPerMinute(failures * CLIENT_FACTOR, minutes))


def _keys(email: str, client: str) -> tuple[str, str]:
    # Hash the e-mail so the storage never holds addresses (unknown ones included).
    digest = hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]
    return f"account:{digest}", f"client:{client}"


def _strategy() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(limiter.storage)


def wait_seconds(email: str, client: str) -> int:
    """Return how many seconds this account or client must wait (0 when it may try now)."""
    strategy = _strategy()
    wait = 0.0
    for item, key in zip(_rules(), _keys(email, client)):
        if not strategy.test(item, "login", key):
            reset = strategy.get_window_stats(item, "login", key).reset_time
            wait = max(wait, reset - time.time())
    return max(1, math.ceil(wait)) if wait > 0 else 0


def record_failure(email: str, client: str) -> None:
    """Count one failed login against the account and the client."""
    strategy = _strategy()
    for item, key in zip(_rules(), _keys(email, client)):
        strategy.hit(item, "login", key)


def clear_account(email: str, client: str) -> None:
    """Forget the account's failures after a successful login."""
    _strategy().clear(_rules()[0], "login", _keys(email, client)[0])
