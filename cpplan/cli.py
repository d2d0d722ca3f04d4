"""Flask commands: demo, users create, backup and translate."""
from __future__ import annotations

import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from .accounts import passwords
from .accounts.models import User
from .config import LANGUAGES, ROOT
from .extensions import db
from .municipalities.models import ROLES, Membership, Municipality


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete every table first.")
@click.option("--password", help="Password of the demo accounts (default: a random one, printed).")
@with_appcontext
def demo_command(reset: bool, password: str | None) -> None:
    """Create the database and fill it with the demo municipalities and accounts."""
    from . import demo

    if password is not None and (problems := passwords.problems(password)):
        raise click.BadParameter(" ".join(str(p) for p in problems), param_hint="--password")
    if reset:
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
    upgrade(directory=str(ROOT / "migrations"))
    if db.session.scalar(db.select(db.func.count()).select_from(Municipality)):
        raise click.ClickException("The database already has data; use --reset to replace it with the demo.")
    password = password or secrets.token_urlsafe(12)
    counts = demo.build(password)
    click.echo(f"Demo data: {counts['municipalities']} municipalities, {counts['population']:,} inhabitants, "
               f"{counts['users']} accounts, {counts['responses']:,} survey responses, "
               f"{counts['plans']} adopted plans (people, answers and budgets are invented).")
    click.echo("Log in as any of:")
    for email, _name, role in demo.USERS:
        click.echo(f"  {email:28} {role or 'admin'}")
    click.echo(f"Password: {password}")


users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(("admin",) + ROLES), required=True)
@click.option("--municipality", "slug", help="Slug of the municipality (for every role but admin).")
@click.option("--name", help="Display name (default: the part of the e-mail before @).")
@click.option("--locale", type=click.Choice(LANGUAGES), default="ky", show_default=True)
@click.password_option(help="Password (asked for when not given).")
def create_user(email: str, role: str, slug: str | None, name: str | None, locale: str, password: str) -> None:
    """Create a user with a site or municipality role."""
    email = User.normalize_email(email)
    if problems := passwords.problems(password, email):
        raise click.BadParameter(" ".join(str(p) for p in problems), param_hint="--password")
    municipality = None
    if role != "admin":
        if not slug:
            raise click.UsageError(f"--municipality is required for the role {role}.")
        municipality = db.session.scalar(db.select(Municipality).filter_by(slug=slug))
        if municipality is None:
            raise click.BadParameter(f"no municipality {slug!r}", param_hint="--municipality")
    if db.session.scalar(db.select(User).filter_by(email=email)):
        raise click.ClickException(f"{email} already has an account.")
    user = User(email=email, display_name=name or email.split("@")[0], locale=locale, is_admin=role == "admin")
    user.set_password(password)
    db.session.add(user)
    if municipality is not None:
        db.session.add(Membership(user=user, municipality=municipality, role=role))
    db.session.commit()
    click.echo(f"Created {email} ({role}{' in ' + slug if slug else ''}).")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the SQLite database to PATH, consistently while the app keeps writing."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException("backup copies a SQLite file; for PostgreSQL use pg_dump (see README).")
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name.")
    source = sqlite3.connect(f"{Path(url.database).resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        with target:
            # One step, inside one read transaction: a consistent snapshot that writers (WAL) never block.
            # (Copying in chunks would restart from the first page whenever another process writes.)
            source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {check}")
    click.echo(f"Backed up {url.database} to {path} ({path.stat().st_size:,} bytes, integrity ok).")


translate_cli = AppGroup("translate", help="Extract, update and compile the translation catalogues.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)


@translate_cli.command("update")
def translate_update() -> None:
    """Extract the strings to messages.pot and merge them into every catalogue."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--add-comments=Translators:", "--sort-by-file",
             "--ignore-dirs=.* __pycache__ node_modules",
             "--no-wrap", "-o", "translations/messages.pot", ".")
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-wrap", "--ignore-obsolete")
    _fill_english(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po")


def _fill_english(path: Path) -> None:
    """Make the English catalogue complete: English is the source language, msgstr = msgid."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0)


@translate_cli.command("compile")
def translate_compile() -> None:
    """Compile every catalogue to messages.mo."""
    _pybabel("compile", "-d", "translations", "--statistics")


def init_app(app) -> None:
    """Register the commands on the app."""
    for command in (demo_command, users_cli, backup_command, translate_cli):
        app.cli.add_command(command)
