"""The client authentication methods and JWT algorithms a provider may enable.

Read once by :meth:`flask_oauth_provider.config.ProviderConfig.from_mapping`; the keys
are documented at their fields of :class:`~flask_oauth_provider.config.ProviderConfig`
(``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS``,
``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_SIGNING_ALGS``,
``OAUTH2_PROVIDER_REQUEST_OBJECT_SIGNING_ALGS``,
``OAUTH2_PROVIDER_CLIENT_ASSERTION_MAX_LIFETIME``,
``OAUTH2_PROVIDER_CLIENT_ASSERTION_AUDIENCE``).
"""

from __future__ import annotations

from typing import Any, Callable

from .core import jose
from .core.client_assertion import MAX_LIFETIME

PREFIX = "OAUTH2_PROVIDER_"

#: RFC 8414 §2 / RFC 7591 §2 / OpenID Connect Core §9 names this package implements.
KNOWN_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt",
                      "client_secret_jwt", "none")
#: JWS algorithms a client assertion may use: asymmetric for private_key_jwt, HMAC for
#: client_secret_jwt (RFC 7518 §3.1).
KNOWN_ASSERTION_ALGS = (*jose.ALGORITHMS, *jose.HMAC_ALGORITHMS)
#: The longest client assertion lifetime a configuration may allow, in seconds.
LONGEST_ASSERTION_LIFETIME = 3600

DEFAULTS: dict[str, Any] = {
    "TOKEN_ENDPOINT_AUTH_METHODS": KNOWN_AUTH_METHODS,
    "TOKEN_ENDPOINT_AUTH_SIGNING_ALGS": KNOWN_ASSERTION_ALGS,
    "REQUEST_OBJECT_SIGNING_ALGS": jose.ALGORITHMS,
    "CLIENT_ASSERTION_MAX_LIFETIME": MAX_LIFETIME,
    "CLIENT_ASSERTION_AUDIENCE": "issuer_or_endpoint",
}

#: ``CLIENT_ASSERTION_AUDIENCE`` values: the issuer alone, or also the token endpoint's
#: URL and that of the endpoint receiving the assertion.
ASSERTION_AUDIENCES = ("issuer", "issuer_or_endpoint")


def _names(key: str, value: Any, known: tuple[str, ...]) -> tuple[str, ...]:
    values = tuple(value.split() if isinstance(value, str) else value or ())
    unknown = [v for v in values if v not in known]
    if unknown or not values:
        raise ValueError(f"{PREFIX}{key} must list some of {', '.join(known)}; "
                         f"not {value!r}.")
    return tuple(dict.fromkeys(values))


def client_authentication(get: Callable[[str], Any]) -> dict[str, Any]:
    """The checked client-authentication keys, as ``ProviderConfig`` fields."""
    lifetime = get("CLIENT_ASSERTION_MAX_LIFETIME")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) \
            or not 0 < lifetime <= LONGEST_ASSERTION_LIFETIME:
        raise ValueError(f"{PREFIX}CLIENT_ASSERTION_MAX_LIFETIME must be a number of seconds "
                         f"from 1 to {LONGEST_ASSERTION_LIFETIME}, not {lifetime!r}.")
    audience = get("CLIENT_ASSERTION_AUDIENCE")
    if audience not in ASSERTION_AUDIENCES:
        raise ValueError(f"{PREFIX}CLIENT_ASSERTION_AUDIENCE must be one of "
                         f"{', '.join(map(repr, ASSERTION_AUDIENCES))}, not {audience!r}.")
    return {
        "client_assertion_audience": audience,
        "token_endpoint_auth_methods": _names(
            "TOKEN_ENDPOINT_AUTH_METHODS", get("TOKEN_ENDPOINT_AUTH_METHODS"),
            KNOWN_AUTH_METHODS),
        "token_endpoint_auth_signing_algs": _names(
            "TOKEN_ENDPOINT_AUTH_SIGNING_ALGS", get("TOKEN_ENDPOINT_AUTH_SIGNING_ALGS"),
            KNOWN_ASSERTION_ALGS),
        # RFC 9101 §10.1 allows an HMAC with the client secret; secrets are kept as
        # digests here, so request objects are asymmetric only (never none).
        "request_object_signing_algs": _names(
            "REQUEST_OBJECT_SIGNING_ALGS", get("REQUEST_OBJECT_SIGNING_ALGS"),
            jose.ALGORITHMS),
        "client_assertion_max_lifetime": lifetime,
    }
