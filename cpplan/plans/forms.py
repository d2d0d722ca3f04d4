"""Forms of the plan pages: the plan's title and period, an issue's problem and objective, a measure, a step."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, FieldList, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..municipalities.forms import TOO_LONG
from ..priorities.forms import IsoDateField, WholeNumberField
from . import validation

MEASURE_STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("Under way"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}
# Messages for plans/validation.py's error codes.
MEASURE_ERRORS = {
    "required": _l("This field is required."),
    "bad_period": _l("Enter a month as 2027-03 or a quarter as 2027-Q2."),
    "end_before_start": _l("The end cannot be before the start."),
    "negative": _l("The cost cannot be negative."),
    "too_many_decimals": _l("Enter the cost with at most two decimals (tyiyn)."),
    "not_a_number": _l("Enter the cost as a number of som, e.g. 15000 or 15000.50."),
    "too_large": _l("The cost is too large."),
    "unit_required": _l("Enter the unit, e.g. cases or %."),
    "target_required": _l("Enter the target."),
    "name_required": _l("Name the indicator."),
    "bad_status": _l("Choose a status from the list."),
    "bad_point": _l("The point must lie in Kyrgyzstan."),
    "bad_coordinate": _l("Enter the coordinate in decimal degrees, e.g. 42.4931."),
    "point_incomplete": _l("Enter both the latitude and the longitude, or neither."),
    "funded_over_cost": _l("The secured funding cannot be more than the cost."),
    "funded_without_cost": _l("Enter the cost first: the secured funding is a part of it."),
}
# The money codes name the cost; on the secured-funding field they say so instead.
FUNDED_ERRORS = {
    "negative": _l("The secured funding cannot be negative."),
    "too_many_decimals": _l("Enter the secured funding with at most two decimals (tyiyn)."),
    "not_a_number": _l("Enter the secured funding as a number of som, e.g. 5000 or 5000.50."),
    "too_large": _l("The secured funding is too large."),
}
LIMITS = {"title": validation.TITLE_MAX, "description": validation.DESCRIPTION_MAX}
INDICATOR_ROWS = 3
YEAR_ERROR = _l("Enter a year from 2000 to 2100.")


class RowList(FieldList):
    """A FieldList that ignores the fields of a row whose number it cannot read ("indicators-²-name", or one of
    4,300 digits or more): WTForms' own int() raises on them."""

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                number = key[offset:].split(self._field_separator, 1)[0]
                if number.isascii() and number.isdigit() and len(number) <= 9:
                    yield int(number)


class PlanForm(FlaskForm):
    """The plan's title (in the page language) and its period."""

    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter the title.")),
                                                 Length(max=200, message=TOO_LONG)], render_kw={"maxlength": 200})
    first_year = WholeNumberField(_l("First year"), validators=[InputRequired(message=YEAR_ERROR)],
                                  render_kw={"inputmode": "numeric"})
    last_year = WholeNumberField(_l("Last year"), validators=[InputRequired(message=YEAR_ERROR)],
                                 render_kw={"inputmode": "numeric"})

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for f in (self.first_year, self.last_year):
            if f.data is not None and f.data not in validation.YEARS:
                f.errors.append(YEAR_ERROR)
                valid = False
        if valid and self.last_year.data < self.first_year.data:
            self.last_year.errors.append(_l("The last year cannot be before the first year."))
            valid = False
        return valid


class IssueForm(FlaskForm):
    """A priority issue's problem statement and objective (in the page language)."""

    problem = TextAreaField(_l("Problem"), description=_l("What the survey and the working group found."),
                            validators=[Optional(), Length(max=5000, message=TOO_LONG)],
                            render_kw={"rows": 5, "maxlength": 5000})
    objective = TextAreaField(_l("Objective"), description=_l("What the plan aims to change about this issue."),
                              validators=[Optional(), Length(max=5000, message=TOO_LONG)],
                              render_kw={"rows": 3, "maxlength": 5000})


class IndicatorForm(Form):
    """One indicator row of a measure (checked by validation.check_measure)."""

    name = StringField(_l("Indicator"), render_kw={"maxlength": validation.INDICATOR_TEXT_MAX})
    unit = StringField(_l("Unit"), render_kw={"maxlength": validation.INDICATOR_TEXT_MAX})
    baseline = StringField(_l("Baseline (optional)"), render_kw={"maxlength": validation.INDICATOR_TEXT_MAX})
    target = StringField(_l("Target"), render_kw={"maxlength": validation.INDICATOR_TEXT_MAX})
    source = StringField(_l("Source of the figure (optional)"),
                         render_kw={"maxlength": validation.INDICATOR_TEXT_MAX})


