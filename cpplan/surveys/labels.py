"""Translated labels for survey codes."""
from flask_babel import lazy_gettext as _l

ROUND_LABELS = {"baseline": _l("Baseline survey"), "follow_up": _l("Follow-up survey")}
STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open for answers"), "closed": _l("Closed")}
CHANNEL_LABELS = {"web": _l("Online form"), "offline": _l("Phone, sent later"), "paper": _l("Paper"),
                  "import": _l("Imported (KoboToolbox/ODK)")}
