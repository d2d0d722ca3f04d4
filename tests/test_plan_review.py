"""Review pages of a plan: comments on the plan and its measures, the audit log across versions, what changed."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal as D

import pytest

from access_cases import page_text, snapshot, translated
from conftest import csrf_token
from cpplan.extensions import db
from cpplan.i18n import format_money
from cpplan.plans.models import Measure, Plan, PlanComment, PlanEvent
from plan_factory import make_plan


@pytest.fixture
def plan_id(app, world) -> int:
    """A draft plan of home with four library measures (two issues' worth of the factory's data)."""
    with app.app_context():
        return make_plan(world["home_id"], measures=4)


def url(world, tail: str = "") -> str:
    return f"/m/{world['home']}/plans{tail}"


def post(client, target: str, data: dict):
    return client.post(target, data={**data, "csrf_token": csrf_token(client, "/account")})


def measure_ids(app, plan_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Measure.id).filter_by(plan_id=plan_id).order_by(Measure.id)))


def comments(app) -> list[tuple]:
    with app.app_context():
        return [(c.plan_id, c.measure_id, c.body) for c in db.session.scalars(db.select(PlanComment))]


def card(html: str, measure_id: int) -> str:
    """Return the HTML of one measure's card on the plan page."""
    found = re.search(rf'<li id="measure-{measure_id}">(.*?)\n  </li>', html, re.S)
    assert found, f"no card of measure {measure_id}"
    return found.group(1)


def section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}".*?</section>', html, re.S)
    assert found, anchor
    return found.group(0)


# --- comments -------------------------------------------------------------------------------------------

def test_comment_is_saved_and_shown_under_its_measure(app, world, as_role, plan_id):
    first, second = measure_ids(app, plan_id)[:2]
    response = post(as_role("member"), url(world, f"/{plan_id}/comments"),
                    {"body": "  Ask the vets about the ear-tag price.  ", "measure_id": str(second)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/plans/{plan_id}#measure-{second}")
    response = post(as_role("police"), url(world, f"/{plan_id}/comments"), {"body": "Add the summer pastures."})
    assert response.headers["Location"].endswith(f"/plans/{plan_id}#comments")
    assert comments(app) == [(plan_id, second, "Ask the vets about the ear-tag price."),
                             (plan_id, None, "Add the summer pastures.")]
    html = page_text(as_role("viewer").get(url(world, f"/{plan_id}")))
    assert "Ask the vets about the ear-tag price." in card(html, second)
    assert "member · Working group member" in card(html, second)
    assert "Ask the vets" not in card(html, first)
    plan_comments = section(html, "comments")
    assert "Add the summer pastures." in plan_comments and "police · Police" in plan_comments
    assert "Ask the vets" not in plan_comments
    assert html.index('id="comments"') < html.index('id="workflow"')
    assert "Your comment" not in html  # a viewer reads the comments but gets no form


def test_comment_forms_are_offered_to_commenters(app, world, as_role, plan_id):
    first = measure_ids(app, plan_id)[0]
    html = page_text(as_role("police").get(url(world, f"/{plan_id}")))
    assert f'name="measure_id" value="{first}"' in card(html, first)
    assert "No comments yet." in section(html, "comments")
    assert 'for="comment-body-plan"' in section(html, "comments")


@pytest.mark.parametrize("body, message", [
    ("", "Write the comment first."),
    ("   \n ", "Write the comment first."),
    ("x" * 2001, "At most 2000 characters."),
])
def test_bad_comment_is_refused_at_the_field_and_nothing_saved(app, world, as_role, plan_id, body, message):
    measure = measure_ids(app, plan_id)[1]
    client = as_role("facilitator")
    for target, field in ((str(measure), f"comment-body-{measure}"), ("", "comment-body-plan")):
        before = snapshot(app)
        response = post(client, url(world, f"/{plan_id}/comments"), {"body": body, "measure_id": target})
        assert response.status_code == 400
        html = page_text(response)
        error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html)
        assert error and message in error.group(1), html
        assert f'aria-describedby="{field}-error"' in html
        if body.strip():
            assert body in html  # the text is offered again, not lost
        assert snapshot(app) == before


def test_comment_in_russian_is_refused_in_russian(app, world, as_role, plan_id):
    client = as_role("member")
    before = snapshot(app)
    response = post(client, url(world, f"/{plan_id}/comments?lang=ru"), {"body": "x" * 2001})
    assert response.status_code == 400
    assert translated(app, "At most %(max)d characters.", "ru", max=2000) in page_text(response)
    assert snapshot(app) == before


def test_measure_of_another_plan_is_refused(app, world, as_role, plan_id):
    with app.app_context():
        other_plan = make_plan(world["home_id"], measures=1)
    foreign = measure_ids(app, other_plan)[0]
    client = as_role("coordinator")
    before = snapshot(app)
    for measure in (str(foreign), "999999", "abc", "-1", "9" * 30):
        response = post(client, url(world, f"/{plan_id}/comments"), {"body": "Hijack", "measure_id": measure})
        assert response.status_code == 404, measure
    assert snapshot(app) == before


@pytest.mark.parametrize("role, status", [("viewer", 403), ("outsider", 403), ("anonymous", 302)])
def test_readers_and_strangers_cannot_comment(app, world, as_role, plan_id, role, status):
    client = as_role(role)
    token = csrf_token(client, "/login" if role == "anonymous" else "/account")
    before = snapshot(app)
    response = client.post(url(world, f"/{plan_id}/comments"), data={"body": "Me too", "csrf_token": token})
    assert response.status_code == status
    assert snapshot(app) == before


def test_comments_are_not_in_the_audit_log(app, world, as_role, plan_id):
    post(as_role("member"), url(world, f"/{plan_id}/comments"), {"body": "Fine by me."})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PlanEvent.id))) == 0


