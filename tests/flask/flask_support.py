"""Test apps for the Flask layer: in-memory storage behind the callbacks, or a custom validator.

``Store`` keeps clients, grants and tokens in dicts; its objects carry exactly the
attributes Flask-OAuthlib documented (plus the PKCE pair on grants).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import secrets
from typing import Any, Optional
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, login_user, logout_user

from flask_oauth_provider import OAuth2Provider, current_token
from flask_oauth_provider.core import RequestValidator
from flask_oauth_provider.core.redirect_uris import redirect_uri_matches
from tests.helpers import RFC7636_CHALLENGE, RFC7636_VERIFIER, basic_auth, location_values

REG = "https://client.example/cb"
REG2 = "https://client.example/other"
LOOPBACK_REG = "http://127.0.0.1/cb"
SCOPES = ["profile", "read", "write"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class User(UserMixin):
    def __init__(self, id: int, username: str, password: str) -> None:
        self.id = id
        self.username = username
        self.password = password


class Client:
    def __init__(self, store: Store, client_id: str, client_secret: Optional[str],
                 redirect_uris: list[str], scopes: list[str], public: bool = False,
                 name: str = "Test client", user: Any = None,
                 allowed_grant_types: Optional[list[str]] = None) -> None:
        self.store = store
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_type = "public" if public else "confidential"
        self.redirect_uris = redirect_uris
        self.default_scopes = scopes
        self.name = name
        self.user = user
        if allowed_grant_types is not None:
            self.allowed_grant_types = allowed_grant_types

    @property
    def default_redirect_uri(self) -> str:
        return self.redirect_uris[0]


class Grant:
    def __init__(self, store: Store, **kw: Any) -> None:
        self.store = store
        self.__dict__.update(kw)

    def delete(self) -> None:
        self.store.grants.pop(self.code, None)


class Token:
    def __init__(self, store: Store, **kw: Any) -> None:
        self.store = store
        self.__dict__.update(kw)

    @property
    def client(self) -> Client:
        return self.store.clients[self.client_id]

    def delete(self) -> None:
        self.store.tokens.remove(self)


class Store:
    """Clients, grants and tokens in memory, and the Flask-OAuthlib callbacks over them."""

    def __init__(self) -> None:
        self.users = {"alice": User(1, "alice", "alice-pw"), "bob": User(2, "bob", "bob-pw")}
        self.clients: dict[str, Client] = {}
        self.grants: dict[str, Grant] = {}
        self.tokens: list[Token] = []
        self.add_client("C1", "C1-secret", [REG, REG2], SCOPES, user=self.users["alice"])
        self.add_client("C2", "C2-secret", [REG], SCOPES)
        self.add_client("P1", None, [REG], SCOPES, public=True)
        self.add_client("N1", None, [LOOPBACK_REG], SCOPES, public=True)
        self.add_client("1PpG/Q 1", "z/tZ9VwFZqApmIQ+ZH1I5pLk/uB4ud:X2/8bL+wfFTt1rFw=", [REG],
                        SCOPES)

    def add_client(self, client_id: str, secret: Optional[str], uris: list[str],
                   scopes: list[str], **kw: Any) -> Client:
        client = Client(self, client_id, secret, uris, scopes, **kw)
        self.clients[client_id] = client
        return client

    def user_by_id(self, user_id: Any) -> Optional[User]:
        for user in self.users.values():
            if str(user.id) == str(user_id):
                return user
        return None

    # The callbacks, with Flask-OAuthlib's signatures.
    def clientgetter(self, client_id: str) -> Optional[Client]:
        return self.clients.get(client_id)

    def grantgetter(self, client_id: str, code: str) -> Optional[Grant]:
        grant = self.grants.get(code)
        return grant if grant is not None and grant.client_id == client_id else None

    def grantsetter(self, client_id: str, code: dict, request: Any, *args: Any,
                    **kwargs: Any) -> None:
        self.grants[code["code"]] = Grant(
            self, client_id=client_id, code=code["code"], user=request.user,
            scopes=list(request.scopes), redirect_uri=request.redirect_uri,
            expires=utcnow() + dt.timedelta(seconds=60),
            code_challenge=code.get("code_challenge"),
            code_challenge_method=code.get("code_challenge_method"))

    def tokengetter(self, access_token: Optional[str] = None,
                    refresh_token: Optional[str] = None) -> Optional[Token]:
        for token in self.tokens:
            if access_token is not None and token.access_token == access_token:
                return token
            if refresh_token is not None and token.refresh_token == refresh_token:
                return token
        return None

    def tokensetter(self, token: dict, request: Any, *args: Any, **kwargs: Any) -> None:
        self.tokens.append(Token(
            self, access_token=token["access_token"], refresh_token=token.get("refresh_token"),
            client_id=request.client.client_id, user=request.user,
            scopes=token.get("scope", "").split(),
            expires=utcnow() + dt.timedelta(seconds=token["expires_in"])))

    def usergetter(self, username: str, password: str, client: Any, request: Any,
                   *args: Any, **kwargs: Any) -> Optional[User]:
        user = self.users.get(username)
        if user is not None and secrets.compare_digest(user.password, password):
            return user
        return None

    def register(self, oauth: OAuth2Provider) -> None:
        for name in ("clientgetter", "grantgetter", "grantsetter", "tokengetter",
                     "tokensetter", "usergetter"):
            getattr(oauth, name)(getattr(self, name))


class StoreValidator(RequestValidator):
    """A custom validator written straight against the core's RequestValidator (way 3),
    as an oauthlib user would, over the same in-memory store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _creds(self, request: Any) -> tuple[Optional[str], Optional[str]]:
        auth = request.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            from urllib.parse import unquote_plus

            raw = base64.b64decode(auth[6:]).decode()
            cid, _, secret = raw.partition(":")
            return unquote_plus(cid), unquote_plus(secret)
        return request.client_id, request.client_secret

    def client_authentication_required(self, request: Any, *a: Any, **k: Any) -> bool:
        cid, secret = self._creds(request)
        client = self.store.clients.get(cid or "")
        return secret is not None or client is None or client.client_type != "public"

    def authenticate_client(self, request: Any, *a: Any, **k: Any) -> bool:
        cid, secret = self._creds(request)
        client = self.store.clients.get(cid or "")
        if client is None or not client.client_secret or secret is None:
            return False
        if not secrets.compare_digest(client.client_secret, secret):
            return False
        request.client = client
        return True

    def authenticate_client_id(self, client_id: str, request: Any, *a: Any, **k: Any) -> bool:
        client = self.store.clients.get(client_id or "")
        if client is None or client.client_type != "public":
            return False
        request.client = client
        return True

    def validate_client_id(self, client_id: str, request: Any, *a: Any, **k: Any) -> bool:
        request.client = self.store.clients.get(client_id)
        return request.client is not None

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Any,
                              *a: Any, **k: Any) -> bool:
        return any(redirect_uri_matches(r, redirect_uri)
                   for r in self.store.clients[client_id].redirect_uris)

    def get_default_redirect_uri(self, client_id: str, request: Any, *a: Any, **k: Any) -> Any:
        uris = self.store.clients[client_id].redirect_uris
        return uris[0] if len(uris) == 1 else None

    def validate_response_type(self, client_id: str, response_type: str, client: Any,
                               request: Any, *a: Any, **k: Any) -> bool:
        return True

    def is_pkce_required(self, client_id: str, request: Any) -> bool:
        return self.store.clients[client_id].client_type == "public"

    def validate_scopes(self, client_id: str, scopes: list[str], client: Any, request: Any,
                        *a: Any, **k: Any) -> bool:
        return set(scopes) <= set(self.store.clients[client_id].default_scopes)

    def get_default_scopes(self, client_id: str, request: Any, *a: Any, **k: Any) -> list:
        return self.store.clients[client_id].default_scopes

    def save_authorization_code(self, client_id: str, code: dict, request: Any,
                                *a: Any, **k: Any) -> None:
        code = dict(code, code_challenge=request.code_challenge,
                    code_challenge_method=request.code_challenge_method)
        self.store.grantsetter(client_id, code, request)

    def validate_grant_type(self, client_id: str, grant_type: str, client: Any, request: Any,
                            *a: Any, **k: Any) -> bool:
        if grant_type == "client_credentials":
            request.user = client.user
        return True

    def validate_code(self, client_id: str, code: str, client: Any, request: Any,
                      *a: Any, **k: Any) -> bool:
        grant = self.store.grantgetter(client_id, code)
        if grant is None or grant.expires < utcnow():
            return False
        request.user, request.scopes = grant.user, grant.scopes
        return True

    def get_code_challenge(self, code: str, request: Any) -> Any:
        grant = self.store.grants.get(code)
        return grant.code_challenge if grant else None

    def get_code_challenge_method(self, code: str, request: Any) -> Any:
        grant = self.store.grants.get(code)
        return grant.code_challenge_method if grant else None

    def confirm_redirect_uri(self, client_id: str, code: str, redirect_uri: str, client: Any,
                             request: Any, *a: Any, **k: Any) -> bool:
        grant = self.store.grantgetter(client_id, code)
        return grant is not None and grant.redirect_uri == redirect_uri

    def invalidate_authorization_code(self, client_id: str, code: str, request: Any,
                                      *a: Any, **k: Any) -> None:
        self.store.grants.pop(code, None)

    def save_bearer_token(self, token: dict, request: Any, *a: Any, **k: Any) -> None:
        self.store.tokensetter(token, request)

    def validate_bearer_token(self, token: Optional[str], scopes: Any, request: Any) -> bool:
        found = self.store.tokengetter(access_token=token) if token else None
        if found is None or found.expires < utcnow():
            return False
        request.user, request.client, request.scopes = found.user, found.client, found.scopes
        request.access_token = found
        return set(scopes or []) <= set(found.scopes)

    def validate_refresh_token(self, refresh_token: str, client: Any, request: Any,
                               *a: Any, **k: Any) -> bool:
        found = self.store.tokengetter(refresh_token=refresh_token)
        if found is None or found.client_id != client.client_id:
            return False
        request.user = found.user
        return True

    def get_original_scopes(self, refresh_token: str, request: Any, *a: Any, **k: Any) -> list:
        return self.store.tokengetter(refresh_token=refresh_token).scopes

    def revoke_token(self, token: str, token_type_hint: Any, request: Any,
                     *a: Any, **k: Any) -> None:
        found = (self.store.tokengetter(access_token=token)
                 or self.store.tokengetter(refresh_token=token))
        if found is not None and found.client_id == request.client.client_id:
            found.delete()

    def introspect_token(self, token: str, token_type_hint: Any, request: Any,
                         *a: Any, **k: Any) -> Any:
        found = self.store.tokengetter(access_token=token)
        if found is None:
            return None
        return {"scope": " ".join(found.scopes), "client_id": found.client_id}

    def validate_user(self, username: str, password: str, client: Any, request: Any,
                      *a: Any, **k: Any) -> bool:
        user = self.store.usergetter(username, password, client, request)
        request.user = user
        return user is not None


