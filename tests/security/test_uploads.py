"""Uploads are limited by size and type: too large is a 413 page, a wrong type a 400 naming why; nothing is written.

Which endpoints take uploads is found, not listed by hand (test_every_upload_endpoint_is_tested):
- every form class of cpplan with a file field (all cpplan modules imported, FlaskForm's subclasses walked), and
  every view that refers to one of them or to request.files, following the cpplan functions it calls (by name
  or as module.name);
- a tripwire: only the files in FILE_CODE may mention FileField or request.files at all, so what the walk cannot
  see (a field added at run time, a helper called through an object) still fails the test until someone looks.
Sizes use small limits set per test: CPPLAN_MAX_IMPORT_BYTES for the import endpoints (CPPLAN_IMPORT_ENDPOINTS),
MAX_CONTENT_LENGTH everywhere else.
"""
from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import re
import types
import uuid
import zipfile
from pathlib import Path

from flask_wtf import FlaskForm
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart
from wtforms.fields import FileField
from wtforms.fields.core import UnboundField

import cpplan
from access_cases import POSTS, Ctx, Upload, has_cyrillic, logged_in_client, page_text, snapshot, token_for, translated
from cpplan.extensions import db
from cpplan.surveys import kobo
from cpplan.surveys.models import Response
from cpplan.web import ERRORS

UPLOADS = {  # endpoint: its URL in the access tables' world
    "surveys.import_kobo": lambda c: f"/m/{c.home}/surveys/{c.open_survey()[0]}/import",
}
FILE_CODE = {"cpplan/surveys/forms.py"}  # the only sources that may mention FileField or request.files
LANGS = ("ky", "ru", "en")

# Messages (msgids) the import page gives for a file it refuses.
NO_FILE = "Choose the export file."
WRONG_EXTENSION = "Choose a .csv or .xlsx file."
NOT_XLSX = "The file is not a readable Excel (.xlsx) file."
NOT_CSV = "The file is not a readable CSV file."  # new in this change: its ky/ru translations come with the catalogue
NOT_UTF8 = "The file is not in UTF-8. Export it from KoboToolbox again, or save it as CSV UTF-8."
EMPTY = "The file is empty."
NO_UUID = "The file has no _uuid column. Export with “XML values and headers”."
TOO_MANY_ROWS = "The file has too many rows; split it into parts of at most 100,000."


# --- finding the upload endpoints --------------------------------------------------------------------------