# --- the audit log --------------------------------------------------------------------------------------

def step(client, world, plan_id: int, action: str, **extra):
    return post(client, url(world, f"/{plan_id}/transition"), {"action": action, **extra})


def rows(html: str) -> list[str]:
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<tr.*?</tr>", body.group(1), re.S) if body else []


def test_log_lists_a_refused_transition_with_its_badge(app, world, as_role, plan_id):
    assert step(as_role("police"), world, plan_id, "approve").status_code == 409
    assert step(as_role("facilitator"), world, plan_id, "submit", note="Ready for review").status_code == 302
    coordinator = as_role("coordinator")
    html = page_text(coordinator.get(url(world, f"/{plan_id}/log")))
    submitted, refused = rows(html)  # newest first
    assert "Submit for review" in submitted and "facilitator" in submitted and "Ready for review" in submitted
    assert "Draft → Submitted" in submitted and "badge-refused" not in submitted
    assert 'class="refused"' in refused and '<span class="badge badge-refused">refused</span>' in refused
    assert "Approve" in refused and "police" in refused
    only = rows(page_text(coordinator.get(url(world, f"/{plan_id}/log?only=refused"))))
    assert len(only) == 1 and "Approve" in only[0]
    # The plan page keeps only a link to the log, with the counts.
    detail = page_text(coordinator.get(url(world, f"/{plan_id}")))
    assert "Audit log (2 entries, 1 refused)" in detail and "Ready for review" not in detail
    assert f'href="/m/{world["home"]}/plans/{plan_id}/log"' in detail


@pytest.mark.parametrize("role", ["member", "police", "facilitator", "viewer"])
def test_log_is_for_the_coordinator_and_admins(app, world, as_role, plan_id, role):
    client = as_role(role)
    assert client.get(url(world, f"/{plan_id}/log")).status_code == 403
    assert f"/plans/{plan_id}/log" not in page_text(client.get(url(world, f"/{plan_id}")))
    assert as_role("admin").get(url(world, f"/{plan_id}/log")).status_code == 200


