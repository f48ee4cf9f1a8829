"""Client authentication and bearer headers (RFC 6749 §2.3.1, RFC 6750 §2.1)."""

from __future__ import annotations

import base64
from typing import Union
from urllib.parse import quote_plus


def basic_raw(raw: Union[bytes, str]) -> str:
    """``Basic`` and the base64 of ``raw`` as given: for over-encoded or malformed credentials."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return "Basic " + base64.b64encode(raw).decode("ascii")


def basic_header(client_id: str, secret: str, encode: bool = True) -> str:
    """The ``Authorization`` value for HTTP Basic client authentication.

    RFC 6749 §2.3.1: client id and secret are each form-urlencoded (Appendix B), then
    joined with ``:`` and base64-encoded. ``encode=False`` skips the form-urlencoding, as
    a client that ignores the rule would.
    """
    if encode:
        client_id, secret = quote_plus(client_id, safe=""), quote_plus(secret, safe="")
    return basic_raw(f"{client_id}:{secret}")


def basic_auth(client_id: str, secret: str, encode: bool = True) -> dict[str, str]:
    """``{"Authorization": basic_header(...)}``, ready to pass as request headers."""
    return {"Authorization": basic_header(client_id, secret, encode)}


def bearer(token: str, scheme: str = "Bearer") -> dict[str, str]:
    """An ``Authorization`` header carrying an access token (RFC 6750 §2.1)."""
    return {"Authorization": f"{scheme} {token}"}


#: The content type of every token, revocation and introspection request body
#: (RFC 6749 §4.1.3, RFC 7009 §2.1, RFC 7662 §2.1).
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

#: A client id and secret full of characters that RFC 6749 Appendix B form-urlencodes
#: (``/``, space, ``+``, ``:``, ``=``): the credentials of openid/AppAuth-Android#337, where
#: a client and a server disagreed on that encoding.
SPECIAL_ID = "1PpG/Q 1"
SPECIAL_SECRET = "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw="