def file_forms() -> set[type]:
    """Return every form class of cpplan with a file field."""
    for module in pkgutil.walk_packages(cpplan.__path__, "cpplan."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        fields = [getattr(cls, name, None) for name in dir(cls)]
        if any(isinstance(f, UnboundField) and issubclass(f.field_class, FileField) for f in fields):
            found.add(cls)
    return found


def refers_to(func, seen: set) -> tuple[set[str], list]:
    """Return the names func uses and what they stand for (module.attribute too), following the cpplan functions
    it calls."""
    func = inspect.unwrap(func)
    if func in seen or not getattr(func, "__module__", "").startswith("cpplan"):
        return set(), []
    seen.add(func)
    names, codes = set(), [func.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    objects = [func.__globals__[name] for name in names if name in func.__globals__]
    objects += [getattr(module, name) for module in objects if isinstance(module, types.ModuleType)
                for name in names if hasattr(module, name)]
    for target in list(objects):
        if isinstance(target, types.FunctionType):
            more_names, more_objects = refers_to(target, seen)
            names |= more_names
            objects += more_objects
    return names, objects


def upload_endpoints(app) -> set[str]:
    """Return the endpoints whose view (or a cpplan function it calls) uses a file form or request.files."""
    forms = file_forms()
    found = set()
    for endpoint, view in app.view_functions.items():
        names, objects = refers_to(view, set())
        if any(isinstance(o, type) and o in forms for o in objects) or {"request", "files"} <= names:
            found.add(endpoint)
    return found


def test_every_upload_endpoint_is_tested(app):
    """A new upload fails here until it is added to UPLOADS (and its limits and types are tested below)."""
    root = Path(cpplan.__file__).parent.parent
    mentions = {str(path.relative_to(root)) for path in Path(cpplan.__file__).parent.rglob("*.py")
                if re.search(r"FileField|request\.files", path.read_text(encoding="utf-8"))}
    assert mentions == FILE_CODE, f"new file handling in {sorted(mentions - FILE_CODE)}: add it here and test it"
    found = upload_endpoints(app)
    assert found == set(UPLOADS), f"add to UPLOADS: {sorted(found - set(UPLOADS))}"
    # The larger import limit is only for endpoints that take a file.
    assert app.config["CPPLAN_IMPORT_ENDPOINTS"] <= set(UPLOADS)


# --- helpers ---------------------------------------------------------------------------------------------

def export_csv(*uuids: str, padding: int = 0) -> bytes:
    """Return a valid Kobo export with one consenting row per uuid (and an ignored column of padding)."""
    lines = ["consent,_uuid,_notes"] + [f"yes,{u},{'x' * padding}" for u in uuids]
    return ("\n".join(lines) + "\n").encode()


def export_xlsx(*uuids: str) -> bytes:
    book = Workbook()
    book.active.append(["consent", "_uuid"])
    for u in uuids:
        book.active.append(["yes", u])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_sheet(xlsx: bytes, change) -> bytes:
    """Return the workbook with its first sheet's XML passed through change(bytes) -> bytes."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item.filename, change(data) if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(47) + b"PE\x00\x00"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')


def cut_after_row(sheet: bytes, row: int) -> bytes:
    """Break the sheet's XML from the given row on (a file damaged half way down)."""
    return sheet.replace(b'<row r="%d"' % row, b'<row r="%d"<<<' % row)


class Importer:
    """A coordinator on the import page of an open survey of home."""

    def __init__(self, app, world, endpoint: str = "surveys.import_kobo"):
        self.ctx = Ctx(app, world)
        self.client = logged_in_client(app, world["users"]["coordinator"])
        self.token = token_for(self.client, "coordinator")
        self.url = UPLOADS[endpoint](self.ctx)

    def send(self, data: bytes | None, name: str, lang: str = "en"):
        """Import the file for real (no dry run); the page in lang."""
        form = {"csrf_token": self.token} if data is None else {"csrf_token": self.token, "file": (Upload(data), name)}
        return self.client.post(f"{self.url}?lang={lang}", data=form, content_type="multipart/form-data")

    def send_chunked(self, data: bytes, name: str):
        """Import the file in a body without Content-Length, as a WSGI server passes on a chunked request."""
        boundary, body = encode_multipart({"csrf_token": self.token, "file": FileStorage(io.BytesIO(data), name)})
        return self.client.post(self.url, input_stream=io.BytesIO(body), headers={"Transfer-Encoding": "chunked"},
                                content_type=f"multipart/form-data; boundary={boundary}",
                                environ_overrides={"wsgi.input_terminated": True})


def stored(app, *uuids: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Response).where(Response.uuid.in_(uuids)))


def untranslated(app, message: str) -> list[str]:
    """Return the languages whose catalogue has no translation of message (it would show in English)."""
    return [lang for lang in ("ky", "ru")
            if translated(app, message, lang) == message or not has_cyrillic(translated(app, message, lang))]


def new_uuid() -> str:
    return str(uuid.uuid4())


# --- size ------------------------------------------------------------------------------------------------------

def test_an_upload_over_the_import_limit_gets_the_translated_413_page_and_writes_nothing(app, world):
    """Over CPPLAN_MAX_IMPORT_BYTES: 413 with the error page in the page language; nothing imported. The same
    file is imported once the limit allows it (so the size was the only reason)."""
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024, CPPLAN_MAX_IMPORT_BYTES=64 * 1024)
    importer = Importer(app, world)
    fresh = new_uuid()
    data = export_csv(fresh, padding=70 * 1024)
    assert untranslated(app, str(ERRORS[413][1])) == []
    before = snapshot(app)
    for lang in LANGS:
        response = importer.send(data, "export.csv", lang)
        assert response.status_code == 413, lang
        assert translated(app, str(ERRORS[413][1]), lang) in page_text(response), lang
    # Without a Content-Length (chunked, as a proxy may send it) the body is cut at the limit as it is read.
    assert importer.send_chunked(data, "export.csv").status_code == 413
    assert snapshot(app) == before

    app.config["CPPLAN_MAX_IMPORT_BYTES"] = 128 * 1024
    assert importer.send_chunked(data, "export.csv").status_code == 302
    assert stored(app, fresh) == 1


