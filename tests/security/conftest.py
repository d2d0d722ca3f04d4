"""Fixtures shared by the security suite: the access tables' world (Ctx) and one client per role."""
from __future__ import annotations

import pytest

from access_cases import ROLES, Ctx, logged_in_client


@pytest.fixture
def ctx(app, world):
    return Ctx(app, world)


@pytest.fixture
def clients(app, world):
    """One client per role, logged in once."""
    return {role: logged_in_client(app, None if role == "anonymous" else world["users"][role]) for role in ROLES}
