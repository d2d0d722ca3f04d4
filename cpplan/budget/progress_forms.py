"""Forms of the progress page: a measure's status and percent complete, an indicator value, a survey's figure.

The checks are progress_calc's (error codes); the messages for them are here, translated.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..plans.forms import MEASURE_STATUS_LABELS
from . import progress_calc

# Messages for progress_calc's error codes and the survey figure's refusals.
ERRORS = {
    "required": _l("This field is required."),
    "not_a_number": _l("Enter the value as a number, e.g. 12 or 12.5."),
    "too_many_decimals": _l("Enter the value with at most four decimals."),
    "too_large": _l("The value is too large."),
    "bad_date": _l("Enter the date as year-month-day, e.g. 2025-03-14."),
    "future": _l("The date cannot be in the future."),
    "not_integer": _l("Enter a whole number from 0 to 100, e.g. 40."),
    "out_of_range": _l("Enter a number from 0 to 100."),
    "bad_status": _l("Choose a status from the list."),
    "bad_survey": _l("Choose a closed follow-up survey from the list."),
    "bad_issue": _l("Choose an issue from the list."),
    "not_survey_indicator": _l("This indicator is not a share of residents from the safety survey."),
    "no_figure": _l("Nobody rated this issue in this survey."),
    "not_published": _l("This figure is not published, to protect respondents."),
}


def error_message(code: str, first_year: int | None = None) -> str:
    """Return the translated message for an error code (the plan's first year names the earliest date)."""
    if code == "too_long":
        return _("Too long: at most %(max)s characters.", max=progress_calc.NOTE_MAX)
    if code == "before_plan":
        return _("The date cannot be before the plan's first year, %(year)s.", year=first_year)
    return str(ERRORS[code])


class ProgressForm(FlaskForm):
    """A progress form: its fields' ids can end in a suffix, so that one form per indicator fits on a page."""

    def with_ids(self, suffix: str | int) -> "ProgressForm":
        """Give every field an id ending in -suffix (and its label the same `for`); return the form."""
        for f in self:
            f.id = f"{f.name}-{suffix}"
            f.label.field_id = f.id
        return self

    def add_error(self, name: str, code: str, first_year: int | None = None) -> None:
        """Put the message for code on field name."""
        self[name].errors = list(self[name].errors) + [error_message(code, first_year)]
        self._errors = None

    def _apply(self, check: progress_calc.Check, first_year: int | None = None) -> bool:
        for name, code in check.errors.items():
            self.add_error(name, code, first_year)
        return check.ok


class StatusForm(ProgressForm):
    """A measure's status and percent complete."""

    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in MEASURE_STATUS_LABELS.items()],
                         validate_choice=False)
    percent_complete = StringField(_l("Percent complete"),
                                   description=_l("A whole number from 0 to 100, as the working group judges it."),
                                   render_kw={"inputmode": "numeric", "maxlength": 3})

    check: progress_calc.Check | None = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.check = progress_calc.check_status({"status": self.status.data,
                                                 "percent_complete": self.percent_complete.data})
        return self._apply(self.check) and valid


class ValueForm(ProgressForm):
    """A value of an indicator: the day it was measured, the value and a note. Call within() before validating."""

    measured_on = StringField(_l("Date measured"), description=_l("As year-month-day, e.g. 2025-03-14."),
                              render_kw={"type": "date", "maxlength": 10})
    value = StringField(_l("Value"), render_kw={"inputmode": "decimal", "maxlength": 20})
    note = StringField(_l("Note (optional)"), render_kw={"maxlength": progress_calc.NOTE_MAX})

    check: progress_calc.Check | None = None
    first_year: int = 0
    today: date | None = None

    def within(self, first_year: int, today: date) -> "ValueForm":
        """Accept dates from January of first_year to today; return the form."""
        self.first_year, self.today = first_year, today
        return self

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        raw = {"measured_on": self.measured_on.data, "value": self.value.data, "note": self.note.data}
        self.check = progress_calc.check_value(raw, first_year=self.first_year, today=self.today or date.today())
        return self._apply(self.check, self.first_year) and valid


class SurveyValueForm(ProgressForm):
    """Take an indicator's value from a closed follow-up survey: the published share rating an issue serious.

    Call set_choices(surveys, issues) before validating.
    """

    survey = SelectField(_l("Follow-up survey"), choices=[], validate_choice=False)
    issue = SelectField(_l("Issue"), description=_l("The value is the published share of respondents who rate "
                                                    "this issue serious (4 or 5 of 5)."),
                        choices=[], validate_choice=False)

    def set_choices(self, surveys: list[tuple[str, str]], issues: list[tuple[str, str]]) -> "SurveyValueForm":
        """Offer these surveys and issues as [(value, label)]; return the form."""
        self.survey.choices = [SelectChoice(v, label) for v, label in surveys]
        self.issue.choices = [SelectChoice(v, label) for v, label in issues]
        return self

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, code in (("survey", "bad_survey"), ("issue", "bad_issue")):
            if self[name].data not in {c.value for c in self[name].choices}:
                self.add_error(name, code)
                valid = False
        return valid
