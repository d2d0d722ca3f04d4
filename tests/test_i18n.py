"""Languages: locale selection, the switcher, formatting, multilingual fields and the catalogues."""
from __future__ import annotations

import gettext
import html
import io
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask_babel import force_locale, gettext as babel_gettext

from cpplan import i18n
from cpplan.accounts.models import User
from cpplan.config import LANGUAGES
from cpplan.extensions import db
from conftest import Auth, choose_language, create_municipality, create_user, csrf_token

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
CATALOGUES = ("ky", "ru", "en")


def page_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.get_data(as_text=True))
    assert match, "no <html lang> on the page"
    return match.group(1)


def h1(response) -> str:
    match = re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True), re.S)
    assert match, "no <h1> on the page"
    return html.unescape(match.group(1)).strip()


def translate(app, lang: str, msgid: str, **kw) -> str:
    """Return msgid as the app translates it into lang."""
    with app.test_request_context(), force_locale(lang):
        return babel_gettext(msgid, **kw)


# --- locale selection ------------------------------------------------------------------------

def test_default_locale_is_kyrgyz(client):
    assert page_lang(client.get("/")) == "ky"


def test_default_locale_follows_the_setting(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = "ru"
    assert page_lang(client.get("/")) == "ru"


@pytest.mark.parametrize("header, expected", [
    ("ru", "ru"),
    ("en-GB,en;q=0.9", "en"),
    ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
    ("de-DE,fr;q=0.8,en;q=0.5", "en"),
    ("de-DE,fr;q=0.8", "ky"),         # nothing we speak: the default
])
def test_accept_language_beats_the_default(client, header, expected):
    assert page_lang(client.get("/", headers={"Accept-Language": header})) == expected


def test_session_beats_accept_language(client):
    assert page_lang(client.get("/?lang=en")) == "en"
    assert page_lang(client.get("/", headers={"Accept-Language": "ru"})) == "en"


def test_query_beats_everything(app, client, auth, world):
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(email=world["users"]["member"])).locale = "ru"
        db.session.commit()
    client.get("/?lang=en")
    auth.login(world["users"]["member"])
    response = client.get("/?lang=ky", headers={"Accept-Language": "en"})
    assert page_lang(response) == "ky"


def test_user_preference_beats_session_and_accept_language(app, client, auth, world):
    with app.app_context():
        db.session.scalar(db.select(User).filter_by(email=world["users"]["member"])).locale = "ru"
        db.session.commit()
    auth.login(world["users"]["member"])         # no language chosen before: the preference stays
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "ru"   # the preference wins
    auth.logout()
    assert page_lang(client.get("/", headers={"Accept-Language": "ru"})) == "en"   # session again


def test_language_chosen_before_login_becomes_the_preference(app, client, auth, world):
    email = world["users"]["member"]
    client.get("/?lang=ru")
    auth.login(email)
    with client.session_transaction() as session:
        assert session["lang"] == "ru"           # the language survives the login...
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email=email)).locale == "ru"   # ...and is kept
    assert page_lang(client.get("/my", headers={"Accept-Language": "en"})) == "ru"


@pytest.mark.parametrize("query", ["lang=xx", "lang=", "lang=EN", "lang=en_US", "lang=%3Cscript%3E", "lang=ky-KG"])
def test_unknown_lang_is_ignored(client, query):
    response = client.get(f"/?{query}", headers={"Accept-Language": "ru"})
    assert response.status_code == 200
    assert page_lang(response) == "ru"
    with client.session_transaction() as session:
        assert "lang" not in session


def test_unknown_lang_falls_back_to_the_default(client):
    response = client.get("/?lang=xx")
    assert response.status_code == 200
    assert page_lang(response) == "ky"


def test_choosing_a_language_while_logged_in_becomes_the_preference(app, client, auth, world):
    email = world["users"]["facilitator"]
    auth.login(email)
    response = choose_language(client, "ru", "/my")
    assert response.status_code == 302 and response.headers["Location"] == "/my"
    assert page_lang(client.get("/my")) == "ru"
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email=email)).locale == "ru"
    # another device, with another browser language, gets the preference once logged in
    other = app.test_client()
    Auth(other).login(email)
    assert page_lang(other.get("/my", headers={"Accept-Language": "en"})) == "ru"


