"""Protected resource metadata (RFC 9728) and the bearer challenge (RFC 6750 §3).

Both the provider (for its own protected views) and
:class:`~flask_oauth_provider.resource_server.ResourceServer` publish the same document
and answer refused calls with the same ``WWW-Authenticate`` header; this module writes
them once.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional
from urllib.parse import urlsplit, urlunsplit

from .errors import header_safe

__all__ = ["WELL_KNOWN_PATH", "metadata_url", "metadata_document", "bearer_challenge",
           "resource_path", "origin_of"]

#: RFC 9728 §3: the well-known URI suffix of protected resource metadata.
WELL_KNOWN_PATH = "/.well-known/oauth-protected-resource"


def origin_of(uri: str) -> str:
    """``scheme://host[:port]`` of ``uri``."""
    parts = urlsplit(uri)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def resource_path(resource: str) -> str:
    """The path of a resource identifier without its trailing ``/`` (``""`` for none)."""
    return urlsplit(resource).path.rstrip("/")


def metadata_url(resource: str) -> str:
    """Where the metadata of ``resource`` lives.

    RFC 9728 §3.1: the well-known URI is formed "by inserting a well-known URI string
    into the protected resource's resource identifier between the host component and
    the path and/or query components, if any"; a terminating ``/`` of the path is
    removed first.
    """
    parts = urlsplit(resource)
    path = WELL_KNOWN_PATH + parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def metadata_document(resource: str, authorization_servers: Iterable[str],
                      scopes_supported: Optional[Iterable[str]] = None,
                      bearer_methods_supported: Iterable[str] = ("header",),
                      **extra: Any) -> dict[str, Any]:
    """The RFC 9728 §2 document: ``resource`` (REQUIRED, §3.3: identical to the resource
    identifier the client used), ``authorization_servers``, ``scopes_supported`` (left
    out when unknown), ``bearer_methods_supported`` (RFC 6750 §2 methods)."""
    document: dict[str, Any] = {
        "resource": resource,
        "authorization_servers": list(authorization_servers),
        "bearer_methods_supported": list(bearer_methods_supported),
    }
    if scopes_supported is not None:
        document["scopes_supported"] = sorted(scopes_supported)
    document.update(extra)
    return document


def bearer_challenge(error: Optional[str] = None, description: Optional[str] = None,
                     scope: Optional[Iterable[str]] = None,
                     resource_metadata: Optional[str] = None) -> str:
    """The ``WWW-Authenticate`` value of a refused protected-resource request.

    RFC 6750 §3: ``error``, ``error_description`` and ``scope`` (space-delimited, on
    ``insufficient_scope`` the scopes needed, §3.1); RFC 9728 §5.1:
    ``resource_metadata``, the URL of the resource's metadata, so that a client can
    find the authorization server. Without a token the challenge carries no error
    (RFC 6750 §3: "SHOULD NOT include an error code"). Values are quoted strings; the
    characters RFC 6750 §3 forbids in them (``"``, ``\\``, controls) become ``?``
    (:func:`~flask_oauth_provider.core.errors.header_safe`), so no value can break the
    header.
    """
    params = []
    if error:
        params.append(f'error="{header_safe(error)}"')
    if description:
        params.append(f'error_description="{header_safe(description)}"')
    scopes = " ".join(scope or [])
    if scopes:
        params.append(f'scope="{header_safe(scopes)}"')
    if resource_metadata:
        params.append(f'resource_metadata="{header_safe(resource_metadata, uri=True)}"')
    return "Bearer" + (" " + ", ".join(params) if params else "")
