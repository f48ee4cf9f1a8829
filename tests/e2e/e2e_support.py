"""Helpers for the end-to-end tests: log in, submit a form and answer the consent page of
the example app the way a person's browser does (forms read by ``tests.helpers.forms``)."""

from __future__ import annotations

import re
from typing import Optional, Union
from urllib.parse import urljoin

import requests

from tests.helpers import find_form


def submit(session: requests.Session, page: requests.Response, containing: str,
           overrides: Optional[dict[str, Union[str, list[str]]]] = None,
           button: Optional[str] = None) -> requests.Response:
    """Post the form of ``page`` that has field ``containing``, as a browser would."""
    form = find_form(page.text, containing)
    url = urljoin(page.url, form.action or page.url)
    return session.post(url, data=form.data(overrides, button), allow_redirects=False,
                        timeout=30)


def log_in(session: requests.Session, base_url: str, username: str, password: str,
           next_url: Optional[str] = None) -> requests.Response:
    """Log in through the login page; returns the response to the POST (a redirect)."""
    params = {"next": next_url} if next_url else None
    page = session.get(base_url + "/login", params=params, timeout=30)
    page.raise_for_status()
    return submit(session, page, "password", {"username": username, "password": password})


def consent(session: requests.Session, authorization_url: str,
            scopes: Optional[list[str]] = None, button: str = "allow") -> str:
    """Open the consent page as a logged-in user, answer it; return the redirect's Location."""
    page = session.get(authorization_url, timeout=30)
    assert page.status_code == 200, page.text
    overrides = {"scope": scopes} if scopes is not None else None
    answer = submit(session, page, button, overrides, button=button)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["Location"]


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with ``id=element_id`` (no nesting)."""
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>([^<]*)<', html)
    if match is None:
        raise AssertionError(f"no element with id {element_id!r}")
    return match.group(1).strip()
