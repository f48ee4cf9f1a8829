"""Helpers that drive the store through the core Server, as the Flask layer would."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Optional
from urllib.parse import urlencode

from sqlalchemy import event

from tests.helpers import FORM, basic_auth, pkce_pair, query_params

AS = "https://as.example"
REDIRECT = "https://client.example/cb"
REDIRECT2 = "https://client.example/other"


class Flow:
    """One OAuth client talking to the core Server over the store."""

    def __init__(self, server: Any, client: Any, secret: Optional[str]) -> None:
        self.server = server
        self.client = client
        self.client_id = client.client_id  # read once: commits expire the instance
        self.secret = secret

    def _auth(self, params: dict) -> dict:
        if self.secret is None:
            params["client_id"] = self.client_id
            return dict(FORM)
        return {**FORM, **basic_auth(self.client_id, self.secret)}

    def authorize(self, user: Any, scopes: tuple = ("profile",), *,
                  redirect_uri: Optional[str] = REDIRECT,
                  verifier: Optional[str] = None) -> tuple[str, str]:
        verifier, challenge = pkce_pair(verifier)
        params = {"response_type": "code", "client_id": self.client_id, "state": "s",
                  "scope": " ".join(scopes), "code_challenge": challenge,
                  "code_challenge_method": "S256"}
        if redirect_uri is not None:
            params["redirect_uri"] = redirect_uri
        headers, _, status = self.server.create_authorization_response(
            f"{AS}/authorize?{urlencode(params)}", scopes=list(scopes),
            credentials={"user": user})
        assert status == 302, headers
        query = query_params(headers["Location"], keep_blank=False)
        assert "code" in query, headers["Location"]
        return query["code"][0], verifier

    def token(self, **params: Any) -> tuple[int, dict]:
        params = {k: v for k, v in params.items() if v is not None}
        headers = self._auth(params)
        _, body, status = self.server.create_token_response(
            f"{AS}/token", "POST", urlencode(params), headers)
        return status, json.loads(body)

    def exchange(self, code: str, verifier: str, redirect_uri: Optional[str] = REDIRECT
                 ) -> tuple[int, dict]:
        return self.token(grant_type="authorization_code", code=code, code_verifier=verifier,
                          redirect_uri=redirect_uri)

    def refresh(self, refresh_token: str, scope: Optional[str] = None) -> tuple[int, dict]:
        return self.token(grant_type="refresh_token", refresh_token=refresh_token, scope=scope)

    def login(self, user: Any, scopes: tuple = ("profile",)) -> dict:
        """The whole code flow; returns the token response."""
        code, verifier = self.authorize(user, scopes)
        status, body = self.exchange(code, verifier)
        assert status == 200, body
        return body

    def introspect(self, token: str, hint: Optional[str] = None) -> dict:
        params = {"token": token}
        if hint:
            params["token_type_hint"] = hint
        headers = self._auth(params)
        _, body, status = self.server.create_introspect_response(
            f"{AS}/introspect", "POST", urlencode(params), headers)
        assert status == 200, body
        return json.loads(body)

    def revoke(self, token: str, hint: Optional[str] = None) -> int:
        params = {"token": token}
        if hint:
            params["token_type_hint"] = hint
        headers = self._auth(params)
        _, _, status = self.server.create_revocation_response(
            f"{AS}/revoke", "POST", urlencode(params), headers)
        return status


def call_api(server: Any, access_token: str, scopes: tuple = ("profile",)) -> tuple[bool, Any]:
    return server.verify_request(f"{AS}/api", headers={"Authorization": f"Bearer {access_token}"},
                                 scopes=list(scopes))


class StatementCounter:
    """Counts the SQL statements an engine sends (``before_cursor_execute``)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    @contextlib.contextmanager
    def count(self):
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        try:
            yield self
        finally:
            event.remove(self.engine, "before_cursor_execute", self._record)

    def __len__(self) -> int:
        return len(self.statements)
