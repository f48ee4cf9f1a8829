"""Regression tests for the adversarial review of d219f03 (issue 17), one per finding.

Each test is named after its finding and drives the public API over the Flask test
client, as the reviewer's reproduction did.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode, urlsplit

import pytest

from tests.helpers import basic_auth, error_of, forms_of, location_params
from tests.security.sec_app import (
    ALICE_PASSWORD,
    REG,
    AuthorizationCode,
    consent_data,
    consent_form,
    db,
    enable_password_users,
)
from tests.security.sec_flows import AUTHORIZE, METADATA, CodeGrant


def password_attempt(env, client, password):
    form = {"grant_type": "password", "username": "alice", "password": password}
    form.update(client.body_auth())
    return env.token(form, client.auth())


@pytest.mark.parametrize("kind", ["public code-flow client", "public password client",
                                  "confidential code-flow client"])
def test_finding_2_password_grant_is_no_password_oracle(password_env, kind):
    """Finding 2: a client that may not use the password grant learns nothing about a
    password; a right and a wrong one get the same answer (RFC 6749 §10.10)."""
    env = password_env
    if kind == "public code-flow client":
        client = env.clients.create(public=True, grant_types=["authorization_code"])
    elif kind == "public password client":
        client = env.clients.create(public=True, grant_types=["password"])
    else:
        client = env.clients.create(grant_types=["authorization_code"])
    right = password_attempt(env, client, ALICE_PASSWORD + "alice")
    wrong = password_attempt(env, client, "not-her-password")
    assert right.status_code == wrong.status_code == 400
    assert right.get_json() == wrong.get_json()
    assert error_of(right) == "unauthorized_client"


def test_finding_2_allowed_client_still_gets_invalid_grant_for_a_wrong_password(password_env):
    env = password_env
    client = env.clients.create(grant_types=["password"])
    assert error_of(password_attempt(env, client, "not-her-password")) == "invalid_grant"
    assert password_attempt(env, client, ALICE_PASSWORD + "alice").status_code == 200


# -- Also fix: an empty scope is an omitted scope (RFC 6749 §3.1, §3.3) ----------------------

GRANTS_WITH_SCOPE = ["authorization_code", "implicit", "client_credentials", "password",
                     "refresh_token"]


@pytest.fixture
def every_grant_env(password_env):
    return password_env


def scope_of_grant(env, grant, scope):
    """Run ``grant`` with ``scope`` sent as given; return the granted scope string."""
    client = env.clients.create(grant_types=["authorization_code", "implicit", "password",
                                             "client_credentials", "refresh_token"],
                                default_scopes=["read"])
    if grant in ("authorization_code", "implicit"):
        response_type = "code" if grant == "authorization_code" else "token"
        response, verifier = env.authorize(client, scope=scope, response_type=response_type,
                                           pkce=grant == "authorization_code")
        assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
        values = location_params(response.headers["Location"])
        assert "error" not in values, values
        if grant == "implicit":
            return values["scope"]
        grant_ = CodeGrant(values["code"], verifier, REG, response.headers["Location"])
        response = env.exchange(client, grant_)
    elif grant == "client_credentials":
        response = env.client_credentials(client, scope=scope)
    elif grant == "password":
        response = env.token({"grant_type": "password", "username": "alice",
                              "password": ALICE_PASSWORD + "alice", "scope": scope},
                             client.auth())
    else:
        issued = env.tokens(client, scope="read write")
        response = env.refresh(client, issued["refresh_token"], scope=scope)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["scope"]
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["scope"]


@pytest.mark.parametrize("scope", ["", " "], ids=["empty", "blank"])
@pytest.mark.parametrize("grant", GRANTS_WITH_SCOPE)
def test_also_empty_scope_is_treated_as_omitted(make_env, grant, scope):
    """RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were
    omitted"; an omitted scope gets the client's default scopes (§3.3), and for a
    refresh the originally granted ones (§6)."""
    env = make_env(GRANT_TYPES=["authorization_code", "implicit", "password",
                                "client_credentials", "refresh_token"])
    enable_password_users(env.app)
    expected = "read write" if grant == "refresh_token" else "read"
    assert sorted(scope_of_grant(env, grant, scope).split()) == sorted(expected.split())


# -- Also fix: metadata names the authorization endpoint only with a response type -----------


def test_also_metadata_without_response_types_lists_none_and_no_authorization_endpoint(
        make_env):
    """RFC 8414 §2: response_types_supported is REQUIRED; authorization_endpoint is
    REQUIRED unless no grant type uses it."""
    env = make_env(GRANT_TYPES=["client_credentials"])
    doc = env.http.get(METADATA).get_json()
    assert doc["response_types_supported"] == []
    assert "authorization_endpoint" not in doc
    assert "code_challenge_methods_supported" not in doc
    assert doc["grant_types_supported"] == ["client_credentials"]
    assert doc["token_endpoint"].endswith("/oauth/token")


def test_also_metadata_with_the_code_grant_keeps_its_authorization_endpoint(env):
    doc = env.http.get(METADATA).get_json()
    assert doc["response_types_supported"] == ["code"]
    assert doc["authorization_endpoint"].endswith("/oauth/authorize")


# -- Also fix: HEAD never grants -------------------------------------------------------------


def test_also_head_authorize_never_grants_even_with_skip_consent(env, c1):
    """RFC 9110 §9.2.1: HEAD is safe; a pre-approved client gets no code from it."""
    oauth = env.app.extensions["sec_oauth"]

    @oauth.skip_consent
    def trusted(client, user, scopes, request):
        return True

    env.login()
    query, _ = env.authorize_params(c1)
    response = env.http.head(AUTHORIZE + "?" + urlencode(query))
    assert "code=" not in response.headers.get("Location", "")
    with env.app.app_context():
        assert db.session.execute(db.select(AuthorizationCode)).first() is None
    # GET still grants: the skip is in force, HEAD alone is refused.
    response = env.authorize_get(query)
    assert "code" in location_params(response.headers["Location"])


def test_also_core_refuses_to_create_an_authorization_response_for_head():
    from flask_oauth_provider.core import RequestValidator, WebApplicationServer, errors

    server = WebApplicationServer(RequestValidator())
    with pytest.raises(errors.FatalClientError):
        server.create_authorization_response(
            "https://as.example/authorize?response_type=code&client_id=x", "HEAD",
            scopes=["read"], credentials={"user": object()})


# -- Finding 3: one introspection rule for every storage ---------------------------------------


class _Record:
    def __init__(self, **values):
        self.__dict__.update(values)


def callbacks_app():
    """A Flask-OAuthlib style app (callbacks storage) with three confidential clients: A
    and B, and R, registered as a resource server. A holds a token whose access token
    has expired and whose refresh token lives on."""
    import datetime as dt

    from flask import Flask

    from flask_oauth_provider import OAuth2Provider

    now = dt.datetime.now(dt.timezone.utc)
    clients = {cid: _Record(client_id=cid, client_secret=cid + "-secret",
                            client_type="confidential", redirect_uris=[REG],
                            default_scopes=["read"], is_resource_server=cid == "R")
               for cid in ("A", "B", "R")}
    tokens = [_Record(access_token="at-A", refresh_token="rt-A", client_id="A", user=None,
                      scopes=["read"], expires=(now - dt.timedelta(minutes=5)).replace(
                          tzinfo=None),
                      refresh_expires_at=now + dt.timedelta(days=1)),
              _Record(access_token="at-A2", refresh_token=None, client_id="A", user=None,
                      scopes=["read"], expires=now + dt.timedelta(hours=1))]
    app = Flask("callbacks_introspection")
    app.config["SECRET_KEY"] = "k"
    oauth = OAuth2Provider(app)
    oauth.clientgetter(clients.get)
    oauth.grantgetter(lambda client_id, code: None)
    oauth.grantsetter(lambda *args, **kwargs: None)
    oauth.tokensetter(lambda *args, **kwargs: None)
    oauth.tokendeleter(tokens.remove)

    @oauth.tokengetter
    def get_token(access_token=None, refresh_token=None):
        for token in tokens:
            if access_token is not None and token.access_token == access_token:
                return token
            if refresh_token is not None and token.refresh_token == refresh_token:
                return token
        return None

    return app, tokens


def introspect_as(http, caller, token):
    return http.post("/oauth/introspect", data={"token": token},
                     headers=basic_auth(caller, caller + "-secret")).get_json()


def test_finding_3_callbacks_storage_introspects_own_tokens_or_any_for_a_resource_server():
    """RFC 7662 §4: with the callbacks storage a confidential client sees only its own
    tokens; a client registered as resource server sees every token."""
    app, _ = callbacks_app()
    http = app.test_client()
    assert introspect_as(http, "B", "at-A2") == {"active": False}
    assert introspect_as(http, "A", "at-A2")["active"] is True
    assert introspect_as(http, "R", "at-A2")["client_id"] == "A"


def test_finding_3_sqla_storage_applies_the_same_rule(env, c1, c2):
    resource_server = env.clients.create(name="RS", resource_server=True)
    issued = env.tokens(c1)
    assert env.introspect(c2, issued["access_token"]).get_json() == {"active": False}
    assert env.introspect(c1, issued["access_token"]).get_json()["active"] is True
    assert env.introspect(resource_server, issued["access_token"]).get_json()["active"] is True


def test_finding_3_refresh_token_introspection_reports_its_own_expiry_callbacks():
    """A live refresh token whose access token expired is active, with the refresh
    token's expiry (RFC 7662 §2.2 "exp" of the token asked about)."""
    app, tokens = callbacks_app()
    body = introspect_as(app.test_client(), "A", "rt-A")
    assert body["active"] is True
    assert body["exp"] == int(tokens[0].refresh_expires_at.timestamp())
    assert "token_type" not in body
    assert introspect_as(app.test_client(), "A", "at-A") == {"active": False}


