"""One-call storage for apps ported from Flask-OAuthlib: ``bind_sqlalchemy``, ``bind_cache_grant``.

Flask-OAuthlib's ``contrib.oauth2`` registered the getters and setters over an app's own
SQLAlchemy models in one call, and could keep authorization codes in a cache. These two
functions do the same on an :class:`~flask_oauth_provider.OAuth2Provider`, with the
same arguments and over the same model shapes (Flask-OAuthlib's documented ``Client``,
``Grant`` and ``Token`` models)::

    bind_sqlalchemy(oauth, db.session, user=User, client=Client, token=Token,
                    grant=Grant, current_user=current_user)
    bind_cache_grant(app, oauth, current_user)          # grants in a cache instead

What differs from Flask-OAuthlib, on purpose:

* Codes and tokens saved through a binding are stored as SHA-256 digests (a stolen
  table holds no usable token); rows written before the port, in clear, are still
  found until they expire.
* A grant keeps the PKCE ``code_challenge`` and ``code_challenge_method`` when its
  model (or the cache) has room for them (RFC 7636 §4.4), and lives
  ``OAUTH2_PROVIDER_CODE_EXPIRES_IN`` seconds (default 60; Flask-OAuthlib: 100), at
  most the 10 minutes of RFC 6749 §4.1.2.
* A cached grant remembers its user and loads it back with ``user_loader`` (or the
  user model given to ``bind_sqlalchemy``), where Flask-OAuthlib asked
  ``current_user()`` again at the token endpoint, where nobody is logged in.
"""

from __future__ import annotations

import datetime as _dt
import weakref
from typing import Any, Callable, Optional

from .sqla import token_digest as digest
from .state import config_in_force

__all__ = ["bind_sqlalchemy", "bind_cache_grant"]

#: The user loader each provider got from bind_sqlalchemy(user=...), for bind_cache_grant.
_user_loaders: weakref.WeakKeyDictionary[Any, Callable[[Any], Any]] = (
    weakref.WeakKeyDictionary())


def _code_expiry() -> _dt.datetime:
    """When a code issued now expires: naive UTC, the type of Flask-OAuthlib's column."""
    lifetime = config_in_force().code_expires_in
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None) + _dt.timedelta(
        seconds=lifetime)


def _set_scopes(obj: Any, scopes: Any) -> None:
    """Store scopes where the model keeps them: ``scope``/``_scopes`` text, else ``scopes``."""
    text = " ".join(scopes) if not isinstance(scopes, str) else scopes
    for name in ("_scopes", "scope"):
        if _is_writable(obj, name):
            setattr(obj, name, text)
            return
    obj.scopes = list(scopes) if not isinstance(scopes, str) else scopes.split()


def _is_writable(obj: Any, name: str) -> bool:
    attribute = getattr(type(obj), name, None)
    if attribute is None:
        return False
    return not isinstance(attribute, property) or attribute.fset is not None


class _ModelBinding:
    """A model and the session to query it with (``model.query`` when it has one)."""

    def __init__(self, model: type, session: Any) -> None:
        self.model = model
        self.session = session

    @property
    def query(self) -> Any:
        query = getattr(self.model, "query", None)
        return query if query is not None else self.session.query(self.model)

    def first_by_secret(self, column: str, value: Optional[str], **filters: Any) -> Any:
        """The row whose ``column`` holds the digest of ``value`` (or, written before the
        port, ``value`` itself)."""
        if not value:
            return None
        for stored in (digest(value), value):
            found = self.query.filter_by(**{column: stored}, **filters).first()
            if found is not None:
                return found
        return None


class _UserBinding(_ModelBinding):
    def get(self, username: str, password: str, *args: Any, **kwargs: Any) -> Any:
        """The usergetter: the user with this username whose ``check_password`` agrees."""
        user = self.query.filter_by(username=username).first()
        if user is not None and user.check_password(password):
            return user
        return None

    def load(self, user_id: Any) -> Any:
        return self.session.get(self.model, user_id) if user_id is not None else None


class _ClientBinding(_ModelBinding):
    def get(self, client_id: str) -> Any:
        return self.query.filter_by(client_id=client_id).first()


