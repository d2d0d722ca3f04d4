"""Forms of the budget pages: an allocation, an expenditure (on the measure's budget page) and an exchange rate.

The fields are plain text; budget/validation.py checks them and each form puts the translated message of
every error code on its field.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import DateInput

from ..plans.forms import YEAR_ERROR
from . import validation
from .labels import SOURCE_LABELS

TOO_LONG = _l("Too long: at most %(max)s characters.")
BAD_DATE = _l("Enter the date as year-month-day, e.g. 2025-03-14.")
FUTURE = _l("The date cannot be in the future.")
# Messages for the error codes of budget/validation.py, per field; %(name)s placeholders take Form.params().
AMOUNT_ERRORS = {
    "required": _l("Enter the amount."),
    "not_a_number": _l("Enter the amount as a number of som, e.g. 15000 or 15000.50."),
    "negative": _l("The amount cannot be negative."),
    "not_positive": _l("The amount must be more than 0."),
    "too_many_decimals": _l("Enter the amount with at most two decimals (tyiyn)."),
    "too_large": _l("The amount is too large."),
}
ALLOCATION_ERRORS = {
    "source": {"required": _l("Choose a source from the list."), "bad_source": _l("Choose a source from the list.")},
    "donor_name": {"donor_name_required": _l("Name the donor."), "too_long": TOO_LONG},
    "year": {"required": _l("Choose the budget year."),
             "bad_year": _l("Choose a year of the plan's period, %(first)s–%(last)s."),
             "year_outside_plan": _l("Choose a year of the plan's period, %(first)s–%(last)s.")},
    "amount": AMOUNT_ERRORS,
    "decision_ref": {"too_long": TOO_LONG},
    "decided_on": {"bad_date": BAD_DATE, "date_in_future": FUTURE},
}
EXPENDITURE_ERRORS = {
    "spent_on": {"required": _l("Enter the date of the payment."), "bad_date": BAD_DATE, "date_in_future": FUTURE,
                 "date_before_plan": _l("The payment cannot be dated before the plan's first year, %(first)s.")},
    "amount": AMOUNT_ERRORS,
    "purpose": {"required": _l("Say what the money was spent on."), "too_long": TOO_LONG},
    "document_ref": {"too_long": TOO_LONG},
}
RATE_ERRORS = {
    "year": {"required": YEAR_ERROR, "bad_year": YEAR_ERROR},
    "kgs_per_usd": {
        "required": _l("Enter the rate."),
        "not_a_number": _l("Enter the rate as som per US dollar, e.g. 87.4500."),
        "negative": _l("The rate must be more than 0."),
        "not_positive": _l("The rate must be more than 0."),
        "too_many_decimals": _l("Enter the rate with at most four decimals."),
        "too_large": _l("The rate is too large."),
    },
}
LIMITS = {"donor_name": validation.DONOR_NAME_MAX, "decision_ref": validation.REFERENCE_MAX,
          "document_ref": validation.REFERENCE_MAX, "purpose": validation.PURPOSE_MAX}


class CheckedForm(FlaskForm):
    """A form checked by a pure function of budget/validation.py: `check` holds its answer after validate()."""

    ERRORS: dict[str, dict] = {}
    check: validation.Check | None = None

    def raw(self) -> dict:
        """Return the submitted values by field name (strings), as validation expects them."""
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}

    def run_check(self) -> validation.Check:
        raise NotImplementedError

    def params(self) -> dict:
        """Return the values the messages' placeholders name."""
        return {}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.check = self.run_check()
        params = {**self.params(), "max": 0}
        for name, code in self.check.errors.items():
            params["max"] = LIMITS.get(name, 0)
            self[name].errors = list(self[name].errors) + [str(self.ERRORS[name][code]) % params]
        self._errors = None  # WTForms caches `errors` during validation: recount them with the checks' messages
        return valid and self.check.ok


class PlanEntryForm(CheckedForm):
    """An entry about a plan's measure: call `setup(first_year, last_year, today)` before validating."""

    first_year: int = 0
    last_year: int = 0
    today: date | None = None

    def setup(self, first_year: int, last_year: int, today: date) -> None:
        """Check against this plan period and this day."""
        self.first_year, self.last_year, self.today = first_year, last_year, today

    def params(self) -> dict:
        return {"first": self.first_year, "last": self.last_year}


class AllocationForm(PlanEntryForm):
    """Money allocated to a measure: source (a donor by name), budget year, amount, the decision."""

    ERRORS = ALLOCATION_ERRORS

    source = SelectField(_l("Source"), choices=[SelectChoice("", "—")] + [SelectChoice(k, v)
                                                                          for k, v in SOURCE_LABELS.items()],
                         validate_choice=False, default="")
    donor_name = StringField(_l("Name of the donor"), description=_l("Only when the source is a donor, e.g. UNDP."),
                             render_kw={"maxlength": validation.DONOR_NAME_MAX})
    year = SelectField(_l("Budget year"), choices=[], validate_choice=False)
    amount = StringField(_l("Amount in som"), description=_l("Exact amount, at most two decimals."),
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    decision_ref = StringField(_l("Decision (optional)"),
                               description=_l("E.g. the number of the council's budget decision or of the grant."),
                               render_kw={"maxlength": validation.REFERENCE_MAX})
    decided_on = StringField(_l("Date of the decision (optional)"), widget=DateInput())

    def setup(self, first_year: int, last_year: int, today: date) -> None:
        """Offer the plan's years."""
        super().setup(first_year, last_year, today)
        self.year.choices = [SelectChoice(str(y), str(y)) for y in range(first_year, last_year + 1)]

    def run_check(self) -> validation.Check:
        return validation.check_allocation(self.raw(), first_year=self.first_year, last_year=self.last_year,
                                           today=self.today)


class ExpenditureForm(PlanEntryForm):
    """Money spent on a measure: the day, the amount, what for, the supporting document."""

    ERRORS = EXPENDITURE_ERRORS

    spent_on = StringField(_l("Date of the payment"), widget=DateInput())
    amount = StringField(_l("Amount in som"), description=_l("Exact amount, at most two decimals."),
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    purpose = TextAreaField(_l("What for"), render_kw={"rows": 2, "maxlength": validation.PURPOSE_MAX})
    document_ref = StringField(_l("Document (optional)"),
                               description=_l("E.g. the number of the invoice, act or payment order."),
                               render_kw={"maxlength": validation.REFERENCE_MAX})

    def run_check(self) -> validation.Check:
        return validation.check_expenditure(self.raw(), first_year=self.first_year, today=self.today)


class RateForm(CheckedForm):
    """Som per US dollar for a year."""

    ERRORS = RATE_ERRORS

    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"})
    kgs_per_usd = StringField(_l("Som per US dollar"), description=_l("At most four decimals, e.g. 87.4500."),
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})

    def run_check(self) -> validation.Check:
        return validation.check_rate(self.raw())
