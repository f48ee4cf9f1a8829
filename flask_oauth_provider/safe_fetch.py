"""The package's one SSRF-safe HTTP fetcher, for URLs that clients name.

Client ID metadata documents (:mod:`flask_oauth_provider.metadata_documents`) and
clients' ``jwks_uri`` (:mod:`flask_oauth_provider.client_keys`) are fetched here, under
one set of rules, because anyone may name such a URL and make this server request it:

- ``https`` only, a URL with a path, no user information, no fragment;
- the host's addresses are resolved once and each must be a public address (no
  loopback, private, link-local, multicast or reserved range) unless ``allow_private``
  (tests only); the connection goes to the checked address, so a second DNS answer
  cannot swap it;
- a deadline for the whole fetch and a bound on the body; redirects only to the same
  origin, at most :data:`MAX_REDIRECTS` of them;
- the answer must be a JSON object (``application/json`` or ``+json``), kept for its
  ``Cache-Control: max-age`` between :data:`MIN_CACHE` and :data:`MAX_CACHE` seconds.

Framework-free: the standard library only.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import time
from typing import Any, Optional
from urllib.parse import urljoin, urlsplit

from .core.utils import is_loopback_host

TIMEOUT = 5.0
MAX_SIZE = 5 * 1024
MAX_REDIRECTS = 2
MIN_CACHE = 60
MAX_CACHE = 24 * 3600
DEFAULT_CACHE = 300
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)


class FetchError(Exception):
    """The URL could not be fetched under the rules, or its answer is not usable."""


def fetch_json(url: str, *, allow_private: bool = False, max_size: int = MAX_SIZE,
               timeout: float = TIMEOUT) -> tuple[dict[str, Any], int]:
    """GET ``url`` under the rules of this module; return the JSON object and its max-age.

    ``max_size``: the largest body accepted, in bytes; ``timeout``: the deadline of the
    whole fetch, redirects included, in seconds.
    """
    deadline = time.monotonic() + timeout
    origin = _check_url(url, allow_private)
    for _ in range(MAX_REDIRECTS + 1):
        status, headers, body = _get(url, allow_private, deadline, max_size)
        if status in (301, 302, 303, 307, 308):
            url = urljoin(url, headers.get("location", ""))
            if _check_url(url, allow_private) != origin:
                raise FetchError("The document redirects to another host.")
            continue
        if status != 200:
            raise FetchError(f"The document URL answered HTTP {status}.")
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise FetchError("The document is not JSON (Content-Type).")
        try:
            document = json.loads(body)
        except ValueError:
            raise FetchError("The document is not valid JSON.") from None
        if not isinstance(document, dict):
            raise FetchError("The document is not a JSON object.")
        return document, cache_lifetime(headers.get("cache-control", ""))
    raise FetchError("The document URL redirects too often.")


def cache_lifetime(cache_control: str) -> int:
    """Seconds to keep a document, from its ``Cache-Control`` header, within bounds."""
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return MIN_CACHE
    match = _MAX_AGE.search(cache_control)
    seconds = int(match.group(1)) if match else DEFAULT_CACHE
    return max(MIN_CACHE, min(MAX_CACHE, seconds))


def check_fetch_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse early, without fetching, a URL the fetch would refuse by its shape: not
    https, no path, user information, or an IP-address host that is not public.
    (A host name is resolved and checked at each fetch.) :class:`FetchError`."""
    _, host, _ = _check_url(url, allow_private)
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    if ip.is_multicast or ip.is_unspecified or not (ip.is_global or allow_private):
        raise FetchError("The URL's host is not a public address.")


# -- the fetch ------------------------------------------------------------------------------


def _check_url(url: str, allow_private: bool) -> tuple[str, str, int]:
    """The URL's origin, after the shape rules; :class:`FetchError` otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise FetchError("The client_id is not a valid URL.") from None
    host = parts.hostname
    plain_ok = allow_private and is_loopback_host(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and plain_ok):
        raise FetchError("A metadata document URL must use https.")
    if not host or "@" in parts.netloc or parts.fragment or "#" in url:
        raise FetchError("A metadata document URL needs a host and no user or fragment.")
    if len(parts.path) < 2 or any(seg in (".", "..") for seg in parts.path.split("/")):
        raise FetchError("A metadata document URL needs a path without dot segments.")
    return parts.scheme, host.lower(), port or (443 if parts.scheme == "https" else 80)


def _allowed_address(host: str, port: int, allow_private: bool) -> str:
    """One resolved address of ``host`` that may be connected to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchError("The document's host does not resolve.") from None
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_multicast or ip.is_unspecified or not (ip.is_global or allow_private):
            # Every address must pass: a host that also resolves to an internal address
            # is refused, whichever address a connection would pick.
            raise FetchError("The document's host resolves to a non-public address.")
    if not addresses:
        raise FetchError("The document's host does not resolve.")
    return addresses[0]


class _PinnedConnection(http.client.HTTPSConnection):
    """An HTTPS connection to an address checked beforehand, verified for the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float,
                 tls: Optional[ssl.SSLContext]) -> None:
        super().__init__(host, port, timeout=timeout, context=tls or ssl.create_default_context())
        self._address = address
        self._tls = tls

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls is None:  # plain http, allowed only on loopback for tests
            self.sock = sock
            return
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _get(url: str, allow_private: bool, deadline: float,
         max_size: int) -> tuple[int, dict[str, str], bytes]:
    scheme, host, port = _check_url(url, allow_private)
    address = _allowed_address(host, port, allow_private)
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    tls = ssl.create_default_context() if scheme == "https" else None
    connection = _PinnedConnection(host, port, address, _remaining(deadline), tls)
    try:
        connection.request("GET", target, headers={"Accept": "application/json",
                                                   "User-Agent": "flask-oauth-provider"})
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > max_size:
            raise FetchError(f"The document is larger than {max_size} bytes.")
        body = b""
        while len(body) <= max_size:
            if connection.sock is not None:
                connection.sock.settimeout(_remaining(deadline))
            chunk = response.read1(1024)
            if not chunk:
                break
            body += chunk
        if len(body) > max_size:
            raise FetchError(f"The document is larger than {max_size} bytes.")
        return response.status, headers, body
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"The document could not be fetched ({type(exc).__name__}).") \
            from None
    finally:
        connection.close()


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError("Fetching the document took too long.")
    return left
