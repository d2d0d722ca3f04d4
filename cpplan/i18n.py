"""Locale selection, formatting for the locale, and multilingual fields with fallback."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import format_currency, format_decimal, format_percent, get_decimal_symbol, get_group_symbol
from flask import current_app, has_request_context, request, session
from flask_babel import format_date as _format_date
from flask_babel import get_locale
from flask_login import current_user

from .config import LANGUAGES

LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
# Babel prints "KGS" for plain ru; ru_KG gives "сом" with the same Russian conventions.
FORMAT_LOCALES = {"ky": "ky", "ru": "ru_KG", "en": "en"}


def select_locale() -> str:
    """Return the request's language: ?lang= > user's preference > session > Accept-Language > default."""
    if not has_request_context():  # CLI commands and other work outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """Return the two-letter code of the language the page is rendered in."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]).split("_")[0]


def localized(obj, field: str, lang: str | None = None) -> str:
    """Return obj.<field>_<lang>, falling back through the other languages to ''."""
    lang = lang or current_language()
    order = [lang] + [code for code in LANGUAGES if code != lang]
    for code in order:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return value
    return ""


def format_money(amount: Decimal | int | None, lang: str | None = None) -> str:
    """Return an exact KGS amount formatted for the language ("сом" in ky and ru)."""
    if amount is None:
        return ""
    locale = FORMAT_LOCALES[lang or current_language()]
    return format_currency(Decimal(amount), "KGS", locale=locale)


def money_formatter(lang: str | None = None) -> Callable[[Decimal | int | None], str]:
    """Return a function formatting amounts exactly as format_money(amount, lang) does, for pages with thousands.

    Babel takes ≈ 0.1 ms an amount; this looks up the language's layout once (Babel's own output for a sample)
    and formats non-negative amounts with Python's grouping (ky, ru and en group by thousands), ≈ 50 times
    faster. Negative amounts, and a layout this does not recognise, go through format_money.
    """
    lang = lang or current_language()
    locale = FORMAT_LOCALES[lang]
    group, point = get_group_symbol(locale), get_decimal_symbol(locale)
    sample = format_currency(Decimal("1234567.89"), "KGS", locale=locale)
    number = f"1{group}234{group}567{point}89"
    if sample.count(number) != 1:
        return lambda amount: format_money(amount, lang)
    before, after = sample.split(number)
    signs = str.maketrans({",": group, ".": point})
    cent = Decimal("0.01")

    def formatted(amount: Decimal | int | None) -> str:
        if amount is None:
            return ""
        value = Decimal(amount)
        if value < 0:
            return format_money(value, lang)
        return f"{before}{format(value.quantize(cent, ROUND_HALF_EVEN), ',.2f').translate(signs)}{after}"

    return formatted


def format_number(value: int | Decimal | None, lang: str | None = None) -> str:
    """Return a number with the locale's grouping and decimal signs."""
    if value is None:
        return ""
    return format_decimal(value, locale=FORMAT_LOCALES[lang or current_language()])


def format_share(value: Decimal | None, lang: str | None = None) -> str:
    """Return a share (0..1) as a whole percentage in the locale's style ("43 %" in ru and ky), '' for None."""
    if value is None:
        return ""
    return format_percent(value, locale=FORMAT_LOCALES[lang or current_language()])


def format_day(value: date | datetime | None, style: str = "medium") -> str:
    """Return a date in the current locale's format."""
    return "" if value is None else _format_date(value, style)


def init_app(app) -> None:
    """Register the template helpers that format for the current language."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(money=format_money, number=format_number, day=format_day, share=format_share)
    app.jinja_env.globals.update(
        localized=localized, current_language=current_language,
        LANGUAGES=LANGUAGES, LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
