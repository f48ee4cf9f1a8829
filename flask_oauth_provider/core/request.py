"""The request object every grant, endpoint and validator method receives.

:class:`Request` has the same constructor and attributes as
``oauthlib.common.Request``: OAuth parameters read as attributes
(``request.client_id``, ``request.scope``, ...), pre-seeded to ``None``; body
parameters win over query parameters of the same name; ``headers`` is
case-insensitive.  Attributes a grant or validator sets (``request.client``,
``request.user``, ``request.scopes``) are plain instance attributes.

Departure from oauthlib: malformed input never raises.  An unparseable query
string or form body is recorded in :attr:`Request.parse_error` (and in
``query_parse_error`` / ``body_parse_error``) and contributes no parameters;
the endpoints answer ``invalid_request``.
"""

from __future__ import annotations

import collections
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import parse_qsl, urlsplit

from .log import get_debug, logger, redact, redact_headers
from .utils import urldecode

__all__ = ["CaseInsensitiveDict", "Request", "PRESEEDED_PARAMS", "get_parse_error"]

#: Parameters that read as ``None`` when the request did not carry them (as oauthlib).
PRESEEDED_PARAMS = (
    "access_token",
    "client",
    "client_id",
    "client_secret",
    "code",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "device_code",
    "extra_credentials",
    "grant_type",
    "redirect_uri",
    "refresh_token",
    "request_token",
    "resource",
    "response_type",
    "scope",
    "scopes",
    "state",
    "token",
    "user",
    "token_type_hint",
    # OpenID Connect names, pre-seeded by oauthlib too
    "response_mode",
    "nonce",
    "display",
    "prompt",
    "claims",
    "max_age",
    "ui_locales",
    "id_token_hint",
    "login_hint",
    "acr_values",
)