def test_finding_3_refresh_token_introspection_reports_its_own_expiry_sqla(env, c1):
    issued = env.tokens(c1)
    access = env.introspect(c1, issued["access_token"]).get_json()
    refresh = env.introspect(c1, issued["refresh_token"]).get_json()
    assert refresh["active"] is True
    assert refresh["exp"] > access["exp"]


# -- Finding 8: require_oauth(callable) returning None, "" or [] ------------------------------


def scope_map_env(make_env, answer):
    env = make_env()
    oauth = env.app.extensions["sec_oauth"]

    @env.app.route("/api/mapped")
    @oauth.require_oauth(lambda request: answer)
    def mapped():
        return {"ok": True}

    return env


@pytest.mark.parametrize("answer", [None, "", "  "], ids=["None", "empty", "blank"])
def test_finding_8_scopes_callable_answering_no_scope_refuses_every_token(make_env, answer):
    env = scope_map_env(make_env, answer)
    client = env.clients.create(grant_types=["client_credentials"])
    token = env.client_credentials(client).get_json()["access_token"]
    response = env.api(token, "/api/mapped")
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert env.fresh_browser().get("/api/mapped").status_code == 401


@pytest.mark.parametrize("answer", [[], ()], ids=["list", "tuple"])
def test_finding_8_an_explicit_empty_list_means_any_valid_token(make_env, answer):
    env = scope_map_env(make_env, answer)
    client = env.clients.create(grant_types=["client_credentials"])
    token = env.client_credentials(client).get_json()["access_token"]
    assert env.api(token, "/api/mapped").status_code == 200
    assert env.api("not-a-token", "/api/mapped").status_code == 401


