"""OAuth 2.0 error responses (RFC 6749 §4.1.2.1, §4.2.2.1, §5.2; RFC 6750 §3.1; RFC 7009 §2.2.1).

Same class names, hierarchy and constructor as ``oauthlib.oauth2.rfc6749.errors``,
so code that raises or catches oauthlib's errors reads the same here.

Departures from oauthlib, each deliberate:

* :class:`ServerError` has status 500 and :class:`TemporarilyUnavailableError`
  503 (oauthlib: 400 for both), the HTTP statuses RFC 6749 §4.1.2.1 names for
  these conditions when they can be sent directly rather than by redirect.
* ``error_description`` and ``error_uri`` are emitted with the characters that
  RFC 6749 §5.2 forbids (``"``, ``\\``, non-ASCII, control characters) replaced by
  ``?``, so a reflected parameter can never break the JSON, the redirect or the
  ``WWW-Authenticate`` header.  The ``description`` attribute keeps the original.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from typing import Any

from .utils import add_params_to_uri, urlencode_params

__all__ = [
    "OAuth2Error",
    "FatalClientError",
    "InvalidRequestFatalError",
    "InvalidRequestURIFatalError",
    "InvalidRedirectURIError",
    "MissingRedirectURIError",
    "MismatchingRedirectURIError",
    "InvalidClientIdError",
    "MissingClientIdError",
    "InvalidRequestError",
    "MissingResponseTypeError",
    "MissingCodeChallengeError",
    "MissingCodeVerifierError",
    "UnsupportedCodeChallengeMethodError",
    "AccessDeniedError",
    "UnsupportedResponseTypeError",
    "InvalidScopeError",
    "ServerError",
    "TemporarilyUnavailableError",
    "InvalidClientError",
    "InvalidGrantError",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "UnsupportedTokenTypeError",
    "InvalidTokenError",
    "InsufficientScopeError",
    "ConsentRequired",
    "LoginRequired",
    "CustomOAuth2Error",
    "TokenExpiredError",
    "InsecureTransportError",
    "MismatchingStateError",
    "MissingCodeError",
    "MissingTokenError",
    "MissingTokenTypeError",
    "AuthorizationPendingError",
    "SlowDownError",
    "ExpiredTokenError",
    "raise_from_error",
]

# RFC 6749 §5.2: error_description = *( %x20-21 / %x23-5B / %x5D-7E ),
# error_uri = *( %x21 / %x23-5B / %x5D-7E ).
_NOT_DESCRIPTION_CHAR = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")
_NOT_URI_CHAR = re.compile(r"[^\x21\x23-\x5b\x5d-\x7e]")


def header_safe(value: str, uri: bool = False) -> str:
    """``value`` with every character RFC 6749 §5.2 / RFC 6750 §3 forbid in a
    challenge attribute replaced by ``?`` (``"``, ``\\``, controls, non-ASCII; spaces
    too when ``uri``), so that it can be sent as a quoted string as it is."""
    return (_NOT_URI_CHAR if uri else _NOT_DESCRIPTION_CHAR).sub("?", value)


class OAuth2Error(Exception):
    """Base class of every OAuth 2.0 error response.

    ``error`` is the RFC 6749 error code, ``status_code`` the HTTP status,
    ``description`` the ``error_description`` text.  When ``request`` is given
    the error remembers ``redirect_uri``, ``client_id``, ``scopes``,
    ``response_type``, ``response_mode`` and ``grant_type`` from it, and takes
    its ``state`` unless one is passed explicitly, so that an endpoint can build
    the error redirect (RFC 6749 §4.1.2.1) from the error alone.
    """

    error: str | None = None
    status_code: int = 400
    description: str = ""

    def __init__(
        self,
        description: str | None = None,
        uri: str | None = None,
        state: str | None = None,
        status_code: int | None = None,
        request: Any = None,
    ) -> None:
        if description is not None:
            self.description = description
        # The message never includes the request: it may hold credentials.
        super().__init__(f"({self.error}) {self.description}")

        self.uri = uri
        self.state = state
        if status_code:
            self.status_code = status_code

        self.request = request
        if request is not None:
            self.redirect_uri = getattr(request, "redirect_uri", None)
            self.client_id = getattr(request, "client_id", None)
            self.scopes = getattr(request, "scopes", None)
            self.response_type = getattr(request, "response_type", None)
            self.response_mode = getattr(request, "response_mode", None)
            self.grant_type = getattr(request, "grant_type", None)
            if state is None:
                self.state = getattr(request, "state", None)
        else:
            self.redirect_uri = None
            self.client_id = None
            self.scopes = None
            self.response_type = None
            self.response_mode = None
            self.grant_type = None

    def in_uri(self, uri: str) -> str:
        """Return ``uri`` with the error parameters added (RFC 6749 §4.1.2.1 / §4.2.2.1).

        They go in the fragment when ``response_mode`` is ``fragment``, else in the query.
        """
        return add_params_to_uri(uri, self.twotuples, fragment=self.response_mode == "fragment")

    @property
    def twotuples(self) -> list[tuple[str, str]]:
        """The response parameters: ``error``, then ``error_description``,
        ``error_uri`` and ``state`` when present (RFC 6749 §4.1.2.1, §5.2)."""
        pairs: list[tuple[str, str]] = [("error", self.error)]  # type: ignore[list-item]
        if self.description:
            pairs.append(("error_description", _NOT_DESCRIPTION_CHAR.sub("?", self.description)))
        if self.uri:
            pairs.append(("error_uri", _NOT_URI_CHAR.sub("?", self.uri)))
        if self.state:
            pairs.append(("state", self.state))
        return pairs

    @property
    def urlencoded(self) -> str:
        """The parameters form-encoded (RFC 6749 Appendix B)."""
        return urlencode_params(self.twotuples)

    @property
    def json(self) -> str:
        """The parameters as a JSON object (RFC 6749 §5.2)."""
        return json.dumps(dict(self.twotuples))

    @property
    def headers(self) -> dict[str, str]:
        """``WWW-Authenticate`` for a 401 (RFC 6750 §3, RFC 6749 §5.2), else ``{}``.

        As in oauthlib the scheme is always ``Bearer``.
        """
        if self.status_code != 401:
            return {}
        values = [f'error="{self.error}"']
        if self.description:
            values.append(f'error_description="{header_safe(self.description)}"')
        if self.uri:
            values.append(f'error_uri="{header_safe(self.uri, uri=True)}"')
        return {"WWW-Authenticate": "Bearer " + ", ".join(values)}


# ----------------------------------------------------------- client-side (oauthlib)


class TokenExpiredError(OAuth2Error):
    error = "token_expired"


class InsecureTransportError(OAuth2Error):
    error = "insecure_transport"
    description = "OAuth 2 MUST utilize https."


class MismatchingStateError(OAuth2Error):
    error = "mismatching_state"
    description = "CSRF Warning! State not equal in request and response."


class MissingCodeError(OAuth2Error):
    error = "missing_code"


class MissingTokenError(OAuth2Error):
    error = "missing_token"


class MissingTokenTypeError(OAuth2Error):
    error = "missing_token_type"


# ---------------------------------------------------------------- fatal (no redirect)


class FatalClientError(OAuth2Error):
    """An error that must not be sent to the redirect URI.

    RFC 6749 §4.1.2.1: if the redirect URI is missing, invalid or mismatching,
    or the client identifier is missing or invalid, the authorization server
    informs the resource owner and MUST NOT redirect.
    """


class InvalidRequestFatalError(FatalClientError):
    """``invalid_request`` that must be shown to the user, not redirected."""

    error = "invalid_request"


class InvalidRedirectURIError(InvalidRequestFatalError):
    description = "Invalid redirect URI."


class MissingRedirectURIError(InvalidRequestFatalError):
    description = "Missing redirect URI."


class MismatchingRedirectURIError(InvalidRequestFatalError):
    description = "Mismatching redirect URI."


class InvalidClientIdError(InvalidRequestFatalError):
    description = "Invalid client_id parameter value."


class MissingClientIdError(InvalidRequestFatalError):
    description = "Missing client_id parameter."


class InvalidRequestURIFatalError(FatalClientError):
    """``invalid_request_uri`` (RFC 9101 §7.1, used by RFC 9126 §4): the ``request_uri``
    of an authorization request is unknown, expired, used or another client's. Shown to
    the user, never redirected: without the pushed request no redirect URI is verified."""

    error = "invalid_request_uri"
    description = ("The request_uri is unknown, has expired, was already used, or was "
                   "issued to another client.")


class InvalidClientError(FatalClientError):
    """``invalid_client``, HTTP 401 (RFC 6749 §5.2): client authentication failed."""

    error = "invalid_client"
    status_code = 401


# -------------------------------------------------------------------- invalid_request


class InvalidRequestError(OAuth2Error):
    """``invalid_request``: a missing, repeated or malformed parameter (RFC 6749 §5.2)."""

    error = "invalid_request"


class MissingResponseTypeError(InvalidRequestError):
    description = "Missing response_type parameter."


class MissingCodeChallengeError(InvalidRequestError):
    """RFC 7636 §4.4.1: PKCE is required and ``code_challenge`` is missing."""

    description = "Code challenge required."


class MissingCodeVerifierError(InvalidRequestError):
    """RFC 7636 §4.5: a challenge was sent, so ``code_verifier`` is required."""

    description = "Code verifier required."


class UnsupportedCodeChallengeMethodError(InvalidRequestError):
    """RFC 7636 §4.4.1: the server does not support the requested transformation."""

    description = "Transform algorithm not supported."


# ----------------------------------------------------------------------- the others


class AccessDeniedError(OAuth2Error):
    """``access_denied``: the resource owner or server denied the request (RFC 6749 §4.1.2.1)."""

    error = "access_denied"


class UnsupportedResponseTypeError(OAuth2Error):
    error = "unsupported_response_type"


class InvalidScopeError(OAuth2Error):
    """``invalid_scope`` (RFC 6749 §4.1.2.1, §5.2)."""

    error = "invalid_scope"


class InvalidTargetError(OAuth2Error):
    """``invalid_target`` (RFC 8707 §2): "The requested resource is invalid, missing,
    unknown, or malformed." """

    error = "invalid_target"


