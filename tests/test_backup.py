"""`flask --app cpplan backup` while the app keeps writing: a consistent copy that restores to a working app.

The command copies a SQLite database (PostgreSQL is backed up with pg_dump, docs/deploy.md), so this
module runs on a SQLite file whatever CPPLAN_TEST_DATABASE_URL says. The full-scale version, under
gunicorn with 100 clients, is tests/load/faults.py.
"""
from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest

from conftest import PASSWORD, Auth, create_municipality, create_user
from cpplan import create_app
from cpplan.extensions import db
from cpplan.municipalities.models import Municipality, Organisation

WAL = "wal"


@pytest.fixture
def database_url(tmp_path) -> str:
    """SQLite (WAL, as the app sets it up) for this module, whatever database the suite runs on."""
    return f"sqlite:///{tmp_path / 'live.sqlite'}"


def test_backup_during_writes_is_consistent_and_restores(app, runner, tmp_path):
    with app.app_context():
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == WAL
        home = create_municipality()
        create_user("coordinator@example.org", role="coordinator", municipality=home)
        home_id = home.id
    committed: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        """Add organisations one commit at a time until told to stop, noting each committed one."""
        with app.app_context():
            n = 0
            while not stop.is_set() and n < 20000:
                n += 1
                db.session.add(Organisation(municipality_id=home_id, kind="ngo", name_en=f"NGO {n}"))
                db.session.commit()
                committed.append(n)
            db.session.remove()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    while len(committed) < 200:  # the load is on before the copy starts
        thread.join(0.01)
    target = tmp_path / "backup.sqlite"
    before = len(committed)
    result = runner.invoke(args=["backup", str(target)])
    after = len(committed)
    stop.set()
    thread.join(30)
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert after > before, "the writer kept committing while the copy was made"

    restored = tmp_path / "restored.sqlite"
    shutil.copyfile(target, restored)  # the restore of docs/deploy.md: the copy in place of the file
    with sqlite3.connect(restored) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [name for (name,) in conn.execute("SELECT name_en FROM organisations")]
    numbers = sorted(int(name.split()[1]) for name in names)
    # Every organisation committed before the copy started is in it, with no gap (one snapshot), and
    # none that was not yet committed when it ended.
    assert numbers == list(range(1, len(numbers) + 1))
    assert before <= len(numbers) <= after

    again = create_app({"TESTING": True, "SECRET_KEY": "test-secret-key-0123456789abcdef",
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{restored}", "RATELIMIT_STORAGE_URI": "memory://"})
    try:
        client = again.test_client()
        assert client.get("/healthz").status_code == 200
        assert Auth(client).login("coordinator@example.org", PASSWORD).status_code == 302
        page = client.get("/m/kyzyl-suu/group?lang=en")
        assert page.status_code == 200
        assert f"NGO {numbers[-1]}" in page.get_data(as_text=True)
        with again.app_context():  # the restored database takes writes
            municipality = db.session.scalar(db.select(Municipality).filter_by(slug="kyzyl-suu"))
            db.session.add(Organisation(municipality=municipality, kind="school", name_en="After the restore"))
            db.session.commit()
            assert db.session.scalar(db.select(db.func.count()).select_from(Organisation)) == len(numbers) + 1
    finally:
        with again.app_context():
            db.session.remove()
            db.engine.dispose()
