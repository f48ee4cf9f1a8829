"""Bearer tokens (RFC 6750): creation, and finding the token in a resource request.

Same names and signatures as ``oauthlib.oauth2.rfc6749.tokens``.  Departures:

* tokens come from :func:`~flask_oauth_provider.core.utils.generate_token`
  (``secrets.token_urlsafe(32)``: 256 bits, 43 characters of base64url) instead of
  30 alphanumeric characters;
* :func:`get_token_from_header` reads the form-body ``access_token`` only on a
  request with a body (RFC 6750 §2.2), and the query ``access_token`` only when
  ``request.allow_query_token`` is truthy (RFC 9700 §2.5 / OAuth 2.1 §5.1.1;
  RFC 6750 §2.3); a token sent by more than one method is ignored (RFC 6750 §3.1
  calls that ``invalid_request``; see :func:`bearer_token_locations`).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Union

from . import utils
from .dpop import bound_jkt
from .request import Request
from .utils import list_to_scope, scope_to_list

__all__ = [
    "BearerToken",
    "OAuth2Token",
    "TokenBase",
    "bearer_token_locations",
    "get_token_from_header",
    "random_token_generator",
]

DEFAULT_EXPIRES_IN = 3600

#: Methods whose request body has defined semantics (RFC 6750 §2.2: "the GET
#: method MUST NOT be used" to carry a body token).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

ExpiresIn = Union[int, Callable[[Any], int], None]


class OAuth2Token(dict):
    """A token response (RFC 6749 §5.1) as a dict, with scope bookkeeping.

    ``old_scope`` is the scope that was requested; ``scope_changed`` tells whether
    the issued scope differs (RFC 6749 §5.1: then ``scope`` is REQUIRED).
    """

    def __init__(self, params: dict[str, Any], old_scope: Any = None) -> None:
        super().__init__(params)
        self._new_scope: set[str] | None = None
        if params.get("scope"):
            self._new_scope = set(scope_to_list(params["scope"]) or [])
        if old_scope is not None:
            self._old_scope: set[str] | None = set(scope_to_list(old_scope) or [])
            if self._new_scope is None:
                # An unchanged scope may be left out of the response (RFC 6749 §5.1).
                self._new_scope = self._old_scope
        else:
            self._old_scope = self._new_scope

    @property
    def scope_changed(self) -> bool:
        return self._new_scope != self._old_scope

    @property
    def old_scope(self) -> str | None:
        return list_to_scope(sorted(self._old_scope)) if self._old_scope is not None else None

    @property
    def old_scopes(self) -> list[str]:
        return sorted(self._old_scope or [])

    @property
    def scope(self) -> str | None:
        return list_to_scope(sorted(self._new_scope)) if self._new_scope is not None else None

    @property
    def scopes(self) -> list[str]:
        return sorted(self._new_scope or [])

    @property
    def missing_scopes(self) -> list[str]:
        return sorted((self._old_scope or set()) - (self._new_scope or set()))

    @property
    def additional_scopes(self) -> list[str]:
        return sorted((self._new_scope or set()) - (self._old_scope or set()))


def random_token_generator(request: Request, refresh_token: bool = False) -> str:
    """Return a new random token: 32 bytes from :mod:`secrets`, base64url (43 characters).

    Drawn from :func:`flask_oauth_provider.core.utils.generate_token`, looked up at
    each call so that patching that one name reaches tokens as well as codes.
    RFC 6749 §10.10 / RFC 6819 §5.1.4.2.2: tokens must not be guessable.
    """
    return utils.generate_token()


def _header_token(request: Request) -> tuple[bool, str | None]:
    """``(has_authorization_header, bearer_token_or_None)``."""
    headers = getattr(request, "headers", None) or {}
    authorization = headers.get("Authorization")
    if authorization is None:
        return False, None
    parts = authorization.split()
    # RFC 6750 §2.1; the scheme is case-insensitive (RFC 9110 §11.1).
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return True, parts[1]
    return True, None


def _body_token(request: Request) -> str | None:
    method = (getattr(request, "http_method", "") or "").upper()
    if method not in _BODY_METHODS:
        return None
    headers = getattr(request, "headers", None) or {}
    content_type = headers.get("Content-Type")
    if content_type and content_type.split(";")[0].strip().lower() != _FORM_CONTENT_TYPE:
        return None
    values = [v for k, v in (getattr(request, "decoded_body", None) or []) if k == "access_token"]
    return values[0] if len(values) == 1 and values[0] else None


def _query_token(request: Request) -> str | None:
    if not getattr(request, "allow_query_token", False):
        return None
    pairs = getattr(request, "uri_query_params", None) or []
    values = [v for k, v in pairs if k == "access_token"]
    return values[0] if len(values) == 1 and values[0] else None


def bearer_token_locations(request: Request) -> list[str]:
    """Where the request carries a bearer token: a list of ``"header"``, ``"body"``,
    ``"query"`` (the query only counts when ``request.allow_query_token`` is set).

    RFC 6750 §2: "Clients MUST NOT use more than one method to transmit the
    token in each request"; more than one entry here is an ``invalid_request``
    (RFC 6750 §3.1) for the resource endpoint to report.
    """
    locations = []
    if _header_token(request)[1]:
        locations.append("header")
    if _body_token(request):
        locations.append("body")
    if _query_token(request):
        locations.append("query")
    return locations


def get_token_from_header(request: Request) -> str | None:
    """Return the bearer access token of a resource request, or ``None``.

    Looks in, per RFC 6750 §2: the ``Authorization: Bearer`` header (any case of
    "Bearer"); else the form-body ``access_token`` of a POST/PUT/PATCH whose
    Content-Type is form-urlencoded or absent; else, only when
    ``request.allow_query_token`` is truthy, the query ``access_token``.  An
    ``Authorization`` header of another scheme, or a token sent by more than one
    method, gives ``None``.
    """
    has_header, header_token = _header_token(request)
    found = [t for t in (header_token, _body_token(request), _query_token(request)) if t]
    if len(found) > 1:
        return None
    if has_header:
        return header_token
    return found[0] if found else None


class TokenBase:
    """Interface of a token type: ``create_token``, ``validate_request``, ``estimate_type``."""

    __slots__ = ()

    def __call__(self, request: Request, refresh_token: bool = False) -> Any:
        raise NotImplementedError("Subclasses must implement this method.")

    def validate_request(self, request: Request) -> bool:
        raise NotImplementedError("Subclasses must implement this method.")

    def estimate_type(self, request: Request) -> int:
        raise NotImplementedError("Subclasses must implement this method.")


class BearerToken(TokenBase):
    """Creates and checks Bearer tokens (RFC 6750).

    :param request_validator: consulted for ``rotate_refresh_token`` and
        ``validate_bearer_token``.
    :param token_generator: ``f(request) -> str`` for access tokens
        (default :func:`random_token_generator`).
    :param expires_in: seconds, or ``f(request) -> int``; default 3600.
    :param refresh_token_generator: ``f(request) -> str`` for refresh tokens
        (default: ``token_generator``).
    """

    __slots__ = ("request_validator", "token_generator", "refresh_token_generator", "expires_in")

    def __init__(
        self,
        request_validator: Any = None,
        token_generator: Callable[[Any], str] | None = None,
        expires_in: ExpiresIn = None,
        refresh_token_generator: Callable[[Any], str] | None = None,
    ) -> None:
        self.request_validator = request_validator
        self.token_generator = token_generator or random_token_generator
        self.refresh_token_generator = refresh_token_generator or self.token_generator
        self.expires_in = expires_in if expires_in is not None else DEFAULT_EXPIRES_IN

    def create_token(self, request: Request,
                     refresh_token: bool = False, **kwargs: Any) -> OAuth2Token:
        """Build the token response of RFC 6749 §5.1 (it is not saved here).

        Keys, in order: ``access_token``, ``expires_in`` (also set as
        ``request.expires_in``), ``token_type`` = ``Bearer`` (``DPoP`` for a token
        bound to a DPoP key, RFC 9449 §5), ``scope`` (when
        ``request.scopes`` is not None), ``refresh_token`` (when asked for), then
        ``request.extra_credentials``.  On a refresh (``request.refresh_token``
        set) the old refresh token is sent back unchanged when the validator's
        ``rotate_refresh_token(request)`` is False (RFC 6749 §6).
        """
        if "save_token" in kwargs:
            warnings.warn(
                "create_token(save_token=...) is ignored; call the validator's save_token().",
                DeprecationWarning,
                stacklevel=2,
            )
        expires_in = self.expires_in(request) if callable(self.expires_in) else self.expires_in
        request.expires_in = expires_in

        token: dict[str, Any] = {
            "access_token": self.token_generator(request),
            "expires_in": expires_in,
            # RFC 9449 §5: a token bound to the client's DPoP key is of type DPoP.
            "token_type": "DPoP" if bound_jkt(request) else "Bearer",
        }
        scopes = getattr(request, "scopes", None)
        if scopes is not None:
            token["scope"] = " ".join(scopes) if not isinstance(scopes, str) else scopes

        if refresh_token:
            previous = getattr(request, "refresh_token", None)
            keep_previous = (
                previous
                and self.request_validator is not None
                and not self.request_validator.rotate_refresh_token(request)
            )
            if keep_previous:
                token["refresh_token"] = previous
            else:
                token["refresh_token"] = self.refresh_token_generator(request)

        token.update(getattr(request, "extra_credentials", None) or {})
        return OAuth2Token(token)

    def validate_request(self, request: Request) -> bool:
        """Ask the validator about the request's bearer token (RFC 6750 §2).

        Calls ``validate_bearer_token(token, request.scopes, request)``, with
        ``token=None`` when the request carries none (as oauthlib does).
        """
        token = get_token_from_header(request)
        return self.request_validator.validate_bearer_token(
            token, getattr(request, "scopes", None), request
        )

    def estimate_type(self, request: Request) -> int:
        """How likely the request carries a Bearer token: 9 for an
        ``Authorization: Bearer`` header, 5 for a body (or allowed query)
        ``access_token``, else 0."""
        authorization = (getattr(request, "headers", None) or {}).get("Authorization", "")
        if authorization.split(" ")[0].lower() == "bearer":
            return 9
        if _body_token(request) or _query_token(request):
            return 5
        return 0
