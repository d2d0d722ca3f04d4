"""Importing a Kobo export in the browser: the upload shows its progress, then the check's result."""
from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from .checks import axe_report
from .walk import log_in

pytestmark = pytest.mark.e2e


def test_uploading_an_export_shows_the_check_result(e2e_browser, e2e_server, tmp_path):
    with urllib.request.urlopen(f"{e2e_server.url}/api/v1/municipalities/kyzyl-suu/surveys") as response:
        token = json.load(response)["surveys"][0]["token"]
    export = tmp_path / "export.csv"
    rows = [f"yes,female,{uuid.uuid4()}" for _ in range(3)]
    export.write_text("consent,gender,_uuid\n" + "\n".join(rows) + "\n", encoding="utf-8")
    tab = e2e_browser.tab()
    page = tab.page
    try:
        page.goto("/login?lang=en")
        log_in(page, "coordinator@example.org", e2e_server.password)
        page.goto("/m/kyzyl-suu/surveys")
        page.locator("main .cards a[href*='/surveys/']").first.click()
        page.wait_for_load_state()
        page.locator("main a[href$='/import']").click()
        page.wait_for_load_state()
        assert page.locator("#upload-progress").is_hidden()
        page.set_input_files("#file", str(export))
        posts = []
        page.on("request", lambda r: r.method == "POST" and posts.append(r.resource_type))
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector("#report-title")
        assert "3 new responses" in page.locator("main").inner_text()
        assert "/import" in page.url
        assert posts == ["xhr"], posts  # sent by the progress script, not as a plain form post
        report = axe_report(page)
        assert not report, report
        assert token  # the demo has an open survey to import into
    finally:
        tab.close()
