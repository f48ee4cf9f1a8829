"""The consent form: scopes to grant, Allow / Deny, and a CSRF token; and the forms of
the device verification page (RFC 8628 §3.3), protected the same way.

RFC 6749 §10.12 requires CSRF protection at the authorization endpoint. The token of
this form (:class:`ConsentCSRF`) is worth one answer to one authorization request by
one user: it is signed with a key derived from the app's ``SECRET_KEY`` over the user's
id, a digest of the request (client, redirect URI, scopes, response type, PKCE
challenge, state, nonce) and a random nonce kept in the Flask session; posting it
consumes the nonce, and logging in forgets every pending one (:func:`forget_consent_tokens`,
connected to Flask-Login's ``user_logged_in``). The form carries no OAuth parameter:
the view re-reads them from the query string and validates them again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from typing import Any, Iterable, Mapping, Optional

from flask import current_app, request, session
from wtforms import Form, HiddenField, SelectMultipleField, StringField, SubmitField
from wtforms.csrf.core import CSRF, CSRFTokenField
from wtforms.csrf.session import SessionCSRF
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

#: How long a consent page may stay open before its CSRF token expires.
CSRF_TIME_LIMIT = timedelta(minutes=30)

#: The session key of the nonces of consent pages shown and not yet answered.
PENDING_KEY = "_oauth2_consent_nonces"

#: How many consent pages of one session may wait for an answer at once.
MAX_PENDING = 8

#: The request parameters a consent token is bound to (RFC 6749 §4.1.1, RFC 7636 §4.3,
#: OpenID Connect Core §3.1.2.1 ``nonce``).
BOUND_PARAMETERS = ("client_id", "redirect_uri", "response_type", "code_challenge",
                    "code_challenge_method", "state", "nonce")


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


def request_digest(core_request: Any, scopes: Iterable[str]) -> str:
    """A digest of what the user is asked to approve: the validated scopes and the
    parameters of :data:`BOUND_PARAMETERS` (``None`` when absent)."""
    bound = [[name, getattr(core_request, name, None)] for name in BOUND_PARAMETERS]
    bound.append(["scope", " ".join(scopes or [])])
    encoded = json.dumps(bound, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(encoded.encode("ascii")).hexdigest()


def user_key(user: Any) -> str:
    """The user's identity as Flask-Login knows it (``get_id()``), else ``id``."""
    get_id = getattr(user, "get_id", None)
    return str(get_id() if callable(get_id) else getattr(user, "id", ""))


def forget_consent_tokens(*args: Any, **kwargs: Any) -> None:
    """Drop every pending consent token of this session (connected to Flask-Login's
    ``user_logged_in``): a session planted before login carries none over."""
    session.pop(PENDING_KEY, None)
    session.pop("csrf", None)  # the secret of WTForms' SessionCSRF, used before


class LazyCSRFTokenField(CSRFTokenField):
    """The token is made when the page renders it, not when a POST builds the form."""

    def process(self, *args: Any, **kwargs: Any) -> None:
        super(CSRFTokenField, self).process(*args, **kwargs)

    def _value(self) -> str:
        if self.current_token is None:
            self.current_token = self.csrf_impl.generate_csrf_token(self)
        return self.current_token


class ConsentCSRF(CSRF):
    """One-use CSRF tokens bound to the session, the user and the request.

    ``form.meta.csrf_context`` is ``{"user": ..., "digest": ...}``
    (:func:`user_key`, :func:`request_digest`). A token is
    ``nonce.expiry.mac`` with ``mac = HMAC-SHA256(csrf_secret(), user|digest|nonce|expiry)``.
    """

    field_class = LazyCSRFTokenField

    def setup_form(self, form: Form) -> Any:
        self.context = form.meta.csrf_context
        self.time_limit = form.meta.csrf_time_limit
        return super().setup_form(form)

    def _mac(self, nonce: str, expires: str) -> str:
        message = "|".join((self.context["user"], self.context["digest"], nonce, expires))
        return hmac.new(csrf_secret(), message.encode("utf-8"), hashlib.sha256).hexdigest()

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        nonce = secrets.token_urlsafe(16)
        session[PENDING_KEY] = (list(session.get(PENDING_KEY) or []) + [nonce])[-MAX_PENDING:]
        expires = str(int(time.time() + self.time_limit.total_seconds()))
        return f"{nonce}.{expires}.{self._mac(nonce, expires)}"

    def validate_csrf_token(self, form: Form, field: Any) -> None:
        nonce, _, rest = str(field.data or "").partition(".")
        expires, _, mac = rest.partition(".")
        pending = list(session.get(PENDING_KEY) or [])
        if not (nonce and expires.isdigit() and mac) or nonce not in pending:
            raise ValidationError("The consent form is not of this session, or was used.")
        # Single use: the nonce goes, whatever the outcome.
        pending.remove(nonce)
        session[PENDING_KEY] = pending
        if not hmac.compare_digest(mac, self._mac(nonce, expires)):
            raise ValidationError("The consent form was made for another request or user.")
        if int(expires) < time.time():
            raise ValidationError("The consent form expired.")


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
        csrf_class = ConsentCSRF
        csrf_field_name = "csrf_token"
        csrf_time_limit = CSRF_TIME_LIMIT

    scope = ScopesField("Permissions")
    allow = SubmitField("Allow")
    deny = SubmitField("Deny")

    @classmethod
    def for_request(cls, scopes: Iterable[str], user: Any, core_request: Any,
                    formdata: Optional[Any] = None,
                    descriptions: Optional[Mapping[str, str]] = None) -> ConsentForm:
        """Build the form for the current request, with ``scopes`` as the choices.

        ``user`` is the logged-in resource owner and ``core_request`` the validated
        authorization request: the CSRF token is bound to both (:class:`ConsentCSRF`).
        On GET every scope is pre-checked; on POST the submitted form data is bound. Each
        choice is labelled with its ``descriptions`` entry (``OAUTH2_PROVIDER_SCOPES``)
        when there is one, else with the scope itself.
        """
        scopes = list(scopes or [])
        if formdata is None and request.method == "POST":
            formdata = request.form
        context = {"user": user_key(user), "digest": request_digest(core_request, scopes)}
        form = cls(
            formdata=formdata,
            meta={"csrf_context": context},
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
    def to_show(cls, scopes: Iterable[str], user_code: str, user: Any) -> DeviceConsentForm:
        """The form to show for ``scopes`` (all checked) and ``user_code``, whatever
        request the page answers (a code typed in a POST, or a GET). Its CSRF token is
        bound to ``user`` and ``user_code``, once (:class:`ConsentCSRF`)."""
        scopes = list(scopes or [])
        form = cls(formdata=None, meta={"csrf_context": _device_context(user, user_code)},
                   data={"scope": scopes, "user_code": user_code})
        form.scope.choices = [(scope, scope) for scope in scopes]
        return form

    @classmethod
    def for_answer(cls, user: Any) -> DeviceConsentForm:
        """The posted answer: its token must have been made for ``user`` and the user
        code the form names."""
        code = str(request.form.get("user_code", ""))
        return cls(formdata=request.form, meta={"csrf_context": _device_context(user, code)})


def _device_context(user: Any, user_code: str) -> dict:
    digest = hashlib.sha256(json.dumps(["user_code", user_code]).encode("utf-8")).hexdigest()
    return {"user": user_key(user), "digest": digest}