class _TokenBinding(_ModelBinding):
    def __init__(self, model: type, session: Any,
                 current_user: Optional[Callable[[], Any]]) -> None:
        super().__init__(model, session)
        self.current_user = current_user

    def get(self, access_token: Optional[str] = None, refresh_token: Optional[str] = None) -> Any:
        if access_token:
            return self.first_by_secret("access_token", access_token)
        return self.first_by_secret("refresh_token", refresh_token)

    def set(self, token: dict, request: Any, *args: Any, **kwargs: Any) -> Any:
        """The tokensetter: one token per client and user, as Flask-OAuthlib kept it."""
        user = getattr(request, "user", None)
        if user is None and self.current_user is not None:
            user = self.current_user()  # the implicit grant
        client_id = request.client.client_id
        user_id = getattr(user, "id", None)
        for previous in self.query.filter_by(client_id=client_id, user_id=user_id).all():
            self.session.delete(previous)
        row = self.model()
        row.access_token = digest(token["access_token"])
        row.refresh_token = (digest(token["refresh_token"]) if token.get("refresh_token")
                             else None)
        if _is_writable(row, "token_type"):
            row.token_type = token.get("token_type", "Bearer")
        _set_scopes(row, token.get("scope", ""))
        expires_in = token.get("expires_in")
        row.expires = (_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
                       + _dt.timedelta(seconds=int(expires_in))) if expires_in else None
        row.client_id = client_id
        row.user_id = user_id
        self.session.add(row)
        self.session.commit()
        return row


class _GrantBinding(_ModelBinding):
    def __init__(self, model: type, session: Any, current_user: Callable[[], Any]) -> None:
        super().__init__(model, session)
        self.current_user = current_user

    def get(self, client_id: str, code: str) -> Any:
        return self.first_by_secret("code", code, client_id=client_id)

    def set(self, client_id: str, code: dict, request: Any, *args: Any, **kwargs: Any) -> Any:
        """The grantsetter: the code's digest, redirect URI, scopes, user and PKCE pair."""
        row = self.model()
        row.client_id = client_id
        row.code = digest(code["code"])
        row.redirect_uri = request.redirect_uri
        _set_scopes(row, request.scopes or [])
        row.user = self.current_user()
        row.expires = _code_expiry()
        for name in ("code_challenge", "code_challenge_method"):
            if code.get(name) is not None:
                setattr(row, name, code[name])
        self.session.add(row)
        self.session.commit()
        return row


def bind_sqlalchemy(provider: Any, session: Any, user: Optional[type] = None,
                    client: Optional[type] = None, token: Optional[type] = None,
                    grant: Optional[type] = None,
                    current_user: Optional[Callable[[], Any]] = None) -> None:
    """Register getters and setters over the app's own models (Flask-OAuthlib's call).

    ``user`` gives the usergetter (``filter_by(username=...)`` and
    ``user.check_password(password)``), ``client`` the clientgetter, ``token`` the
    tokengetter and tokensetter, ``grant`` (which needs ``current_user``, a function
    returning the logged-in user) the grantgetter and grantsetter. Leave one out to
    register your own callback for it, or to bind grants to a cache with
    :func:`bind_cache_grant`.
    """
    if user is not None:
        users = _UserBinding(user, session)
        provider.usergetter(users.get)
        _user_loaders[provider] = users.load
    if client is not None:
        provider.clientgetter(_ClientBinding(client, session).get)
    if token is not None:
        tokens = _TokenBinding(token, session, current_user)
        provider.tokengetter(tokens.get)
        provider.tokensetter(tokens.set)
    if grant is not None:
        if current_user is None:
            raise ValueError("bind_sqlalchemy(grant=...) needs current_user=, a function "
                             "that returns the logged-in user.")
        grants = _GrantBinding(grant, session, current_user)
        provider.grantgetter(grants.get)
        provider.grantsetter(grants.set)


# -- grants in a cache ------------------------------------------------------------------

class CachedGrant:
    """A grant read back from the cache, with Flask-OAuthlib's grant attributes."""

    def __init__(self, cache: Any, key: str, code: str, data: dict, user: Any) -> None:
        self._cache = cache
        self._key = key
        self.code = code
        self.client_id = data["client_id"]
        self.redirect_uri = data.get("redirect_uri")
        self.scopes = list(data.get("scopes") or [])
        self.expires = data.get("expires")
        self.code_challenge = data.get("code_challenge")
        self.code_challenge_method = data.get("code_challenge_method")
        self.user = user

    def delete(self) -> None:
        self._cache.delete(self._key)


