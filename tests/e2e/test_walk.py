"""The Pixel 5 walk in Kyrgyz, Russian and English: accessibility, language, layout, network."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .checks import CYRILLIC, KYRGYZ_LETTERS

pytestmark = pytest.mark.e2e

LANGS = ("en", "ky", "ru")


def problems(lines: list[str], what: str) -> str:
    return f"{len(lines)} {what}:\n" + "\n".join(lines)


@pytest.mark.parametrize("lang", LANGS)
def test_axe_finds_no_violations(e2e_walks, lang):
    walk = e2e_walks(lang)
    failures = [f"=== {p.name} ({p.url})\n{p.axe}" for p in walk.pages if p.axe]
    assert not failures, problems(failures, f"pages with axe-core violations in {lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_pages_are_in_the_chosen_language(e2e_walks, lang):
    walk = e2e_walks(lang)
    assert len(walk.pages) == 31
    wrong = []
    for p in walk.pages:
        if p.lang != lang:
            wrong.append(f"{p.name}: <html lang={p.lang!r}>")
        if lang == "en":
            if p.marker != p.english:
                wrong.append(f"{p.name}: {p.marker!r} where the walk expected {p.english!r}")
            continue
        if p.marker == p.english or not CYRILLIC.search(p.marker):
            wrong.append(f"{p.name}: {p.marker!r} is not translated")
        if lang == "ky" and not KYRGYZ_LETTERS.search(p.body):
            wrong.append(f"{p.name}: no ң, ө or ү anywhere on the page")
    assert not wrong, problems(wrong, f"pages not in {lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_login_page_heading_differs_from_english(e2e_walks, lang):
    login = next(p for p in e2e_walks(lang).pages if p.name == "login page")
    english = next(p for p in e2e_walks("en").pages if p.name == "login page")
    assert (login.marker == english.marker) == (lang == "en"), (login.marker, english.marker)
    assert (login.title == english.title) == (lang == "en"), (login.title, english.title)


@pytest.mark.parametrize("lang", LANGS)
def test_no_horizontal_scroll(e2e_walks, lang):
    walk = e2e_walks(lang)
    wrong = [f"{p.name} ({p.url}): {p.overflow}" for p in walk.pages if p.overflow]
    assert not wrong, problems(wrong, f"pages wider than the Pixel 5 screen in {lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_tap_targets_are_44_px(e2e_walks, lang):
    walk = e2e_walks(lang)
    wrong = [f"{p.name} ({p.url}): {t}" for p in walk.pages for t in p.small_targets]
    assert not wrong, problems(wrong, f"controls smaller than 44 x 44 px in {lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_answers_as_expected(e2e_walks, lang):
    walk = e2e_walks(lang)
    assert [(p.name, p.status) for p in walk.pages if p.status != 200] == [("page not found", 404)]


def test_requests_stay_on_127_0_0_1(e2e_walks, e2e_server):
    requests = [url for lang in LANGS for url in e2e_walks(lang).requests]
    assert any(urlsplit(url).path == "/static/css/app.css" for url in requests), "the walk recorded no requests"
    elsewhere = sorted({url for url in requests
                        if urlsplit(url).scheme != "data" and urlsplit(url).hostname != "127.0.0.1"})
    assert not elsewhere, problems(elsewhere, "requests to other hosts")


def test_no_console_errors(e2e_walks):
    errors = [e for lang in LANGS for e in e2e_walks(lang).console_errors
              # Chromium reports the 404 status of the missing page itself as a console error.
              if "status of 404" not in e]
    assert not errors, problems(errors, "console errors (CSP violations, failing scripts...)")
