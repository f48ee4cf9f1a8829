"""An exception in the app's own callbacks or validator is logged where the developer looks.

The client gets ``500 server_error``; the app's log (``app.logger``'s handlers, which is
Flask's console by default) gets the traceback, the name of the failing callback and a
hint, and never a secret.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from flask import Flask

from flask_oauth_provider import OAuth2Provider
from tests.flask.flask_support import Store, StoreValidator
from tests.helpers import basic_auth


class Collect(logging.Handler):
    """Stands for the handler Flask puts on ``app.logger`` (its ``default_handler``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self.format(record) for record in self.records)


def ported_tokensetter(store: Store) -> Any:
    """Flask-OAuthlib's usual tokensetter: it indexes the refresh token."""

    def save_token(token: dict, request: Any, *args: Any, **kwargs: Any) -> None:
        store.tokensetter(dict(token, refresh=token["refresh_token"]), request)

    return save_token


def callbacks_app(store: Store) -> Flask:
    app = Flask("app_log_test")
    oauth = OAuth2Provider()
    store.register(oauth)
    oauth.tokensetter(ported_tokensetter(store))
    oauth.init_app(app)
    return app


def test_a_failing_callback_is_named_with_a_hint_and_a_traceback_in_the_app_log():
    store = Store()
    app = callbacks_app(store)
    collect = Collect()
    app.logger.addHandler(collect)
    answer = app.test_client().post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                                    data={"grant_type": "client_credentials"})
    assert answer.status_code == 500 and answer.get_json() == {"error": "server_error"}

    named = [r for r in collect.records if "@oauth.tokensetter" in r.getMessage()]
    assert len(named) == 1 and named[0].levelno == logging.ERROR
    message = named[0].getMessage()
    assert "save_token" in message and "KeyError" in message
    assert "token.get('refresh_token')" in message
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in collect.records)
    assert "Traceback" in collect.text()
    assert "C2-secret" not in collect.text()


def test_a_failing_validator_reaches_the_app_log_with_its_traceback():
    class Broken(StoreValidator):
        def save_bearer_token(self, token: dict, request: Any, *args: Any, **kw: Any) -> None:
            raise RuntimeError("the database said no")

    app = Flask("app_log_test")
    OAuth2Provider(app, validator=Broken(Store()))
    collect = Collect()
    app.logger.addHandler(collect)
    answer = app.test_client().post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                                    data={"grant_type": "client_credentials"})
    assert answer.status_code == 500
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in collect.records)
    assert "save_bearer_token" in collect.text() and "the database said no" in collect.text()


def test_records_outside_an_app_or_below_error_are_not_forwarded():
    app = callbacks_app(Store())
    collect = Collect()
    app.logger.addHandler(collect)
    package = logging.getLogger("flask_oauth_provider.views")
    package.error("outside any app")
    with app.app_context():
        package.warning("a warning")
        package.error("an error")
    assert [r.getMessage() for r in collect.records] == ["an error"]


@pytest.mark.parametrize("configured", [False, True], ids=["no-logging", "basicConfig"])
def test_flask_console_shows_it_once(configured, tmp_path):
    # A process of its own: Flask decides on its default handler from the logging setup
    # the process has, which pytest's own handlers would change here.
    script = textwrap.dedent(f"""
        import logging
        if {configured}:
            logging.basicConfig(format="root: %(message)s")
        from flask import Flask
        from flask_oauth_provider import OAuth2Provider
        from tests.flask.flask_support import Store
        from tests.flask.test_app_log import callbacks_app
        from tests.helpers import basic_auth
        app = callbacks_app(Store())
        answer = app.test_client().post("/oauth/token", headers=basic_auth("C2", "C2-secret"),
                                        data={{"grant_type": "client_credentials"}})
        assert answer.status_code == 500
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=str(pytest_root()), timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("@oauth.tokensetter function") == 1, run.stderr
    assert run.stderr.count("Traceback") == 1, run.stderr
    assert "C2-secret" not in run.stderr


def pytest_root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2]
