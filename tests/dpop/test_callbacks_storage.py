"""DPoP with the Flask-OAuthlib callbacks (no bundled models): the tokensetter keeps the
thumbprint ``bound_jkt(request)`` gives, and a token object with ``dpop_jkt`` is bound at
the protected views and in introspection (RFC 9449 §6.2, §7)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask_oauth_provider.core.dpop import bound_jkt
from tests.dpop.dpop_support import ProofKey
from tests.flask.flask_support import Store, create_app
from tests.helpers import FORM, basic_auth


class BindingStore(Store):
    def tokensetter(self, token, request, *args, **kwargs):
        super().tokensetter(token, request, *args, **kwargs)
        self.tokens[-1].dpop_jkt = bound_jkt(request)


def test_callbacks_store_binds_and_enforces():
    app = create_app(store=BindingStore())

    @app.get("/api/client")
    @app.oauth.require_oauth("profile")
    def client_view():
        return "ok"

    http = app.test_client()
    key = ProofKey()
    answer = http.post("/oauth/token", data=urlencode({"grant_type": "client_credentials",
                                                       "scope": "profile"}),
                       headers={**FORM, **basic_auth("C2", "C2-secret"),
                                "DPoP": key.proof("POST", "http://localhost/oauth/token")})
    assert answer.status_code == 200, answer.json
    assert answer.json["token_type"] == "DPoP"
    token = answer.json["access_token"]
    assert app.store.tokens[-1].dpop_jkt == key.jkt

    introspected = http.post("/oauth/introspect", data=urlencode({"token": token}),
                             headers={**FORM, **basic_auth("C2", "C2-secret")}).json
    assert introspected["cnf"] == {"jkt": key.jkt}
    assert introspected["token_type"] == "DPoP"

    assert http.get("/api/client", headers={"Authorization": f"Bearer {token}"}
                    ).status_code == 401
    ok = http.get("/api/client", headers={
        "Authorization": f"DPoP {token}",
        "DPoP": key.proof("GET", "http://localhost/api/client", access_token=token)})
    assert ok.status_code == 200, ok.json
