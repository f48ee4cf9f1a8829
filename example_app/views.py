"""The example's pages and its protected API."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.parse
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from flask_oauth_provider import OAuth2Provider, current_token
from flask_oauth_provider.openid_views import REAUTH_SESSION_KEY

from .forms import ActionForm, ClientForm, LoginForm, choice
from .models import Client, User, db

bp = Blueprint("example", __name__)
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
oauth = OAuth2Provider()


@oauth.claimsgetter
def user_claims(user: Any, scopes: list[str]) -> dict[str, Any]:
    """OpenID Connect standard claims of a user (the provider keeps what scopes allow)."""
    return {"preferred_username": user.username, "name": user.username,
            "email": user.email, "email_verified": False}
login_manager = LoginManager()
login_manager.login_view = "example.login"
login_manager.login_message = "Log in to continue."


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@bp.after_app_request
def security_headers(response: Response) -> Response:
    # The example's own pages may not be framed (clickjacking), load nothing from other
    # sites and run no script; a URL that carries an authorization code is never sent on
    # as a Referer. (The consent page sets its own, which win.)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@bp.app_context_processor
def template_globals() -> dict[str, Any]:
    return {"action_form": ActionForm}


def _is_safe_next(target: str) -> bool:
    # Only a path on this site: anything else would make the login page an open redirector.
    # Browsers drop tabs and newlines and read "\\" as "/", so "/\t/evil" or "/\\evil"
    # would become "//evil", another host: refuse them all.
    if not target or not target.startswith("/") or "\\" in target:
        return False
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urllib.parse.urlsplit(target)
    return not target.startswith("//") and not parts.scheme and not parts.netloc


def _store() -> Any:
    """The provider's :class:`~flask_oauth_provider.sqla.SQLAlchemyStore` for this app."""
    return oauth.validator


# --- pages --------------------------------------------------------------------------------

@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm(request.form if request.method == "POST" else None,
                     next=request.args.get("next", ""))
    if request.method == "POST" and form.validate():
        user = db.session.scalar(db.select(User).filter_by(username=form.username.data))
        if user is None:
            # Same work as for a real user, so response times don't tell who has an account.
            check_password_hash(_DUMMY_HASH, form.password.data)
        elif user.check_password(form.password.data):
            # A fresh session at login: nothing planted in the old one (a fixed session,
            # a consent token tossed in from a sibling domain) survives into the user's.
            # Carried over: the demo client's own flow in progress (the client half of
            # this app, checked by its state) and the provider's note that this login
            # answers an OpenID Connect prompt=login / max_age (else it asks again).
            target = form.next.data
            carried = {key: session[key] for key in ("demo", REAUTH_SESSION_KEY)
                       if key in session}
            session.clear()
            session.update(carried)
            login_user(user)
            return redirect(target if _is_safe_next(target) else url_for("example.index"))
        form.password.errors.append("Unknown user name or wrong password.")
    status = 400 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    form = ActionForm(request.form)
    if not form.validate():
        abort(400)
    logout_user()
    flash("You are logged out.")
    return redirect(url_for("example.index"))


@bp.get("/clients")
@login_required
def clients() -> ResponseReturnValue:
    mine = db.session.scalars(
        db.select(Client).filter_by(user_id=current_user.id).order_by(Client.id)
    ).all()
    return render_template("clients.html", clients=mine)


@bp.route("/clients/new", methods=["GET", "POST"])
@login_required
def new_client() -> ResponseReturnValue:
    form = ClientForm(request.form if request.method == "POST" else None)
    form.scopes.choices = [choice(scope, f"{scope}: {text}")
                           for scope, text in current_app.config["EXAMPLE_SCOPES"].items()]
    if request.method == "POST" and form.validate():
        public = form.client_type.data == "public"
        try:
            client, secret = oauth.create_client(
                name=form.name.data,
                redirect_uris=form.redirect_uri_list(),
                grant_types=form.grant_types.data,
                scopes=form.scopes.data,
                public=public,
                user=current_user._get_current_object(),
            )
        except ValueError as exc:
            form.redirect_uris.errors = [str(exc)]
        else:
            db.session.commit()
            response = current_app.make_response(
                render_template("client_created.html", client=client, secret=secret)
            )
            # The only page that ever shows the secret: no cache may keep a copy.
            response.headers["Cache-Control"] = "no-store"
            return response
    status = 400 if request.method == "POST" else 200
    return render_template("client_new.html", form=form), status


@bp.get("/authorized")
@login_required
def authorized() -> ResponseReturnValue:
    apps = _store().authorized_applications(current_user._get_current_object())
    return render_template("authorized.html", apps=apps)


@bp.post("/authorized/<client_id>/revoke")
@login_required
def revoke(client_id: str) -> ResponseReturnValue:
    form = ActionForm(request.form)
    if not form.validate():
        abort(400)
    client = db.session.scalar(db.select(Client).filter_by(client_id=client_id))
    if client is None:
        abort(404)
    _store().revoke_user_tokens(current_user._get_current_object(), client.client_id)
    flash(f"Access of “{client.name}” revoked.")
    return redirect(url_for("example.authorized"))


# --- Applications: what the operator sees ------------------------------------------------

#: How each client came to be, in the words of the Applications page.
ORIGIN_LABELS = {"manual": "by hand", "token": "with an initial access token",
                 "open": "openly (dynamic registration)",
                 "document": "from its metadata document"}


def _require_admin() -> None:
    if current_user.username not in current_app.config["EXAMPLE_ADMINS"]:
        abort(403)


