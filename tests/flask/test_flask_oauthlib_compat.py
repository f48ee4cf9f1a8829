"""A Flask-OAuthlib provider, written from its documented example (docs/oauth2.rst),
runs with only its import changed:

    - from flask_oauthlib.provider import OAuth2Provider
    + from flask_oauth_provider import OAuth2Provider

Models, callbacks, the ``authorize_handler`` consent view with its hidden-field
template, ``token_handler``, ``revoke_handler`` and ``request.oauth`` are Flask-OAuthlib's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask, jsonify, redirect, render_template_string, request, session
from flask_sqlalchemy import SQLAlchemy

from flask_oauth_provider import OAuth2Provider  # was: from flask_oauthlib.provider import ...
from tests.helpers import basic_auth, query_params

REDIRECT = "http://localhost:8000/authorized"

AUTHORIZE_TEMPLATE = """
<form action="/oauth/authorize" method="post">
  <h2>Allow access to {{ client.name }}?</h2>
  <input type="hidden" name="client_id" value="{{ client.client_id }}">
  <input type="hidden" name="scope" value="{{ scopes|join(' ') }}">
  <input type="hidden" name="response_type" value="{{ response_type }}">
  <input type="hidden" name="redirect_uri" value="{{ redirect_uri }}">
  {% if state %}<input type="hidden" name="state" value="{{ state }}">{% endif %}
  <input type="submit" name="confirm" value="yes">
  <input type="submit" name="confirm" value="no">