def create_app(mode: str = "callbacks", store: Optional[Store] = None,
               **oauth_config: Any) -> Flask:
    """A provider app; ``mode`` is ``callbacks`` or ``validator``. Config keys omit the prefix."""
    store = store or Store()
    app = Flask("flask_layer_test")
    app.config.update(SECRET_KEY="test-" + secrets.token_hex(8), TESTING=True)
    for key, value in oauth_config.items():
        app.config["OAUTH2_PROVIDER_" + key] = value
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> Optional[User]:
        return store.user_by_id(user_id)

    if mode == "callbacks":
        oauth = OAuth2Provider()
        store.register(oauth)
        oauth.init_app(app)
    else:
        oauth = OAuth2Provider(app, validator=StoreValidator(store))
    app.store = store  # type: ignore[attr-defined]
    app.oauth = oauth  # type: ignore[attr-defined]

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            user = store.users.get(request.form["username"])
            login_user(user)
            return redirect(request.args.get("next") or "/", code=303)
        return "login page"

    @app.route("/logout")
    def logout():
        logout_user()
        return "bye"

    @app.route("/api/me")
    @oauth.require_oauth("profile")
    def api_me():
        return jsonify(user=current_token.user.username, scopes=current_token.scopes,
                       client=current_token.client.client_id)

    @app.route("/api/both", methods=["GET", "POST"])
    @oauth.require_oauth("profile", "write")
    def api_both():
        return jsonify(ok=True)

    @app.route("/api/dynamic")
    @oauth.require_oauth(lambda req: [req.args.get("need", "profile")])
    def api_dynamic():
        return jsonify(ok=True)

    @app.route("/api/optional")
    @oauth.require_oauth("profile", optional=True)
    def api_optional():
        return jsonify(user=current_token.user.username if current_token else None)

    return app


