"""Dynamic client registration: the rules a client's metadata must meet (RFC 7591, RFC 7592).

Framework-free: :func:`parse_client_metadata` reads the JSON object a client sends
(RFC 7591 §2), applies this server's policy and returns :class:`ClientMetadata`, or
raises :class:`RegistrationError` with the RFC 7591 §3.2.2 error code.
:func:`client_information` is the §3.2.1 answer. The HTTP side is
:mod:`flask_oauth_provider.registration_views`; the storage side
:mod:`flask_oauth_provider.sqla.registration`. Client ID metadata documents are read by
the same rules (:mod:`flask_oauth_provider.metadata_documents`).

The policy:

- redirect URIs: :func:`~flask_oauth_provider.core.redirect_uris.check_redirect_uri`
  (https; http only on loopback with any port; private-use schemes with a dot; never
  ``javascript:``, ``data:``, ``file:``);
- grant types: among ``OAUTH2_PROVIDER_REGISTRATION_GRANT_TYPES``; response types
  consistent with them (RFC 7591 §2.1);
- scopes: narrowed to ``OAUTH2_PROVIDER_REGISTRATION_SCOPES``, else to the scopes of
  ``OAUTH2_PROVIDER_SCOPES`` (RFC 7591 §2: the server may replace a requested value; the
  answer says what was registered);
- ``token_endpoint_auth_method``: ``client_secret_basic`` (the default),
  ``client_secret_post``, ``private_key_jwt`` (RFC 7523: no secret; ``jwks`` or
  ``jwks_uri`` required) or ``none`` (a public client, with no secret).
  ``client_secret_jwt`` is not offered: its HMAC needs the secret in clear;
- ``jwks`` / ``jwks_uri`` (RFC 7591 §2): never both; public keys only; ``jwks_uri`` an
  https URL on a public address, fetched later under the rules of client ID metadata
  documents (:mod:`flask_oauth_provider.client_keys`);
- ``software_statement`` (RFC 7591 §2.3): a JWT signed by one of
  ``OAUTH2_PROVIDER_SOFTWARE_STATEMENT_KEYS``, whose claims then take precedence over the
  plain JSON values; any other statement (unsigned, another key, expired, no ``iss``, or
  none configured) is refused with ``invalid_software_statement``.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping
from typing import Any, Optional
from urllib.parse import urlsplit

from .client_keys import check_client_keys
from .core import jose
from .core.redirect_uris import check_redirect_uri
from .core.utils import is_loopback_host

#: RFC 7591 §2 ``token_endpoint_auth_method`` values this server supports.
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
#: RFC 7591 §2.1: the response type that goes with each redirect-based grant type.
RESPONSE_TYPE_OF = {"authorization_code": "code", "implicit": "token"}
#: Human-readable URL fields of RFC 7591 §2, kept and echoed as registered.
URL_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
#: Short string fields of RFC 7591 §2 (and OpenID Connect Registration's
#: ``application_type``, which MCP clients send).
TEXT_FIELDS = ("software_id", "software_version")
APPLICATION_TYPES = ("web", "native")
MAX_NAME = 100
MAX_TEXT = 200
MAX_URL = 2048
MAX_REDIRECT_URIS = 20
MAX_CONTACTS = 10
#: RFC 6749 §3.3 scope-token.
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


class RegistrationError(Exception):
    """An RFC 7591 §3.2.2 error: ``error``, ``description``, HTTP ``status`` (400)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    @property
    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_metadata(description: str) -> RegistrationError:
    return RegistrationError("invalid_client_metadata", description)


@dataclasses.dataclass
class ClientMetadata:
    """A client's registered metadata after the policy (RFC 7591 §2)."""

    redirect_uris: list[str]
    token_endpoint_auth_method: str
    grant_types: list[str]
    response_types: list[str]
    client_name: str
    scopes: list[str]
    #: The optional fields kept as registered: ``client_uri``, ``logo_uri``, ``tos_uri``,
    #: ``policy_uri``, ``contacts``, ``software_id``, ``software_version``,
    #: ``application_type``, ``dpop_bound_access_tokens`` (RFC 9449 §5.2),
    #: ``require_pushed_authorization_requests`` (RFC 9126 §6).
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def public(self) -> bool:
        return self.token_endpoint_auth_method == "none"  # noqa: S105 - a method name

    def stored_metadata(self) -> dict[str, Any]:
        """What goes in the client's metadata column beside its other columns."""
        return {**self.extra, "token_endpoint_auth_method": self.token_endpoint_auth_method}