def test_only_logged_in_users_get_the_import_allowance(app, world):
    """A stranger (no session) sending a file to the import address gets MAX_CONTENT_LENGTH, not the import
    limit: the app never reads more than a form's worth of body for someone it would send to the login page."""
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024, CPPLAN_MAX_IMPORT_BYTES=1024 * 1024)
    url = Importer(app, world).url
    stranger = app.test_client()
    token = token_for(stranger, "anonymous")
    before = snapshot(app)
    big = stranger.post(url, data={"csrf_token": token, "file": (Upload(export_csv(new_uuid(), padding=40 * 1024)),
                                                                  "export.csv")}, content_type="multipart/form-data")
    small = stranger.post(url, data={"csrf_token": token, "file": (Upload(export_csv(new_uuid())), "export.csv")},
                          content_type="multipart/form-data")
    assert big.status_code == 413
    assert small.status_code == 302 and small.headers["Location"].startswith("/login")
    assert snapshot(app) == before


def test_every_other_post_keeps_max_content_length(app, world):
    """A body over MAX_CONTENT_LENGTH (a file, say) to any other POST rule is a 413 that writes nothing: only the
    import endpoints take more. (The offline-sync API has its own 64 KiB limit: the body is larger than both.)"""
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024, CPPLAN_MAX_IMPORT_BYTES=1024 * 1024)
    ctx = Ctx(app, world)
    admin = logged_in_client(app, world["users"]["admin"])
    token = token_for(admin, "admin")
    big = export_csv(new_uuid(), padding=80 * 1024)
    posts = {endpoint: make(ctx, "admin") for endpoint, make in POSTS.items()
             if endpoint not in UPLOADS}
    before = snapshot(app)
    answered = {}
    for endpoint, post in posts.items():
        response = admin.post(post.url, data={**post.data, "csrf_token": token, "file": (Upload(big), "big.csv")},
                              content_type="multipart/form-data")
        answered[endpoint] = response.status_code
    assert {e: s for e, s in answered.items() if s != 413} == {}
    assert snapshot(app) == before


# --- type ------------------------------------------------------------------------------------------------------

def bad_files() -> list[tuple[str, str, bytes | None, str]]:
    """Return (what, file name, content, the message that must explain it)."""
    good = export_xlsx(*(new_uuid() for _ in range(60)))
    return [
        ("no file chosen", "", None, NO_FILE),
        ("a picture", "photo.png", PNG, WRONG_EXTENSION),
        ("a PDF", "report.pdf", PDF, WRONG_EXTENSION),
        ("a program", "setup.exe", EXE, WRONG_EXTENSION),
        ("a program with two extensions", "export.csv.exe", EXE, WRONG_EXTENSION),
        ("a zip", "archive.zip", a_zip(), WRONG_EXTENSION),
        ("no extension", "export", export_csv(new_uuid()), WRONG_EXTENSION),
        ("a picture renamed .xlsx", "export.xlsx", PNG, NOT_XLSX),
        ("a PDF renamed .xlsx", "export.xlsx", PDF, NOT_XLSX),
        ("a program renamed .xlsx", "export.xlsx", EXE, NOT_XLSX),
        ("a zip that is no workbook", "export.xlsx", a_zip(), NOT_XLSX),
        ("a CSV renamed .xlsx", "export.xlsx", export_csv(new_uuid()), NOT_XLSX),
        ("a zip renamed .csv", "export.csv", a_zip(), NOT_XLSX),
        ("a workbook damaged half way down", "export.xlsx", with_sheet(good, lambda s: cut_after_row(s, 40)), NOT_XLSX),
        ("a workbook with XML entities", "export.xlsx", with_sheet(good, lambda s: LAUGHS + s),
         NOT_XLSX),
        ("an empty .xlsx", "export.xlsx", b"", EMPTY),
        ("an empty .csv", "export.csv", b"", EMPTY),
        ("blank lines only", "export.csv", b"\r\n \n,,\n", EMPTY),
        ("a picture renamed .csv", "export.csv", PNG, NOT_UTF8),
        ("a program renamed .csv", "export.csv", EXE, NOT_UTF8),
        ("binary junk in a CSV", "export.csv", b"consent,_uuid\n" + bytes(range(128, 256)) + b"\n", NOT_UTF8),
        ("a cell longer than any export's", "export.csv", b'consent,_uuid\nyes,"' + b"x" * 200_000 + b'"\n', NOT_CSV),
        ("a web page renamed .csv", "export.csv", b"<!doctype html><html><body>Not an export</body></html>\n",
         NO_UUID),
    ]