@bp.get("/admin/applications")
@login_required
def applications() -> ResponseReturnValue:
    """Every client with where it came from; dynamically registered ones first."""
    _require_admin()
    rows = sorted(_store().list_clients(),
                  key=lambda c: (c.registration_origin == "manual", c.created_at))
    return render_template("applications.html", clients=rows, origins=ORIGIN_LABELS)


@bp.post("/admin/applications/<path:client_id>/delete")
@login_required
def delete_application(client_id: str) -> ResponseReturnValue:
    _require_admin()
    form = ActionForm(request.form)
    if not form.validate():
        abort(400)
    client = _store().load_client(client_id)
    if client is None:
        abort(404)
    name = client.name
    _store().delete_client(client_id)
    flash(f"“{name}” and all its tokens deleted.")
    return redirect(url_for("example.applications"))


# --- the protected API ---------------------------------------------------------------------

@bp.get("/api/me")
@oauth.require_oauth("profile")
def api_me() -> ResponseReturnValue:
    user = current_token.user
    scopes = list(current_token.scopes)
    body: dict[str, Any] = {"client_id": current_token.client.client_id, "scopes": scopes}
    if user is None:  # a client-credentials token of a client that no user registered
        body["user"] = None
    else:
        body["user"] = {"id": user.id, "username": user.username}
        if "email" in scopes:
            body["user"]["email"] = user.email
    return jsonify(body)


# --- the demo client: this app acting as its own OAuth client -------------------------------

def _demo_client() -> Client:
    from .setup import DEMO_CLIENT_NAME

    client = db.session.scalar(db.select(Client).filter_by(name=DEMO_CLIENT_NAME))
    if client is None:
        abort(404, "There is no demo client in this database.")
    return client


def _endpoint(name: str) -> str:
    """The path of one of the provider's endpoints in this app (no host: see ``_call``)."""
    prefix = current_app.config.get("OAUTH2_PROVIDER_URL_PREFIX", "/oauth")
    return prefix + "/" + name


@bp.post("/demo/start")
def demo_start() -> ResponseReturnValue:
    """Begin the authorization code flow with PKCE (RFC 7636 §4.1-4.3) as the demo client."""
    form = ActionForm(request.form)
    if not form.validate():
        abort(400)
    client = _demo_client()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state = secrets.token_urlsafe(16)
    redirect_uri = url_for("example.demo_callback", _external=True)
    session["demo"] = {"state": state, "verifier": verifier, "redirect_uri": redirect_uri}
    query = urllib.parse.urlencode({
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid profile email",
        "state": state,
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    })
    return redirect(url_for("oauth2_provider.authorize") + "?" + query)


@bp.get("/demo/callback")
def demo_callback() -> ResponseReturnValue:
    """Where the provider sends the browser back: shows what arrived."""
    demo = session.get("demo") or {}
    state = request.args.get("state")
    ours = bool(demo) and state is not None and secrets.compare_digest(state, demo["state"])
    return render_template("demo_callback.html", args=request.args, ours=ours)


def _call(path: str, form: dict[str, str] | None = None,
          bearer: str | None = None) -> tuple[int, dict[str, Any]]:
    """One request to this same app, as a separate client would make it, but in-process.

    Nothing of the browser's request (its Host header above all) decides where the code
    and the PKCE verifier go: a URL built from ``request.host_url`` would let anyone make
    this server POST them to a host of their choosing and show the answer (SSRF).
    """
    headers = {"Accept": "application/json"}
    if bearer is not None:
        headers["Authorization"] = "Bearer " + bearer
    # In-process, the host only names the app to itself (and TRUSTED_HOSTS vets it).
    response = current_app.test_client().open(
        path, method="GET" if form is None else "POST", data=form, headers=headers,
        base_url=request.host_url)
    return response.status_code, response.get_json(silent=True) or {}


def _masked(token: dict[str, Any]) -> dict[str, Any]:
    shown = dict(token)
    for key in ("access_token", "refresh_token", "id_token"):
        if isinstance(shown.get(key), str):
            shown[key] = shown[key][:6] + "..."
    return shown


@bp.post("/demo/exchange")
def demo_exchange() -> ResponseReturnValue:
    """Exchange the code for tokens (RFC 6749 §4.1.3), then call ``/api/me`` with the token."""
    form = ActionForm(request.form)
    demo = session.pop("demo", None)
    if not form.validate() or not demo:
        abort(400)
    code = request.form.get("code", "")
    status, token = _call(_endpoint("token"), {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": demo["redirect_uri"],
        "client_id": _demo_client().client_id,
        "code_verifier": demo["verifier"],
    })
    me_status, me = None, None
    if status == 200 and "access_token" in token:
        me_status, me = _call(url_for("example.api_me"), bearer=token["access_token"])
    id_token, userinfo = _openid_results(token)
    return render_template(
        "demo_result.html", status=status, token=json.dumps(_masked(token), indent=2),
        me_status=me_status, me=json.dumps(me, indent=2) if me is not None else None,
        id_token=id_token, userinfo=userinfo,
    )


def _openid_results(token: dict[str, Any]) -> tuple[str | None, str | None]:
    """The ID token's claims, verified with the provider's JWKS, and the UserInfo answer."""
    if "id_token" not in token:
        return None, None
    from flask_oauth_provider.core import jose

    _, keys = _call(_endpoint("jwks"))
    try:
        claims: Any = jose.verify(token["id_token"], keys.get("keys", []))[1]
    except jose.JoseError as exc:
        claims = {"error": f"the ID token does not verify: {exc}"}
    info_status, info = _call(_endpoint("userinfo"), bearer=token["access_token"])
    return json.dumps(claims, indent=2), json.dumps({"status": info_status, **info}, indent=2)
