"""Text typed by anyone is shown as text on every page, document and map (the server-side sweep).

Both municipalities get every kind of object (villages, organisations, a working group, users, surveys with
answers and free-text answers, an issue of their own, priorities, meetings and votes, plans with issues,
measures, indicators, comments, audit notes, money from donors, progress with notes); then every free-text
column (String/Text) of every row is overwritten, found by introspecting the SQLAlchemy metadata, with a payload
naming its column, e.g. `</script><img src=x onerror=alert("plans.title_en")><svg onload=alert(1)>"'`${x}\\`.
Every GET page of every rule (access_cases.URLS), in both municipalities, is then requested as the site admin in
ky, ru and en, as the municipality's coordinator and anonymously where public: the maps (folium's script and the
point picker), the printable plan and funding brief (a draft's, and an adopted plan's in the three languages), the
JSON API. No page may carry the payload's markup unescaped, every JSON response must parse, and every poisoned
column must be seen, escaped, in some response (or be listed in NOT_SHOWN), so the test cannot pass by rendering
nothing.

The browser counterpart is tests/e2e/test_xss.py; the CSV, XLSX, PDF and DOCX files are checked by their own tests.
"""
from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest
import sqlalchemy as sa

import plan_factory
from access_cases import EXPECTED, RESULTS, URLS, Ctx, logged_in_client
from cpplan import demo
from cpplan.config import LANGUAGES
from cpplan.extensions import db

# Columns whose values the code treats as codes, not as text somebody typed: the app generates them, or accepts
# only values of a fixed list or format, and shows them through labels or not at all. Everything else of type
# String or Text is poisoned. test_exclusions_name_existing_columns keeps this list from rotting.
CODE_COLUMNS = {
    # Identifiers, secrets and fingerprints: generated, or validated to a strict format.
    "municipalities.slug": "the URL's short name, validated as [a-z0-9-]",
    "users.email": "the login, validated as an e-mail address",
    "users.password_hash": "an argon2 hash",
    "surveys.token": "the public form's random token, in its URL",
    "meeting_votes.code": "the ballot's random code, in its URL",
    "meeting_ballots.token_hash": "a SHA-256 of a device token",
    "survey_responses.uuid": "the client's uuid4, validated",
    "survey_responses.payload_sha256": "a SHA-256 of the answers",
    # Choices from fixed lists, validated by the forms and services, shown through translated labels.
    "users.locale": "a language code",
    "municipalities.region": "a region code (REGION_LABELS)",
    "municipalities.kind": "aiyl_aimak or town",
    "areas.kind": "village or ward",
    "organisations.kind": "an organisation kind (ORGANISATION_KIND_LABELS)",
    "memberships.role": "a role",
    "working_group_members.gender": "a gender code",
    "working_group_members.group_role": "chair, secretary or member",
    "surveys.round": "baseline or follow_up",
    "surveys.status": "draft, open or closed",
    "survey_responses.channel": "web, offline or paper",
    "meeting_votes.status": "open or closed",
    "meeting_attendance.gender": "a gender code",
    "meeting_attendance.age_band": "an age band code",
    "plans.status": "a workflow state",
    "plan_events.action": "a workflow action",
    "plan_events.from_state": "a workflow state",
    "plan_events.to_state": "a workflow state",
    "plan_measures.status": "a measure status (MEASURE_STATUS_LABELS)",
    "plan_measures.start": "YYYY-MM, validated (a quarter is stored as a month)",
    "plan_measures.end": "YYYY-MM, validated",
    "budget_allocations.source": "a source of money (budget.validation.SOURCES)",
    "indicator_values.source": "entry or survey (a check constraint)",
    # Keys of the questionnaire, the answers, the counts and the catalogues.
    "issues.code": "the issue's key in answers, counts and the measure library",
    "survey_questions.code": "the question's key in answers",
    "survey_questions.kind": "a question kind",
    "survey_questions.show_if_code": "a question code",
    "survey_questions.show_if_option": "an option code",
    "survey_options.code": "the option's key in answers",
    "survey_answers.question_code": "a question code",
    "survey_answers.item": "an option code, area id or issue code",
    "survey_tallies.gender": "an option code of the counts",
    "survey_tallies.age_band": "an option code of the counts",
    "survey_tallies.area": "an area id of the counts",
    "survey_tallies.question_code": "a question code of the counts",
    "survey_tallies.item": "an option code, area id or issue code of the counts",
    "plan_measures.library_code": "the measure library's key",
}

# Poisoned columns no response shows, and why. test_every_page_shows_text_as_text asserts this list is exact.
NOT_SHOWN: dict[str, str] = {}