def _cache_from_config(app: Any, prefix: str) -> Any:
    """A cachelib cache configured by ``{prefix}_CACHE_*`` keys (Flask-OAuthlib's names)."""
    config = app.config

    def get(name: str, default: Any = None) -> Any:
        return config.get(f"{prefix}_{name}", default)

    kind = get("CACHE_TYPE", config.get("CACHE_TYPE"))
    if not kind:
        raise RuntimeError(f"bind_cache_grant needs {prefix}_CACHE_TYPE (simple, filesystem, "
                           "redis or memcached), or a cache object: cache=...")
    import cachelib

    threshold = get("CACHE_THRESHOLD", 500)
    if kind == "simple":
        return cachelib.SimpleCache(threshold=threshold)
    if kind == "filesystem":
        return cachelib.FileSystemCache(get("CACHE_DIR"), threshold=threshold)
    if kind == "redis":
        return cachelib.RedisCache(
            host=get("CACHE_REDIS_HOST", "localhost"), port=get("CACHE_REDIS_PORT", 6379),
            password=get("CACHE_REDIS_PASSWORD"), db=get("CACHE_REDIS_DB", 0),
            key_prefix=get("CACHE_KEY_PREFIX") or "")
    if kind in ("memcache", "memcached"):
        return cachelib.MemcachedCache(get("CACHE_MEMCACHED_SERVERS"),
                                       key_prefix=get("CACHE_KEY_PREFIX"))
    raise ValueError(f"{prefix}_CACHE_TYPE must be simple, filesystem, redis or memcached, "
                     f"not {kind!r} (a null cache would lose every code).")


def bind_cache_grant(app: Any, provider: Any, current_user: Callable[[], Any],
                     config_prefix: str = "OAUTH2", *, cache: Any = None,
                     user_loader: Optional[Callable[[Any], Any]] = None) -> Any:
    """Keep authorization codes in a cache instead of a table (Flask-OAuthlib's call).

    The cache is ``cache`` (a cachelib cache, or Flask-Caching's ``Cache``: anything
    with ``get``, ``set(key, value, timeout)`` and ``delete``), else one configured by
    ``OAUTH2_CACHE_TYPE`` and the other ``OAUTH2_CACHE_*`` keys of ``app.config``
    (``config_prefix`` changes ``OAUTH2``). Entries are keyed by a digest of client and
    code and expire with the code. The grant's user is stored by ``id`` and loaded back
    with ``user_loader(id)``, by default the user model given to
    :func:`bind_sqlalchemy`. Returns the cache.
    """
    if cache is None:
        cache = _cache_from_config(app, config_prefix)
    load_user = user_loader or _user_loaders.get(provider)
    if load_user is None:
        raise TypeError("bind_cache_grant needs user_loader=, a function(user_id) -> user, "
                        "or bind_sqlalchemy(provider, session, user=User, ...) first.")

    def key_of(client_id: str, code: str) -> str:
        return "oauth2-grant:" + digest(f"{client_id}\x00{code}")

    def save_grant(client_id: str, code: dict, request: Any, *args: Any, **kwargs: Any) -> None:
        user = current_user()
        data = {"client_id": client_id, "redirect_uri": request.redirect_uri,
                "scopes": list(request.scopes or []), "expires": _code_expiry(),
                "user_id": getattr(user, "id", None),
                "code_challenge": code.get("code_challenge"),
                "code_challenge_method": code.get("code_challenge_method")}
        cache.set(key_of(client_id, code["code"]), data,
                  timeout=config_in_force().code_expires_in)

    def load_grant(client_id: str, code: str) -> Optional[CachedGrant]:
        key = key_of(client_id, code)
        data = cache.get(key)
        if not data or data.get("client_id") != client_id:
            return None
        return CachedGrant(cache, key, code, data, load_user(data.get("user_id")))

    provider.grantgetter(load_grant)
    provider.grantsetter(save_grant)
    return cache
