"""Hypothesis fuzzing of every form and of the JSON API: bad input never gets a 500.

For every rule accepting POST (the tables of tests/access_cases.py), a role allowed to post sends variations of
the table's valid request, with a valid CSRF token: fields replaced by arbitrary or hostile text, numbers and dates
at the edges, ids of missing or foreign objects, fields left out, repeated or added, files and JSON bodies mangled.
The promise is "never 5xx" (a first example may well be valid and change the database: that is fine); on the
way the fuzzing checks that it still gets in (the session and the CSRF token hold) and that no page shows Python's
own error text as a message. Each failure shows the request and the app's logged traceback.
"""
from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access_cases import (CSRF_EXEMPT, CSRF_MESSAGE, EXPECTED, EXPECTED_POST, OK, POSTS, URLS, Upload,
                          allowed_role, logged_in_client, page_text, post_endpoints, snapshot, token_for)
from cpplan.extensions import limiter

FUZZED = sorted(EXPECTED_POST)
# Derandomized: every run (CI included) sends the same examples, so a failure reproduces exactly, and a
# colleague's run is not slower or flakier than yours. To explore further locally, set CPPLAN_FUZZ_RANDOM=1
# (a new random seed per run) and raise CPPLAN_FUZZ_EXAMPLES; add what you find as an explicit case.
EXAMPLES = int(os.environ.get("CPPLAN_FUZZ_EXAMPLES", "20"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("CPPLAN_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False)

# Requests that start or end the session they are sent in (and so its CSRF token): each example gets a fresh client.
NEW_SESSION = {"accounts.login", "accounts.logout"}
# Requests that renew the session (and its CSRF token) of the logged-in user: a new token for each example.
RENEWS_SESSION = {"accounts.change_password"}

# --- the adversarial values --------------------------------------------------------------------------------

KYRGYZ = "Ңөү ңөү Кыргызстан"
HOSTILE = [
    KYRGYZ, "\x00", "ң\x00ө", "\u202eRTL\u202c", "\u200f\u200e", "\ufeff", "\r\n", "\t", "\x1b[31m", "\x7f",
    "<script>alert(1)</script>", "' OR 1=1 --", "%s %(name)s {0} {{ 7*7 }}", "../../etc/passwd", "😀👩‍👩‍👧",
    "\u0301", "Ǆ", "ß", "İ", "\u00a0", "\u2028", " ", "null", "None", "true", "[]", "{}",
]
NUMBERS = ["-1", "0", "1", "1e309", "-1e309", "NaN", "nan", "inf", "-inf", "Infinity", "99999999999999999999.999",
           "1,5", " 7 ", "1 000", "1_000", "0x10", "+5", "-0", "007", "1e-400", "0.000000001", "²", "١٢٣", "７",
           "9" * 400, "2147483648", "9223372036854775808", "-9223372036854775809", "1.5", "12,345.67", "1.2.3"]
DATES = ["0000-00-00", "9999-12-31", "2024-02-30", "0001-01-01", "10000-01-01", "2024-13-01", "2024-00-10",
         "2024-1-1", "31.12.2026", "2026-03-15T25:61", "2026-Q5", "2026-Q0", "2026-00", "2026-13", "-2026-01",
         "1900-02-29", "2026/03/15", "2026-03", "2026"]
# One of them is sent in each field alone, in turn.
ALONE = ["-1", "0", "9" * 400, "9" * 5000, "1e309", "NaN", "2024-02-30", "9999-12-31", "0000-00-00", "1,5", " 7 ",
         "2147483648", "99999999999999999999.999", "Ңө" + "a" * 9_998, "\u202e", "<b>ң</b>"]
# Python's own error texts, which must never reach a page as a form message.
PYTHON_ERRORS = ("Traceback (most recent call last)", "set_int_max_str_digits", "invalid literal for int()",
                 "could not convert string to float")
LENGTHS = [1, 2, 33, 64, 65, 100, 101, 128, 129, 200, 201, 255, 256, 300, 301, 500, 501, 2000, 2001, 4096, 10_000]


def foreign_ids(ctx) -> list[str]:
    """Ids that name nothing, or an object of the other municipality (each a form value or an address part)."""
    return [str(i) for i in (ctx.other_org, ctx.other_member, ctx.other_area, ctx.other_membership,
                             ctx.home_org, ctx.home_area, ctx.viewer_id, 0, 999_999, 2**31 - 1, 2**31, 2**63)]


def texts() -> st.SearchStrategy[str]:
    """Arbitrary text: any code point (control characters and NUL included), and hostile fragments."""
    any_text = st.text(st.characters(codec="utf-8"), max_size=40)
    pieces = st.lists(st.one_of(st.sampled_from(HOSTILE), any_text), min_size=1, max_size=4).map("".join)
    return st.one_of(any_text, pieces)


def long_texts() -> st.SearchStrategy[str]:
    """Text of up to 10,000 characters, around the column limits."""
    units = st.sampled_from(["a", "ң", "7", "\x00", KYRGYZ, "\u202e", "[", '{"a":'])  # "[": JSON nested 10k deep
    return st.builds(lambda unit, size: (unit * size)[:size], units,
                     st.one_of(st.sampled_from(LENGTHS), st.integers(1, 10_000)))


def values(plausible: list[str], ids: list[str]) -> st.SearchStrategy[str]:
    """One form value: hostile text, an edge number or date, an id, "", or a value the page itself offers."""
    return st.one_of(texts(), long_texts(), st.sampled_from(NUMBERS), st.sampled_from(DATES), st.sampled_from(ids),
                     st.just(""), st.sampled_from(plausible or [""]))


@dataclass
class Variation:
    """A mangled request: the form fields (a value or a list of values each), or a JSON body, and the address."""

    url: str
    data: dict = field(default_factory=dict)
    json_body: object = None
    raw_body: bytes | None = None

    def describe(self) -> str:
        shown = {k: (v if not isinstance(v, str) or len(v) < 80 else f"{v[:60]!r}...({len(v)} chars)")
                 for k, v in self.data.items()}
        body = self.raw_body[:200] if self.raw_body is not None else self.json_body
        return f"POST {self.url} data={shown!r} json={str(body)[:300]}"

    __repr__ = describe  # how Hypothesis shows the failing example


def integer_parts(url: str) -> list[int]:
    """Return the indexes of the address's path segments that are ids."""
    return [i for i, part in enumerate(url.split("/")) if part.isdigit()]


@st.composite
def addresses(draw, url: str, ids: list[str]) -> str:
    """The request's own address, or (now and then) one of its ids swapped for a missing or foreign one."""
    parts = url.split("/")
    spots = integer_parts(url)
    # One time in 8; Hypothesis starts from (and favours) the first choice, so that is the address left alone.
    if spots and draw(st.sampled_from([False] * 7 + [True])):
        parts[draw(st.sampled_from(spots))] = draw(st.sampled_from(ids))
    return "/".join(parts)


def files() -> st.SearchStrategy:
    """An upload: arbitrary bytes, or CSV text with the export's columns and hostile cells, under odd names."""
    names = st.sampled_from(["export.csv", "export.xlsx", "export.CSV", "ң.csv", "a.csv.exe", "../export.csv",
                             ".csv", "export", "x" * 300 + ".csv"])
    cells = st.one_of(texts(), st.sampled_from(NUMBERS + DATES + ["yes", "no", str(uuid.uuid4())]))
    rows = st.lists(st.lists(cells, min_size=1, max_size=5), max_size=5)
    csv_text = st.builds(lambda header, body: "\n".join([header] + [",".join(r) for r in body]),
                         st.sampled_from(["consent,_uuid", "_uuid", "", "consent,consent", "gender,_uuid,age"]), rows)
    content = st.one_of(st.binary(max_size=2000),
                        csv_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                        csv_text.map(lambda t: t.encode("utf-16")),
                        st.just(b"PK\x03\x04" + b"\x00" * 100))  # the start of a zip (an .xlsx) and nothing more
    return st.builds(lambda body, filename: (Upload(body), filename), content, names)


@st.composite
def form_variations(draw, base, fields: list[str], plausible: list[str], ids: list[str]) -> Variation:
    """A copy of the valid form with 1 to 4 of its fields replaced, left out or repeated, and unknown fields added."""
    data = dict(base.data)
    value = values(plausible, ids)
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True)) if fields else []
    for name in chosen:
        action = draw(st.sampled_from(["replace", "replace", "replace", "leave out", "repeat"]))
        if action == "leave out":
            data.pop(name, None)
        elif action == "repeat":
            data[name] = draw(st.lists(value, min_size=2, max_size=3))
        elif isinstance(base.data.get(name), tuple):  # a file field: another file, or text instead of a file
            data[name] = draw(st.one_of(files(), value))
        else:
            data[name] = draw(value)
    extra_names = st.one_of(texts(), st.sampled_from([f"{f}-0" for f in fields] + ["a.unknown", "d.unknown",
                                                                                     "issue_99", "indicators-99-name"]))
    for name, extra in draw(st.dictionaries(extra_names, value, max_size=2)).items():
        if name and not name.endswith("csrf_token") and name not in data:
            data[name] = extra
    return Variation(draw(addresses(base.url, ids)), data)


def json_values() -> st.SearchStrategy:
    """Any JSON value: wrong types, nesting, huge numbers, hostile strings."""
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
                        st.floats(allow_nan=False, allow_infinity=False), texts(), long_texts(),
                        st.sampled_from(["yes", "no", "female", "1", "5", "road_safety"]))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(texts(), inner, max_size=4)), max_leaves=12)


