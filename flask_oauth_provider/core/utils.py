"""Small helpers of the core: scopes, URIs, form encoding, secrets and PKCE.

Each rule lives here once; grants, endpoints and validators call these helpers
rather than re-implementing them (redirect-URI matching, constant-time
comparison, PKCE transforms).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from typing import Any, Iterable, Mapping, Sequence, Union
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "add_params_to_uri",
    "generate_token",
    "host_from_uri",
    "is_absolute_uri",
    "is_loopback_host",
    "is_secure_transport",
    "is_valid_code_challenge",
    "is_valid_code_verifier",
    "list_to_scope",
    "params_from_uri",
    "pkce_s256",
    "safe_string_equals",
    "scope_to_list",
    "split_host_port",
    "urldecode",
    "urlencode_params",
    "verify_code_verifier",
]

Params = Union[Mapping[str, Any], Iterable[Sequence[Any]]]

# --------------------------------------------------------------------------- scopes


def list_to_scope(scope: Any) -> str | None:
    """Join a list/tuple/set of scopes into the space-delimited string of RFC 6749 §3.3.

    A string or ``None`` is returned unchanged (as oauthlib does); any other type
    raises ``ValueError``.
    """
    if scope is None or isinstance(scope, str):
        return scope
    if isinstance(scope, (list, tuple, set, frozenset)):
        return " ".join(str(s) for s in scope)
    raise ValueError(f"Invalid scope ({scope!r}), must be string, tuple, set, or list.")


def scope_to_list(scope: Any) -> list[str] | None:
    """Split a space-delimited scope string (RFC 6749 §3.3) into a list.

    Same results as oauthlib: ``None`` stays ``None``; a list/tuple/set becomes a
    list of strings; a string is stripped and split on single spaces, so an empty
    ``scope=`` gives ``['']`` (the validator then decides whether that is valid).
    """
    if scope is None:
        return None
    if isinstance(scope, (list, tuple, set, frozenset)):
        return [str(s) for s in scope]
    if isinstance(scope, bytes):
        scope = scope.decode("utf-8")
    return str(scope).strip().split(" ")


# --------------------------------------------------------------------- form encoding

# Characters that may appear in application/x-www-form-urlencoded text: the
# unreserved set, "%" (escapes), "+" (space) and the sub-delimiters that encoders
# leave alone.  "#", "[" and "]" are never produced by form encoding.
_FORM_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?@!$&'()*+,;=%]*")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def urldecode(query: str | bytes, strict_fields: bool = False) -> list[tuple[str, str]]:
    """Decode ``application/x-www-form-urlencoded`` text into a list of pairs.

    Raises ``ValueError`` (with a short, secret-free description) when the text
    contains characters that form encoding never produces (a raw space, a quote,
    non-ASCII, ...), a malformed ``%`` escape, or escapes that do not decode as
    UTF-8 (RFC 6749 Appendix B).  A field without ``=`` is kept with an empty
    value.  With ``strict_fields`` an empty field (``a=1&&b=2``, a trailing ``&``)
    is an error too; otherwise it is skipped.
    """
    if isinstance(query, bytes):
        try:
            query = query.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError("Found characters that are not form-urlencoded.") from None
    if not query:
        return []
    if not _FORM_CHARS.fullmatch(query):
        raise ValueError("Found characters that are not form-urlencoded.")
    if _BAD_ESCAPE.search(query):
        raise ValueError("Invalid percent-encoding.")
    if strict_fields and any(field == "" for field in query.split("&")):
        raise ValueError("Empty parameter field.")
    try:
        return parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ValueError("Percent-encoded octets are not UTF-8.") from None


def urlencode_params(params: Params) -> str:
    """Form-encode pairs or a mapping (RFC 6749 Appendix B); ``None`` values are skipped."""
    items = params.items() if isinstance(params, Mapping) else params
    return urlencode([(k, v) for k, v in items if v is not None])


def add_params_to_uri(uri: str, params: Params, fragment: bool = False) -> str:
    """Append ``params`` to the query (or, with ``fragment=True``, the fragment) of ``uri``.

    The existing query component of a registered redirect URI is kept exactly as
    it was (RFC 6749 §3.1.2: it "MUST be retained when adding additional query
    parameters"); the new parameters are form-encoded and appended after ``&``.
    """
    scheme, netloc, path, query, frag = urlsplit(uri)
    extra = urlencode_params(params)
    if fragment:
        frag = f"{frag}&{extra}" if frag and extra else (frag or extra)
    else:
        query = f"{query}&{extra}" if query and extra else (query or extra)
    return urlunsplit((scheme, netloc, path, query, frag))


def params_from_uri(uri: str) -> dict[str, Any]:
    """Return the query parameters of ``uri`` as a dict; ``scope`` becomes a list."""
    params: dict[str, Any] = dict(urldecode(urlsplit(uri).query))
    if "scope" in params:
        params["scope"] = scope_to_list(params["scope"])
    return params


def host_from_uri(uri: str) -> tuple[str, str | None]:
    """Return ``(host, port)`` of ``uri``; the port defaults to 80/443 for http/https."""
    parts = urlsplit(uri)
    host, port = split_host_port(parts.netloc.rpartition("@")[2])
    if port is None:
        port = {"http": "80", "https": "443"}.get(parts.scheme.lower())
    return host, port


# ---------------------------------------------------------------------------- URIs

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# RFC 3986 §2: unreserved / reserved / pct-encoded; "#" is excluded because an
# absolute-URI (§4.3) has no fragment.
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]*")


def is_absolute_uri(uri: Any) -> bool:
    """Return True if ``uri`` is an absolute URI without fragment (RFC 3986 §4.3).

    RFC 6749 §3.1.2: "The redirection endpoint URI MUST be an absolute URI ...
    The endpoint URI MUST NOT include a fragment component."  Characters outside
    RFC 3986 (spaces, quotes, control characters, non-ASCII) and malformed
    percent-escapes make the URI invalid.  ``http``/``https`` URIs need a host.
    """
    if not isinstance(uri, str) or not uri:
        return False
    scheme, sep, rest = uri.partition(":")
    if not sep or not rest or not _SCHEME.fullmatch(scheme):
        return False
    if not _URI_CHARS.fullmatch(rest) or _BAD_ESCAPE.search(rest):
        return False
    if scheme.lower() in ("http", "https"):
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return False
        if not parts.hostname:
            return False
    return True


def is_secure_transport(uri: str) -> bool:
    """Return True if ``uri`` uses https (RFC 6749 §3.1, §10.9).

    Like oauthlib, the environment variable ``OAUTHLIB_INSECURE_TRANSPORT``
    (meant for local development only) makes every URI count as secure.
    """
    if os.environ.get("OAUTHLIB_INSECURE_TRANSPORT"):
        return True
    return isinstance(uri, str) and uri.lower().startswith("https://")


def is_loopback_host(host: str | None) -> bool:
    """Return True for a loopback host: an IPv4 127.0.0.0/8 literal, ``::1`` or ``localhost``.

    RFC 8252 §7.3 names the loopback IP literals; RFC 9700 §2.1 extends the
    port exception to ``localhost``.  ``[::1]`` (URI form) is accepted.
    Anything that merely starts with a loopback address
    (``127.0.0.1.evil.example``) is not loopback.
    """
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False




# ------------------------------------------------------------------------- secrets


def generate_token(nbytes: int = 32) -> str:
    """Return a URL-safe random token of ``nbytes`` random bytes (at least 32: 256 bits).

    The one source of authorization codes and (through
    :func:`~flask_oauth_provider.core.tokens.random_token_generator`) of access and
    refresh tokens, the counterpart of ``oauthlib.common.generate_token``. Both look
    it up on this module at every call, so a test can patch this one name
    (``mock.patch("flask_oauth_provider.core.utils.generate_token")``) to get fixed
    codes and tokens. RFC 6749 §10.10 asks for a guessing probability of at most
    2^-128, RFC 6819 §5.1.4.2.2 for 2^-160.  The result is base64url without
    padding (43 characters for 32 bytes), valid as RFC 6750 token68.
    """
    if nbytes < 32:
        raise ValueError("Tokens must carry at least 32 random bytes (256 bits).")
    return secrets.token_urlsafe(nbytes)


def split_host_port(netloc: str) -> tuple[str, str | None]:
    """Split ``host[:port]`` (no userinfo) into host and port string (None if absent)."""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end == -1:
            return netloc, None
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest.startswith(":"):
            return host, rest[1:]
        return host, None if not rest else rest
    host, sep, port = netloc.rpartition(":")
    if not sep:
        return netloc, None
    return host, port


def safe_string_equals(a: Any, b: Any) -> bool:
    """Compare two strings in constant time (``hmac.compare_digest``).

    Returns False if either side is not a ``str``/``bytes`` (e.g. ``None``).
    """
    if isinstance(a, str):
        a = a.encode("utf-8")
    if isinstance(b, str):
        b = b.encode("utf-8")
    if not isinstance(a, bytes) or not isinstance(b, bytes):
        return False
    return hmac.compare_digest(a, b)


# ---------------------------------------------------------------------------- PKCE

_PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def is_valid_code_verifier(verifier: Any) -> bool:
    """Return True if ``verifier`` has the RFC 7636 §4.1 shape: 43-128 unreserved characters."""
    return isinstance(verifier, str) and _PKCE_VALUE.fullmatch(verifier) is not None


def is_valid_code_challenge(challenge: Any) -> bool:
    """Return True if ``challenge`` has the RFC 7636 §4.2 / OAuth 2.1 shape (43-128 unreserved)."""
    return is_valid_code_verifier(challenge)


def pkce_s256(verifier: str) -> str:
    """Return the S256 code challenge of ``verifier``: BASE64URL(SHA256(ASCII(verifier))).

    RFC 7636 §4.2; the result has no padding (43 characters).
    """
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_code_verifier(verifier: Any, challenge: Any, method: Any) -> bool:
    """Check a PKCE ``code_verifier`` against the stored ``challenge`` (RFC 7636 §4.6).

    ``method`` is ``"S256"`` or ``"plain"``; any other method, or a missing
    verifier or challenge, gives False.  The comparison is constant time.  This
    function does not decide whether ``plain`` is allowed, nor check the
    verifier's shape: the grant does both (:func:`is_valid_code_verifier`).
    """
    if not isinstance(verifier, str) or not isinstance(challenge, str):
        return False
    if method == "S256":
        try:
            computed = pkce_s256(verifier)
        except UnicodeEncodeError:
            return False
        return safe_string_equals(computed, challenge)
    if method == "plain":
        return safe_string_equals(verifier, challenge)
    return False
