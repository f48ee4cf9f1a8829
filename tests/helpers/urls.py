"""Reading the parameters of a redirect ``Location`` (RFC 6749 §4.1.2, §4.2.2, §4.1.2.1)."""

from __future__ import annotations

from urllib.parse import parse_qs, parse_qsl, urlsplit


def _single(raw: str, location: str) -> dict[str, str]:
    pairs = parse_qsl(raw, keep_blank_values=True)
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), f"repeated parameter in {location!r}"
    return dict(pairs)


def location_params(location: str) -> dict[str, str]:
    """The response parameters of a redirect: the fragment's if it has one, else the query's.

    A redirect URI may carry a query of its own (RFC 6749 §3.1.2) but never a fragment, so
    a fragment always holds the response (implicit grant, ``response_mode=fragment``).
    Each parameter appears once (RFC 6749 §3.1); a repeated one fails the test.
    """
    parts = urlsplit(location)
    return _single(parts.fragment or parts.query, location)


def location_values(location: str, keep_blank: bool = True) -> dict[str, list[str]]:
    """Like :func:`location_params`, with every value of each parameter.

    ``keep_blank=False`` drops empty values (``code=``), for a check that a parameter is
    present with a value.
    """
    parts = urlsplit(location)
    return parse_qs(parts.fragment or parts.query, keep_blank_values=keep_blank)


def split_location(location: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """``(uri without query and fragment, query parameters, fragment parameters)``."""
    parts = urlsplit(location)
    base = f"{parts.scheme}://{parts.netloc}{parts.path}"
    return base, _single(parts.query, location), _single(parts.fragment, location)


def query_params(location: str, keep_blank: bool = True) -> dict[str, list[str]]:
    """Every query parameter of ``location`` with all its values (see :func:`location_values`
    for ``keep_blank``)."""
    return parse_qs(urlsplit(location).query, keep_blank_values=keep_blank)


def fragment_params(location: str, keep_blank: bool = True) -> dict[str, list[str]]:
    """Every fragment parameter of ``location`` with all its values (see
    :func:`location_values` for ``keep_blank``)."""
    return parse_qs(urlsplit(location).fragment, keep_blank_values=keep_blank)
