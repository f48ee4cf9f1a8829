"""A validator written for ``oauthlib.openid.RequestValidator`` runs unchanged on our
OpenID Server: same method names, signatures and call points."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

openid = pytest.importorskip("oauthlib.openid")

from flask_oauth_provider.core.openid import Server  # noqa: E402

CB = "https://client.example/cb"


class Client:
    client_id = "c1"


class OAuthlibStyleValidator(openid.RequestValidator):
    """Everything an oauthlib OpenID validator implements, nothing of ours."""

    def __init__(self):
        self.codes = {}
        self.finalized = []

    def validate_client_id(self, client_id, request, *args, **kwargs):
        request.client = Client()
        return client_id == "c1"

    def validate_redirect_uri(self, client_id, redirect_uri, request, *args, **kwargs):
        return redirect_uri == CB

    def validate_response_type(self, client_id, response_type, client, request, *a, **kw):
        return True

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return True

    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True

    def validate_user_match(self, id_token_hint, scopes, claims, request):
        return True

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.codes[code["code"]] = (list(request.scopes), request.nonce)

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        return self.codes[code][0]

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        return self.codes[code][1]

    def authenticate_client(self, request, *args, **kwargs):
        request.client = Client()
        return True

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return True

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        request.user = "alice"
        request.scopes = self.codes[code][0]
        return code in self.codes

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request, *a, **kw):
        return True

    def save_bearer_token(self, token, request, *args, **kwargs):
        pass

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        self.codes.pop(code)

    def finalize_id_token(self, id_token, token, token_handler, request):
        self.finalized.append(dict(id_token))
        return "signed-by-the-app"


def test_oauthlib_openid_validator_runs_unchanged():
    validator = OAuthlibStyleValidator()
    server = Server(validator)
    headers, _, status = server.create_authorization_response(
        "https://as.example/authorize?" + urlencode({
            "client_id": "c1", "redirect_uri": CB, "response_type": "code",
            "scope": "openid", "nonce": "n-1", "state": "s"}),
        scopes=["openid"], credentials={"user": "alice"})
    assert status == 302
    code = dict(parse_qsl(urlsplit(headers["Location"]).query))["code"]
    _, body, status = server.create_token_response(
        "https://as.example/token", "POST",
        urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": CB,
                   "client_id": "c1"}),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    assert json.loads(body)["id_token"] == "signed-by-the-app"
    (id_token,) = validator.finalized
    assert id_token["aud"] == "c1" and id_token["nonce"] == "n-1"
    assert set(id_token) == {"aud", "iat", "nonce", "at_hash"}
