"""Redirect URIs: what may be registered, what a request may use, and the transport rule.

The one home of every redirect-URI rule (RFC 6749 §3.1.2, RFC 9700 §2.1 and §4.1.3,
RFC 8252 §7.1 and §7.3). Registration code calls :func:`check_redirect_uri`; the
validators call :func:`redirect_uri_matches` and :func:`transport_allows` when a request
names a redirect URI.
"""

from __future__ import annotations

import hmac
import re
from urllib.parse import urlsplit

from .utils import is_loopback_host, split_host_port

__all__ = ["check_redirect_uri", "redirect_uri_matches", "transport_allows"]

#: Schemes that must never be a redirect target (OAuth 2.1 §"Injection and Input Validation").
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "file", "vbscript", "blob", "about"})
#: RFC 3986 §3.1 scheme syntax.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")


def check_redirect_uri(uri: str, *, allow_insecure_http: bool = False) -> None:
    """Raise ``ValueError`` unless ``uri`` may be registered as a redirect URI.

    RFC 6749 §3.1.2: absolute, no fragment. RFC 9700 §2.6 / OAuth 2.1 §2.3.1: ``https``;
    ``http`` only on a loopback host (RFC 8252 §7.3); a private-use scheme of a native
    app only in reverse-domain form, i.e. containing a dot (RFC 8252 §7.1). Never
    ``javascript:``, ``data:``, ``file:`` and the like. No ``*``: a registered URI is
    compared exactly (RFC 9700 §4.1.3), so a wildcard would never match anything.
    """
    if not isinstance(uri, str) or not uri or uri != uri.strip() or any(
        c.isspace() or ord(c) < 0x20 for c in uri
    ):
        raise ValueError(f"Redirect URI {uri!r} must be a non-empty URI without whitespace.")
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"Redirect URI {uri!r} cannot be parsed: {exc}.") from None
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.match(parts.scheme):
        raise ValueError(f"Redirect URI {uri!r} must be absolute (RFC 6749 §3.1.2).")
    if "#" in uri:
        raise ValueError(f"Redirect URI {uri!r} must not contain a fragment (RFC 6749 §3.1.2).")
    if "*" in uri:
        raise ValueError(
            f"Redirect URI {uri!r} contains a wildcard: redirect URIs are compared exactly "
            "(RFC 9700 §4.1.3), so register each one in full."
        )
    if scheme in _FORBIDDEN_SCHEMES:
        raise ValueError(f"Redirect URI {uri!r}: the {scheme}: scheme is never allowed.")
    if scheme in ("https", "http"):
        if not host:
            raise ValueError(f"Redirect URI {uri!r} must name a host.")
        if "@" in parts.netloc:
            raise ValueError(f"Redirect URI {uri!r} must not contain user information.")
        if scheme == "http" and not (is_loopback_host(host) or allow_insecure_http):
            raise ValueError(
                f"Redirect URI {uri!r} must use https; http is allowed only on a loopback "
                "host such as 127.0.0.1 or [::1] (RFC 9700 §2.6, RFC 8252 §7.3)."
            )
        return
    if "." not in scheme:
        raise ValueError(
            f"Redirect URI {uri!r}: a private-use scheme must be in reverse-domain form, "
            "e.g. com.example.app:/callback (RFC 8252 §7.1)."
        )


def redirect_uri_matches(registered: str, requested: str) -> bool:
    """Return True if ``requested`` matches the ``registered`` redirect URI.

    RFC 9700 §4.1.3 / OAuth 2.1 §4.1.1 / RFC 6749 §3.1.2.2: redirect URIs are
    compared by exact (simple) string comparison; nothing is normalized.  The one
    exception is RFC 8252 §7.3: for an ``http`` redirect URI on a loopback host,
    the port may differ (or be absent on either side) while scheme, host, path,
    query and fragment stay byte-for-byte identical.  URIs with userinfo never
    use the exception.
    """
    if not isinstance(registered, str) or not isinstance(requested, str):
        return False
    if hmac.compare_digest(registered.encode("utf-8"), requested.encode("utf-8")):
        return True
    try:
        reg = urlsplit(registered)
        req = urlsplit(requested)
    except ValueError:
        return False
    if reg.scheme != "http" or req.scheme != "http":
        return False
    if "@" in reg.netloc or "@" in req.netloc:
        return False
    reg_host, reg_port = split_host_port(reg.netloc)
    req_host, req_port = split_host_port(req.netloc)
    if reg_host != req_host or not is_loopback_host(reg_host):
        return False
    for port in (reg_port, req_port):
        if port is not None and not (port.isdigit() and port.isascii() and 0 < int(port) < 65536):
            return False
    # Everything after the authority must be identical, compared as the raw
    # strings (not the parsed parts) so that no normalization sneaks in.
    prefix_reg = f"{reg.scheme}://{reg.netloc}"
    prefix_req = f"{req.scheme}://{req.netloc}"
    if not registered.startswith(prefix_reg) or not requested.startswith(prefix_req):
        return False
    return registered[len(prefix_reg) :] == requested[len(prefix_req) :]



def transport_allows(uri: str, insecure_transport: bool = False) -> bool:
    """Whether ``uri`` may be used as a redirect target under the transport rule.

    RFC 9700 §2.6 / OAuth 2.1 §2.3.1: ``http`` only for loopback hosts (native apps,
    RFC 8252 §7.3), unless ``insecure_transport`` (``OAUTH2_PROVIDER_INSECURE_TRANSPORT``)
    is set. Other schemes (``https``, private-use schemes of native apps) are left to
    :func:`check_redirect_uri` at registration.
    """
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme.lower() != "http" or insecure_transport:
        return True
    return bool(host) and is_loopback_host(host)
