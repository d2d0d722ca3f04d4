"""Checks run inside a page: horizontal overflow, tap-target sizes, language, axe-core; polling a script."""
from __future__ import annotations

import re
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from babel.support import Translations

from .conftest import TIMEOUT_MS

MIN_TARGET = 44  # px, the app's rule for anything tapped
# Controls that must be tap-sized. Inline links in running text are exempt; a link that is the
# whole text of its block (a "standalone" link) is not, and is added by the script below.
TARGETS = "a.button, button, .menu a, .langs a, .cards a, .crumbs a, .brand, input, select, textarea"
KYRGYZ_LETTERS = re.compile("[ңөүҢӨҮ]")
CYRILLIC = re.compile("[а-яёА-ЯЁ]")

_axe = Axe()

OVERFLOW_JS = """() => {
  const root = document.documentElement, limit = root.clientWidth + 0.5;
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right > limit && r.width > 0 && ![...el.children].some(c => c.getBoundingClientRect().right > limit)) {
      offenders.push(`<${el.tagName.toLowerCase()} class="${el.className}"> right=${Math.round(r.right)}: `
                     + (el.textContent || '').trim().slice(0, 60));
      if (offenders.length >= 5) break;
    }
  }
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, offenders};
}"""

TAP_TARGETS_JS = """([selector, minimum]) => {
  const found = new Set();
  for (const root of document.querySelectorAll('header, main')) {
    root.querySelectorAll(selector).forEach(el => found.add(el));
    root.querySelectorAll('a').forEach(a => {
      if (a.parentElement && a.parentElement.textContent.trim() === a.textContent.trim()) found.add(a);
    });
  }
  const small = [];
  for (const el of found) {
    if (el.type === 'hidden') continue;
    // A checkbox is tapped through its label.
    const target = el.matches('input[type=checkbox], input[type=radio]') ? (el.closest('label') || el) : el;
    const r = target.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not displayed
    if (r.height < minimum - 0.5 || r.width < minimum - 0.5) {
      small.push(`${Math.round(r.width)}x${Math.round(r.height)} ${el.outerHTML.replace(/\\s+/g, ' ').slice(0, 140)}`);
    }
  }
  return small;
}"""


def horizontal_overflow(page) -> str | None:
    """Return a description of the horizontal scroll, or None when the page fits its width."""
    data = page.evaluate(OVERFLOW_JS)
    width = min(data["innerWidth"], page.viewport_size["width"])
    if data["scrollWidth"] <= width:
        return None
    return (f"scrollWidth {data['scrollWidth']} > width {width}; widest elements: "
            + "; ".join(data["offenders"]))


def small_tap_targets(page) -> list[str]:
    """Return the controls in the header and main content smaller than 44 x 44 px."""
    return page.evaluate(TAP_TARGETS_JS, [TARGETS, MIN_TARGET])


def axe_report(page) -> str:
    """Run axe-core on the page; return its report, or '' when there are no violations."""
    results = _axe.run(page)
    return results.generate_report() if results.violations_count else ""


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def translated(message: str, lang: str) -> str:
    """Return the message as the compiled catalogue of lang has it (English when untranslated)."""
    return Translations.load(str(Path(__file__).resolve().parents[2] / "translations"), [lang]).gettext(message)


def poll(page, script: str, until, what: str):
    """Evaluate script until until(value) holds (wait_for_function evaluates a string, which the CSP refuses)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        value = page.evaluate(script)
        if until(value):
            return value
        assert time.monotonic() < deadline, f"{what}: still {value!r}"
        page.wait_for_timeout(100)