class ServerError(OAuth2Error):
    """``server_error``: an unexpected condition.  HTTP 500 here (oauthlib: 400)."""

    error = "server_error"
    status_code = 500


class TemporarilyUnavailableError(OAuth2Error):
    """``temporarily_unavailable``.  HTTP 503 here (oauthlib: 400)."""

    error = "temporarily_unavailable"
    status_code = 503


class InvalidGrantError(OAuth2Error):
    """``invalid_grant``: the code, refresh token or owner credentials are invalid,
    expired, revoked, bound to another redirect URI or issued to another client
    (RFC 6749 §5.2)."""

    error = "invalid_grant"
    status_code = 400


class UnauthorizedClientError(OAuth2Error):
    """``unauthorized_client``: the client may not use this grant or response type."""

    error = "unauthorized_client"


class UnsupportedGrantTypeError(OAuth2Error):
    error = "unsupported_grant_type"


class UnsupportedTokenTypeError(OAuth2Error):
    """``unsupported_token_type`` (RFC 7009 §2.2.1)."""

    error = "unsupported_token_type"


# ------------------------------------------- device authorization grant (RFC 8628)


class AuthorizationPendingError(OAuth2Error):
    """``authorization_pending`` (RFC 8628 §3.5): the user has not finished yet; the
    device polls again after the interval."""

    error = "authorization_pending"


