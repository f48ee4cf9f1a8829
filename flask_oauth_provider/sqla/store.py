"""The RequestValidator over the bundled models: what the core asks of the storage.

Storage rules (RFC 6819 §5.1.4.1.3 "no cleartext storage", RFC 6749 §4.1.2, RFC 9700
§4.14.2):

- client secrets, authorization codes, access and refresh tokens are kept as SHA-256
  digests (:func:`~flask_oauth_provider.sqla.models.token_digest`) and looked up by
  digest; the clear value leaves the server once, in the response that creates it;
- code redemption and refresh-token rotation are one conditional ``UPDATE`` whose row
  count decides, committed in the same transaction as the new token, so two workers
  racing on one code or refresh token issue one token, never two (the single-use writes
  of :mod:`flask_oauth_provider.sqla.redemption`);
- a replayed code revokes the tokens issued from it (RFC 6749 §4.1.2); a rotated-out
  refresh token presented again revokes its whole family (RFC 9700 §4.14.2);
- a database outage is answered with ``temporarily_unavailable`` (503), see
  :mod:`flask_oauth_provider.sqla.outages`;
- the device authorization grant (RFC 8628) is :mod:`flask_oauth_provider.sqla.device`.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import uuid
from typing import Any, Optional

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import OperationalError

from ..core import errors
from ..core.dpop import bound_jkt, remember_grant_jkt
from ..core.request import Request
from ..core.resource_indicators import audience_claim
from ..core.types import Client
from ..core.utils import verify_code_verifier
from ..metadata_documents import is_document_client_id
from ..oidc import openid_request_data, restore_openid_request_data
from ..validators import ProviderValidator, same_client
from .admin import StoreAdmin
from .bearer import AccessTokenRecord, BearerPlan
from .device import DeviceStore
from .models import (
    AuthorizationCodeMixin,
    ClientMixin,
    TokenMixin,
    set_user,
    space_joined,
    token_digest,
    unproxied,
    user_values,
)
from .outages import answer_outages_with_503, database_unavailable
from .pushed import PushedRequestStore
from .redemption import AlreadyRedeemed, SingleUseWrites
from .rows import RowLoader

log = logging.getLogger("flask_oauth_provider.sqla")


@answer_outages_with_503
class SQLAlchemyStore(StoreAdmin, DeviceStore, PushedRequestStore, SingleUseWrites,
                      ProviderValidator):
    """The RequestValidator over the bundled models (a SQLAlchemy session, no Flask needed).

    ``session`` is a :class:`~sqlalchemy.orm.Session` or a ``scoped_session`` (such as
    Flask-SQLAlchemy's ``db.session``); give it one session per request. The store
    commits its own writes, each grant's in one transaction, and rolls back on failure.
    ``config`` is a :class:`~flask_oauth_provider.config.ProviderConfig` (code and
    refresh lifetimes, rotation policy, issuer) for use outside a Flask app; inside an
    app with a registered provider, that app's configuration applies (one lookup for
    every validator: :func:`flask_oauth_provider.state.config_in_force`).
    """

    # -- per-request cache ------------------------------------------------------------

    @staticmethod
    def _cache(request: Request, name: str, value: Any = None) -> Any:
        # Core Request objects accept new attributes; the cache lives for one request.
        setattr(request, "_sqla_" + name, value)
        return value

    @staticmethod
    def _cached(request: Request, name: str) -> Any:
        return getattr(request, "__dict__", {}).get("_sqla_" + name)

    # -- clients ------------------------------------------------------------------------

    def load_client(self, client_id: Optional[str]) -> Optional[ClientMixin]:
        """The client with this ``client_id`` (one SELECT, reused within the session)."""
        if not client_id or not isinstance(client_id, str):
            return None
        cached = self._client_in_session(client_id)
        if cached is not None:
            return cached
        # One Core SELECT (the client outer-joined to its user) and the objects made from
        # its row (see .rows): the ORM's query path cost twice the statement.
        loader = self._statement("client", lambda: RowLoader.build(
            self.client_model, "client_id", self._client_user))
        client = loader.load(self.session, client_id)
        # Exact match: MariaDB's default collations ignore case and trailing spaces.
        client = client if client is not None and client.client_id == client_id else None
        if is_document_client_id(client_id) and self.config.client_id_metadata_documents:
            return self._document_client(client_id, client)
        return client

    def _client_in_session(self, client_id: str) -> Optional[ClientMixin]:
        # The token endpoint asks for the client two or three times per request
        # (client_authentication_required, authenticate_client, ...); the session's
        # identity map already holds it after the first SELECT. Expired (committed)
        # instances are skipped so that a fresh row is read.
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, self.client_model) and obj.__dict__.get("client_id") == client_id:
                state = inspect(obj)
                if state.persistent and not state.expired_attributes:
                    return obj
        return None

    def client_secret_matches(self, client: Optional[Client], client_secret: str) -> bool:
        """Constant-time comparison against the stored SHA-256 digest (RFC 6749 §2.3.1)."""
        if client is None or not isinstance(client, ClientMixin):
            # Same work for an unknown client as for a known one: no client-id oracle.
            token_digest(client_secret or "")
            hmac.compare_digest(b"0" * 64, b"1" * 64)
            return False
        return client.check_client_secret(client_secret)

    #: The bundled models keep secrets as digests: no ``client_secret_jwt`` (its HMAC
    #: needs the secret in clear), so metadata does not offer it either.
    supports_client_secret_jwt = False

    def client_secret_for_assertion(self, client: Client) -> Optional[str]:
        """Always ``None``: only the secret's digest is stored."""
        return None

    # -- authorization codes (RFC 6749 §4.1) ----------------------------------------------

    def save_authorization_code(self, client_id: str, code: dict, request: Request,
                                *args: Any, **kwargs: Any) -> None:
        """Store the code's digest, bound to client, user, redirect URI and PKCE challenge.

        RFC 6749 §4.1.2: the code expires after ``OAUTH2_PROVIDER_CODE_EXPIRES_IN``
        seconds (at most 10 minutes). The ``redirect_uri`` is kept only when the
        authorization request carried one, since only then must the token request
        repeat it (RFC 6749 §4.1.3).
        """
        now = self.now()
        row = self.code_model()
        row.code_digest = token_digest(code["code"])
        row.client_id = client_id or request.client.client_id
        explicit = not getattr(request, "using_default_redirect_uri", False)
        row.redirect_uri = request.redirect_uri if explicit else None
        row.scope = space_joined(request.scopes)
        row.resource = space_joined(getattr(request, "resources", None))
        row.code_challenge = getattr(request, "code_challenge", None) or None
        row.code_challenge_method = (
            getattr(request, "code_challenge_method", None) if row.code_challenge else None
        )
        row.family_id = uuid.uuid4().hex
        row.created_at = now
        row.expires_at = now + datetime.timedelta(seconds=self.config.code_expires_in)
        row.openid_request = openid_request_data(request)
        row.dpop_jkt = bound_jkt(request)  # RFC 9449 §10
        set_user(row, request.user)
        self._write(lambda: self.session.add(row))

    def _load_code(self, code: str, request: Request) -> Optional[AuthorizationCodeMixin]:
        digest = token_digest(code)
        cached = self._cached(request, "code")
        if cached is not None and cached.code_digest == digest:
            return cached
        loader = self._statement("code", lambda: RowLoader.build(
            self.code_model, "code_digest", self._code_user))
        return self._cache(request, "code", loader.load(self.session, digest))

    def validate_code(self, client_id: str, code: str, client: Client, request: Request,
                      *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §4.1.3: the code exists, was issued to this client, is unused and alive.

        Sets ``request.user`` and ``request.scopes`` from the code. A code that was
        already redeemed is a replay (RFC 6749 §4.1.2, §10.5): when the request is
        otherwise genuine (the client authenticated, the PKCE verifier matches) the
        tokens issued from the code are revoked. A replay with a wrong verifier revokes
        nothing (OAuth 2.1 §4.1.3: no denial of service by a code thief).
        """
        if not code or not isinstance(code, str):
            return False
        row = self._load_code(code, request)
        if row is None:
            return False
        expected_client = getattr(client, "client_id", None) or client_id
        if not same_client(row.client_id, expected_client):
            return False
        if row.consumed_at is not None:
            if self._replay_is_genuine(row, request):
                log.warning("authorization code replayed: revoking the tokens issued from it")
                self._revoke_family(row.family_id)
            return False
        if row.is_expired(self.now()):
            return False
        request.user = row.user if self._code_user is not None else None
        request.scopes = row.scopes
        # RFC 8707 §2.2: the token request may name only resources the code was for.
        request.granted_resources = row.resources or None
        remember_grant_jkt(request, row.dpop_jkt)  # RFC 9449 §10
        restore_openid_request_data(row.openid_request, request)
        return True

    def _replay_is_genuine(self, row: AuthorizationCodeMixin, request: Request) -> bool:
        if not row.code_challenge:
            return True
        verifier = getattr(request, "code_verifier", None)
        if not verifier:
            return False
        try:
            return bool(verify_code_verifier(verifier, row.code_challenge,
                                             row.code_challenge_method or "plain"))
        except Exception:  # noqa: BLE001 - a malformed verifier is simply not genuine
            return False

    def get_authorization_code_scopes(self, client_id: str, code: str,
                                      redirect_uri: Optional[str], request: Request) -> list[str]:
        """The scopes of the code (routes an OpenID token request); the row stays cached
        for the checks that follow, so no statement is added."""
        row = self._load_code(code, request) if isinstance(code, str) else None
        return row.scopes if row is not None else []

    def get_authorization_code_nonce(self, client_id: str, code: str,
                                     redirect_uri: Optional[str], request: Request
                                     ) -> Optional[str]:
        """The nonce of the authorization request of the code (OpenID Connect Core
        §3.1.3.6)."""
        row = self._load_code(code, request)
        return restore_openid_request_data(row.openid_request, request).get(
            "nonce") if row is not None else None

    def get_code_challenge(self, code: str, request: Request) -> Optional[str]:
        """The PKCE challenge bound to the code (RFC 7636 §4.6), or ``None``."""
        row = self._load_code(code, request)
        return row.code_challenge if row is not None else None

    def get_code_challenge_method(self, code: str, request: Request) -> Optional[str]:
        row = self._load_code(code, request)
        return row.code_challenge_method if row is not None else None

    def confirm_redirect_uri(self, client_id: str, code: str, redirect_uri: Optional[str],
                             client: Client, request: Request, *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §4.1.3: a ``redirect_uri`` sent with the authorization request must be
        sent again, identical; a code obtained without one accepts the client's default.
        """
        row = self._load_code(code, request)
        if row is None:
            return False
        using_default = bool(getattr(request, "using_default_redirect_uri", False))
        if row.redirect_uri is not None:
            return (not using_default and redirect_uri is not None
                    and redirect_uri == row.redirect_uri)
        if using_default or redirect_uri is None:
            return True
        return redirect_uri == self.get_default_redirect_uri(client_id, request)

    def invalidate_authorization_code(self, client_id: str, code: str, request: Request,
                                      *args: Any, **kwargs: Any) -> None:
        """Mark the code used. ``save_bearer_token`` already did so, atomically, when it
        issued the token; otherwise one conditional UPDATE does it here.
        """
        if self._cached(request, "redeemed"):
            return
        self._consume_codes(self.code_model.code_digest == token_digest(code))

    # -- tokens (RFC 6749 §5, §6) ----------------------------------------------------------

    def validate_refresh_token(self, refresh_token: str, client: Client, request: Request,
                               *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §6: the refresh token exists, belongs to this client and is alive.

        A refresh token that was rotated out and is presented again is reuse (RFC 9700
        §4.14.2, OAuth 2.1 §4.3.1): its whole family is revoked.
        """
        if not refresh_token or not isinstance(refresh_token, str):
            return False
        loader = self._statement("refresh", lambda: RowLoader.build(
            self.token_model, "refresh_token_digest", self._token_user))
        row = loader.load(self.session, token_digest(refresh_token))
        if row is None:
            return False
        if not same_client(row.client_id, getattr(client, "client_id", None)):
            return False
        if row.revoked_at is not None:
            return False
        if row.refresh_rotated_at is not None:
            log.warning("rotated-out refresh token presented again: revoking its family")
            self._revoke_family(row.family_id)
            return False
        if row.refresh_expires_at is not None and row.refresh_expires_at <= self.now():
            return False
        self._cache(request, "refresh", row)
        request.user = row.user if self._token_user is not None else None
        request.granted_resources = row.grant_resources or None
        remember_grant_jkt(request, row.dpop_jkt)  # RFC 9449 §5 (public clients)
        restore_openid_request_data(row.openid_request, request)
        return True

    def get_original_scopes(self, refresh_token: str, request: Request, *args: Any,
                            **kwargs: Any) -> list[str]:
        """The scopes of the grant the refresh token belongs to (RFC 6749 §6)."""
        row = self._cached(request, "refresh")
        if row is None or row.refresh_token_digest != token_digest(refresh_token):
            row = self.session.scalars(select(self.token_model).where(
                self.token_model.refresh_token_digest == token_digest(refresh_token))).first()
        return row.grant_scopes if row is not None else []

    def save_bearer_token(self, token: dict, request: Request, *args: Any, **kwargs: Any) -> None:
        """Store the new token's digests, in one transaction with what it consumes.

        Authorization code grant: the code is redeemed once
        (:meth:`~SingleUseWrites._redeem_code_once`); refresh with rotation: the old
        refresh token is rotated out once (:meth:`~SingleUseWrites._rotate_refresh_once`);
        refresh without rotation: it is confirmed live
        (:meth:`~SingleUseWrites._confirm_refresh_live`). If that conditional UPDATE
        matched no row, another request got there first: nothing is written and
        ``invalid_grant`` is raised (RFC 6749 §5.2).
        """
        now = self.now()
        grant_type = getattr(request, "grant_type", None)
        code_row = self._cached(request, "code") if grant_type == "authorization_code" else None
        old = self._cached(request, "refresh") if grant_type == "refresh_token" else None
        row = self._new_token_row(token, request, now, code_row, old)

        def write() -> None:
            if code_row is not None:
                self._redeem_code_once(code_row.code_digest, now)
            elif old is not None and row.get("refresh_token_digest") is not None:
                self._rotate_refresh_once(old.refresh_token_digest, now)
            elif old is not None:
                self._confirm_refresh_live(old.refresh_token_digest)
            self._insert_token(row)

        try:
            self._write(write)
        except AlreadyRedeemed:
            # Another request redeemed the code / rotated the refresh token between our
            # read and our write: this one is a replay of it, refused, and (RFC 6749
            # §4.1.2, RFC 9700 §4.14.2) the tokens of that grant are revoked.
            log.warning("%s presented twice at once: refusing and revoking its family",
                        grant_type)
            self._revoke_family(row["family_id"])
            raise errors.InvalidGrantError(request=request) from None
        except OperationalError as exc:
            if code_row is None and old is None or database_unavailable(exc):
                raise
            # Serialization failures, deadlocks, "database is locked" when racing on one
            # row: the other request won, so this one is refused cleanly.
            log.info("database refused a concurrent %s redemption", grant_type, exc_info=True)
            raise errors.InvalidGrantError(request=request) from None
        if code_row is not None:
            self._cache(request, "redeemed", True)

    def _new_token_row(self, token: dict, request: Request, now: datetime.datetime,
                       code_row: Optional[AuthorizationCodeMixin],
                       old: Optional[TokenMixin]) -> dict[str, Any]:
        """The new token's row, as values by attribute: digests, scopes, lifetimes,
        family, user (written by :meth:`~SingleUseWrites._insert_token`).

        It joins the family of the code it redeems or of the refresh token it replaces,
        and keeps that grant's scopes (RFC 6749 §6); a refresh token that is not rotated
        stays on its old row.
        """
        scope = token.get("scope")
        scope = space_joined(scope if scope is not None else request.scopes)
        expires_in = token.get("expires_in")
        resource = space_joined(getattr(request, "resources", None))
        row: dict[str, Any] = {
            "access_token_digest": token_digest(token["access_token"]),
            "token_type": token.get("token_type") or "Bearer",
            "client_id": request.client.client_id, "scope": scope, "issued_at": now,
            "expires_at": (now + datetime.timedelta(seconds=int(expires_in))
                           if expires_in is not None else None),
            "grant_scope": scope, "resource": resource, "grant_resource": resource}
        if code_row is not None:
            row["family_id"] = code_row.family_id
            row["grant_resource"] = code_row.resource or resource
        elif old is not None:
            row["family_id"] = old.family_id
            row["grant_scope"] = old.grant_scope or old.scope
            row["grant_resource"] = old.grant_resource or old.resource or resource
        else:
            row["family_id"] = uuid.uuid4().hex
        refresh = token.get("refresh_token")
        if refresh and not (old is not None and refresh == request.refresh_token):
            row["refresh_token_digest"] = token_digest(refresh)
            lifetime = self.config.refresh_token_expires_in
            row["refresh_expires_at"] = (now + datetime.timedelta(seconds=lifetime)
                                         if lifetime is not None else None)
        row["openid_request"] = (old.openid_request if old is not None
                                 else openid_request_data(request))
        row["dpop_jkt"] = bound_jkt(request)  # RFC 9449 §5
        user = getattr(request, "user", None)
        if user is not None:
            keys = user_values(self.token_model, user)
            if keys is not None:
                row.update(keys)
            elif self._token_user is not None:  # only the ORM can map this one
                row[self._token_user.key] = unproxied(user)
        return row

    def validate_bearer_token(self, token: Optional[str], scopes: Optional[list[str]],
                              request: Request) -> bool:
        """RFC 6750 §2: one joined SELECT loads the token, its client and its user.

        Sets ``request.access_token`` (the token row), ``request.client``,
        ``request.user`` and ``request.scopes`` (the token's) when the token is active,
        even if it lacks a required scope; the result is ``False`` then, and the caller
        can tell ``insufficient_scope`` (RFC 6750 §3.1) from ``invalid_token`` by
        ``request.access_token`` being set.
        """
        if not token or not isinstance(token, str):
            return False
        model, client_model = self.token_model, self.client_model
        stmt = self._statement("bearer", lambda: self._with_user(
            select(model, client_model)
            .join(client_model, client_model.client_id == model.client_id)
            .where(model.access_token_digest == bindparam("digest")),
            model, self._token_user,
        ))
        found = self.session.execute(stmt, {"digest": token_digest(token)}).first()
        if found is None:
            request.error_message = "Bearer token not found."
            return False
        row, client = found
        now = self.now()
        if not row.is_active(now):
            request.error_message = ("Bearer token is expired." if row.is_expired(now)
                                     else "Bearer token is revoked.")
            return False
        request.access_token = row
        request.client = client
        request.user = row.user if self._token_user is not None else None
        request.scopes = row.scopes
        restore_openid_request_data(row.openid_request, request)
        granted = set(row.scopes)
        return all(scope in granted for scope in (scopes or []))

    def find_access_token(self, token: Optional[str],
                          wide: bool = True) -> Optional[AccessTokenRecord]:
        """The access token ``token`` in one SELECT, without building an ORM object.

        For ``require_oauth`` (RFC 6750 §2). The SELECT joins the client as
        :meth:`validate_bearer_token` does (a token whose client is gone is not found)
        and returns the token's client id, scope, expiry, revocation time and ids;
        ``wide`` adds every column of the token, its client and its user, so that the
        :class:`~flask_oauth_provider.sqla.bearer.AccessTokenRecord` can give a view
        those objects without a second statement. Whether the token is active is the
        caller's check (with :meth:`now`).
        """
        if not token or not isinstance(token, str):
            return None
        plan = self._statement("bearer_columns", lambda: BearerPlan.build(
            self, self.token_model, self.client_model, self._token_user))
        return plan.find(token_digest(token), wide)

    def fast_bearer_path(self) -> bool:
        """Whether :meth:`find_access_token` answers for :meth:`validate_bearer_token`:
        not when a subclass or an instance attribute changed either."""
        return (getattr(self.validate_bearer_token, "__func__", None)
                is SQLAlchemyStore.validate_bearer_token
                and getattr(self.find_access_token, "__func__", None)
                is SQLAlchemyStore.find_access_token)

    def introspect_token(self, token: str, token_type_hint: Optional[str], request: Request,
                         *args: Any, **kwargs: Any) -> Optional[dict]:
        """RFC 7662 §2.2 claims of an active token, or ``None`` (``{"active": false}``).

        Both token types are searched whatever the hint says (RFC 7662 §2.1). A client
        sees its own tokens; a client registered as resource server sees every token
        (RFC 7662 §4: the caller must be authorized for the token).
        """
        row, kind = self._find_token(token)
        if row is None:
            return None
        if not self.may_introspect(getattr(request, "client", None), row.client_id):
            return None
        now = self.now()
        if kind == "access_token":
            if not row.is_active(now):
                return None
            expires = row.expires_at
        else:
            if not row.is_refresh_active(now):
                return None
            expires = row.refresh_expires_at
        claims: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": row.scope if kind == "access_token" else " ".join(row.grant_scopes),
            "iat": _epoch(row.issued_at),
        }
        if kind == "access_token":
            claims["token_type"] = row.token_type
            if row.dpop_jkt:
                # RFC 9449 §6.2: the confirmation of the key the token is bound to.
                claims["cnf"] = {"jkt": row.dpop_jkt}
        audience = audience_claim(
            row.resources if kind == "access_token" else row.grant_resources)
        if audience is not None:
            claims["aud"] = audience
        if expires is not None:
            claims["exp"] = _epoch(expires)
        user = row.user if self._token_user is not None else None
        if user is not None:
            identity = inspect(user, raiseerr=False)
            if identity is not None and identity.identity:
                claims["sub"] = str(identity.identity[0]) if len(identity.identity) == 1 \
                    else ":".join(str(part) for part in identity.identity)
            username = getattr(user, "username", None)
            if username is not None:
                claims["username"] = str(username)
        if self.config.issuer:
            claims["iss"] = self.config.issuer
        return claims

    def revoke_token(self, token: str, token_type_hint: Optional[str], request: Request,
                     *args: Any, **kwargs: Any) -> None:
        """RFC 7009 §2.1: revoke a token of the requesting client.

        A token of another client is left alone (§2.1: the token must belong to the
        requesting client); unknown tokens are ignored (§2.2). Revoking a refresh token
        revokes the access tokens of the same grant (its family, §2.1 SHOULD); revoking
        an access token also revokes the refresh token issued with it (§2.1 MAY).
        """
        row, kind = self._find_token(token)
        if row is None:
            return
        if not self.may_revoke(request, row.client_id):
            log.info("revocation of another client's token refused (RFC 7009 §2.1)")
            return
        self._revoke_found(row, kind)


def _epoch(value: datetime.datetime) -> int:
    return int(value.replace(tzinfo=datetime.timezone.utc).timestamp())
