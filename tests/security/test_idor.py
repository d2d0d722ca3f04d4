"""No insecure direct object references: another municipality's object ids never work under your municipality's address.

The sweep covers every rule of the URL map whose address names a municipality (<slug>) and one or more of its
objects (<int:...> ids, a version number). For each, the same kind of object is made in both municipalities,
kyzyl-suu ("home", whose roles are the world's users) and uch-korgon ("other", whose coordinator is the
"outsider"), and each address is sent with the other municipality's ids, alone and in every mix with its own:

- GET: the home slug with uch-korgon's ids, for the public, a viewer, the coordinator and the site admin; the
  other slug with kyzyl-suu's ids, for the outsider, the public and the site admin. The admin may read both
  municipalities, but an address that mixes them is inconsistent: it is 404, never the other's data.
- POST: the same mixes with a valid CSRF token and the otherwise valid body of access_cases.POSTS; the whole
  database must be unchanged afterwards.
- Sanity: the same ids under their own municipality's address give what access_cases.EXPECTED / EXPECTED_POST
  say (and the POST its change), so the test cannot pass because the ids are simply wrong.

What a refused address answers (the decision): an id of another municipality answers exactly like an id that
does not exist. A role that the rule allows in the address's municipality gets 404. A role that the rule refuses
there gets the same answer it gets for a missing id: mostly its refusal, as the role is checked before the
object is looked up (403, or the login page; the admin pages refuse the coordinators 403), and 404 where the page
may be public and looks the object up first (a survey's results, an adopted plan's budget and progress). Either
way the answer never tells whether the other municipality has such an object.

Ids inside request bodies count too: every select, hidden or free field that names an object (organisation,
area, measure, survey, meeting, issue code, response uuid) is sent with the other municipality's value on a
home form; it is refused (a form error, 400, 404, 409 or 422 as listed in BODY_CASES) or, for fields that are
named by the object rather than holding it, ignored, and nothing is written. One test lists the forms' select,
hidden and number fields, another the URL map's rules, so that a new field or rule cannot escape the sweep.
"""
from __future__ import annotations

import dataclasses
import fnmatch
import html
import inspect
import itertools
import pkgutil
import uuid
from dataclasses import dataclass
from typing import Callable

import pytest
from wtforms import Form, HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.fields.core import UnboundField

import cpplan
from access_cases import (EXPECTED, EXPECTED_POST, OK, POSTS, Ctx, Post, Upload, logged_in_client, new_indicator,
                          new_meeting, new_plan, new_vote, outcome, page_text, rated_follow_up_survey, snapshot,
                          token_for, translated)
from cpplan.extensions import db

MISSING = 2_000_000_000   # an id no table has (and still below the API's 32-bit bound)
MARK = "Foreign7c1e"      # written into the other municipality's names: it must never show under the home address
ACTORS = ("anonymous", "viewer", "coordinator", "admin", "outsider")
# (role, municipality of the address). The outsider is uch-korgon's coordinator.
GET_ACTORS = (("anonymous", "home"), ("viewer", "home"), ("coordinator", "home"), ("admin", "home"),
              ("admin", "other"), ("outsider", "other"), ("anonymous", "other"))
# Who checks that the ids work under their own address: a role of each municipality, the admin, the public.
GET_SANITY = (("anonymous", "home"), ("coordinator", "home"), ("admin", "other"), ("outsider", "other"))
# POST: the roles that may write, in both directions, and a viewer whom the role check refuses first.
POST_ACTORS = (("viewer", "home"), ("coordinator", "home"), ("admin", "home"), ("admin", "other"),
               ("outsider", "other"))

# Rules whose address holds an object id but names no municipality: there is no municipality in the address
# for an object to contradict, so they are outside this sweep (their access is test_access's).
EXCLUDED = {
    "admin.user": "a user account is site-wide, not a municipality's; site admins only",
    "admin.add_membership": "a user account is site-wide; site admins give roles in any municipality",
    "admin.delete_membership": "a membership addressed by id alone; site admins only",
    "api.plan": "a plan addressed by its id alone; its own municipality decides who sees it (test_open_api)",
    "api.plan_budget": "as api.plan",
    "api.get_survey": "the unguessable survey token is the only key and credential (no municipality in it)",
    "api.submit_response": "as api.get_survey (its body ids are swept in BODY_CASES)",
    "survey_form.form": "as api.get_survey (its body ids are swept in BODY_CASES)",
    "survey_form.thanks": "as api.get_survey",
    "survey_form.offline_app": "as api.get_survey",
    "meetings.ballot": "the unguessable vote code is the only key (its body's issue codes are in BODY_CASES)",
    "meetings.thanks": "as meetings.ballot",
    "meetings.qr": "as meetings.ballot",
    "meetings.screen": "as meetings.ballot",
    "meetings.totals": "as meetings.ballot",
}
# Address parts that name no object of a municipality ("*": in every rule). Every other part names one.
NOT_OBJECTS = {
    ("*", "slug"): "the municipality itself",
    ("*", "lang"): "a language of the plan's documents",
    ("surveys.edit_question", "code"): "a question's code inside the survey named by survey_id",
}


# ---------------------------------------------------------------------------------------------------------
# The objects each rule addresses, made in either municipality.