@dataclasses.dataclass(frozen=True)
class Policy:
    """What this server allows a dynamically registered client (from the app's config)."""

    scopes: tuple[str, ...]
    grant_types: tuple[str, ...]
    allow_insecure_http: bool = False
    #: Public JWKs trusted to sign software statements (RFC 7591 §2.3); none: refuse them.
    statement_keys: tuple[dict[str, Any], ...] = ()
    #: ``jwks_uri`` may name loopback and private addresses (tests only).
    allow_private_fetch: bool = False
    #: The ``token_endpoint_auth_method`` values the server accepts (RFC 8414 §2).
    auth_methods: tuple[str, ...] = AUTH_METHODS

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        """The policy of an app's :class:`~flask_oauth_provider.config.ProviderConfig`."""
        return cls(scopes=config.registration_scopes or tuple(config.scopes or ()),
                   grant_types=tuple(g for g in config.registration_grant_types
                                     if g in config.grant_types),
                   allow_insecure_http=config.insecure_transport,
                   statement_keys=tuple(config.software_statement_keys),
                   allow_private_fetch=config.client_id_metadata_document_allow_private,
                   auth_methods=tuple(config.token_endpoint_auth_methods))


def parse_client_metadata(document: Any, policy: Policy) -> ClientMetadata:
    """Check a registration request's JSON object and apply ``policy`` (RFC 7591 §2, §3.1).

    Unknown fields are ignored (§2). Raises :class:`RegistrationError`.
    """
    if not isinstance(document, Mapping):
        raise invalid_metadata("The request body must be a JSON object (RFC 7591 §3.1).")
    if "software_statement" in document:
        document = with_software_statement(document, policy)
    method = _auth_method(document.get("token_endpoint_auth_method"), policy)
    grant_types = _grant_types(document.get("grant_types"), policy)
    response_types = _response_types(document.get("response_types"), grant_types)
    if method == "none" and "client_credentials" in grant_types:
        raise invalid_metadata(
            "A client with token_endpoint_auth_method 'none' has no secret, so it cannot "
            "use the client_credentials grant (RFC 6749 §4.4).")
    redirect_uris = _redirect_uris(document.get("redirect_uris"), grant_types, policy)
    extra = _extra_fields(document, policy)
    extra.update(_client_keys(document, method, policy))
    return ClientMetadata(
        redirect_uris=redirect_uris,
        token_endpoint_auth_method=method,
        grant_types=grant_types,
        response_types=response_types,
        client_name=_client_name(document.get("client_name"), redirect_uris),
        scopes=_scopes(document.get("scope"), policy),
        extra=extra,
    )


def with_software_statement(document: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    """The metadata with the verified statement's claims over the plain values.

    RFC 7591 §2.3: the statement is a JWT signed by a party the server trusts; it must
    name its issuer (``iss``); its values take precedence over the JSON ones (§3.1.1).
    """
    statement = document["software_statement"]
    if not policy.statement_keys:
        raise RegistrationError(
            "invalid_software_statement",
            "This server accepts no software statements (no key is configured to "
            "verify them).")
    if not isinstance(statement, str):
        raise RegistrationError("invalid_software_statement",
                                "software_statement must be a signed JWT.")
    try:
        _, claims = jose.verify(statement, policy.statement_keys)
    except jose.JoseError:
        raise RegistrationError("invalid_software_statement",
                                "The software statement is not signed by a trusted key.") \
            from None
    if not isinstance(claims.get("iss"), str) or not claims["iss"]:
        raise RegistrationError("invalid_software_statement",
                                "The software statement names no issuer (iss).")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, (int, float)) or isinstance(exp, bool)
                            or exp <= datetime.datetime.now(datetime.timezone.utc).timestamp()):
        raise RegistrationError("invalid_software_statement",
                                "The software statement has expired.")
    merged = {k: v for k, v in document.items() if k != "software_statement"}
    merged.update({k: v for k, v in claims.items()
                   if k not in ("iss", "iat", "exp", "nbf", "jti", "aud", "sub")})
    return merged


# -- one field each -------------------------------------------------------------------------


