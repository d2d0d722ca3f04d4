"""What the budget pages call the sources of money (shared by forms, pages and the audit log's notes)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

SOURCE_LABELS = {
    "local_budget": _l("Local budget"),
    "republican_budget": _l("Republican budget"),
    "donor": _l("Donor"),
    "community": _l("Community or in kind"),
    "private": _l("Private sector"),
}