# -- helpers to drive the flows --------------------------------------------------------------


def login(client: Any, username: str = "alice") -> None:
    client.post("/login", data={"username": username})


def authorize_url(client_id: str = "C1", redirect_uri: Optional[str] = REG,
                  scope: Optional[str] = "profile read", state: Optional[str] = "xyz",
                  response_type: str = "code", pkce: bool = True, **extra: str) -> str:
    params = {"response_type": response_type, "client_id": client_id}
    if redirect_uri is not None:
        params["redirect_uri"] = redirect_uri
    if scope is not None:
        params["scope"] = scope
    if state is not None:
        params["state"] = state
    if pkce:
        params["code_challenge"] = RFC7636_CHALLENGE
        params["code_challenge_method"] = "S256"
    params.update(extra)
    return "/oauth/authorize?" + urlencode(params)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def consent(client: Any, url: str, allow: bool = True, scopes: Optional[list[str]] = None,
            **extra: Any) -> Any:
    """GET the consent page, then POST it back (Allow or Deny)."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    data: dict[str, Any] = {"csrf_token": csrf_token(html)}
    data["scope"] = scopes if scopes is not None else re.findall(
        r'name="scope" type="checkbox" value="([^"]+)"', html)
    data["allow" if allow else "deny"] = "x"
    data.update(extra)
    return client.post(url, data=data)


def get_code(client: Any, url: Optional[str] = None) -> str:
    response = consent(client, url or authorize_url())
    assert response.status_code == 303, response.get_data(as_text=True)
    return location_values(response.headers["Location"])["code"][0]


def exchange(client: Any, code: str, client_id: str = "C1", secret: Optional[str] = "C1-secret",
             redirect_uri: Optional[str] = REG, verifier: Optional[str] = RFC7636_VERIFIER) -> Any:
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    if verifier is not None:
        data["code_verifier"] = verifier
    headers = {}
    if secret is not None:
        headers = basic_auth(client_id, secret)
    else:
        data["client_id"] = client_id
    return client.post("/oauth/token", data=data, headers=headers)


def access_token(client: Any, scope: str = "profile read", username: str = "alice") -> str:
    login(client, username)
    code = get_code(client, authorize_url(scope=scope))
    response = exchange(client, code)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"]
