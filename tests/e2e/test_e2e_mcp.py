"""The official MCP Python SDK against this provider, over real HTTP on 127.0.0.1.

An MCP server (the SDK's ``MCPServer``, streamable HTTP, under uvicorn) checks bearer
tokens by introspecting them at this provider with resource-server credentials; this
provider runs on another port. The SDK's ``OAuthClientProvider`` starts from the MCP
server's 401: protected-resource metadata, this provider's metadata, dynamic registration
(RFC 7591), authorization code + PKCE through the login and consent pages (driven over
HTTP here, as a browser would), the token request, a tool call, and a refresh.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Optional
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

mcp = pytest.importorskip("mcp")

import anyio  # noqa: E402 - after the importorskip
import httpx2  # noqa: E402
import requests  # noqa: E402
import uvicorn  # noqa: E402
from flask import redirect, request  # noqa: E402
from flask_login import LoginManager, login_user  # noqa: E402
from mcp import ClientSession  # noqa: E402
from mcp.client.auth import OAuthClientProvider, TokenStorage  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.server.auth.provider import AccessToken  # noqa: E402
from mcp.server.auth.settings import AuthSettings  # noqa: E402
from mcp.server.mcpserver import MCPServer  # noqa: E402
from mcp.shared.auth import (  # noqa: E402
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from tests.helpers import LiveServer, find_form, pkce_pair  # noqa: E402
from tests.helpers.sqla_models import User  # noqa: E402
from tests.registration.conftest import make_app  # noqa: E402

CALLBACK = "http://127.0.0.1:38017/callback"  # never called: the test reads the redirect
OTHER_RESOURCE = "https://other-mcp.example/mcp"  # another MCP server of this provider


def provider_app(test_database: Any, resources: list[str]) -> Any:
    """This provider with open registration, a login page and the bundled consent page;
    it issues tokens for ``resources`` (RFC 8707)."""
    app = make_app(test_database, DYNAMIC_REGISTRATION="open",
                   REGISTRATION_SCOPES=("profile", "offline_access"), ISSUER=None,
                   RESOURCES=resources)
    login = LoginManager(app)
    login.login_view = "login"
    db = app.extensions["test_db"]

    @login.user_loader
    def load(user_id: str):
        return db.session.get(User, int(user_id))

    @app.route("/login", methods=["GET", "POST"], endpoint="login")
    def login_page():
        if request.method == "POST":
            row = db.session.scalar(db.select(User).filter_by(username=request.form["username"]))
            login_user(row)
            return redirect(request.args.get("next", "/"))
        return '<form method="post"><input name="username"><button>Log in</button></form>'

    with app.app_context():
        db.session.add(User(username="mcp-user"))
        db.session.commit()
    return app


class IntrospectionVerifier:
    """The MCP server's token check: RFC 7662 introspection with its own credentials."""

    def __init__(self, introspection_url: str, client_id: str, client_secret: str) -> None:
        self.url = introspection_url
        self.auth = (client_id, client_secret)
        self.answers: list[dict] = []
        self.resource: Optional[str] = None  # the MCP server's own URL, set when known

    async def verify_token(self, token: str) -> AccessToken | None:
        async with httpx2.AsyncClient(timeout=30) as http:
            answer = await http.post(self.url, data={"token": token}, auth=self.auth)
        claims = answer.json() if answer.status_code == 200 else {}
        self.answers.append(claims)
        if not claims.get("active"):
            return None
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        return AccessToken(token=token, client_id=claims["client_id"],
                           scopes=claims.get("scope", "").split(), expires_at=claims.get("exp"),
                           resource=self.resource if self.resource in audiences else None,
                           subject=claims.get("sub"), claims={"iss": claims.get("iss")})


