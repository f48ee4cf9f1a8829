"""Apps, clients and keys for JWT client authentication (RFC 7523) and request objects
(RFC 9101), over the bundled store's test models."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable

import pytest
from flask import Flask, Response, jsonify, request
from flask_login import LoginManager, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider, current_token
from flask_oauth_provider.client_keys import JWKS_CACHE
from flask_oauth_provider.core import jose
from tests.helpers import LiveServer
from tests.helpers.sqla_models import (
    DEVICE_MODELS,
    MODELS,
    InitialAccessToken,
    PushedRequest,
    User,
)

ISSUER = "https://as.example"
TOKEN_URL = ISSUER + "/oauth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REDIRECT = "https://client.example/cb"


def make_app(test_database: Any, **config: Any) -> Flask:
    """A provider with the bundled store; ``config`` keys without the prefix."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="client-jwt-test", SQLALCHEMY_DATABASE_URI=test_database.url,
                      SQLALCHEMY_ENGINE_OPTIONS=dict(test_database.engine_options),
                      OAUTH2_PROVIDER_ISSUER=ISSUER,
                      OAUTH2_PROVIDER_SCOPES={"profile": "Your profile", "read": "Read"},
                      OAUTH2_PROVIDER_REGISTRATION_SCOPES=("profile", "read"))
    app.config.update({"OAUTH2_PROVIDER_" + key: value for key, value in config.items()})
    db = SQLAlchemy()
    db.init_app(app)
    oauth = OAuth2Provider()
    oauth.init_sqlalchemy(db, **MODELS, **DEVICE_MODELS, par_model=PushedRequest,
                          initial_access_token_model=InitialAccessToken)
    oauth.init_app(app)

    @app.get("/api/me")
    @oauth.require_oauth("profile")
    def me():
        return jsonify(client=current_token.client.client_id)

    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    @oauth.skip_consent
    def skip(client: Any, user: Any, scopes: list, request: Any) -> bool:
        return app.config.get("TEST_SKIP_CONSENT", False)

    @app.post("/login")
    def login():
        user = db.session.query(User).filter_by(username=request.form["username"]).first()
        if user is None:
            user = User(username=request.form["username"])
            db.session.add(user)
            db.session.commit()
        login_user(user)
        return "ok"

    app.extensions["test_db"] = db
    app.extensions["test_oauth"] = oauth
    return app


@pytest.fixture(scope="package")
def schema(test_database):
    """The store's test tables for this package, dropped again afterwards if it made them.

    The run-wide ``schema`` fixture keeps them to the end of the run; this package runs
    before tests/e2e, whose migration test compares the whole database with the example
    app's models, so it must not leave them behind.
    """
    from sqlalchemy import inspect

    from tests.helpers.sqla_models import Base, Client

    engine = test_database.create_engine()
    existed = inspect(engine).has_table(Client.__tablename__)
    Base.metadata.create_all(engine)
    try:
        yield
    finally:
        if not existed:
            Base.metadata.drop_all(engine)
        engine.dispose()


@pytest.fixture
def app_factory(test_database, tables) -> Callable[..., Flask]:
    apps: list[Flask] = []

    def factory(**config: Any) -> Flask:
        app = make_app(test_database, **config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_jwks_cache():
    JWKS_CACHE.clear()
    yield
    JWKS_CACHE.clear()


@pytest.fixture
def app(app_factory) -> Flask:
    return app_factory(CLIENT_ID_METADATA_DOCUMENT_ALLOW_PRIVATE=True)


@pytest.fixture(scope="session")
def client_key() -> dict:
    return jose.generate_key("ES256")


@pytest.fixture(scope="session")
def other_key() -> dict:
    return jose.generate_key("ES256")


def public_set(*keys: dict) -> dict:
    return jose.public_jwk_set(keys)


def create_client(app: Flask, **kwargs: Any) -> tuple[str, Any]:
    """``(client_id, secret)`` of a new client of ``app``."""
    kwargs.setdefault("name", "JWT client")
    kwargs.setdefault("redirect_uris", [REDIRECT])
    kwargs.setdefault("grant_types", ["authorization_code", "client_credentials"])
    kwargs.setdefault("scopes", ["profile", "read"])
    with app.app_context():
        client, secret = app.extensions["test_oauth"].create_client(**kwargs)
        return client.client_id, secret


def key_client(app: Flask, key: dict, **kwargs: Any) -> str:
    """A private_key_jwt client registered with ``key``'s public part by value."""
    kwargs.setdefault("jwks", public_set(key))
    client_id, secret = create_client(app, token_endpoint_auth_method="private_key_jwt",
                                      **kwargs)
    assert secret is None
    return client_id


def assertion(client_id: str, key: dict, *, aud: Any = TOKEN_URL, lifetime: int = 60,
              headers: dict | None = None, **claims: Any) -> str:
    """A client assertion (RFC 7523 §3) signed with ``key``; ``claims`` override (None: drop)."""
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": aud, "iat": now,
            "exp": now + lifetime, "jti": str(uuid.uuid4())}
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jose.sign(body, key, headers=headers)


def assertion_form(jwt: str, /, **fields: str) -> dict:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": jwt, **fields}


class KeyServer:
    """Serves JWK sets at paths on 127.0.0.1 and counts the requests."""

    def __init__(self) -> None:
        self.pages: dict[str, dict] = {}
        self.hits: list[str] = []
        app = Flask("keys")

        @app.route("/<path:path>")
        def page(path):
            self.hits.append(path)
            if path not in self.pages:
                return Response("not found", status=404)
            return Response(json.dumps(self.pages[path]), headers={
                "Content-Type": "application/json", "Cache-Control": "max-age=600"})

        self.live = LiveServer(app).start()
        self.url = self.live.url

    def publish(self, path: str, *keys: dict) -> str:
        self.pages[path] = public_set(*keys)
        return f"{self.url}/{path}"


@pytest.fixture
def key_server():
    server = KeyServer()
    yield server
    server.live.stop()
