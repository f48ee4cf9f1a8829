"""A service that accepts the provider's tokens with a ResourceServer: no database.

Run as ``python -m tests.resources.rs_service ISSUER RESOURCE CLIENT_ID SECRET
CACHE_SECONDS``; it serves on a free port of 127.0.0.1 and prints its base URL on the
first line of stdout. The tests start it as a second process beside the provider.
"""

from __future__ import annotations

import sys

from flask import Flask, jsonify
from werkzeug.serving import make_server

from flask_oauth_provider import ResourceServer, current_token


def create_app(issuer: str, resource: str, client_id: str, client_secret: str,
               cache_seconds: int) -> Flask:
    app = Flask(__name__)
    rs = ResourceServer(app, issuer=issuer, resource=resource, client_id=client_id,
                        client_secret=client_secret, scopes_supported=["orders:read"],
                        cache_seconds=cache_seconds)

    @app.get("/api/orders")
    @rs.require_oauth("orders:read")
    def orders():
        return jsonify(sub=current_token.sub, client_id=current_token.client_id,
                       scopes=current_token.scopes, aud=current_token.aud,
                       username=current_token.username)

    @app.get("/api/modules")
    def modules():
        # The claim of the test: this service runs without any database layer.
        return jsonify(sorted(name for name in ("sqlalchemy", "flask_sqlalchemy")
                              if name in sys.modules))

    return app


def main(argv: list[str]) -> None:
    issuer, resource, client_id, secret, cache_seconds = argv
    server = make_server("127.0.0.1", 0, create_app(issuer, resource, client_id, secret,
                                                    int(cache_seconds)), threaded=True)
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