class Memory(TokenStorage):
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Browser:
    """Follows the authorization URL through login and consent, as a person would."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.result: AuthorizationCodeResult | None = None
        self.authorization_urls: list[str] = []

    def authorize(self, url: str) -> None:
        self.authorization_urls.append(url)
        answer = self.session.get(url, allow_redirects=False, timeout=30)
        if answer.status_code == 302 and "/login" in answer.headers["Location"]:
            login_url = urljoin(url, answer.headers["Location"])
            answer = self.session.post(login_url, data={"username": "mcp-user"},
                                       allow_redirects=False, timeout=30)
            answer = self.session.get(urljoin(url, answer.headers["Location"]),
                                      allow_redirects=False, timeout=30)
        assert answer.status_code == 200, answer.text
        form = find_form(answer.text, "allow")
        done = self.session.post(urljoin(url, form.action or url),
                                 data=form.data(None, "allow"), allow_redirects=False,
                                 timeout=30)
        assert done.status_code == 303, done.text
        params = dict(parse_qsl(urlsplit(done.headers["Location"]).query))
        self.result = AuthorizationCodeResult(code=params["code"], state=params.get("state"),
                                              iss=params.get("iss"))


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class MCPServerThread:
    """The SDK's MCP server under uvicorn on 127.0.0.1, in a thread."""

    def __init__(self, sock: socket.socket, issuer: str, verifier: IntrospectionVerifier) -> None:
        self.sock = sock
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        verifier.resource = self.url + "/mcp"
        # validate_token_resource: only tokens whose audience (RFC 8707) is this server.
        server = MCPServer("flask-oauth-provider test", token_verifier=verifier, auth=AuthSettings(
            issuer_url=issuer, resource_server_url=self.url + "/mcp",
            required_scopes=["profile"], validate_token_resource=True))

        @server.tool()
        def whoami() -> str:
            """Say hello to the caller."""
            return "hello from the MCP server"

        config = uvicorn.Config(server.streamable_http_app(), log_level="warning",
                                lifespan="on")
        self.uvicorn = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.uvicorn.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> MCPServerThread:
        self.thread.start()
        for _ in range(200):
            if self.uvicorn.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("the MCP server did not start")

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def own_database(tmp_path):
    """A database of this test's own: the shared one of the e2e folder holds only the
    example app's tables (its migration test compares them)."""
    from tests.helpers.database import env_database_url, make_test_database
    from tests.helpers.sqla_models import Base

    database = make_test_database(env_database_url(), str(tmp_path / "mcp.sqlite"))
    engine = database.create_engine()
    Base.metadata.create_all(engine)
    try:
        yield database
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
        database.close()


@pytest.fixture
def stack(own_database):
    mcp_socket = free_socket()
    mcp_url = f"http://127.0.0.1:{mcp_socket.getsockname()[1]}/mcp"
    app = provider_app(own_database, [mcp_url, OTHER_RESOURCE])
    provider = LiveServer(app).start()
    with app.app_context():
        resource_server, secret = app.extensions["test_oauth"].create_client(
            name="MCP server", grant_types=["client_credentials"], resource_server=True)
        resource_server_id = resource_server.client_id
    verifier = IntrospectionVerifier(provider.url + "/oauth/introspect", resource_server_id,
                                     secret)
    mcp_server = MCPServerThread(mcp_socket, provider.url, verifier).start()
    try:
        yield {"app": app, "provider": provider, "mcp": mcp_server, "verifier": verifier}
    finally:
        mcp_server.stop()
        provider.stop()
        with app.app_context():
            app.extensions["test_db"].session.remove()
            app.extensions["test_db"].engine.dispose()


def oauth_client(stack: dict, storage: Memory, browser: Browser) -> OAuthClientProvider:
    async def redirect_handler(url: str) -> None:
        await anyio.to_thread.run_sync(browser.authorize, url)

    async def callback_handler() -> AuthorizationCodeResult:
        assert browser.result is not None
        return browser.result

    metadata = OAuthClientMetadata(client_name="SDK agent", redirect_uris=[CALLBACK],
                                   grant_types=["authorization_code", "refresh_token"],
                                   response_types=["code"])
    return OAuthClientProvider(stack["mcp"].url + "/mcp", metadata, storage,
                               redirect_handler=redirect_handler,
                               callback_handler=callback_handler)