@pytest.mark.parametrize("scope", [None, ""])
def test_finding_8_require_oauth_with_a_missing_scope_fails_at_decoration(env, scope):
    oauth = env.app.extensions["sec_oauth"]
    with pytest.raises(ValueError, match="require_oauth"):
        oauth.require_oauth(scope)


# -- Also fix: WWW-Authenticate values quoted per RFC 6750 §3 ----------------------------------


def test_also_www_authenticate_strips_quotes_and_backslashes_from_request_scopes(make_env):
    env = make_env()
    oauth = env.app.extensions["sec_oauth"]

    @env.app.route("/api/need")
    @oauth.require_oauth(lambda request: [request.args.get("need", "profile")])
    def need():
        return {"ok": True}

    client = env.clients.create(grant_types=["client_credentials"])
    token = env.client_credentials(client).get_json()["access_token"]
    evil = 'x", error="invalid_request\\'
    response = env.fresh_browser().get("/api/need?" + urlencode({"need": evil}),
                                       headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    # RFC 6750 §3: error and scope (and RFC 9728's resource_metadata), each once, each a
    # quoted-string with no quote inside.
    assert challenge.count('error="') == 1
    assert challenge.count('"') == 6
    assert "\\" not in challenge
    assert 'scope="x, error=invalid_request"' in challenge


# -- Also fix: current_token belongs to one request ---------------------------------------------


def test_also_current_token_is_reset_per_request_inside_one_app_context(env):
    from flask_oauth_provider import current_token

    oauth = env.app.extensions["sec_oauth"]

    @env.app.route("/api/maybe")
    @oauth.require_oauth(optional=True)
    def maybe():
        return {"client": current_token.client.client_id if current_token else None}

    client = env.clients.create(grant_types=["client_credentials"])
    token = env.client_credentials(client).get_json()["access_token"]
    with env.app.app_context():
        with env.app.test_request_context("/api/maybe",
                                          headers={"Authorization": f"Bearer {token}"}):
            assert env.app.full_dispatch_request().get_json()["client"] == client.client_id
        with env.app.test_request_context("/api/maybe"):
            assert env.app.full_dispatch_request().get_json()["client"] is None


# -- Findings 6 and 7: a mount point and an issuer with a path ------------------------------


def mount(app, prefix):
    """Serve ``app`` under ``prefix`` only, as DispatcherMiddleware does in production."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    app.wsgi_app = DispatcherMiddleware(NotFound(), {prefix: app.wsgi_app})


def test_finding_6_consent_form_posts_back_under_the_mount_point(env, c1):
    mount(env.app, "/auth")
    http = env.http
    assert http.post("/auth/login", data={"username": "alice",
                                          "password": ALICE_PASSWORD + "alice"}
                     ).status_code == 303
    query, verifier = env.authorize_params(c1)
    page = http.get("/auth" + AUTHORIZE + "?" + urlencode(query))
    assert page.status_code == 200
    form = consent_form(page.get_data(as_text=True))
    assert form.action.startswith("/auth" + AUTHORIZE + "?")
    answer = http.post(form.action, data=urlencode(consent_data(form)),
                       content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 303
    assert "code" in location_params(answer.headers["Location"])


ISSUER_WITH_PATH = "https://as.example/tenant1"


def advertised_paths(doc):
    keys = ("authorization_endpoint", "token_endpoint", "revocation_endpoint",
            "introspection_endpoint")
    return {key: urlsplit(doc[key]) for key in keys}


def test_finding_7_issuer_with_a_path_advertises_the_routes_where_they_are(make_env):
    """App at the host's root, issuer https://as.example/tenant1: metadata at
    /.well-known/oauth-authorization-server/tenant1 (RFC 8414 §3.1) names endpoints
    that answer, at /oauth/..., under the issuer's scheme and host."""
    env = make_env(ISSUER=ISSUER_WITH_PATH)
    doc = env.http.get(METADATA + "/tenant1").get_json()
    assert doc["issuer"] == ISSUER_WITH_PATH
    for key, url in advertised_paths(doc).items():
        assert (url.scheme, url.netloc) == ("https", "as.example"), doc[key]
        assert url.path.startswith("/oauth/"), doc[key]
        assert env.http.post(url.path).status_code != 404, doc[key]


def test_finding_7_app_mounted_under_the_issuer_path_advertises_the_mounted_routes(make_env):
    env = make_env(ISSUER=ISSUER_WITH_PATH)
    mount(env.app, "/tenant1")
    doc = env.http.get("/tenant1" + METADATA + "/tenant1").get_json()
    for key, url in advertised_paths(doc).items():
        assert url.path.startswith("/tenant1/oauth/"), doc[key]
        assert env.http.post(url.path).status_code != 404, doc[key]
    assert env.http.post("/oauth/token").status_code == 404


def test_finding_7_sibling_openid_endpoints_follow_the_mounted_routes(make_env):
    """The OpenID Provider fields (userinfo, jwks, end_session) follow the same rule as
    RFC 8414's: where the app serves them, under the issuer's scheme and host."""
    for mounted in (False, True):
        env = make_env(ISSUER=ISSUER_WITH_PATH, OPENID=True)
        root = "/tenant1" if mounted else ""
        if mounted:
            mount(env.app, root)
        doc = env.http.get(root + METADATA + "/tenant1").get_json()
        for key in ("userinfo_endpoint", "jwks_uri", "end_session_endpoint"):
            url = urlsplit(doc[key])
            assert (url.scheme, url.netloc) == ("https", "as.example"), doc[key]
            assert url.path.startswith(root + "/oauth/"), doc[key]
            assert env.http.get(url.path).status_code != 404, doc[key]


# -- Also fix: metadata built from the Host header is never cached --------------------------


def test_also_metadata_without_issuer_is_not_cacheable_and_warned_at_startup(make_env, caplog):
    with caplog.at_level("WARNING", logger="flask_oauth_provider"):
        env = make_env()
    assert any("ISSUER is not set" in record.getMessage() for record in caplog.records)
    response = env.http.get(METADATA, headers={"Host": "evil.example"})
    assert response.headers["Cache-Control"] == "no-store"
    assert "Host" in response.headers.get("Vary", "")
    assert response.get_json()["issuer"] == "http://evil.example"


def test_also_metadata_with_an_issuer_ignores_the_host_header(make_env):
    env = make_env(ISSUER="https://as.example")
    doc = env.http.get(METADATA, headers={"Host": "evil.example"}).get_json()
    assert doc["issuer"] == "https://as.example"
    assert doc["token_endpoint"] == "https://as.example/oauth/token"


# -- Finding 4: an authorize_handler routed at another URL keeps its decorators ---------------


def plain_login_required(f):
    """A login check written without functools.wraps."""
    from flask_login import current_user

    def check(*args, **kwargs):
        if not current_user.is_authenticated:
            return "log in first", 401
        return f(*args, **kwargs)

    return check


def handler_env(make_env, login_check, answer_on_get=None):
    from flask import request

    env = make_env()
    oauth = env.app.extensions["sec_oauth"]

    @env.app.route("/my/consent", methods=["GET", "POST"])
    @login_check
    @oauth.authorize_handler
    def consent(*args, **kwargs):
        if request.method != "POST":
            return "my consent page" if answer_on_get is None else answer_on_get
        return request.form.get("confirm") == "yes"

    return env


def codes_issued(env):
    with env.app.app_context():
        return len(db.session.execute(db.select(AuthorizationCode)).all())


@pytest.mark.parametrize("wrapped", ["functools.wraps", "plain closure"])
def test_finding_4_handler_routed_elsewhere_keeps_its_login_check(make_env, wrapped):
    from flask_login import login_required

    env = handler_env(make_env, login_required if wrapped == "functools.wraps"
                      else plain_login_required)
    client = env.clients.create()
    query, _ = env.authorize_params(client)
    for url in (AUTHORIZE, "/my/consent"):
        anonymous = env.fresh_browser().post(url + "?" + urlencode(query),
                                             data={"confirm": "yes"})
        assert anonymous.status_code in (302, 401), anonymous.status_code
        assert "code=" not in anonymous.headers.get("Location", "")
    assert codes_issued(env) == 0
    # The blueprint's URL still serves the app's view, with its decorators, when logged in.
    env.login()
    assert env.authorize_get(query).get_data(as_text=True) == "my consent page"
    allowed = env.http.post(AUTHORIZE + "?" + urlencode(query), data={"confirm": "yes"})
    assert "code" in location_params(allowed.headers["Location"])


# -- Also fix: a Flask-OAuthlib handler answering True (or False) on GET -----------------------


def answer_of_handler_on_get(make_env, answer):
    """Log in, open the authorization URL whose handler answers ``answer`` on GET."""
    from flask_login import login_required

    env = handler_env(make_env, login_required, answer_on_get=answer)
    env.login()
    query, _ = env.authorize_params(env.clients.create())
    return env, query, env.authorize_get(query)


def test_also_flask_oauthlib_handler_returning_true_on_get_grants(make_env):
    env, query, response = answer_of_handler_on_get(make_env, True)
    assert response.status_code == 302
    assert "code" in location_params(response.headers["Location"])
    assert env.http.head(AUTHORIZE + "?" + urlencode(query)).status_code == 400
    assert codes_issued(env) == 1


def test_also_flask_oauthlib_handler_returning_false_on_get_denies(make_env):
    _, _, response = answer_of_handler_on_get(make_env, False)
    assert response.status_code == 302
    assert location_params(response.headers["Location"])["error"] == "access_denied"


# -- Finding 1: the consent CSRF token approves one request, once, for one user ----------------


def consent_post(env, form, query, http=None):
    """Post the consent form ``form`` (Allow) to the authorization URL of ``query``."""
    http = http or env.http
    return http.post(AUTHORIZE + "?" + urlencode(query), data=urlencode(consent_data(form)),
                     content_type="application/x-www-form-urlencoded")


def assert_refused(env, response):
    """No code: the error page, or (for a request the grant refuses anyway) an error
    redirect."""
    if response.status_code in (302, 303):
        assert "error" in location_params(response.headers["Location"])
    else:
        assert response.status_code == 400, response.status_code
    assert "code=" not in response.headers.get("Location", "")


@pytest.mark.parametrize("change", ["client_id", "redirect_uri", "scope", "response_type",
                                    "code_challenge", "state"])
def test_finding_1_consent_token_of_one_request_approves_no_other(env, c1, change):
    """RFC 6749 §10.12: the token of client A's consent page, posted with a query that
    names client B, another redirect URI, more scopes (...), approves nothing."""
    other = env.clients.create(name="B", redirect_uris=[REG, "https://client.example/other"])
    env.login()
    page, _ = env.consent_page(c1, scope="profile")
    form = consent_form(page.get_data(as_text=True))
    query, _ = env.authorize_params(c1, scope="profile")
    query = dict(query)
    if change == "client_id":
        query["client_id"] = other.client_id
    elif change == "redirect_uri":
        query["redirect_uri"] = "https://client.example/other"
    elif change == "scope":
        query["scope"] = "profile read write"
    elif change == "response_type":
        query["response_type"] = "code token"
    elif change == "code_challenge":
        query["code_challenge"] = env.authorize_params(c1)[0]["code_challenge"]
    else:
        query["state"] = "attacker-state"
    assert_refused(env, consent_post(env, form, query))
    assert codes_issued(env) == 0


def test_finding_1_consent_token_is_single_use(env, c1):
    env.login()
    page, _ = env.consent_page(c1)
    first = env.post_consent(page)
    assert "code" in location_params(first.headers["Location"])
    assert_refused(env, env.post_consent(page))
    assert codes_issued(env) == 1


def test_finding_1_planted_session_token_dies_at_the_victims_login(env, c1):
    """Cookie tossing: the attacker's session cookie (with a consent token of his) is
    planted in the victim's browser; the victim logs in; the token approves nothing."""
    attacker = env.fresh_browser()
    env.login("bob", http=attacker)
    page, _ = env.consent_page(c1, http=attacker)
    form = consent_form(page.get_data(as_text=True))
    query, _ = env.authorize_params(c1)

    victim = env.fresh_browser()
    victim.set_cookie("session", attacker.get_cookie("session").value)
    env.login("alice", http=victim)
    assert_refused(env, consent_post(env, form, query, http=victim))
    assert codes_issued(env) == 0


def test_finding_1_consent_token_is_bound_to_the_user(env, c1):
    """A token minted for bob's session is refused for alice even if it were pending in
    her session (the MAC covers the user's id)."""
    from flask_oauth_provider.forms import PENDING_KEY

    bob = env.fresh_browser()
    env.login("bob", http=bob)
    page, _ = env.consent_page(c1, http=bob)
    form = consent_form(page.get_data(as_text=True))
    token = dict(form.fields)["csrf_token"]
    query, _ = env.authorize_params(c1)
    env.login("alice")
    with env.http.session_transaction() as session:
        session[PENDING_KEY] = [token.split(".")[0]]
    assert_refused(env, consent_post(env, form, query))
    assert codes_issued(env) == 0


# -- Finding 5: the example app's demo exchange cannot be sent elsewhere by the Host header ----


def example_form(page_html, action_part):
    """The form of an example page whose action contains ``action_part``, and its fields."""
    for form in forms_of(page_html):
        if action_part in form.action:
            return form, dict(form.fields)
    raise AssertionError(f"no form posting to {action_part!r}:\n{page_html[:1500]}")


def example_demo_until_exchange(tmp_path, **config):
    """Log in as the demo user, run the demo client to its callback page; return the app,
    the browser and the fields of the exchange form."""
    from example_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ex.sqlite'}",
                      "SECRET_KEY": "example-test", **config},
                     instance_path=str(tmp_path / "instance"))
    http = app.test_client()
    _, fields = example_form(http.get("/").get_data(as_text=True), "/demo/start")
    to_authorize = http.post("/demo/start", data=fields)
    assert to_authorize.status_code == 302
    to_login = http.get(to_authorize.headers["Location"])
    login_page = http.get(to_login.headers["Location"])
    _, fields = example_form(login_page.get_data(as_text=True), "/login")
    fields.update(username="demo", password="demo")  # noqa: S106 - the demo user
    logged_in = http.post(to_login.headers["Location"], data=fields)
    page = http.get(logged_in.headers["Location"])
    assert page.status_code == 200
    form = consent_form(page.get_data(as_text=True))
    callback = http.post(form.action, data=urlencode(consent_data(form)),
                         content_type="application/x-www-form-urlencoded")
    assert callback.status_code == 303, callback.get_data(as_text=True)[:500]
    callback_page = http.get(callback.headers["Location"])
    _, fields = example_form(callback_page.get_data(as_text=True), "/demo/exchange")
    return app, http, fields


