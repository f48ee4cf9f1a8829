"""Signing keys in the database: the bundled key store (``key_model=``).

``SigningKeyMixin`` gives a model the columns; :class:`SigningKeyStore` rotates, lists and
retires keys and builds the :class:`~flask_oauth_provider.core.keyring.KeyRing` every
process reads, so every process signs with the same active key and publishes the same
set. Private keys are stored sealed (AES-256-GCM, :mod:`flask_oauth_provider.key_encryption`);
the public JWK is stored beside them so publishing needs no decryption.
"""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .. import key_encryption
from ..core import jose
from ..core.keyring import KeyRecord, KeyRing
from .models import UTCDateTime

log = logging.getLogger("flask_oauth_provider.sqla")

__all__ = ["SigningKeyMixin", "SigningKeyStore"]


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _epoch(moment: Optional[datetime.datetime]) -> Optional[int]:
    if moment is None:
        return None
    return int(moment.replace(tzinfo=datetime.timezone.utc).timestamp())


class SigningKeyMixin:
    """Columns of a signing key. The app's model adds its primary key, like the other
    mixins: ``class SigningKey(db.Model, SigningKeyMixin)`` with an ``id`` column."""

    kid: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    alg: Mapped[str] = mapped_column(String(16))
    #: The public JWK (JSON), published at jwks_uri while the key is not retired.
    public_jwk: Mapped[str] = mapped_column(Text)
    #: The private JWK sealed with AES-256-GCM under the key-encryption key.
    sealed_private_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=_utcnow)
    #: When a newer key took over signing; the key still verifies until retired.
    rotated_at: Mapped[Optional[datetime.datetime]] = mapped_column(UTCDateTime, default=None)
    #: When the key was unpublished; it neither signs nor verifies any more.
    retired_at: Mapped[Optional[datetime.datetime]] = mapped_column(
        UTCDateTime, default=None, index=True)

    @property
    def state(self) -> str:
        if self.retired_at is not None:
            return "retired"
        return "rotated" if self.rotated_at is not None else "active"


class SigningKeyStore:
    """Signing keys of one model; ``kek`` returns the key-encryption key in force."""

    def __init__(self, session: Any, key_model: type, kek: Callable[[], bytes]) -> None:
        self.session = session
        self.model = key_model
        self.kek = kek

    def keyring(self) -> KeyRing:
        """The keys that still verify (one SELECT); active ones are decrypted to sign."""
        model = self.model
        rows = self.session.execute(
            select(model).where(model.retired_at.is_(None))).scalars().all()
        kek = self.kek()
        records = []
        for row in rows:
            if row.rotated_at is None:
                jwk = key_encryption.unseal(row.sealed_private_jwk, kek, row.kid)
            else:
                jwk = json.loads(row.public_jwk)
            records.append(KeyRecord(jwk, created_at=_epoch(row.created_at) or 0,
                                     rotated_at=_epoch(row.rotated_at)))
        return KeyRing(records)

    def rotate(self, alg: str = jose.DEFAULT_ALGORITHM) -> dict[str, Any]:
        """Make a new active key for ``alg`` and rotate out the previous one (it stays
        published); returns the new public JWK."""
        jwk = jose.generate_key(alg)
        model, now = self.model, _utcnow()
        self.session.execute(
            update(model).where(model.alg == alg, model.rotated_at.is_(None),
                                model.retired_at.is_(None)).values(rotated_at=now))
        public = jose.public_jwk(jwk)
        self.session.add(model(kid=jwk["kid"], alg=alg, public_jwk=json.dumps(public),
                               sealed_private_jwk=key_encryption.seal(jwk, self.kek()),
                               created_at=now))
        self.session.commit()
        log.info("New %s signing key %s is active.", alg, jwk["kid"])
        return public

    def retire(self, kids: Optional[Iterable[str]] = None,
               rotated_before: Optional[datetime.datetime] = None) -> list[str]:
        """Unpublish rotated-out keys: those named in ``kids``, or all rotated out before
        ``rotated_before``, or (neither given) all rotated-out keys. An active key is
        never retired here (rotate first). Returns the retired kids."""
        model = self.model
        query = select(model).where(model.retired_at.is_(None))
        rows = self.session.execute(query).scalars().all()
        wanted = set(kids) if kids is not None else None
        if wanted:
            active = sorted(row.kid for row in rows if row.kid in wanted and row.state == "active")
            if active:
                raise ValueError(f"Key {active[0]} is active: rotate before retiring it.")
        retired = []
        now = _utcnow()
        for row in rows:
            if row.rotated_at is None:
                continue
            if wanted is not None and row.kid not in wanted:
                continue
            if rotated_before is not None and row.rotated_at >= rotated_before:
                continue
            row.retired_at = now
            retired.append(row.kid)
        self.session.commit()
        if retired:
            log.info("Retired signing keys: %s", ", ".join(retired))
        return retired

    def list(self) -> list[dict[str, Any]]:
        """Every key with its state, newest first."""
        model = self.model
        rows = self.session.execute(select(model).order_by(model.created_at.desc())).scalars()
        return [{"kid": row.kid, "alg": row.alg, "state": row.state,
                 "created_at": row.created_at, "rotated_at": row.rotated_at,
                 "retired_at": row.retired_at} for row in rows]

    def reseal(self, old_kek: bytes) -> int:
        """Re-encrypt every stored private key from ``old_kek`` to the KEK in force
        (after ``OAUTH2_PROVIDER_KEY_ENCRYPTION_KEY`` or ``SECRET_KEY`` changed)."""
        new_kek, count = self.kek(), 0
        for row in self.session.execute(select(self.model)).scalars():
            row.sealed_private_jwk = key_encryption.reseal(row.sealed_private_jwk, old_kek,
                                                           new_kek, row.kid)
            count += 1
        self.session.commit()
        return count
