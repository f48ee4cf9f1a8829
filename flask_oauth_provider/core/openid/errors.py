"""OpenID Connect error responses (OpenID Connect Core 1.0 §3.1.2.6).

``login_required`` and ``consent_required`` are the classes of
:mod:`flask_oauth_provider.core.errors` (one class per error code); the others are
defined here. All of them are redirected to the client once client and redirect URI
are valid, like every non-fatal authorization error (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

from ..errors import ConsentRequired, InvalidRequestError, LoginRequired, OAuth2Error

__all__ = [
    "AccountSelectionRequired",
    "ConsentRequired",
    "InteractionRequired",
    "InvalidRequestError",
    "InvalidRequestObject",
    "InvalidRequestURI",
    "LoginRequired",
    "RegistrationNotSupported",
    "RequestNotSupported",
    "RequestURINotSupported",
]


class InteractionRequired(OAuth2Error):
    """§3.1.2.6: prompt=none, but the request needs some user interface."""

    error = "interaction_required"


class AccountSelectionRequired(OAuth2Error):
    """§3.1.2.6: prompt=none, but the user has to choose an account."""

    error = "account_selection_required"


class InvalidRequestURI(OAuth2Error):
    """§3.1.2.6: the request_uri is wrong or its content cannot be used."""

    error = "invalid_request_uri"


class InvalidRequestObject(OAuth2Error):
    """§3.1.2.6: the request parameter holds an invalid Request Object."""

    error = "invalid_request_object"


class RequestNotSupported(OAuth2Error):
    """§3.1.2.6: "The OP does not support use of the request parameter"."""

    error = "request_not_supported"
    description = "Request objects (the request parameter) are not supported."


class RequestURINotSupported(OAuth2Error):
    """§3.1.2.6: "The OP does not support use of the request_uri parameter"."""

    error = "request_uri_not_supported"
    description = "The request_uri parameter is not supported."


class RegistrationNotSupported(OAuth2Error):
    """§3.1.2.6: the registration parameter is not supported."""

    error = "registration_not_supported"