def test_finding_5_example_demo_exchange_never_leaves_the_process(tmp_path, monkeypatch):
    """With any Host header, the demo client's code and PKCE verifier are sent to no
    host: the exchange is made in-process."""
    import socket
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the demo exchange opened a connection")

    app, http, fields = example_demo_until_exchange(tmp_path, TRUSTED_HOSTS=None)
    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    http.set_cookie("session", http.get_cookie("session").value, domain="attacker.example")
    result = http.post("/demo/exchange", data=fields, base_url="http://attacker.example")
    assert result.status_code == 200
    # The spoofed host reached the provider in-process only, where plain http off
    # loopback is refused: no token, and nothing went to attacker.example.
    text = html.unescape(result.get_data(as_text=True))
    assert "The token endpoint answered 400" in text
    assert "access_token" not in text


def test_finding_5_example_demo_exchange_works_in_process(tmp_path):
    _, http, fields = example_demo_until_exchange(tmp_path)
    result = html.unescape(http.post("/demo/exchange", data=fields).get_data(as_text=True))
    assert "The token endpoint answered 200" in result
    assert '"username": "demo"' in result


def test_finding_5_example_app_answers_only_trusted_hosts(tmp_path):
    from example_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ex.sqlite'}",
                      "SECRET_KEY": "example-test"}, instance_path=str(tmp_path / "i"))
    http = app.test_client()
    assert http.get("/", headers={"Host": "attacker.example"}).status_code == 400
    assert http.get("/").status_code == 200


