"""Promise: cpplan refuses to start with settings unsafe for serving users.

gunicorn (the production server) reads gunicorn.conf.py, whose start-up hook refuses debug mode, a
short secret key, and memory:// rate-limit storage with several workers (login throttling would be
counted per worker). Outside debug and demo modes, create_app itself refuses a short secret key.
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cpplan import config, create_app

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
GOOD_KEY = secrets.token_hex(32)
REDIS = "redis://127.0.0.1:6379/13"


@pytest.mark.parametrize("settings, workers, problem", [
    ({"DEBUG": True, "SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": REDIS}, 4, "CPPLAN_DEBUG is on"),
    ({"DEBUG": True, "CPPLAN_DEMO": True}, 1, "CPPLAN_DEBUG is on"),
    ({"SECRET_KEY": "too-short-0123456789"}, 1, "20 characters long; it must have at least 32"),
    ({}, 1, "CPPLAN_SECRET_KEY is not set"),
    ({"SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": "memory://"}, 4, "runs 4 workers but"),
    ({"SECRET_KEY": GOOD_KEY}, 2, "runs 2 workers but"),  # memory:// is the default
])
def test_the_server_check_refuses_unsafe_settings(settings, workers, problem):
    with pytest.raises(config.ConfigError, match=problem):
        config.check_server(settings, workers=workers)


@pytest.mark.parametrize("settings, workers", [
    ({"SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": REDIS}, 4),
    ({"SECRET_KEY": GOOD_KEY}, 1),                               # one worker: memory:// is one store
    ({"CPPLAN_DEMO": True}, 2),                                  # scripts/demo.sh: a demo shares nothing
])
def test_the_server_check_accepts_safe_settings(settings, workers):
    config.check_server(settings, workers=workers)


def test_create_app_refuses_a_short_secret_key_outside_debug_and_demo():
    with pytest.raises(config.ConfigError, match="at least 32"):
        create_app({"SECRET_KEY": "x" * 31, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CPPLAN_SKIP_DB_CHECK": True})


# --- the real gunicorn, as deployed ----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(tmp_path, workers: int, **settings: str) -> tuple[subprocess.Popen, int, Path]:
    """Start `gunicorn wsgi:app` from the project folder with only these CPPLAN_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPPLAN_")}
    env.update(CPPLAN_DATABASE_URL=f"sqlite:///{tmp_path / 'start.sqlite'}", CPPLAN_TILES_URL="", **settings)
    port = _free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen([GUNICORN, "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, port, log


@pytest.mark.parametrize("workers, settings, problem", [
    (1, {"CPPLAN_DEBUG": "1", "CPPLAN_SECRET_KEY": GOOD_KEY}, "CPPLAN_DEBUG is on"),
    (1, {"CPPLAN_SECRET_KEY": "short-secret"}, "at least 32"),
    (4, {"CPPLAN_SECRET_KEY": GOOD_KEY}, "runs 4 workers but CPPLAN_RATELIMIT_STORAGE_URI is 'memory://'"),
    (2, {"CPPLAN_SECRET_KEY": GOOD_KEY, "CPPLAN_RATELIMIT_STORAGE_URI": "memory://"}, "runs 2 workers"),
])
def test_gunicorn_refuses_to_serve_unsafe_settings(tmp_path, workers, settings, problem):
    process, port, log = _gunicorn(tmp_path, workers, **settings)
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    output = log.read_text()
    assert code != 0
    assert "cpplan refuses to start: " in output and problem in output, output
    assert "Booting worker" not in output  # refused before any worker served a request
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_gunicorn_serves_with_safe_production_settings(tmp_path):
    """The control: the same start with a long key and shared (Redis) limits serves the app."""
    process, port, log = _gunicorn(tmp_path, 2, CPPLAN_SECRET_KEY=GOOD_KEY, CPPLAN_RATELIMIT_STORAGE_URI=REDIS)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "refuses" not in log.read_text()