@st.composite
def json_variations(draw, base, codes: list[str], ids: list[str]) -> Variation:
    """The valid JSON body with keys replaced, left out or added, or another JSON value altogether."""
    shape = draw(st.sampled_from(["mangled", "mangled", "mangled", "answers", "other"]))
    body: object = json.loads(json.dumps(base.json))
    if shape == "other":
        body = draw(json_values())
    elif shape == "answers":  # the answers object with hostile values for the questionnaire's real codes
        body["answers"] = draw(st.dictionaries(st.sampled_from(codes) | texts(), json_values(), max_size=6))
    else:
        for key in draw(st.lists(st.sampled_from(["uuid", "answers", "channel"]), min_size=1, unique=True)):
            if draw(st.booleans()):
                body.pop(key, None)
            else:
                body[key] = draw(json_values())
        body.update(draw(st.dictionaries(texts(), json_values(), max_size=2)))
    return Variation(draw(addresses(base.url, ids)), json_body=body)


# --- sending and checking -----------------------------------------------------------------------------------

class Errors(logging.Handler):
    """Keep the app's logged errors (the 500 handler logs the traceback) to show them when a check fails."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))


@pytest.fixture
def app_errors(app):
    handler = Errors()
    handler.setFormatter(logging.Formatter("%(message)s"))
    app.logger.addHandler(handler)
    yield handler
    app.logger.removeHandler(handler)


def page_names(client, url: str) -> tuple[list[str], list[str]]:
    """Return the names of the fields of the page's forms and the values they offer (options, hidden values)."""
    response = client.get(url)
    if response.status_code != 200 or response.mimetype != "text/html":
        return [], []
    page = page_text(response)
    names = set(re.findall(r'<(?:input|select|textarea|button)\b[^>]*\bname="([^"]+)"', page))
    offered = set(re.findall(r'\bvalue="([^"]*)"', page))
    token = set(re.findall(r'name="[^"]*csrf_token"[^>]*value="([^"]*)"', page))
    return sorted(n for n in names if not n.endswith("csrf_token")), sorted(offered - token)


