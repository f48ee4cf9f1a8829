"""A provider app over the bundled models, for the resource tests (RFC 8707, 9728, 7662).

The user logs in at ``/login/<name>`` and consent is skipped, so an authorization request
answers with the redirect at once; ``/api/me`` and ``/mcp/tools`` are protected views.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from flask import Flask, jsonify
from flask_login import LoginManager, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider, current_token
from tests.helpers import FORM, basic_auth, pkce_pair, query_params
from tests.helpers.sqla_models import MODELS, User

ISSUER = "https://as.example"
REDIRECT = "https://client.example/cb"
ORDERS = "https://orders.example/api"
BILLING = "https://billing.example"
MCP = "https://as.example/mcp"


def make_provider_app(test_database: Any, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="resources-test", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_ISSUER=ISSUER)
    app.config.update({"OAUTH2_PROVIDER_" + key: value for key, value in config.items()})
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS)
    oauth.init_app(app)
    oauth.skip_consent(lambda client, user, scopes, request: True)
    login_manager = LoginManager(app)
    login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))

    @app.get("/login/<name>")
    def login(name: str) -> str:
        user = db.session.query(User).filter_by(username=name).first()
        if user is None:
            user = User(username=name)
            db.session.add(user)
            db.session.commit()
        login_user(user)
        return "ok"

    @app.get("/api/me")
    @oauth.require_oauth("profile")
    def me() -> Any:
        return jsonify(user=current_token.user.username, scopes=current_token.scopes)

    @app.get("/mcp/tools")
    @oauth.require_oauth("tools")
    def tools() -> Any:
        return jsonify(tools=[])

    app.extensions["test_db"] = db
    return app


def register_client(app: Flask, **kwargs: Any) -> tuple[str, Optional[str]]:
    kwargs.setdefault("name", "Web")
    kwargs.setdefault("redirect_uris", [REDIRECT])
    kwargs.setdefault("grant_types", ["authorization_code", "refresh_token",
                                      "client_credentials"])
    kwargs.setdefault("scopes", ["profile", "orders:read", "billing", "tools"])
    with app.app_context():
        client, secret = app.extensions["oauth2_provider"].create_client(**kwargs)
        return client.client_id, secret


class Browser:
    """A logged-in user and one confidential client, through the provider's HTTP routes."""

    def __init__(self, app: Flask, client_id: str, secret: Optional[str]) -> None:
        self.http = app.test_client()
        self.client_id = client_id
        self.secret = secret
        self.http.get("/login/alice")

    def authorize(self, scope: str = "profile", resources: tuple = ()) -> Any:
        """The authorization request's answer (a 302 to the client)."""
        self.verifier, challenge = pkce_pair()
        params = [("response_type", "code"), ("client_id", self.client_id),
                  ("redirect_uri", REDIRECT), ("scope", scope), ("state", "xyz"),
                  ("code_challenge", challenge), ("code_challenge_method", "S256")]
        params += [("resource", uri) for uri in resources]
        return self.http.get("/oauth/authorize?" + urlencode(params))

    def code(self, scope: str = "profile", resources: tuple = ()) -> str:
        answer = self.authorize(scope, resources)
        assert answer.status_code == 302, answer.data
        return query_params(answer.headers["Location"])["code"][0]

    def token(self, params: list) -> Any:
        return self.http.post("/oauth/token", data=urlencode(params),
                              headers={**FORM, **basic_auth(self.client_id, self.secret)})

    def exchange(self, code: str, resources: tuple = ()) -> Any:
        return self.token([("grant_type", "authorization_code"), ("code", code),
                           ("redirect_uri", REDIRECT), ("code_verifier", self.verifier)]
                          + [("resource", uri) for uri in resources])

    def refresh(self, refresh_token: str, resources: tuple = (),
                scope: Optional[str] = None) -> Any:
        params = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)]
        if scope:
            params.append(("scope", scope))
        return self.token(params + [("resource", uri) for uri in resources])

    def login(self, scope: str = "profile", resources: tuple = (),
              token_resources: tuple = ()) -> dict:
        answer = self.exchange(self.code(scope, resources), token_resources)
        assert answer.status_code == 200, answer.json
        return answer.json

    def introspect(self, token: str, client_id: Optional[str] = None,
                   secret: Optional[str] = None) -> dict:
        answer = self.http.post(
            "/oauth/introspect", data=urlencode({"token": token}),
            headers={**FORM, **basic_auth(client_id or self.client_id, secret or self.secret)})
        assert answer.status_code == 200, answer.data
        return answer.json
