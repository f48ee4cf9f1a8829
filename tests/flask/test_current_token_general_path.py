"""``current_token`` with the Flask-OAuthlib callbacks and with a custom validator.

These storages take the core's general path (only the bundled SQLAlchemy store has
the one-SELECT short path); ``user``, ``client``, ``client_id`` and ``sub`` must say the
same things either way.
"""

from __future__ import annotations

from flask import jsonify, request

from flask_oauth_provider import current_token
from tests.flask.flask_support import access_token
from tests.helpers import basic_auth, bearer


def _add_inspect_view(app):
    @app.route("/api/token-info")
    @app.oauth.require_oauth("profile")
    def token_info():
        user = current_token.user
        return jsonify(user=user.username if user is not None else None,
                       client=current_token.client.client_id,
                       client_id=current_token.client_id, sub=current_token.sub,
                       scopes=current_token.scopes,
                       oauth_client=request.oauth.client.client_id,
                       token_row_client=current_token.token.client_id)


def test_code_flow_token_names_its_user_and_client(app, client):
    _add_inspect_view(app)
    token = access_token(client, scope="profile read")
    response = client.get("/api/token-info", headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {"user": "alice", "client": "C1", "client_id": "C1", "sub": "1",
                             "scopes": ["profile", "read"], "oauth_client": "C1",
                             "token_row_client": "C1"}


def test_client_credentials_token_names_its_client(app, client):
    _add_inspect_view(app)
    issued = client.post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                         data={"grant_type": "client_credentials", "scope": "profile"})
    assert issued.status_code == 200, issued.get_data(as_text=True)
    token = issued.json["access_token"]
    response = client.get("/api/token-info", headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {"user": None, "client": "C2", "client_id": "C2", "sub": None,
                             "scopes": ["profile"], "oauth_client": "C2",
                             "token_row_client": "C2"}
