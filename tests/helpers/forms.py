"""Reading HTML forms the way a browser submits them (HTML Living Standard, form submission).

The tests drive pages as a person's browser does — GET a page, read its form, POST it back
with the form's own hidden fields (CSRF token included) — so nothing here knows an app's
internals.
"""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from typing import Optional, Union


@dataclasses.dataclass
class Control:
    """An ``input`` (other than a button), ``select`` or ``textarea``."""

    type: str
    name: Optional[str]
    value: str
    checked: bool = False

    @property
    def successful(self) -> bool:
        """Whether a browser sends it: named, and checked if it is a checkbox or radio."""
        return bool(self.name) and (self.type not in ("checkbox", "radio") or self.checked)


@dataclasses.dataclass
class Button:
    """A submit button: ``<input type=submit|image>`` or ``<button type=submit>``."""

    name: Optional[str]
    value: str
    text: str = ""


@dataclasses.dataclass
class Form:
    action: str
    method: str  # lower case
    controls: list[Control] = dataclasses.field(default_factory=list)
    buttons: list[Button] = dataclasses.field(default_factory=list)

    @property
    def names(self) -> set[str]:
        """Every control and button name in the form."""
        return {c.name for c in self.controls if c.name} | {b.name for b in self.buttons if b.name}

    @property
    def fields(self) -> list[tuple[str, str]]:
        """What the browser sends as is: hidden and text fields, checked boxes, textareas."""
        return [(c.name, c.value) for c in self.controls if c.successful]  # type: ignore[misc]

    @property
    def submits(self) -> list[tuple[str, str]]:
        """The named submit buttons, as ``(name, value)``."""
        return [(b.name, b.value) for b in self.buttons if b.name]

    def data(self, overrides: Optional[dict[str, Union[str, list[str]]]] = None,
             submit: Optional[str] = None) -> list[tuple[str, str]]:
        """The form data a browser would post, with ``overrides`` replacing fields and the
        button named ``submit`` pressed."""
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
        self._button: Optional[Button] = None
        self._textarea: Optional[Control] = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name") or None
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append(Button(name, a.get("value", ""), a.get("value", "")))
            else:
                default = "on" if kind in ("checkbox", "radio") else ""
                self._form.controls.append(
                    Control(kind, name, a.get("value", default), "checked" in a))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = Button(name, a.get("value", ""))
            self._form.buttons.append(self._button)
        elif tag == "select" and name:
            self._form.controls.append(Control("select", name, "", True))
        elif tag == "textarea" and name:
            self._textarea, self._text = Control("textarea", name, "", True), []
            self._form.controls.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.text += data
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.value = "".join(self._text).lstrip("\n")
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    """Every form of the page, in document order."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html: str, containing: str) -> Form:
    """The first form that has a field or button named ``containing``."""
    for form in forms_of(html):
        if containing in form.names:
            return form
    raise AssertionError(f"no form with a field {containing!r} on the page:\n{html[:2000]}")