def test_lang_in_a_link_shows_the_page_but_keeps_the_preference(app, client, auth, world):
    email = world["users"]["facilitator"]
    auth.login(email)
    assert page_lang(client.get("/my?lang=ru")) == "ru"
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email=email)).locale == "en"
    assert page_lang(client.get("/my")) == "en"


@pytest.mark.parametrize("lang", ["xx", "", "EN", "<script>"])
def test_unknown_lang_does_not_change_the_preference(app, client, auth, world, lang):
    email = world["users"]["facilitator"]
    auth.login(email)
    assert choose_language(client, lang, "/my").status_code == 400
    assert client.get("/my?lang=xx").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(email=email)).locale == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_switcher_returns_only_to_this_site(client, target):
    token = csrf_token(client, "/login")
    response = client.post("/language", data={"lang": "ru", "next": target, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_translations_outside_a_request_use_the_default_locale(app):
    """CLI commands print lazy strings (e.g. the password policy's complaints) without a request."""
    from flask_babel import lazy_gettext
    with app.app_context():
        assert i18n.select_locale() == "ky"
        assert str(lazy_gettext("Log in")) == translate(app, "ky", "Log in")
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        assert i18n.select_locale() == "en"


# --- the language switcher -------------------------------------------------------------------

def switcher(response) -> tuple[str, list[str], list[str]]:
    """Return the switcher's return address, its language buttons and the pressed one."""
    text = response.get_data(as_text=True)
    form = re.search(r'<form method="post" action="/language" class="langs"[^>]*>(.*?)</form>', text, re.S)
    assert form, "no language switcher"
    next_url = re.search(r'name="next" value="([^"]*)"', form.group(1))
    assert next_url and 'name="csrf_token"' in form.group(1)
    buttons = re.findall(r'<button type="submit" name="lang" value="(\w+)" lang="(\w+)" aria-pressed="(\w+)"',
                         form.group(1))
    assert all(value == lang for value, lang, _pressed in buttons)
    return (html.unescape(next_url.group(1)), [value for value, _l, _p in buttons],
            [value for value, _l, pressed in buttons if pressed == "true"])


@pytest.mark.parametrize("path, args, status", [
    ("/", {}, 200),
    ("/", {"lang": ["ru"]}, 200),
    ("/login", {"next": ["/m/kyzyl-suu?x=1&y=2"]}, 200),
    ("/m/kyzyl-suu", {"tab": ["plan"], "q": ["a b", "ң ө ү"]}, 200),
    ("/m/no-such-place", {"page": ["2"]}, 404),
])
def test_switcher_returns_to_the_same_page(app, client, path, args, status):
    with app.app_context():
        create_municipality("kyzyl-suu")
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code == status
    next_url, buttons, _pressed = switcher(response)
    assert buttons == list(LANGUAGES)
    parts = urlsplit(next_url)
    assert not parts.scheme and not parts.netloc
    assert parts.path == path
    assert parse_qs(parts.query, keep_blank_values=True) == {k: v for k, v in args.items() if k != "lang"}


def test_switcher_marks_the_current_language(client):
    assert switcher(client.get("/?lang=ru"))[2] == ["ru"]


def test_switcher_on_pages_for_logged_in_users(client, auth, world):
    auth.login(world["users"]["coordinator"])
    for path in ("/my", f"/m/{world['home']}/group", f"/m/{world['home']}/members", "/account"):
        response = client.get(path)
        assert response.status_code == 200, path
        next_url, buttons, _pressed = switcher(response)
        assert next_url == path and buttons == list(LANGUAGES)


def test_pressing_the_switcher_changes_the_language(client):
    next_url, _buttons, _pressed = switcher(client.get("/login?next=/my"))
    response = choose_language(client, "ru", next_url)
    assert response.headers["Location"] == "/login?next=%2Fmy"
    assert page_lang(client.get(response.headers["Location"])) == "ru"


# --- formatting ------------------------------------------------------------------------------

def group_sign(locale: str) -> str:
    return Locale.parse(locale).number_symbols["latn"]["group"]


def test_kyrgyz_money_uses_som_and_the_kyrgyz_separators():
    text = i18n.format_money(Decimal("1234567.50"), "ky")
    sep = group_sign("ky")
    assert sep == "\u00a0"                     # CLDR: a non-breaking space groups thousands in Kyrgyz
    assert f"1{sep}234{sep}567,50" in text
    assert "сом" in text
    assert "KGS" not in text


def test_russian_money_uses_som_not_the_iso_code():
    text = i18n.format_money(Decimal("1234567.50"), "ru")
    assert "сом" in text
    assert "KGS" not in text
    sep = group_sign("ru")
    assert f"1{sep}234{sep}567,50" in text


def test_english_money_uses_the_iso_code():
    text = i18n.format_money(Decimal("1234567.50"), "en")
    assert "KGS" in text
    assert "1,234,567.50" in text
    assert "сом" not in text


@pytest.mark.parametrize("lang", CATALOGUES)
def test_money_is_decimal_exact(lang):
    decimal = "." if lang == "en" else ","
    assert f"0{decimal}30" in i18n.format_money(Decimal("0.10") + Decimal("0.20"), lang)
    # 17 significant digits: a float would print ...568.00
    big = i18n.format_money(Decimal("12345678901234567.01"), lang)
    assert re.sub(r"\D", "", big) == "1234567890123456701"
    assert i18n.format_money(None, lang) == ""
    assert re.sub(r"\D", "", i18n.format_money(1500, lang)) == "150000"


def test_money_and_numbers_follow_the_request_language(app):
    with app.test_request_context("/?lang=ru"):
        assert "сом" in i18n.format_money(Decimal("5"))
        assert i18n.format_number(24800) == f"24{group_sign('ru')}800"
    with app.test_request_context("/?lang=en"):
        assert "KGS" in i18n.format_money(Decimal("5"))
        assert i18n.format_number(24800) == "24,800"


def test_numbers_are_formatted_for_the_locale():
    assert i18n.format_number(1234567, "ky") == f"1{group_sign('ky')}234{group_sign('ky')}567"
    assert i18n.format_number(1234567, "en") == "1,234,567"
    assert i18n.format_number(Decimal("1234.5"), "ru") == f"1{group_sign('ru')}234,5"
    assert i18n.format_number(Decimal("1234.5"), "en") == "1,234.5"
    assert i18n.format_number(None, "en") == ""


@pytest.mark.parametrize("lang, month", [("ky", "ноябрь"), ("ru", "ноября"), ("en", "November")])
def test_dates_are_formatted_for_the_locale(app, lang, month):
    with app.test_request_context(f"/?lang={lang}"):
        text = i18n.format_day(date(2026, 11, 5), "long")
        assert month in text
        assert "2026" in text and "5" in text
        assert i18n.format_day(None) == ""


def test_template_filters_are_registered(app):
    with app.test_request_context("/?lang=ru"):
        template = app.jinja_env.from_string("{{ x|money }}|{{ n|number }}|{{ d|day('long') }}")
        out = template.render(x=Decimal("10.5"), n=1000, d=date(2026, 11, 5))
    money, number, day = out.split("|")
    assert "сом" in money and "10,50" in money
    assert number == f"1{group_sign('ru')}000"
    assert "ноября" in day


# --- multilingual fields ---------------------------------------------------------------------

def named(ky="", ru="", en=""):
    return SimpleNamespace(name_ky=ky, name_ru=ru, name_en=en)


def test_localized_uses_the_asked_language():
    obj = named("Кызыл-Суу ky", "Кызыл-Суу ru", "Kyzyl-Suu")
    assert i18n.localized(obj, "name", "ky") == "Кызыл-Суу ky"
    assert i18n.localized(obj, "name", "ru") == "Кызыл-Суу ru"
    assert i18n.localized(obj, "name", "en") == "Kyzyl-Suu"


@pytest.mark.parametrize("lang, values, expected", [
    ("ky", ("", "Рус", "Eng"), "Рус"),
    ("ky", ("", "", "Eng"), "Eng"),
    ("ru", ("Кыр", "", "Eng"), "Кыр"),
    ("ru", ("", "", "Eng"), "Eng"),
    ("en", ("Кыр", "Рус", ""), "Кыр"),
    ("en", ("", "Рус", ""), "Рус"),
    ("en", (None, None, ""), ""),
    ("ky", ("", "", ""), ""),
])
def test_localized_falls_back_through_the_other_languages(lang, values, expected):
    assert i18n.localized(named(*values), "name", lang) == expected


def test_localized_missing_attribute_is_empty():
    assert i18n.localized(SimpleNamespace(), "name", "ky") == ""


def test_localized_follows_the_request_language(app):
    obj = named("", "Рус", "Eng")
    with app.test_request_context("/?lang=en"):
        assert i18n.localized(obj, "name") == "Eng"
    with app.test_request_context("/?lang=ky"):
        assert i18n.localized(obj, "name") == "Рус"


def test_pages_show_names_in_the_page_language(client, world):
    assert ">Kyzyl-Suu<" in client.get("/?lang=en").get_data(as_text=True)
    assert ">Үч-Коргон<" in client.get("/?lang=ky").get_data(as_text=True)
    assert ">Уч-Коргон<" in client.get("/?lang=ru").get_data(as_text=True)


# --- the catalogues --------------------------------------------------------------------------

def ids(catalog) -> set:
    return {(m.context, m.id) for m in catalog if m.id}


@lru_cache(maxsize=None)
def catalogue(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fp:
        return read_po(fp, locale=lang)


def entries(lang: str):
    return [m for m in catalogue(lang) if m.id]


def test_messages_pot_is_up_to_date(tmp_path):
    """Extract the strings as `flask translate update` does and compare with the committed template."""
    out = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "--ignore-dirs=.* __pycache__ node_modules", "--no-wrap", "-o", str(out), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(out, "rb") as fp:
        fresh = read_po(fp)
    with open(TRANSLATIONS / "messages.pot", "rb") as fp:
        committed = read_po(fp)
    assert len(ids(fresh)) > 100
    missing, stale = ids(fresh) - ids(committed), ids(committed) - ids(fresh)
    assert not missing and not stale, (
        f"messages.pot is stale; run `flask --app cpplan translate update`. "
        f"Not in messages.pot: {sorted(map(str, missing))[:10]}; no longer in the code: {sorted(map(str, stale))[:10]}")


@pytest.mark.parametrize("lang", CATALOGUES)
def test_catalogue_has_every_message_of_the_template(lang):
    with open(TRANSLATIONS / "messages.pot", "rb") as fp:
        template = read_po(fp)
    assert ids(template) <= ids(catalogue(lang)), sorted(map(str, ids(template) - ids(catalogue(lang))))[:10]


@pytest.mark.parametrize("lang", CATALOGUES)
def test_catalogue_is_complete(lang):
    untranslated = [m.id for m in entries(lang)
                    if not (all(m.string) if isinstance(m.string, (list, tuple)) else m.string)]
    fuzzy = [m.id for m in entries(lang) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated in {lang}, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {lang}, e.g. {fuzzy[:5]}"
    assert not catalogue(lang).fuzzy, f"the {lang} catalogue header is marked fuzzy"


PLACEHOLDER = re.compile(r"%(?:%|\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa])")


def placeholders(text: str) -> tuple[set, int, int]:
    """Return the named placeholders, the number of %% and the number of positional placeholders."""
    names, percents, positional = set(), 0, 0
    for match in PLACEHOLDER.finditer(text):
        if match.group(0) == "%%":
            percents += 1
        elif match.group(1):
            names.add(match.group(1))
        else:
            positional += 1
    return names, percents, positional


def test_placeholder_parser():
    assert placeholders("Women %(w)s%%, men %(m)d%%") == ({"w", "m"}, 2, 0)
    assert placeholders("100%% of %s") == (set(), 1, 1)


@pytest.mark.parametrize("lang", CATALOGUES)
def test_translations_keep_the_placeholders(lang):
    wrong = []
    for m in entries(lang):
        if m.fuzzy:
            continue  # not compiled; test_catalogue_is_complete reports it
        sources = list(m.id) if isinstance(m.id, (list, tuple)) else [m.id]
        forms = list(m.string) if isinstance(m.string, (list, tuple)) else [m.string]
        expected = [placeholders(s) for s in sources]
        for form in forms:
            if not form:
                continue  # untranslated: test_catalogue_is_complete reports it
            got = placeholders(form)
            if isinstance(m.id, (list, tuple)):
                # a plural form may drop the count, but only names the source strings use
                names_ok = got[0] <= set().union(*(e[0] for e in expected))
                rest_ok = got[1:] in [e[1:] for e in expected]
                ok = names_ok and rest_ok
            else:
                ok = got == expected[0]
            if not ok:
                wrong.append((m.id, form))
    assert not wrong, f"placeholders differ in {lang}: {wrong[:5]}"


@pytest.mark.parametrize("lang", CATALOGUES)
def test_compiled_catalogue_matches_the_po_file(lang):
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang), use_fuzzy=False)
    buffer.seek(0)
    expected = gettext.GNUTranslations(buffer)._catalog
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as fp:
        on_disk = Translations(fp)._catalog
    expected = {k: v for k, v in expected.items() if k != ""}
    on_disk = {k: v for k, v in on_disk.items() if k != ""}
    assert on_disk == expected, (
        f"translations/{lang}/LC_MESSAGES/messages.mo is out of date; run `flask --app cpplan translate compile`. "
        f"{len(set(expected.items()) ^ set(on_disk.items()))} entries differ.")


def test_kyrgyz_catalogue_is_kyrgyz():
    strings = [m.string for m in entries("ky")]
    flat = [s for item in strings for s in (item if isinstance(item, (list, tuple)) else [item])]
    assert any(ch in s for s in flat for ch in "ңөүҢӨҮ"), "no ң, ө or ү anywhere in the Kyrgyz catalogue"
    same = [m.id for m in entries("ky") if m.string == m.id]
    assert len(same) < 0.05 * len(entries("ky")), f"{len(same)} Kyrgyz entries are the English text: {same[:10]}"


def test_russian_catalogue_is_russian():
    same = [m.id for m in entries("ru") if m.string == m.id]
    assert len(same) < 0.05 * len(entries("ru")), f"{len(same)} Russian entries are the English text: {same[:10]}"
    assert any(re.search("[а-яё]", s, re.I) for m in entries("ru") for s in
               (m.string if isinstance(m.string, (list, tuple)) else [m.string]))


# --- translated pages ------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_login_page_is_translated(app, client, lang):
    english = h1(client.get("/login?lang=en"))
    assert english == "Log in"
    heading = h1(client.get(f"/login?lang={lang}"))
    assert heading != english
    assert heading == translate(app, lang, "Log in")
    assert re.search("[а-яёңөү]", heading, re.I)


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_landing_page_is_translated(app, client, lang):
    text = html.unescape(client.get(f"/?lang={lang}").get_data(as_text=True))
    for msgid in ("Plan a safer community together", "The planning cycle", "Working group", "Log in"):
        translated = translate(app, lang, msgid)
        assert translated != msgid, f"{msgid!r} is not translated into {lang}"
        assert translated in text


def test_kyrgyz_and_russian_pages_differ(client):
    assert h1(client.get("/login?lang=ky")) != h1(client.get("/login?lang=ru"))


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_form_errors_are_translated(app, client, lang):
    client.get(f"/login?lang={lang}")
    response = client.post("/login", data={"csrf_token": csrf_token(client), "email": "", "password": ""})
    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    message = translate(app, lang, "Enter your e-mail address.")
    assert message != "Enter your e-mail address."
    assert message in text


def test_logged_in_user_gets_pages_in_the_preferred_language(app, client, auth, world):
    with app.app_context():
        create_user("ru.user@example.org", locale="ru")
    auth.login("ru.user@example.org")
    response = client.get("/my")
    assert page_lang(response) == "ru"
    assert h1(response) == translate(app, "ru", "My municipalities") != "My municipalities"
