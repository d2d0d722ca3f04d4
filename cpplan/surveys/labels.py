"""Translated labels for survey codes."""
from flask_babel import lazy_gettext as _l

ROUND_LABELS = {"baseline": _l("Baseline survey"), "follow_up": _l("Follow-up survey")}
STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open for answers"), "closed": _l("Closed")}
CHANNEL_LABELS = {"web": _l("Online form"), "offline": _l("Phone, sent later"), "paper": _l("Paper"),
                  "import": _l("Imported (KoboToolbox/ODK)")}

# Why an answer or an imported row was refused (validation and import error codes).
ERROR_MESSAGES = {
    "unknown_question": _l("There is no such question in this survey."),
    "not_an_option": _l("This answer is not one of the choices offered."),
    "out_of_range": _l("This number is outside the allowed range."),
    "wrong_type": _l("This answer has the wrong form."),
    "too_long": _l("This answer is too long."),
    "not_asked": _l("This question is not asked after the earlier answers."),
    "no_consent": _l("Answers are only kept when the respondent agrees to take part."),
    "bad_uuid": _l("The _uuid is missing or is not a uuid."),
    "duplicate_in_file": _l("This _uuid is in the file twice."),
    "conflict": _l("This _uuid was imported before with different answers."),
}
# Why a whole import file could not be read.
FILE_ERRORS = {
    "not_utf8": _l("The file is not in UTF-8. Export it from KoboToolbox again, or save it as CSV UTF-8."),
    "bad_xlsx": _l("The file is not a readable Excel (.xlsx) file."),
    "bad_csv": _l("The file is not a readable CSV file."),
    "no_uuid_column": _l("The file has no _uuid column. Export with “XML values and headers”."),
    "empty": _l("The file is empty."),
    "too_many_rows": _l("The file has too many rows; split it into parts of at most 100,000."),
}
