"""django-oauth-toolkit (DOT) and a bare-Django floor, measured in a side process.

Django's settings are global to a process, so DOT runs in ``benchmarks/child.py``
(``--app dot``) beside its own floor, never in the main process. Both are Django apps
on one settings object, the same database as the main run (a SQLite file of its own,
or a private PostgreSQL schema) and the same I/O settings (WAL + synchronous=NORMAL,
synchronous_commit=off); connections are kept open between requests
(``CONN_MAX_AGE=None``; Django's default of 0 would reconnect on every request) and no
middleware is installed.

- **DOT**: ``TokenView`` at the token path; the protected GET calls
  ``get_oauthlib_core().verify_request`` (what DOT's ``protected_resource`` decorator
  and its authentication backend do per request), then reads the token's application
  and user, which DOT's validator has already joined in its one SELECT. One
  confidential client, ``client-credentials`` grant, scope ``profile``. The client
  secret is stored unhashed (``hash_client_secret=False``): DOT's default, Django's
  PBKDF2 password hasher, costs far more than the whole request on every client
  authentication. Access tokens are stored as SHA-256 checksums without the plaintext
  (``COMPLIANT_BCP_RFC9700_TOKEN_STORAGE``), like ours.
- **floor**: bare Django views on the connection's cursor with SQL written once — the
  token endpoint one SELECT of the client and one INSERT (autocommit), the protected GET
  one SELECT by token digest — with the same JSON as every other app.

Different frameworks: compare DOT/its floor with ours/our floor, not microseconds.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from contextlib import contextmanager
from typing import Any, Iterator, Optional
from urllib.parse import unquote_plus

import sqlalchemy as sa

from .db import Target
from .harness import API_PATH, SCOPE, TOKEN_PATH, BenchApp, SQLCount, environ, sha256_hex

FLOOR_PREFIX = "/floor"

_meta = sa.MetaData()
floor_client = sa.Table(
    "djfloor_client", _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False, unique=True),
    sa.Column("secret_digest", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(255), nullable=False),
)
floor_token = sa.Table(
    "djfloor_token", _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.Integer, nullable=True),
    sa.Column("scope", sa.String(255), nullable=False),
    sa.Column("expires_at", sa.Integer, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False),
)

_SELECT_CLIENT = "SELECT secret_digest, scope FROM djfloor_client WHERE client_id = %s"
_INSERT_TOKEN = ("INSERT INTO djfloor_token (digest, client_id, user_id, scope, expires_at, "
                 "revoked) VALUES (%s, %s, %s, %s, %s, %s)")
_SELECT_TOKEN = ("SELECT client_id, user_id, scope, expires_at, revoked FROM djfloor_token "
                 "WHERE digest = %s")
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _databases(target: Target) -> dict:
    if target.kind == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": target.url[len("sqlite:///"):],
                "CONN_MAX_AGE": None,
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; "
                                            "PRAGMA synchronous=NORMAL;"}}
    url = sa.engine.make_url(target.url)
    return {"ENGINE": "django.db.backends.postgresql", "NAME": url.database,
            "USER": url.username or "", "PASSWORD": url.password or "",
            "HOST": url.host or "", "PORT": str(url.port or ""), "CONN_MAX_AGE": None,
            "OPTIONS": {"options": f"-c search_path={target.schema} "
                                   "-c synchronous_commit=off"}}


_configured: Optional[Target] = None


def configure(target: Target) -> None:
    """Configure Django once for this process on ``target``, and create DOT's tables."""
    global _configured
    if _configured is not None:
        return
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False, SECRET_KEY=secrets.token_urlsafe(32), USE_TZ=True,
        ALLOWED_HOSTS=["bench.example", "127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__, MIDDLEWARE=[],
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                        "oauth2_provider"],
        DATABASES={"default": _databases(target)},
        OAUTH2_PROVIDER={"SCOPES": {SCOPE: "profile"}, "DEFAULT_SCOPES": [SCOPE],
                         "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
                         "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True},
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    engine = sa.create_engine(target.url, **target.engine_options)
    try:
        _meta.create_all(engine)
    finally:
        engine.dispose()
    _configured = target


# -- views ---------------------------------------------------------------------------

def _json(body: dict, status: int = 200, headers: Optional[dict] = None) -> Any:
    from django.http import JsonResponse

    resp = JsonResponse(body, status=status)
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


def _error(error: str, status: int, headers: Optional[dict] = None) -> Any:
    return _json({"error": error}, status, dict(NO_STORE, **(headers or {})))


def floor_token_view(request: Any) -> Any:
    from django.db import connection

    if request.method != "POST":
        return _error("invalid_request", 405)
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return _error("invalid_client", 401, {"WWW-Authenticate": "Basic"})
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except (ValueError, binascii.Error):
        return _error("invalid_client", 401, {"WWW-Authenticate": "Basic"})
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    form = request.POST
    if form.get("grant_type") != "client_credentials":
        return _error("unsupported_grant_type", 400)
    with connection.cursor() as cur:
        cur.execute(_SELECT_CLIENT, [client_id])
        row = cur.fetchone()
        if row is None or not hmac.compare_digest(row[0], sha256_hex(secret)):
            return _error("invalid_client", 401, {"WWW-Authenticate": "Basic"})
        scope = form.get("scope") or row[1]
        if not set(scope.split()) <= set(row[1].split()):
            return _error("invalid_scope", 400)
        token = secrets.token_urlsafe(32)
        cur.execute(_INSERT_TOKEN, [sha256_hex(token), client_id, None, scope,
                                    int(time.time()) + 3600, False])
    return _json({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                  "scope": scope}, headers=NO_STORE)


def floor_api_view(request: Any) -> Any:
    from django.db import connection

    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not value:
        return _error("invalid_token", 401, {"WWW-Authenticate": "Bearer"})
    with connection.cursor() as cur:
        cur.execute(_SELECT_TOKEN, [sha256_hex(value)])
        row = cur.fetchone()
    if row is None or row[4] or row[3] < time.time():
        return _error("invalid_token", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    if SCOPE not in row[2].split():
        return _error("insufficient_scope", 403)
    return _json({"client_id": row[0], "user_id": row[1], "scope": row[2]})


def dot_api_view(request: Any) -> Any:
    from django.http import HttpResponseForbidden
    from oauth2_provider.oauth2_backends import get_oauthlib_core

    valid, oauthlib_req = get_oauthlib_core().verify_request(request, scopes=[SCOPE])
    if not valid:
        return HttpResponseForbidden()
    tok = oauthlib_req.access_token
    return _json({"client_id": tok.application.client_id, "user_id": tok.user_id,
                  "scope": tok.scope})


def _urlpatterns() -> list:
    from django.urls import path
    from oauth2_provider.views import TokenView

    return [path(TOKEN_PATH.lstrip("/"), TokenView.as_view()),
            path(API_PATH.lstrip("/"), dot_api_view),
            path(FLOOR_PREFIX.lstrip("/") + TOKEN_PATH, floor_token_view),
            path(FLOOR_PREFIX.lstrip("/") + API_PATH, floor_api_view)]


def __getattr__(name: str) -> Any:  # Django reads ``urlpatterns`` on first request
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# -- statement counting -----------------------------------------------------------------

@contextmanager
def count_django_sql() -> Iterator[SQLCount]:
    """Statements sent through Django's default connection, and COMMITs.

    Django runs in autocommit mode: a statement outside ``transaction.atomic`` commits by
    itself and is not counted as a COMMIT; an atomic block's COMMIT is. The explicit
    ``BEGIN`` Django's SQLite backend sends for an atomic block is left out, as
    SQLAlchemy's (implicit) BEGIN is in the other apps' counts.
    """
    from django.db import connection

    result = SQLCount()

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql != "BEGIN":
            result.statements.append(sql)
        return execute(sql, params, many, context)

    original = connection.commit

    def commit() -> None:
        result.commits += 1
        original()

    connection.commit = commit
    try:
        with connection.execute_wrapper(wrapper):
            yield result
    finally:
        del connection.commit


# -- the two apps ---------------------------------------------------------------------

class _DjangoApp(BenchApp):
    flows = ("token", "protected")
    prefix = ""

    def __init__(self, target: Target) -> None:
        configure(target)
        from django.core.wsgi import get_wsgi_application

        self.app = get_wsgi_application()
        self.target = target

    def sql_counter(self) -> Any:
        return count_django_sql()

    def _token_env(self, form: dict) -> dict:
        headers, extra = self.client_auth()
        return environ("POST", self.prefix + TOKEN_PATH, headers, dict(form, **extra))

    def protected_envs(self, tokens: Any) -> list[dict]:
        return [environ("GET", self.prefix + API_PATH, {"Authorization": f"Bearer {t}"})
                for t in tokens]


class DjangoFloor(_DjangoApp):
    name = "floor"
    prefix = FLOOR_PREFIX

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        from django.db import connection

        self.client_id = "djfloor-client"
        self.client_secret = "djfloor-secret-" + "s" * 30
        self.user_id = 1
        with connection.cursor() as cur:
            cur.execute("INSERT INTO djfloor_client (client_id, secret_digest, scope) "
                        "VALUES (%s, %s, %s)",
                        [self.client_id, sha256_hex(self.client_secret), SCOPE])

    def new_access_tokens(self, n: int) -> list[str]:
        from django.db import connection

        values = [secrets.token_urlsafe(32) for _ in range(n)]
        with connection.cursor() as cur:
            cur.executemany(_INSERT_TOKEN, [
                [sha256_hex(v), self.client_id, self.user_id, SCOPE,
                 int(time.time()) + 86400, False] for v in values])
        return values


class DotApp(_DjangoApp):
    name = "DOT"

    def __init__(self, target: Target) -> None:
        super().__init__(target)
        from django.contrib.auth import get_user_model
        from oauth2_provider.models import get_application_model

        self.user = get_user_model().objects.create(username="alice")
        self.client_id = "dot-client"
        self.client_secret = "dot-secret-" + "s" * 30
        app_model = get_application_model()
        self.application = app_model.objects.create(
            client_id=self.client_id, client_secret=self.client_secret,
            hash_client_secret=False, client_type=app_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=app_model.GRANT_CLIENT_CREDENTIALS, name="bench",
            user=self.user)

    def new_access_tokens(self, n: int) -> list[str]:
        import datetime

        from django.utils import timezone
        from oauth2_provider.models import get_access_token_model

        model = get_access_token_model()
        values = [secrets.token_urlsafe(32) for _ in range(n)]
        expires = timezone.now() + datetime.timedelta(days=1)
        model.objects.bulk_create([
            model(token="", token_checksum=sha256_hex(v), user=self.user,
                  application=self.application, expires=expires, scope=SCOPE)
            for v in values])
        return values


def versions() -> dict:
    from importlib import metadata

    return {"Django": metadata.version("Django"),
            "django-oauth-toolkit": metadata.version("django-oauth-toolkit"),
            "oauthlib (child)": metadata.version("oauthlib")}
