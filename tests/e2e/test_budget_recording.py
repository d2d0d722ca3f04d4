"""Recording money on a phone, in Russian: two allocations and a payment for a measure of Karakol's adopted plan,
then the measure's marker on the municipality's map and the national overview's totals show them.

The admin records (the demo's coordinator belongs to Kyzyl-Suu, which has no plan yet); a visitor without an
account reads the overview and the map before and after. Own demo database, so the walk keeps an untouched one.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from .checks import axe_report, horizontal_overflow
from .conftest import own_server
from .walk import log_in, switch_language

pytestmark = pytest.mark.e2e

SLUG = "karakol"
LANG = "ru"
FIRST, SECOND, PAID = Decimal("15000.50"), Decimal("4999.50"), Decimal("7500.25")


@pytest.fixture(scope="module")
def money_server(tmp_path_factory):
    yield from own_server(tmp_path_factory, "money")


def som(label: str) -> Decimal:
    """Return the som of a figure as the page writes it in Russian ("55 127,25 сом (630,39 $)")."""
    head = label.split("(")[0]
    return Decimal(re.sub(r"[^\d,]", "", head).replace(",", "."))


def unfunded_measure(server) -> tuple[int, int, str]:
    """Return (plan id, measure id, title in Russian) of the first measure of Karakol's plan with no money yet."""
    engine = create_engine(server.database)
    try:
        with engine.connect() as connection:
            return tuple(connection.execute(text(
                "SELECT p.id, ms.id, ms.title_ru FROM plan_measures ms JOIN plans p ON p.id = ms.plan_id "
                "JOIN municipalities m ON m.id = p.municipality_id WHERE m.slug = :slug AND NOT EXISTS "
                "(SELECT 1 FROM budget_allocations a WHERE a.measure_id = ms.id) ORDER BY ms.position LIMIT 1"),
                {"slug": SLUG}).one())
    finally:
        engine.dispose()


def overview_figures(page) -> dict[str, Decimal]:
    page.goto(f"/overview?lang={LANG}")
    year = str(date.today().year)
    row = page.locator(f'#money-by-year tr.subtotal[data-year="{year}"] td')
    return {"allocated": som(page.locator("#total-allocated").inner_text()),
            "spent": som(page.locator("#total-spent").inner_text()),
            "year_allocated": som(row.nth(1).inner_text()), "year_spent": som(row.nth(2).inner_text()),
            "karakol": som(page.locator(f'#municipality-list tr[data-slug="{SLUG}"] td').nth(2).inner_text())}


def marker(page, measure_id: int) -> dict:
    """Return what the municipality's map and its list say of the measure: the list's allocated and spent
    figures and the marker's radius (px) as drawn by Leaflet."""
    page.goto(f"/m/{SLUG}/map?lang={LANG}")
    cells = page.locator(f'[data-measure="{measure_id}"] .allocated, [data-measure="{measure_id}"] .spent')
    page.wait_for_function("() => window.L !== undefined")
    radius = page.evaluate("""(id) => {
        let found = null;
        const visit = layer => {
          if (layer.getLayers) layer.getLayers().forEach(visit);  // markers inside the cluster group
          if (layer.options && layer.options.measure === id) found = layer;
        };
        for (const key of Object.keys(window)) {
          const map = window[key];
          if (map instanceof L.Map) map.eachLayer(visit);
        }
        return found === null ? null : found.options.radius;
    }""", measure_id)
    return {"allocated": som(cells.nth(0).inner_text()), "spent": som(cells.nth(1).inner_text()), "radius": radius}


def test_two_allocations_and_a_payment_change_the_marker_and_the_overview(e2e_browser, money_server):
    plan_id, measure_id, title = unfunded_measure(money_server)
    visitor = e2e_browser.tab(base_url=money_server.url, locale="ru-RU")
    before = overview_figures(visitor.page)
    marker_before = marker(visitor.page, measure_id)
    assert (marker_before["allocated"], marker_before["spent"]) == (0, 0)

    admin = e2e_browser.tab(base_url=money_server.url, locale="ru-RU")
    page = admin.page
    page.goto("/login")
    switch_language(page, LANG)
    log_in(page, "admin@example.org", money_server.password)
    page.goto(f"/m/{SLUG}/plans/{plan_id}/measures/{measure_id}/budget")
    assert page.locator("h1").inner_text() == title
    year = str(date.today().year)
    problems = []
    for source, amount, donor in (("local_budget", FIRST, ""), ("donor", SECOND, "(e2e) Фонд «Ынтымак»")):
        form = page.locator("#allocation-form")
        form.locator('[name="allocation-source"]').select_option(source)
        if donor:
            form.locator('[name="allocation-donor_name"]').fill(donor)
        form.locator('[name="allocation-year"]').select_option(year)
        form.locator('[name="allocation-amount"]').fill(str(amount).replace(".", ","))
        with page.expect_navigation() as navigation:
            form.locator('button[type="submit"]').click()
        assert navigation.value.status == 200, page.locator("main").inner_text()[:500]
        assert page.locator(".flash-success").count() == 1, page.locator("main").inner_text()[:500]
    form = page.locator("#expenditure-form")
    form.locator('[name="expenditure-spent_on"]').fill(date.today().isoformat())
    form.locator('[name="expenditure-amount"]').fill(str(PAID))
    form.locator('[name="expenditure-purpose"]').fill("Печать листовок")
    with page.expect_navigation() as navigation:
        form.locator('button[type="submit"]').click()
    assert navigation.value.status == 200 and page.locator(".flash-success").count() == 1
    report = axe_report(page)
    if report:
        problems.append(f"measure budget after recording:\n{report}")
    if horizontal_overflow(page):
        problems.append("the measure's budget page scrolls sideways")

    after = overview_figures(visitor.page)
    allocated = FIRST + SECOND
    assert after["allocated"] - before["allocated"] == allocated
    assert after["year_allocated"] - before["year_allocated"] == allocated
    assert after["spent"] - before["spent"] == PAID and after["year_spent"] - before["year_spent"] == PAID
    assert after["karakol"] - before["karakol"] == allocated
    marker_after = marker(visitor.page, measure_id)
    assert (marker_after["allocated"], marker_after["spent"]) == (allocated, PAID)
    assert marker_after["radius"] > marker_before["radius"], (marker_before, marker_after)
    for path in ("/overview", f"/m/{SLUG}/map"):
        visitor.page.goto(f"{path}?lang={LANG}")
        report = axe_report(visitor.page)
        if report:
            problems.append(f"{path}:\n{report}")
    assert not problems, "\n".join(problems)
    assert not [url for tab in (visitor, admin) for url in tab.requests if not url.startswith(money_server.url)]
    assert not visitor.console_errors and not admin.console_errors
    visitor.close()
    admin.close()
