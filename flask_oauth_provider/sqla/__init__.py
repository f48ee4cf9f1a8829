"""Bundled SQLAlchemy storage: three model mixins and the store that validates over them.

The app declares its own models from the mixins and adds what only it knows, the
primary key and the link to its user model::

    class Client(db.Model, ClientMixin):
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))   # optional
        user: Mapped[Optional[User]] = relationship()

    class AuthorizationCode(db.Model, AuthorizationCodeMixin):
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
        user: Mapped[User] = relationship()

    class Token(db.Model, TokenMixin):
        id: Mapped[int] = mapped_column(primary_key=True)
        user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
        user: Mapped[Optional[User]] = relationship()

    oauth.init_sqlalchemy(db, client_model=Client, code_model=AuthorizationCode,
                          token_model=Token)

Where each part lives:

- :mod:`~flask_oauth_provider.sqla.models`: the mixins, :data:`UTCDateTime`, the
  digests kept instead of secrets, codes and tokens (RFC 6819 §5.1.4.1.3);
- :mod:`~flask_oauth_provider.sqla.store`: :class:`SQLAlchemyStore`, the methods the
  core calls (the RequestValidator);
- :mod:`~flask_oauth_provider.sqla.redemption`: single use of codes and refresh tokens
  (conditional UPDATEs whose row count decides) and the revocation a replay triggers;
- :mod:`~flask_oauth_provider.sqla.admin`: clients, revocation by the app, authorized
  applications, purging;
- :mod:`~flask_oauth_provider.sqla.registration`: dynamic registration (RFC 7591, RFC
  7592): initial access tokens (:class:`InitialAccessTokenMixin`, an optional fourth
  model), registration access tokens, registration counts;
- :mod:`~flask_oauth_provider.sqla.device`: the device authorization grant (RFC 8628),
  over :class:`DeviceCodeMixin` and :class:`DeviceAttemptMixin` models given as
  ``device_code_model`` / ``device_attempt_model``;
- :mod:`~flask_oauth_provider.sqla.pushed`: pushed authorization requests (RFC 9126),
  over a :class:`PushedAuthorizationRequestMixin` model given as ``par_model``;
- :mod:`~flask_oauth_provider.sqla.outages`: a database outage answered with 503;
- :mod:`~flask_oauth_provider.sqla.keys`: OpenID Connect signing keys
  (:class:`SigningKeyMixin`, ``key_model=``), sealed at rest, rotated and retired;
- :mod:`~flask_oauth_provider.sqla.replay`: the replay cache in the database
  (:class:`DatabaseReplayCache` over :func:`replay_table`, no model needed);
- :mod:`~flask_oauth_provider.sqla.base`: the session, the models, one transaction per
  write and statements built once, which all of the store's parts share.
"""

from __future__ import annotations

from ..core.redirect_uris import check_redirect_uri
from . import models
from .keys import SigningKeyMixin, SigningKeyStore
from .models import (
    AuthorizationCodeMixin,
    AuthorizedApplication,
    ClientMixin,
    DeviceAttemptMixin,
    DeviceCodeMixin,
    InitialAccessTokenMixin,
    PushedAuthorizationRequestMixin,
    TokenMixin,
    token_digest,
)
from .models import new_client_id as new_client_id
from .outages import database_unavailable as database_unavailable
from .replay import DatabaseReplayCache, replay_table
from .store import SQLAlchemyStore

#: The column type of every timestamp of the mixins, for the app's own columns too:
#: naive UTC (Flask-OAuthlib's ``expires`` convention), with microseconds on MariaDB and
#: MySQL. A plain SQLAlchemy type, so that Alembic autogenerate renders it without
#: importing this package in the migration.
UTCDateTime = models.UTCDateTime

__all__ = [
    "AuthorizationCodeMixin",
    "AuthorizedApplication",
    "ClientMixin",
    "DatabaseReplayCache",
    "DeviceAttemptMixin",
    "DeviceCodeMixin",
    "InitialAccessTokenMixin",
    "PushedAuthorizationRequestMixin",
    "SQLAlchemyStore",
    "SigningKeyMixin",
    "SigningKeyStore",
    "TokenMixin",
    "UTCDateTime",
    "check_redirect_uri",
    "replay_table",
    "token_digest",
]