def check(response, variation: Variation, endpoint: str, role: str, errors: Errors) -> None:
    """Fail on a 5xx (with the logged traceback), a lost session or a refused CSRF token: the fuzzing must get in."""
    errors_seen, errors.seen[:] = list(errors.seen), []
    assert response.status_code < 500, (
        f"{endpoint} as {role} answered {response.status_code} to\n{variation.describe()}\n"
        + "\n".join(errors_seen)[-4000:])
    if endpoint in CSRF_EXEMPT:  # the JSON API: every answer, refusals included, is JSON
        assert response.mimetype == "application/json", f"{endpoint}: {response.mimetype}\n{variation.describe()}"
        return
    location = response.headers.get("Location", "")
    assert not location.startswith("/login"), f"{endpoint}: the session was lost, the fuzzing no longer gets in"
    page = page_text(response)
    assert CSRF_MESSAGE not in page, f"{endpoint}: the CSRF token was refused\n{variation.describe()}"
    for leak in PYTHON_ERRORS:  # an exception's own English text shown as if it were a form message
        assert leak not in page, f"{endpoint} shows Python's error text {leak!r}\n{variation.describe()}"


def explicit_form_cases(base, fields: list[str]) -> list[Variation]:
    """The cases named in the brief, sent every run whatever Hypothesis draws: each to every field at once."""
    everywhere = {
        "NUL": "ң\x00ө", "10,000 characters": "Ңө" + "a" * 9_998, "1e309": "1e309", "NaN": "NaN",
        "a number beyond a float": "9" * 400, "a number beyond Python's int()": "9" * 5000,
        "out-of-range date": "2024-02-30", "empty": "", "spaces only": " \r\n\t",
        "control characters": "\x01\x02\x1b\x7f\u202e",
        "JSON nested too deep to decode": "[" * 20_000,
    }
    cases = []
    for value in everywhere.values():
        data = dict(base.data)
        for name in fields:
            if not isinstance(base.data.get(name), tuple):
                data[name] = value
        cases.append(Variation(base.url, data))
    for index in ("9" * 5000, str(2**31), "0" * 50 + "1", "²", "١"):  # repeated rows ("indicators-0-name") far away
        renamed = {re.sub(r"\d+", index, name): value for name, value in base.data.items()}
        if renamed.keys() != base.data.keys():
            cases.append(Variation(base.url, {**base.data, **renamed}))
    # Odd field names: a multipart part named "\r" reaches Flask with the name None; NUL in a name.
    cases.append(Variation(base.url, {**base.data, "\r": "", "": "x", " ": "", "\u202e": ""}))
    cases.append(Variation(base.url, {**base.data, "\x00": "", "ң\x00": "x"}))
    cases.append(Variation(base.url, {}))  # every field left out (the CSRF token alone)
    # Each field alone, the others valid (a form with one bad choice never reaches the view): spaces only, which
    # InputRequired takes for an answer, and one edge value in turn.
    for n, name in enumerate(f for f in fields if not isinstance(base.data.get(f), tuple)):
        for value in (" \r\n", ALONE[n % len(ALONE)]):
            cases.append(Variation(base.url, {**base.data, name: value}))
    repeated = {name: ["0", "-1"] for name in fields if not isinstance(base.data.get(name), tuple)}
    cases.append(Variation(base.url, {**base.data, **repeated}))
    return cases