async def call_whoami(auth: OAuthClientProvider, url: str) -> str:
    async with httpx2.AsyncClient(auth=auth, timeout=30) as http, \
            streamable_http_client(url, http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("whoami", {})
        assert not result.is_error, result
        return result.content[0].text


def test_mcp_sdk_registers_authorizes_calls_a_tool_and_refreshes(stack):
    storage, browser = Memory(), Browser()
    auth = oauth_client(stack, storage, browser)
    url = stack["mcp"].url + "/mcp"

    assert anyio.run(call_whoami, auth, url) == "hello from the MCP server"

    # Registration (RFC 7591) gave a client the SDK can use, with the method it must use.
    info = storage.client_info
    assert info is not None and info.client_id
    assert info.token_endpoint_auth_method == "client_secret_basic"
    with stack["app"].app_context():
        row = stack["app"].extensions["oauth2_provider"].store.load_client(info.client_id)
        assert row.registration_origin == "open" and row.redirect_uris == [CALLBACK]
    # Authorization code + PKCE S256 through our login and consent pages.
    (authorization_url,) = browser.authorization_urls
    query = dict(parse_qsl(urlsplit(authorization_url).query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    # The SDK asks for every scope in scopes_supported, and with offline_access for
    # prompt=consent, which the consent page takes.
    assert query["scope"].split() == ["profile", "offline_access"]
    assert query["prompt"] == "consent"
    assert query["resource"] == url  # RFC 8707 on the authorization request
    assert browser.result.iss == stack["provider"].url
    # The MCP server saw an active token of that client.
    assert stack["verifier"].answers[-1]["active"] is True
    assert stack["verifier"].answers[-1]["client_id"] == info.client_id
    assert url in _audiences(stack["verifier"].answers[-1])  # token bound to this server
    first = storage.tokens
    assert first.refresh_token and set(first.scope.split()) == {"profile", "offline_access"}

    # The access token is past its time: the SDK refreshes before the next call.
    auth.context.token_expiry_time = 1.0
    assert anyio.run(call_whoami, auth, url) == "hello from the MCP server"
    assert storage.tokens.access_token != first.access_token
    assert storage.tokens.refresh_token != first.refresh_token  # rotated
    assert len(browser.authorization_urls) == 1  # no second login
    assert url in _audiences(stack["verifier"].answers[-1])  # resource kept on refresh

    # A token of the same client and user, issued for another MCP server, is refused.
    other = token_for_other_resource(stack, info)
    answer = httpx2.post(url, headers={"Authorization": f"Bearer {other}",
                                       "Accept": "application/json, text/event-stream"},
                         json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, timeout=30)
    assert answer.status_code == 401
    assert OTHER_RESOURCE in _audiences(stack["verifier"].answers[-1])


def _audiences(claims: dict) -> list:
    audience = claims.get("aud")
    return [audience] if isinstance(audience, str) else list(audience or [])


def token_for_other_resource(stack: dict, info: OAuthClientInformationFull) -> str:
    """Code + PKCE with resource=OTHER_RESOURCE for the registered client, at our token
    endpoint over HTTP."""
    app = stack["app"]
    with app.app_context():
        db = app.extensions["test_db"]
        user = db.session.scalar(db.select(User).filter_by(username="mcp-user"))
        verifier, challenge = pkce_pair()
        headers, _, status = app.extensions["oauth2_provider"].server.create_authorization_response(
            f"{stack['provider'].url}/oauth/authorize?response_type=code"
            f"&client_id={info.client_id}&redirect_uri={CALLBACK}&scope=profile&state=s"
            f"&code_challenge={challenge}&code_challenge_method=S256"
            f"&resource={OTHER_RESOURCE}", scopes=["profile"], credentials={"user": user})
        assert status == 302, headers
        code = dict(parse_qsl(urlsplit(headers["Location"]).query))["code"]
    answer = requests.post(stack["provider"].url + "/oauth/token", timeout=30,
                           auth=(info.client_id, info.client_secret), data={
                               "grant_type": "authorization_code", "code": code,
                               "code_verifier": verifier, "redirect_uri": CALLBACK,
                               "resource": OTHER_RESOURCE})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]