class CaseInsensitiveDict(dict):
    """A ``dict`` of HTTP headers whose keys compare case-insensitively (RFC 9110 §5.1).

    The spelling of the key first set is kept for iteration.
    """

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        self._keys: dict[str, str] = {}
        if not data:
            return
        if type(data) is dict and all(type(key) is str for key in data):
            keys = {key.lower(): key for key in data}
            if len(keys) == len(data):  # no two spellings of one name: taken as it is
                self._keys = keys
                super().update(data)
                return
        self.update(data)

    def _real_key(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._keys.get(key.lower(), key)
        return key

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._keys

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(self._real_key(key))

    def __setitem__(self, key: str, value: Any) -> None:
        # setdefault: pickle restores the items before the instance __dict__.
        keys = self.__dict__.setdefault("_keys", {})
        lowered = key.lower()
        old = keys.get(lowered)
        if old is not None and old != key:
            super().__delitem__(old)
        keys[lowered] = old if old is not None else key
        super().__setitem__(keys[lowered], value)

    def __delitem__(self, key: str) -> None:
        real = self._real_key(key)
        super().__delitem__(real)
        del self._keys[real.lower()]

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default:
            return default[0]
        raise KeyError(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def copy(self) -> CaseInsensitiveDict:  # type: ignore[override]
        return CaseInsensitiveDict(dict(self))

    def __iter__(self) -> Iterator[str]:
        return super().__iter__()


def _to_text(value: Any, encoding: str | None) -> Any:
    if encoding and isinstance(value, bytes):
        return value.decode(encoding)
    return value


def _decode_pairs(pairs: Iterable[Any], encoding: str) -> list[tuple[Any, Any]]:
    result = []
    for pair in pairs:
        key, value = pair  # ValueError/TypeError when not a pair
        result.append((_to_text(key, encoding), _to_text(value, encoding)))
    return result


class Request:
    """An HTTP request as the OAuth core sees it.

    :param uri: the full request URI, including the query string.
    :param http_method: ``GET``, ``POST``, ...
    :param body: a form-urlencoded ``str`` or ``bytes``, a ``dict`` or a list of pairs.
    :param headers: a mapping of header names to values.
    :param encoding: how ``bytes`` arguments are decoded.

    Attributes beyond oauthlib's: :attr:`parse_error`, :attr:`query_parse_error`,
    :attr:`body_parse_error` (a short description of what could not be parsed,
    or ``None``).

    A text body is decoded as ``application/x-www-form-urlencoded`` when the
    ``Content-Type`` header says so or is absent; a body declared as another
    media type (JSON, multipart) is kept in ``body`` but gives no parameters
    (``decoded_body`` is ``None``) and no parse error.  The query string must not
    contain empty fields (a trailing ``&``), like oauthlib's strict parse of the
    authorization request; the body may.
    """

    def __init__(
        self,
        uri: str,
        http_method: str = "GET",
        body: Any = None,
        headers: Mapping[str, Any] | None = None,
        encoding: str = "utf-8",
    ) -> None:
        self.query_parse_error: str | None = None
        self.body_parse_error: str | None = None
        try:
            self.uri = _to_text(uri, encoding)
            self.http_method = _to_text(http_method, encoding)
        except UnicodeDecodeError:
            self.uri = uri.decode(encoding, "replace") if isinstance(uri, bytes) else uri
            self.http_method = _to_text(http_method, "latin-1")
            self.query_parse_error = "The request URI is not valid text."
        header_items = {}
        for key, value in dict(headers or {}).items():
            if isinstance(key, bytes):
                key = key.decode("latin-1")
            header_items[key] = value.decode("latin-1") if isinstance(value, bytes) else value
        self.headers = CaseInsensitiveDict(header_items)

        try:
            self.body = _to_text(body, encoding)
        except UnicodeDecodeError:
            self.body = body
            self.body_parse_error = "The request body is not valid text."

        self.decoded_body: list[tuple[Any, Any]] | None = None
        if self.body_parse_error is None and self._body_may_be_form():
            self.decoded_body = self._decode_body(self.body, encoding)

        self.oauth_params: list[Any] = []
        self.validator_log: dict[str, Any] = {}

        self._query_params: list[tuple[str, str]] = []
        if self.query_parse_error is None:
            try:
                # Empty fields (a trailing "&") make the query unparseable, as
                # oauthlib's strict parse of the authorization request does.
                self._query_params = urldecode(self.uri_query, strict_fields=True)
            except ValueError as exc:
                self.query_parse_error = f"Unable to parse query string: {exc}"

        self._params: dict[str, Any] = dict.fromkeys(PRESEEDED_PARAMS)
        self._params.update(self._query_params)
        self._params.update(self.decoded_body or [])
        if self.parse_error:
            # The descriptions never quote the input, so they are safe to log.
            logger.debug("Malformed request: %s", self.parse_error)

    def _body_may_be_form(self) -> bool:
        """False when a text body is declared as something else (JSON, multipart).

        Such a body carries no OAuth parameters and is not a parse error: an API
        request protected by a bearer token may well POST JSON.
        """
        if not isinstance(self.body, str):
            return True
        content_type = self.headers.get("Content-Type")
        if not content_type:
            return True
        media_type = content_type.split(";")[0].strip().lower()
        return media_type == "application/x-www-form-urlencoded"

    def _decode_body(self, body: Any, encoding: str) -> list[tuple[Any, Any]] | None:
        if body is None:
            return None
        if isinstance(body, str):
            try:
                return urldecode(body)
            except ValueError as exc:
                self.body_parse_error = f"Unable to parse the form body: {exc}"
                return None
        if isinstance(body, Mapping):
            return _decode_pairs(body.items(), encoding)
        if isinstance(body, (list, tuple)):
            try:
                return _decode_pairs(body, encoding)
            except (TypeError, ValueError, UnicodeDecodeError):
                self.body_parse_error = "The request body is not a list of pairs."
                return None
        # Anything else (a file, a number) is kept in .body and ignored.
        return None

    @property
    def parse_error(self) -> str | None:
        """What could not be parsed, query first, else body; ``None`` when all was fine."""
        return self.query_parse_error or self.body_parse_error

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_params":
            raise AttributeError(name)
        params = self.__dict__.get("_params", {})
        if name in params:
            return params[name]
        raise AttributeError(name)

    def __repr__(self) -> str:
        if not get_debug():
            return "<Request SANITIZED>"
        body = self.body
        if isinstance(body, str):
            body = redact(body)
        return (
            f'<Request url="{redact(self.uri)}", http_method="{self.http_method}", '
            f'headers="{redact_headers(self.headers)}", body="{body}">'
        )

    @property
    def uri_query(self) -> str:
        """The raw query component of :attr:`uri`."""
        try:
            return urlsplit(self.uri).query
        except (ValueError, AttributeError, TypeError):
            return ""

    @property
    def uri_query_params(self) -> list[tuple[str, str]]:
        """The query parameters as pairs.  Never raises: when the query is
        malformed (see :attr:`query_parse_error`) this is a lenient best-effort
        split, so that "the query is not empty" checks still see it."""
        if self.query_parse_error is None:
            return list(self._query_params)
        return parse_qsl(self.uri_query, keep_blank_values=True, errors="replace")

    @property
    def duplicate_params(self) -> list[str]:
        """Names that occur more than once across the body and the query (RFC 6749 §3.1, §3.2)."""
        counts: collections.Counter[str] = collections.Counter()
        for key, _ in (self.decoded_body or []) + self.uri_query_params:
            counts[key] += 1
        return [key for key, count in counts.items() if count > 1]


def get_parse_error(request: Any) -> str | None:
    """The ``parse_error`` message of ``request``, or None.

    Tolerates request objects that are not ours (an ``oauthlib.common.Request``
    has no such attribute, a test double may answer anything): only a non-empty
    string counts as a parse error.
    """
    try:
        value = request.parse_error
    except AttributeError:
        return None
    return value if isinstance(value, str) and value else None
