"""Protected resource metadata (RFC 9728) and the bearer challenge (RFC 6750 §3).

Both the provider (for its own protected views) and
:class:`~flask_oauth_provider.resource_server.ResourceServer` publish the same document
and answer refused calls with the same ``WWW-Authenticate`` header; this module writes
them once.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit, urlunsplit

from .errors import header_safe

_NOT_SCOPE_TOKEN = re.compile(r"[^\x21\x23-\x5B\x5D-\x7E]")

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
                     resource_metadata: Optional[str] = None, *,
                     dpop_algs: Optional[Iterable[str]] = None, scheme: str = "Bearer",
                     bearer: bool = True) -> str:
    """The ``WWW-Authenticate`` value of a refused protected-resource request.

    RFC 6750 §3: ``error``, ``error_description`` and ``scope`` (space-delimited, on
    ``insufficient_scope`` the scopes needed, §3.1); RFC 9728 §5.1:
    ``resource_metadata``, the URL of the resource's metadata, so that a client can
    find the authorization server. Without a token the challenge carries no error
    (RFC 6750 §3: "SHOULD NOT include an error code"). Values are quoted strings; the
    characters RFC 6750 §3 forbids in them (``"``, ``\\``, controls) become ``?``
    (:func:`~flask_oauth_provider.core.errors.header_safe`), so no value can break the
    header.

    RFC 9449 §7.1: with ``dpop_algs`` a ``DPoP`` challenge follows, naming the proof
    algorithms (``algs``); the error goes on the challenge of ``scheme`` (the one the
    client used), which comes first. ``bearer=False`` leaves the ``Bearer`` challenge
    out (a resource that accepts DPoP-bound tokens only).
    """
    errors_ = []
    if error:
        errors_.append(f'error="{header_safe(error)}"')
    if description:
        errors_.append(f'error_description="{header_safe(description)}"')
    common = []
    # RFC 6749 §3.3 scope-token = 1*( %x21 / %x23-5B / %x5D-7E ): anything else in a
    # (possibly request-derived) scope is dropped, so it can neither end the quoted
    # string nor add a parameter.
    scopes = " ".join(filter(None, (_NOT_SCOPE_TOKEN.sub("", str(s)) for s in scope or [])))
    if scopes:
        common.append(f'scope="{scopes}"')
    if resource_metadata:
        common.append(f'resource_metadata="{header_safe(resource_metadata, uri=True)}"')
    challenges = []
    if bearer or dpop_algs is None:
        challenges.append(_challenge("Bearer", (errors_ if scheme != "DPoP" else []) + common))
    if dpop_algs is not None:
        algs = " ".join(filter(None, (_NOT_SCOPE_TOKEN.sub("", str(a)) for a in dpop_algs)))
        challenges.append(_challenge(
            "DPoP", (errors_ if scheme == "DPoP" or not bearer else []) + common
            + [f'algs="{algs}"']))
    if scheme == "DPoP":
        challenges.reverse()  # the challenge of the scheme the client used comes first
    return ", ".join(challenges)


def _challenge(scheme: str, params: list[str]) -> str:
    return scheme + (" " + ", ".join(params) if params else "")