def _marked(c: Ctx) -> None:
    """Write MARK into the names of the other municipality's objects (plans, measures, meetings, people...)."""
    from cpplan.municipalities.models import Area, Organisation, WorkingGroupMember
    from cpplan.plans.models import Measure, Plan, PlanIssue
    from cpplan.priorities.meetings import Meeting
    from cpplan.surveys.models import Survey

    other = c.world["other_id"]
    languages = ("ky", "ru", "en")
    with c.app.app_context():
        plans = db.select(Plan.id).filter_by(municipality_id=other).scalar_subquery()
        for model, fields, scope in (
                (Plan, [f"title_{x}" for x in languages], Plan.municipality_id == other),
                (Measure, [f"title_{x}" for x in languages], Measure.plan_id.in_(plans)),
                (PlanIssue, [f"problem_{x}" for x in languages], PlanIssue.plan_id.in_(plans)),
                (Survey, [f"title_{x}" for x in languages], Survey.municipality_id == other),
                (Meeting, ["place"], Meeting.municipality_id == other),
                (Organisation, [f"name_{x}" for x in languages], Organisation.municipality_id == other),
                (Area, [f"name_{x}" for x in languages], Area.municipality_id == other),
                (WorkingGroupMember, ["name"], WorkingGroupMember.municipality_id == other)):
            db.session.execute(db.update(model).where(scope).values({f: MARK for f in fields}))
        db.session.commit()


def _survey(status: str) -> Callable[[Ctx, str], dict]:
    return lambda c, slug: {"survey_id": c.new_survey(slug, status)[0], "code": "gender"}


def _draft(c: Ctx, slug: str) -> dict:
    plan, issue, measure = new_plan(c, "draft", slug)
    return {"plan_id": plan, "issue_id": issue, "measure_id": measure, "lang": "en"}


def _adopted(c: Ctx, slug: str) -> dict:
    plan, issue, measure = new_plan(c, "adopted", slug)
    return {"plan_id": plan, "issue_id": issue, "measure_id": measure, "indicator_id": new_indicator(c, measure)}


def _from_survey(c: Ctx, slug: str) -> dict:
    """An adopted plan's survey-share indicator and a closed follow-up survey with a published figure."""
    return {**_adopted(c, slug), "survey": rated_follow_up_survey(c, slug)}


def _second_version(c: Ctx, slug: str) -> dict:
    """A draft version 2 made from an adopted version 1 (what the compare page shows)."""
    from cpplan.plans.models import Plan

    first, second = new_plan(c, "adopted", slug)[0], new_plan(c, "draft", slug)[0]
    with c.app.app_context():
        plan = db.session.get(Plan, second)
        plan.previous_id, plan.version = first, 2
        db.session.commit()
    return {"plan_id": second}


def _public_version(c: Ctx, slug: str) -> dict:
    """An adopted plan numbered 1 at home and 2 in the other municipality: the other's number names nothing here."""
    from cpplan.plans.models import Plan

    version = 1 if slug == c.home else 2
    plan_id = new_plan(c, "adopted", slug)[0]
    with c.app.app_context():
        db.session.get(Plan, plan_id).version = version
        db.session.commit()
    return {"version": version}


def _vote(c: Ctx, slug: str) -> dict:
    meeting, vote, _code = new_vote(c, "open", slug)
    return {"meeting_id": meeting, "vote_id": vote}


# For every covered rule: make, in the municipality of slug, objects of the kind the rule's page or form works on
# (the kind access_cases uses), and return the address's values plus the ids a valid body names.
OBJECTS: dict[str, Callable[[Ctx, str], dict]] = {
    "municipalities.group_member": lambda c, slug: {"member_id": c.new_group_member(slug)},
    "municipalities.delete_group_member": lambda c, slug: {"member_id": c.new_group_member(slug)},
    "municipalities.organisation": lambda c, slug: {"org_id": c.new_org(slug)},
    "municipalities.delete_organisation": lambda c, slug: {"org_id": c.new_org(slug)},
    "municipalities.change_role": lambda c, slug: {"membership_id": c.new_user("viewer", slug)[2]},
    "municipalities.remove_member": lambda c, slug: {"membership_id": c.new_user("viewer", slug)[2]},
    "admin.area": lambda c, slug: {"area_id": c.new_area(slug)},
    "admin.delete_area": lambda c, slug: {"area_id": c.new_area(slug)},
    "surveys.detail": _survey("open"),
    "surveys.open_": _survey("draft"),
    "surveys.close": _survey("open"),
    "surveys.edit_question": _survey("open"),
    "surveys.xlsform_download": _survey("open"),
    "surveys.import_kobo": _survey("open"),
    "surveys.qr": _survey("open"),
    "surveys.paper": _survey("open"),
    "surveys.responses_table": _survey("open"),
    "surveys.responses_csv": _survey("open"),
    "results.survey": _survey("open"),
    "results.survey_csv": _survey("open"),
    "results.hotspots": _survey("open"),
    "api.survey_results": _survey("closed"),
    "meetings.detail": lambda c, slug: {"meeting_id": new_meeting(c, slug)},
    "meetings.edit": lambda c, slug: {"meeting_id": new_meeting(c, slug)},
    "meetings.open_vote": lambda c, slug: {"meeting_id": new_meeting(c, slug)},
    "meetings.vote": _vote,
    "meetings.hands": _vote,
    "meetings.close_vote": _vote,
    "plans.detail": _draft,
    "plans.edit": _draft,
    "plans.edit_issue": _draft,
    "plans.new_measure": _draft,
    "plans.edit_measure": _draft,
    "plans.transition": _draft,
    "plans.comment": _draft,
    "plans.log": _draft,
    "plans.compare": _second_version,
    "plans.new_version": _adopted,
    "plans.public_version": _public_version,
    "documents.plan_page": _draft,
    "documents.plan_pdf": _draft,
    "documents.plan_docx": _draft,
    "documents.brief_page": _draft,
    "documents.brief_pdf": _draft,
    "documents.brief_docx": _draft,
    "budget.plan": _adopted,
    "budget.plan_csv": _adopted,
    "budget.plan_xlsx": _adopted,
    "budget.measure": _adopted,
    "budget.add_allocation": _adopted,
    "budget.add_expenditure": _adopted,
    "progress.page": _adopted,
    "progress.status": _adopted,
    "progress.add_value": _adopted,
    "progress.from_survey": _from_survey,
}