def test_finding_1_example_app_starts_a_fresh_session_at_login(tmp_path):
    """The example's login clears the session before login_user (a planted session
    carries nothing into the user's)."""
    from example_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'ex.sqlite'}",
                      "SECRET_KEY": "example-test"}, instance_path=str(tmp_path / "i"))
    http = app.test_client()
    with http.session_transaction() as session:
        session["planted"] = "by an attacker"
    _, fields = example_form(http.get("/login").get_data(as_text=True), "/login")
    fields.update(username="demo", password="demo")  # noqa: S106 - the demo user
    assert http.post("/login", data=fields).status_code == 302
    with http.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


# -- Also fix: the rate-limit recipe counts what the endpoints accept, within the size limit ----


@pytest.fixture
def limited(env):
    flask_limiter = pytest.importorskip("flask_limiter")
    from tests.security.test_sec_rate_limit import limit_failed_client_auth

    limiter = flask_limiter.Limiter(flask_limiter.util.get_remote_address, app=env.app,
                                    storage_uri="memory://", headers_enabled=True)
    limit_failed_client_auth(env.app, limiter, "5 per minute")
    return env


def test_also_rate_limit_recipe_counts_a_two_space_basic_header_against_its_client(limited, c1):
    """RFC 6749 §2.3.1 / RFC 7617: the library accepts "Basic  <credentials>"; the
    recipe's key (presented_client_id) reads it the same way, so failures made that way
    count against the client, not against the caller's IP address."""
    wrong = basic_auth(c1.client_id, "wrong-secret")
    two_spaces = {"Authorization": wrong["Authorization"].replace("Basic ", "Basic  ")}
    statuses = [limited.token({"grant_type": "client_credentials"}, two_spaces).status_code
                for _ in range(5)]
    assert statuses == [401] * 5
    # The client's sixth attempt, even with its right secret and one space, waits.
    right = limited.token({"grant_type": "client_credentials"}, c1.auth())
    assert right.status_code == 429


