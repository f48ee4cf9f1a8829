"""A provider over the bundled models for the DPoP tests (tests/resources' app), a
confidential and a public client, and a client DPoP key."""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

import pytest

from tests.dpop.dpop_support import ProofKey
from tests.helpers import FORM, basic_auth, pkce_pair, query_params
from tests.resources.resources_support import REDIRECT, make_provider_app, register_client

TOKEN_URL = "http://localhost/oauth/token"
API_URL = "http://localhost/api/me"


class Caller:
    """One client of the provider, through its HTTP routes (Flask test client)."""

    def __init__(self, app: Any, public: bool = False, **client: Any) -> None:
        self.app = app
        grants = ["authorization_code", "refresh_token"] + ([] if public else
                                                            ["client_credentials"])
        self.client_id, self.secret = register_client(app, public=public,
                                                      grant_types=grants, **client)
        self.http = app.test_client()
        self.http.get("/login/alice")

    def auth(self) -> dict:
        return basic_auth(self.client_id, self.secret) if self.secret else {}

    def token(self, params: list, proof: Optional[str] = None, **headers: str) -> Any:
        if not self.secret:
            params = params + [("client_id", self.client_id)]
        extra = {"DPoP": proof} if proof is not None else {}
        return self.http.post("/oauth/token", data=urlencode(params),
                              headers={**FORM, **self.auth(), **extra, **headers})

    def code(self, scope: str = "profile", **extra: str) -> str:
        self.verifier, challenge = pkce_pair()
        params = {"response_type": "code", "client_id": self.client_id,
                  "redirect_uri": REDIRECT, "scope": scope, "state": "s",
                  "code_challenge": challenge, "code_challenge_method": "S256", **extra}
        answer = self.http.get("/oauth/authorize?" + urlencode(params))
        assert answer.status_code == 302, answer.data
        params = query_params(answer.headers["Location"])
        assert "code" in params, params
        return params["code"][0]

    def code_params(self, code: str) -> list:
        return [("grant_type", "authorization_code"), ("code", code),
                ("redirect_uri", REDIRECT), ("code_verifier", self.verifier)]

    def login(self, key: Optional[ProofKey] = None, **extra: str) -> Any:
        proof = key.proof("POST", TOKEN_URL) if key is not None else None
        return self.token(self.code_params(self.code(**extra)), proof)

    def client_credentials(self, key: Optional[ProofKey], scope: str = "profile") -> Any:
        proof = key.proof("POST", TOKEN_URL) if key is not None else None
        return self.token([("grant_type", "client_credentials"), ("scope", scope)], proof)

    def refresh(self, refresh_token: str, key: Optional[ProofKey]) -> Any:
        proof = key.proof("POST", TOKEN_URL) if key is not None else None
        return self.token([("grant_type", "refresh_token"),
                           ("refresh_token", refresh_token)], proof)

    def call(self, token: str, key: Optional[ProofKey], scheme: str = "DPoP",
             url: str = API_URL, **proof_options: Any) -> Any:
        headers = {"Authorization": f"{scheme} {token}"}
        if key is not None:
            proof_options.setdefault("access_token", token)
            headers["DPoP"] = key.proof("GET", url, **proof_options)
        return self.http.get(url.replace("http://localhost", ""), headers=headers)

    def introspect(self, token: str) -> dict:
        answer = self.http.post("/oauth/introspect", data=urlencode({"token": token}),
                                headers={**FORM, **self.auth()})
        assert answer.status_code == 200, answer.data
        return answer.json


def make_app(test_database: Any, **config: Any) -> Any:
    return make_provider_app(test_database, **config)


@pytest.fixture
def app_config() -> dict:
    return {}


@pytest.fixture
def provider_app(test_database, tables, app_config):
    app = make_app(test_database, **app_config)
    yield app
    with app.app_context():
        db = app.extensions["test_db"]
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def caller(provider_app) -> Caller:
    return Caller(provider_app)


@pytest.fixture
def public_caller(provider_app) -> Caller:
    return Caller(provider_app, public=True, name="Native")


@pytest.fixture
def key() -> ProofKey:
    return ProofKey()


def stored_jkt(app: Any, access_token: str) -> Optional[str]:
    """The ``dpop_jkt`` the store keeps for ``access_token`` (a public client cannot
    introspect)."""
    from flask_oauth_provider.sqla.models import token_digest
    from tests.helpers.sqla_models import Token

    with app.app_context():
        session = app.extensions["test_db"].session
        row = session.query(Token).filter_by(
            access_token_digest=token_digest(access_token)).one()
        return row.dpop_jkt
