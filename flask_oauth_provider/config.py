"""The provider's configuration: every ``OAUTH2_PROVIDER_*`` key, its default and its check.

``ProviderConfig.from_mapping(app.config)`` is called once by ``init_app``; a wrong value
raises ``ValueError`` there, saying what is allowed, instead of failing at the first request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from werkzeug.utils import import_string

PREFIX = "OAUTH2_PROVIDER_"

#: Grant types this package implements. ``implicit`` and ``password`` are deprecated by
#: RFC 9700 / OAuth 2.1 and so are off unless listed in ``OAUTH2_PROVIDER_GRANT_TYPES``.
KNOWN_GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "implicit",
    "password",
)
DEFAULT_GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")

#: RFC 6749 §4.1.2: an authorization code lives "a maximum of 10 minutes".
MAX_CODE_EXPIRES_IN = 600

DEFAULTS: dict[str, Any] = {
    "URL_PREFIX": "/oauth",
    "ISSUER": None,
    "TOKEN_EXPIRES_IN": 3600,
    "CODE_EXPIRES_IN": 60,
    "REFRESH_TOKEN_EXPIRES_IN": 30 * 24 * 3600,
    "GRANT_TYPES": DEFAULT_GRANT_TYPES,
    "PKCE_REQUIRED": "public",
    "PKCE_PLAIN": False,
    "ROTATE_REFRESH_TOKENS": True,
    "TOKEN_GENERATOR": None,
    "REFRESH_TOKEN_GENERATOR": None,
    "ERROR_TEMPLATE": "oauth/error.html",
    "AUTHORIZE_TEMPLATE": "oauth/authorize.html",
    "INSECURE_TRANSPORT": False,
    "ALLOW_QUERY_TOKEN": False,
    "MAX_REQUEST_SIZE": 64 * 1024,
}

TokenGenerator = Callable[[Any], str]


def _resolve_generator(key: str, value: Any) -> Optional[TokenGenerator]:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            raise ValueError(
                f"{PREFIX}{key} names {value!r}, which cannot be imported: {exc}. "
                "Give a callable(request) -> str or its dotted import path."
            ) from None
    if not callable(value):
        raise ValueError(
            f"{PREFIX}{key} must be a callable(request) -> str or its dotted import path, "
            f"not {value!r}."
        )
    return value


def _positive_int(key: str, value: Any, *, allow_none: bool = False) -> Optional[int]:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        extra = " or None (never expires)" if allow_none else ""
        raise ValueError(
            f"{PREFIX}{key} must be a positive number of seconds{extra}, not {value!r}."
        )
    return value


@dataclasses.dataclass(frozen=True)
class ProviderConfig:
    """The validated ``OAUTH2_PROVIDER_*`` settings of one Flask app."""

    url_prefix: str = DEFAULTS["URL_PREFIX"]
    issuer: Optional[str] = None
    token_expires_in: Union[int, Callable[[Any], int]] = DEFAULTS["TOKEN_EXPIRES_IN"]
    code_expires_in: int = DEFAULTS["CODE_EXPIRES_IN"]
    refresh_token_expires_in: Optional[int] = DEFAULTS["REFRESH_TOKEN_EXPIRES_IN"]
    grant_types: tuple[str, ...] = DEFAULT_GRANT_TYPES
    #: ``True``: every client must use PKCE; ``"public"``: public clients only.
    pkce_required: Union[bool, str] = "public"
    pkce_plain: bool = False
    #: Public clients always rotate; ``True`` makes confidential clients rotate too.
    rotate_refresh_tokens: bool = True
    token_generator: Optional[TokenGenerator] = None
    refresh_token_generator: Optional[TokenGenerator] = None
    error_template: str = DEFAULTS["ERROR_TEMPLATE"]
    authorize_template: str = DEFAULTS["AUTHORIZE_TEMPLATE"]
    insecure_transport: bool = False
    allow_query_token: bool = False
    max_request_size: int = DEFAULTS["MAX_REQUEST_SIZE"]

    @property
    def response_types(self) -> tuple[str, ...]:
        """The ``response_type`` values the authorization endpoint accepts."""
        types = []
        if "authorization_code" in self.grant_types:
            types.append("code")
        if "implicit" in self.grant_types:
            types.append("token")
        return tuple(types)

    def pkce_required_for(self, public: bool) -> bool:
        return self.pkce_required is True or public

    def rotates_refresh_tokens_for(self, public: bool) -> bool:
        return self.rotate_refresh_tokens or public

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> ProviderConfig:
        """Read and check every ``OAUTH2_PROVIDER_*`` key of ``config`` (an app's config)."""

        def get(key: str) -> Any:
            return config.get(PREFIX + key, DEFAULTS[key])

        known = {PREFIX + key for key in DEFAULTS}
        unknown = sorted(k for k in config if k.startswith(PREFIX) and k not in known)
        if unknown:
            raise ValueError(
                f"Unknown configuration key(s) {', '.join(unknown)}. "
                f"Known keys: {', '.join(sorted(known))}."
            )

        prefix = get("URL_PREFIX")
        if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError(
                f"{PREFIX}URL_PREFIX must be a path starting with '/' and not ending with '/' "
                f"(for example '/oauth'), not {prefix!r}."
            )

        issuer = get("ISSUER")
        if issuer is not None:
            if not isinstance(issuer, str) or "?" in issuer or "#" in issuer:
                raise ValueError(
                    f"{PREFIX}ISSUER must be an https URL with no query or fragment "
                    f"(RFC 8414 §2), not {issuer!r}."
                )
            if not (issuer.startswith("https://") or get("INSECURE_TRANSPORT")
                    or issuer.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))):
                raise ValueError(
                    f"{PREFIX}ISSUER must use https (RFC 8414 §2), not {issuer!r}; "
                    f"http is allowed only on loopback or with {PREFIX}INSECURE_TRANSPORT."
                )
            issuer = issuer.rstrip("/")

        token_expires_in = get("TOKEN_EXPIRES_IN")
        if not callable(token_expires_in):
            token_expires_in = _positive_int("TOKEN_EXPIRES_IN", token_expires_in)

        code_expires_in = _positive_int("CODE_EXPIRES_IN", get("CODE_EXPIRES_IN"))
        if code_expires_in > MAX_CODE_EXPIRES_IN:
            raise ValueError(
                f"{PREFIX}CODE_EXPIRES_IN must be at most {MAX_CODE_EXPIRES_IN} seconds "
                f"(RFC 6749 §4.1.2), not {code_expires_in!r}."
            )

        grant_types = get("GRANT_TYPES")
        if isinstance(grant_types, str):
            grant_types = grant_types.split()
        grant_types = tuple(grant_types)
        bad = [g for g in grant_types if g not in KNOWN_GRANT_TYPES]
        if bad or not grant_types:
            raise ValueError(
                f"{PREFIX}GRANT_TYPES must list some of {', '.join(KNOWN_GRANT_TYPES)}; "
                f"got {list(grant_types)!r}."
            )

        pkce_required = get("PKCE_REQUIRED")
        if not (pkce_required is True or pkce_required == "public"):
            raise ValueError(
                f"{PREFIX}PKCE_REQUIRED must be True (every client) or 'public' (public clients "
                f"only; PKCE can't be switched off for them), not {pkce_required!r}."
            )

        def flag(key: str) -> bool:
            value = get(key)
            if not isinstance(value, bool):
                raise ValueError(f"{PREFIX}{key} must be True or False, not {value!r}.")
            return value

        template_keys = ("ERROR_TEMPLATE", "AUTHORIZE_TEMPLATE")
        for key in template_keys:
            if not isinstance(get(key), str) or not get(key):
                raise ValueError(f"{PREFIX}{key} must be a template name, not {get(key)!r}.")

        return cls(
            url_prefix=prefix,
            issuer=issuer,
            token_expires_in=token_expires_in,
            code_expires_in=code_expires_in,
            refresh_token_expires_in=_positive_int(
                "REFRESH_TOKEN_EXPIRES_IN", get("REFRESH_TOKEN_EXPIRES_IN"), allow_none=True
            ),
            grant_types=grant_types,
            pkce_required=pkce_required,
            pkce_plain=flag("PKCE_PLAIN"),
            rotate_refresh_tokens=flag("ROTATE_REFRESH_TOKENS"),
            token_generator=_resolve_generator("TOKEN_GENERATOR", get("TOKEN_GENERATOR")),
            refresh_token_generator=_resolve_generator(
                "REFRESH_TOKEN_GENERATOR", get("REFRESH_TOKEN_GENERATOR")
            ),
            error_template=get("ERROR_TEMPLATE"),
            authorize_template=get("AUTHORIZE_TEMPLATE"),
            insecure_transport=flag("INSECURE_TRANSPORT"),
            allow_query_token=flag("ALLOW_QUERY_TOKEN"),
            max_request_size=_positive_int("MAX_REQUEST_SIZE", get("MAX_REQUEST_SIZE")),
        )
