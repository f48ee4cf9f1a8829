"""A validator over Flask-OAuthlib style callbacks.

:class:`CallbackValidator` stores nothing itself: it calls the getters and setters an
app registered on :class:`~flask_oauth_provider.OAuth2Provider`, with Flask-OAuthlib's
names, signatures and object contracts, so an app migrating from Flask-OAuthlib keeps
its callbacks and models unchanged:

============== ================================================== ===================
callback        called as                                          returns
============== ================================================== ===================
clientgetter    ``f(client_id)``                                   client or ``None``
grantgetter     ``f(client_id=..., code=...)``                     grant or ``None``
grantsetter     ``f(client_id, code, request)``; ``code`` is a     ignored
                dict (``code['code']``)
tokengetter     ``f(access_token=...)`` or ``f(refresh_token=...)`` token or ``None``
tokensetter     ``f(token, request)``; ``token`` is the response   ignored
                dict
usergetter      ``f(username, password, client, request)``         user or ``None``
tokendeleter    ``f(token)`` (optional; else ``token.delete()``)    ignored
grantdeleter    ``f(grant)`` (optional; else ``grant.delete()``)    ignored
============== ================================================== ===================

The objects: clients, grants and tokens follow
:class:`~flask_oauth_provider.core.types.Client`,
:class:`~flask_oauth_provider.core.types.Grant` and
:class:`~flask_oauth_provider.core.types.Token`. The grantsetter finds the PKCE values
(RFC 7636) in the ``code`` dict and on ``request``.

What the library does that Flask-OAuthlib left to the app: refresh tokens that rotate
are deleted when their successor is saved; expiry is checked for codes and tokens; a
protected view needs *every* scope it lists.
"""

from __future__ import annotations

import datetime as _dt
import logging
from typing import Any, Callable, Optional

from .applog import callback_failure
from .core import errors
from .core.dpop import remember_grant_jkt
from .core.request import Request
from .core.resource_indicators import audience_claim
from .core.types import Client, Grant, Token
from .validators import ProviderValidator, _as_list, same_client

log = logging.getLogger("flask_oauth_provider.callbacks")

#: The callbacks without which no flow works; ``usergetter`` (password grant only),
#: ``tokendeleter`` and ``grantdeleter`` are optional.
REQUIRED_CALLBACKS = ("clientgetter", "grantgetter", "grantsetter", "tokengetter", "tokensetter")
OPTIONAL_CALLBACKS = ("usergetter", "tokendeleter", "grantdeleter")
ALL_CALLBACKS = REQUIRED_CALLBACKS + OPTIONAL_CALLBACKS


