"""Administration of the bundled storage: what the app and ``flask oauth`` call, not the core.

Registering, listing and deleting clients; revoking a token by value, or every token of a
client or of a user; the "authorized applications" a user sees; purging dead rows. The
store inherits these methods (``store.create_client(...)``, ``oauth.create_client(...)``).
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Optional, Union

from sqlalchemy import and_, delete, inspect, or_, select

from ..client_keys import check_client_keys
from ..config import KNOWN_GRANT_TYPES
from ..core.redirect_uris import check_redirect_uri
from .models import (
    AuthorizedApplication,
    new_client_id,
    set_user,
    space_joined,
    token_digest,
    user_clause,
)
from .registration import RegistrationAdmin

#: RFC 6749 §3.3: ``scope-token = 1*( %x21 / %x23-5B / %x5D-7E )``.
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")


class StoreAdmin(RegistrationAdmin):
    """The administration methods of :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`."""

    # Given by the store, which defines it as a validator method.
    load_client: Callable[[Optional[str]], Any]

    # -- clients ---------------------------------------------------------------------------

    def create_client(
        self,
        name: str,
        redirect_uris: Sequence[str] = (),
        grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
        scopes: Union[str, Sequence[str]] = (),
        public: bool = False,
        user: Any = None,
        resource_server: bool = False,
        *,
        default_scopes: Union[str, Sequence[str], None] = None,
        response_types: Optional[Sequence[str]] = None,
        token_endpoint_auth_method: Optional[str] = None,
        jwks: Any = None,
        jwks_uri: Optional[str] = None,
        dpop_bound_access_tokens: bool = False,
        require_pushed_authorization_requests: bool = False,
    ) -> tuple[Any, Optional[str]]:
        """Register a client; return ``(client, client_secret)`` (``None`` for public ones).

        The secret is shown here once and stored only as its digest. Redirect URIs are
        checked by :func:`check_redirect_uri`; clients of the authorization code and
        implicit grants must register at least one (RFC 6749 §3.1.2.2). With
        ``require_pushed_authorization_requests`` the client's authorization requests
        must come through the PAR endpoint (RFC 9126 §6); with
        ``dpop_bound_access_tokens`` its token requests must carry a DPoP proof (RFC 9449
        §5.2). Raises ``ValueError`` with a message saying what is wrong.

        ``token_endpoint_auth_method="private_key_jwt"`` (RFC 7523, OpenID Connect Core
        §9) makes a confidential client without a secret, which authenticates with JWTs
        signed by its keys: give its public keys as ``jwks`` (a JWK set) or ``jwks_uri``
        (fetched under the SSRF rules of client ID metadata documents). Any client may
        register keys, for signed request objects (RFC 9101). ``client_secret_jwt`` is
        refused: it needs the secret in clear, and only its digest is kept.
        """
        client, secret = self._new_client(
            name, redirect_uris, grant_types, scopes, public, user, resource_server,
            default_scopes=default_scopes, response_types=response_types,
            auth_method=token_endpoint_auth_method, jwks=jwks, jwks_uri=jwks_uri)
        if dpop_bound_access_tokens:
            client.client_metadata = {**client.client_metadata,
                                      "dpop_bound_access_tokens": True}
        if require_pushed_authorization_requests:
            client.client_metadata = {**client.client_metadata,
                                      "require_pushed_authorization_requests": True}

        def add() -> Any:
            self.session.add(client)
            return client

        self._write(add)
        return client, secret

    def _new_client(
        self, name: str, redirect_uris: Union[str, Sequence[str]],
        grant_types: Union[str, Sequence[str]], scopes: Union[str, Sequence[str]],
        public: bool, user: Any, resource_server: bool, *,
        default_scopes: Union[str, Sequence[str], None],
        response_types: Optional[Sequence[str]],
        auth_method: Optional[str] = None, jwks: Any = None, jwks_uri: Optional[str] = None,
    ) -> tuple[Any, Optional[str]]:
        """The checked, unsaved client row of :meth:`create_client` and its secret."""
        auth_method = _check_auth_method(auth_method, public,
                                         self.config.token_endpoint_auth_methods)
        keys = check_client_keys(
            jwks, jwks_uri, allow_private=self.config.client_id_metadata_document_allow_private)
        if auth_method == "private_key_jwt" and not keys:
            raise ValueError("A private_key_jwt client needs its public keys: give jwks or "
                             "jwks_uri (RFC 7591 §2).")
        name = _check_name(name)
        grant_types = _check_grant_types(grant_types, public)
        redirect_uris = self._check_redirect_uris(redirect_uris, grant_types)
        allowed, defaults = _check_client_scopes(scopes, default_scopes)
        if response_types is None:
            response_types = [rt for gt, rt in (("authorization_code", "code"),
                                                 ("implicit", "token")) if gt in grant_types]
        if user is not None and self._client_user is None:
            raise ValueError(
                f"{self.client_model.__name__} has no 'user' relationship, so a client "
                "cannot belong to a user."
            )

        # RFC 7523: a private_key_jwt client proves itself with its key; no secret.
        secret = None if public or auth_method == "private_key_jwt" else secrets.token_urlsafe(32)
        client = self.client_model()
        client.client_id = new_client_id()
        client.client_secret_hash = token_digest(secret) if secret else None
        client.client_type = "public" if public else "confidential"
        client.name = name
        client.redirect_uris = redirect_uris
        client.grant_types = space_joined(grant_types)
        client.response_types = space_joined(response_types)
        client.scope = space_joined(allowed)
        client.default_scope = space_joined(defaults)
        client.is_resource_server = bool(resource_server)
        client.created_at = self.now()
        client.registration_origin = "manual"
        if auth_method != ("none" if public else "client_secret_basic") or keys:
            client.client_metadata = {"token_endpoint_auth_method": auth_method, **keys}
        if user is not None:
            set_user(client, user)
        return client, secret

    def _check_redirect_uris(self, redirect_uris: Union[str, Sequence[str]],
                             grant_types: list[str]) -> list[str]:
        redirect_uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        for uri in redirect_uris:
            check_redirect_uri(uri, allow_insecure_http=self.config.insecure_transport)
        if not redirect_uris and {"authorization_code", "implicit"} & set(grant_types):
            raise ValueError(
                "Clients of the authorization_code or implicit grant must register at least "
                "one redirect URI (RFC 6749 §3.1.2.2)."
            )
        return redirect_uris

    def list_clients(self) -> list[Any]:
        """Every registered client, oldest first."""
        model = self.client_model
        return list(self.session.scalars(select(model).order_by(model.created_at, model.client_id)))

    def delete_client(self, client_id: str) -> bool:
        """Delete a client with its codes and tokens; ``False`` if there is no such client."""
        client = self.load_client(client_id)
        if client is None:
            return False

        def remove() -> None:
            self.session.execute(
                delete(self.token_model).where(self.token_model.client_id == client_id),
                execution_options={"synchronize_session": False},
            )
            self.session.execute(
                delete(self.code_model).where(self.code_model.client_id == client_id),
                execution_options={"synchronize_session": False},
            )
            self.session.delete(client)

        self._write(remove)
        return True

    # -- revocation ------------------------------------------------------------------------

    def revoke_token_value(self, token: str) -> bool:
        """Revoke a token whoever it belongs to (administration); ``False`` if unknown.

        As at the revocation endpoint, a refresh token takes its family along.
        """
        row, kind = self._find_token(token)
        if row is None:
            return False
        self._revoke_found(row, kind)
        return True

    def revoke_client_tokens(self, client_id: str) -> int:
        """Revoke every token of a client, and its unused codes; return the token count."""
        self._consume_codes(self.code_model.client_id == client_id)
        return self._revoke_rows(self.token_model.client_id == client_id)

    def revoke_user_tokens(self, user: Any, client_id: Optional[str] = None) -> int:
        """Revoke every token of ``user`` (with one client, if given) and unused codes.

        This is the "revoke access" button of an authorized-applications page.
        """
        criteria = [user_clause(self.token_model, user)]
        code_criteria = [user_clause(self.code_model, user)]
        if client_id is not None:
            criteria.append(self.token_model.client_id == client_id)
            code_criteria.append(self.code_model.client_id == client_id)
        self._consume_codes(*code_criteria)
        return self._revoke_rows(*criteria)

    # -- what a user sees, what an operator cleans up ----------------------------------------

    def authorized_applications(self, user: Any) -> list[AuthorizedApplication]:
        """The clients ``user`` holds live grants for, with scopes and dates (one SELECT).

        A grant is live while one of its tokens can still be used: an unexpired access
        token, or a refresh token that is neither rotated out nor expired.
        """
        model, client_model = self.token_model, self.client_model
        now = self.now()
        stmt = (
            select(model, client_model)
            .join(client_model, client_model.client_id == model.client_id)
            .where(
                user_clause(model, user),
                model.revoked_at.is_(None),
                or_(
                    model.expires_at.is_(None),
                    model.expires_at > now,
                    and_(
                        model.refresh_token_digest.is_not(None),
                        model.refresh_rotated_at.is_(None),
                        or_(model.refresh_expires_at.is_(None), model.refresh_expires_at > now),
                    ),
                ),
            )
            .order_by(model.issued_at)
        )
        apps: dict[str, AuthorizedApplication] = {}
        for row, client in self.session.execute(stmt):
            app = apps.get(client.client_id)
            if app is None:
                apps[client.client_id] = AuthorizedApplication(
                    client=client, scopes=list(row.grant_scopes), authorized_at=row.issued_at,
                    last_issued_at=row.issued_at,
                )
            else:
                app.scopes.extend(s for s in row.grant_scopes if s not in app.scopes)
                app.last_issued_at = max(app.last_issued_at, row.issued_at)
        return list(apps.values())

    def purge(self, batch_size: int = 1000, now: Optional[datetime.datetime] = None
              ) -> dict[str, int]:
        """Delete expired codes, dead tokens and unused anonymous clients, ``batch_size``
        rows per transaction.

        A token row is dead when it is revoked, or when its access token has expired and
        its refresh token is absent or expired. Rotated-out refresh tokens are kept until
        they expire, so that their reuse is still detected. With the device models, also
        expired device codes (RFC 8628 §3.2 ``expires_in``) and wrong user-code entries
        older than one device code lifetime (they no longer count, RFC 8628 §5.1). With
        ``par_model``, also expired pushed authorization requests (RFC 9126 §2.2).
        An openly registered client,
        or one fetched from its metadata document, is deleted when it has no code and no
        token ``OAUTH2_PROVIDER_REGISTRATION_PURGE_UNUSED_AFTER`` seconds after it was
        registered (then the counts have a ``"clients"`` entry). Returns the counts deleted.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be a positive number of rows.")
        now = now or self.now()
        code, token = self.code_model, self.token_model
        counts = {
            "codes": self._purge_batches(code, [code.expires_at <= now], batch_size),
            "tokens": self._purge_batches(token, [or_(
                token.revoked_at.is_not(None),
                and_(
                    token.expires_at.is_not(None),
                    token.expires_at <= now,
                    or_(token.refresh_token_digest.is_(None),
                        and_(token.refresh_expires_at.is_not(None),
                             token.refresh_expires_at <= now)),
                ),
            )], batch_size),
        }
        config = self.config
        unused_after = config.registration_purge_unused_after
        if (config.dynamic_registration or config.client_id_metadata_documents) \
                and unused_after is not None:
            before = now - datetime.timedelta(seconds=unused_after)
            counts["clients"] = self._purge_batches(
                self.client_model, self._unused_anonymous_clients(before), batch_size)
        counts.update(self._purge_device_rows(now, batch_size))
        if self.par_model is not None:  # RFC 9126: request URIs nobody used in time
            counts["pushed_requests"] = self._purge_batches(
                self.par_model, [self.par_model.expires_at <= now], batch_size)
        return counts

    def _purge_device_rows(self, now: datetime.datetime, batch_size: int) -> dict[str, int]:
        device, attempt = self.device_code_model, self.device_attempt_model
        counts = {}
        if device is not None:
            counts["device_codes"] = self._purge_batches(
                device, [device.expires_at <= now], batch_size)
        if attempt is not None:
            window = datetime.timedelta(seconds=self.config.device_code_expires_in)
            counts["device_attempts"] = self._purge_batches(
                attempt, [attempt.failed_at <= now - window], batch_size)
        return counts

    def _purge_batches(self, model: type, criteria: list, batch_size: int) -> int:
        pk = inspect(model).primary_key
        if len(pk) != 1:
            raise TypeError(f"purge needs a single-column primary key on {model.__name__}.")
        (pk_col,) = pk
        total = 0
        while True:
            ids = list(self.session.scalars(select(pk_col).where(*criteria).limit(batch_size)))
            if not ids:
                self.session.commit()
                return total

            def remove(ids: list = ids) -> int:
                return self.session.execute(
                    delete(model).where(pk_col.in_(ids)),
                    execution_options={"synchronize_session": False},
                ).rowcount

            total += self._write(remove)
            if len(ids) < batch_size:
                return total


# -- registration checks -------------------------------------------------------------------


def _check_auth_method(method: Optional[str], public: bool, enabled: Sequence[str]) -> str:
    """RFC 7591 §2 ``token_endpoint_auth_method`` of a new client in the bundled store:
    one of the ``enabled`` ones (``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS``), since
    a client of another method could never authenticate."""
    if method is None:
        method = "none" if public else "client_secret_basic"
    if method not in enabled and not (method == "client_secret_basic"  # noqa: S105
                                      and "client_secret_post" in enabled):
        raise ValueError(
            f"token_endpoint_auth_method {method!r} is not enabled: "
            f"OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS allows {', '.join(enabled)}.")
    if public != (method == "none"):
        raise ValueError("A public client authenticates with 'none', and only a public one.")
    if method == "client_secret_jwt":  # noqa: S105 - a method name
        raise ValueError(
            "client_secret_jwt needs the client secret in clear to check its HMAC, and the "
            "bundled store keeps only its digest: use private_key_jwt.")
    if method not in ("client_secret_basic", "client_secret_post", "private_key_jwt", "none"):
        raise ValueError(f"Unknown token_endpoint_auth_method {method!r}.")
    return method


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("A client needs a name (shown to users on the consent page).")
    if len(name) > 100:
        raise ValueError("A client name must be at most 100 characters.")
    return name.strip()


def _check_grant_types(grant_types: Union[str, Sequence[str]], public: bool) -> list[str]:
    grant_types = grant_types.split() if isinstance(grant_types, str) else list(grant_types)
    bad = [g for g in grant_types if g not in KNOWN_GRANT_TYPES]
    if bad or not grant_types:
        raise ValueError(
            f"Grant types must be some of {', '.join(KNOWN_GRANT_TYPES)}; got {grant_types!r}."
        )
    if public and "client_credentials" in grant_types:
        raise ValueError(
            "A public client has no secret, so it cannot use the client_credentials "
            "grant (RFC 6749 §4.4)."
        )
    return grant_types


def _check_client_scopes(scopes: Union[str, Sequence[str]],
                         default_scopes: Union[str, Sequence[str], None]
                         ) -> tuple[list[str], list[str]]:
    """The client's scopes and default scopes (all of them unless given), checked."""
    allowed = _check_scopes(scopes, "scopes")
    defaults = allowed if default_scopes is None else _check_scopes(default_scopes,
                                                                     "default_scopes")
    if not set(defaults) <= set(allowed):
        raise ValueError("default_scopes must be among the client's scopes.")
    return allowed, defaults


def _check_scopes(scopes: Union[str, Iterable[str]], what: str) -> list[str]:
    values = scopes.split() if isinstance(scopes, str) else list(scopes)
    for scope in values:
        if not isinstance(scope, str) or not _SCOPE_TOKEN.match(scope):
            raise ValueError(f"{what}: {scope!r} is not a valid scope token (RFC 6749 §3.3).")
    return list(dict.fromkeys(values))
