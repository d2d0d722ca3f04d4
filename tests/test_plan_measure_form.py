"""The measure form's point (typed, or picked on the lazily loaded map) and its secured funding, through the routes."""
from __future__ import annotations

import html as html_lib
import json
import re
from decimal import Decimal as D

import pytest

from access_cases import page_text, snapshot
from cpplan import maps
from cpplan.plans import validation
from cpplan.plans.forms import FUNDED_ERRORS, MEASURE_ERRORS
from test_plans import MEASURE, issue_id, plan_of, post, started, url

POINT = {"lat": "42.4931", "lon": "78.3955"}  # Karakol, Issyk-Kul region
EVIL = "</script><script>alert(1)</script> ${alert(1)} `x` \"q\""


@pytest.fixture
def plan(app, world, as_role):
    """Return (plan id, URL of the new-measure form) of a draft plan on livestock theft."""
    plan_id = started(app, world, as_role, "livestock_theft")
    return plan_id, url(world, f"/{plan_id}/issues/{issue_id(app, plan_id)}/measures/new")


def added(app, as_role, plan, data: dict):
    """Add a measure as the facilitator; return the stored measure."""
    plan_id, new = plan
    response = post(as_role("facilitator"), new, {**MEASURE, **data})
    assert response.status_code == 302, page_text(response)
    return plan_of(app, plan_id).measures[-1]


def field_error(response, name: str) -> str:
    """Return the error message shown at the field, asserting the page refused the form."""
    assert response.status_code == 400
    text = page_text(response)
    found = re.search(rf'<p class="error" id="{name}-error">(.*?)</p>', text)
    assert found, text
    return found.group(1)