# A page shows the name_ky, _ru or _en column of its own language: the admin, who sees every page, reads all three.
ROLE_LANGUAGES = {"admin": LANGUAGES, "coordinator": ("en",), "anonymous": ("en",)}
RESPONDENTS = 12  # more than the small-cell threshold (5): results, hotspots and comparisons are published
# Files, not pages: their text is checked by the exports' own tests (another sweep).
FILES = {"documents.plan_pdf", "documents.plan_docx", "documents.brief_pdf", "documents.brief_docx",
         "budget.plan_csv", "budget.plan_xlsx", "surveys.responses_csv", "results.survey_csv",
         "surveys.xlsform_download"}
MARKUP_TYPES = {"text/html", "image/svg+xml"}
JSON_ENDPOINTS = {endpoint for endpoint in URLS if endpoint.startswith("api.")} | {"meetings.totals", "web.healthz"}
# Responses that carry no text of the database at all (the favicon, the service worker).
PLAIN_TYPES = {"image/vnd.microsoft.icon", "image/x-icon", "text/javascript", "application/javascript", "text/plain"}

# ---------------------------------------------------------------------------------------------
# The payload.

CORE = '<img src=x onerror=alert("{tag}")>'
SHORT = '"><svg/onload=alert("{tag}")>'


def payload(tag: str, length: int | None) -> str:
    """Return the payload naming `tag`, as much as a column of `length` holds.

    The <img onerror> part comes first; then, while they fit, the `</script>` before it, the string and
    template-literal breakers after it, and an <svg onload>. A column too short for the <img> part (none so
    far: the shortest is plans.council_decision_number, 60) gets the shorter attribute breaker `"><svg/onload=`.
    """
    core = CORE.format(tag=tag)
    if length is not None and len(core) > length:
        short = SHORT.format(tag=tag)
        assert len(short) <= length, f"{tag}: column too short even for {short!r}"
        return short
    svg, breakers = "<svg onload=alert(1)>", "\"'`${x}\\"
    kept: list[str] = []
    for piece in ("</script>", breakers, svg):  # by preference
        if length is None or len(core) + sum(map(len, kept)) + len(piece) <= length:
            kept.append(piece)
    return "".join(piece for piece in ("</script>", core, svg, breakers) if piece == core or piece in kept)


SQUARE = {"type": "Polygon", "coordinates": [[[78.0, 42.3], [78.1, 42.3], [78.1, 42.4], [78.0, 42.4], [78.0, 42.3]]]}


def boundary(tag: str, _length: int | None) -> str:
    """Return a usable GeoJSON boundary with the payload in its properties (the map must drop them)."""
    return json.dumps({"type": "Feature", "properties": {"name": payload(tag, None)}, "geometry": SQUARE})


# Columns whose text must stay usable for the app to read it: still poisoned, in a form it accepts.
SPECIAL = {"municipalities.boundary_geojson": boundary}


def text_columns() -> dict[str, sa.Column]:
    """Return every String/Text column of the schema by "table.column"."""
    return {f"{table.name}.{column.name}": column for table in db.metadata.sorted_tables
            for column in table.columns if isinstance(column.type, (sa.String, sa.Text))}


def poisoned_columns() -> dict[str, sa.Column]:
    """Return the free-text columns: every String/Text column but CODE_COLUMNS."""
    return {name: column for name, column in text_columns().items() if name not in CODE_COLUMNS}


def poison(app) -> set[str]:
    """Overwrite every non-NULL value of every free-text column with its payload; return the columns written.

    A NULL stays NULL (e.g. the text of an answer that is not a free-text answer): the app writes none there.
    """
    written = set()
    with app.app_context():
        for name, column in poisoned_columns().items():
            value = SPECIAL.get(name, payload)(name, column.type.length)
            result = db.session.execute(column.table.update().where(column.is_not(None)).values({column.name: value}))
            if result.rowcount:
                written.add(name)
        db.session.commit()
        # An UPDATE statement passes by the ORM events that drop the landing page's cached list.
        app.extensions["cpplan.municipality_list"].clear()
    return written


# ---------------------------------------------------------------------------------------------
# What a response must not contain, and which columns it shows.

RAW = re.compile(r"<img\s+src=x|<svg[\s/]+onload", re.I)
IN_SCRIPT = re.compile(r"\\u003cimg\s+src=x|\\x3cimg\s+src=x|\$\{x\}", re.I)
# The payload's <img> escaped: HTML entities, JSON in a script, entities inside JSON (\u0026), JSON in an attribute.
SHOWN = re.compile(r"(?:&lt;|&#60;|\\u003c)img src=x onerror=alert\(\\?(?:&#34;|&quot;|\\u0022|\")"
                   r"([a-z_]+\.[a-z_]+)|&#34;&gt;&lt;svg/onload=alert\((?:&#34;|&quot;)([a-z_]+\.[a-z_]+)")
