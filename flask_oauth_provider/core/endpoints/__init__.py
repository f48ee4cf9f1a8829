"""The HTTP-facing side of the core: one class per endpoint.

Each takes ``(uri, http_method, body, headers)`` and returns oauthlib's shapes;
the rules of the flows themselves live in :mod:`flask_oauth_provider.core.grants`.
"""

from __future__ import annotations

from .authorization import AuthorizationEndpoint
from .base import BaseEndpoint, catch_errors_and_unavailability
from .device_authorization import DeviceAuthorizationEndpoint
from .introspect import IntrospectEndpoint
from .metadata import MetadataEndpoint
from .resource import ResourceEndpoint
from .revocation import RevocationEndpoint
from .token import TokenEndpoint

__all__ = [
    "AuthorizationEndpoint",
    "BaseEndpoint",
    "DeviceAuthorizationEndpoint",
    "IntrospectEndpoint",
    "MetadataEndpoint",
    "ResourceEndpoint",
    "RevocationEndpoint",
    "TokenEndpoint",
    "catch_errors_and_unavailability",
]
