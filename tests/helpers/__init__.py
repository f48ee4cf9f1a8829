"""Helpers every test folder shares: one copy of each small protocol tool.

``auth``: HTTP Basic and bearer headers; ``pkce``: verifier/challenge pairs; ``urls``: the
parameters of a redirect ``Location``; ``forms``: HTML forms as a browser submits them;
``responses``: the error code of a JSON answer; ``server``: a live werkzeug server;
``database``: the private test database of a run; ``sqla_models``: the store's test models.
"""

from tests.helpers.auth import (
    FORM,
    SPECIAL_ID,
    SPECIAL_SECRET,
    basic_auth,
    basic_header,
    basic_raw,
    bearer,
)
from tests.helpers.forms import Button, Control, Form, find_form, forms_of
from tests.helpers.pkce import RFC7636_CHALLENGE, RFC7636_VERIFIER, pkce_pair, s256
from tests.helpers.responses import error_of
from tests.helpers.server import LiveServer
from tests.helpers.urls import (
    fragment_params,
    location_params,
    location_values,
    query_params,
    split_location,
)

__all__ = [
    "FORM", "RFC7636_CHALLENGE", "RFC7636_VERIFIER", "SPECIAL_ID", "SPECIAL_SECRET", "Button",
    "Control", "Form", "LiveServer", "basic_auth", "basic_header", "basic_raw", "bearer",
    "error_of", "find_form", "forms_of", "fragment_params", "location_params", "location_values",
    "pkce_pair", "query_params", "s256", "split_location",
]
