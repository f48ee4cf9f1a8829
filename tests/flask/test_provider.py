"""OAuth2Provider: registration, per-app state, configuration, storage wiring, signals."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_oauth_provider import OAuth2Provider, signals
from flask_oauth_provider.config import DEFAULTS, PREFIX
from flask_oauth_provider.state import ProviderState
from tests.flask.flask_support import Store, access_token


def test_init_app_stores_the_state_in_app_extensions():
    app = Flask(__name__)
    oauth = OAuth2Provider(app, validator=object())
    state = app.extensions["oauth2_provider"]
    assert isinstance(state, ProviderState)
    assert state.provider is oauth
    assert state.config.url_prefix == "/oauth"


def test_extension_state_exposes_the_provider_api():
    app = Flask(__name__)
    oauth = OAuth2Provider(app, validator=object())
    assert app.extensions["oauth2_provider"].require_oauth == oauth.require_oauth


def test_second_registration_raises_a_clear_runtime_error():
    app = Flask(__name__)
    OAuth2Provider(app, validator=object())
    with pytest.raises(RuntimeError, match="already been registered"):
        OAuth2Provider(app, validator=object())


def test_routes_are_registered_under_the_prefix_and_metadata_at_the_root():
    app = Flask(__name__)
    app.config["OAUTH2_PROVIDER_URL_PREFIX"] = "/auth/v1"
    OAuth2Provider(app, validator=object())
    rules = {rule.rule: rule.methods for rule in app.url_map.iter_rules()}
    assert {"GET", "POST"} <= rules["/auth/v1/authorize"]
    assert "POST" in rules["/auth/v1/token"] and "GET" not in rules["/auth/v1/token"]
    assert "POST" in rules["/auth/v1/revoke"]
    assert "POST" in rules["/auth/v1/introspect"]
    assert "GET" in rules["/.well-known/oauth-authorization-server"]


def test_wrong_config_value_fails_at_init_app_saying_what_is_allowed():
    app = Flask(__name__)
    app.config["OAUTH2_PROVIDER_CODE_EXPIRES_IN"] = 3600
    with pytest.raises(ValueError, match="at most 600"):
        OAuth2Provider(app, validator=object())


def test_init_app_sets_config_defaults():
    app = Flask(__name__)
    OAuth2Provider(app, validator=object())
    for key, default in DEFAULTS.items():
        assert app.config[PREFIX + key] == default


def test_init_app_docstring_documents_every_config_key():
    doc = OAuth2Provider.init_app.__doc__
    for key in DEFAULTS:
        assert PREFIX + key in doc, key


def test_missing_callback_fails_at_init_app_naming_it():
    store = Store()
    oauth = OAuth2Provider()
    oauth.clientgetter(store.clientgetter)
    oauth.tokengetter(store.tokengetter)
    with pytest.raises(RuntimeError) as info:
        oauth.init_app(Flask(__name__))
    message = str(info.value)
    assert "@oauth.grantgetter" in message and "@oauth.grantsetter" in message
    assert "@oauth.tokensetter" in message and "clientgetter" not in message


def test_callbacks_registered_after_init_app_are_used():
    # Flask-OAuthlib's documented order: OAuth2Provider(app), then the decorators.
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "x"
    oauth = OAuth2Provider(app)
    Store().register(oauth)
    with app.test_request_context():
        assert app.extensions["oauth2_provider"].validator.load_client("C1").client_id == "C1"


def test_no_storage_at_all_fails_on_first_use_naming_the_callbacks():
    app = Flask(__name__)
    OAuth2Provider(app)
    response = None
    with pytest.raises(RuntimeError, match="@oauth.clientgetter"):
        with app.test_request_context():
            response = app.extensions["oauth2_provider"].server
    assert response is None


def test_one_provider_serves_two_apps_with_their_own_config():
    store = Store()
    oauth = OAuth2Provider()
    store.register(oauth)
    first, second = Flask("one"), Flask("two")
    second.config["OAUTH2_PROVIDER_URL_PREFIX"] = "/o2"
    second.config["OAUTH2_PROVIDER_TOKEN_EXPIRES_IN"] = 60
    oauth.init_app(first)
    oauth.init_app(second)
    assert first.extensions["oauth2_provider"].config.url_prefix == "/oauth"
    assert second.extensions["oauth2_provider"].config.token_expires_in == 60
    assert first.extensions["oauth2_provider"].server is not (
        second.extensions["oauth2_provider"].server)
    headers = {"Authorization": "Basic QzE6QzEtc2VjcmV0"}  # C1:C1-secret
    data = {"grant_type": "client_credentials", "scope": "read"}
    one = first.test_client().post("/oauth/token", data=data, headers=headers)
    two = second.test_client().post("/o2/token", data=data, headers=headers)
    assert (one.json["expires_in"], two.json["expires_in"]) == (3600, 60)


def test_app_factory_pattern():
    oauth = OAuth2Provider()
    Store().register(oauth)

    def create():
        app = Flask(__name__)
        oauth.init_app(app)
        return app

    assert create().extensions["oauth2_provider"].provider is create().extensions[
        "oauth2_provider"].provider


def test_validator_config_follows_the_current_app(cb_app):
    validator = cb_app.extensions["oauth2_provider"].validator
    other = Flask("other")
    other.config["OAUTH2_PROVIDER_PKCE_REQUIRED"] = True
    cb_app.oauth.init_app(other)
    with other.app_context():
        assert validator.config.pkce_required is True
    with cb_app.app_context():
        assert validator.config.pkce_required == "public"


def test_create_client_without_sqlalchemy_explains_what_to_do():
    with pytest.raises(RuntimeError, match="init_sqlalchemy"):
        OAuth2Provider().create_client(name="x")


def test_init_sqlalchemy_and_create_client_delegate_to_the_store(monkeypatch):
    import flask_oauth_provider.sqla as sqla

    calls = {}

    class FakeStore:
        def __init__(self, session, client_model, code_model, token_model):
            calls["init"] = (session, client_model, code_model, token_model)

        def create_client(self, **kw):
            calls["create"] = kw
            return "client", "secret"

    class DB:
        session = "the-session"

    monkeypatch.setattr(sqla, "SQLAlchemyStore", FakeStore)
    oauth = OAuth2Provider()
    store = oauth.init_sqlalchemy(DB(), client_model="C", code_model="A", token_model="T")
    assert isinstance(store, FakeStore) and oauth.validator is store
    assert calls["init"] == ("the-session", "C", "A", "T")
    assert oauth.create_client(name="n", public=True) == ("client", "secret")
    assert calls["create"] == {"name": "n", "public": True}


def test_token_issued_and_client_authenticated_signals(app, client):
    issued, authenticated = [], []
    with signals.token_issued.connected_to(lambda s, **kw: issued.append(kw), app), \
            signals.client_authenticated.connected_to(
                lambda s, **kw: authenticated.append(kw), app):
        client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "read"},
                    headers={"Authorization": "Basic QzE6QzEtc2VjcmV0"})
    assert [(i["client"].client_id, i["scopes"], i["grant_type"]) for i in issued] == [
        ("C1", ["read"], "client_credentials")]
    if app.oauth._validator is None:  # the bundled policy sends it
        assert [(a["client"].client_id, a["method"]) for a in authenticated] == [
            ("C1", "client_secret_basic")]


def test_token_revoked_signal(app, client):
    tok = access_token(client)
    revoked = []
    with signals.token_revoked.connected_to(lambda s, **kw: revoked.append(kw), app):
        client.post("/oauth/revoke", data={"token": tok},
                    headers={"Authorization": "Basic QzE6QzEtc2VjcmV0"})
    assert len(revoked) == 1


def test_login_is_required_for_the_consent_page_without_flask_login():
    store = Store()
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "x"
    oauth = OAuth2Provider()
    store.register(oauth)
    oauth.init_app(app)
    app.testing = False
    from tests.flask.flask_support import authorize_url

    with pytest.raises(RuntimeError, match="Flask-Login"):
        with app.test_request_context(authorize_url()):
            from flask_oauth_provider import views

            views.authorize()


def test_flask_oauthlib_subclass_way_of_giving_callbacks():
    store = Store()

    class MyProvider(OAuth2Provider):
        def _clientgetter(self, client_id):
            return store.clientgetter(client_id)

        def _grantgetter(self, client_id, code):
            return store.grantgetter(client_id, code)

        def _grantsetter(self, client_id, code, request, *args, **kwargs):
            return store.grantsetter(client_id, code, request)

        def _tokengetter(self, access_token=None, refresh_token=None):
            return store.tokengetter(access_token, refresh_token)

        def _tokensetter(self, token, request, *args, **kwargs):
            return store.tokensetter(token, request)

    app = Flask(__name__)
    MyProvider(app)
    response = app.test_client().post(
        "/oauth/token", data={"grant_type": "client_credentials", "scope": "read"},
        headers={"Authorization": "Basic QzE6QzEtc2VjcmV0"})
    assert response.status_code == 200


def test_token_revoked_signal_carries_the_token_type_hint_and_the_client(app, client):
    # RFC 7009 §2.1: the hint the client sent is what receivers see.
    tok = access_token(client)
    revoked = []
    with signals.token_revoked.connected_to(lambda s, **kw: revoked.append(kw), app):
        client.post("/oauth/revoke", data={"token": tok, "token_type_hint": "access_token"},
                    headers={"Authorization": "Basic QzE6QzEtc2VjcmV0"})
        client.post("/oauth/revoke", data={"token": "unknown"},
                    headers={"Authorization": "Basic QzE6QzEtc2VjcmV0"})
    assert [(r["client"].client_id, r["token_type_hint"]) for r in revoked] == [
        ("C1", "access_token"), ("C1", None)]