class MeasureForm(FlaskForm):
    """A measure: what, who leads and with whom, when, cost and secured funding, where (an area and an optional
    point), status and up to three indicators.

    Call `set_choices(organisations, areas)` before validating; `check` holds validation.check_measure's answer.
    """

    title = StringField(_l("Title"), render_kw={"maxlength": validation.TITLE_MAX})
    description = TextAreaField(_l("Description"), render_kw={"rows": 4, "maxlength": validation.DESCRIPTION_MAX})
    lead = SelectField(_l("Lead organisation"), choices=[], validate_choice=False, default="")
    partners = SelectMultipleField(_l("Partners"), choices=[], validate_choice=False)
    start = StringField(_l("Start"), description=_l("A month as 2027-03 or a quarter as 2027-Q2."),
                        render_kw={"maxlength": 7, "placeholder": "2027-03"})
    end = StringField(_l("End"), description=_l("A month as 2027-12 or a quarter as 2027-Q4."),
                      render_kw={"maxlength": 7, "placeholder": "2027-Q4"})
    cost = StringField(_l("Cost in som"), description=_l("Exact amount, at most two decimals; empty if not yet "
                                                         "estimated."), render_kw={"inputmode": "decimal"})
    funded = StringField(_l("Funding already secured, in som"),
                         description=_l("The part of the cost already promised (local budget, a donor); the rest is "
                                        "the funding gap. Empty if nothing is secured yet."),
                         render_kw={"inputmode": "decimal"})
    area = SelectField(_l("Area (optional)"), choices=[], validate_choice=False, default="")
    lat = StringField(_l("Latitude"), description=_l("Optional; pick on the map or type, e.g. %(lat)s, %(lon)s.",
                                                      lat="42.4931", lon="78.3955"),
                      render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})
    lon = StringField(_l("Longitude"), render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in MEASURE_STATUS_LABELS.items()],
                         validate_choice=False, default="planned")
    indicators = RowList(FormField(IndicatorForm), min_entries=INDICATOR_ROWS, max_entries=INDICATOR_ROWS)

    check: validation.Check | None = None

    def set_choices(self, organisations: list[tuple[str, str]], areas: list[tuple[str, str]]) -> None:
        """Offer these organisations (lead, partners) and areas as [(id, name)]."""
        self.lead.choices = [SelectChoice("", "—")] + [SelectChoice(v, label) for v, label in organisations]
        self.partners.choices = [SelectChoice(v, label) for v, label in organisations]
        self.area.choices = [SelectChoice("", "—")] + [SelectChoice(v, label) for v, label in areas]

    def _raw(self) -> dict:
        return {"title": self.title.data, "description": self.description.data, "start": self.start.data,
                "end": self.end.data, "cost": self.cost.data, "funded": self.funded.data,
                "lat": self.lat.data, "lon": self.lon.data, "status": self.status.data,
                "indicators": [{k: row.form[k].data for k in ("name", "unit", "baseline", "target", "source")}
                               for row in self.indicators]}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self.check = validation.check_measure(self._raw())
        for name, code in self.check.errors.items():
            if name.startswith("indicators-"):
                _prefix, n, key = name.split("-", 2)
                target = self.indicators[int(n)].form[key]
            else:
                target = self[name]
            if code == "too_long":
                limit = LIMITS.get(name, validation.INDICATOR_TEXT_MAX)
                message = _("Too long: at most %(max)s characters.", max=limit)
            else:
                message = (FUNDED_ERRORS if name == "funded" else {}).get(code) or MEASURE_ERRORS[code]
            target.errors = list(target.errors) + [message]
            valid = False
        offered_orgs = {c.value for c in self.partners.choices}
        if self.lead.data and self.lead.data not in offered_orgs:
            self.lead.errors.append(_l("Choose an organisation from the list."))
            valid = False
        if any(p not in offered_orgs for p in self.partners.data or []):
            self.partners.errors.append(_l("Choose organisations from the list."))
            valid = False
        if self.area.data and self.area.data not in {c.value for c in self.area.choices}:
            self.area.errors.append(_l("Choose an area from the list."))
            valid = False
        # WTForms caches `errors` during validation: recount them with the checks' messages added.
        for row in self.indicators:
            row.form._errors = None
        self.indicators.errors = [row.errors for row in self.indicators] if any(
            row.errors for row in self.indicators) else []
        self._errors = None
        return valid


class TransitionForm(FlaskForm):
    """A step of the review and adoption: the action, a note, and for adoption the council decision."""

    action = HiddenField()
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000, message=TOO_LONG)],
                         render_kw={"rows": 3, "maxlength": 2000})
    decision_number = StringField(_l("Council decision number"),
                                  validators=[Optional(), Length(max=60, message=TOO_LONG)],
                                  render_kw={"maxlength": 60})
    decision_date = IsoDateField(_l("Date of the council decision"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: start a plan, make a new version."""