JSON_SHOWN = re.compile(r'<img src=x onerror=alert\(\\?"([a-z_]+\.[a-z_]+)|"><svg/onload=alert\("([a-z_]+\.[a-z_]+)')
# Data attributes our scripts hand to an HTML sink (the others they use as text: a share title, a status line).
DATA_AS_HTML = {"data-places": "point-picker.js gives to Leaflet tooltips, which are HTML"}
EXECUTABLE = {"", "text/javascript", "application/javascript", "module"}
# Map pages and the text their script (or the picker's data attribute) must carry, escaped: the maps' output is
# checked with the payload in it, not merely checked.
MAP_TEXT = {"measure_map.page": "plan_measures.title_{lang}", "overview.national": "municipalities.name_{lang}",
            "results.hotspots": "areas.name_{lang}", "plans.edit_measure": "areas.name_{lang}"}


class MarkupCheck(HTMLParser):
    """Parse a page as a browser would tokenize it; collect elements and attributes the payload could create."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.to_scripts: list[str] = []  # the text of inline scripts and of data attributes rendered as HTML
        self._script: str | None = None  # the type of the <script> being read
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>: an event-handler attribute")
            elif name in DATA_AS_HTML and value:
                self.to_scripts.append(value)
                if RAW.search(value):
                    self.problems.append(f"<{tag} {name}>: markup that {DATA_AS_HTML[name]}")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.problems.append("<img src=x> element")
        if tag == "script":
            self._script, self._text = (dict(attrs).get("type") or "").lower(), []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            text = "".join(self._text)
            if self._script in EXECUTABLE:
                self.to_scripts.append(text)
                if IN_SCRIPT.search(text):
                    self.problems.append(f"the payload unescaped in a script: {IN_SCRIPT.search(text).group(0)!r} "
                                         "(a string Leaflet shows as HTML, or a template literal)")
            self._script = None


def shown_in(text: str) -> set[str]:
    """Return the columns whose payload the markup or script text shows escaped (as text)."""
    return {a or b for a, b in SHOWN.findall(text.replace("\\u0026", "&"))}


def json_strings(value):
    """Yield every string (keys too) of a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def check(response) -> tuple[list[str], set[str], set[str]]:
    """Return what is wrong with a response, the columns it shows and the columns it gives its scripts."""
    kind, body = response.mimetype, response.get_data(as_text=True)
    if kind in MARKUP_TYPES:
        found = [f"raw {match.group(0)!r}: …{body[max(0, match.start() - 60):match.end() + 20]!r}"
                 for match in RAW.finditer(body)][:3]
        checker = MarkupCheck()
        checker.feed(body)
        checker.close()
        return found + checker.problems, shown_in(body), shown_in("\n".join(checker.to_scripts))
    if kind == "application/json":  # text in a JSON string is fine: our scripts show it as text
        try:
            data = json.loads(body)
        except ValueError as error:
            return [f"JSON that does not parse ({error})"], set(), set()
        return [], {a or b for text in json_strings(data) for a, b in JSON_SHOWN.findall(text)}, set()
    if kind in PLAIN_TYPES:
        return ([f"{kind} carries the database's text"] if "onerror=alert(" in body else []), set(), set()
    return [f"unexpected content type {response.content_type}"], set(), set()


# ---------------------------------------------------------------------------------------------
# The world.

def swapped(world: dict) -> dict:
    """Return the world fixture with the two municipalities' places exchanged (Ctx then works on the other)."""
    return {**world, "home": world["other"], "other": world["home"],
            "home_id": world["other_id"], "other_id": world["home_id"]}


def answers(n: int, areas: list[int]) -> dict:
    """Return the n-th respondent's answers: every question, a free-text suggestion, one unsafe village."""
    return {"consent": "yes", "gender": ("female", "male")[n % 2], "age_band": "30_44", "area": str(areas[n % 2]),
            "safe_day": 4, "safe_night": 2, "issue_seriousness": {"road_safety": 5, "livestock_theft": 3},
            "victimisation": ["none"], "unsafe_area": str(areas[0]), "trust_police": 3, "trust_inspector": 4,
            "safer": f"More street lights, please ({n})."}


