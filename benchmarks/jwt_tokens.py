"""JWT access tokens (RFC 9068): what a protected GET and a token cost with them.

``python -m benchmarks.jwt_tokens [--reps N] [--calls N]`` measures, on SQLite, side by
side in alternating chunks (``harness.interleaved``):

- the floor's protected GET (one indexed SELECT by token digest);
- our provider's protected GET with an opaque token and with a JWT (signature check
  plus the same one SELECT);
- a ``ResourceServer`` GET with a JWT: no database, no network (its issuer metadata and
  JWKS are fetched before the clock starts, as a running service has them);
- the token endpoint (client_credentials) issuing opaque tokens and JWTs signed with
  RS256, ES256 and EdDSA.

It prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
from typing import Any

from flask import Flask, jsonify

from .db import sqlite_target
from .floor import Floor
from .harness import API_PATH, SCOPE, Sample, basic_auth, environ, interleaved

RESOURCE = "https://bench.example"


def _jwt_client(ours: Any, fmt: str) -> tuple[str, str]:
    from .ours import db

    with ours.app.app_context():
        oauth = ours.app.extensions["bench_oauth"]
        client, secret = oauth.create_client(name=f"bench-{fmt}", grant_types=[
            "client_credentials"], scopes=[SCOPE])
        client.access_token_format = fmt
        db.session.commit()
        return client.client_id, secret


def _tokens(app: Flask, client_id: str, secret: str, n: int) -> list[str]:
    http = app.test_client()
    out = []
    for _ in range(n):
        answer = http.post("/oauth/token", headers={"Authorization": basic_auth(client_id, secret)},
                           data={"grant_type": "client_credentials", "scope": SCOPE},
                           base_url="https://bench.example")
        out.append(answer.json["access_token"])
    return out


def _resource_server(ours_app: Flask) -> Flask:
    from flask_oauth_provider import ResourceServer, current_token

    app = Flask("rs")
    rs = ResourceServer(app, issuer=RESOURCE, resource=RESOURCE)
    state = ours_app.extensions["oauth2_provider"]
    with ours_app.app_context():
        rs.issuer._metadata = {"issuer": RESOURCE}  # what discovery would have found
        rs.issuer._keys = state.keyring().verification_keys()

    @app.get(API_PATH)
    @rs.require_oauth(SCOPE)
    def me() -> Any:
        return jsonify(client_id=current_token.client_id, scope=" ".join(current_token.scopes))

    return app


def _issuing_apps(target: Any) -> dict[str, tuple[Flask, str, str]]:
    """One provider app per signing algorithm, on the same tables, with a JWT client."""
    from flask_oauth_provider.core import jose

    from .ours import Ours

    apps = {}
    for alg in jose.ALGORITHMS:
        bench = Ours(target, create=False, signing_keys={"keys": [jose.generate_key(alg)]})
        apps[alg] = (bench.app, *_jwt_client(bench, "jwt"))
    return apps


def _token_envs(client_id: str, secret: str, n: int) -> list[dict]:
    headers = {"Authorization": basic_auth(client_id, secret)}
    return [environ("POST", "/oauth/token", headers,
                    {"grant_type": "client_credentials", "scope": SCOPE}) for _ in range(n)]


def run(reps: int, calls: int) -> list[tuple[str, Sample]]:
    from flask_oauth_provider.core import jose

    from .ours import Ours

    target = sqlite_target("jwt")
    try:
        floor = Floor(target)
        ours = Ours(target, signing_keys={"keys": [jose.generate_key("RS256")]})
        jwt_id, jwt_secret = _jwt_client(ours, "jwt")
        opaque = ours.new_access_tokens(calls)
        floor_tokens = floor.new_access_tokens(calls)
        jwts = _tokens(ours.app, jwt_id, jwt_secret, calls)
        rs_app = _resource_server(ours.app)
        gets = [
            ("floor: protected GET (opaque)", floor.app,
             lambda: floor.protected_envs(floor_tokens)),
            ("provider: protected GET, opaque", ours.app, lambda: ours.protected_envs(opaque)),
            ("provider: protected GET, JWT", ours.app, lambda: ours.protected_envs(jwts)),
            ("ResourceServer: protected GET, JWT", rs_app, lambda: ours.protected_envs(jwts)),
        ]
        issuing = [("token endpoint: opaque", ours.app, lambda: ours.token_envs(calls))]
        for alg, (app, client_id, secret) in _issuing_apps(target).items():
            issuing.append((f"token endpoint: JWT {alg}", app,
                            lambda c=client_id, s=secret: _token_envs(c, s, calls)))
        samples = {label: Sample() for label, _, _ in gets + issuing}
        for _ in range(reps):
            for group in (gets, issuing):
                fresh = [(app, make(), label) for label, app, make in group]
                for (label, _, _), result in zip(group, interleaved(fresh)):
                    samples[label].add(result)
        return list(samples.items())
    finally:
        target.drop()


def table(rows: list[tuple[str, Sample]]) -> str:
    floor = statistics.median(rows[0][1].values)
    lines = ["| call | µs (median) | × floor GET |", "|---|---|---|"]
    for label, sample in rows:
        lines.append(f"| {label} | {sample.median * 1e6:,.0f} | {sample.median / floor:.2f}× |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(table(run(args.reps, args.calls)))


if __name__ == "__main__":
    main()
