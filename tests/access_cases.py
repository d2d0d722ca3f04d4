"""Shared tables and helpers for the security suite (tests/security/: test_access, test_csrf, test_headers, ...).

Not a test module: it holds the URL of every rule, the expected status per role for GET, and for
every rule accepting POST a request that the allowed role can send (with the effect it must have).
"""
from __future__ import annotations

import html
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable

from flask_babel import gettext

from conftest import PASSWORD, csrf_token
from cpplan.accounts.models import User
from cpplan.extensions import db
from cpplan.municipalities.models import Area, Membership, Municipality, Organisation, WorkingGroupMember
from cpplan.surveys.models import Question, Response, Survey

ROLES = ("anonymous", "viewer", "member", "police", "facilitator", "coordinator", "outsider", "admin")
LOGIN = "302 -> /login"   # redirected to the login page
HOME = "302 -> /my"       # redirected to the user's home page (already logged in)
RESULTS = "302 -> results"  # redirected to a survey's results page (/m/<slug>/results/<id>)
OK = "allowed"            # POST: redirect (post/redirect/get) and the intended change happened
NEW_PASSWORD = "walnut-orchard-river-77"
CSRF_MESSAGE = ("The form had expired or was sent from another page, so nothing was saved. "
                "Go back, reload the page and send it again.")


def row(*expected) -> dict:
    """Return {role: expectation} for the roles in ROLES order."""
    assert len(expected) == len(ROLES)
    return dict(zip(ROLES, expected))


def translated(app, message: str, lang: str, **kw) -> str:
    """Return the message as the app translates it for lang."""
    with app.test_request_context(f"/?lang={lang}"):
        return gettext(message, **kw)


def page_text(response) -> str:
    """Return the response body with HTML entities decoded (to look for translated messages)."""
    return html.unescape(response.get_data(as_text=True))


def has_cyrillic(text: str) -> bool:
    return re.search(r"[\u0400-\u04FF]", text) is not None


def snapshot(app) -> dict:
    """Return every row of every table: compared before and after a request to prove nothing was written."""
    with app.app_context():
        db.session.remove()
        return {
            table.name: sorted(tuple(str(v) for v in r) for r in db.session.execute(table.select()).all())
            for table in db.metadata.sorted_tables
        }