def enrich(c: Ctx) -> int:
    """Give c.home every kind of object the pages show, around the objects the URLs point at, and an adopted plan
    made as the demo's are; return that plan's id."""
    from cpplan.budget.models import Allocation, Expenditure
    from cpplan.budget.progress import IndicatorValue, MeasureProgress
    from cpplan.municipalities.models import Area
    from cpplan.plans.models import Indicator, Plan, PlanComment, PlanEvent
    from cpplan.surveys import catalogue, services
    from cpplan.surveys.models import Survey

    with c.app.app_context():
        m = c._municipality(c.home)
        m.district_en, m.referral_en = "Jeti-Oguz district", "Police: 102"
        m.boundary_geojson = json.dumps(SQUARE)
        for n in (1, 2):
            m.areas.append(Area(kind="village", name_en=f"Village {n}", lat=m.lat + 0.02 * n, lon=m.lon + 0.02 * n))
        plan_factory.working_group(m)
        catalogue.add_own(m.id, ("Ит", "Собаки", "Stray dogs"), ("", "", "Packs near the school."), False)
        demo.build_priority_ratings(m)
        demo.build_meeting(m)  # a closed dot-vote with attendance, ballots and a show of hands
        db.session.commit()
        adopted = plan_factory.make_plan(m.id, status="adopted", council=("7/1", date(2026, 2, 1)))

        areas = [a.id for a in m.areas if a.lat is not None]
        for survey in db.session.scalars(sa.select(Survey).filter_by(municipality_id=m.id)).all():
            if survey.status != "draft":
                for n in range(RESPONDENTS):
                    services.submit(survey, str(uuid.uuid4()), answers(n, areas), "web")

        author = c.user_id(c.world["users"]["admin"])
        orgs = plan_factory.organisations(m)
        for plan in db.session.scalars(sa.select(Plan).filter_by(municipality_id=m.id)).all():
            plan.council_decision_number = plan.council_decision_number or "3/2"
            plan.events.append(PlanEvent(action="submit", from_state="draft", to_state="submitted",
                                         note="Sent for review.", user_id=author))
            db.session.add(PlanComment(plan_id=plan.id, user_id=author, body="Looks good."))
            for n, measure in enumerate(plan.measures):
                measure.area_id = areas[n % len(areas)]
                measure.lead, measure.partners = orgs["police"], [orgs["school"], orgs["ngo"]]
                measure.cost = measure.cost or Decimal("12000.50")
                if not measure.indicators:
                    measure.indicators.append(Indicator(position=0, name="Accidents", unit="cases", baseline="9",
                                                        target="3", source="Police records"))
                db.session.flush()
                year = plan.first_year
                db.session.add_all([
                    Allocation(measure_id=measure.id, source="donor", donor_name="UNDP", year=year,
                               amount=Decimal("5000"), decision_ref="Grant 12", decided_on=date(year, 2, 1)),
                    Allocation(measure_id=measure.id, source="local_budget", year=year, amount=Decimal("3000"),
                               decision_ref="Council 4/1"),
                    Expenditure(measure_id=measure.id, spent_on=date(year, 4, 1), amount=Decimal("1500"),
                                purpose="Paint", document_ref="Invoice 7"),
                    MeasureProgress(measure_id=measure.id, percent_complete=40),
                    PlanComment(plan_id=plan.id, measure_id=measure.id, user_id=author, body="Before the gate."),
                    *(IndicatorValue(indicator_id=indicator.id, measured_on=date(year, 6, 1), value=Decimal("5"),
                                     note="Counted by the school.") for indicator in measure.indicators)])
        db.session.commit()
    return adopted


# ---------------------------------------------------------------------------------------------
# The sweep.

class Get(NamedTuple):
    """A GET request of the sweep: who sends it ("" for anonymous), what, and the endpoint and language."""

    email: str
    url: str
    endpoint: str
    role: str
    lang: str
    follow: bool = False  # a redirect to the page to check (/results sends to the latest survey's)

    def __str__(self) -> str:
        return f"{self.endpoint} as {self.role} in {self.lang}: {self.url}"


def page_requests(c: Ctx, coordinator: str) -> list[Get]:
    """Return a GET of every page of c.home's URLs for every role that may read it, in its languages (the objects
    the URLs point at are made here)."""
    users = {"admin": c.world["users"]["admin"], "coordinator": coordinator, "anonymous": ""}
    wanted = []
    for endpoint, make_url in URLS.items():
        if endpoint in FILES:
            continue
        url = make_url(c)
        for role, langs in ROLE_LANGUAGES.items():
            expected = EXPECTED[endpoint][role]
            if expected in (200, RESULTS):
                wanted += [Get(users[role], f"{url}?lang={lang}", endpoint, role, lang, expected == RESULTS)
                           for lang in langs]
    return wanted