def test_wrong_files_are_refused_with_a_translated_reason_and_nothing_is_written(app, world):
    """Wrong extension, or the right extension with other content: 400, the reason in ky, ru and en, no row stored."""
    importer = Importer(app, world)
    before = snapshot(app)
    problems = []
    for what, name, data, message in bad_files():
        for lang in LANGS:
            response = importer.send(data, name, lang)
            expected = translated(app, message, lang)
            if response.status_code != 400 or expected not in page_text(response):
                problems.append(f"{what} ({lang}): {response.status_code}, expected 400 with {expected!r}")
    assert not problems, "\n".join(problems)
    assert snapshot(app) == before
    # Depends on the catalogue: a message new in this change (NOT_CSV) fails here until translations/ has it.
    missing = {message: untranslated(app, message) for *_rest, message in bad_files()}
    assert {m: langs for m, langs in missing.items() if langs} == {}


def test_a_small_xlsx_that_unzips_to_many_rows_is_refused_at_the_row_limit(app, world, monkeypatch):
    """A zip-bomb-like workbook (0.5 MB that unzips to 100,000 rows): reading stops at the row limit. The rows
    after the limit are damaged, so a reader that went on would answer "not readable" instead."""
    monkeypatch.setattr(kobo, "MAX_ROWS", 50)
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>yes</t></is></c></row>' % (n, n)
                    for n in range(2, 100_002))

    def bomb(sheet: bytes) -> bytes:
        head, tail = sheet.split(b"</sheetData>")
        sheet = head + rows + b'<row r="100002"<<<</sheetData>' + tail
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B100002"/>', sheet)

    data = with_sheet(export_xlsx(), bomb)
    assert len(data) < 1024 * 1024
    importer = Importer(app, world)
    before = snapshot(app)
    for lang in LANGS:
        response = importer.send(data, "export.xlsx", lang)
        assert response.status_code == 400 and translated(app, TOO_MANY_ROWS, lang) in page_text(response), lang
    assert snapshot(app) == before


def test_allowed_files_are_still_imported(app, world):
    """CSV (comma; semicolon with a BOM), XLSX, upper-case extensions, a workbook named .csv: imported."""
    importer = Importer(app, world)
    uuids = [new_uuid() for _ in range(6)]
    semicolon = "\ufeffconsent;_uuid\nyes;" + uuids[1] + "\n"
    files = [
        ("export.csv", export_csv(uuids[0])),
        ("EXPORT.CSV", semicolon.encode()),
        ("export.xlsx", export_xlsx(uuids[2])),
        ("Export.XLSX", export_xlsx(uuids[3])),
        ("export.csv", export_xlsx(uuids[4])),  # told apart by its content
        ("kobo export 2026-05-01.csv", export_csv(uuids[5])),
    ]
    for name, data in files:
        response = importer.send(data, name)
        assert response.status_code == 302, (name, response.status_code)
    assert stored(app, *uuids) == len(uuids)
