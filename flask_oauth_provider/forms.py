"""The consent form: scopes to grant, Allow / Deny, and a CSRF token; and the forms of
the device verification page (RFC 8628 §3.3), protected the same way.

RFC 6749 §10.12 requires CSRF protection at the authorization endpoint; the token is
WTForms' :class:`~wtforms.csrf.session.SessionCSRF`, bound to the user's Flask session
and signed with a key derived from the app's ``SECRET_KEY``. The form carries no OAuth
parameter: the view re-reads them from the query string and validates them again.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any, Iterable, Mapping, Optional

from flask import current_app, request, session
from wtforms import Form, HiddenField, SelectMultipleField, StringField, SubmitField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

#: How long a consent page may stay open before its CSRF token expires.
CSRF_TIME_LIMIT = timedelta(minutes=30)


def csrf_secret() -> bytes:
    """A key for the consent form's CSRF tokens, derived from ``SECRET_KEY``.

    Derived rather than reused, so that a token of this form is worth nothing
    elsewhere. Raises ``RuntimeError`` when the app has no secret key.
    """
    secret = current_app.secret_key
    if not secret:
        raise RuntimeError(
            "The consent page needs a session: set app.config['SECRET_KEY'] "
            "(for example to secrets.token_hex(32))."
        )
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    return hmac.new(secret, b"flask-oauth-provider consent csrf", hashlib.sha256).digest()


class ScopesField(SelectMultipleField):
    """Checkboxes, one per requested scope, all checked to begin with.

    Unknown values are not an error here: the view keeps only the scopes it validated,
    so a tampered value is ignored rather than granted.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Form) -> None:
        return None


class ConsentForm(Form):
    """The resource owner's answer to an authorization request."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"
        csrf_time_limit = CSRF_TIME_LIMIT

    scope = ScopesField("Permissions")
    allow = SubmitField("Allow")
    deny = SubmitField("Deny")

    @classmethod
    def for_request(cls, scopes: Iterable[str], formdata: Optional[Any] = None,
                    descriptions: Optional[Mapping[str, str]] = None) -> ConsentForm:
        """Build the form for the current request, with ``scopes`` as the choices.

        On GET every scope is pre-checked; on POST the submitted form data is bound. Each
        choice is labelled with its ``descriptions`` entry (``OAUTH2_PROVIDER_SCOPES``)
        when there is one, else with the scope itself.
        """
        scopes = list(scopes or [])
        if formdata is None and request.method == "POST":
            formdata = request.form
        form = cls(
            formdata=formdata,
            meta={"csrf_secret": csrf_secret(), "csrf_context": session},
            data=None if formdata else {"scope": scopes},
        )
        descriptions = descriptions or {}
        form.scope.choices = [(scope, descriptions.get(scope) or scope) for scope in scopes]
        return form

    @property
    def allowed(self) -> bool:
        """Whether the user pressed Allow (Deny, or neither, means no)."""
        return bool(self.allow.data) and not self.deny.data

    def granted_scopes(self, validated: Iterable[str]) -> list[str]:
        """The validated scopes the user left checked, in their original order.

        A submitted scope that was not validated is ignored (RFC 6749 §3.3: the server
        may grant less than requested, never more).
        """
        checked = set(self.scope.data or [])
        return [scope for scope in validated if scope in checked]


class DeviceCodeForm(Form):
    """The user code typed on the device verification page (RFC 8628 §3.3)."""

    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"
        csrf_time_limit = CSRF_TIME_LIMIT

    user_code = StringField("Code", validators=[InputRequired(), Length(max=32)])
    submit = SubmitField("Continue")

    @classmethod
    def for_request(cls) -> DeviceCodeForm:
        """Build the form; on POST the submitted data is bound."""
        formdata = request.form if request.method == "POST" else None
        return cls(formdata=formdata,
                   meta={"csrf_secret": csrf_secret(), "csrf_context": session})


class DeviceConsentForm(ConsentForm):
    """The consent form of the device verification page: scopes, Allow / Deny, and the
    user code in a hidden field (looked up, and counted, again when the answer comes)."""

    user_code = HiddenField(validators=[Length(max=32)])

    @classmethod
    def to_show(cls, scopes: Iterable[str], user_code: str) -> DeviceConsentForm:
        """The form to show for ``scopes`` (all checked) and ``user_code``, whatever
        request the page answers (a code typed in a POST, or a GET)."""
        scopes = list(scopes or [])
        form = cls(formdata=None,
                   meta={"csrf_secret": csrf_secret(), "csrf_context": session},
                   data={"scope": scopes, "user_code": user_code})
        form.scope.choices = [(scope, scope) for scope in scopes]
        return form