def _string_list(value: Any, name: str, limit: int) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise invalid_metadata(f"{name} must be an array of non-empty strings.")
    if len(value) > limit:
        raise invalid_metadata(f"{name} may hold at most {limit} values.")
    return list(dict.fromkeys(value))


def _auth_method(value: Any, policy: Policy) -> str:
    """RFC 7591 §2: the default is client_secret_basic; a method the server does not
    accept (``token_endpoint_auth_methods_supported``) is invalid metadata."""
    if value is None:
        value = "client_secret_basic"
    allowed = [m for m in AUTH_METHODS if m in policy.auth_methods]
    if value not in allowed:
        raise invalid_metadata(
            f"token_endpoint_auth_method must be one of {', '.join(allowed)}.")
    return value


def _client_keys(document: Mapping[str, Any], method: str, policy: Policy) -> dict[str, Any]:
    """``jwks`` or ``jwks_uri`` checked (RFC 7591 §2); required for ``private_key_jwt``."""
    try:
        keys = check_client_keys(document.get("jwks"), document.get("jwks_uri"),
                                 allow_private=policy.allow_private_fetch)
    except ValueError as exc:
        raise invalid_metadata(str(exc)) from None
    if method == "private_key_jwt" and not keys:
        raise invalid_metadata("A private_key_jwt client must register jwks or jwks_uri "
                               "(RFC 7591 §2, RFC 7523).")
    return keys


def _grant_types(value: Any, policy: Policy) -> list[str]:
    grant_types = ["authorization_code"] if value is None else _string_list(
        value, "grant_types", 10)  # RFC 7591 §2: default authorization_code
    refused = [g for g in grant_types if g not in policy.grant_types]
    if refused:
        raise invalid_metadata(
            f"grant_types {', '.join(refused)} may not be registered here; allowed: "
            f"{', '.join(policy.grant_types) or 'none'}.")
    return grant_types


def _response_types(value: Any, grant_types: list[str]) -> list[str]:
    expected = [RESPONSE_TYPE_OF[g] for g in grant_types if g in RESPONSE_TYPE_OF]
    if value is None:
        return expected  # RFC 7591 §2: default code (with the default grant type)
    response_types = _string_list(value, "response_types", 5)
    # RFC 7591 §2.1: grant_types and response_types must agree.
    if sorted(response_types) != sorted(expected):
        raise invalid_metadata(
            "response_types must match grant_types (RFC 7591 §2.1): 'code' goes with "
            "authorization_code, 'token' with implicit.")
    return response_types


def _redirect_uris(value: Any, grant_types: list[str], policy: Policy) -> list[str]:
    redirect_based = any(g in RESPONSE_TYPE_OF for g in grant_types)
    if value is None:
        if redirect_based:
            raise RegistrationError(
                "invalid_redirect_uri",
                "redirect_uris is required for the authorization_code and implicit grants "
                "(RFC 7591 §2).")
        return []
    try:
        uris = _string_list(value, "redirect_uris", MAX_REDIRECT_URIS)
    except RegistrationError as exc:
        raise RegistrationError("invalid_redirect_uri", exc.description) from None
    if redirect_based and not uris:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must not be empty.")
    for uri in uris:
        if len(uri) > MAX_URL:
            raise RegistrationError("invalid_redirect_uri", "A redirect URI is too long.")
        try:
            check_redirect_uri(uri, allow_insecure_http=policy.allow_insecure_http)
        except ValueError as exc:
            raise RegistrationError("invalid_redirect_uri", str(exc)) from None
    return uris


def _client_name(value: Any, redirect_uris: list[str]) -> str:
    if value is None:
        # Shown on the consent page: the host the user will be sent back to says more
        # than a made-up name.
        host = urlsplit(redirect_uris[0]).hostname if redirect_uris else None
        return host or "Unnamed application"
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise invalid_metadata(f"client_name must be a string of 1 to {MAX_NAME} characters.")
    if any(ord(c) < 0x20 for c in value):
        raise invalid_metadata("client_name must not contain control characters.")
    return value.strip()