</form>
"""


def create_flask_oauthlib_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "secret"
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app)
    oauth = OAuth2Provider(app)

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(40), unique=True)

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
            if self.is_confidential:
                return "confidential"
            return "public"

        @property
        def redirect_uris(self):
            if self._redirect_uris:
                return self._redirect_uris.split()
            return []

        @property
        def default_redirect_uri(self):
            return self.redirect_uris[0]

        @property
        def default_scopes(self):
            if self._default_scopes:
                return self._default_scopes.split()
            return []

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

        def delete(self):
            db.session.delete(self)
            db.session.commit()
            return self

        @property
        def scopes(self):
            if self._scopes:
                return self._scopes.split()
            return []

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
            if self._scopes:
                return self._scopes.split()
            return []

    def current_user():
        if "id" in session:
            return db.session.get(User, session["id"])
        return None

    @oauth.clientgetter
    def load_client(client_id):
        return Client.query.filter_by(client_id=client_id).first()

    @oauth.grantgetter
    def load_grant(client_id, code):
        return Grant.query.filter_by(client_id=client_id, code=code).first()

    @oauth.grantsetter
    def save_grant(client_id, code, request, *args, **kwargs):
        # decide the expires time yourself
        expires = datetime.utcnow() + timedelta(seconds=100)
        grant = Grant(
            client_id=client_id,
            code=code["code"],
            redirect_uri=request.redirect_uri,
            _scopes=" ".join(request.scopes),
            user=current_user(),
            expires=expires,
        )
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
        # make sure that every client has only one token connected to a user
        for t in toks:
            db.session.delete(t)

        expires_in = token.get("expires_in")
        expires = datetime.utcnow() + timedelta(seconds=expires_in)

        tok = Token(
            access_token=token["access_token"],
            refresh_token=token["refresh_token"],
            token_type=token["token_type"],
            _scopes=token["scope"],
            expires=expires,
            client_id=request.client.client_id,
            user_id=request.user.id,
        )
        db.session.add(tok)
        db.session.commit()
        return tok

    @app.route("/", methods=("GET", "POST"))
    def home():
        if request.method == "POST":
            username = request.form.get("username")
            user = User.query.filter_by(username=username).first()
            if not user:
                user = User(username=username)
                db.session.add(user)
                db.session.commit()
            session["id"] = user.id
            return redirect("/")
        user = current_user()
        return user.username if user else "anonymous"

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    @oauth.authorize_handler
    def authorize(*args, **kwargs):
        user = current_user()
        if not user:
            return redirect("/")
        if request.method == "GET":
            client_id = kwargs.get("client_id")
            client = Client.query.filter_by(client_id=client_id).first()
            kwargs["client"] = client
            kwargs["user"] = user
            return render_template_string(AUTHORIZE_TEMPLATE, **kwargs)

        confirm = request.form.get("confirm", "no")
        return confirm == "yes"

    @app.route("/oauth/token", methods=["POST"])
    @oauth.token_handler
    def access_token():
        return None

    @app.route("/oauth/revoke", methods=["POST"])
    @oauth.revoke_handler
    def revoke_token():
        pass

    @app.route("/api/me")
    @oauth.require_oauth("email")
    def me():
        user = request.oauth.user
        return jsonify(username=user.username)

    with app.app_context():
        db.create_all()
        db.session.add(Client(client_id="dev", client_secret="dev-secret", name="dev",
                              is_confidential=True, _redirect_uris=REDIRECT,
                              _default_scopes="email"))
        db.session.commit()
    return app


@pytest.fixture
def client():
    return create_flask_oauthlib_app().test_client()


BASIC = basic_auth("dev", "dev-secret")
AUTHORIZE = ("/oauth/authorize?client_id=dev&response_type=code&scope=email&state=s1"
             "&redirect_uri=" + REDIRECT)


def code_flow(client):
    client.post("/", data={"username": "alice"})
    page = client.get(AUTHORIZE)
    assert page.status_code == 200
    assert 'name="client_id" value="dev"' in page.get_data(as_text=True)
    # The documented template posts the OAuth parameters as hidden fields.
    response = client.post("/oauth/authorize", data={
        "client_id": "dev", "scope": "email", "response_type": "code",
        "redirect_uri": REDIRECT, "state": "s1", "confirm": "yes"})
    assert response.status_code in (302, 303)
    params = query_params(response.headers["Location"])
    assert params["state"] == ["s1"]
    token = client.post("/oauth/token", headers=BASIC, data={
        "grant_type": "authorization_code", "code": params["code"][0],
        "redirect_uri": REDIRECT})
    assert token.status_code == 200, token.get_data(as_text=True)
    return token.json


def test_documented_app_runs_the_code_flow_and_protects_its_api(client):
    tokens = code_flow(client)
    response = client.get("/api/me", headers={"Authorization": "Bearer " +
                                              tokens["access_token"]})
    assert response.status_code == 200
    assert response.json == {"username": "alice"}


def test_documented_app_keeps_its_login_check_on_the_consent_view(client):
    response = client.get(AUTHORIZE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_documented_app_denial_redirects_with_access_denied(client):
    client.post("/", data={"username": "alice"})
    response = client.post(AUTHORIZE, data={"confirm": "no"})
    params = query_params(response.headers["Location"])
    assert params["error"] == ["access_denied"] and params["state"] == ["s1"]


def test_documented_app_refresh_and_revoke(client):
    tokens = code_flow(client)
    refreshed = client.post("/oauth/token", headers=BASIC, data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    access = refreshed.json["access_token"]
    assert client.post("/oauth/revoke", headers=BASIC,
                       data={"token": access}).status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Bearer " + access}
                      ).status_code == 401


def test_documented_app_refuses_a_bad_client_secret(client):
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                           headers=basic_auth("dev", "wrong"))
    assert response.status_code == 401


def test_decorators_above_authorize_handler_stay_in_force():
    # The blueprint's /oauth/authorize rule matches first; the app's own view (with its
    # login decorator) must still be the one that runs.
    import functools

    from tests.flask.flask_support import Store, authorize_url

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "x"
    oauth = OAuth2Provider(app)
    Store().register(oauth)

    def require_login(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            return "please log in", 401
        return wrapper

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    @require_login
    @oauth.authorize_handler
    def authorize(*args, **kwargs):
        return "consent page" if request.method == "GET" else True

    client = app.test_client()
    assert client.get(authorize_url()).status_code == 401
    assert client.post(authorize_url()).status_code == 401


def test_hidden_fields_posted_to_the_full_authorization_url_are_not_duplicates(client):
    client.post("/", data={"username": "alice"})
    response = client.post(AUTHORIZE, data={
        "client_id": "dev", "scope": "email", "response_type": "code",
        "redirect_uri": REDIRECT, "state": "s1", "confirm": "yes"})
    assert "code" in query_params(response.headers["Location"], keep_blank=False)


def test_authorize_delegation_holds_for_each_request_of_one_app_context():
    # The hand-over to the app's own view is per request: a second request in the same
    # app context (one flask.g) still goes through the app's decorators.
    import functools

    from tests.flask.flask_support import Store, authorize_url

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "x"
    oauth = OAuth2Provider(app)
    Store().register(oauth)

    def require_login(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            return "please log in", 401
        return wrapper

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    @require_login
    @oauth.authorize_handler
    def authorize(*args, **kwargs):
        return "consent page" if request.method == "GET" else True

    client = app.test_client()
    with app.app_context():
        assert client.get(authorize_url()).status_code == 401
        assert client.get(authorize_url()).status_code == 401
