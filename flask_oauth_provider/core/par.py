"""Pushed authorization requests (RFC 9126): the request URI, the storage seam, the hook.

A client POSTs the parameters of an authorization request to the pushed authorization
request endpoint (:mod:`.endpoints.pushed_authorization`), authenticated as at the token
endpoint, and gets a one-time ``request_uri`` (``urn:ietf:params:oauth:request_uri:…``)
to send to the authorization endpoint with its ``client_id`` (§4). What is kept here:

* :func:`new_request_uri`: the reference, 256 bits from :mod:`secrets` (§2.2: "MUST
  contain some part generated using a cryptographically strong pseudorandom algorithm");
* :func:`pushed_parameters`: the one place where a pushed body becomes authorization
  parameters (a signed request object, RFC 9101, is unpacked here too);
* :class:`PushedRequestValidator`: what the core asks of the storage. The request URI
  reaches the validator in clear; the bundled store keeps only its digest.
"""

from __future__ import annotations

import secrets
from typing import Any, Optional

from . import errors
from .request import Request

__all__ = [
    "CLIENT_AUTHENTICATION_PARAMS",
    "DEFAULT_LIFETIME",
    "being_pushed",
    "pushed_request_uri",
    "PushedRequestValidator",
    "REQUEST_URI_PREFIX",
    "new_request_uri",
    "pushed_parameters",
    "pushed_requests_required",
    "supports_pushed_requests",
]

#: RFC 9126 §2.2: the URN prefix of a request URI made by the PAR endpoint.
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
#: Default lifetime of a request URI, in seconds (§2.2: "typically be relatively short
#: (e.g., between 5 and 600 seconds)"; a short one keeps a leaked reference useless).
DEFAULT_LIFETIME = 60
#: Parameters of the push that authenticate the client (RFC 6749 §2.3.1, RFC 7523 §2.2)
#: and are no part of the authorization request.
CLIENT_AUTHENTICATION_PARAMS = frozenset(
    {"client_secret", "client_assertion", "client_assertion_type"})


def new_request_uri() -> str:
    """A fresh ``request_uri`` (RFC 9126 §2.2): the URN prefix and 256 random bits."""
    return REQUEST_URI_PREFIX + secrets.token_urlsafe(32)


def pushed_parameters(request: Request) -> dict[str, str]:
    """The authorization parameters of an authenticated push (RFC 9126 §2.1).

    The form body less the client's credentials; ``client_id`` is the authenticated
    client's (§2.1: the server "MUST ensure" it matches). A repeated parameter is
    ``invalid_request`` (RFC 6749 §3.1). A request object among them (RFC 9101
    ``request``, RFC 9126 §3) is then verified and turned into parameters by the
    endpoint, through the validator's ``request_object_parameters(client, token)``.
    """
    if request.duplicate_params:
        raise errors.InvalidRequestError(
            description=f"Duplicate {request.duplicate_params[0]} parameter.", request=request)
    params = {name: value for name, value in (request.decoded_body or [])
              if name not in CLIENT_AUTHENTICATION_PARAMS and value not in (None, "")}
    params["client_id"] = request.client_id
    return params


class PushedRequestValidator:
    """The storage of pushed authorization requests, as the core calls it (RFC 9126).

    A validator (a :class:`~.validator.RequestValidator` subclass) that has these
    methods serves the PAR endpoint; the bundled SQLAlchemy store has them when given a
    ``par_model``. Every method receives the ``request_uri`` in clear: keep a digest
    (the request URI is a bearer reference to the request until it is used).
    """

    def save_pushed_authorization_request(self, request_uri: str, client_id: str,
                                          params: dict[str, str], expires_in: int,
                                          request: Request, *args: Any,
                                          **kwargs: Any) -> None:
        """Keep ``params`` (the validated authorization parameters) under ``request_uri``
        for ``client_id``, for ``expires_in`` seconds. Called by the PAR endpoint after
        the client authenticated and the parameters passed the checks of the
        authorization endpoint (RFC 9126 §2.1, §2.2)."""
        raise NotImplementedError("Subclasses must implement this method.")

    def get_pushed_authorization_request(self, request_uri: str, client_id: str,
                                         request: Request, *args: Any,
                                         **kwargs: Any) -> Optional[dict[str, str]]:
        """The parameters pushed under ``request_uri``, or ``None`` when it is unknown,
        expired, already used, or was issued to another client than ``client_id``
        (RFC 9126 §4). Called by the authorization endpoint on every request carrying a
        ``request_uri`` (the consent page and its POST included); it must not use the
        request URI up."""
        raise NotImplementedError("Subclasses must implement this method.")

    def consume_pushed_authorization_request(self, request_uri: str, client_id: str,
                                             request: Request, *args: Any,
                                             **kwargs: Any) -> bool:
        """Use the request URI up: True for exactly one caller (an atomic conditional
        DELETE or UPDATE whose row count decides), False when it is unknown, expired,
        used or another client's. Called when the user's decision is answered (a code or
        token issued, or ``access_denied``), so a reload of the consent page still works
        (RFC 9126 §4 allows it) and a second authorization never does."""
        raise NotImplementedError("Subclasses must implement this method.")

    def pushed_authorization_required(self, client_id: str, request: Request, *args: Any,
                                      **kwargs: Any) -> bool:
        """Whether this client must use PAR (its ``require_pushed_authorization_requests``
        metadata, RFC 9126 §6). Default False."""
        return False


def being_pushed(request: Any) -> bool:
    """Whether ``request`` is a pushed one being validated at the PAR endpoint (no user
    yet). Read from the instance, never from a parameter of the same name."""
    return getattr(request, "__dict__", {}).get("being_pushed") is True


def pushed_request_uri(request: Any) -> Optional[str]:
    """The request URI an authorization request was resolved from (RFC 9126 §4), or
    ``None``. Read from the instance, never from a parameter of the same name."""
    return getattr(request, "__dict__", {}).get("pushed_request_uri")


def supports_pushed_requests(validator: Any) -> bool:
    """Whether ``validator`` stores pushed requests (a bundled store needs its
    ``par_model``; another validator the three storage methods)."""
    if getattr(validator, "par_model", True) is None:
        return False
    return all(callable(getattr(validator, name, None)) for name in (
        "save_pushed_authorization_request", "get_pushed_authorization_request",
        "consume_pushed_authorization_request"))


def pushed_requests_required(validator: Any, server_wide: bool, client_id: Optional[str],
                             request: Any) -> bool:
    """Whether an authorization request of ``client_id`` must have been pushed: for the
    server (§5, ``server_wide``) or for the client (§6, the validator's
    ``pushed_authorization_required`` answering exactly True: a validator answering
    anything else, a mock or None, keeps plain requests working)."""
    if server_wide:
        return True
    if not client_id:
        return False
    rule = getattr(validator, "pushed_authorization_required", None)
    return rule is not None and rule(client_id, request) is True