def test_log_follows_earlier_versions_and_filters_by_version(app, world, as_role):
    with app.app_context():
        first = make_plan(world["home_id"], status="adopted", council=("12/3", date(2026, 1, 15)))
    coordinator = as_role("coordinator")
    assert step(as_role("police"), world, first, "approve").status_code == 409  # recorded on version 1
    response = post(coordinator, url(world, f"/{first}/new-version"), {})
    second = int(re.search(r"/plans/(\d+)$", response.headers["Location"]).group(1))
    html = page_text(coordinator.get(url(world, f"/{second}/log")))
    both = rows(html)
    assert len(both) == 2 and "New version made" in both[0] and "Approve" in both[1]
    assert [re.findall(r"<td>(\d+)</td>", r) for r in both] == [["2"], ["1"]]  # the version column
    assert '<option value="1">Version 1</option>' in html
    only_first = rows(page_text(coordinator.get(url(world, f"/{second}/log?version=1"))))
    assert len(only_first) == 1 and "Approve" in only_first[0]
    assert len(rows(page_text(coordinator.get(url(world, f"/{second}/log?version=2&only=refused"))))) == 0
    assert coordinator.get(url(world, f"/{second}/log?version=9")).status_code == 404
    # Version 1's own log does not show the later version's entries.
    assert len(rows(page_text(coordinator.get(url(world, f"/{first}/log"))))) == 1


def test_log_shows_bishkek_time_and_the_measure(app, world, as_role, plan_id):
    measure = measure_ids(app, plan_id)[0]
    with app.app_context():
        title = db.session.get(Measure, measure).title_en
        db.session.add(PlanEvent(plan_id=plan_id, measure_id=measure, action="edit_measure", from_state="draft",
                                 to_state="draft", at=datetime(2026, 3, 14, 20, 30, tzinfo=timezone.utc)))
        db.session.commit()
    [row] = rows(page_text(as_role("coordinator").get(url(world, f"/{plan_id}/log?lang=en"))))
    assert "Mar 15, 2026" in row and "2:30:00" in row  # UTC+6
    assert "Measure edited" in row and title in row


def test_log_pages_100_rows_and_keeps_the_filter(app, world, as_role, plan_id):
    with app.app_context():
        db.session.add_all(PlanEvent(plan_id=plan_id, action="edit", from_state="draft", to_state="draft",
                                     refused=True, at=datetime(2026, 1, 1, tzinfo=timezone.utc))
                           for _ in range(150))
        db.session.commit()
    client = as_role("admin")
    html = page_text(client.get(url(world, f"/{plan_id}/log?only=refused")))
    assert len(rows(html)) == 100 and "Page 1 of 2" in html
    next_page = re.search(r'href="([^"]+)" rel="next"', html).group(1)
    assert "only=refused" in next_page and "page=2" in next_page
    assert len(rows(page_text(client.get(next_page)))) == 50


# --- what changed between two versions --------------------------------------------------------------------

def edit_cost(app, client, world, plan_id: int, measure_id: int, cost: str):
    """Send the measure's edit form with its stored values but a new cost."""
    with app.app_context():
        m = db.session.get(Measure, measure_id)
        data = {"title": m.title_en, "description": m.description_en, "lead": str(m.lead_id or ""),
                "partners": [str(o.id) for o in m.partners], "start": m.start, "end": m.end, "cost": cost,
                "funded": "" if m.funded is None else str(m.funded), "area": str(m.area_id or ""),
                "lat": "" if m.lat is None else str(m.lat), "lon": "" if m.lon is None else str(m.lon),
                "status": m.status}
        for n, i in enumerate(m.indicators[:3]):
            data.update({f"indicators-{n}-{k}": getattr(i, k) for k in ("name", "unit", "baseline", "target",
                                                                         "source")})
    response = post(client, url(world, f"/{plan_id}/measures/{measure_id}/edit?lang=en"), data)
    assert response.status_code == 302, page_text(response)


