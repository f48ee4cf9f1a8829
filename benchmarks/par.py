"""Pushed authorization requests (RFC 9126): what a PAR + code flow costs. Ours only (no
peer here has PAR).

``python -m benchmarks.par [--reps N] [--calls N]`` measures, on SQLite, side by side in
alternating chunks of whole flows:

- the code flow: ``GET /oauth/authorize`` (a logged-in user whose consent is remembered:
  302 with the code) then ``POST /oauth/token`` (the code with its PKCE verifier);
- the PAR + code flow: ``POST /oauth/par`` (client_secret_basic, PKCE challenge), ``GET
  /oauth/authorize?client_id&request_uri`` (302 with the code; the request URI is used
  up), ``POST /oauth/token``;
- the push alone.

Each flow is timed from its first request to its token; every answer is checked. It
prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from typing import Any, Callable, Optional
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Mapped, mapped_column

from .db import Target, sqlite_target
from .harness import REDIRECT_URI, SCOPE, BenchError, Sample, basic_auth, environ, pkce_pair

CHUNK = 10
_PushedRequest: Optional[type] = None


def _pushed_model() -> type:
    """The PAR model on the benchmark's ``db`` (made once; the mixins load lazily)."""
    global _PushedRequest
    if _PushedRequest is None:
        from flask_oauth_provider.sqla import PushedAuthorizationRequestMixin

        from .ours import db

        class PushedRequest(db.Model, PushedAuthorizationRequestMixin):
            __tablename__ = "ours_pushed_request"
            id: Mapped[int] = mapped_column(primary_key=True)

        _PushedRequest = PushedRequest
    return _PushedRequest


def create_app(target: Target) -> tuple[Flask, str, str]:
    """Our provider with ``par_model``, a user every request is logged in as (Flask-Login's
    ``request_loader``: no session cookie to carry) and consent remembered."""
    from flask_login import LoginManager

    from flask_oauth_provider import OAuth2Provider

    from .ours import User, _models, db

    client_model, code_model, token_model = _models()
    app = Flask("ours_par")
    app.config.update(target.flask_config(), SECRET_KEY="bench-par")
    db.init_app(app)
    oauth = OAuth2Provider(app)
    oauth.init_sqlalchemy(db, client_model=client_model, code_model=code_model,
                          token_model=token_model, par_model=_pushed_model())
    login_manager = LoginManager(app)
    # What Flask-Login asks of a user, on the benchmark's plain user model.
    for name, value in (("is_authenticated", True), ("is_active", True),
                        ("is_anonymous", False), ("get_id", lambda self: str(self.id))):
        setattr(User, name, value)

    @login_manager.request_loader
    def load(_: Any) -> Any:
        return db.session.get(User, 1)

    oauth.skip_consent(lambda client, user, scopes, request: True)
    with app.app_context():
        db.create_all()
        db.session.add(User(id=1, username="alice"))
        db.session.commit()
        client, secret = oauth.create_client(name="bench-par", redirect_uris=[REDIRECT_URI],
                                             grant_types=["authorization_code"],
                                             scopes=[SCOPE])
        return app, client.client_id, secret


def _call(app: Flask, method: str, path: str, headers: Optional[dict] = None,
          form: Optional[dict] = None, expect: int = 200) -> tuple[int, bytes, dict]:
    """One WSGI call, its status checked; returns (status, body, headers)."""
    status: list[str] = []
    response_headers: dict = {}

    def start_response(s: str, headers: list, exc_info: Any = None) -> Callable:
        status.append(s)
        response_headers.update(headers)
        return lambda data: None

    result = app(environ(method, path, headers, form), start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    code = int(status[0][:3])
    if code != expect:
        raise BenchError(f"{method} {path.split('?')[0]}: HTTP {code}: {body[:300]!r}")
    return code, body, response_headers


def _code_of(headers: dict) -> str:
    return parse_qs(urlsplit(headers["Location"]).query)["code"][0]


class Flows:
    """The three timed sequences, each one whole flow per call."""

    def __init__(self, app: Flask, client_id: str, secret: str) -> None:
        self.app, self.client_id = app, client_id
        self.auth = {"Authorization": basic_auth(client_id, secret)}
        self.n = 0

    def _params(self) -> tuple[dict, str]:
        self.n += 1
        verifier, challenge = pkce_pair(f"par-{self.n}")
        return {"response_type": "code", "client_id": self.client_id,
                "redirect_uri": REDIRECT_URI, "scope": SCOPE, "state": str(self.n),
                "code_challenge": challenge, "code_challenge_method": "S256"}, verifier

    def _token(self, code: str, verifier: str) -> None:
        _call(self.app, "POST", "/oauth/token", self.auth, {
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier})

    def push(self) -> str:
        params, _ = self._params()
        _, body, _ = _call(self.app, "POST", "/oauth/par", self.auth, params, expect=201)
        return json.loads(body)["request_uri"]

    def code_flow(self) -> None:
        params, verifier = self._params()
        _, _, headers = _call(self.app, "GET", "/oauth/authorize?" + urlencode(params),
                              expect=302)
        self._token(_code_of(headers), verifier)

    def par_flow(self) -> None:
        params, verifier = self._params()
        _, body, _ = _call(self.app, "POST", "/oauth/par", self.auth, params, expect=201)
        query = urlencode({"client_id": self.client_id,
                           "request_uri": json.loads(body)["request_uri"]})
        _, _, headers = _call(self.app, "GET", "/oauth/authorize?" + query, expect=302)
        self._token(_code_of(headers), verifier)


def _interleaved(runs: list[Callable[[], Any]], calls: int) -> list[tuple[float, float]]:
    """Run each callable ``calls`` times in alternating chunks; (wall, CPU) per call."""
    totals = [[0.0, 0.0] for _ in runs]
    gc.collect()
    for _ in range(0, calls, CHUNK):
        for i, run in enumerate(runs):
            cpu0, start = time.process_time(), time.perf_counter()
            for _ in range(CHUNK):
                run()
            totals[i][0] += time.perf_counter() - start
            totals[i][1] += time.process_time() - cpu0
    done = -(-calls // CHUNK) * CHUNK
    return [(wall / done, cpu / done) for wall, cpu in totals]


LABELS = ("code flow (authorize + token)", "PAR + code flow (push + authorize + token)",
          "PAR push alone")


def run(reps: int, calls: int) -> list[tuple[str, Sample]]:
    target = sqlite_target("par")
    try:
        app, client_id, secret = create_app(target)
        flows = Flows(app, client_id, secret)
        flows.par_flow()  # warm up: first-use statements and imports
        samples = {label: Sample() for label in LABELS}
        for _ in range(reps):
            results = _interleaved([flows.code_flow, flows.par_flow, flows.push], calls)
            for label, result in zip(LABELS, results):
                samples[label].add(result)
        with app.app_context():
            from .ours import db

            left = db.session.scalar(sa.select(sa.func.count()).select_from(_pushed_model()))
        if left != (reps * -(-calls // CHUNK) * CHUNK):  # only the pushes alone remain
            raise BenchError(f"{left} pushed requests left unused; expected the pushes only")
        return list(samples.items())
    finally:
        target.drop()


def table(rows: list[tuple[str, Sample]]) -> str:
    base = statistics.median(rows[0][1].values)
    lines = ["| flow (ours) | µs (median) | × code flow |", "|---|---|---|"]
    for label, sample in rows:
        lines.append(f"| {label} | {sample.median * 1e6:,.0f} | {sample.median / base:.2f}× |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    print(table(run(args.reps, args.calls)))


if __name__ == "__main__":
    main()
