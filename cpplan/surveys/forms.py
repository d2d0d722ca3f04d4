"""Forms of the facilitator's survey pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class ImportForm(FlaskForm):
    file = FileField(_l("KoboToolbox or ODK export (CSV or XLSX)"), validators=[
        FileRequired(message=_l("Choose the export file.")),
        FileAllowed(["csv", "xlsx"], message=_l("Choose a .csv or .xlsx file.")),
    ])
    dry_run = BooleanField(_l("Only check the file, import nothing yet"), default=True)
