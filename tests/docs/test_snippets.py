"""Every Python block of README.rst and docs/*.rst runs as written, and does what its page says.

The marking convention is in ``tests/docs/snippets.py``: each block is a whole program, a
continuation of one, or a fragment with a stated reason. Each program runs in a fresh
module inside a temporary folder (its SQLite files land there), and a driver below,
registered for the program's name, then walks the flow the page describes through the
Flask test client. A program without a driver, or a driver without a program, fails.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Callable, Optional
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.docs import docs_snippets as snippets
from tests.helpers import basic_auth, bearer, forms_of, location_params, pkce_pair

BLOCKS = snippets.all_blocks()
PROGRAMS, PROBLEMS = snippets.programs(BLOCKS)
DRIVERS: dict[str, Callable[[ModuleType, Any], None]] = {}


def drives(*names: str) -> Callable:
    def register(f: Callable[[ModuleType, Any], None]) -> Callable[[ModuleType, Any], None]:
        for name in names:
            assert name not in DRIVERS, f"two drivers for {name}"
            DRIVERS[name] = f
        return f
    return register


# -- the convention itself ------------------------------------------------------------


def test_the_pages_have_python_blocks():
    # A parser that finds nothing would make every other test here pass vacuously.
    pages = {block.page for block in BLOCKS}
    assert {"README.rst", "docs/quickstart.rst", "docs/storage.rst"} <= pages
    assert len(BLOCKS) >= 20


def test_every_block_is_run_or_marked_a_fragment():
    assert PROBLEMS == []
    run = {id(b) for program in PROGRAMS.values() for b in program.blocks}
    unmarked = [b.where for b in BLOCKS
                if id(b) not in run and not (b.marker or "").startswith("fragment:")]
    assert unmarked == []


def test_every_program_has_a_driver_and_every_driver_a_program():
    assert sorted(set(PROGRAMS) - set(DRIVERS)) == []
    assert sorted(set(DRIVERS) - set(PROGRAMS)) == []


def test_the_marker_reader_refuses_what_it_cannot_read(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text("Text::\n\n    x = 1\n\n.. code-block:: python\n\n    y = 2\n")
    blocks = snippets.read_blocks(page, "page.rst")
    assert [b.code for b in blocks] == ["x = 1\n", "y = 2\n"]
    assert "without a '.. snippet:' marker" in snippets.programs(blocks)[1][0]
    blocks[0].marker, blocks[1].marker = "fragment: short", "continue nowhere"
    problems = snippets.programs(blocks)[1]
    assert "needs a reason" in problems[0] and "before its 'complete'" in problems[1]
    blocks[0].marker, blocks[1].marker = "complete a after b", "compete a"
    problems = snippets.programs(blocks)[1]
    assert "cannot read marker" in problems[0] and "unknown 'b'" in problems[1]
    blocks[0].marker, blocks[1].marker = "fragment: shown for comparison", "complete a"
    found, problems = snippets.programs(blocks)
    assert problems == [] and [b.code for b in found["a"].blocks] == ["y = 2\n"]


# -- running a program ----------------------------------------------------------------


@pytest.fixture
def run_program(tmp_path, monkeypatch):
    """Run a documented program as a module in a private folder; yield the module."""
    modules: list[ModuleType] = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for key in ("FLASK_APP", "DATABASE_URL", "SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)

    def run(name: str) -> ModuleType:
        module = snippets.load(PROGRAMS[name], PROGRAMS, tmp_path)
        modules.append(module)
        return module

    yield run
    for module in modules:
        snippets.unload(module)


# The programs use SQLite, as written: CI's PostgreSQL and MariaDB runs would run them
# unchanged a second and third time, so they run in the SQLite run only.
@pytest.mark.skipif(bool(os.environ.get("OAUTH_TEST_DATABASE_URL")),
                    reason="the documented programs use SQLite; they run in the SQLite run")
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_documented_program(name, run_program, capsys, monkeypatch):
    if name not in DRIVERS:
        pytest.fail(f"no driver for program {name!r}")
    module = run_program(name)
    DRIVERS[name](module, SimpleNamespace(capsys=capsys, monkeypatch=monkeypatch))


# -- what the drivers share: a browser-ish walk through the code flow --------------------


def basic(client_id: str, secret: str) -> dict[str, str]:
    return basic_auth(client_id, secret)


def query_of(location: str) -> dict[str, str]:
    return location_params(location)


def log_in_with_form(http: Any, login_url: str, username: str, password: str) -> str:
    """Submit the documented login form at ``login_url``; return where it redirects."""
    page = http.get(login_url)
    assert page.status_code == 200, page.get_data(as_text=True)
    form = forms_of(page.get_data(as_text=True))[0]
    answer = http.post(login_url, data=MultiDict(
        form.data({"username": username, "password": password})))
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)
    return answer.headers["Location"]


def allow_on_consent_page(http: Any, authorize_url: str) -> dict[str, str]:
    """Press Allow on the consent page; return the query the client receives."""
    page = http.get(authorize_url)
    assert page.status_code == 200, page.get_data(as_text=True)
    form = forms_of(page.get_data(as_text=True))[0]
    assert "allow" in form.names, "the consent page has no Allow button"
    answer = http.post(form.action or authorize_url, data=MultiDict(form.data(submit="allow")))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return query_of(answer.headers["Location"])


def code_flow(http: Any, *, client_id: str, secret: Optional[str], redirect_uri: str,
              scope: str, log_in: Callable[[str], str], pkce: bool = True) -> dict:
    """The authorization code flow as a browser and a client walk it; return the token."""
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": scope, "state": "st4te"}
    verifier = None
    if pkce:
        verifier, challenge = pkce_pair()
        params.update(code_challenge=challenge, code_challenge_method="S256")
    authorize_url = "/oauth/authorize?" + urlencode(params)
    first = http.get(authorize_url)
    if first.status_code in (302, 303):  # nobody logged in: the login page, with next=
        after_login = log_in(first.headers["Location"])
        assert urlsplit(after_login).path == "/oauth/authorize"
        authorize_url = after_login
    answer = allow_on_consent_page(http, authorize_url)
    assert answer.get("state") == "st4te" and "code" in answer, answer
    form = {"grant_type": "authorization_code", "code": answer["code"],
            "redirect_uri": redirect_uri}
    if verifier:
        form["code_verifier"] = verifier
    headers = basic(client_id, secret) if secret else {}
    if not secret:
        form["client_id"] = client_id
    token = http.post("/oauth/token", data=form, headers=headers)
    assert token.status_code == 200, token.get_data(as_text=True)
    return token.get_json()


def client_credentials(http: Any, client_id: str, secret: str, scope: str) -> dict:
    token = http.post("/oauth/token", headers=basic(client_id, secret),
                      data={"grant_type": "client_credentials", "scope": scope})
    assert token.status_code == 200, token.get_data(as_text=True)
    return token.get_json()


def printed_credentials(capsys: Any) -> tuple[str, str]:
    """The ``export CLIENT_ID=... CLIENT_SECRET=...`` line the quickstart prints."""
    out = capsys.readouterr().out
    m = re.search(r"export CLIENT_ID=(\S+) CLIENT_SECRET=(\S+)", out)
    assert m, f"the quickstart printed no credentials: {out!r}"
    return m.group(1), m.group(2)


# -- README.rst and docs/quickstart.rst ---------------------------------------------------


@drives("readme", "quickstart")
def drive_quickstart(module: ModuleType, ctx: Any) -> None:
    client_id, secret = printed_credentials(ctx.capsys)
    assert Path("instance", "app.db").exists()  # where the README says the database is
    http = module.app.test_client()

    # The client credentials grant, as the README's first curl commands do it.
    token = client_credentials(http, client_id, secret, "profile")
    me = http.get("/api/me", headers=bearer(token["access_token"]))
    assert me.get_json() == {"client": "Demo client", "user": None}

    # The authorization code grant, in the browser: login page, consent, /callback.
    def log_in(login_url: str) -> str:
        return log_in_with_form(http, login_url, "alice", "alice")

    redirect_uri = "http://127.0.0.1:5000/callback"
    token = code_flow(http, client_id=client_id, secret=secret, redirect_uri=redirect_uri,
                      scope="profile", log_in=log_in, pkce=False)
    assert "refresh_token" in token
    me = http.get("/api/me", headers=bearer(token["access_token"]))
    assert me.get_json() == {"client": "Demo client", "user": "alice"}
    # /callback, standing in for the client, shows what it was sent.
    assert http.get("/callback?code=abc").get_json() == {"code": "abc", "error": None}

    # The login view sends nobody to another site, whatever ``next`` says.
    fresh = module.app.test_client()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        went = log_in_with_form(fresh, "/login?" + urlencode({"next": target}),
                                "alice", "alice")
        assert went == "/", target
    wrong = fresh.post("/login", data={"username": "alice", "password": "bob"})
    assert wrong.status_code == 200 and b"<form" in wrong.data

    # A second start finds the user and prints no new client.
    snippets.unload(module)
    again = snippets.load(PROGRAMS["readme"], PROGRAMS, Path.cwd())
    assert "CLIENT_ID" not in ctx.capsys.readouterr().out
    snippets.unload(again)


def test_quickstart_page_assembles_the_readme_file():
    # docs/quickstart.rst explains the README's app.py step by step: the same file.
    def code(name: str) -> list[str]:
        text = snippets.source(PROGRAMS[name], PROGRAMS)
        return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("# ----")]

    assert code("quickstart") == code("readme")


# -- docs/storage.rst ---------------------------------------------------------------------


def log_in_directly(http: Any, user_id: int) -> None:
    """Log a user in the way Flask-Login remembers it, for pages without a login view."""
    with http.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True


@drives("storage")
def drive_storage(module: ModuleType, ctx: Any) -> None:
    app, db = module.app, module.db
    with app.app_context():
        owner = module.User(username="owner")
        alice = module.User(username="alice")
        db.session.add_all([owner, alice])
        db.session.flush()
        client, secret = module.oauth.create_client(
            name="Owned app", redirect_uris=["https://app.example/cb"], scopes=["profile"],
            grant_types=["authorization_code", "refresh_token", "client_credentials"],
            user=owner)
        db.session.commit()
        client_id, alice_id, owner_id = client.client_id, alice.id, owner.id
    http = app.test_client()
    # The client's own tokens are not the owner's grant: not on the owner's page.
    client_credentials(http, client_id, secret, "profile")
    log_in_directly(http, owner_id)
    assert b"No application has access" in http.get("/authorized").data
    http = app.test_client()
    log_in_directly(http, alice_id)
    assert b"No application has access" in http.get("/authorized").data

    def not_expected(login_url: str) -> str:
        raise AssertionError(f"alice is logged in, yet sent to {login_url}")

    token = code_flow(http, client_id=client_id, secret=secret,
                      redirect_uri="https://app.example/cb", scope="profile",
                      log_in=not_expected)
    page = http.get("/authorized").get_data(as_text=True)
    assert "Owned app may use: profile" in page
    action = forms_of(page)[0].action
    assert action == f"/authorized/{client_id}/revoke"
    assert http.post(action).headers["Location"] == "/authorized"
    assert b"No application has access" in http.get("/authorized").data
    # Revoked: the access token no longer passes introspection.
    seen = http.post("/oauth/introspect", headers=basic(client_id, secret),
                     data={"token": token["access_token"]})
    assert seen.get_json() == {"active": False}


@drives("storage-plain")
def drive_storage_plain(module: ModuleType, ctx: Any) -> None:
    client_id, secret = re.search(r"client: (\S+) (\S+)", ctx.capsys.readouterr().out).groups()
    http = module.app.test_client()
    token = client_credentials(http, client_id, secret, "reports")
    seen = http.post("/oauth/introspect", headers=basic(client_id, secret),
                     data={"token": token["access_token"]})
    assert seen.get_json()["active"] is True
    assert seen.get_json()["scope"] == "reports"
    # The scoped session is removed after each request: nothing is left open.
    assert not module.Session.registry.has()


# -- docs/protecting.rst -----------------------------------------------------------------


def machine_client(module: ModuleType, scopes: list[str], **kwargs: Any) -> tuple[str, str]:
    """A client-credentials client registered in a documented app; ``(client_id, secret)``."""
    with module.app.app_context():
        client, secret = module.oauth.create_client(
            name="Machine", scopes=scopes, grant_types=["client_credentials"], **kwargs)
        module.db.session.commit()
        return client.client_id, secret


@drives("protecting")
def drive_protecting(module: ModuleType, ctx: Any) -> None:
    client_id, secret = printed_credentials(ctx.capsys)
    http = module.app.test_client()

    def token_for(scope: str, cid: str = client_id, key: str = secret) -> dict[str, str]:
        return bearer(client_credentials(http, cid, key, scope)["access_token"])

    # /api/profile: a user's token reads the name; the client's own token is refused.
    user_token = code_flow(
        http, client_id=client_id, secret=secret, redirect_uri="http://127.0.0.1:5000/callback",
        scope="profile", log_in=lambda url: log_in_with_form(http, url, "alice", "alice"),
        pkce=True)
    mine = bearer(user_token["access_token"])
    assert http.get("/api/profile", headers=mine).get_json() == {"username": "alice"}
    assert http.get("/api/profile", headers=token_for("profile")).status_code == 403

    # /api/contact: any one of email and address will do.
    contact_id, contact_secret = machine_client(module, ["email", "address", "profile"])
    for scope in ("email", "address", "email address"):
        answer = http.get("/api/contact", headers=token_for(scope, contact_id, contact_secret))
        assert answer.status_code == 200 and answer.get_json()["scopes"] == scope.split()
    refused = http.get("/api/contact", headers=token_for("profile", contact_id, contact_secret))
    assert refused.status_code == 403

    # /api/files/<name>: reading needs files:read, changing needs files:write.
    files_id, files_secret = machine_client(module, ["files:read", "files:write"])
    reader = token_for("files:read", files_id, files_secret)
    writer = token_for("files:write", files_id, files_secret)
    assert http.get("/api/files/a", headers=reader).get_json() == {"name": "a", "method": "GET"}
    assert http.put("/api/files/a", headers=reader).status_code == 403
    assert http.put("/api/files/a", headers=writer).get_json()["method"] == "PUT"
    assert http.get("/api/files/a", headers=writer).status_code == 403

    # /api/greeting: anonymous is fine; a bad token is not.
    assert http.get("/api/greeting").get_json() == {"hello": "stranger"}
    assert http.get("/api/greeting", headers=mine).get_json() == {"hello": "Demo client"}
    bad = http.get("/api/greeting", headers=bearer("not-a-token"))
    assert bad.status_code == 401 and 'error="invalid_token"' in bad.headers["WWW-Authenticate"]

    # /api/v2/...: the blueprint's before_request hook.
    assert http.get("/api/v2/client").status_code == 401
    assert http.get("/api/v2/client", headers=mine).get_json() == {"client": "Demo client"}


# -- docs/configuration.rst --------------------------------------------------------------


def module_in(app: Any, module: ModuleType) -> Any:
    """``module`` seen with ``app`` as its app (for :func:`machine_client`)."""
    return type("AppModule", (), {"app": app, "oauth": module.oauth, "db": module.db})


@drives("configuration")
def drive_configuration(module: ModuleType, ctx: Any) -> None:
    app = module.create_app()
    other = module.create_app({"OAUTH2_PROVIDER_ISSUER": "https://other.example.com",
                               "OAUTH2_PROVIDER_TOKEN_EXPIRES_IN": 60,
                               "SQLALCHEMY_DATABASE_URI": "sqlite:///other.db"})
    meta = app.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert meta["issuer"] == "https://auth.example.com"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    other_meta = other.test_client().get("/.well-known/oauth-authorization-server").get_json()
    assert other_meta["issuer"] == "https://other.example.com"

    # Each app issues tokens with its own lifetime.
    for each, lifetime in ((app, 900), (other, 60)):
        with each.app_context():
            module.db.create_all()
        client_id, secret = machine_client(module_in(each, module), ["profile"])
        token = client_credentials(each.test_client(), client_id, secret, "profile")
        assert token["expires_in"] == lifetime

    for wrong in ({"OAUTH2_PROVIDER_CODE_EXPIRES_IN": 6000},
                  {"OAUTH2_PROVIDER_TOKEN_EXPIRE_IN": 60}):
        with pytest.raises(ValueError, match=next(iter(wrong))):
            module.create_app(wrong)

    # MAX_REQUEST_SIZE: a body too large is a 413; a query too long, the error page.
    small = module.create_app({"OAUTH2_PROVIDER_MAX_REQUEST_SIZE": 1024,
                               "OAUTH2_PROVIDER_INSECURE_TRANSPORT": True})
    http = small.test_client()
    big = http.post("/oauth/token", data={"grant_type": "client_credentials",
                                           "scope": "x" * 2000})
    assert big.status_code == 413 and big.get_json()["error"] == "invalid_request"
    page = http.get("/oauth/authorize?" + urlencode({"client_id": "c", "state": "s" * 2000}))
    assert page.status_code == 400 and "Location" not in page.headers
    assert "invalid_request" in page.get_data(as_text=True)


# -- docs/consent.rst --------------------------------------------------------------------


@drives("consent")
def drive_consent(module: ModuleType, ctx: Any) -> None:
    client_id, secret = printed_credentials(ctx.capsys)
    app, http = module.app, module.app.test_client()
    redirect_uri = "http://127.0.0.1:5000/callback"
    with app.app_context():
        public, _ = module.oauth.create_client(name="SPA", public=True, scopes=["profile"],
                                               redirect_uris=[redirect_uri])
        module.db.session.commit()
        public_id = public.client_id

    # "What happens", 1: a wrong redirect URI is an error page, never a redirect.
    wrong = http.get("/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id,
        "redirect_uri": "https://evil.example/cb"}))
    assert wrong.status_code == 400 and "Location" not in wrong.headers
    # 2: a stranger whose request lacks PKCE is sent to log in first ...
    no_pkce = "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": public_id, "redirect_uri": redirect_uri,
        "scope": "profile", "state": "s1"})
    first = http.get(no_pkce)
    assert first.status_code == 302 and urlsplit(first.headers["Location"]).path == "/login"
    # 3: ... and gets the client's error redirect only after logging in.
    back = log_in_with_form(http, first.headers["Location"], "alice", "alice")
    answer = http.get(back)
    assert answer.status_code in (302, 303)
    assert answer.headers["Location"].startswith(redirect_uri)
    assert query_of(answer.headers["Location"])["error"] == "invalid_request"

    # Skipping the page: not for other clients; for a first-party client, no page.
    page = http.get("/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": "profile", "state": "s2"}))
    assert page.status_code == 200 and b"Allow" in page.data
    app.config["FIRST_PARTY_CLIENTS"] = [client_id]
    skipped = http.get("/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scope": "profile", "state": "s3"}))
    assert skipped.status_code in (302, 303), skipped.get_data(as_text=True)
    sent = query_of(skipped.headers["Location"])
    assert sent["state"] == "s3" and sent["code"]


# -- docs/deployment.rst -----------------------------------------------------------------


@drives("deployment")
def drive_deployment(module: ModuleType, ctx: Any) -> None:
    ctx.monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    ctx.monkeypatch.setenv("DATABASE_URL", "sqlite:///production.db")
    app = module.create_production_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///production.db"
    with app.app_context():
        module.db.create_all()
    client_id, secret = machine_client(module_in(app, module), ["profile"])
    # The app listens on plain http behind the proxy, on a host that is not loopback.
    http = app.test_client()
    form = {"grant_type": "client_credentials", "scope": "profile"}
    direct = http.post("/oauth/token", base_url="http://10.0.0.5", data=form,
                       headers=basic(client_id, secret))
    assert direct.status_code == 400 and direct.get_json()["error"] == "invalid_request"
    proxied = http.post("/oauth/token", base_url="http://10.0.0.5", data=form,
                        headers={**basic(client_id, secret), "X-Forwarded-Proto": "https",
                                 "X-Forwarded-Host": "auth.example.com"})
    assert proxied.status_code == 200, proxied.get_data(as_text=True)
    meta = http.get("/.well-known/oauth-authorization-server", base_url="http://10.0.0.5",
                    headers={"X-Forwarded-Proto": "https"}).get_json()
    assert meta["token_endpoint"] == "https://auth.example.com/oauth/token"


@drives("replay-cache")
def drive_replay_cache(module: ModuleType, ctx: Any) -> None:
    from flask_oauth_provider.replay import RedisReplayCache
    from flask_oauth_provider.sqla import DatabaseReplayCache
    from flask_oauth_provider.state import current_state
    from tests.replay.replay_support import REDIS_URL, REQUIRE_REDIS_ENV

    ctx.monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    ctx.monkeypatch.setenv("DATABASE_URL", "sqlite:///workers.db")
    namespace, expires_at = "docs-" + secrets.token_hex(8), time.time() + 60
    kinds = [DatabaseReplayCache]
    if _redis_answers(REDIS_URL) or os.environ.get(REQUIRE_REDIS_ENV) == "1":
        kinds.append(RedisReplayCache)
    for kind in kinds:
        if kind is RedisReplayCache:
            ctx.monkeypatch.setenv("REDIS_URL", REDIS_URL)
        app = module.create_worker_app()
        with app.app_context():
            module.db.create_all()
            cache = current_state().replay_cache
            assert isinstance(cache, kind)
            assert cache.first_use(namespace, "jti-1", expires_at) is True
            assert cache.first_use(namespace, "jti-1", expires_at) is False
            if kind is RedisReplayCache:
                cache.client.delete(*cache.client.keys(cache.prefix + namespace + ":*"))


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


# -- docs/security.rst -------------------------------------------------------------------


@drives("security")
def drive_security(module: ModuleType, ctx: Any) -> None:
    client_id, secret = printed_credentials(ctx.capsys)
    other_id, other_secret = machine_client(module, ["profile"])
    http = module.app.test_client()
    form = {"grant_type": "client_credentials", "scope": "profile"}
    # Successes are not counted.
    for _ in range(6):
        assert http.post("/oauth/token", data=form,
                         headers=basic(client_id, secret)).status_code == 200
    for _ in range(5):
        wrong = http.post("/oauth/token", data=form, headers=basic(client_id, "wrong"))
        assert wrong.status_code == 401
    limited = http.post("/oauth/token", data=form, headers=basic(client_id, secret))
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert limited.get_json()["error"] == "temporarily_unavailable"
    # Other clients are unaffected.
    assert http.post("/oauth/token", data=form,
                     headers=basic(other_id, other_secret)).status_code == 200


# -- docs/validator.rst ------------------------------------------------------------------


@drives("validator")
def drive_validator(module: ModuleType, ctx: Any) -> None:
    http = module.app.test_client()
    form = {"grant_type": "client_credentials"}
    # HTTP Basic and the form body both authenticate; a wrong secret does not.
    by_basic = http.post("/oauth/token", data=form, headers=basic("reports", "s3cret"))
    assert by_basic.status_code == 200, by_basic.get_data(as_text=True)
    by_post = http.post("/oauth/token", data={**form, "client_id": "reports",
                                              "client_secret": "s3cret"})
    assert by_post.status_code == 200
    assert http.post("/oauth/token", data=form,
                     headers=basic("reports", "wrong")).status_code == 401
    answer = http.get("/api/reports", headers=bearer(by_basic.get_json()["access_token"]))
    assert answer.status_code == 200 and answer.get_json()["client"] == "reports"
    assert answer.get_json()["until"].endswith("+00:00")

    # The framework-free server, and the token modifier added to it.
    assert module.status == 200 and "access_token" in json.loads(module.body)
    headers, body, status = module.server.create_token_response(
        "https://auth.example.com/token", http_method="POST",
        body="grant_type=client_credentials", headers=basic("reports", "s3cret"))
    assert status == 200 and json.loads(body)["tenant"] == "acme"


# -- docs/migrating.rst ------------------------------------------------------------------


@drives("migrating")
def drive_migrating(module: ModuleType, ctx: Any) -> None:
    app, db = module.app, module.db
    redirect_uri = "https://app.example/cb"
    with app.app_context():
        db.create_all()
        user = module.User(username="alice", email="alice@example.com")
        db.session.add_all([user, module.Client(
            client_id="ported", client_secret="s3cret", _redirect_uris=redirect_uri,
            _default_scopes="email")])
        db.session.commit()
        user_id = user.id
    http = app.test_client()
    log_in_directly(http, user_id)

    # The code flow with PKCE: the grantsetter keeps the challenge.
    token = code_flow(http, client_id="ported", secret="s3cret", redirect_uri=redirect_uri,
                      scope="email", log_in=lambda url: pytest.fail(f"sent to {url}"))
    assert token["expires_in"] == 3600
    me = http.get("/api/me", headers=bearer(token["access_token"]))
    assert me.get_json() == {"email": "alice@example.com"}

    # Refresh: a new pair, the old refresh token deleted by the provider.
    refreshed = http.post("/oauth/token", headers=basic("ported", "s3cret"), data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.get_data(as_text=True)
    again = http.post("/oauth/token", headers=basic("ported", "s3cret"), data={
        "grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"

    # Client credentials: no refresh token, no user, and expires_in still in the answer.
    machine = client_credentials(http, "ported", "s3cret", "email")
    assert "refresh_token" not in machine and machine["expires_in"] == 3600
    with app.app_context():
        stored = module.Token.query.filter_by(access_token=machine["access_token"]).one()
        assert stored.refresh_token is None
