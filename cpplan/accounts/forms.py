"""Forms for login, the user's own account and password change."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..i18n import LANGUAGE_NAMES
from . import passwords

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def email_field(label=None) -> StringField:
    """Return a required, length-limited e-mail field."""
    return StringField(label or _l("E-mail"), filters=[lambda value: value.strip() if isinstance(value, str) else value], validators=[
        DataRequired(message=_l("Enter your e-mail address.")),
        Length(max=254, message=_l("At most %(max)d characters.")),
        Regexp(EMAIL_PATTERN, message=_l("Enter a valid e-mail address, like name@example.org.")),
    ], render_kw={"autocomplete": "email", "inputmode": "email"})


def language_field() -> SelectField:
    """Return a select of the interface languages."""
    return SelectField(_l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()])


class NewPasswordMixin:
    """Checks a new password against the policy, for forms with `new_password`."""

    def validate_new_password(self, field) -> None:
        email = getattr(getattr(self, "email", None), "data", "") or getattr(self, "_email", "")
        complaints = passwords.problems(field.data or "", email)
        if complaints:
            raise ValidationError(" ".join(str(c) for c in complaints))


def new_password_fields():
    """Return (new password, confirmation) fields."""
    return (
        PasswordField(_l("New password"), validators=[DataRequired(message=_l("Enter a password."))],
                      render_kw={"autocomplete": "new-password"},
                      description=_l("At least 10 characters; a few words you remember work well.")),
        PasswordField(_l("Repeat the new password"), validators=[
            DataRequired(message=_l("Repeat the password.")),
            EqualTo("new_password", message=_l("The two passwords differ.")),
        ], render_kw={"autocomplete": "new-password"}),
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Enter your password.")),
        Length(max=passwords.MAX_LENGTH, message=_l("At most %(max)d characters.")),
    ], render_kw={"autocomplete": "current-password"})


class AccountForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[
        DataRequired(message=_l("Enter your name.")),
        Length(max=120, message=_l("At most %(max)d characters.")),
    ])
    locale = language_field()


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")),
        Length(max=passwords.MAX_LENGTH, message=_l("At most %(max)d characters.")),
    ], render_kw={"autocomplete": "current-password"})
    new_password, confirm_password = new_password_fields()
