"""Helpers for the end-to-end tests: a live server thread and a tiny HTML form reader.

The tests drive the example app the way a person's browser does — GET a page, read its
form, POST it back with the form's own hidden fields (CSRF token included) — so nothing
here knows the app's internals.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from html.parser import HTMLParser
from typing import Any, Optional, Union
from urllib.parse import urljoin

import requests
from werkzeug.serving import make_server


class LiveServer:
    """A real HTTP server (werkzeug ``make_server``) on 127.0.0.1, random port, in a thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@dataclasses.dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]]  # what the browser sends as is: hidden, text, checked boxes
    submits: list[tuple[str, str]]  # submit buttons, name and value
    names: set[str]  # every field name in the form

    def data(self, overrides: Optional[dict[str, Union[str, list[str]]]] = None,
             submit: Optional[str] = None) -> list[tuple[str, str]]:
        """The form data a browser would post, with ``overrides`` replacing fields."""
        overrides = overrides or {}
        data = [(k, v) for k, v in self.fields if k not in overrides]
        for name, value in overrides.items():
            values = value if isinstance(value, list) else [value]
            data.extend((name, v) for v in values)
        if submit is not None:
            data.extend((k, v) for k, v in self.submits if k == submit)
        return data


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Optional[Form] = None
        self._textarea: Optional[str] = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), [], [], set())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.names.add(name)
            kind = a.get("type", "text").lower()
            if kind == "submit":
                self._form.submits.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, a.get("value", "on")))
            else:
                self._form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            self._form.names.add(name)
            self._form.submits.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html: str, containing: str) -> Form:
    """The first form that has a field or button named ``containing``."""
    for form in forms_of(html):
        if containing in form.names:
            return form
    raise AssertionError(f"no form with a field {containing!r} on the page:\n{html[:2000]}")


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
