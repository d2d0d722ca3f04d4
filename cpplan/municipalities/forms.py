"""Forms for municipalities, areas, organisations, the working group and memberships."""
from __future__ import annotations

import json
import math
import sys
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, FloatField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..accounts.forms import NewPasswordMixin, email_field, language_field
from .labels import (AREA_KIND_LABELS, GENDER_LABELS, GROUP_ROLE_LABELS, KIND_LABELS,
                     ORGANISATION_KIND_LABELS, REGION_LABELS, ROLE_LABELS)

TOO_LONG = _l("At most %(max)d characters.")


class InRange(NumberRange):
    """WTForms' NumberRange, also for a whole number too large for a float (on which its isnan() check overflows)."""

    def __call__(self, form, field) -> None:
        data = field.data
        if isinstance(data, int) and abs(data) > sys.float_info.max:
            # Infinity of the same sign compares with the limits as the number does, and gives the same message.
            super().__call__(form, SimpleNamespace(data=math.inf if data > 0 else -math.inf, gettext=field.gettext))
            return
        super().__call__(form, field)


def text(label, max_len: int, required: bool = False, **kw) -> StringField:
    """Return a text field limited to max_len characters."""
    checks = [DataRequired(message=_l("This field is required."))] if required else [Optional()]
    return StringField(label, validators=[*checks, Length(max=max_len, message=TOO_LONG)], **kw)


def choice(label, labels: dict) -> SelectField:
    """Return a select over a dict of code -> translated label."""
    return SelectField(label, choices=[SelectChoice(code, text) for code, text in labels.items()],
                       validators=[DataRequired(message=_l("Choose one."))])


def coordinate(label, low: float, high: float) -> FloatField:
    """Return an optional latitude or longitude field within [low, high]."""
    return FloatField(label, validators=[Optional(), NumberRange(min=low, max=high, message=_l(
        "Enter a number from %(min)s to %(max)s."))], render_kw={"inputmode": "decimal"})


REFERRAL_HELP = _l("Hotlines and services where residents can get help. Every respondent sees this at the end "
                   "of the survey; when it is empty they see the police (102) and ambulance (103) numbers.")


def referral(label, **kw) -> TextAreaField:
    """Return an optional text of at most 2,000 characters on where respondents can get help."""
    return TextAreaField(label, validators=[Optional(), Length(max=2000, message=TOO_LONG)],
                         filters=[lambda value: (value or "").strip()], render_kw={"maxlength": 2000, "rows": 4},
                         **kw)


class NamesMixin:
    """Names in Kyrgyz, Russian and English; at least one is required."""

    def validate(self, extra_validators=None) -> bool:
        # Not an inline validate_name_ky: Optional() ends an empty field's chain before it would run.
        valid = super().validate(extra_validators)
        if not any((getattr(self, f"name_{c}").data or "").strip() for c in ("ky", "ru", "en")):
            self.name_ky.errors.append(_l("Enter the name in at least one language."))
            return False
        return valid


def names(max_len: int = 160):
    """Return the three name fields."""
    return (text(_l("Name in Kyrgyz"), max_len), text(_l("Name in Russian"), max_len),
            text(_l("Name in English"), max_len))


class MunicipalityForm(NamesMixin, FlaskForm):
    slug = text(_l("Short name for links"), 64, required=True, description=_l(
        "Latin letters, digits and hyphens, e.g. uch-korgon."))
    name_ky, name_ru, name_en = names()
    kind = choice(_l("Type"), KIND_LABELS)
    region = choice(_l("Region"), REGION_LABELS)
    district_ky = text(_l("District in Kyrgyz"), 120)
    district_ru = text(_l("District in Russian"), 120)
    district_en = text(_l("District in English"), 120)
    population = IntegerField(_l("Population"), validators=[Optional(), InRange(
        min=0, max=5_000_000, message=_l("Enter a number from %(min)s to %(max)s."))],
        render_kw={"inputmode": "numeric"})
    lat = coordinate(_l("Latitude"), 39.0, 43.5)
    lon = coordinate(_l("Longitude"), 69.0, 81.0)
    boundary_geojson = TextAreaField(_l("Boundary (GeoJSON, optional)"), validators=[
        Optional(), Length(max=500_000, message=TOO_LONG)])
    referral_ky = referral(_l("Where to get help, in Kyrgyz"), description=REFERRAL_HELP)
    referral_ru = referral(_l("Where to get help, in Russian"))
    referral_en = referral(_l("Where to get help, in English"))

    def validate_slug(self, field) -> None:
        field.data = (field.data or "").strip().lower()
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l(
            "Use Latin letters, digits and hyphens only."))(self, field)

    def validate_boundary_geojson(self, field) -> None:
        if not field.data:
            return
        try:
            shape = json.loads(field.data)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the decoder follows
            raise ValidationError(_l("This is not valid GeoJSON.")) from None
        allowed = {"Polygon", "MultiPolygon", "Feature", "FeatureCollection"}
        if not isinstance(shape, dict) or shape.get("type") not in allowed:
            raise ValidationError(_l("The boundary must be a GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection."))


class ReferralForm(FlaskForm):
    """Where respondents can get help, in three languages (shown at the end of every survey)."""

    referral_ky = referral(_l("Where to get help, in Kyrgyz"), description=REFERRAL_HELP)
    referral_ru = referral(_l("Where to get help, in Russian"))
    referral_en = referral(_l("Where to get help, in English"))


class AreaForm(NamesMixin, FlaskForm):
    kind = choice(_l("Type"), AREA_KIND_LABELS)
    name_ky, name_ru, name_en = names()
    lat = coordinate(_l("Latitude"), 39.0, 43.5)
    lon = coordinate(_l("Longitude"), 69.0, 81.0)


class OrganisationForm(NamesMixin, FlaskForm):
    kind = choice(_l("Type"), ORGANISATION_KIND_LABELS)
    name_ky, name_ru, name_en = names()


class GroupMemberForm(FlaskForm):
    name = text(_l("Full name"), 120, required=True)
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=True)
    position = text(_l("Position"), 120)
    gender = choice(_l("Gender"), GENDER_LABELS)
    group_role = choice(_l("Role in the group"), GROUP_ROLE_LABELS)


class MembershipForm(FlaskForm):
    email = email_field()
    display_name = text(_l("Name (for a new account)"), 120)
    role = choice(_l("Role"), ROLE_LABELS)


class RoleForm(FlaskForm):
    role = choice(_l("Role"), ROLE_LABELS)


class UserForm(NewPasswordMixin, FlaskForm):
    email = email_field()
    display_name = text(_l("Name"), 120, required=True)
    locale = language_field()
    is_admin = BooleanField(_l("Site administrator"))
    is_active = BooleanField(_l("Account active"), default=True)
    new_password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"},
                                 description=_l("Leave empty to keep the current password."))

    def validate_new_password(self, field) -> None:
        if field.data or self.password_required:
            super().validate_new_password(field)

    password_required = False


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button for deletions."""
