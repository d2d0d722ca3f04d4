"""Fixtures of the browser tests: one gunicorn server over a demo database and one headless Chromium.

The server is the production path (`gunicorn wsgi:app`) over a database built by `flask demo`:
a temporary SQLite file, or, when CPPLAN_TEST_DATABASE_URL is set, a schema of this run's own in
that PostgreSQL database (as the unit tests do), so concurrent runs never touch each other's tables.
Both fixtures are package-scoped: they end when the last browser test has run.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
DEVICE = "Pixel 5"
TIMEOUT_MS = 15_000


@dataclass
class Server:
    url: str
    password: str
    database: str
    log: Path


@dataclass
class Tab:
    """One browser context with one page, recording every request and console error."""

    context: object
    page: object
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def close(self) -> None:
        self.context.close()


class Browser:
    """The shared Chromium; `tab()` opens a Pixel 5 context (overrides: viewport, JavaScript...)."""

    def __init__(self, browser, device: dict, base_url: str):
        self.browser = browser
        self.device = device
        self.base_url = base_url

    def tab(self, **overrides) -> Tab:
        options = {**self.device, "locale": "en-US", "base_url": self.base_url, **overrides}
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        tab = Tab(context, page)
        context.on("request", lambda request: tab.requests.append(request.url))
        page.on("console", lambda msg: msg.type == "error" and tab.console_errors.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda error: tab.console_errors.append(f"{page.url}: {error}"))
        return tab


@contextmanager
def _postgres_schema(url: str, name: str = "e2e"):
    """Yield url pointed at a fresh schema of this run's own; drop the schema afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"cpplan_{name}_{os.getpid()}"
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def run(statement: str) -> None:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(statement)

    run(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        run(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer on {url} within {seconds} s:\n{log.read_text()}", pytrace=False)


@pytest.fixture(scope="package")
def e2e_server(tmp_path_factory):
    """Build the demo database, serve it with gunicorn on a free port, stop the server at the end."""
    yield from own_server(tmp_path_factory, "e2e")


def own_server(tmp_path_factory, name: str, **settings: str):
    """Yield a Server over a demo database of its own (for a test whose changes the walk must not see), with
    these CPPLAN_* settings on top of the usual ones."""
    tmp = tmp_path_factory.mktemp(name)
    test_url = os.environ.get("CPPLAN_TEST_DATABASE_URL")
    with _postgres_schema(test_url, name) if test_url else nullcontext(f"sqlite:///{tmp / 'e2e.sqlite'}") as database:
        yield from _serve(database, tmp, settings)


def _serve(database: str, tmp: Path, settings: dict[str, str] | None = None):
    password = "e2e-" + secrets.token_urlsafe(16)
    # Only the settings chosen here: an inherited CPPLAN_HTTPS (secure cookies) or debug mode would change the app.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPPLAN_")}
    # No map tiles: nothing may leave 127.0.0.1 (the measure map's own test asks for tiles and aborts them).
    env.update(CPPLAN_DATABASE_URL=database, CPPLAN_SECRET_KEY=secrets.token_hex(32),
               CPPLAN_RATELIMIT_STORAGE_URI="memory://", CPPLAN_TILES_URL="")
    env.update(settings or {})
    demo = subprocess.run([sys.executable, "-m", "flask", "--app", "cpplan", "demo", "--reset", "--password", password],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if demo.returncode:
        pytest.fail(f"`flask demo` failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}", pytrace=False)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(url, process, log)
        yield Server(url=url, password=password, database=database, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def e2e_browser(e2e_server):
    """Start headless Debian Chromium once for all browser tests (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
                    "Install it with `apt-get install -y chromium` (never `playwright install`).", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield Browser(browser, playwright.devices[DEVICE], e2e_server.url)
        finally:
            browser.close()


@pytest.fixture(scope="package")
def e2e_walks(e2e_browser, e2e_server):
    """Return walk(lang): the Pixel 5 walk through every page in that language, run once and kept."""
    from .walk import walk

    done = {}

    def get(lang: str):
        if lang not in done:
            done[lang] = walk(e2e_browser, e2e_server.password, lang)
        return done[lang]

    return get