def count_rows(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


# ---------------------------------------------------------------------------------------------
# The world the tables refer to.

class Ctx:
    """The world fixture plus objects of both municipalities, and makers of fresh targets."""

    def __init__(self, app, world):
        self.app = app
        self.world = world
        self.home = world["home"]
        self.other = world["other"]
        self._n = 0
        with app.app_context():
            home = db.session.get(Municipality, world["home_id"])
            other = db.session.get(Municipality, world["other_id"])
            self.home_area = home.areas[0].id
            self.other_area = other.areas[0].id
        self.home_org = self.new_org(self.home)
        self.other_org = self.new_org(self.other)
        self.home_member = self.new_group_member(self.home)
        self.other_member = self.new_group_member(self.other)
        self.viewer_id = self.user_id(world["users"]["viewer"])
        self.home_membership = self.membership_id(world["users"]["viewer"], self.home)
        self.other_membership = self.membership_id(world["users"]["outsider"], self.other)

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _municipality(self, slug: str) -> Municipality:
        return db.session.scalar(db.select(Municipality).filter_by(slug=slug))

    def user_id(self, email: str) -> int:
        with self.app.app_context():
            return db.session.scalar(db.select(User.id).filter_by(email=email))

    def membership_id(self, email: str, slug: str) -> int | None:
        with self.app.app_context():
            return db.session.scalar(
                db.select(Membership.id).join(User).join(Municipality)
                .filter(User.email == email, Municipality.slug == slug))

    def new_org(self, slug: str) -> int:
        with self.app.app_context():
            org = Organisation(municipality=self._municipality(slug), kind="school",
                               name_en=f"School {self._next()}")
            db.session.add(org)
            db.session.commit()
            return org.id

    def new_group_member(self, slug: str) -> int:
        with self.app.app_context():
            member = WorkingGroupMember(municipality=self._municipality(slug), name=f"Person {self._next()}",
                                        gender="female", group_role="member")
            db.session.add(member)
            db.session.commit()
            return member.id

    def new_area(self, slug: str) -> int:
        with self.app.app_context():
            area = Area(municipality=self._municipality(slug), kind="village", name_en=f"Village {self._next()}")
            db.session.add(area)
            db.session.commit()
            return area.id

    def public_survey(self) -> tuple[int, str, int]:
        """Return (id, token, number of pages) of an open standard survey of home, created on first use."""
        if not hasattr(self, "_public_survey"):
            from cpplan.surveys import services

            with self.app.app_context():
                survey = services.create_standard(self._municipality(self.home))
                services.open_survey(survey)
                db.session.commit()
                pages = len({q.page for q in survey.current_questions()})
                self._public_survey = (survey.id, survey.token, pages)
        return self._public_survey

    def new_user(self, role: str | None = None, slug: str | None = None) -> tuple[int, str, int | None]:
        """Insert a user (with a role in slug when given); return (user id, e-mail, membership id)."""
        email = f"person{self._next()}@example.org"
        with self.app.app_context():
            user = User(email=email, display_name=email.split("@")[0], locale="en")
            user.set_password(PASSWORD)
            db.session.add(user)
            membership = None
            if role:
                membership = Membership(user=user, municipality=self._municipality(slug or self.home), role=role)
                db.session.add(membership)
            db.session.commit()
            return user.id, email, membership.id if membership else None

    def get(self, model, ident):
        with self.app.app_context():
            item = db.session.get(model, ident)
            if item is not None:
                db.session.expunge(item)
            return item

    def exists(self, model, **filters) -> bool:
        """Return True when a row of model matches the filters."""
        with self.app.app_context():
            return db.session.scalar(db.select(model).filter_by(**filters)) is not None

    def user_by_email(self, email: str) -> User | None:
        with self.app.app_context():
            user = db.session.scalar(db.select(User).filter_by(email=email))
            if user is not None:
                db.session.expunge(user)
            return user

    def acting_email(self, role: str) -> str:
        """The e-mail of the role's user (for anonymous: the viewer, whose data must not change)."""
        return self.world["users"]["viewer" if role == "anonymous" else role]

    def new_survey(self, slug: str, status: str = "draft") -> tuple[int, str]:
        """Insert a standard survey of slug in the given status; return (id, token)."""
        from cpplan.surveys import services

        with self.app.app_context():
            survey = services.create_standard(self._municipality(slug))
            if status in ("open", "closed"):
                services.open_survey(survey)
            if status == "closed":
                services.close_survey(survey)
            db.session.commit()
            return survey.id, survey.token

    def open_survey(self) -> tuple[int, str]:
        """Return (id, token) of an open survey of home for the survey pages and the API, made on first use."""
        if not hasattr(self, "_open_survey"):
            self._open_survey = self.new_survey(self.home, "open")
        return self._open_survey

    def survey_count(self, slug: str) -> int:
        with self.app.app_context():
            return db.session.scalar(db.select(db.func.count()).select_from(Survey).join(Municipality)
                                     .filter(Municipality.slug == slug))


# ---------------------------------------------------------------------------------------------
# GET: the address of every rule and the expected answer per role.

URLS: dict[str, Callable[[Ctx], str]] = {
    "web.healthz": lambda c: "/healthz",
    "web.favicon": lambda c: "/favicon.ico",
    "accounts.login": lambda c: "/login",
    "accounts.logout": lambda c: "/logout",
    "accounts.account": lambda c: "/account",
    "accounts.change_password": lambda c: "/account/password",
    "accounts.set_language": lambda c: "/language",
    "municipalities.index": lambda c: "/",
    "municipalities.mine": lambda c: "/my",
    "municipalities.overview": lambda c: f"/m/{c.home}",
    "municipalities.group": lambda c: f"/m/{c.home}/group",
    "municipalities.group_member": lambda c: f"/m/{c.home}/group/{c.home_member}",
    "municipalities.delete_group_member": lambda c: f"/m/{c.home}/group/{c.home_member}/delete",
    "municipalities.add_organisation": lambda c: f"/m/{c.home}/organisations",
    "municipalities.organisation": lambda c: f"/m/{c.home}/organisations/{c.home_org}",
    "municipalities.delete_organisation": lambda c: f"/m/{c.home}/organisations/{c.home_org}/delete",
    "municipalities.members": lambda c: f"/m/{c.home}/members",
    "municipalities.change_role": lambda c: f"/m/{c.home}/members/{c.home_membership}/role",
    "municipalities.remove_member": lambda c: f"/m/{c.home}/members/{c.home_membership}/delete",
    "admin.index": lambda c: "/admin/",
    "admin.municipalities": lambda c: "/admin/municipalities",
    "admin.new_municipality": lambda c: "/admin/municipalities/new",
    "admin.municipality": lambda c: f"/admin/municipalities/{c.home}",
    "admin.add_area": lambda c: f"/admin/municipalities/{c.home}/areas",
    "admin.area": lambda c: f"/admin/municipalities/{c.home}/areas/{c.home_area}",
    "admin.delete_area": lambda c: f"/admin/municipalities/{c.home}/areas/{c.home_area}/delete",
    "admin.users": lambda c: "/admin/users",
    "admin.new_user": lambda c: "/admin/users/new",
    "admin.user": lambda c: f"/admin/users/{c.viewer_id}",
    "admin.add_membership": lambda c: f"/admin/users/{c.viewer_id}/memberships",
    "admin.delete_membership": lambda c: f"/admin/memberships/{c.home_membership}/delete",
    "surveys.index": lambda c: f"/m/{c.home}/surveys",
    "surveys.detail": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}",
    "surveys.create": lambda c: f"/m/{c.home}/surveys/new",
    "surveys.open_": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/open",
    "surveys.close": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/close",
    "surveys.edit_question": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/questions/gender",
    "api.open_surveys": lambda c: f"/api/v1/municipalities/{c.home}/surveys",
    "api.get_survey": lambda c: f"/api/v1/surveys/{c.open_survey()[1]}",
    "api.submit_response": lambda c: f"/api/v1/surveys/{c.open_survey()[1]}/responses",
    "surveys.xlsform_download": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/xlsform.xlsx",
    "surveys.import_kobo": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/import",
    "surveys.qr": lambda c: f"/m/{c.home}/surveys/{c.public_survey()[0]}/qr.svg",
    "surveys.referral": lambda c: f"/m/{c.home}/surveys/referral",
    "surveys.add_issue": lambda c: f"/m/{c.home}/surveys/issues",
    "survey_form.form": lambda c: f"/s/{c.public_survey()[1]}",
    "survey_form.thanks": lambda c: f"/s/{c.public_survey()[1]}/thanks",
    "survey_form.exit_": lambda c: "/s/exit",
    "survey_form.service_worker": lambda c: "/s/sw.js",
    "survey_form.offline_app": lambda c: f"/s/{c.public_survey()[1]}/app",
    "surveys.paper": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/paper",
    "surveys.responses_table": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/responses",
    "surveys.responses_csv": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/responses.csv",
    "results.latest": lambda c: (closed_survey(c), f"/m/{c.home}/results")[1],
    "results.survey": lambda c: f"/m/{c.home}/results/{c.open_survey()[0]}",
    "results.survey_csv": lambda c: f"/m/{c.home}/results/{c.open_survey()[0]}/results.csv",
    "results.hotspots": lambda c: f"/m/{c.home}/results/{c.open_survey()[0]}/map",
    "results.rounds": lambda c: (follow_up_survey(c), f"/m/{c.home}/results/rounds")[1],
    "api.survey_results": lambda c: f"/api/v1/municipalities/{c.home}/surveys/{closed_survey(c)}/results",
    "api.municipalities": lambda c: "/api/v1/municipalities",
    "api.municipality": lambda c: f"/api/v1/municipalities/{c.home}",
    "api.plan": lambda c: f"/api/v1/plans/{home_plan(c)[0]}",
    "api.plan_budget": lambda c: f"/api/v1/plans/{home_plan(c)[0]}/budget",
    "api.openapi_document": lambda c: "/api/v1/openapi.json",
    "meetings.index": lambda c: f"/m/{c.home}/meetings",
    "meetings.new": lambda c: f"/m/{c.home}/meetings/new",
    "meetings.detail": lambda c: f"/m/{c.home}/meetings/{home_vote(c)[0]}",
    "meetings.edit": lambda c: f"/m/{c.home}/meetings/{home_vote(c)[0]}/edit",
    "meetings.open_vote": lambda c: f"/m/{c.home}/meetings/{home_vote(c)[0]}/votes",
    "meetings.vote": lambda c: f"/m/{c.home}/votes/{home_vote(c)[1]}",
    "meetings.hands": lambda c: f"/m/{c.home}/votes/{home_vote(c)[1]}/hands",
    "meetings.close_vote": lambda c: f"/m/{c.home}/votes/{home_vote(c)[1]}/close",
    "meetings.ballot": lambda c: f"/v/{home_vote(c)[2]}",
    "meetings.thanks": lambda c: f"/v/{home_vote(c)[2]}/thanks",
    "meetings.qr": lambda c: f"/v/{home_vote(c)[2]}/qr.svg",
    "meetings.screen": lambda c: f"/v/{home_vote(c)[2]}/screen",
    "meetings.totals": lambda c: f"/v/{home_vote(c)[2]}/totals.json",
    "priorities.index": lambda c: f"/m/{c.home}/priorities",
    "priorities.weights": lambda c: f"/m/{c.home}/priorities/weights",
    "priorities.assessment": lambda c: f"/m/{c.home}/priorities/assessment",
    "priorities.confirm": lambda c: f"/m/{c.home}/priorities/confirm",
    "plans.index": lambda c: f"/m/{c.home}/plans",
    "plans.start": lambda c: f"/m/{c.home}/plans/new",
    "plans.detail": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}",
    "plans.edit": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/edit",
    "plans.edit_issue": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/issues/{home_plan(c)[1]}",
    "plans.new_measure": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/issues/{home_plan(c)[1]}/measures/new",
    "plans.edit_measure": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/measures/{home_plan(c)[2]}/edit",
    "plans.transition": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/transition",
    "plans.new_version": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/new-version",
    "plans.comment": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/comments",
    "plans.log": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/log",
    "plans.compare": lambda c: f"/m/{c.home}/plans/{second_home_version(c)}/compare",
    "documents.plan_page": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/document",
    "documents.plan_pdf": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/plan-ky.pdf",
    "documents.plan_docx": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/plan-en.docx",
    "documents.brief_page": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/brief",
    "documents.brief_pdf": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/brief-ru.pdf",
    "documents.brief_docx": lambda c: f"/m/{c.home}/plans/{home_plan(c)[0]}/brief-ky.docx",
    "plans.public": lambda c: (adopted_home_plan(c), f"/plan/{c.home}")[1],
    "plans.public_version": lambda c: (adopted_home_plan(c), f"/plan/{c.home}/v1")[1],
    "plans.police": lambda c: "/review",
    "budget.plan": lambda c: f"/m/{c.home}/plans/{adopted_home_plan(c)[0]}/budget",
    "budget.plan_csv": lambda c: f"/m/{c.home}/plans/{adopted_home_plan(c)[0]}/budget.csv",
    "budget.plan_xlsx": lambda c: f"/m/{c.home}/plans/{adopted_home_plan(c)[0]}/budget.xlsx",
    "budget.measure": lambda c: _budget_url(c, ""),
    "budget.add_allocation": lambda c: _budget_url(c, "/allocations"),
    "budget.add_expenditure": lambda c: _budget_url(c, "/expenditures"),
    "budget.exchange_rates": lambda c: "/admin/exchange-rates",
    "measure_map.page": lambda c: (adopted_home_plan(c), f"/m/{c.home}/map")[1],
    "overview.national": lambda c: "/overview",
    "progress.page": lambda c: _progress_url(c, ""),
    "progress.status": lambda c: _progress_url(c, "/status"),
    "progress.add_value": lambda c: _progress_url(c, f"/indicators/{progress_measure(c)[2]}/values"),
    "progress.from_survey": lambda c: _progress_url(c, f"/indicators/{progress_measure(c)[2]}/from-survey"),
}