def test_also_body_size_limit_holds_before_the_recipe_parses_the_form(limited, c1):
    big = urlencode({"grant_type": "client_credentials", "pad": "x" * (70 * 1024)})
    response = limited.token(big, c1.auth())
    assert response.status_code == 413
    assert error_of(response) == "invalid_request"
    assert response.headers["Content-Type"].startswith("application/json")


def test_also_body_size_limit_holds_for_a_form_body_read_by_an_app_hook(env, c1):
    """Any code reading request.form before the view (a before_request hook of the app)
    meets the same 413."""
    from flask import request

    @env.app.before_request
    def peek():
        request.form.get("client_id")

    big = urlencode({"grant_type": "client_credentials", "pad": "x" * (70 * 1024)})
    assert env.token(big, c1.auth()).status_code == 413


def test_finding_3_sibling_callbacks_refresh_grant_honours_the_refresh_expiry():
    """The refresh grant and introspection agree: a refresh token past its own
    refresh_expires_at is refused by both (RFC 6749 §6: "validate the refresh token")."""
    import datetime as dt

    app, tokens = callbacks_app()
    tokens[0].refresh_expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    http = app.test_client()
    assert introspect_as(http, "A", "rt-A") == {"active": False}
    response = http.post("/oauth/token", data={"grant_type": "refresh_token",
                                                "refresh_token": "rt-A"},
                         headers=basic_auth("A", "A-secret"))
    assert response.status_code == 400
    assert error_of(response) == "invalid_grant"
