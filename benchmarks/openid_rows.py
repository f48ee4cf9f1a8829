"""OpenID Connect code exchanges: what the signed id_token adds, per algorithm.

``python -m benchmarks.openid_rows [--reps N] [--calls N]`` measures, on SQLite, side by
side in alternating chunks (``harness.interleaved``), the authorization-code exchange
(PKCE S256, HTTP Basic) of:

- our provider and Authlib without ``openid`` (the plain exchange, as in the main table);
- our provider with ``OAUTH2_PROVIDER_OPENID`` on and a code granted for ``openid``, the
  id_token signed with RS256, ES256 and EdDSA (one app per algorithm, its one signing key
  in ``OAUTH2_PROVIDER_SIGNING_KEYS``);
- Authlib's ``AuthorizationCodeGrant`` with its ``OpenIDCode`` extension, signing with the
  same key (imported once, as an app would keep it).

Both sides put the nonce and auth_time of the stored code into the id_token and sign
``at_hash``. Also given: Python calls per exchange (deterministic), and what one
``core.jose.sign`` of an id_token-sized claims set costs per algorithm, the floor of
what signing can add. It prints Markdown tables; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from .db import sqlite_target
from .harness import REDIRECT_URI, SCOPE, Sample, count_python_calls, interleaved

ISSUER = "https://bench.example"
NONCE = "n-0S6_WzA2Mj"
OPENID_SCOPE = f"openid {SCOPE}"


def _authlib_extension(alg: str, jwk: dict) -> Any:
    """Authlib's OpenIDCode extension signing with ``jwk`` (its documented hooks)."""
    from authlib.oidc.core import UserInfo
    from authlib.oidc.core.grants import OpenIDCode
    from joserfc.jwk import import_key

    key = import_key(jwk)

    class BenchOpenIDCode(OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return False

        def resolve_client_private_key(self, client: Any) -> Any:
            return key

        def get_client_algorithm(self, client: Any) -> str:
            return alg

        def get_encode_header(self, client: Any) -> dict:
            return {"alg": alg, "kid": jwk["kid"]}

        def get_client_claims(self, client: Any) -> dict:
            return {"iss": ISSUER, "aud": [client.get_client_id()]}

        def generate_user_info(self, user: Any, scope: str) -> Any:
            return UserInfo(sub=str(user.id))

    return BenchOpenIDCode()


def _our_openid_bench(target: Any, alg: str, jwk: dict) -> Any:
    from .ours import Ours, db

    bench = Ours(target, create=False, signing_keys={"keys": [jwk]}, openid=True)
    bench.app.config["OAUTH2_PROVIDER_ISSUER"] = ISSUER
    with bench.app.app_context():
        oauth = bench.app.extensions["bench_oauth"]
        client, secret = oauth.create_client(
            name=f"bench-openid-{alg}", redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code"], scopes=["openid", SCOPE])
        # Registration §2: without it, the id_token is signed with RS256 (the default).
        client.id_token_signed_response_alg = alg
        bench.client_id, bench.client_secret = client.client_id, secret
        db.session.commit()
    bench.user_id = 1
    bench.code_scope = OPENID_SCOPE
    bench.code_extra = {"openid_request": json.dumps(
        {"nonce": NONCE, "auth_time": int(time.time())}, separators=(",", ":"))}
    return bench


def _authlib_openid_bench(target: Any, alg: str, jwk: dict) -> Any:
    from .peer_authlib import AuthlibApp, Client, db

    bench = AuthlibApp(target, create=False, openid=_authlib_extension(alg, jwk))
    bench.client_id = f"authlib-openid-{alg}"
    with bench.app.app_context():  # Authlib grants the code's scope the client allows
        client = Client(client_id=bench.client_id, client_secret=bench.client_secret,
                        client_id_issued_at=int(time.time()), user_id=bench.user_id)
        client.set_client_metadata({
            "client_name": bench.client_id, "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code"], "response_types": ["code"],
            "scope": OPENID_SCOPE, "token_endpoint_auth_method": "client_secret_basic"})
        db.session.add(client)
        db.session.commit()
    bench.code_scope = OPENID_SCOPE
    bench.code_extra = {"nonce": NONCE}
    return bench


def _check_id_token(bench: Any) -> None:
    """One exchange must answer an id_token, or the row would measure something else."""
    from .harness import BenchError, wsgi_call

    status, body = wsgi_call(bench.app, bench.code_envs(1)[0])
    if status != 200 or "id_token" not in json.loads(body):
        raise BenchError(f"{bench.name}: no id_token in the code exchange: {body[:200]!r}")


def benches(target: Any) -> list[tuple[str, Any]]:
    """(label, bench) of every row, plain exchanges first."""
    from flask_oauth_provider.core import jose

    from .ours import Ours
    from .peer_authlib import AuthlibApp

    rows = [("ours: code exchange, no openid", Ours(target)),
            ("Authlib: code exchange, no openid", AuthlibApp(target))]
    for alg in jose.ALGORITHMS:
        jwk = jose.generate_key(alg)
        ours = _our_openid_bench(target, alg, jwk)
        authlib = _authlib_openid_bench(target, alg, jwk)
        for bench in (ours, authlib):
            _check_id_token(bench)
        rows += [(f"ours: openid, id_token {alg}", ours),
                 (f"Authlib: openid, id_token {alg}", authlib)]
    return rows


def sign_cost(calls: int = 200) -> dict[str, float]:
    """Seconds per ``core.jose.sign`` of an id_token-sized claims set, per algorithm."""
    from flask_oauth_provider.core import jose

    claims = {"iss": ISSUER, "sub": "1", "aud": "client-id-0123456789", "exp": 2**31,
              "iat": 2**30, "auth_time": 2**30, "nonce": NONCE, "at_hash": "x" * 22}
    out = {}
    for alg in jose.ALGORITHMS:
        jwk = jose.generate_key(alg)
        jose.sign(claims, jwk)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(calls):
                jose.sign(claims, jwk)
            best = min(best, (time.perf_counter() - start) / calls)
        out[alg] = best
    return out


def run(reps: int, calls: int) -> dict:
    """``{"rows": [(label, Sample, python calls per call)], "sign": {alg: s}}``."""
    target = sqlite_target("openid")
    try:
        rows = benches(target)
        samples = {label: Sample() for label, _ in rows}
        for _ in range(reps):
            fresh = [(bench.app, bench.code_envs(calls), label) for label, bench in rows]
            for (label, _), result in zip(rows, interleaved(fresh)):
                samples[label].add(result)
        counts = {label: count_python_calls(bench, "code", [], n=20) for label, bench in rows}
        return {"rows": [(label, samples[label], counts[label]) for label, _ in rows],
                "sign": sign_cost()}
    finally:
        target.drop()


def table(result: dict) -> str:
    rows = result["rows"]
    by_label = {label: sample.median for label, sample, _ in rows}
    lines = ["| call | µs (median) | µs over its plain exchange | Python calls | "
             "Authlib ÷ ours |", "|---|---|---|---|---|"]
    for label, sample, calls in rows:
        side, _, what = label.partition(": ")
        plain = by_label[f"{side}: code exchange, no openid"]
        other = by_label.get(("Authlib: " if side == "ours" else "ours: ") + what)
        ratio = (f"{other / sample.median:.2f}×" if side == "ours" and other else "")
        added = "" if "no openid" in what else f"{(sample.median - plain) * 1e6:+,.0f}"
        lines.append(f"| {label} | {sample.median * 1e6:,.0f} | {added} | {calls:,.0f} | "
                     f"{ratio} |")
    lines += ["", "| algorithm | one `core.jose.sign` of an id_token, µs |", "|---|---|"]
    for alg, seconds in result["sign"].items():
        lines.append(f"| {alg} | {seconds * 1e6:,.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    result = run(args.reps, args.calls)
    print(table(result))
    print()
    print("medians of", statistics.median([len(s.values) for _, s, _ in result["rows"]]),
          "repetitions")


if __name__ == "__main__":
    main()
