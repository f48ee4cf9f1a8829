"""Client ID metadata documents: a client whose ``client_id`` is the https URL of its metadata.

The client publishes a JSON document of RFC 7591 §2 metadata at a URL and uses that URL
as its ``client_id``; this server fetches the document when it meets the client. Fetching
a URL that anyone may name is a server-side request forgery risk, so the fetch follows the
rules of :mod:`flask_oauth_provider.safe_fetch` (https, public addresses only unless
``OAUTH2_PROVIDER_CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE`` says otherwise for tests,
same-origin redirects, :data:`TIMEOUT` seconds, at most :data:`MAX_SIZE` bytes), and:

- the document must be a JSON object whose ``client_id`` equals the URL exactly; the
  client it describes has no secret: it is public (``token_endpoint_auth_method``
  ``none``) or authenticates with ``private_key_jwt`` and the keys at its ``jwks_uri``
  (RFC 7523);
- it is cached for its ``Cache-Control: max-age``, kept between :data:`MIN_CACHE` and
  :data:`MAX_CACHE` seconds (:data:`DEFAULT_CACHE` when the answer says nothing).

Framework-free: the standard library only. The store calls :func:`load_document_metadata`.
A client's ``jwks_uri`` is fetched by the same fetcher (:mod:`flask_oauth_provider.client_keys`).
"""

from __future__ import annotations

from typing import Any, Optional

from . import safe_fetch
from .registration import ClientMetadata, Policy, RegistrationError, parse_client_metadata
from .safe_fetch import (  # noqa: F401 - the names this module has always offered
    DEFAULT_CACHE,
    MAX_CACHE,
    MAX_REDIRECTS,
    MAX_SIZE,
    MIN_CACHE,
    cache_lifetime,
    check_fetch_url,
)
from .safe_fetch import FetchError as DocumentError

#: Seconds allowed for fetching one document, redirects included.
TIMEOUT = 5.0


def is_document_client_id(client_id: Optional[str]) -> bool:
    """Whether ``client_id`` has the shape of a metadata document URL (cheap, no fetch)."""
    return isinstance(client_id, str) and client_id.startswith(("https://", "http://"))


def load_document_metadata(client_id: str, policy: Policy, *, allow_private: bool = False
                           ) -> tuple[ClientMetadata, int]:
    """Fetch the document at ``client_id`` and check it; return ``(metadata, max_age)``.

    Raises :class:`DocumentError` saying why the client cannot be used.
    """
    document, max_age = fetch_document(client_id, allow_private=allow_private)
    if document.get("client_id") != client_id:
        raise DocumentError("The document's client_id is not the URL it was fetched from.")
    if "client_secret" in document or "client_secret_expires_at" in document:
        raise DocumentError("A metadata document must not carry a client secret.")
    document = {"token_endpoint_auth_method": "none", **document}
    if document["token_endpoint_auth_method"] not in ("none", "private_key_jwt"):
        raise DocumentError("A client identified by a metadata document has no secret: its "
                            "token_endpoint_auth_method must be 'none' or "
                            "'private_key_jwt' (with its jwks_uri).")
    try:
        return parse_client_metadata(document, policy), max_age
    except RegistrationError as exc:
        raise DocumentError(f"{exc.error}: {exc.description}") from None


def fetch_document(url: str, *, allow_private: bool = False,
                   max_size: int = MAX_SIZE) -> tuple[dict[str, Any], int]:
    """GET ``url`` under the rules of :mod:`~flask_oauth_provider.safe_fetch`, within
    :data:`TIMEOUT` seconds; return the JSON object and its max-age."""
    return safe_fetch.fetch_json(url, allow_private=allow_private, max_size=max_size,
                                 timeout=TIMEOUT)
