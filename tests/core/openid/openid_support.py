"""An in-memory OpenID validator for the core tests, usable by oauthlib's server too.

:func:`openid_validator_class` extends the recording OAuth 2.0 validator of
tests/core/conftest.py (passed in: conftest modules cannot be imported by name) with
the OpenID methods: nonces, claims and auth_time stored with codes and tokens, a
consent record for prompt=none, keys for every algorithm, a controlled clock and a
session user.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Dict

from flask_oauth_provider.core import jose
from flask_oauth_provider.core.openid import JWTRequestValidator

ISSUER = "https://as.example"
#: One clock for every validator of a run, so two validators agree on auth_time.
NOW = int(time.time())
KEYS = {alg: jose.generate_key(alg) for alg in jose.ALGORITHMS}
OPENID_SCOPES = ("read", "write", "openid", "profile", "email", "address", "phone",
                 "offline_access")
ALICE_CLAIMS = {
    "name": "Alice Liddell", "given_name": "Alice", "family_name": "Liddell",
    "preferred_username": "alice", "email": "alice@example.org", "email_verified": True,
    "address": {"country": "GB"}, "phone_number": "+44 20 7946 0000",
    "phone_number_verified": False, "birthdate": None,
}

_CLASSES: Dict[type, type] = {}


def openid_validator_class(base: type) -> type:
    if base in _CLASSES:
        return _CLASSES[base]

    class OpenIDRecordingValidator(base, JWTRequestValidator):
        def __init__(self) -> None:
            super().__init__()
            for client in self.clients.values():
                if client.response_types:
                    client.response_types = ("code", "token", "id_token", "none")
            self.clock = NOW
            self.session_user = self.users["alice"][1]
            self.session_auth_time = self.clock - 60
            self.consented = True
            self.signing_alg = "RS256"
            self.userinfo_alg = None
            self.keys = dict(KEYS)

        # -- hooks of JWTRequestValidator -------------------------------------------------

        def now(self) -> int:
            return self.clock

        def get_issuer(self, request):
            return ISSUER

        def get_signing_key(self, alg, request):
            return self.keys.get(alg)

        def get_verification_keys(self, request):
            return [jose.public_jwk(key) for key in self.keys.values()]

        def get_user_claims(self, user, scopes, request):
            return dict(ALICE_CLAIMS)

        def get_subject(self, user, client, request):
            return user.username

        def get_current_user(self, request):
            user = getattr(request, "user", None)
            return user if user is not None else self.session_user

        def get_auth_time(self, request):
            auth_time = getattr(request, "auth_time", None)
            return auth_time if auth_time is not None else self.session_auth_time

        def get_id_token_signing_alg(self, request):
            return self.signing_alg

        def get_userinfo_signing_alg(self, request):
            return self.userinfo_alg

        # -- OpenID storage ------------------------------------------------------------

        def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
            self._record("validate_scopes", client_id, list(scopes or []))
            return bool(scopes) and all(scope in OPENID_SCOPES for scope in scopes)

        def validate_silent_authorization(self, request):
            self._record("validate_silent_authorization")
            return self.consented

        def validate_silent_login(self, request):
            self._record("validate_silent_login")
            return super().validate_silent_login(request)

        def validate_user_match(self, id_token_hint, scopes, claims, request):
            self._record("validate_user_match", id_token_hint)
            return super().validate_user_match(id_token_hint, scopes, claims, request)

        def save_authorization_code(self, client_id, code, request, *args, **kwargs):
            super().save_authorization_code(client_id, code, request, *args, **kwargs)
            self.codes[code["code"]].update(
                nonce=request.nonce, claims=request.claims,
                auth_time=self.get_auth_time(request))

        def validate_code(self, client_id, code, client, request, *args, **kwargs):
            valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
            if valid:
                record = self.codes[code]
                request.claims = record.get("claims")
                request.auth_time = record.get("auth_time")
            return valid

        def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
            self._record("get_authorization_code_scopes", client_id, code)
            record = self.codes.get(code)
            return list(record["scopes"]) if record else []

        def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
            self._record("get_authorization_code_nonce", client_id, code)
            record = self.codes.get(code)
            return record.get("nonce") if record else None

        def save_bearer_token(self, token, request, *args, **kwargs):
            super().save_bearer_token(token, request, *args, **kwargs)
            record = self.tokens[token["access_token"]]
            record["claims"] = getattr(request, "claims", None)
            record["auth_time"] = getattr(request, "auth_time", None)

        def validate_bearer_token(self, token, scopes, request):
            record = self.tokens.get(token) if token else None
            valid = super().validate_bearer_token(token, scopes, request)
            if record is not None and not valid and record["expires_at"] >= time.time():
                # Known token without the scope: tell insufficient_scope apart.
                request.user = record["user"]
                request.scopes = list(record["scopes"])
            if valid:
                request.claims = record.get("claims")
            return valid

        def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
            valid = super().validate_refresh_token(refresh_token, client, request, *args,
                                                   **kwargs)
            if valid:
                record = self.refresh_tokens[refresh_token]
                request.claims = record.get("claims")
                request.auth_time = record.get("auth_time")
            return valid

        def finalize_id_token(self, id_token, token, token_handler, request):
            self._record("finalize_id_token", dict(id_token))
            return super().finalize_id_token(id_token, token, token_handler, request)

        def get_userinfo_claims(self, request):
            self._record("get_userinfo_claims")
            return super().get_userinfo_claims(request)

    _CLASSES[base] = OpenIDRecordingValidator
    return OpenIDRecordingValidator


def decode_id_token(token: str, keys=None) -> dict:
    """Verify an ID token with the test keys and return its claims."""
    keys = keys or [jose.public_jwk(key) for key in KEYS.values()]
    return jose.verify(token, keys)[1]


def unverified_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
