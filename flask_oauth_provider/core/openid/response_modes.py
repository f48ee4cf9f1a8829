"""The ``form_post`` response mode (OAuth 2.0 Form Post Response Mode §2).

The authorization response parameters are sent to the redirect URI in an HTML form
the user agent submits itself. The page carries its own Content-Security-Policy: the
one inline script runs by nonce, the form may only go to the redirect URI's origin,
and no one may frame it.
"""

from __future__ import annotations

import html
import secrets
from typing import Iterable
from urllib.parse import parse_qsl, urlsplit

RESPONSE_MODES: tuple[str, ...] = ("query", "fragment", "form_post")

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Continue</title></head>
<body><form method="post" action="{action}">
{inputs}
<noscript><button type="submit">Continue</button></noscript>
</form>
<script nonce="{nonce}">document.forms[0].submit();</script></body></html>
"""


def form_post_page(action: str, params: Iterable[tuple[str, str]]) -> tuple[dict, str, int]:
    """``(headers, body, 200)``: a page that POSTs ``params`` to ``action``."""
    nonce = secrets.token_urlsafe(16)
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in params)
    body = _PAGE.format(action=html.escape(action), inputs=inputs, nonce=nonce)
    parts = urlsplit(action)
    origin = f"{parts.scheme}://{parts.netloc}"
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-{nonce}'; form-action {origin}; "
            "frame-ancestors 'none'"),
        "X-Frame-Options": "DENY",
    }
    return headers, body, 200


def location_to_form_post(location: str) -> tuple[dict, str, int]:
    """Turn a fragment-encoded redirect into its ``form_post`` page: the part before
    ``#`` is the redirect URI (query kept), the fragment holds the parameters."""
    action, _, fragment = location.partition("#")
    return form_post_page(action, parse_qsl(fragment, keep_blank_values=True))
