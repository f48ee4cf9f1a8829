"""DPoP (RFC 9449): what a DPoP-protected GET and a DPoP token request cost (ours only:
no peer has DPoP).

``python -m benchmarks.dpop [--reps N] [--calls N]`` measures, on SQLite, side by side in
alternating chunks (``harness.interleaved``):

- the floor's protected GET (one indexed SELECT by token digest);
- our provider's protected GET with a bearer token (the one-SELECT short path);
- our provider's DPoP-protected GET: ``Authorization: DPoP`` with a token bound to an
  ES256 key and a fresh proof per call (signature, claims, ``ath``, thumbprint) on the
  same one SELECT, and the ``jti`` remembered in the replay cache (one INSERT);
- the token endpoint (client_credentials) without and with a DPoP proof.

Proofs are made before the clock starts (a client's cost, not the server's), each used
once. It prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import secrets
import time
from typing import Any

from .db import sqlite_target
from .floor import Floor
from .harness import API_PATH, BASE_URL, TOKEN_PATH, Sample, environ, interleaved


class ProofMaker:
    """A client's ES256 DPoP key: one fresh proof per call (RFC 9449 §4.2)."""

    def __init__(self) -> None:
        from flask_oauth_provider.core import jose

        self._jose = jose
        self.private = jose.generate_key("ES256")
        self.public = {k: self.private[k] for k in ("kty", "crv", "x", "y")}
        self.jkt = jose.thumbprint(self.public)

    def proof(self, htm: str, htu: str, access_token: Any = None) -> str:
        from flask_oauth_provider.core.dpop import access_token_hash

        claims = {"jti": secrets.token_urlsafe(12), "htm": htm, "htu": htu,
                  "iat": int(time.time())}
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        return self._jose.sign(claims, self.private, typ="dpop+jwt",
                               headers={"jwk": self.public})


def _bound_tokens(ours: Any, jkt: str, n: int) -> list[str]:
    import sqlalchemy as sa

    from .ours import db

    values = [secrets.token_urlsafe(32) for _ in range(n)]
    with ours.app.app_context():
        rows = [dict(ours.bulk_row(v), token_type="DPoP", dpop_jkt=jkt) for v in values]
        db.session.execute(sa.insert(ours.table), rows)
        db.session.commit()
    return values


def _dpop_gets(key: ProofMaker, tokens: list[str]) -> list[dict]:
    url = BASE_URL + API_PATH
    return [environ("GET", API_PATH, {"Authorization": f"DPoP {t}",
                                      "DPoP": key.proof("GET", url, t)}) for t in tokens]


def _dpop_token_envs(ours: Any, key: ProofMaker, n: int) -> list[dict]:
    envs = ours.token_envs(n)
    url = BASE_URL + TOKEN_PATH
    for env in envs:
        env["HTTP_DPOP"] = key.proof("POST", url)
    return envs


def run(reps: int, calls: int) -> list[tuple[str, Sample]]:
    from .ours import Ours

    target = sqlite_target("dpop")
    try:
        floor = Floor(target)
        ours = Ours(target)
        key = ProofMaker()
        floor_tokens = floor.new_access_tokens(calls)
        bearer_tokens = ours.new_access_tokens(calls)
        bound = _bound_tokens(ours, key.jkt, calls)
        gets = [
            ("floor: protected GET (opaque)", floor.app,
             lambda: floor.protected_envs(floor_tokens)),
            ("provider: protected GET, Bearer", ours.app,
             lambda: ours.protected_envs(bearer_tokens)),
            ("provider: DPoP-protected GET (ES256 proof)", ours.app,
             lambda: _dpop_gets(key, bound)),
        ]
        issuing = [
            ("token endpoint: Bearer", ours.app, lambda: ours.token_envs(calls)),
            ("token endpoint: DPoP (ES256 proof)", ours.app,
             lambda: _dpop_token_envs(ours, key, calls)),
        ]
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
    from .jwt_tokens import table as ratio_table

    return ratio_table(rows)


SECTION = ("## SQLite: DPoP (RFC 9449), per call (ours only: no peer has DPoP)",
           "Measured side by side in alternating chunks. Each DPoP call carries a fresh ES256 "
           "proof made before the clock started; the server verifies its signature and "
           "claims, compares ath and the key thumbprint with the token's (read by the same "
           "one SELECT as a bearer call), and remembers its jti in the replay cache (the "
           "database by default: one INSERT, committed on a connection of its own).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(table(run(args.reps, args.calls)))


if __name__ == "__main__":
    main()