def _change_role_body(request: Post, ids: dict) -> Post:
    """The role form is prefixed with the membership id of the address (r<id>-role)."""
    mid = ids["membership_id"]
    return dataclasses.replace(request, data={f"r{mid}-role": "member"}, csrf_field=f"r{mid}-csrf_token")


# Body fields of access_cases' valid requests that name an object of the address's municipality.
BODY_IDS = {"plans.comment": ("measure_id",), "progress.from_survey": ("survey",)}


def _body_ids(request: Post, ids: dict, endpoint: str) -> Post:
    """Return the request with the body's id fields (BODY_IDS) taken from ids."""
    fields = BODY_IDS.get(endpoint, ())
    return dataclasses.replace(request, data={**request.data, **{f: str(ids[f]) for f in fields}})


# The body of a POST that must match the objects of its address: rewritten for every address sent.
BODY_FOR: dict[str, Callable[[Post, dict], Post]] = {"municipalities.change_role": _change_role_body}


# ---------------------------------------------------------------------------------------------------------
# Addresses.

def _rules(app) -> dict:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def id_arguments(rule) -> tuple[str, ...]:
    """Return the address parts of the rule that name an object (ids, version numbers, tokens, codes)."""
    return tuple(sorted(name for name in rule.arguments
                        if (rule.endpoint, name) not in NOT_OBJECTS and ("*", name) not in NOT_OBJECTS))


def _mixes(arguments: tuple[str, ...]):
    """Yield every non-empty set of the arguments to take from the other municipality."""
    for n in range(1, len(arguments) + 1):
        yield from (set(chosen) for chosen in itertools.combinations(arguments, n))


def _address(app, rule, slug: str, own: dict, foreign: dict, taken: set) -> str:
    """Return the rule's address under slug, the arguments in taken from foreign, the others from own."""
    values = {name: (foreign if name in taken else own)[name] for name in rule.arguments if name != "slug"}
    return app.url_map.bind("localhost").build(rule.endpoint, {"slug": slug, **values})


def _missing(values: dict, arguments: tuple[str, ...]) -> dict:
    return {**values, **{name: MISSING for name in arguments}}


def _text(response) -> str:
    """Return the body as text, whatever it is (a PDF or workbook too), to look for MARK in it."""
    return html.unescape(response.get_data().decode("utf-8", "replace"))


def _slug(c: Ctx, side: str) -> str:
    return c.home if side == "home" else c.other


def _role_there(role: str) -> str:
    """The outsider is a coordinator in the other municipality: the tables' coordinator column is theirs."""
    return "coordinator" if role == "outsider" else role


@pytest.fixture
def actors(app, world) -> dict:
    """One client per role of the sweep, logged in once."""
    return {role: logged_in_client(app, None if role == "anonymous" else world["users"][role]) for role in ACTORS}


GET_RULES = sorted(ep for ep in OBJECTS if set(EXPECTED[ep].values()) != {405})
POST_RULES = sorted(ep for ep in OBJECTS if ep in EXPECTED_POST)


# ---------------------------------------------------------------------------------------------------------
# The rule list cannot fall behind the app.

def test_every_rule_with_an_object_id_is_swept_or_excluded(app):
    """Every rule whose address names an object is swept (with a municipality) or excluded with a reason."""
    rules = _rules(app)
    with_ids = {ep for ep, rule in rules.items() if id_arguments(rule)}
    with_slug = {ep for ep, rule in rules.items() if "slug" in rule.arguments}
    assert set(EXCLUDED) <= set(rules), f"not rules: {sorted(set(EXCLUDED) - set(rules))}"
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert {ep for ep, _arg in NOT_OBJECTS} - {"*"} <= set(rules)
    assert all(any(arg in rules[ep].arguments for ep in (rules if scope == "*" else [scope]))
               for scope, arg in NOT_OBJECTS), "NOT_OBJECTS names an address part no rule has"
    assert set(OBJECTS) == with_ids & with_slug, (
        f"add to OBJECTS: {sorted((with_ids & with_slug) - set(OBJECTS))}; remove: {sorted(set(OBJECTS) - with_ids)}")
    assert set(EXCLUDED) == with_ids - with_slug, (
        f"sweep or exclude (with a reason): {sorted(with_ids - with_slug - set(EXCLUDED))}; "
        f"not excludable: {sorted(set(EXCLUDED) - (with_ids - with_slug))}")
    assert set(GET_RULES) | set(POST_RULES) == set(OBJECTS)
    assert set(POST_RULES) == {ep for ep in OBJECTS if "POST" in rules[ep].methods}
    assert set(GET_RULES) == {ep for ep in OBJECTS if "GET" in rules[ep].methods}
    assert set(BODY_FOR) | set(BODY_IDS) <= set(POST_RULES)


