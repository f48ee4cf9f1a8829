"""The provider of Flask-OAuthlib's documentation (its "OAuth2 Server" page), ported.

The models, callbacks and views follow that page: ``Client``/``Grant``/``Token``
SQLAlchemy models, the getters and setters, an ``authorize_handler`` view behind a
login check, ``token_handler``, ``revoke_handler`` and an API route behind
``require_oauth('email')``; plus the ``invalid_response`` handler its own test server
registers (``jsonify(message=req.error_message), 401``). What a port changes is marked
``# port:``: the import, and the two PKCE columns of the grant.

``make_app(config, storage=...)`` builds it with callbacks written by hand
(``storage="callbacks"``, the documented way) or through the binding helpers
(``"bind_sqlalchemy"``, ``"bind_cache_grant"``). Counters on ``app.counts`` tell
how often the app's own login check and consent view ran.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Flask, jsonify, redirect, render_template_string, request, session
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider  # port: was flask_oauthlib.provider

REDIRECT_URI = "http://localhost:8000/authorized"
CONFIDENTIAL = ("confidential", "confidential-secret")
PUBLIC = ("public", "public-secret")
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

CONSENT_TEMPLATE = """
<form method="post">
  <p>{{ client.name }} asks for {{ scopes|join(', ') }}.</p>
  <button name="confirm" value="yes">Allow</button>
  <button name="confirm" value="no">Deny</button>
