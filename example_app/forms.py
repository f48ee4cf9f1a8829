"""The example's forms: WTForms with a CSRF token kept in the Flask session."""

from __future__ import annotations

from typing import Any

from flask import current_app, session
from wtforms import (
    Form,
    HiddenField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import DataRequired, Length

try:  # WTForms 3.3 names its choices; older versions take (value, label) pairs
    from wtforms.fields.choices import SelectChoice as choice
except ImportError:  # pragma: no cover - WTForms < 3.3
    def choice(value: str, label: str) -> tuple[str, str]:  # type: ignore[misc]
        return (value, label)


class BaseForm(Form):
    """Every form of the example carries a CSRF token bound to the user's session."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF

        @property
        def csrf_secret(self) -> bytes:
            return current_app.secret_key.encode()

        @property
        def csrf_context(self) -> Any:  # the session proxy
            return session


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class LoginForm(BaseForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired()])
    next = HiddenField()


class ActionForm(BaseForm):
    """A form with nothing but its CSRF token: log out, revoke."""


GRANT_TYPE_CHOICES = [
    choice("authorization_code", "Authorization code (with PKCE)"),
    choice("refresh_token", "Refresh token"),
    choice("client_credentials", "Client credentials (confidential clients only)"),
]


class ClientForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    redirect_uris = TextAreaField(
        "Redirect URIs, one a line",
        description="https, or http on 127.0.0.1 / localhost, or an app scheme like "
                    "com.example.app:/callback",
    )
    grant_types = MultiCheckboxField(
        "Grant types", choices=GRANT_TYPE_CHOICES,
        default=["authorization_code", "refresh_token"],
        validators=[DataRequired(message="Choose at least one grant type.")],
    )
    client_type = RadioField(
        "Client type",
        choices=[choice("confidential", "Confidential: a server that can keep a secret"),
                 choice("public", "Public: a browser or mobile app (no secret, PKCE)")],
        default="confidential",
    )
    scopes = MultiCheckboxField("Scopes it may ask for", default=["profile"],
                                validators=[DataRequired(message="Choose at least one scope.")])

    def redirect_uri_list(self) -> list[str]:
        return [line.strip() for line in (self.redirect_uris.data or "").splitlines()
                if line.strip()]