# ---------------------------------------------------------------------------------------------------------
# GET

@pytest.mark.parametrize("endpoint", GET_RULES)
def test_get_with_another_municipality_ids_is_404(app, ctx, actors, endpoint):
    """Another municipality's ids under your address answer 404 (as a missing id), and never show its data."""
    rule = _rules(app)[endpoint]
    arguments = id_arguments(rule)
    ids = {"home": OBJECTS[endpoint](ctx, ctx.home), "other": OBJECTS[endpoint](ctx, ctx.other)}
    _marked(ctx)
    assert all(ids["home"][a] != ids["other"][a] for a in arguments), endpoint
    wrong = []
    for role, side in GET_ACTORS:
        client, slug = actors[role], _slug(ctx, side)
        own, foreign = ids[side], ids["other" if side == "home" else "home"]
        allowed = EXPECTED[endpoint][_role_there(role)]
        if (role, side) in GET_SANITY:  # the ids are right: under their own address they work as the tables say
            url = _address(app, rule, slug, own, own, set())
            got = outcome(client.get(url))
            if got != allowed:
                wrong.append(f"GET {url} as {role} (own ids): expected {allowed}, got {got}")
        for taken in _mixes(arguments):
            url = _address(app, rule, slug, own, foreign, taken)
            response = client.get(url)
            got = outcome(response)
            if allowed == 200:
                expected = 404
            else:
                expected = outcome(client.get(_address(app, rule, slug, own, _missing(foreign, arguments), taken)))
            if got != expected:
                wrong.append(f"GET {url} as {role} (foreign {sorted(taken)}): expected {expected}, got {got}")
            if MARK in _text(response):
                wrong.append(f"GET {url} as {role}: shows the other municipality's data")
    assert not wrong, "\n".join(wrong)


def test_the_mark_shows_on_the_other_municipality_own_pages(app, ctx, actors):
    """The MARK check above can fail: the other municipality's names do show under its own address."""
    plan, meeting = _draft(ctx, ctx.other)["plan_id"], new_meeting(ctx, ctx.other)
    member = ctx.new_group_member(ctx.other)
    _marked(ctx)
    for url in (f"/m/{ctx.other}/plans/{plan}", f"/m/{ctx.other}/meetings/{meeting}",
                f"/m/{ctx.other}/group/{member}"):
        response = actors["outsider"].get(url)
        assert response.status_code == 200 and MARK in page_text(response), url


def test_compare_with_a_plan_of_another_municipality_is_404(app, ctx, actors):
    """?with=<plan id> on the compare page names a plan too: another municipality's is 404."""
    home, other = _second_version(ctx, ctx.home)["plan_id"], _second_version(ctx, ctx.other)["plan_id"]
    home_first, other_first = (_draft(ctx, slug)["plan_id"] for slug in (ctx.home, ctx.other))
    _marked(ctx)
    for role, slug, plan, own, foreign in (("coordinator", ctx.home, home, home_first, other_first),
                                           ("admin", ctx.home, home, home_first, other_first),
                                           ("outsider", ctx.other, other, other_first, home_first)):
        client = actors[role]
        assert client.get(f"/m/{slug}/plans/{plan}/compare?with={own}").status_code == 200
        response = client.get(f"/m/{slug}/plans/{plan}/compare?with={foreign}")
        assert response.status_code == 404, (role, slug)
        assert MARK not in _text(response)


# ---------------------------------------------------------------------------------------------------------
# POST

def _send(client, request: Post, url: str, ids: dict, endpoint: str, token: str):
    """POST the request's body, made to fit ids, to url."""
    request = _body_ids(request, ids, endpoint)
    fit = BODY_FOR.get(endpoint)
    request = dataclasses.replace(fit(request, ids) if fit else request, url=url)
    return request.send(client, token)


