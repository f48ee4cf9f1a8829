"""Dynamic registration in the bundled storage (RFC 7591, RFC 7592).

Initial access tokens (RFC 7591 §3), the clients registered with or without one, their
registration access tokens (RFC 7592 §1.1: stored as digests, rotated on update), the
registration counts behind the per-address and global limits, the clients fetched from
client ID metadata documents, and the purge of unused anonymous clients. The rules a
client's metadata must meet live in :mod:`flask_oauth_provider.registration`.
"""

from __future__ import annotations

import datetime
import hmac
import logging
import secrets
from typing import Any, Optional

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..metadata_documents import DocumentError, load_document_metadata
from ..registration import ClientMetadata, Policy
from .models import token_digest
from .redemption import AlreadyRedeemed, SingleUseWrites

#: The origins of clients nobody vouched for: ``flask oauth purge`` deletes them when
#: they stay unused (``OAUTH2_PROVIDER_REGISTRATION_PURGE_UNUSED_AFTER``).
ANONYMOUS_ORIGINS = ("open", "document")
#: The origins counted by the registration limits.
DYNAMIC_ORIGINS = ("token", "open")


log = logging.getLogger("flask_oauth_provider.sqla")


def _key_arguments(metadata: ClientMetadata) -> dict[str, Any]:
    """The ``_new_client`` arguments of a registration's method and keys (RFC 7591 §2)."""
    return {"auth_method": metadata.token_endpoint_auth_method,
            "jwks": metadata.extra.get("jwks"), "jwks_uri": metadata.extra.get("jwks_uri")}


class InitialAccessTokenRefused(Exception):
    """The initial access token is unknown, expired or used up (RFC 7591 §3)."""


