"""App factories for gunicorn: ``gunicorn 'benchmarks.wsgi:create("floor")'``.

The database comes from the environment (see :meth:`benchmarks.db.Target.env`); the
parent process has already created the tables, the client and the tokens. Requests
arrive over plain HTTP on 127.0.0.1 with ``X-Forwarded-Proto: https``, as behind a
TLS-terminating proxy, and ``ProxyFix`` applies it — the same for every app.
"""

from __future__ import annotations

from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix

from .db import target_from_env


def create(name: str) -> Any:
    target = target_from_env()
    if name == "floor":
        from .floor import create_app
    elif name == "Authlib":
        from .peer_authlib import create_app
    elif name == "ours":
        from .ours import create_app
    else:
        raise ValueError(f"unknown app {name!r}")
    app = create_app(target)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1)
    return app