@pytest.fixture
def new_version(app, world, as_role) -> tuple[int, int, D]:
    """An adopted plan and its version 2 with the first measure's cost raised: (v1 id, v2 id, the old cost)."""
    with app.app_context():
        first = make_plan(world["home_id"], status="adopted", council=("12/3", date(2026, 1, 15)))
    coordinator = as_role("coordinator")
    response = post(coordinator, url(world, f"/{first}/new-version"), {})
    second = int(re.search(r"/plans/(\d+)$", response.headers["Location"]).group(1))
    measure = measure_ids(app, second)[0]
    with app.app_context():
        old_cost = db.session.get(Measure, measure).cost
    edit_cost(app, coordinator, world, second, measure, "20000.75")
    return first, second, old_cost


@pytest.mark.parametrize("lang, cost_label", [("en", "Cost"), ("ru", None)])
def test_compare_shows_a_cost_change(app, world, as_role, new_version, lang, cost_label):
    first, second, old_cost = new_version
    police = as_role("police")
    detail = page_text(police.get(url(world, f"/{second}?lang={lang}")))
    assert f'href="/m/{world["home"]}/plans/{second}/compare"' in detail
    html = page_text(police.get(url(world, f"/{second}/compare?lang={lang}")))
    cost_label = cost_label or translated(app, "Cost", lang)
    assert cost_label != "Cost" or lang == "en"
    row = re.search(rf"<tr><th scope=\"row\">{cost_label}</th><td>(.*?)</td><td>(.*?)</td></tr>", html)
    assert row, html
    assert row.groups() == (format_money(old_cost, lang), format_money(D("20000.75"), lang))
    assert html.count('<th scope="row">') == 1  # nothing else changed
    # The other way round (?with= the newer version) is the same comparison.
    again = page_text(police.get(url(world, f"/{first}/compare?with={second}&lang={lang}")))
    assert format_money(D("20000.75"), lang) in again


def test_compare_names_organisations_in_the_page_language_and_removed_measures(app, world, as_role, new_version):
    _first, second, _cost = new_version
    with app.app_context():
        plan = db.session.get(Plan, second)
        changed, removed = plan.measures[1], plan.measures[3]
        old_lead = changed.lead
        new_lead = next(o for o in plan.municipality.organisations if o.id != old_lead.id)
        assert changed.partners  # the factory gives every measure partners
        names = (old_lead.name_ky, new_lead.name_ky)
        changed.lead, changed.partners = new_lead, []
        removed_title = removed.title_ky
        db.session.delete(removed)
        db.session.commit()
    html = page_text(as_role("member").get(url(world, f"/{second}/compare?lang=ky")))
    lead = re.search(r'<tr><th scope="row">Жооптуу аткаруучу</th><td>(.*?)</td><td>(.*?)</td></tr>', html)
    assert lead and lead.groups() == names
    assert re.search(r'<tr><th scope="row">Өнөктөштөр</th><td>[^<]+</td><td>—</td></tr>', html)
    assert re.search(rf"<h3>{re.escape(removed_title)} <span class=\"badge badge-removed\">", html)


def test_compare_refuses_foreign_and_bad_versions(app, world, as_role, new_version):
    _first, second, _cost = new_version
    with app.app_context():
        foreign = make_plan(world["other_id"], measures=1)
        lonely = make_plan(world["home_id"], measures=1)
    client = as_role("coordinator")
    for query in (f"?with={foreign}", "?with=abc", "?with=999999", "?with="):
        assert client.get(url(world, f"/{second}/compare{query}")).status_code == 404, query
    assert as_role("outsider").get(f"/m/{world['other']}/plans/{second}/compare").status_code == 404
    html = page_text(client.get(url(world, f"/{lonely}/compare")))
    assert "there is no earlier version to compare it with" in html
    assert f"/plans/{lonely}/compare?with={second}" in html
    assert "What changed since" not in page_text(client.get(url(world, f"/{lonely}")))