# Expected answer to GET, per role. Every rule of app.url_map (but static) must be listed.
#                                          anonymous viewer member police facilitator coordinator outsider admin
EXPECTED: dict[str, dict] = {
    "web.healthz":                        row(200,   200,   200,   200,   200,   200,   200,   200),
    "web.favicon":                        row(200,   200,   200,   200,   200,   200,   200,   200),
    "accounts.login":                     row(200,   HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "accounts.logout":                    row(405,   405,   405,   405,   405,   405,   405,   405),
    "accounts.account":                   row(LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "accounts.change_password":           row(LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "accounts.set_language":              row(405,   405,   405,   405,   405,   405,   405,   405),
    "municipalities.index":               row(200,   200,   200,   200,   200,   200,   200,   200),
    "municipalities.mine":                row(LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "municipalities.overview":            row(200,   200,   200,   200,   200,   200,   200,   200),
    "municipalities.group":               row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "municipalities.group_member":        row(LOGIN, 403,   403,   403,   403,   200,   403,   200),
    "municipalities.delete_group_member": row(405,   405,   405,   405,   405,   405,   405,   405),
    "municipalities.add_organisation":    row(405,   405,   405,   405,   405,   405,   405,   405),
    "municipalities.organisation":        row(LOGIN, 403,   403,   403,   403,   200,   403,   200),
    "municipalities.delete_organisation": row(405,   405,   405,   405,   405,   405,   405,   405),
    "municipalities.members":             row(LOGIN, 403,   403,   403,   403,   200,   403,   200),
    "municipalities.change_role":         row(405,   405,   405,   405,   405,   405,   405,   405),
    "municipalities.remove_member":       row(405,   405,   405,   405,   405,   405,   405,   405),
    "admin.index":                        row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.municipalities":               row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.new_municipality":             row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.municipality":                 row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.add_area":                     row(405,   405,   405,   405,   405,   405,   405,   405),
    "admin.area":                         row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.delete_area":                  row(405,   405,   405,   405,   405,   405,   405,   405),
    "admin.users":                        row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.new_user":                     row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.user":                         row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    "admin.add_membership":               row(405,   405,   405,   405,   405,   405,   405,   405),
    "admin.delete_membership":            row(405,   405,   405,   405,   405,   405,   405,   405),
    "surveys.index":                      row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "surveys.detail":                     row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "surveys.create":                     row(405,   405,   405,   405,   405,   405,   405,   405),
    "surveys.open_":                      row(405,   405,   405,   405,   405,   405,   405,   405),
    "surveys.close":                      row(405,   405,   405,   405,   405,   405,   405,   405),
    "surveys.edit_question":              row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    # The JSON API of open surveys: public, the survey token is the only credential.
    "api.open_surveys":                   row(200,   200,   200,   200,   200,   200,   200,   200),
    "api.get_survey":                     row(200,   200,   200,   200,   200,   200,   200,   200),
    "api.submit_response":                row(405,   405,   405,   405,   405,   405,   405,   405),
    "surveys.xlsform_download":           row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "surveys.import_kobo":                row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "surveys.qr":                         row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "surveys.referral":                   row(405,   405,   405,   405,   405,   405,   405,   405),
    "surveys.add_issue":                  row(405,   405,   405,   405,   405,   405,   405,   405),
    # The public survey form: anyone, logged in or not.
    "survey_form.form":                   row(200,   200,   200,   200,   200,   200,   200,   200),
    "survey_form.thanks":                 row(200,   200,   200,   200,   200,   200,   200,   200),
    "survey_form.exit_":                  row(200,   200,   200,   200,   200,   200,   200,   200),
    "survey_form.service_worker":         row(200,   200,   200,   200,   200,   200,   200,   200),
    "survey_form.offline_app":            row(200,   200,   200,   200,   200,   200,   200,   200),
    # Facilitator pages of one survey: paper entry and the response table (never sensitive answers).
    "surveys.paper":                      row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "surveys.responses_table":            row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "surveys.responses_csv":              row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    # Results: a closed survey's are public; an open survey's are for the municipality's roles (police included).
    # /results sends everyone to the latest survey they may see (a closed one is made first).
    "results.latest":                     row(RESULTS, RESULTS, RESULTS, RESULTS, RESULTS, RESULTS, RESULTS, RESULTS),
    "results.survey":                     row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "results.survey_csv":                 row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "results.hotspots":                   row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    # Baseline compared with an open follow-up survey: the open round makes it internal.
    "results.rounds":                     row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    # The JSON results of a closed survey: public (an open survey's answer 403 JSON, see test_results).
    "api.survey_results":                 row(200,   200,   200,   200,   200,   200,   200,   200),
    # Open data: every municipality; a plan and its budget here are a draft's, so 404 to everyone but the
    # municipality's roles, exactly as if it did not exist (an adopted one is public, see test_open_api).
    "api.municipalities":                 row(200,   200,   200,   200,   200,   200,   200,   200),
    "api.municipality":                   row(200,   200,   200,   200,   200,   200,   200,   200),
    "api.plan":                           row(404,   200,   200,   200,   200,   200,   404,   200),
    "api.plan_budget":                    row(404,   200,   200,   200,   200,   200,   404,   200),
    "api.openapi_document":               row(200,   200,   200,   200,   200,   200,   200,   200),
    # Community meetings: every role of the municipality reads; coordinator and facilitator record and run votes.
    "meetings.index":                     row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "meetings.new":                       row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "meetings.detail":                    row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "meetings.edit":                      row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "meetings.open_vote":                 row(405,   405,   405,   405,   405,   405,   405,   405),
    "meetings.vote":                      row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "meetings.hands":                     row(405,   405,   405,   405,   405,   405,   405,   405),
    "meetings.close_vote":                row(405,   405,   405,   405,   405,   405,   405,   405),
    # The participants' ballot, QR code and projector view: public by the vote's unguessable code.
    "meetings.ballot":                    row(200,   200,   200,   200,   200,   200,   200,   200),
    "meetings.thanks":                    row(200,   200,   200,   200,   200,   200,   200,   200),
    "meetings.qr":                        row(200,   200,   200,   200,   200,   200,   200,   200),
    "meetings.screen":                    row(200,   200,   200,   200,   200,   200,   200,   200),
    "meetings.totals":                    row(200,   200,   200,   200,   200,   200,   200,   200),
    # The scoring matrix: every role of the municipality sees the ranking (aggregates only, police included).
    "priorities.index":                   row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "priorities.weights":                 row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "priorities.assessment":              row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "priorities.confirm":                 row(LOGIN, 403,   403,   403,   403,   200,   403,   200),
    # Plans: every role of the municipality reads them (police included); coordinator and facilitator write.
    "plans.index":                        row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "plans.start":                        row(405,   405,   405,   405,   405,   405,   405,   405),
    "plans.detail":                       row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "plans.edit":                         row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "plans.edit_issue":                   row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "plans.new_measure":                  row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "plans.edit_measure":                 row(LOGIN, 403,   403,   403,   200,   200,   403,   200),
    "plans.transition":                   row(405,   405,   405,   405,   405,   405,   405,   405),
    "plans.new_version":                  row(405,   405,   405,   405,   405,   405,   405,   405),
    "plans.comment":                      row(405,   405,   405,   405,   405,   405,   405,   405),
    # The audit log (refused attempts included): the coordinator and site admins.
    "plans.log":                          row(LOGIN, 403,   403,   403,   403,   200,   403,   200),
    # What changed since the previous version: everyone who may read the plan.
    "plans.compare":                      row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    # A draft plan's documents, like its page (an adopted plan's are public, see test_documents).
    "documents.plan_page":                row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "documents.plan_pdf":                 row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "documents.plan_docx":                row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "documents.brief_page":               row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "documents.brief_pdf":                row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    "documents.brief_docx":               row(LOGIN, 200,   200,   200,   200,   200,   403,   200),
    # An adopted plan's public page: anyone, logged in or not (a draft's answers 404, see test_plan_public).
    "plans.public":                       row(200,   200,   200,   200,   200,   200,   200,   200),
    "plans.public_version":               row(200,   200,   200,   200,   200,   200,   200,   200),
    # The police's view of plans to review and of their measures: police anywhere, and site admins.
    "plans.police":                       row(LOGIN, 403,   403,   200,   403,   403,   403,   200),
    # An adopted plan's budget, in total and per measure: anyone reads it (a draft's answers 404 or 409,
    # see test_budget); only the coordinator records money; site admins set the exchange rates.
    "overview.national":                  row(200,   200,   200,   200,   200,   200,   200,   200),
    "budget.plan":                        row(200,   200,   200,   200,   200,   200,   200,   200),
    "budget.plan_csv":                    row(200,   200,   200,   200,   200,   200,   200,   200),
    "budget.plan_xlsx":                   row(200,   200,   200,   200,   200,   200,   200,   200),
    "budget.measure":                     row(200,   200,   200,   200,   200,   200,   200,   200),
    "budget.add_allocation":              row(405,   405,   405,   405,   405,   405,   405,   405),
    "budget.add_expenditure":             row(405,   405,   405,   405,   405,   405,   405,   405),
    "budget.exchange_rates":              row(LOGIN, 403,   403,   403,   403,   403,   403,   200),
    # The map of the measures: the newest adopted plan's for anyone (the roles see their newest plan, whatever
    # its status; without a plan to show it answers 404 with a message, see test_measure_map).
    "measure_map.page":                   row(200,   200,   200,   200,   200,   200,   200,   200),
    # An adopted plan's progress: anyone reads it (a draft's is refused, see test_progress).
    "progress.page":                      row(200,   200,   200,   200,   200,   200,   200,   200),
    "progress.status":                    row(405,   405,   405,   405,   405,   405,   405,   405),
    "progress.add_value":                 row(405,   405,   405,   405,   405,   405,   405,   405),
    "progress.from_survey":               row(405,   405,   405,   405,   405,   405,   405,   405),
}


# ---------------------------------------------------------------------------------------------
# POST: for every rule accepting POST, a valid request and the effect it has when allowed.

@dataclass
class Post:
    url: str
    data: dict
    effect: Callable[[], bool]          # True once the intended change is in the database
    csrf_field: str = "csrf_token"
    extra: dict = field(default_factory=dict)
    json: dict | None = None            # a JSON body instead of a form (token-authenticated API, no CSRF token)
    ok_status: int = 302                # the allowed request's status: post/redirect/get, or the API's own

    def send(self, client, token: str | None):
        """POST the form with the CSRF token (none when token is None), or the JSON body."""
        if self.json is not None:
            return client.post(self.url, json=self.json)
        return client.post(self.url, data=self.data if token is None else {**self.data, self.csrf_field: token})


def _login(c: Ctx, role: str) -> Post:
    _uid, email, _ms = c.new_user()
    return Post("/login", {"email": email, "password": PASSWORD},
                lambda: c.user_by_email(email).last_login_dt is not None)


def _logout(c: Ctx, role: str) -> Post:
    email = c.acting_email(role)
    before = c.user_by_email(email).session_version
    return Post("/logout", {}, lambda: c.user_by_email(email).session_version != before)


def _account(c: Ctx, role: str) -> Post:
    email, name = c.acting_email(role), f"Renamed {role}"
    return Post("/account", {"display_name": name, "locale": "en"},
                lambda: c.user_by_email(email).display_name == name)


def _change_password(c: Ctx, role: str) -> Post:
    email = c.acting_email(role)
    return Post("/account/password",
                {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
                lambda: c.user_by_email(email).check_password(NEW_PASSWORD))


def _set_language(c: Ctx, role: str) -> Post:
    """The world's users read English; switching to Kyrgyz becomes a logged-in user's preference."""
    email = c.acting_email(role)
    return Post("/language", {"lang": "ky", "next": "/my"}, lambda: c.user_by_email(email).locale == "ky")


def _group_add(c: Ctx, role: str) -> Post:
    name = f"Aida {role}"

    return Post(f"/m/{c.home}/group", {"name": name, "organisation_id": "0", "position": "teacher",
                                       "gender": "female", "group_role": "member"}, lambda: c.exists(WorkingGroupMember, name=name))


def _group_edit(c: Ctx, role: str) -> Post:
    mid, name = c.new_group_member(c.home), f"Renamed {role}"
    return Post(f"/m/{c.home}/group/{mid}", {"name": name, "organisation_id": "0", "position": "",
                                             "gender": "male", "group_role": "chair"},
                lambda: c.get(WorkingGroupMember, mid).name == name)


def _group_delete(c: Ctx, role: str) -> Post:
    mid = c.new_group_member(c.home)
    return Post(f"/m/{c.home}/group/{mid}/delete", {}, lambda: c.get(WorkingGroupMember, mid) is None)


def _org_add(c: Ctx, role: str) -> Post:
    name = f"Youth committee {role}"

    return Post(f"/m/{c.home}/organisations", {"kind": "youth_committee", "name_en": name}, lambda: c.exists(Organisation, name_en=name))


def _org_edit(c: Ctx, role: str) -> Post:
    oid, name = c.new_org(c.home), f"Renamed school {role}"
    return Post(f"/m/{c.home}/organisations/{oid}", {"kind": "school", "name_en": name},
                lambda: c.get(Organisation, oid).name_en == name)


def _org_delete(c: Ctx, role: str) -> Post:
    oid = c.new_org(c.home)
    return Post(f"/m/{c.home}/organisations/{oid}/delete", {}, lambda: c.get(Organisation, oid) is None)


def _members_add(c: Ctx, role: str) -> Post:
    email = f"new-{role}@example.org"
    return Post(f"/m/{c.home}/members", {"email": email, "display_name": "New person", "role": "member"},
                lambda: c.membership_id(email, c.home) is not None)


def _change_role(c: Ctx, role: str) -> Post:
    _uid, _email, mid = c.new_user("viewer", c.home)
    return Post(f"/m/{c.home}/members/{mid}/role", {f"r{mid}-role": "member"},
                lambda: c.get(Membership, mid).role == "member", csrf_field=f"r{mid}-csrf_token")


def _remove_member(c: Ctx, role: str) -> Post:
    _uid, _email, mid = c.new_user("viewer", c.home)
    return Post(f"/m/{c.home}/members/{mid}/delete", {}, lambda: c.get(Membership, mid) is None)


def _municipality_new(c: Ctx, role: str) -> Post:
    slug = f"new-{role}"

    return Post("/admin/municipalities/new", {"slug": slug, "name_en": f"New {role}", "kind": "town",
                                               "region": "chui", "population": "1200"}, lambda: c.exists(Municipality, slug=slug))


def _municipality_edit(c: Ctx, role: str) -> Post:
    name = f"Renamed {role}"
    return Post(f"/admin/municipalities/{c.home}",
                {"slug": c.home, "name_en": name, "kind": "aiyl_aimak", "region": "issyk_kul"},
                lambda: c.get(Municipality, c.world["home_id"]).name_en == name)


def _area_add(c: Ctx, role: str) -> Post:
    name = f"Area {role}"

    return Post(f"/admin/municipalities/{c.home}/areas", {"kind": "ward", "name_en": name}, lambda: c.exists(Area, name_en=name))


def _area_edit(c: Ctx, role: str) -> Post:
    aid, name = c.new_area(c.home), f"Renamed area {role}"
    return Post(f"/admin/municipalities/{c.home}/areas/{aid}", {"kind": "ward", "name_en": name},
                lambda: c.get(Area, aid).name_en == name)


def _area_delete(c: Ctx, role: str) -> Post:
    aid = c.new_area(c.home)
    return Post(f"/admin/municipalities/{c.home}/areas/{aid}/delete", {}, lambda: c.get(Area, aid) is None)


def _user_new(c: Ctx, role: str) -> Post:
    email = f"made-by-{role}@example.org"
    return Post("/admin/users/new", {"email": email, "display_name": "Made", "locale": "ru", "is_active": "y",
                                      "new_password": NEW_PASSWORD},
                lambda: c.user_by_email(email) is not None)


def _user_edit(c: Ctx, role: str) -> Post:
    uid, email, _mid = c.new_user()
    name = f"Renamed {role}"
    return Post(f"/admin/users/{uid}", {"email": email, "display_name": name, "locale": "ky", "is_active": "y"},
                lambda: c.get(User, uid).display_name == name)


def _membership_add(c: Ctx, role: str) -> Post:
    uid, email, _mid = c.new_user()
    return Post(f"/admin/users/{uid}/memberships", {"email": email, "municipality": c.home, "role": "police"},
                lambda: c.membership_id(email, c.home) is not None)


def _membership_delete(c: Ctx, role: str) -> Post:
    _uid, _email, mid = c.new_user("member", c.home)
    return Post(f"/admin/memberships/{mid}/delete", {}, lambda: c.get(Membership, mid) is None)


def _survey_create(c: Ctx, role: str) -> Post:
    before = c.survey_count(c.home)
    return Post(f"/m/{c.home}/surveys/new", {}, lambda: c.survey_count(c.home) > before)


def _survey_open(c: Ctx, role: str) -> Post:
    sid, _token = c.new_survey(c.home, "draft")
    return Post(f"/m/{c.home}/surveys/{sid}/open", {}, lambda: c.get(Survey, sid).status == "open")


def _survey_close(c: Ctx, role: str) -> Post:
    sid, _token = c.new_survey(c.home, "open")
    return Post(f"/m/{c.home}/surveys/{sid}/close", {}, lambda: c.get(Survey, sid).status == "closed")


def _edit_question(c: Ctx, role: str) -> Post:
    """A new wording of a question of an open survey: saved as the survey's version 2."""
    sid, _token = c.new_survey(c.home, "open")
    text = f"Your gender ({role})"
    return Post(f"/m/{c.home}/surveys/{sid}/questions/gender", {"version": "1", "text_en": text},
                lambda: c.get(Survey, sid).version == 2 and c.exists(Question, survey_id=sid, version=2, text_en=text))


class Upload(io.BytesIO):
    """A file to upload more than once: the test client closes an upload after each request."""

    def close(self) -> None:
        self.seek(0)


def _import_kobo(c: Ctx, role: str) -> Post:
    """A one-row Kobo export, imported for real (no dry run)."""
    sid, _token = c.open_survey()
    client_uuid = str(uuid.uuid4())
    upload = Upload(f"consent,_uuid\nyes,{client_uuid}\n".encode())
    return Post(f"/m/{c.home}/surveys/{sid}/import", {"file": (upload, "export.csv")},
                lambda: c.exists(Response, uuid=client_uuid))


def _submit_response(c: Ctx, role: str) -> Post:
    """The offline-sync endpoint: JSON with a fresh client uuid, no CSRF token (see CSRF_EXEMPT)."""
    _sid, token = c.open_survey()
    client_uuid = str(uuid.uuid4())
    return Post(f"/api/v1/surveys/{token}/responses", {}, lambda: c.exists(Response, uuid=client_uuid),
                json={"uuid": client_uuid, "answers": {"consent": "yes"}}, ok_status=201)


def _referral(c: Ctx, role: str) -> Post:
    text = f"Help line for {role}"
    return Post(f"/m/{c.home}/surveys/referral", {"referral_ky": "", "referral_ru": "", "referral_en": text},
                lambda: c.get(Municipality, c.world["home_id"]).referral_en == text)


def _add_issue(c: Ctx, role: str) -> Post:
    """A municipality's own issue, named in English only."""
    from cpplan.surveys.models import Issue

    name = f"Stray dogs {role} {c._next()}"
    return Post(f"/m/{c.home}/surveys/issues", {"name_en": name, "description_en": "Packs of dogs near schools."},
                lambda: c.exists(Issue, municipality_id=c.world["home_id"], name_en=name))


def _paper_entry(c: Ctx, role: str) -> Post:
    """One paper questionnaire typed in by a facilitator, with a fresh client uuid."""
    sid, _token = c.open_survey()
    client_uuid = str(uuid.uuid4())
    return Post(f"/m/{c.home}/surveys/{sid}/paper", {"uuid": client_uuid, "a.gender": "female"},
                lambda: c.exists(Response, uuid=client_uuid, channel="paper"))


def _survey_answer(c: Ctx, role: str) -> Post:
    """The last page of the public form, sent with consent and a fresh client uuid."""
    import uuid

    from cpplan.surveys.models import Response

    _id, token, pages = c.public_survey()
    client_uuid = str(uuid.uuid4())
    return Post(f"/s/{token}", {"uuid": client_uuid, "page": str(pages), "a.consent": "yes", "go": "send"},
                lambda: c.exists(Response, uuid=client_uuid))


def _priority_weights(c: Ctx, role: str) -> Post:
    """New weights of the home municipality's scoring matrix, different for every role."""
    from cpplan.priorities.models import ScoringWeights

    weight = ROLES.index(role) + 1
    data = {"concern": str(weight), "prevalence": "2", "severity": "2", "trend": "0", "capacity": "1",
            "impact": "2", "support": "3"}
    return Post(f"/m/{c.home}/priorities/weights", data,
                lambda: c.exists(ScoringWeights, municipality_id=c.world["home_id"], concern=weight, trend=0))


def _priority_assessment(c: Ctx, role: str) -> Post:
    """The working group's rating and police counts of one issue (a fresh count for every request)."""
    from cpplan.priorities.models import IssueAssessment

    cases = 100 + c._next()
    return Post(f"/m/{c.home}/priorities/assessment",
                {"livestock_theft-severity": "4", "livestock_theft-police_previous": "90",
                 "livestock_theft-police_current": str(cases)},
                lambda: c.exists(IssueAssessment, municipality_id=c.world["home_id"], severity=4,
                                 police_current=cases))


def _priority_confirm(c: Ctx, role: str) -> Post:
    """The agreed priorities: livestock theft at place 1, with a reason (other tables' answers may move the ranking)."""
    from cpplan.priorities.models import PriorityDecision

    def decisions() -> int:
        with c.app.app_context():
            return db.session.scalar(db.select(db.func.count()).select_from(PriorityDecision)
                                     .filter_by(municipality_id=c.world["home_id"]))

    before = decisions()
    return Post(f"/m/{c.home}/priorities/confirm", {"decided_on": "2024-05-14", "issue_1": "livestock_theft",
                                                       "reason_1": "Agreed at the community meeting."},
                lambda: decisions() > before)


def new_meeting(c: Ctx, slug: str | None = None) -> int:
    """Insert a meeting of slug (default: home) and return its id."""
    from datetime import date

    from cpplan.priorities.meetings import Meeting

    with c.app.app_context():
        meeting = Meeting(municipality=c._municipality(slug or c.home), held_on=date(2026, 3, 15),
                          place=f"Hall {c._next()}")
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def new_vote(c: Ctx, status: str = "open", slug: str | None = None) -> tuple[int, int, str]:
    """Insert a meeting with a 3-dot vote on all issues (open or closed); return (meeting id, vote id, code)."""
    from cpplan.priorities import voting
    from cpplan.priorities.meetings import Meeting
    from cpplan.surveys import catalogue

    mid = new_meeting(c, slug)
    with c.app.app_context():
        meeting = db.session.get(Meeting, mid)
        vote = voting.open_vote(meeting, 3, catalogue.issues_for(meeting.municipality_id))
        if status == "closed":
            voting.close_vote(vote)
        db.session.commit()
        return mid, vote.id, vote.code


def closed_survey(c: Ctx) -> int:
    """Return the id of a closed survey of home (public results), made on first use."""
    if not hasattr(c, "_closed_survey"):
        c._closed_survey = c.new_survey(c.home, "closed")[0]
    return c._closed_survey


def follow_up_survey(c: Ctx) -> int:
    """Return the id of an open follow-up survey of home, newer than every baseline, made on first use."""
    if not hasattr(c, "_follow_up_survey"):
        from cpplan.surveys import services

        c.open_survey()
        with c.app.app_context():
            survey = services.create_standard(c._municipality(c.home), "follow_up")
            services.open_survey(survey)
            db.session.commit()
            c._follow_up_survey = survey.id
    return c._follow_up_survey


def home_vote(c: Ctx) -> tuple[int, int, str]:
    """Return (meeting id, vote id, code) of an open vote of home for the GET tables, made on first use."""
    if not hasattr(c, "_home_vote"):
        c._home_vote = new_vote(c)
    return c._home_vote


def _meeting_new(c: Ctx, role: str) -> Post:
    from cpplan.priorities.meetings import Meeting

    place = f"School hall {role} {c._next()}"
    return Post(f"/m/{c.home}/meetings/new", {"held_on": "2026-03-15", "place": place, "n_female_18_29": "4"},
                lambda: c.exists(Meeting, place=place))


def _meeting_edit(c: Ctx, role: str) -> Post:
    from cpplan.priorities.meetings import Meeting

    mid, place = new_meeting(c), f"Renamed hall {role}"
    return Post(f"/m/{c.home}/meetings/{mid}/edit", {"held_on": "2026-03-16", "place": place, "n_male_60_plus": "2"},
                lambda: c.get(Meeting, mid).place == place)


def _vote_open(c: Ctx, role: str) -> Post:
    from cpplan.priorities.meetings import Vote

    mid = new_meeting(c)
    return Post(f"/m/{c.home}/meetings/{mid}/votes", {"dots": "3", "issues": ["road_safety", "livestock_theft"]},
                lambda: c.exists(Vote, meeting_id=mid))


def _vote_hands(c: Ctx, role: str) -> Post:
    from cpplan.priorities.meetings import VoteOption

    _mid, vid, _code = new_vote(c)
    return Post(f"/m/{c.home}/votes/{vid}/hands", {"h_road_safety": "7"},
                lambda: c.exists(VoteOption, vote_id=vid, hands=7))


def _vote_close(c: Ctx, role: str) -> Post:
    from cpplan.priorities.meetings import Vote

    _mid, vid, _code = new_vote(c)
    return Post(f"/m/{c.home}/votes/{vid}/close", {}, lambda: c.get(Vote, vid).status == "closed")


def _ballot(c: Ctx, role: str) -> Post:
    """A participant's ballot in a fresh open vote: 2 dots on road safety, 1 on livestock theft."""
    from cpplan.priorities.meetings import Ballot

    _mid, vid, code = new_vote(c)
    return Post(f"/v/{code}", {"d.road_safety": "2", "d.livestock_theft": "1"},
                lambda: c.exists(Ballot, vote_id=vid))


def new_plan(c: Ctx, status: str = "draft", slug: str | None = None) -> tuple[int, int, int]:
    """Insert a plan of slug (default: home) with one issue and one measure; return (plan, issue, measure) ids."""
    from cpplan.plans.models import Measure, Plan, PlanIssue
    from cpplan.surveys.models import Issue

    with c.app.app_context():
        issue = db.session.scalar(db.select(Issue).filter_by(code="road_safety", municipality_id=None))
        plan = Plan(municipality=c._municipality(slug or c.home), title_en=f"Plan {c._next()}", first_year=2026,
                    last_year=2028, status=status)
        plan_issue = PlanIssue(issue_id=issue.id, position=1, problem_en="Speeding near the school.")
        plan.issues.append(plan_issue)
        plan.measures.append(Measure(plan_issue=plan_issue, title_en="Speed bumps", start="2026-03", end="2026-06"))
        db.session.add(plan)
        db.session.commit()
        return plan.id, plan_issue.id, plan.measures[0].id


def home_plan(c: Ctx) -> tuple[int, int, int]:
    """Return (plan, issue, measure) ids of a draft plan of home for the GET tables, made on first use."""
    if not hasattr(c, "_home_plan"):
        c._home_plan = new_plan(c)
    return c._home_plan


def adopted_home_plan(c: Ctx) -> tuple[int, int, int]:
    """Return (plan, issue, measure) ids of an adopted plan of home for the public page, made on first use."""
    if not hasattr(c, "_adopted_home_plan"):
        c._adopted_home_plan = new_plan(c, "adopted")
    return c._adopted_home_plan


def _plan_start(c: Ctx, role: str) -> Post:
    """Agreed priorities and no plan yet (earlier roles' plans are removed first): a draft plan is started."""
    from datetime import date

    from cpplan.plans.models import Plan
    from cpplan.priorities.models import DecisionItem, PriorityDecision
    from cpplan.surveys.models import Issue

    with c.app.app_context():
        if db.session.scalar(db.select(PriorityDecision.id).filter_by(municipality_id=c.world["home_id"])) is None:
            issue = db.session.scalar(db.select(Issue).filter_by(code="road_safety", municipality_id=None))
            decision = PriorityDecision(municipality_id=c.world["home_id"], decided_on=date(2026, 3, 1))
            decision.items.append(DecisionItem(issue_id=issue.id, position=1, ranked_position=1))
            db.session.add(decision)
        for plan in db.session.scalars(db.select(Plan).filter_by(municipality_id=c.world["home_id"])):
            db.session.delete(plan)
        db.session.commit()
    return Post(f"/m/{c.home}/plans/new", {}, lambda: c.exists(Plan, municipality_id=c.world["home_id"]))


def _plan_edit(c: Ctx, role: str) -> Post:
    from cpplan.plans.models import Plan

    pid, _iid, _mid = new_plan(c)
    title = f"Safer streets {role}"
    return Post(f"/m/{c.home}/plans/{pid}/edit", {"title": title, "first_year": "2026", "last_year": "2028"},
                lambda: c.get(Plan, pid).title_en == title)


def _plan_issue_edit(c: Ctx, role: str) -> Post:
    from cpplan.plans.models import PlanIssue

    pid, iid, _mid = new_plan(c)
    objective = f"Fewer road accidents ({role})"
    return Post(f"/m/{c.home}/plans/{pid}/issues/{iid}", {"problem": "Speeding.", "objective": objective},
                lambda: c.get(PlanIssue, iid).objective_en == objective)


def _measure_new(c: Ctx, role: str) -> Post:
    from cpplan.plans.models import Measure

    pid, iid, _mid = new_plan(c)
    title = f"Pedestrian crossing {role}"
    return Post(f"/m/{c.home}/plans/{pid}/issues/{iid}/measures/new",
                {"title": title, "start": "2026-Q2", "end": "2026-12", "cost": "15000.50", "status": "planned"},
                lambda: c.exists(Measure, plan_id=pid, title_en=title))


def _measure_edit(c: Ctx, role: str) -> Post:
    from cpplan.plans.models import Measure

    pid, _iid, mid = new_plan(c)
    title = f"Speed bumps near the school {role}"
    return Post(f"/m/{c.home}/plans/{pid}/measures/{mid}/edit",
                {"title": title, "start": "2026-03", "end": "2026-06", "cost": "8000", "status": "planned",
                 "indicators-0-name": "Accidents", "indicators-0-unit": "cases", "indicators-0-target": "0"},
                lambda: c.get(Measure, mid).title_en == title)


def _plan_transition(c: Ctx, role: str) -> Post:
    """The police start the review of a submitted plan; the coordinator and facilitators submit a draft."""
    from cpplan.plans.models import Plan

    police = role == "police"
    pid, _iid, _mid = new_plan(c, "submitted" if police else "draft")
    target = "in_review" if police else "submitted"
    return Post(f"/m/{c.home}/plans/{pid}/transition", {"action": "start_review" if police else "submit"},
                lambda: c.get(Plan, pid).status == target)


def second_home_version(c: Ctx) -> int:
    """Return the id of a version 2 of home's plan, made from an adopted version 1 (made on first use)."""
    from cpplan.plans.models import Plan

    if not hasattr(c, "_second_home_version"):
        first, _iid, _mid = new_plan(c, "adopted")
        second, _iid, _mid = new_plan(c)
        with c.app.app_context():
            plan = db.session.get(Plan, second)
            plan.previous_id, plan.version = first, 2
            db.session.commit()
        c._second_home_version = second
    return c._second_home_version


def _plan_comment(c: Ctx, role: str) -> Post:
    """A comment on the measure of a fresh draft plan."""
    from cpplan.plans.models import PlanComment

    pid, _iid, mid = new_plan(c)
    body = f"Put the bumps before the school gate ({role})."
    return Post(f"/m/{c.home}/plans/{pid}/comments", {"body": body, "measure_id": str(mid)},
                lambda: c.exists(PlanComment, plan_id=pid, measure_id=mid, body=body))


def _plan_new_version(c: Ctx, role: str) -> Post:
    from cpplan.plans.models import Plan

    pid, _iid, _mid = new_plan(c, "adopted")
    return Post(f"/m/{c.home}/plans/{pid}/new-version", {}, lambda: c.exists(Plan, previous_id=pid, status="draft"))


def new_indicator(c: Ctx, measure_id: int) -> int:
    """Add a survey-share indicator (residents feeling safe, %, from 40 to 60) to the measure; return its id."""
    from cpplan.plans.models import Indicator

    with c.app.app_context():
        indicator = Indicator(measure_id=measure_id, position=c._next(), name=f"Residents feeling safe {c._n}",
                              unit="%", baseline="40", target="60", source="Safety survey")
        db.session.add(indicator)
        db.session.commit()
        return indicator.id


def progress_measure(c: Ctx) -> tuple[int, int, int]:
    """Return (plan, measure, indicator) ids of an adopted plan of home with a survey-share indicator (first use)."""
    if not hasattr(c, "_progress_measure"):
        pid, _iid, mid = new_plan(c, "adopted")
        c._progress_measure = (pid, mid, new_indicator(c, mid))
    return c._progress_measure


def rated_follow_up_survey(c: Ctx, slug: str) -> int:
    """Return a new closed follow-up survey of slug in which 12 residents rate road safety 5 (a published share)."""
    from cpplan.surveys import services

    with c.app.app_context():
        survey = services.create_standard(c._municipality(slug), "follow_up")
        services.open_survey(survey)
        db.session.commit()
        for _n in range(12):
            services.submit(survey, str(uuid.uuid4()), {"consent": "yes", "issue_seriousness": {"road_safety": 5}},
                            "web")
        services.close_survey(survey)
        db.session.commit()
        return survey.id


def progress_survey(c: Ctx) -> int:
    """Return the id of home's rated follow-up survey (made on first use)."""
    if not hasattr(c, "_progress_survey"):
        c._progress_survey = rated_follow_up_survey(c, c.home)
    return c._progress_survey


def _progress_url(c: Ctx, tail: str) -> str:
    pid, mid, _iid = progress_measure(c)
    return f"/m/{c.home}/plans/{pid}/measures/{mid}/progress{tail}"


def _progress_status(c: Ctx, role: str) -> Post:
    """The measure is under way, a different percent complete for every role."""
    from cpplan.budget.progress import MeasureProgress

    _pid, mid, _iid = progress_measure(c)
    percent = 10 + ROLES.index(role)
    return Post(_progress_url(c, "/status"), {"status": "in_progress", "percent_complete": str(percent)},
                lambda: c.exists(MeasureProgress, measure_id=mid, percent_complete=percent))


def _progress_value(c: Ctx, role: str) -> Post:
    from cpplan.budget.progress import IndicatorValue

    _pid, _mid, iid = progress_measure(c)
    note = f"Counted by {role}"
    return Post(_progress_url(c, f"/indicators/{iid}/values"),
                {"measured_on": "2026-05-01", "value": "42,5", "note": note},
                lambda: c.exists(IndicatorValue, indicator_id=iid, note=note))


def _progress_from_survey(c: Ctx, role: str) -> Post:
    """A fresh indicator takes road safety's published share from the closed follow-up survey."""
    from cpplan.budget.progress import IndicatorValue

    _pid, mid, _iid = progress_measure(c)
    iid, sid = new_indicator(c, mid), progress_survey(c)
    return Post(_progress_url(c, f"/indicators/{iid}/from-survey"), {"survey": str(sid), "issue": "road_safety"},
                lambda: c.exists(IndicatorValue, indicator_id=iid, source="survey", survey_id=sid))


def _budget_url(c: Ctx, tail: str) -> str:
    """Return the budget page (plus tail) of the measure of home's adopted plan."""
    pid, _iid, mid = adopted_home_plan(c)
    return f"/m/{c.home}/plans/{pid}/measures/{mid}/budget{tail}"


def _budget_allocation(c: Ctx, role: str) -> Post:
    """A donor's allocation to the adopted plan's measure, its decision named after the role."""
    from cpplan.budget.models import Allocation

    _pid, _iid, mid = adopted_home_plan(c)
    decision = f"Grant {role}"
    return Post(_budget_url(c, "/allocations"),
                {"allocation-source": "donor", "allocation-donor_name": "UNDP", "allocation-year": "2026",
                 "allocation-amount": "25000.50", "allocation-decision_ref": decision},
                lambda: c.exists(Allocation, measure_id=mid, decision_ref=decision), csrf_field="allocation-csrf_token")


def _budget_expenditure(c: Ctx, role: str) -> Post:
    from cpplan.budget.models import Expenditure

    _pid, _iid, mid = adopted_home_plan(c)
    purpose = f"Paint for the crossing ({role})"
    return Post(_budget_url(c, "/expenditures"),
                {"expenditure-spent_on": "2026-05-01", "expenditure-amount": "1200", "expenditure-purpose": purpose},
                lambda: c.exists(Expenditure, measure_id=mid, purpose=purpose), csrf_field="expenditure-csrf_token")


def _exchange_rate(c: Ctx, role: str) -> Post:
    """A rate for a year that has none yet."""
    from cpplan.budget.models import ExchangeRate

    with c.app.app_context():
        taken = set(db.session.scalars(db.select(ExchangeRate.year)))
    year = min(set(range(2000, 2101)) - taken)
    return Post("/admin/exchange-rates", {"year": str(year), "kgs_per_usd": "87.4512"},
                lambda: c.exists(ExchangeRate, year=year))


POSTS: dict[str, Callable[[Ctx, str], Post]] = {
    "accounts.login": _login,
    "accounts.logout": _logout,
    "accounts.account": _account,
    "accounts.change_password": _change_password,
    "accounts.set_language": _set_language,
    "municipalities.group": _group_add,
    "municipalities.group_member": _group_edit,
    "municipalities.delete_group_member": _group_delete,
    "municipalities.add_organisation": _org_add,
    "municipalities.organisation": _org_edit,
    "municipalities.delete_organisation": _org_delete,
    "municipalities.members": _members_add,
    "municipalities.change_role": _change_role,
    "municipalities.remove_member": _remove_member,
    "admin.new_municipality": _municipality_new,
    "admin.municipality": _municipality_edit,
    "admin.add_area": _area_add,
    "admin.area": _area_edit,
    "admin.delete_area": _area_delete,
    "admin.new_user": _user_new,
    "admin.user": _user_edit,
    "admin.add_membership": _membership_add,
    "admin.delete_membership": _membership_delete,
    "surveys.create": _survey_create,
    "surveys.open_": _survey_open,
    "surveys.close": _survey_close,
    "surveys.edit_question": _edit_question,
    "api.submit_response": _submit_response,
    "surveys.import_kobo": _import_kobo,
    "surveys.referral": _referral,
    "surveys.add_issue": _add_issue,
    "survey_form.form": _survey_answer,
    "surveys.paper": _paper_entry,
    "meetings.new": _meeting_new,
    "meetings.edit": _meeting_edit,
    "meetings.open_vote": _vote_open,
    "meetings.hands": _vote_hands,
    "meetings.close_vote": _vote_close,
    "meetings.ballot": _ballot,
    "priorities.weights": _priority_weights,
    "priorities.assessment": _priority_assessment,
    "priorities.confirm": _priority_confirm,
    "plans.start": _plan_start,
    "plans.edit": _plan_edit,
    "plans.edit_issue": _plan_issue_edit,
    "plans.new_measure": _measure_new,
    "plans.edit_measure": _measure_edit,
    "plans.transition": _plan_transition,
    "plans.new_version": _plan_new_version,
    "plans.comment": _plan_comment,
    "budget.add_allocation": _budget_allocation,
    "budget.add_expenditure": _budget_expenditure,
    "budget.exchange_rates": _exchange_rate,
    "progress.status": _progress_status,
    "progress.add_value": _progress_value,
    "progress.from_survey": _progress_from_survey,
}

# Expected answer to a POST with a valid CSRF token and valid data, per role.
#                                          anonymous viewer member police facilitator coordinator outsider admin
EXPECTED_POST: dict[str, dict] = {
    "accounts.login":                     row(OK,    HOME,  HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "accounts.logout":                    row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "accounts.account":                   row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "accounts.change_password":           row(LOGIN, OK,    OK,    OK,    OK,    OK,    OK,    OK),
    # Anonymous visitors switch language too, in their session only: the database does not change.
    "accounts.set_language":              row(HOME,  OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "municipalities.group":               row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.group_member":        row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.delete_group_member": row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.add_organisation":    row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.organisation":        row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.delete_organisation": row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.members":             row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.change_role":         row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "municipalities.remove_member":       row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "admin.new_municipality":             row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.municipality":                 row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.add_area":                     row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.area":                         row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.delete_area":                  row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.new_user":                     row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.user":                         row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.add_membership":               row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "admin.delete_membership":            row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    "surveys.create":                     row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "surveys.open_":                      row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "surveys.close":                      row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "surveys.edit_question":              row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    # Anyone may answer an open survey, logged in or not.
    "api.submit_response":                row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "surveys.import_kobo":                row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "surveys.referral":                   row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "surveys.add_issue":                  row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "survey_form.form":                   row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "surveys.paper":                      row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "meetings.new":                       row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "meetings.edit":                      row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "meetings.open_vote":                 row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "meetings.hands":                     row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "meetings.close_vote":                row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    # Anyone may vote with an open vote's code, once per phone (a new vote each time here).
    "meetings.ballot":                    row(OK,    OK,    OK,    OK,    OK,    OK,    OK,    OK),
    "priorities.weights":                 row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "priorities.assessment":              row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "priorities.confirm":                 row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "plans.start":                        row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "plans.edit":                         row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "plans.edit_issue":                   row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "plans.new_measure":                  row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "plans.edit_measure":                 row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    # The police take the review steps, the coordinator and facilitators submit (each role its own step).
    "plans.transition":                   row(LOGIN, 403,   403,   OK,    OK,    OK,    403,   OK),
    "plans.new_version":                  row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    # Every role of the municipality but viewers comments on the plan and its measures.
    "plans.comment":                      row(LOGIN, 403,   OK,    OK,    OK,    OK,    403,   OK),
    # Only the coordinator (and site admins) record an adopted plan's money; only site admins set rates.
    "budget.add_allocation":              row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "budget.add_expenditure":             row(LOGIN, 403,   403,   403,   403,   OK,    403,   OK),
    "budget.exchange_rates":              row(LOGIN, 403,   403,   403,   403,   403,   403,   OK),
    # The coordinator and facilitators record the progress of an adopted plan's measures.
    "progress.status":                    row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "progress.add_value":                 row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
    "progress.from_survey":               row(LOGIN, 403,   403,   403,   OK,    OK,    403,   OK),
}


def allowed_role(endpoint: str) -> str:
    """A role that may POST to the endpoint (the admin where possible)."""
    expected = EXPECTED_POST[endpoint]
    return "admin" if expected["admin"] == OK else next(r for r in ROLES if expected[r] == OK)


def url_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


# POST rules exempt from CSRF on purpose, and no others (test_csrf checks the app exempts exactly these):
# the offline-sync endpoint is called by phones with no cookie session; the survey token is its only
# credential and the answers are anonymous.
CSRF_EXEMPT = frozenset({"api.submit_response"})


# ---------------------------------------------------------------------------------------------
# Clients logged in per role.

def logged_in_client(app, email: str | None):
    """Return a test client logged in as email (anonymous when None)."""
    client = app.test_client()
    if email is not None:
        token = csrf_token(client, "/login")
        response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, f"login of {email} failed: {response.status_code}"
    return client


def token_for(client, role: str) -> str:
    """Return a valid CSRF token of the client's session."""
    return csrf_token(client, "/login" if role == "anonymous" else "/account")


def location(response) -> str:
    return response.headers.get("Location", "")


def outcome(response) -> object:
    """Describe a response the way the tables do: a status code, LOGIN or HOME."""
    if response.status_code == 302:
        target = location(response)
        if target.startswith("/login"):
            return LOGIN
        if target == "/my":
            return HOME
        if re.fullmatch(r"/m/[^/]+/results/\d+", target):
            return RESULTS
        return f"302 -> {target}"
    return response.status_code
