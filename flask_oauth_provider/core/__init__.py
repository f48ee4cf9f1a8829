"""The framework-free OAuth 2.0 engine of flask-oauth-provider (RFC 6749 and friends).

Names and signatures mirror ``oauthlib.oauth2`` so that a ``RequestValidator``
written for oauthlib works here unchanged.  This package imports nothing from
Flask, Werkzeug, SQLAlchemy or WTForms.

The server, endpoint and grant classes are imported on first use, so that the
foundation (errors, request, tokens, validator) loads on its own.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import errors
from .client_auth import ClientCredentials, extract_client_credentials
from .log import get_debug, set_debug
from .request import Request
from .tokens import BearerToken, OAuth2Token
from .validator import DeviceRequestValidator, RequestValidator

# name -> submodule that defines it, imported lazily by __getattr__.
_LAZY = {
    "Server": ".servers",
    "WebApplicationServer": ".servers",
    "MobileApplicationServer": ".servers",
    "LegacyApplicationServer": ".servers",
    "BackendApplicationServer": ".servers",
    "AuthorizationEndpoint": ".endpoints",
    "TokenEndpoint": ".endpoints",
    "RevocationEndpoint": ".endpoints",
    "IntrospectEndpoint": ".endpoints",
    "ResourceEndpoint": ".endpoints",
    "MetadataEndpoint": ".endpoints",
    "DeviceAuthorizationEndpoint": ".endpoints",
    "AuthorizationCodeGrant": ".grants",
    "ImplicitGrant": ".grants",
    "ResourceOwnerPasswordCredentialsGrant": ".grants",
    "ClientCredentialsGrant": ".grants",
    "RefreshTokenGrant": ".grants",
    "DeviceCodeGrant": ".grants",
}

__all__ = [
    "BearerToken",
    "ClientCredentials",
    "DeviceRequestValidator",
    "OAuth2Token",
    "Request",
    "RequestValidator",
    "errors",
    "extract_client_credentials",
    "get_debug",
    "set_debug",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