class SlowDownError(OAuth2Error):
    """``slow_down`` (RFC 8628 §3.5): still pending, and the device polled too fast;
    "the interval MUST be increased by 5 seconds for this and all subsequent
    requests"."""

    error = "slow_down"


class ExpiredTokenError(OAuth2Error):
    """``expired_token`` (RFC 8628 §3.5): the device_code expired; the device may
    start a new device authorization request."""

    error = "expired_token"


class InvalidTokenError(OAuth2Error):
    """``invalid_token``, HTTP 401 (RFC 6750 §3.1)."""

    error = "invalid_token"
    status_code = 401
    description = (
        "The access token provided is expired, revoked, malformed, or invalid for other reasons."
    )


class InsufficientScopeError(OAuth2Error):
    """``insufficient_scope``, HTTP 403 (RFC 6750 §3.1)."""

    error = "insufficient_scope"
    status_code = 403
    description = "The request requires higher privileges than provided by the access token."


class ConsentRequired(OAuth2Error):
    error = "consent_required"


class LoginRequired(OAuth2Error):
    error = "login_required"


class CustomOAuth2Error(OAuth2Error):
    """An error with an arbitrary ``error`` code: ``CustomOAuth2Error("my_error", ...)``."""

    def __init__(self, error: str, *args: Any, **kwargs: Any) -> None:
        self.error = error
        super().__init__(*args, **kwargs)


def raise_from_error(error: str, params: dict[str, Any] | None = None) -> None:
    """Raise the error class whose code is ``error`` (client side; as oauthlib)."""
    params = params or {}
    kwargs = {
        "description": params.get("error_description"),
        "uri": params.get("error_uri"),
        "state": params.get("state"),
    }
    for _, cls in inspect.getmembers(sys.modules[__name__], inspect.isclass):
        if issubclass(cls, OAuth2Error) and cls.error == error:
            raise cls(**kwargs)
    raise CustomOAuth2Error(error=error, **kwargs)
