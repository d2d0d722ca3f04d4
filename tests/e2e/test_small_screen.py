"""The smallest phones still in use: 320 px wide, in every language (long Kyrgyz and Russian words)."""
from __future__ import annotations

import pytest

from .walk import walk

pytestmark = pytest.mark.e2e

SMALL = {"width": 320, "height": 640}


@pytest.mark.parametrize("lang", ("en", "ky", "ru"))
def test_320_px_has_no_horizontal_scroll_and_44_px_targets(e2e_browser, e2e_server, lang):
    result = walk(e2e_browser, e2e_server.password, lang, admin=False, axe=False, viewport=SMALL, screen=SMALL)
    names = [p.name for p in result.pages]
    assert "landing page" in names and "planning guide" in names
    wrong = [f"{p.name} ({p.url}): {p.overflow}" for p in result.pages if p.overflow]
    wrong += [f"{p.name} ({p.url}): {t}" for p in result.pages for t in p.small_targets]
    assert not wrong, f"{len(wrong)} layout problems at 320 px in {lang}:\n" + "\n".join(wrong)