def _scopes(value: Any, policy: Policy) -> list[str]:
    if value is None:
        return list(policy.scopes)
    if not isinstance(value, str):
        raise invalid_metadata("scope must be a string of space-separated scopes.")
    requested = value.split()
    if not all(_SCOPE_TOKEN.match(s) for s in requested):
        raise invalid_metadata("scope holds a value that is not a scope token (RFC 6749 §3.3).")
    # RFC 7591 §2: the server may register fewer scopes than asked; the answer says so.
    return [s for s in dict.fromkeys(requested) if s in policy.scopes]


def _extra_fields(document: Mapping[str, Any], policy: Policy) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for name in URL_FIELDS:
        if document.get(name) is not None:
            extra[name] = _web_url(document[name], name, policy)
    for name in TEXT_FIELDS:
        value = document.get(name)
        if value is not None:
            if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
                raise invalid_metadata(f"{name} must be a string of 1 to {MAX_TEXT} characters.")
            extra[name] = value
    if document.get("contacts") is not None:
        extra["contacts"] = _string_list(document["contacts"], "contacts", MAX_CONTACTS)
        if any(len(c) > MAX_TEXT for c in extra["contacts"]):
            raise invalid_metadata("A contact is too long.")
    dpop_bound = document.get("dpop_bound_access_tokens")
    if dpop_bound is not None:
        # RFC 9449 §5.2: a boolean; true makes DPoP mandatory at the token endpoint.
        if not isinstance(dpop_bound, bool):
            raise invalid_metadata("dpop_bound_access_tokens must be true or false.")
        extra["dpop_bound_access_tokens"] = dpop_bound
    application_type = document.get("application_type")
    if application_type is not None:
        if application_type not in APPLICATION_TYPES:
            raise invalid_metadata("application_type must be 'web' or 'native'.")
        extra["application_type"] = application_type
    require_par = document.get("require_pushed_authorization_requests")
    if require_par is not None:
        # RFC 9126 §6: then this client's authorization requests must be pushed.
        if not isinstance(require_par, bool):
            raise invalid_metadata("require_pushed_authorization_requests must be true or "
                                   "false.")
        if require_par:
            extra["require_pushed_authorization_requests"] = True
    return extra


def _web_url(value: Any, name: str, policy: Policy) -> str:
    """An https URL (http on loopback, or anywhere with insecure transport)."""
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise invalid_metadata(f"{name} must be a URL.")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise invalid_metadata(f"{name} must be a URL.") from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and (
        policy.allow_insecure_http or is_loopback_host(parts.hostname)))
    if not secure or not parts.hostname or any(c.isspace() for c in value):
        raise invalid_metadata(f"{name} must be an https URL.")
    return value


# -- the answer (RFC 7591 §3.2.1, RFC 7592 §3) ----------------------------------------------


def client_information(client: Any, *, client_secret: Optional[str] = None,
                       registration_access_token: Optional[str] = None,
                       registration_client_uri: Optional[str] = None) -> dict[str, Any]:
    """The registered metadata of ``client`` as RFC 7591 §3.2.1 answers it, without nulls.

    ``client`` is a :class:`~flask_oauth_provider.sqla.ClientMixin` row. The secret is
    given only by the response that creates it (it is kept as a digest);
    ``client_secret_expires_at`` is 0: secrets do not expire.
    """
    metadata = client.client_metadata
    info: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": _epoch(client.created_at),
        "client_name": client.name,
        "redirect_uris": client.redirect_uris,
        "grant_types": client.allowed_grant_types,
        "response_types": client.allowed_response_types,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
    }
    if client.allowed_scopes:
        info["scope"] = " ".join(client.allowed_scopes)
    if client.is_confidential and client.token_endpoint_auth_method != "private_key_jwt":  # noqa: S105
        info["client_secret_expires_at"] = 0
        if client_secret is not None:
            info["client_secret"] = client_secret
    for name in (*URL_FIELDS, *TEXT_FIELDS, "contacts", "application_type",
                 "dpop_bound_access_tokens", "require_pushed_authorization_requests", "jwks",
                 "jwks_uri"):
        if metadata.get(name) is not None:
            info[name] = metadata[name]
    if registration_access_token is not None:
        info["registration_access_token"] = registration_access_token
    if registration_client_uri is not None:
        info["registration_client_uri"] = registration_client_uri
    return info


def _epoch(value: datetime.datetime) -> int:
    """Seconds since the epoch of a naive UTC timestamp (RFC 7591 §3.2.1)."""
    return int(value.replace(tzinfo=datetime.timezone.utc).timestamp())