</form>
"""


def basic(client: tuple) -> dict:
    raw = f"{client[0]}:{client[1]}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def bearer(access_token: str) -> dict:
    return {"Authorization": "Bearer " + access_token}


def authorize_url(client_id: str = CONFIDENTIAL[0], **extra: str) -> str:
    params = {"client_id": client_id, "response_type": "code", "scope": "email",
              "state": "s1", "redirect_uri": REDIRECT_URI, **extra}
    return "/oauth/authorize?" + urlencode(params)


def define_models(db: SQLAlchemy) -> dict:
    """The documented models (user: a username and a password check)."""

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(40), unique=True)
        password_digest = db.Column(db.String(64))

        def check_password(self, password):
            digest = hashlib.sha256(password.encode()).hexdigest()
            return digest == self.password_digest

    class Client(db.Model):
        name = db.Column(db.String(40))
        user_id = db.Column(db.ForeignKey("user.id"))
        user = db.relationship("User")
        client_id = db.Column(db.String(40), primary_key=True)
        client_secret = db.Column(db.String(55), unique=True, index=True, nullable=False)
        is_confidential = db.Column(db.Boolean)
        _redirect_uris = db.Column(db.Text)
        _default_scopes = db.Column(db.Text)

        @property
        def client_type(self):
            return "confidential" if self.is_confidential else "public"

        @property
        def redirect_uris(self):
            return self._redirect_uris.split() if self._redirect_uris else []

        @property
        def default_redirect_uri(self):
            return self.redirect_uris[0]

        @property
        def default_scopes(self):
            return self._default_scopes.split() if self._default_scopes else []

    class Grant(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"))
        user = db.relationship("User")
        client_id = db.Column(db.String(40), db.ForeignKey("client.client_id"), nullable=False)
        client = db.relationship("Client")
        code = db.Column(db.String(255), index=True, nullable=False)
        redirect_uri = db.Column(db.String(255))
        expires = db.Column(db.DateTime)
        _scopes = db.Column(db.Text)
        code_challenge = db.Column(db.String(128))  # port: PKCE (RFC 7636)
        code_challenge_method = db.Column(db.String(10))  # port: PKCE (RFC 7636)

        def delete(self):
            db.session.delete(self)
            db.session.commit()
            return self

        @property
        def scopes(self):
            return self._scopes.split() if self._scopes else []

    class Token(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        client_id = db.Column(db.String(40), db.ForeignKey("client.client_id"), nullable=False)
        client = db.relationship("Client")
        user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
        user = db.relationship("User")
        token_type = db.Column(db.String(40))
        access_token = db.Column(db.String(255), unique=True)
        refresh_token = db.Column(db.String(255), unique=True)
        expires = db.Column(db.DateTime)
        _scopes = db.Column(db.Text)

        def delete(self):
            db.session.delete(self)
            db.session.commit()
            return self

        @property
        def scopes(self):
            return self._scopes.split() if self._scopes else []

    return {"User": User, "Client": Client, "Grant": Grant, "Token": Token}


def register_documented_callbacks(oauth, db, models, current_user) -> None:
    """The getters and setters exactly as the documentation writes them."""
    Client, Grant, Token = models["Client"], models["Grant"], models["Token"]

    @oauth.clientgetter
    def load_client(client_id):
        return Client.query.filter_by(client_id=client_id).first()

    @oauth.grantgetter
    def load_grant(client_id, code):
        return Grant.query.filter_by(client_id=client_id, code=code).first()

    @oauth.grantsetter
    def save_grant(client_id, code, request, *args, **kwargs):
        expires = datetime.utcnow() + timedelta(seconds=100)
        grant = Grant(client_id=client_id, code=code["code"],
                      redirect_uri=request.redirect_uri, _scopes=" ".join(request.scopes),
                      user=current_user(), expires=expires,
                      code_challenge=code.get("code_challenge"),  # port: PKCE
                      code_challenge_method=code.get("code_challenge_method"))  # port
        db.session.add(grant)
        db.session.commit()
        return grant

    @oauth.tokengetter
    def load_token(access_token=None, refresh_token=None):
        if access_token:
            return Token.query.filter_by(access_token=access_token).first()
        elif refresh_token:
            return Token.query.filter_by(refresh_token=refresh_token).first()

    @oauth.tokensetter
    def save_token(token, request, *args, **kwargs):
        toks = Token.query.filter_by(client_id=request.client.client_id,
                                     user_id=request.user.id)
        for t in toks:
            db.session.delete(t)
        expires = datetime.utcnow() + timedelta(seconds=token.get("expires_in"))
        tok = Token(access_token=token["access_token"],
                    refresh_token=token.get("refresh_token"),
                    token_type=token["token_type"], _scopes=token["scope"],
                    expires=expires, client_id=request.client.client_id,
                    user_id=request.user.id)
        db.session.add(tok)
        db.session.commit()
        return tok

    @oauth.usergetter
    def get_user(username, password, *args, **kwargs):
        user = models["User"].query.filter_by(username=username).first()
        if user is not None and user.check_password(password):
            return user
        return None


def make_app(config: dict | None = None, storage: str = "callbacks",
             invalid_response: bool = True) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="documented-app", SQLALCHEMY_DATABASE_URI="sqlite://")
    app.config.update(config or {})
    db = SQLAlchemy(app)
    oauth = OAuth2Provider(app)
    models = define_models(db)
    app.counts = Counter()
    app.db, app.oauth, app.models = db, oauth, models

    def current_user():
        if "user_id" in session:
            return db.session.get(models["User"], session["user_id"])
        return None

    if storage == "callbacks":
        register_documented_callbacks(oauth, db, models, current_user)
    else:
        from flask_oauth_provider.bindings import bind_cache_grant, bind_sqlalchemy

        bind_sqlalchemy(oauth, db.session, user=models["User"], client=models["Client"],
                        token=models["Token"], grant=models["Grant"],
                        current_user=current_user)
        if storage == "bind_cache_grant":
            bind_cache_grant(app, oauth, current_user)

    def require_login(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            app.counts["login_check"] += 1
            if current_user() is None:
                return redirect("/login?" + urlencode({"next": request.full_path}))
            return f(*args, **kwargs)
        return wrapper

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            user = models["User"].query.filter_by(username=request.form["username"]).first()
            session["user_id"] = user.id
            return redirect(request.args.get("next") or "/")
        return "login page"

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    @require_login
    @oauth.authorize_handler
    def authorize(*args, **kwargs):
        app.counts["consent_view"] += 1
        if request.method == "GET":
            client = models["Client"].query.filter_by(client_id=kwargs.get("client_id")).first()
            kwargs["client"] = client
            return render_template_string(CONSENT_TEMPLATE, **kwargs)
        return request.form.get("confirm", "no") == "yes"

    @app.route("/oauth/token", methods=["POST"])
    @oauth.token_handler
    def access_token():
        return None

    @app.route("/oauth/revoke", methods=["POST"])
    @oauth.revoke_handler
    def revoke_token():
        pass

    @app.route("/api/me", methods=["GET", "POST"])
    @oauth.require_oauth("email")
    def me():
        return jsonify(username=request.oauth.user.username)

    @app.route("/api/whoami")
    @oauth.require_oauth("email")
    def whoami():
        user = request.oauth.user
        return jsonify(username=user.username if user is not None else None,
                       client_id=request.oauth.client.client_id)

    @app.route("/public")
    def public():
        from flask_oauth_provider import current_token

        return jsonify(has_token=bool(current_token), has_oauth=hasattr(request, "oauth"))

    if invalid_response:
        @oauth.invalid_response
        def refused(req):
            return jsonify(message=req.error_message, error=req.error), 401

    with app.app_context():
        db.create_all()
        alice = models["User"](username="alice",
                               password_digest=hashlib.sha256(b"wonderland").hexdigest())
        db.session.add(alice)
        db.session.add(models["Client"](
            client_id=CONFIDENTIAL[0], client_secret=CONFIDENTIAL[1], name="Confidential",
            is_confidential=True, _redirect_uris=REDIRECT_URI, _default_scopes="email",
            user=alice))
        # Flask-OAuthlib's sample client is public unless is_confidential is set, and
        # still has a client_secret column.
        db.session.add(models["Client"](
            client_id=PUBLIC[0], client_secret=PUBLIC[1], name="Public",
            _redirect_uris=REDIRECT_URI, _default_scopes="email"))
        db.session.commit()
    return app


def log_in(client, username: str = "alice") -> None:
    response = client.post("/login", data={"username": username})
    assert response.status_code == 302


def code_for(client, client_id: str = CONFIDENTIAL[0], **extra: str) -> str:
    """Log in, consent, and return the code the redirect carries."""
    log_in(client)
    response = client.post(authorize_url(client_id, **extra), data={"confirm": "yes"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    params = parse_qs(urlsplit(response.headers["Location"]).query)
    assert "code" in params, response.headers["Location"]
    return params["code"][0]


def exchange(client, code: str, auth: dict | None = None, **extra: str):
    data = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": REDIRECT_URI, **extra}
    headers = basic(CONFIDENTIAL) if auth is None else auth
    return client.post("/oauth/token", data=data, headers=headers)


def tokens_for(client) -> dict:
    response = exchange(client, code_for(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json
