"""The flows of the security suite: one provider app plus every OAuth step, spoken through
the Flask test client (``SecEnv``), and the endpoint paths.

Lives outside ``conftest.py`` so that test modules can import it by a name no other test
folder uses (every folder has its own ``conftest``).
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from tests.helpers import location_params, pkce_pair
from tests.security import sec_app
from tests.security.sec_app import (
    ALICE_PASSWORD,
    REG,
    ClientInfo,
    Clients,
    consent_data,
    consent_form,
)

PREFIX = "/oauth"
AUTHORIZE = PREFIX + "/authorize"
TOKEN = PREFIX + "/token"
REVOKE = PREFIX + "/revoke"
INTROSPECT = PREFIX + "/introspect"
METADATA = "/.well-known/oauth-authorization-server"


class CodeGrant:
    def __init__(self, code: str, verifier: Optional[str], redirect_uri: Optional[str],
                 location: str):
        self.code = code
        self.verifier = verifier
        self.redirect_uri = redirect_uri
        self.location = location


class SecEnv:
    """One provider app plus the steps of every flow, spoken through the Flask test client."""

    def __init__(self, app: Any, target: Any):
        self.app = app
        self.target = target
        self.http = app.test_client()
        self.clients = Clients(app)

    # -- resource owner ------------------------------------------------------------------
    def login(self, username: str = "alice", http: Any = None) -> None:
        http = http or self.http
        response = http.post("/login", data={"username": username,
                                             "password": ALICE_PASSWORD + username})
        assert response.status_code == 303, response.get_data(as_text=True)

    def fresh_browser(self) -> Any:
        """A second user agent with its own cookie jar."""
        return self.app.test_client()

    # -- authorization endpoint ------------------------------------------------------------
    def authorize_params(self, client: ClientInfo, *, pkce: bool = True,
                         verifier: Optional[str] = None,
                         **params: Any) -> tuple[dict, Optional[str]]:
        query: dict[str, Any] = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": REG,
            "scope": "profile read",
            "state": "st-123",
        }
        if pkce:
            verifier, challenge = pkce_pair(verifier)
            query.update(code_challenge=challenge, code_challenge_method="S256")
        query.update(params)
        return {k: v for k, v in query.items() if v is not None}, verifier

    def authorize_get(self, query: Any, http: Any = None, headers: Any = None) -> Any:
        http = http or self.http
        qs = query if isinstance(query, str) else urlencode(query, doseq=True)
        return http.get(AUTHORIZE + "?" + qs, headers=headers)

    def consent_page(self, client: ClientInfo, http: Any = None, **params: Any) -> tuple[Any, Any]:
        query, verifier = self.authorize_params(client, **params)
        response = self.authorize_get(query, http=http)
        assert response.status_code == 200, (response.status_code, response.headers.get(
            "Location"), response.get_data(as_text=True)[:1000])
        return response, verifier

    def post_consent(self, page: Any, approve: bool = True, http: Any = None,
                     overrides: Any = None, drop: tuple[str, ...] = (),
                     uncheck: tuple[str, ...] = (), query: Optional[str] = None) -> Any:
        """Submit the consent form of ``page`` the way a browser would."""
        http = http or self.http
        form = consent_form(page.get_data(as_text=True))
        action = form.action or (page.request.full_path if query is None else None)
        if query is not None:
            action = AUTHORIZE + "?" + query
        elif action.startswith("?"):
            action = AUTHORIZE + action
        data = consent_data(form, approve=approve, overrides=overrides, drop=drop,
                            uncheck=uncheck)
        return http.post(action, data=urlencode(data),
                         content_type="application/x-www-form-urlencoded")

    def authorize(self, client: ClientInfo, approve: bool = True, user: str = "alice",
                  **params: Any) -> tuple[Any, Optional[str]]:
        """Log ``user`` in, open the consent page, press Allow (or Deny)."""
        self.login(user)
        page, verifier = self.consent_page(client, **params)
        return self.post_consent(page, approve=approve), verifier

    def get_code(self, client: ClientInfo, **params: Any) -> CodeGrant:
        response, verifier = self.authorize(client, **params)
        assert response.status_code in (302, 303), (
            response.status_code, response.get_data(as_text=True)[:500])
        location = response.headers["Location"]
        values = location_params(location)
        assert "code" in values, location
        redirect_uri = params.get("redirect_uri", REG)
        return CodeGrant(values["code"], verifier, redirect_uri, location)

    # -- token endpoint ---------------------------------------------------------------------
    def post(self, path: str, data: Any, headers: Any = None, http: Any = None) -> Any:
        http = http or self.http
        body = data if isinstance(data, (str, bytes)) else urlencode(data, doseq=True)
        return http.post(path, data=body, headers=headers or {},
                         content_type="application/x-www-form-urlencoded")

    def token(self, data: Any, headers: Any = None) -> Any:
        return self.post(TOKEN, data, headers)

    def exchange(self, client: ClientInfo, grant: CodeGrant, *, verifier: Any = "same",
                 redirect_uri: Any = "same", headers: Any = None, **extra: Any) -> Any:
        data: dict[str, Any] = {"grant_type": "authorization_code", "code": grant.code}
        data["redirect_uri"] = grant.redirect_uri if redirect_uri == "same" else redirect_uri
        data["code_verifier"] = grant.verifier if verifier == "same" else verifier
        data.update(client.body_auth())
        data.update(extra)
        data = {k: v for k, v in data.items() if v is not None}
        return self.token(data, client.auth() if headers is None else headers)

    def tokens(self, client: ClientInfo, **params: Any) -> dict[str, Any]:
        """A full code flow; returns the token response JSON."""
        grant = self.get_code(client, **params)
        response = self.exchange(client, grant)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def refresh(self, client: ClientInfo, refresh_token: str, headers: Any = None,
                **extra: Any) -> Any:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        data.update(client.body_auth())
        data.update(extra)
        return self.token(data, client.auth() if headers is None else headers)

    def client_credentials(self, client: ClientInfo, **extra: Any) -> Any:
        data = {"grant_type": "client_credentials"}
        data.update(extra)
        return self.token(data, client.auth())

    # -- revocation / introspection / resources ------------------------------------------------
    def revoke(self, caller: ClientInfo, token: str, hint: Optional[str] = None) -> Any:
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        data.update(caller.body_auth())
        return self.post(REVOKE, data, caller.auth())

    def introspect(self, caller: ClientInfo, token: str, hint: Optional[str] = None) -> Any:
        data = {"token": token}
        if hint:
            data["token_type_hint"] = hint
        data.update(caller.body_auth())
        return self.post(INTROSPECT, data, caller.auth())

    def api(self, token: str, path: str = "/api/me") -> Any:
        return self.fresh_browser().get(path, headers={"Authorization": f"Bearer {token}"})

    # -- white-box helpers (used only to move time: the suite has no clock to inject) --------
    def expire(self, model: Any, **columns: Any) -> int:
        """Set ``columns`` on every row of ``model`` (a callable gets the old value); row count."""
        with self.app.app_context():
            rows = sec_app.db.session.execute(sec_app.db.select(model)).scalars().all()
            for row in rows:
                for key, value in columns.items():
                    setattr(row, key, value(getattr(row, key)) if callable(value) else value)
            sec_app.db.session.commit()
            return len(rows)
