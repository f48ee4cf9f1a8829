"""The one adapter between Flask and the core.

* :func:`extract_params`: the current Flask request as ``(uri, http_method, body,
  headers)`` — the full URI with its raw query, the raw form body (a ``str``), and the
  headers as a plain dict with ``Authorization`` exactly as received. Flask-OAuthlib
  rewrote that header from Werkzeug's parsed object and so broke HTTP Basic client
  authentication; here nothing is parsed or rebuilt: the core parses it once
  (``core.client_auth``).
* :func:`create_response`: the core's ``(headers, body, status)`` as a Flask response.
* :func:`presented_client_id`: the client a request names, for an app's rate limiter.

Nothing else in the package reads OAuth parameters from ``flask.request``.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit

from flask import Response, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.sansio.utils import get_current_url

from .core.client_auth import extract_client_credentials
from .core.errors import OAuth2Error
from .core.request import Request
from .core.utils import is_loopback_host

JSON_NO_STORE = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


class RequestTooLarge(Exception):
    """The request body is larger than ``OAUTH2_PROVIDER_MAX_REQUEST_SIZE``."""


#: Longest URL part whose rebuilt URL is remembered (longer ones are rebuilt each time).
_CACHED_PART_MAX = 256


@functools.lru_cache(maxsize=256)
def _cached_url(scheme: str, host: str, root_path: Optional[str],
                path: Optional[str]) -> str:
    return get_current_url(scheme, host, root_path, path)


def _url(scheme: str, host: str, root_path: Optional[str] = None,
         path: Optional[str] = None) -> str:
    """Werkzeug's URL of the request (``base_url``, ``root_url``, ``host_url``), the
    same string, remembered for the few hosts and paths an app serves: rebuilding it
    (quoting, IRI decoding) cost more per request than a protected call's SELECT.
    Bounded in number and length, so that no request can grow it."""
    if len(host) + len(root_path or "") + len(path or "") > _CACHED_PART_MAX:
        return get_current_url(scheme, host, root_path, path)
    return _cached_url(scheme, host, root_path, path)


def base_url() -> str:
    """``request.base_url``: scheme, host, mount point and path, without the query."""
    return _url(request.scheme, request.host, request.root_path, request.path)


def root_url() -> str:
    """``request.url_root``: scheme, host and mount point, with a trailing slash."""
    return _url(request.scheme, request.host, request.root_path)


def request_uri() -> str:
    """The request's full URI with the query exactly as sent (not re-encoded)."""
    query = request.query_string.decode("latin-1")
    return base_url() + ("?" + query if query else "")


def limit_body(max_size: Optional[int]) -> None:
    """Refuse bodies over ``max_size`` bytes for the rest of this request, whoever reads
    it: ``request.form`` or ``request.get_data()`` then raise ``RequestEntityTooLarge``
    (413) instead of buffering. Only ever lowers the app's own ``MAX_CONTENT_LENGTH``."""
    if max_size is None:
        return
    current = request.max_content_length
    if current is None or current > max_size:
        request.max_content_length = max_size


def presented_client_id(max_size: Optional[int] = None) -> Optional[str]:
    """The ``client_id`` the current request authenticates as or names, or ``None``.

    Read exactly as the token, revocation and introspection endpoints read it (HTTP
    Basic per RFC 6749 §2.3.1, else the form body), by the core's own parser, so that a
    rate limiter keyed by it counts what the endpoints accept. Never raises: a
    malformed header, a body over ``max_size`` (on the provider's routes,
    ``OAUTH2_PROVIDER_MAX_REQUEST_SIZE`` already holds) or any other bad input gives
    ``None``.
    """
    try:
        uri, method, body, headers = extract_params(max_size)
        credentials = extract_client_credentials(Request(uri, method, body, headers))
    except (RequestTooLarge, OAuth2Error, ValueError):
        return None
    return credentials.client_id or None


def this_url() -> str:
    """The path and query of the current request, under the app's mount point.

    ``request.full_path`` leaves out the script root: mounted at ``/auth``
    (``DispatcherMiddleware``, ``ProxyFix(x_prefix=1)``), a form posting there would
    reach another app.
    """
    path = request.script_root + request.path
    query = request.query_string.decode("latin-1")
    return path + "?" + query if query else path


def endpoint_url(issuer: Optional[str], endpoint: str) -> str:
    """The absolute URL of the app's route ``endpoint``, where the app really serves it.

    With a configured ``issuer``, its scheme and host (the Host header is not trusted)
    and the path the route has in this app, mount point included; an issuer's own path
    is not assumed to be a mount point (RFC 8414 §2, §3). Without one, the request's.
    """
    if issuer:
        parts = urlsplit(issuer)
        return f"{parts.scheme}://{parts.netloc}{url_for(endpoint)}"
    return url_for(endpoint, _external=True)


