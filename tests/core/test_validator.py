"""core.validator.RequestValidator: oauthlib's 28 methods, defaults and signatures."""

from __future__ import annotations

import inspect
from unittest import mock

import pytest

from flask_oauth_provider.core import RequestValidator
from flask_oauth_provider.core.request import Request

ABSTRACT = {
    "authenticate_client": ("request",),
    "authenticate_client_id": ("client_id", "request"),
    "confirm_redirect_uri": ("client_id", "code", "redirect_uri", "client", "request"),
    "get_default_redirect_uri": ("client_id", "request"),
    "get_default_scopes": ("client_id", "request"),
    "get_original_scopes": ("refresh_token", "request"),
    "introspect_token": ("token", "token_type_hint", "request"),
    "invalidate_authorization_code": ("client_id", "code", "request"),
    "revoke_token": ("token", "token_type_hint", "request"),
    "save_authorization_code": ("client_id", "code", "request"),
    "save_bearer_token": ("token", "request"),
    "validate_bearer_token": ("token", "scopes", "request"),
    "validate_client_id": ("client_id", "request"),
    "validate_code": ("client_id", "code", "client", "request"),
    "validate_grant_type": ("client_id", "grant_type", "client", "request"),
    "validate_redirect_uri": ("client_id", "redirect_uri", "request"),
    "validate_refresh_token": ("refresh_token", "client", "request"),
    "validate_response_type": ("client_id", "response_type", "client", "request"),
    "validate_scopes": ("client_id", "scopes", "client", "request"),
    "validate_user": ("username", "password", "client", "request"),
    "get_code_challenge_method": ("code", "request"),
}

DEFAULTS = {
    "client_authentication_required": (("request",), True),
    "is_within_original_scope": (("request_scopes", "refresh_token", "request"), False),
    "rotate_refresh_token": (("request",), True),
    "is_pkce_required": (("client_id", "request"), False),
    "get_code_challenge": (("code", "request"), None),
    "is_origin_allowed": (("client_id", "origin", "request"), False),
}

# Methods without *args/**kwargs in oauthlib.
NO_VARARGS = {
    "validate_bearer_token",
    "rotate_refresh_token",
    "is_pkce_required",
    "get_code_challenge",
    "get_code_challenge_method",
}


def public_methods(cls) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_there_are_28_methods():
    assert public_methods(RequestValidator) == set(ABSTRACT) | set(DEFAULTS) | {"save_token"}
    assert len(public_methods(RequestValidator)) == 28


def test_21_methods_are_abstract():
    assert len(ABSTRACT) == 21


@pytest.mark.parametrize(("name", "params"), sorted(ABSTRACT.items()))
def test_abstract_method_raises_not_implemented(name, params):
    method = getattr(RequestValidator(), name)
    with pytest.raises(NotImplementedError, match="Subclasses must implement this method."):
        method(*[mock.sentinel.value for _ in params])


@pytest.mark.parametrize(("name", "spec"), sorted(DEFAULTS.items()))
def test_default_method_return_value(name, spec):
    params, expected = spec
    method = getattr(RequestValidator(), name)
    assert method(*[mock.sentinel.value for _ in params]) is expected


def test_save_token_delegates_to_save_bearer_token():
    class Validator(RequestValidator):
        def save_bearer_token(self, token, request, *args, **kwargs):
            return ("saved", token, request, args, kwargs)

    request = Request("https://as.example/token")
    assert Validator().save_token({"a": 1}, request, "x", k=2) == (
        "saved",
        {"a": 1},
        request,
        ("x",),
        {"k": 2},
    )


def test_save_token_without_save_bearer_token_is_not_implemented():
    with pytest.raises(NotImplementedError):
        RequestValidator().save_token({}, Request("https://as.example/token"))


@pytest.mark.parametrize("name", sorted(set(ABSTRACT) | set(DEFAULTS) | {"save_token"}))
def test_signature_parameter_names(name):
    expected = ABSTRACT.get(name) or (DEFAULTS[name][0] if name in DEFAULTS else None)
    if name == "save_token":
        expected = ("token", "request")
    parameters = inspect.signature(getattr(RequestValidator, name)).parameters
    positional = tuple(
        p.name
        for p in parameters.values()
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name != "self"
    )
    assert positional == expected
    kinds = {p.kind for p in parameters.values()}
    has_varargs = (
        inspect.Parameter.VAR_POSITIONAL in kinds and inspect.Parameter.VAR_KEYWORD in kinds
    )
    assert has_varargs == (name not in NO_VARARGS)


def test_signatures_equal_oauthlib():
    oauthlib_validator = pytest.importorskip("oauthlib.oauth2").RequestValidator
    theirs = public_methods(oauthlib_validator)
    assert public_methods(RequestValidator) == theirs
    for name in theirs:
        ours = inspect.signature(getattr(RequestValidator, name))
        expected = inspect.signature(getattr(oauthlib_validator, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
            (p.name, p.kind, p.default) for p in expected.parameters.values()
        ], name


def test_defaults_equal_oauthlib():
    oauthlib_validator = pytest.importorskip("oauthlib.oauth2").RequestValidator()
    ours = RequestValidator()
    for name, (params, _) in DEFAULTS.items():
        args = [mock.sentinel.value for _ in params]
        assert getattr(ours, name)(*args) == getattr(oauthlib_validator, name)(*args), name


def test_an_oauthlib_style_subclass_works_unchanged():
    class Validator(RequestValidator):
        def validate_client_id(self, client_id, request, *args, **kwargs):
            request.client = mock.Mock(client_id=client_id)
            return client_id == "c1"

    request = Request("https://as.example/authorize?client_id=c1")
    assert Validator().validate_client_id(request.client_id, request)
    assert request.client.client_id == "c1"


def test_every_method_has_a_docstring():
    for name in public_methods(RequestValidator):
        assert getattr(RequestValidator, name).__doc__, name