def picker_data(text: str) -> dict:
    """Return the data-* attributes of the page's point picker."""
    tag = re.search(r'<div class="point-picker"([^>]*)>', text).group(1)
    return {k: html_lib.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', tag)}


# --- the point ---------------------------------------------------------------------------------------

def test_point_from_the_form_is_saved_prefilled_and_cleared(app, world, as_role, plan):
    measure = added(app, as_role, plan, {"lat": " 42,49312345 ", "lon": "78.3955"})
    assert (measure.lat, measure.lon) == (D("42.493123"), D("78.395500"))
    plan_id, _new = plan
    edit = url(world, f"/{plan_id}/measures/{measure.id}/edit")
    client = as_role("facilitator")
    text = page_text(client.get(edit))
    assert 'value="42.493123"' in text and 'value="78.395500"' in text
    assert json.loads(picker_data(text)["center"]) == [42.493123, 78.3955]  # the map opens on the point
    response = post(client, edit, {**MEASURE, "lat": "", "lon": ""})
    assert response.status_code == 302, page_text(response)
    measure = plan_of(app, plan_id).measures[0]
    assert (measure.lat, measure.lon) == (None, None)


@pytest.mark.parametrize("given, field, message", [
    ({"lat": "42.4931"}, "lon", MEASURE_ERRORS["point_incomplete"]),
    ({"lon": "78.3955"}, "lat", MEASURE_ERRORS["point_incomplete"]),
    ({"lat": "55.7558", "lon": "78.3955"}, "lat", MEASURE_ERRORS["bad_point"]),  # Moscow's latitude
    ({"lat": "42.4931", "lon": "37.6173"}, "lon", MEASURE_ERRORS["bad_point"]),
    ({"lat": "north", "lon": "78.3955"}, "lat", MEASURE_ERRORS["bad_coordinate"]),
])
def test_a_bad_point_is_refused_at_its_field_and_nothing_is_saved(app, world, as_role, plan, given, field, message):
    plan_id, new = plan
    client = as_role("coordinator")
    before = snapshot(app)
    response = post(client, new, {**MEASURE, **given})
    assert field_error(response, field) == str(message)
    assert snapshot(app) == before
    text = page_text(response)
    assert f'id="{field}"' in text and f'for="{field}"' in text and 'aria-invalid="true"' in text
    for name, value in given.items():  # what was typed comes back to be corrected
        assert f'value="{value}"' in text


def test_a_bad_point_on_edit_keeps_the_saved_one(app, world, as_role, plan):
    measure = added(app, as_role, plan, POINT)
    plan_id, _new = plan
    before = snapshot(app)
    response = post(as_role("coordinator"), url(world, f"/{plan_id}/measures/{measure.id}/edit"),
                    {**MEASURE, "lat": "", "lon": "78.4"})
    assert field_error(response, "lat") == str(MEASURE_ERRORS["point_incomplete"])
    assert snapshot(app) == before


# --- the secured funding -----------------------------------------------------------------------------

def test_secured_funding_is_saved_exactly_prefilled_and_shown(app, world, as_role, plan):
    measure = added(app, as_role, plan, {"cost": "20000", "funded": "12345.67"})
    assert measure.funded == D("12345.67")
    plan_id, _new = plan
    client = as_role("coordinator")
    assert 'value="12345.67"' in page_text(client.get(url(world, f"/{plan_id}/measures/{measure.id}/edit")))
    added(app, as_role, plan, {"title": "Street lights", "cost": "5000", "funded": ""})
    text = page_text(client.get(url(world, f"/{plan_id}")))
    facts = re.findall(r"<dt>Secured</dt><dd>(.*?)</dd>", text)
    assert len(facts) == 2 and "12,345.67" in facts[0] and facts[1] == "Not yet", facts
    assert text.index("<dt>Cost</dt>") < text.index("<dt>Secured</dt>")


@pytest.mark.parametrize("given, message", [
    ({"cost": "10000", "funded": "10000.01"}, MEASURE_ERRORS["funded_over_cost"]),
    ({"cost": "", "funded": "5000"}, MEASURE_ERRORS["funded_without_cost"]),
    ({"funded": "-1"}, FUNDED_ERRORS["negative"]),
    ({"funded": "1.005"}, FUNDED_ERRORS["too_many_decimals"]),
    ({"funded": "half"}, FUNDED_ERRORS["not_a_number"]),
])
def test_bad_secured_funding_is_refused_at_its_field_and_nothing_is_saved(app, world, as_role, plan, given,
                                                                          message):
    _plan_id, new = plan
    before = snapshot(app)
    response = post(as_role("coordinator"), new, {**MEASURE, **given})
    assert field_error(response, "funded") == str(message)
    assert snapshot(app) == before


def test_funding_equal_to_the_cost_is_fully_funded(app, as_role, plan):
    measure = added(app, as_role, plan, {"cost": "15000.50", "funded": "15 000,50"})
    assert measure.funded == measure.cost == D("15000.50")


def test_every_check_code_has_a_message():
    assert set(validation.ERRORS) - {"too_long"} == set(MEASURE_ERRORS)
    assert set(FUNDED_ERRORS) <= set(MEASURE_ERRORS)


# --- the picker on the page ----------------------------------------------------------------------------

def test_form_page_loads_no_leaflet_until_asked_and_has_no_inline_script_or_style(app, world, as_role, plan):
    _plan_id, new = plan
    response = as_role("facilitator").get(new)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", text)
    assert scripts == ['<script src="/static/js/point-picker.js">']  # no inline script, no Leaflet yet
    assert "leaflet.css" not in " ".join(re.findall(r"<link\b[^>]*>", text))
    assert " style=" not in text and "<style" not in text
    assert "nonce-" not in response.headers["Content-Security-Policy"]
    assert "http://" not in text.split("<main", 1)[1].split("</main>")[0]
    data = picker_data(text)
    assert (data["lat-input"], data["lon-input"]) == ("lat", "lon")
    assert data["leaflet-js"] == "/static/vendor/leaflet/leaflet.js"
    assert data["outline"] == "/static/vendor/kyrgyzstan.geojson"
    assert json.loads(data["center"]) == [42.34, 78.0]  # the municipality, as no point is typed
    assert json.loads(data["places"]) == [[42.34, 78.0, "Centre"]]
    # Without JavaScript only the inputs show: the buttons and the map panel are hidden.
    assert re.search(r'<button type="button"[^>]*data-picker="open" hidden>Pick on the map</button>', text)
    assert re.search(r'<button type="button"[^>]*data-picker="clear" hidden>Clear the point</button>', text)
    assert '<div data-picker="panel" hidden>' in text
    assert re.search(r'id="point-map" role="region" aria-label="[^"]+"', text)
    assert text.index('id="lat"') < text.index('id="lon"') < text.index('class="point-picker"')
    assert 'id="funded"' in text and text.index('id="cost"') < text.index('id="funded"')


def test_picker_escapes_every_text_and_falls_back_to_the_country():
    text = maps.PickerText(pick=EVIL, clear=EVIL, label=EVIL, hint=EVIL, failed=EVIL)
    parts = maps.picker_map(inputs=("lat", "lon"), script="/static/js/point-picker.js", text=text, center=None,
                            assets=maps.Assets("/l.js", "/l.css", None), places=[maps.Place(42.5, 78.4, EVIL)])
    markup = str(parts.html)
    assert "<script" not in markup and "`" not in markup and "$" not in markup and '"q"' not in markup
    data = {k: html_lib.unescape(v) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', markup)}
    assert json.loads(data["places"])[0][2] == maps.escape(EVIL)  # Leaflet shows tooltips as HTML
    assert (json.loads(data["center"]), int(data["zoom"])) == (list(maps.COUNTRY_VIEW[0]), maps.COUNTRY_VIEW[1])
    assert data["outline"] == "" and parts.css == [] and parts.script == ""
    assert parts.js == ["/static/js/point-picker.js"]