def read_body(max_size: Optional[int] = None) -> str:
    """The raw request body as text, refusing more than ``max_size`` bytes.

    Werkzeug enforces the limit while reading (also for a body without
    ``Content-Length``), so a huge body is never buffered whole. Bytes that are not
    UTF-8 become replacement characters; the core then finds the form body malformed
    (``invalid_request``). If something parsed ``request.form`` before us (an app
    extension), the stream is gone and the body is rebuilt from the parsed form.
    """
    if "form" in request.__dict__:
        return urlencode(list(request.form.items(multi=True)))
    limit_body(max_size)
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise RequestTooLarge() from None
    return data.decode("utf-8", errors="replace")


def extract_params(max_size: Optional[int] = None,
                   include_body: bool = True) -> tuple[str, str, Optional[str], dict[str, str]]:
    """``(uri, http_method, body, headers)`` of the current request, for the core.

    ``include_body=False`` leaves the body out (the consent form's POST: its fields are
    not OAuth parameters and must not be read as such).
    """
    headers = {key: value for key, value in request.headers.items()}
    body = read_body(max_size) if include_body else None
    return request_uri(), request.method, body or None, headers


def extract_authorization_params(
        form_fallback: bool = False,
        max_size: Optional[int] = None) -> tuple[str, str, Optional[str], dict[str, str]]:
    """``(uri, http_method, body, headers)`` of an authorization request.

    The OAuth parameters come from the query string, also on the consent form's POST
    (whose fields are not OAuth parameters). With ``form_fallback`` (Flask-OAuthlib
    consent views, whose templates post the parameters back as hidden fields), a POST
    whose query carries no ``client_id`` is read from its form body instead.
    """
    uri, method, _, headers = extract_params(include_body=False)
    if form_fallback and method == "POST" and "client_id" not in request.args:
        return uri, "POST", read_body(max_size) or None, headers
    # HEAD stays HEAD: the core never grants on it (RFC 9110 §9.2.1, a safe method).
    return uri, "HEAD" if method == "HEAD" else "GET", None, headers


def extract_resource_params() -> tuple[str, str, Optional[str], dict[str, str]]:
    """``(uri, http_method, body, headers)`` of a request to a protected view.

    The body is passed only when it is a form (RFC 6750 §2.2: a form-encoded
    ``access_token``), rebuilt from ``request.form`` so that the view can still read its
    form, JSON or upload as usual and no size limit of ours applies to it.
    """
    headers = {key: value for key, value in request.headers.items()}
    body = None
    if request.mimetype == "application/x-www-form-urlencoded":
        body = urlencode(list(request.form.items(multi=True))) or None
    return request_uri(), request.method, body, headers


def authorization_scheme(headers: dict[str, str]) -> Optional[str]:
    """The lower-cased scheme of the ``Authorization`` header (``"basic"``, ``"bearer"``)."""
    for key, value in headers.items():
        if key.lower() == "authorization":
            return value.split(" ", 1)[0].lower()
    return None


def create_response(headers: Optional[dict[str, str]], body: Optional[str],
                    status: int) -> Response:
    """A Flask response from the core's ``(headers, body, status)``."""
    response = Response(body or "", status=status)
    # Response() sets a default Content-Type; the core's own wins, and an empty
    # body (a redirect, a revocation) keeps no misleading type.
    if not body:
        del response.headers["Content-Type"]
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def json_response(payload: dict[str, Any], status: int,
                  headers: Optional[dict[str, str]] = None) -> Response:
    """A JSON response that is never cached (RFC 6749 §5.1, RFC 6750 §3)."""
    merged = dict(JSON_NO_STORE)
    merged.update(headers or {})
    return create_response(merged, json.dumps(payload), status)


def request_host_is_loopback() -> bool:
    """Whether the request was addressed to a loopback host (127.0.0.1, ::1, localhost)."""
    return _host_is_loopback(request.scheme, request.host)


def _host_is_loopback(scheme: str, host: str) -> bool:
    if len(host) > _CACHED_PART_MAX:
        return _loopback_of(scheme, host)
    return _cached_loopback(scheme, host)


def _loopback_of(scheme: str, host: str) -> bool:
    try:
        hostname = urlsplit(get_current_url(scheme, host)).hostname
    except ValueError:
        return False
    return is_loopback_host(hostname)


_cached_loopback = functools.lru_cache(maxsize=64)(_loopback_of)


def transport_is_secure(insecure_allowed: bool) -> bool:
    """RFC 6749 §10.9, §3.1, §3.2: TLS on every endpoint.

    Plain http is accepted only on a loopback host (development and tests) or when
    ``OAUTH2_PROVIDER_INSECURE_TRANSPORT`` is set. Behind a TLS-terminating proxy, use
    ``werkzeug.middleware.proxy_fix.ProxyFix`` so that ``request.scheme`` is right.
    """
    return request.scheme == "https" or insecure_allowed or request_host_is_loopback()
