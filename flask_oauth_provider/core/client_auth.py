"""Reading client credentials from a request: the one place that does it.

RFC 6749 §2.3.1 defines two ways for a client with a password (secret) to
authenticate at the token, revocation and introspection endpoints:

* ``client_secret_basic``: ``Authorization: Basic base64(id ":" secret)``,
  where id and secret are each form-urlencoded first (RFC 6749 Appendix B);
* ``client_secret_post``: ``client_id`` and ``client_secret`` in the form body.

A public client sends only ``client_id`` in the body (method ``none``).
A client with a key or a secret may instead send a signed JWT, ``client_assertion``
with ``client_assertion_type`` (RFC 7521 §4.2, RFC 7523 §2.2): ``private_key_jwt`` or
``client_secret_jwt`` (OpenID Connect Core §9; the claim rules are in
:mod:`.client_assertion`).
RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in
each request."  Credentials in the query string are not read here at all;
the endpoints refuse query parameters on POST.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple
from urllib.parse import unquote_plus

from . import errors
from .client_assertion import (
    ASSERTION_TYPE,
    METHOD_CLIENT_SECRET_JWT,
    METHOD_PRIVATE_KEY_JWT,
    AssertionRefused,
    assertion_issuer,
    assertion_method,
)
from .log import logger
from .request import Request

__all__ = [
    "ClientCredentials",
    "METHOD_BASIC",
    "METHOD_CLIENT_SECRET_JWT",
    "METHOD_PRIVATE_KEY_JWT",
    "METHOD_NONE",
    "METHOD_POST",
    "extract_client_credentials",
    "parse_basic_authorization",
]

METHOD_BASIC = "client_secret_basic"
METHOD_POST = "client_secret_post"
METHOD_NONE = "none"

_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class _CredentialFields(NamedTuple):
    client_id: str | None
    client_secret: str | None
    method: str


class ClientCredentials(_CredentialFields):
    """What the client presented: ``client_id`` and ``client_secret`` (either may be
    ``None``) and ``method``, one of ``client_secret_basic``, ``client_secret_post``,
    ``private_key_jwt``, ``client_secret_jwt``, ``none`` (the RFC 8414 / RFC 7591
    ``token_endpoint_auth_method`` names).

    It unpacks as the three values ``(client_id, client_secret, method)``, as it always
    did; ``client_assertion`` (an attribute beside them) holds the not yet verified
    JWT of the two assertion methods (RFC 7521 §4.2), else ``None``.
    """

    client_assertion: str | None

    def __new__(cls, client_id: str | None, client_secret: str | None, method: str,
                client_assertion: str | None = None) -> ClientCredentials:
        self = super().__new__(cls, client_id, client_secret, method)
        self.client_assertion = client_assertion
        return self

    def __repr__(self) -> str:
        # Never the secret nor the assertion (they may reach a log through a repr).
        return (f"ClientCredentials(client_id={self.client_id!r}, method={self.method!r}, "
                f"secret={'yes' if self.client_secret else 'no'}, "
                f"assertion={'yes' if self.client_assertion else 'no'})")


def _form_decode_component(value: str) -> str:
    """Undo the form-urlencoding of one Basic credential part (RFC 6749 Appendix B)."""
    if _BAD_ESCAPE.search(value):
        raise ValueError("invalid percent-encoding")
    return unquote_plus(value, encoding="utf-8", errors="strict")


def parse_basic_authorization(header: str) -> tuple[str, str] | None:
    """Decode an ``Authorization: Basic`` header into ``(client_id, client_secret)``.

    Returns ``None`` when the header uses another scheme.  Raises
    :class:`~.errors.InvalidClientError` when it is ``Basic`` but malformed: bad
    base64, no colon, invalid escapes or an empty client id.  The decoded text is
    split on the *first* colon, then each part is form-urldecoded, so a colon or
    ``+`` inside an encoded secret survives (RFC 6749 §2.3.1, Appendix B).
    """
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    token = rest.strip()
    malformed = errors.InvalidClientError("Malformed HTTP Basic client credentials.")
    if not token or not _BASE64.fullmatch(token):
        raise malformed
    try:
        # Accept a token whose padding was left off, but nothing else irregular.
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise malformed from None
    encoded_id, colon, encoded_secret = text.partition(":")
    if not colon:
        raise malformed
    try:
        client_id = _form_decode_component(encoded_id)
        client_secret = _form_decode_component(encoded_secret)
    except (UnicodeDecodeError, ValueError):
        raise malformed from None
    if not client_id:
        raise malformed
    return client_id, client_secret


def _single_body_value(request: Request, name: str) -> str | None:
    values = [value for key, value in (request.decoded_body or []) if key == name]
    if len(values) > 1:
        # RFC 6749 §3.2: request parameters MUST NOT be included more than once.
        raise errors.InvalidRequestError(f"Duplicate {name} parameter.", request=request)
    if not values or values[0] in (None, ""):
        # RFC 6749 §3.2: a parameter sent without a value is treated as omitted.
        return None
    return values[0]


def extract_client_credentials(request: Request) -> ClientCredentials:
    """Return the client credentials presented with ``request`` (RFC 6749 §2.3.1).

    * ``Authorization: Basic`` -> method ``client_secret_basic``; an empty
      secret (``id:``) gives ``client_secret=None``.
    * body ``client_id`` + ``client_secret`` -> ``client_secret_post``.
    * body ``client_assertion_type`` + ``client_assertion`` -> ``private_key_jwt``
      or ``client_secret_jwt`` (by the assertion's ``alg``), with the assertion.
    * body ``client_id`` only -> ``none`` (a public client, RFC 6749 §2.1).
    * nothing -> ``ClientCredentials(None, None, "none")``.
    * body ``client_secret`` without ``client_id`` -> ``client_secret_post`` with
      ``client_id=None`` (authentication will then fail with ``invalid_client``).

    Raises :class:`~.errors.InvalidRequestError` when Basic, a body
    ``client_secret`` or an assertion are used together (RFC 6749 §2.3: one method
    per request), when only half of an assertion is sent, when
    the Basic client id differs from a body ``client_id``, or when ``client_id`` or
    ``client_secret`` is repeated in the body; raises
    :class:`~.errors.InvalidClientError` for a malformed Basic header, an unknown
    ``client_assertion_type`` or an unsigned assertion.
    """
    headers = getattr(request, "headers", None) or {}
    authorization = headers.get("Authorization")
    body_id = _single_body_value(request, "client_id")
    body_secret = _single_body_value(request, "client_secret")

    basic = None
    if authorization:
        try:
            basic = parse_basic_authorization(authorization)
        except errors.InvalidClientError as exc:
            logger.debug("Refusing a malformed HTTP Basic Authorization header.")
            raise errors.InvalidClientError(exc.description, request=request) from None

    assertion = _assertion_credentials(request, body_id, basic is not None or
                                       body_secret is not None)
    if assertion is not None:
        return assertion

    if basic is not None:
        client_id, client_secret = basic
        if body_secret is not None:
            logger.debug("Client used HTTP Basic and client_secret_post at once.")
            raise errors.InvalidRequestError(
                "Only one client authentication method may be used per request.",
                request=request,
            )
        if body_id is not None and body_id != client_id:
            raise errors.InvalidRequestError(
                "The client_id parameter does not match the authenticated client.",
                request=request,
            )
        return ClientCredentials(client_id, client_secret or None, METHOD_BASIC)

    if body_secret is not None:
        return ClientCredentials(body_id, body_secret, METHOD_POST)
    return ClientCredentials(body_id, None, METHOD_NONE)


def _assertion_credentials(request: Request, body_id: str | None,
                           other_method: bool) -> ClientCredentials | None:
    """The credentials of a JWT client assertion (RFC 7521 §4.2), or ``None`` if none.

    ``client_id`` is the body's, else the assertion's unverified ``iss`` (RFC 7521
    §4.2: ``client_id`` is optional); the verification later demands ``iss`` = ``sub``
    = that ``client_id``. The assertion itself never reaches a message or a log line.
    """
    assertion_type = _single_body_value(request, "client_assertion_type")
    assertion = _single_body_value(request, "client_assertion")
    if assertion_type is None and assertion is None:
        return None
    if other_method:
        logger.debug("Client sent an assertion and a secret at once.")
        raise errors.InvalidRequestError(
            "Only one client authentication method may be used per request.",
            request=request)
    if assertion_type is None or assertion is None:
        raise errors.InvalidRequestError(
            "client_assertion and client_assertion_type go together (RFC 7521 §4.2).",
            request=request)
    if assertion_type != ASSERTION_TYPE:
        raise errors.InvalidClientError(
            description=f"client_assertion_type must be {ASSERTION_TYPE}.", request=request)
    try:
        method = assertion_method(assertion)
    except AssertionRefused as exc:
        logger.info("Refusing a client assertion: %s", exc)
        raise errors.InvalidClientError(
            description="The client assertion is not a signed JWT.", request=request) \
            from None
    return ClientCredentials(body_id or assertion_issuer(assertion), None, method, assertion)


def bind_authenticated_client(request: Request, method: str | None = None) -> None:
    """Tie ``request.client_id`` to the client that authenticated (RFC 6749 §3.2.1).

    Called right after ``authenticate_client`` or ``authenticate_client_id`` returned
    True, with oauthlib's rule: ``request.client`` must be an object with a
    ``client_id`` attribute (whatever its value, ``None`` included). An empty
    ``request.client_id`` is filled from it; a request that names another client
    than the one that authenticated is ``invalid_client`` (oauthlib answers
    ``server_error``). With ``method`` given (the grants), a validator that left
    ``request.client`` unset, or set an object without ``client_id``, is a
    programming error and raises ``NotImplementedError`` as oauthlib does: otherwise
    a form parameter could stand in for the authenticated client. Without it
    (revocation, introspection) a missing ``request.client`` is tolerated, as in
    oauthlib.
    """
    client = getattr(request, "client", None)
    if client is None or not hasattr(client, "client_id"):
        if method is not None:
            raise NotImplementedError(
                f"{method} must set request.client to a client object with a client_id "
                "attribute."
            )
        return
    client_id = client.client_id
    if not request.client_id:
        request.client_id = client_id
    elif request.client_id != client_id:
        logger.debug("The request's client_id differs from the authenticated client.")
        raise errors.InvalidClientError(
            description="The client_id does not match the authenticated client.",
            request=request,
        )
