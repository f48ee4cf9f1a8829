"""flask-oauth-provider: an OAuth 2.0 authorization server for Flask."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["OAuth2Provider", "ResourceServer", "current_token", "__version__"]


def __getattr__(name: str):
    # Imported lazily so that ``flask_oauth_provider.core`` can be used (and
    # tested) without importing Flask at all.
    if name in ("OAuth2Provider", "current_token"):
        from . import provider

        return getattr(provider, name)
    if name == "ResourceServer":
        from .resource_server import ResourceServer

        return ResourceServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