def expires_at(obj: Any) -> Optional[_dt.datetime]:
    """The expiry of a grant or token as an aware UTC datetime, or ``None`` (never).

    ``expires_at`` (aware, or naive meaning UTC) wins over Flask-OAuthlib's ``expires``
    (naive UTC).
    """
    value = getattr(obj, "expires_at", None)
    if value is None:
        value = getattr(obj, "expires", None)
    if not isinstance(value, _dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value


def refresh_expires_at(token: Any) -> Optional[_dt.datetime]:
    """A token's refresh-token expiry (``refresh_expires_at``), or ``None`` (never)."""
    value = getattr(token, "refresh_expires_at", None)
    if not isinstance(value, _dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)


def _has_passed(when: Optional[_dt.datetime]) -> bool:
    return when is not None and _dt.datetime.now(_dt.timezone.utc) >= when


def is_expired(obj: Any) -> bool:
    """Whether a grant or token has passed its expiry."""
    return _has_passed(expires_at(obj))


def scopes_of(obj: Any) -> list[str]:
    """The scopes of a grant or token (a list, or a space-separated string)."""
    return _as_list(getattr(obj, "scopes", None))


def resources_of(obj: Any) -> Optional[list[str]]:
    """The resources (RFC 8707) a grant or token was issued for, when the app's model
    keeps them in a ``resources`` attribute (the grantsetter and tokensetter find them
    in ``request.resources``); ``None`` when it does not."""
    resources = getattr(obj, "resources", None)
    if resources is None:
        return None
    return _as_list(resources) or None


class CallbackValidator(ProviderValidator):
    """The storage half of a validator, answered by the registered callbacks.

    Built by the provider at ``init_app``; ``callbacks`` maps the names of
    :data:`ALL_CALLBACKS` to functions. A missing required callback raises
    ``RuntimeError`` naming it.
    """

    def __init__(self, **callbacks: Optional[Callable[..., Any]]) -> None:
        unknown = sorted(set(callbacks) - set(ALL_CALLBACKS))
        if unknown:
            raise TypeError(f"Unknown callback(s): {', '.join(unknown)}.")
        missing = [name for name in REQUIRED_CALLBACKS if not callbacks.get(name)]
        if missing:
            raise RuntimeError(missing_callbacks_message(missing))
        self.callbacks = callbacks

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        function = self.callbacks[name]
        try:
            return function(*args, **kwargs)
        except errors.OAuth2Error:
            raise  # a deliberate answer to the client
        except Exception as exc:
            log.error("%s", callback_failure(name, function, exc))
            raise

    def _has(self, name: str) -> bool:
        return bool(self.callbacks.get(name))

    def _delete(self, kind: str, obj: Any) -> None:
        deleter = self.callbacks.get(kind + "deleter")
        if deleter:
            deleter(obj)
        else:
            obj.delete()

    # -- clients --------------------------------------------------------------------

    def load_client(self, client_id: Optional[str]) -> Optional[Client]:
        if not client_id:
            return None
        return self._call("clientgetter", client_id)

    def _token_client(self, token: Token) -> Optional[Client]:
        client = getattr(token, "client", None)
        if client is None:
            client = self.load_client(getattr(token, "client_id", None))
        return client

    # -- authorization codes (RFC 6749 §4.1) -----------------------------------------

    def _grant(self, client_id: str, code: str) -> Optional[Grant]:
        if not client_id or not code:
            return None
        grant = self._call("grantgetter", client_id=client_id, code=code)
        if grant is None:
            return None
        # The code must have been issued to this client (RFC 6749 §4.1.3); a grant that
        # names no client matches none, as in the SQLAlchemy store.
        if not same_client(getattr(grant, "client_id", None), client_id):
            return None
        return grant

    def save_authorization_code(self, client_id: str, code: dict, request: Request,
                                *args: Any, **kwargs: Any) -> None:
        """Call the grantsetter; PKCE values ride along in ``code`` (RFC 7636 §4.4).

        When a challenge was sent, the saved grant is read back: a grant that lost the
        challenge could be redeemed without a verifier (PKCE downgrade, RFC 9700
        §2.1.1), so that is refused loudly.
        """
        if request.code_challenge is not None:
            # A copy: the core sends its dict to the client, and the challenge must not
            # travel in the redirect (OAuth 2.1 §4.1.2).
            code = dict(code, code_challenge=request.code_challenge,
                        code_challenge_method=request.code_challenge_method)
        self._call("grantsetter", client_id, code, request, *args, **kwargs)
        if request.code_challenge is not None:
            saved = self._grant(client_id, code["code"])
            if getattr(saved, "code_challenge", None) != request.code_challenge:
                raise RuntimeError(
                    "The grantsetter did not store the PKCE code_challenge: give the grant "
                    "model code_challenge and code_challenge_method attributes and save "
                    "code['code_challenge'] and code['code_challenge_method'] in it."
                )

    def validate_code(self, client_id: str, code: str, client: Optional[Client], request: Request,
                      *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §4.1.3: the code exists, belongs to this client and has not expired.

        Sets ``request.user`` and ``request.scopes`` from the grant (never from the
        token request's own ``scope``).
        """
        grant = self._grant(client_id, code)
        if grant is None or is_expired(grant):
            return False
        request.user = getattr(grant, "user", None)
        request.scopes = scopes_of(grant)
        request.granted_resources = resources_of(grant)
        remember_grant_jkt(request, getattr(grant, "dpop_jkt", None))  # RFC 9449 §10
        for name in ("claims", "auth_time", "acr", "amr"):
            if getattr(grant, name, None) is not None:
                setattr(request, name, getattr(grant, name))
        return True

    def get_authorization_code_scopes(self, client_id: str, code: str,
                                      redirect_uri: Optional[str], request: Request) -> list[str]:
        """OpenID Connect: the grant's scopes (an ``openid`` grant gets an ID token)."""
        grant = self._grant(client_id, code) if client_id and code else None
        return scopes_of(grant) if grant is not None else []

    def get_authorization_code_nonce(self, client_id: str, code: str,
                                     redirect_uri: Optional[str], request: Request
                                     ) -> Optional[str]:
        """OpenID Connect Core §3.1.3.6: the grant's ``nonce`` attribute (the app's
        grantsetter keeps ``request.nonce``, and ``request.claims`` / ``auth_time`` if
        it supports those)."""
        grant = self._grant(client_id, code)
        return getattr(grant, "nonce", None) if grant is not None else None

    def confirm_redirect_uri(self, client_id: str, code: str, redirect_uri: str,
                             client: Optional[Client], request: Request, *args: Any,
                             **kwargs: Any) -> bool:
        """RFC 6749 §4.1.3: the redirect URI is the one the code was issued for."""
        grant = self._grant(client_id, code)
        if grant is None:
            return False
        custom = getattr(grant, "validate_redirect_uri", None)
        if callable(custom):
            return bool(custom(redirect_uri))
        return getattr(grant, "redirect_uri", None) == redirect_uri

    def get_code_challenge(self, code: str, request: Request) -> Optional[str]:
        grant = self._grant(request.client_id, code)
        return getattr(grant, "code_challenge", None) if grant is not None else None

    def get_code_challenge_method(self, code: str, request: Request) -> Optional[str]:
        grant = self._grant(request.client_id, code)
        return getattr(grant, "code_challenge_method", None) if grant is not None else None

    def invalidate_authorization_code(self, client_id: str, code: str, request: Request,
                                      *args: Any, **kwargs: Any) -> None:
        """RFC 6749 §4.1.2: a code is used once; the grant is deleted."""
        grant = self._grant(client_id, code)
        if grant is not None:
            self._delete("grant", grant)

    # -- tokens (RFC 6749 §5, §6; RFC 6750) ----------------------------------------------

    def save_bearer_token(self, token: dict, request: Request, *args: Any, **kwargs: Any) -> None:
        """Call the tokensetter; on rotation first delete the refresh token it replaces."""
        old_refresh = getattr(request, "refresh_token", None)
        if (request.grant_type == "refresh_token" and old_refresh
                and token.get("refresh_token") != old_refresh):
            previous = self._call("tokengetter", refresh_token=old_refresh)
            if previous is not None:
                self._delete("token", previous)
        self._call("tokensetter", token, request, *args, **kwargs)

    def validate_bearer_token(self, token: Optional[str], scopes: Optional[list[str]],
                              request: Request) -> bool:
        """RFC 6750 §3.1: the token exists, has not expired, and covers *every* scope.

        Sets ``request.access_token`` (the token object, as Flask-OAuthlib),
        ``request.user``, ``request.client`` and ``request.scopes`` (the token's
        granted scopes); on refusal ``request.error_message`` says why, in
        Flask-OAuthlib's words (an ``invalid_response`` handler reads it).
        """
        found = self._call("tokengetter", access_token=token) if token else None
        if found is None:
            request.error_message = "Bearer token not found."
            return False
        if is_expired(found):
            request.error_message = "Bearer token is expired."
            return False
        granted = scopes_of(found)
        request.access_token = found
        request.user = getattr(found, "user", None)
        request.client = self._token_client(found)
        request.scopes = granted
        if not set(scopes or []) <= set(granted):
            request.error_message = "Bearer token scope not valid."
            return False
        return True

    def validate_refresh_token(self, refresh_token: str, client: Optional[Client], request: Request,
                               *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §6: the refresh token exists, was issued to this client and has not
        passed its own ``refresh_expires_at`` (when the token has one)."""
        found = self._call("tokengetter", refresh_token=refresh_token)
        if found is None or _has_passed(refresh_expires_at(found)):
            return False
        owner = getattr(self._token_client(found), "client_id", None)
        if not same_client(owner, getattr(client, "client_id", None)):
            return False
        request.user = getattr(found, "user", None)
        request.granted_resources = resources_of(found)
        remember_grant_jkt(request, getattr(found, "dpop_jkt", None))  # RFC 9449 §5
        return True

    def get_original_scopes(self, refresh_token: str, request: Request, *args: Any,
                            **kwargs: Any) -> list[str]:
        found = self._call("tokengetter", refresh_token=refresh_token)
        return scopes_of(found) if found is not None else []

    def _find_token(self, token: str, token_type_hint: Optional[str]) -> Optional[Token]:
        """Look the token up by the hinted type first, then the other (RFC 7009 §2.1)."""
        return self._find_token_and_kind(token, token_type_hint)[0]

    def _find_token_and_kind(self, token: str, token_type_hint: Optional[str]
                             ) -> tuple[Optional[Token], Optional[str]]:
        """The token and which of its two values matched (``access_token`` /
        ``refresh_token``), hinted type first."""
        kinds = ["access_token", "refresh_token"]
        if token_type_hint == kinds[1]:
            kinds.reverse()
        for kind in kinds:
            found = self._call("tokengetter", **{kind: token})
            if found is not None:
                return found, kind
        return None, None

    def revoke_token(self, token: str, token_type_hint: Optional[str], request: Request,
                     *args: Any, **kwargs: Any) -> None:
        """RFC 7009 §2.1: delete the token if it was issued to the requesting client.

        A token of another client is left alone, and the answer is the same 200, so the
        endpoint tells nobody whether a token exists.
        """
        found = self._find_token(token, token_type_hint)
        if found is None:
            return
        if not self.may_revoke(request, getattr(self._token_client(found), "client_id", None)):
            log.info("revocation refused: the token belongs to another client")
            return
        self._delete("token", found)

    def introspect_token(self, token: str, token_type_hint: Optional[str], request: Request,
                         *args: Any, **kwargs: Any) -> Optional[dict]:
        """RFC 7662 §2.2: claims of an active token, or ``None`` (``{"active": false}``).

        Who may see which token is :meth:`ProviderValidator.may_introspect`. A refresh
        token is judged by its own expiry (``refresh_expires_at`` when the token has
        one; Flask-OAuthlib's refresh tokens never expire), not the access token's.
        """
        found, kind = self._find_token_and_kind(token, token_type_hint)
        if found is None:
            return None
        if not self.may_introspect(getattr(request, "client", None),
                                   getattr(self._token_client(found), "client_id", None)):
            return None
        when = expires_at(found) if kind == "access_token" else refresh_expires_at(found)
        if _has_passed(when):
            return None
        claims: dict[str, Any] = {
            "active": True,
            "scope": " ".join(scopes_of(found)),
            "client_id": getattr(self._token_client(found), "client_id", None),
            "aud": audience_claim(resources_of(found) or []),
        }
        if kind == "access_token":
            claims["token_type"] = "Bearer"  # noqa: S105 - the token type's name
            jkt = getattr(found, "dpop_jkt", None)
            if isinstance(jkt, str) and jkt:
                # RFC 9449 §6.2: a token object that keeps its DPoP binding.
                claims["token_type"], claims["cnf"] = "DPoP", {"jkt": jkt}  # noqa: S105
        user = getattr(found, "user", None)
        username = getattr(user, "username", None)
        if username is not None:
            claims["username"] = username
        if when is not None:
            claims["exp"] = int(when.timestamp())
        return {key: value for key, value in claims.items() if value is not None}

    @property
    def usergetter(self) -> Optional[Callable[..., Any]]:  # type: ignore[override]
        return self.callbacks.get("usergetter")

    def validate_grant_type(self, client_id: str, grant_type: str,
                            client: Optional[Client], request: Request, *args: Any,
                            **kwargs: Any) -> bool:
        """As :class:`ProviderValidator`, and ``password`` needs a usergetter."""
        if grant_type == "password" and not self._has("usergetter"):
            return False
        return super().validate_grant_type(client_id, grant_type, client, request,
                                           *args, **kwargs)


def missing_callbacks_message(missing: list[str]) -> str:
    """The error shown when required callbacks are missing, naming each."""
    names = ", ".join(f"@oauth.{name}" for name in missing)
    return (
        f"OAuth2Provider is missing the callback(s) {names}. Register them (they are "
        "needed by the authorization code, token and resource flows), or give the "
        "provider a validator: OAuth2Provider(app, validator=...) or "
        "oauth.init_sqlalchemy(db, ...)."
    )