def explicit_json_cases(base) -> list[Variation]:
    """Bodies no JSON generator draws by chance: not JSON, too deep, too big, NaN, a huge answer list."""
    valid = base.json
    raw = [b"", b"not json", b"{", b"\xff\xfe", b'{"uuid": NaN, "answers": Infinity}', b"[" * 60_000,
           b'{"a":' * 10_000 + b"1" + b"}" * 10_000, json.dumps({**valid, "answers": {"consent": ["yes"] * 10_000}})
           .encode(), json.dumps(list(range(20_000))).encode(), b'"' + "ң".encode() * 100 + b'"',
           json.dumps({**valid, "uuid": valid["uuid"].upper()}).encode(), b'{"uuid": 1, "uuid": 2}']
    bodies = [None, 0, "", [], {}, [valid], {"uuid": valid["uuid"]}, {"answers": valid["answers"]},
              {**valid, "answers": None}, {**valid, "answers": []}, {**valid, "uuid": 12345},
              {**valid, "uuid": {"$ne": None}}, {**valid, "channel": ["web"]},
              {**valid, "answers": {"consent": "yes", "age": 10**30, "gender": {"a": {"b": []}}}}]
    return [Variation(base.url, raw_body=b) for b in raw] + [Variation(base.url, json_body=b) for b in bodies]