@pytest.mark.parametrize("endpoint", POST_RULES)
def test_post_with_another_municipality_ids_is_404_and_changes_nothing(app, ctx, actors, endpoint):
    """Another municipality's ids under your address answer 404 to a valid POST, and the database is unchanged."""
    rule = _rules(app)[endpoint]
    arguments = id_arguments(rule)
    adapter = app.url_map.bind("localhost")
    other = OBJECTS[endpoint](ctx, ctx.other)
    tokens = {role: token_for(actors[role], role) for role in ACTORS if role != "anonymous"}
    wrong = []
    for role, side in POST_ACTORS:
        client, slug = actors[role], _slug(ctx, side)
        request = POSTS[endpoint](ctx, role)   # a valid request on fresh home objects
        matched, home = adapter.match(request.url, method="POST")
        assert matched == endpoint
        home.update({f: request.data[f] for f in BODY_IDS.get(endpoint, ())})
        assert all(home[a] != other[a] for a in arguments), endpoint
        own, foreign = (home, other) if side == "home" else (other, home)
        allowed = EXPECTED_POST[endpoint][_role_there(role)] == OK
        before = snapshot(app)
        for taken in _mixes(arguments):
            url = _address(app, rule, slug, own, foreign, taken)
            address = {name: (foreign if name in taken else own)[name] for name in own}
            got = outcome(_send(client, request, url, address, endpoint, tokens[role]))
            if allowed:
                expected = 404
            else:
                missing = _missing(foreign, arguments)
                expected = outcome(_send(client, request, _address(app, rule, slug, own, missing, taken),
                                         {name: (missing if name in taken else own)[name] for name in own},
                                         endpoint, tokens[role]))
            if got != expected:
                wrong.append(f"POST {url} as {role} (foreign {sorted(taken)}): expected {expected}, got {got}")
        if snapshot(app) != before or request.effect():
            wrong.append(f"POST {endpoint} as {role} under {slug} with foreign ids: the database changed")
    # Sanity: the same kind of request, with the ids of its address's own municipality, makes its change.
    for role in ("coordinator", "admin"):
        if EXPECTED_POST[endpoint][role] == OK:
            request = POSTS[endpoint](ctx, role)
            response = request.send(actors[role], tokens[role])
            if response.status_code != request.ok_status or not request.effect():
                wrong.append(f"POST {request.url} as {role} (own ids): expected the change, got "
                             f"{response.status_code}")
    role = "outsider" if EXPECTED_POST[endpoint]["coordinator"] == OK else "admin"
    request = POSTS[endpoint](ctx, role)
    url = _address(app, rule, ctx.other, other, other, set())
    before = snapshot(app)
    response = _send(actors[role], request, url, other, endpoint, tokens[role])
    if response.status_code != request.ok_status or snapshot(app) == before:
        wrong.append(f"POST {url} as {role} (own ids of {ctx.other}): expected the change, got "
                     f"{response.status_code}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------------------------------------------------
# Ids in request bodies: a home form sent with the other municipality's object.

@dataclass
class BodyCase:
    """A home request whose body names the other municipality's object, and the same request naming home's."""

    role: str
    foreign: Post      # refused (or the field ignored), and nothing written
    own: Post          # the same with home's object: makes its change (so the request is otherwise valid)
    refused: object    # the answer to foreign, as access_cases.outcome describes it
    says: str | None = None  # the message shown after the refusal's redirect


def _own_issue(c: Ctx, slug: str, name: str) -> tuple[int, str]:
    """Add an issue of the municipality's own; return its id and code (the other municipality has no such code)."""
    from cpplan.surveys import catalogue

    with c.app.app_context():
        municipality = c._municipality(slug)
        issue = catalogue.add_own(municipality.id, (name, name, name), ("", "", ""), False)
        db.session.commit()
        return issue.id, issue.code


def _foreign_code(c: Ctx) -> str:
    return _own_issue(c, c.other, "Stray dogs")[1]


def _home_code(c: Ctx) -> tuple[int, str]:
    return _own_issue(c, c.home, "Broken street lights")


def _other_response(c: Ctx, answers: dict) -> str:
    """Store a response with these answers in an open survey of the other municipality; return its uuid."""
    from cpplan.surveys import services
    from cpplan.surveys.models import Survey

    sid = c.new_survey(c.other, "open")[0]
    client_uuid = str(uuid.uuid4())
    with c.app.app_context():
        services.submit(db.session.get(Survey, sid), client_uuid, answers, "web")
        db.session.commit()
    return client_uuid


def _with(request: Post, effect: Callable[[], bool] | None = None, **data) -> Post:
    """Return the request with these body fields (and another effect)."""
    return dataclasses.replace(request, data={**request.data, **data}, effect=effect or request.effect)


def _group_add(c: Ctx) -> BodyCase:
    from cpplan.municipalities.models import WorkingGroupMember

    def request(org: int) -> Post:
        name = f"Aida {org}"
        return Post(f"/m/{c.home}/group", {"name": name, "organisation_id": str(org), "gender": "female",
                                           "group_role": "member"}, lambda: c.exists(WorkingGroupMember, name=name))
    return BodyCase("coordinator", request(c.other_org), request(c.home_org), 400)


def _group_edit(c: Ctx) -> BodyCase:
    from cpplan.municipalities.models import WorkingGroupMember

    mid = c.new_group_member(c.home)

    def request(org: int) -> Post:
        return Post(f"/m/{c.home}/group/{mid}", {"name": "Renamed", "organisation_id": str(org), "gender": "male",
                                                 "group_role": "chair"},
                    lambda: c.get(WorkingGroupMember, mid).organisation_id == org)
    return BodyCase("coordinator", request(c.other_org), request(c.home_org), 400)


def _measure(edit: bool, field: str) -> Callable[[Ctx], BodyCase]:
    """A new or edited measure whose lead, partners or area is the other municipality's."""
    from cpplan.plans.models import Measure

    def case(c: Ctx) -> BodyCase:
        pid, iid, mid = new_plan(c, "draft", c.home)
        url = (f"/m/{c.home}/plans/{pid}/measures/{mid}/edit" if edit
               else f"/m/{c.home}/plans/{pid}/issues/{iid}/measures/new")
        foreign_value = c.other_area if field == "area" else c.other_org
        home_value = c.home_area if field == "area" else c.home_org
        title = f"Street lights ({field})"
        base = Post(url, {"title": title, "start": "2026-03", "end": "2026-06", "cost": "8000", "status": "planned"},
                    lambda: c.exists(Measure, plan_id=pid, title_en=title))
        if field == "partners":
            return BodyCase("coordinator", _with(base, partners=[str(foreign_value)]),
                            _with(base, partners=[str(home_value)]), 400)
        return BodyCase("coordinator", _with(base, **{field: str(foreign_value)}),
                        _with(base, **{field: str(home_value)}), 400)
    return case


def _comment(c: Ctx) -> BodyCase:
    from cpplan.plans.models import PlanComment

    pid, _iid, mid = new_plan(c, "draft", c.home)
    other_measure = new_plan(c, "draft", c.other)[2]
    body = "Put the lights at the bus stop."

    def request(measure: int) -> Post:
        return Post(f"/m/{c.home}/plans/{pid}/comments", {"body": body, "measure_id": str(measure)},
                    lambda: c.exists(PlanComment, plan_id=pid, body=body))
    return BodyCase("coordinator", request(other_measure), request(mid), 404)


def _from_survey(field: str) -> Callable[[Ctx], BodyCase]:
    """An indicator's value taken from the other municipality's survey, or for an issue only it has."""
    from cpplan.budget.progress import IndicatorValue

    def case(c: Ctx) -> BodyCase:
        ids = _adopted(c, c.home)
        home_survey = rated_follow_up_survey(c, c.home)
        foreign = {"survey": str(rated_follow_up_survey(c, c.other)) if field == "survey" else str(home_survey),
                   "issue": _foreign_code(c) if field == "issue" else "road_safety"}
        url = (f"/m/{c.home}/plans/{ids['plan_id']}/measures/{ids['measure_id']}/progress/indicators/"
               f"{ids['indicator_id']}/from-survey")
        base = Post(url, {}, lambda: c.exists(IndicatorValue, indicator_id=ids["indicator_id"], source="survey"))
        return BodyCase("coordinator", _with(base, **foreign),
                        _with(base, survey=str(home_survey), issue="road_safety"), 400)
    return case


def _confirm(field: str) -> Callable[[Ctx], BodyCase]:
    """The agreed priorities naming the other municipality's meeting, or an issue only it has."""
    from cpplan.priorities.models import PriorityDecision

    def case(c: Ctx) -> BodyCase:
        base = Post(f"/m/{c.home}/priorities/confirm", {"decided_on": "2024-05-14", "issue_1": "livestock_theft",
                                                         "reason_1": "Agreed at the community meeting."},
                    lambda: c.exists(PriorityDecision, municipality_id=c.world["home_id"]))
        if field == "meeting":
            return BodyCase("coordinator", _with(base, meeting=str(new_meeting(c, c.other))),
                            _with(base, meeting=str(new_meeting(c, c.home))), 400)
        return BodyCase("coordinator", _with(base, issue_1=_foreign_code(c)), _with(base, issue_1=_home_code(c)[1]),
                        400)
    return case


def _assessment(c: Ctx) -> BodyCase:
    """Fields named "<issue code>-severity": the other municipality's code is no field of the home form."""
    from cpplan.priorities.models import IssueAssessment

    home_id, home_code = _home_code(c)
    url = f"/m/{c.home}/priorities/assessment"
    foreign = Post(url, {f"{_foreign_code(c)}-severity": "4"},
                   lambda: c.exists(IssueAssessment, municipality_id=c.world["home_id"]))
    own = Post(url, {f"{home_code}-severity": "4"},
               lambda: c.exists(IssueAssessment, municipality_id=c.world["home_id"], issue_id=home_id))
    return BodyCase("coordinator", foreign, own, f"302 -> /m/{c.home}/priorities")


def _open_vote(c: Ctx) -> BodyCase:
    from cpplan.priorities.meetings import Vote

    mid = new_meeting(c, c.home)
    base = Post(f"/m/{c.home}/meetings/{mid}/votes", {"dots": "3"}, lambda: c.exists(Vote, meeting_id=mid))
    return BodyCase("coordinator", _with(base, issues=["road_safety", _foreign_code(c)]),
                    _with(base, issues=["road_safety", _home_code(c)[1]]), 400)


def _hands(c: Ctx) -> BodyCase:
    """Fields named "h_<issue code>": the other municipality's code is no field of the vote's form."""
    from cpplan.priorities.meetings import VoteOption

    home_code, foreign_code = _home_code(c)[1], _foreign_code(c)
    _mid, vid, _code = new_vote(c, "open", c.home)  # on every issue of home, its own one included
    url = f"/m/{c.home}/votes/{vid}/hands"
    effect = lambda: c.exists(VoteOption, vote_id=vid, hands=7)  # noqa: E731
    return BodyCase("coordinator", Post(url, {f"h_{foreign_code}": "7"}, effect),
                    Post(url, {f"h_{home_code}": "7"}, effect), f"302 -> /m/{c.home}/votes/{vid}")


def _ballot(c: Ctx) -> BodyCase:
    from cpplan.priorities.meetings import Ballot

    home_code, foreign_code = _home_code(c)[1], _foreign_code(c)
    _mid, vid, code = new_vote(c, "open", c.home)
    effect = lambda: c.exists(Ballot, vote_id=vid)  # noqa: E731
    return BodyCase("anonymous", Post(f"/v/{code}", {f"d.{foreign_code}": "1"}, effect),
                    Post(f"/v/{code}", {f"d.{home_code}": "1"}, effect), 400)


def _response_effect(c: Ctx, client_uuid: str, sid: int) -> Callable[[], bool]:
    from cpplan.surveys.models import Response

    return lambda: c.exists(Response, uuid=client_uuid, survey_id=sid)


def _paper(field: str) -> Callable[[Ctx], BodyCase]:
    """A paper questionnaire naming the other municipality's village, or reusing one of its responses' uuid."""
    def case(c: Ctx) -> BodyCase:
        sid = c.new_survey(c.home, "open")[0]
        url, fresh = f"/m/{c.home}/surveys/{sid}/paper", str(uuid.uuid4())
        own = Post(url, {"uuid": fresh, "a.gender": "female"}, _response_effect(c, fresh, sid))
        if field == "uuid":
            taken = _other_response(c, {"consent": "yes", "gender": "female"})  # the very same answers
            return BodyCase("coordinator", Post(url, {"uuid": taken, "a.gender": "female"},
                                                _response_effect(c, taken, sid)), own, f"302 -> {url}",
                            "This form was saved before with other answers; nothing was changed.")
        return BodyCase("coordinator", _with(own, **{f"a.{field}": str(c.other_area)}),
                        _with(own, **{f"a.{field}": str(c.home_area)}), 400)
    return case


def _public_form(field: str) -> Callable[[Ctx], BodyCase]:
    """The public form's last page sent with the other municipality's village, or one of its responses' uuid."""
    def case(c: Ctx) -> BodyCase:
        sid, token, pages = c.public_survey()
        url, fresh = f"/s/{token}", str(uuid.uuid4())
        own = Post(url, {"uuid": fresh, "page": str(pages), "a.consent": "yes", "go": "send"},
                   _response_effect(c, fresh, sid))
        if field == "uuid":
            # The first answers stand (the back button after sending): thanked, and nothing stored here.
            taken = _other_response(c, {"consent": "yes"})
            return BodyCase("anonymous", _with(own, _response_effect(c, taken, sid), uuid=taken), own,
                            f"302 -> /s/{token}/thanks")
        return BodyCase("anonymous", _with(own, **{"a.area": str(c.other_area)}),
                        _with(own, **{"a.area": str(c.home_area)}), 400)
    return case


def _api(field: str) -> Callable[[Ctx], BodyCase]:
    """The offline-sync API's JSON naming the other municipality's village or issue, or one of its responses."""
    def case(c: Ctx) -> BodyCase:
        sid, token = c.open_survey()
        url, fresh = f"/api/v1/surveys/{token}/responses", str(uuid.uuid4())

        def request(client_uuid: str, answers: dict) -> Post:
            return Post(url, {}, _response_effect(c, client_uuid, sid),
                        json={"uuid": client_uuid, "answers": {"consent": "yes", **answers}}, ok_status=201)
        if field == "uuid":
            taken = _other_response(c, {"consent": "yes"})
            return BodyCase("anonymous", request(taken, {}), request(fresh, {}), 409)
        if field == "area":
            return BodyCase("anonymous", request(fresh, {"area": str(c.other_area)}),
                            request(fresh, {"area": str(c.home_area)}), 422)
        return BodyCase("anonymous", request(fresh, {"issue_seriousness": {_foreign_code(c): 5}}),
                        request(fresh, {"issue_seriousness": {_home_code(c)[1]: 5}}), 422)
    return case


def _kobo(field: str) -> Callable[[Ctx], BodyCase]:
    """A Kobo export naming the other municipality's village, or a row that is one of its responses."""
    def case(c: Ctx) -> BodyCase:
        sid = c.new_survey(c.home, "open")[0]
        url, fresh = f"/m/{c.home}/surveys/{sid}/import", str(uuid.uuid4())

        def request(client_uuid: str, area: int) -> Post:
            upload = Upload(f"consent,area,_uuid\nyes,{area},{client_uuid}\n".encode())
            return Post(url, {"file": (upload, "export.csv")}, _response_effect(c, client_uuid, sid))
        own = request(fresh, c.home_area)
        if field == "_uuid":
            # The other survey's response with the very same answers: not "already imported" here, but refused.
            taken = _other_response(c, {"consent": "yes"})
            upload = Upload(f"consent,_uuid\nyes,{taken}\n".encode())
            return BodyCase("coordinator", Post(url, {"file": (upload, "export.csv")},
                                                _response_effect(c, taken, sid)),
                            own, 400)
        return BodyCase("coordinator", request(fresh, c.other_area), own, 400)
    return case


# Every body field that names an object, by endpoint and field: the forms' fields as "FormClass.field"
# (test_every_id_field_of_the_forms_is_covered checks them against the forms), other fields as sent.
BODY_CASES: dict[tuple[str, str], Callable[[Ctx], BodyCase]] = {
    ("municipalities.group", "GroupMemberForm.organisation_id"): _group_add,
    ("municipalities.group_member", "GroupMemberForm.organisation_id"): _group_edit,
    ("plans.new_measure", "MeasureForm.lead"): _measure(False, "lead"),
    ("plans.new_measure", "MeasureForm.partners"): _measure(False, "partners"),
    ("plans.new_measure", "MeasureForm.area"): _measure(False, "area"),
    ("plans.edit_measure", "MeasureForm.lead"): _measure(True, "lead"),
    ("plans.edit_measure", "MeasureForm.partners"): _measure(True, "partners"),
    ("plans.edit_measure", "MeasureForm.area"): _measure(True, "area"),
    ("plans.comment", "measure_id"): _comment,
    ("progress.from_survey", "SurveyValueForm.survey"): _from_survey("survey"),
    ("progress.from_survey", "SurveyValueForm.issue"): _from_survey("issue"),
    ("priorities.confirm", "ConfirmPrioritiesForm.meeting"): _confirm("meeting"),
    ("priorities.confirm", "ConfirmPrioritiesForm.issue_*"): _confirm("issue"),
    ("priorities.assessment", "<issue code>-severity"): _assessment,
    ("meetings.open_vote", "VoteForm.issues"): _open_vote,
    ("meetings.hands", "h_<issue code>"): _hands,
    ("meetings.ballot", "d.<issue code>"): _ballot,
    ("surveys.paper", "a.area"): _paper("area"),
    ("surveys.paper", "a.unsafe_area"): _paper("unsafe_area"),
    ("surveys.paper", "uuid"): _paper("uuid"),
    ("survey_form.form", "a.area"): _public_form("area"),
    ("survey_form.form", "uuid"): _public_form("uuid"),
    ("api.submit_response", "answers.area"): _api("area"),
    ("api.submit_response", "answers.issue_seriousness"): _api("issue"),
    ("api.submit_response", "uuid"): _api("uuid"),
    ("surveys.import_kobo", "area"): _kobo("area"),
    ("surveys.import_kobo", "_uuid"): _kobo("_uuid"),
}

# The forms' select, hidden and number fields that name no object of a municipality.
NOT_ID_FIELDS = {
    "AccountForm.locale": "a language",
    "UserForm.locale": "a language",
    "AllocationForm.source": "a kind of funding source",
    "AllocationForm.year": "a year of the plan's period",
    "StatusForm.status": "a measure's status",
    "MeasureForm.status": "a measure's status",
    "AreaForm.kind": "a kind of area",
    "OrganisationForm.kind": "a kind of organisation",
    "MunicipalityForm.kind": "a kind of municipality",
    "MunicipalityForm.region": "a region of the country",
    "MunicipalityForm.population": "a number of people",
    "GroupMemberForm.gender": "a gender",
    "GroupMemberForm.group_role": "a role in the working group",
    "MembershipForm.role": "a role name",
    "RoleForm.role": "a role name",
    "PlanForm.first_year": "a year",
    "PlanForm.last_year": "a year",
    "TransitionForm.action": "the name of a workflow step",
    "WeightsForm.*": "a weight of the scoring matrix",
    "MeetingForm.n_*": "a head count",
    "VoteForm.dots": "a number of dots",
    "QuestionForm.version": "the questionnaire version the editor saw, checked against the addressed survey's",
}


def _form_fields() -> set[str]:
    """Return "FormClass.field" for every select, hidden and number field of the app's forms."""
    import importlib

    kinds = (SelectField, SelectMultipleField, HiddenField, IntegerField, RadioField)
    found = set()
    for module in pkgutil.walk_packages(cpplan.__path__, "cpplan."):
        loaded = importlib.import_module(module.name)
        for name, cls in vars(loaded).items():
            if inspect.isclass(cls) and issubclass(cls, Form) and cls.__module__ == module.name:
                found |= {f"{name}.{attr}" for attr in dir(cls)
                          if isinstance(getattr(cls, attr, None), UnboundField)
                          and issubclass(getattr(cls, attr).field_class, kinds)}
    return found


def test_every_id_field_of_the_forms_is_covered():
    """Every select, hidden or number field of a form names no object, or is sent with a foreign one below."""
    fields = _form_fields()
    covered = {field for _endpoint, field in BODY_CASES}
    patterns = covered | set(NOT_ID_FIELDS)
    unknown = {f for f in fields if not any(fnmatch.fnmatchcase(f, p) for p in patterns)}
    assert not unknown, f"sweep in BODY_CASES, or list in NOT_ID_FIELDS with a reason: {sorted(unknown)}"
    stale = {p for p in NOT_ID_FIELDS if not any(fnmatch.fnmatchcase(f, p) for f in fields)}
    assert not stale, f"no such form fields: {sorted(stale)}"
    assert {f for f in covered if "Form." in f} <= {p for p in covered if any(fnmatch.fnmatchcase(f, p)
                                                                             for f in fields)}


@pytest.mark.parametrize("case", sorted(BODY_CASES), ids=lambda case: f"{case[0]}:{case[1]}")
def test_a_body_id_of_another_municipality_is_refused_and_writes_nothing(app, ctx, actors, case):
    """A home form sent with another municipality's object is refused (or the field ignored); nothing is written."""
    made = BODY_CASES[case](ctx)
    client = actors[made.role]
    token = token_for(client, made.role)
    before = snapshot(app)
    response = made.foreign.send(client, token)
    got = outcome(response)
    assert got == made.refused, f"{made.foreign.url} {case}: expected {made.refused}, got {got}"
    assert snapshot(app) == before and not made.foreign.effect(), f"{case}: the database changed"
    if made.says:
        assert translated(app, made.says, "en") in page_text(client.get(response.headers["Location"]))
    response = made.own.send(client, token)
    assert response.status_code == made.own.ok_status and made.own.effect(), (
        f"{case} with home's object: expected the change, got {response.status_code}")