def document_requests(c: Ctx, plan: int) -> list[Get]:
    """Return a GET of the plan's printable plan and funding brief in every language (the URLs' documents are a
    draft's: this plan is adopted, with a council decision, leads and partners from the library)."""
    return [Get(c.world["users"]["admin"], f"/m/{c.home}/plans/{plan}/{path}?lang={lang}", endpoint, "admin", lang)
            for path, endpoint in (("document", "documents.plan_page"), ("brief", "documents.brief_page"))
            for lang in LANGUAGES]


@pytest.fixture
def poisoned(app, world):
    """Return (the requests to make, the columns written) in a world where every free-text value is a payload."""
    home, other = Ctx(app, world), Ctx(app, swapped(world))
    wanted = page_requests(home, world["users"]["coordinator"]) + page_requests(other, world["users"]["outsider"])
    wanted += document_requests(home, enrich(home)) + document_requests(other, enrich(other))
    return wanted, poison(app)


def test_every_page_shows_text_as_text(app, poisoned):
    """Text typed by anyone is shown as text on every page, document and map, and is plain text in the JSON."""
    wanted, written = poisoned
    clients, problems, shown, counted = {}, [], set(), defaultdict(int)
    for get in wanted:
        if get.email not in clients:
            clients[get.email] = logged_in_client(app, get.email or None)
        response = clients[get.email].get(get.url, follow_redirects=get.follow)
        if response.status_code != 200:
            problems.append(f"{get}: answered {response.status_code}")
            continue
        counted[response.mimetype] += 1
        if (get.endpoint in JSON_ENDPOINTS) != (response.mimetype == "application/json"):
            problems.append(f"{get}: answered {response.content_type}")
        found, columns, to_scripts = check(response)
        problems += [f"{get}: {problem}" for problem in found]
        shown |= columns
        if get.endpoint in MAP_TEXT and MAP_TEXT[get.endpoint].format(lang=get.lang) not in to_scripts:
            problems.append(f"{get}: the map does not carry {MAP_TEXT[get.endpoint].format(lang=get.lang)}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
    assert counted["text/html"] > 300 and counted["application/json"] > 10, counted

    assert shown <= written, f"columns shown but never written: {shown - written}"
    with app.app_context():
        lacking = sorted(set(poisoned_columns()) - written)
    assert not lacking, f"columns with no row to poison (the world lacks them): {lacking}"
    never = written - shown
    assert never == set(NOT_SHOWN), (
        f"poisoned columns shown nowhere (show them, or list them in NOT_SHOWN with the reason): "
        f"{sorted(never - set(NOT_SHOWN))}; listed in NOT_SHOWN but shown: {sorted(set(NOT_SHOWN) - never)}")


def test_exclusions_name_existing_columns(app):
    """CODE_COLUMNS, SPECIAL and NOT_SHOWN name only existing String/Text columns, SPECIAL and NOT_SHOWN only
    poisoned ones; every poisoned column holds at least the payload's <img onerror> part."""
    with app.app_context():
        columns, poisoned_now = text_columns(), poisoned_columns()
    assert set(CODE_COLUMNS) <= set(columns), sorted(set(CODE_COLUMNS) - set(columns))
    listed = set(SPECIAL) | set(NOT_SHOWN)
    assert listed <= set(poisoned_now), sorted(listed - set(poisoned_now))
    for name, column in poisoned_now.items():
        value = SPECIAL.get(name, payload)(name, column.type.length)
        assert column.type.length is None or len(value) <= column.type.length, name
        texts = list(json_strings(json.loads(value))) if name in SPECIAL else [value]  # the GeoJSON's strings
        assert any(CORE.format(tag=name) in text or SHORT.format(tag=name) in text for text in texts), name


def test_payload_is_the_whole_attack_where_it_fits():
    """A column gets as much of the attack as it holds, the <img onerror> part first."""
    assert payload("t.c", None) == '</script><img src=x onerror=alert("t.c")><svg onload=alert(1)>"\'`${x}\\'
    assert payload("plans.council_decision_number", 60) == '<img src=x onerror=alert("plans.council_decision_number")>'
    assert payload("a.b", 30) == '"><svg/onload=alert("a.b")>'


def test_our_scripts_put_no_text_into_markup():
    """The JSON responses may hold `<`: our scripts show their strings as text, never through an HTML sink."""
    sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write")
    allowed = {"upload-progress.js": "writes the server's own (escaped) HTML page after an upload"}
    found = {path.name for path in (Path(__file__).parents[2] / "static" / "js").glob("*.js")
             if sinks.search(path.read_text(encoding="utf-8"))}
    assert found == set(allowed), found