class RegistrationAdmin(SingleUseWrites):
    """The dynamic registration methods of :class:`~flask_oauth_provider.sqla.SQLAlchemyStore`."""

    # -- initial access tokens (RFC 7591 §3) ------------------------------------------------

    def create_initial_access_token(self, description: str = "", uses: Optional[int] = 1,
                                    expires_in: Optional[int] = 24 * 3600) -> str:
        """Make an initial access token; return it (shown once, stored as its digest).

        ``uses``: how many clients it may register (``None``: any number); ``expires_in``:
        seconds it stays valid (``None``: until used up). Needs the
        ``initial_access_token_model`` given to ``init_sqlalchemy``.
        """
        model = self._initial_token_model()
        if uses is not None and (isinstance(uses, bool) or not isinstance(uses, int)
                                 or uses < 1):
            raise ValueError("uses must be a positive number, or None for any number.")
        if expires_in is not None and (isinstance(expires_in, bool)
                                       or not isinstance(expires_in, int) or expires_in < 1):
            raise ValueError("expires_in must be a positive number of seconds, or None.")
        if uses is None and expires_in is None:
            raise ValueError("An initial access token needs a number of uses or an expiry.")
        if not isinstance(description, str) or len(description) > 200:
            raise ValueError("description must be a string of at most 200 characters.")
        token = secrets.token_urlsafe(32)
        now = self.now()
        row = model()
        row.token_digest = token_digest(token)
        row.description = description
        row.remaining_uses = uses
        row.created_at = now
        row.expires_at = now + datetime.timedelta(seconds=expires_in) if expires_in else None
        self._write(lambda: self.session.add(row))
        return token

    def _initial_token_model(self) -> type:
        if self.initial_access_token_model is None:
            raise RuntimeError(
                "Initial access tokens need a model: declare "
                "class InitialAccessToken(db.Model, InitialAccessTokenMixin) and pass "
                "initial_access_token_model=InitialAccessToken to oauth.init_sqlalchemy."
            )
        return self.initial_access_token_model

    def _spend_initial_access_token(self, token: str, now: datetime.datetime) -> None:
        """Spend one use of ``token`` (inside the caller's transaction), or raise.

        One conditional UPDATE whose row count decides: two registrations racing for the
        last use of a token register one client.
        """
        model = self._initial_token_model()
        stmt = self._statement("spend_initial_token", lambda: (
            update(model)
            .where(model.token_digest == bindparam("digest"),
                   or_(model.remaining_uses.is_(None), model.remaining_uses > 0),
                   or_(model.expires_at.is_(None), model.expires_at > bindparam("now")))
            .values(remaining_uses=model.remaining_uses - 1)
        ))
        try:
            self._conditional(stmt, {"digest": token_digest(token), "now": now})
        except AlreadyRedeemed:
            raise InitialAccessTokenRefused() from None

    # -- registration (RFC 7591 §3) ------------------------------------------------------

    def count_registrations(self, since: datetime.datetime,
                            address: Optional[str] = None) -> int:
        """Clients registered dynamically since ``since`` (from ``address``, if given)."""
        model = self.client_model
        criteria = [model.registration_origin.in_(DYNAMIC_ORIGINS), model.created_at >= since]
        if address is not None:
            criteria.append(model.registered_from == address)
        return int(self.session.scalar(select(func.count()).select_from(model)
                                       .where(*criteria)) or 0)

    def register_client(self, metadata: ClientMetadata, origin: str,
                        registered_from: Optional[str] = None,
                        initial_access_token: Optional[str] = None
                        ) -> tuple[Any, Optional[str], str]:
        """Register a client from checked metadata; return ``(client, secret,
        registration_access_token)``, the secrets shown once and stored as digests.

        With ``initial_access_token``, one of its uses is spent in the same transaction
        (:class:`InitialAccessTokenRefused` when it has none left). Raises ``ValueError``
        when the metadata breaks a storage rule.
        """
        client, secret = self._new_client(
            metadata.client_name, metadata.redirect_uris, metadata.grant_types,
            metadata.scopes, metadata.public, None, False, default_scopes=None,
            response_types=metadata.response_types, **_key_arguments(metadata))
        client.registration_origin = origin
        client.registered_from = (registered_from or "")[:45] or None
        client.client_metadata = metadata.stored_metadata()
        registration_token = secrets.token_urlsafe(32)
        client.registration_token_digest = token_digest(registration_token)

        def add() -> Any:
            if initial_access_token is not None:
                self._spend_initial_access_token(initial_access_token, client.created_at)
            self.session.add(client)
            return client

        self._write(add)
        return client, secret, registration_token

    # -- management (RFC 7592) -------------------------------------------------------------

    def load_registered_client(self, client_id: str,
                               registration_access_token: Optional[str]) -> Optional[Any]:
        """The client ``client_id`` if ``registration_access_token`` is its token, else None."""
        presented = token_digest(registration_access_token or "")
        client = self.load_client(client_id)  # type: ignore[attr-defined]
        stored = getattr(client, "registration_token_digest", None) or ""
        ok = hmac.compare_digest(stored.encode(), presented.encode())
        return client if ok and stored and registration_access_token else None

    def update_registered_client(self, client: Any, metadata: ClientMetadata) -> str:
        """Replace the client's metadata (RFC 7592 §2.2); return the new registration token.

        The client type stays what it was: a confidential client cannot be made public
        (it would shed its secret), nor a public one confidential. Raises ``ValueError``.
        """
        if metadata.public == client.is_confidential:
            raise ValueError(
                f"token_endpoint_auth_method {metadata.token_endpoint_auth_method!r} would "
                f"make this {client.client_type} client "
                f"{'public' if metadata.public else 'confidential'}; register a new client "
                "instead.")
        checked, _ = self._new_client(
            metadata.client_name, metadata.redirect_uris, metadata.grant_types,
            metadata.scopes, metadata.public, None, False, default_scopes=None,
            response_types=metadata.response_types, **_key_arguments(metadata))
        registration_token = secrets.token_urlsafe(32)

        def change() -> None:
            for name in ("name", "_redirect_uris", "grant_types", "response_types", "scope",
                         "default_scope"):
                setattr(client, name, getattr(checked, name))
            client.client_metadata = metadata.stored_metadata()
            client.registration_token_digest = token_digest(registration_token)

        self._write(change)
        return registration_token

    # -- client ID metadata documents ------------------------------------------------------

    def _document_client(self, client_id: str, stored: Optional[Any]) -> Optional[Any]:
        """The client of a metadata document URL: the stored row while its document is
        fresh, else the document fetched again (``None`` when it cannot be used)."""
        now = self.now()
        if stored is not None and (stored.registration_origin != "document" or (
                stored.metadata_expires_at is not None and stored.metadata_expires_at > now)):
            return stored
        config = self.config  # type: ignore[attr-defined]
        try:
            metadata, max_age = load_document_metadata(
                client_id, Policy.from_config(config),
                allow_private=config.client_id_metadata_document_allow_private)
            return self.save_document_client(
                client_id, metadata, now + datetime.timedelta(seconds=max_age))
        except IntegrityError:
            # Another worker stored the same document first: use its row.
            model = self.client_model
            return self.session.scalars(
                select(model).where(model.client_id == client_id)).first()
        except (DocumentError, ValueError) as exc:
            # Fail closed: a document that changed or vanished no longer vouches for
            # the redirect URIs of the stored copy.
            log.info("client ID metadata document %s refused: %s", client_id, exc)
            return None

    def save_document_client(self, client_id: str, metadata: ClientMetadata,
                             expires_at: datetime.datetime) -> Any:
        """Insert or refresh the client described by the document at ``client_id``: public,
        or a ``private_key_jwt`` client (no secret either way)."""
        model = self.client_model
        client = self.session.scalars(select(model).where(model.client_id == client_id)).first()
        if client is not None and client.registration_origin != "document":
            raise ValueError(f"client_id {client_id!r} belongs to a registered client.")
        checked, _ = self._new_client(
            metadata.client_name, metadata.redirect_uris, metadata.grant_types,
            metadata.scopes, metadata.public, None, False, default_scopes=None,
            response_types=metadata.response_types, **_key_arguments(metadata))

        def save() -> Any:
            row = client if client is not None else checked
            if client is None:
                checked.client_id = client_id
                checked.registration_origin = "document"
                self.session.add(checked)
            else:
                for name in ("name", "_redirect_uris", "grant_types", "response_types",
                             "scope", "default_scope", "client_type"):
                    setattr(client, name, getattr(checked, name))
            row.client_metadata = metadata.stored_metadata()
            row.metadata_expires_at = expires_at
            return row

        return self._write(save)

    # -- purging ------------------------------------------------------------------------

    def _unused_anonymous_clients(self, before: datetime.datetime) -> list:
        """Criteria of anonymous clients registered before ``before`` with no code and no
        token left."""
        model, code, token = self.client_model, self.code_model, self.token_model
        return [
            model.registration_origin.in_(ANONYMOUS_ORIGINS),
            model.created_at <= before,
            ~exists().where(and_(code.client_id == model.client_id)),
            ~exists().where(and_(token.client_id == model.client_id)),
        ]