def send(client, variation: Variation, base, token: str | None):
    if variation.raw_body is not None:
        return client.post(variation.url, data=variation.raw_body, content_type="application/json")
    if base.json is not None:
        return client.post(variation.url, json=variation.json_body)
    data = dict(variation.data)
    if token is not None:
        data[base.csrf_field] = token
    return client.post(variation.url, data=data)


def test_every_post_rule_is_fuzzed(app):
    """Every form is fuzzed: the fuzzed endpoints are exactly the app's POST rules (a new form cannot escape)."""
    assert set(FUZZED) == post_endpoints(app), (
        f"add to POSTS/EXPECTED_POST in tests/access_cases.py: {sorted(post_endpoints(app) - set(FUZZED))}")
    assert all(EXPECTED_POST[endpoint][allowed_role(endpoint)] == OK for endpoint in FUZZED)


@pytest.mark.parametrize("endpoint", FUZZED)
def test_every_form_answers_bad_input_with_4xx_or_the_form_never_500(app, world, ctx, app_errors, endpoint):
    """Every form answers bad input with 4xx or a re-shown form, never 500 (the JSON API: 4xx JSON, never 500)."""
    role = allowed_role(endpoint)
    email = None if role == "anonymous" else world["users"][role]
    client = logged_in_client(app, email)
    base = POSTS[endpoint](ctx, role)  # built once: every call makes fresh targets
    ids = foreign_ids(ctx)

    def client_and_token():
        if endpoint in NEW_SESSION:
            limiter.reset()  # one login per example: stay under the login route's rate limit
            fresh = logged_in_client(app, email)
            return fresh, token_for(fresh, role)
        if endpoint in RENEWS_SESSION:
            return client, token_for(client, role)
        return client, token

    token = None if endpoint in CSRF_EXEMPT else token_for(client, role)
    if base.json is not None:
        codes = [q["code"] for q in client.get(base.url.rsplit("/", 1)[0]).get_json()["questions"]]
        cases, strategy = explicit_json_cases(base), json_variations(base, codes, ids)
    else:
        names, plausible = ([], []) if EXPECTED[endpoint][role] != 200 else page_names(client, URLS[endpoint](ctx))
        fields = sorted(set(base.data) | set(names))
        plausible = sorted(set(plausible) | {v for v in base.data.values() if isinstance(v, str)})
        cases, strategy = explicit_form_cases(base, fields), form_variations(base, fields, plausible, ids)

    def attempt(variation: Variation) -> None:
        sender, csrf = client_and_token()
        check(send(sender, variation, base, csrf), variation, endpoint, role, app_errors)

    for case in cases:
        attempt(case)

    @FUZZ_SETTINGS
    @given(variation=strategy)
    def fuzz(variation: Variation) -> None:
        attempt(variation)

    fuzz()


NUL_MESSAGE = ("The form contained an invisible control character (NUL) that cannot be saved, so nothing was saved. "
               "Remove it and send the form again.")


@pytest.mark.parametrize("endpoint, name", [("surveys.referral", "referral_en"), ("plans.comment", "body"),
                                            ("admin.add_membership", "email")])
@pytest.mark.parametrize("where", ["value", "name"])
def test_a_nul_character_in_a_form_is_a_clear_400_and_nothing_is_saved(app, world, ctx, endpoint, name, where):
    """A NUL character in a field (or its name) is refused with a message: PostgreSQL cannot store it (it was a 500)."""
    role = allowed_role(endpoint)
    client = logged_in_client(app, world["users"][role])
    request = POSTS[endpoint](ctx, role)
    data = {**request.data, name: request.data[name] + "\x00"} if where == "value" else {**request.data, "x\x00": ""}
    before = snapshot(app)
    response = client.post(request.url, data={**data, request.csrf_field: token_for(client, role)})
    assert response.status_code == 400
    assert NUL_MESSAGE in page_text(response)
    assert snapshot(app) == before and not request.effect()
