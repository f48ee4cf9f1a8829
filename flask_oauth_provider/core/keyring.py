"""Which key signs, and which keys verify: the rotation rules, free of any storage.

A provider holds several signing keys over time. Each key is *active* (may sign),
*rotated out* (no longer signs, still published so that tokens it signed keep
verifying) or *retired* (gone: neither signs nor verifies). A store (the bundled
database table, the configuration, an application's callback) produces the key
records; :class:`KeyRing` applies the rules the same way for all of them:

* the newest active key of an algorithm signs (never a random pick among several:
  every process of a deployment signs with the same key);
* the published set (JWKS, RFC 7517 §5) holds every key that is not retired, public
  parts only, with distinct ``kid`` values (RFC 7517 §4.5);
* verification uses exactly the published set, so a retired key verifies nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from . import jose


@dataclass(frozen=True)
class KeyRecord:
    """One signing key: its private JWK, when it was made, when it stopped signing
    (``rotated_at``) and when it stopped verifying (``retired_at``)."""

    jwk: Mapping[str, Any]
    created_at: int = 0
    rotated_at: Optional[int] = None
    retired_at: Optional[int] = None
    kid: str = field(init=False)
    alg: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kid", self.jwk.get("kid") or jose.thumbprint(self.jwk))
        object.__setattr__(self, "alg", jose.algorithm_for_key(self.jwk))

    @property
    def active(self) -> bool:
        return self.rotated_at is None and self.retired_at is None

    @property
    def published(self) -> bool:
        return self.retired_at is None


class KeyRing:
    """The rules above over a list of :class:`KeyRecord`."""

    def __init__(self, records: Iterable[KeyRecord]) -> None:
        self.records = sorted(records, key=lambda r: (r.created_at, r.kid), reverse=True)
        kids = [record.kid for record in self.records if record.published]
        if len(set(kids)) != len(kids):
            raise jose.JoseError("Two published signing keys share a kid.")

    @classmethod
    def from_jwks(cls, jwks: Any) -> KeyRing:
        """All keys of a private JWK set are active; the first of each algorithm signs
        (it is treated as the newest)."""
        keys = jose.import_jwk_set(jwks)
        for jwk in keys:
            if not jose.is_private(jwk):
                raise jose.JoseError("A signing key set must hold private keys.")
        count = len(keys)
        return cls(KeyRecord(jwk, created_at=count - index) for index, jwk in enumerate(keys))

    def signing_key(self, alg: str) -> Optional[Mapping[str, Any]]:
        """The private JWK that signs ``alg`` now, or ``None``."""
        for record in self.records:
            if record.active and record.alg == alg:
                return record.jwk
        return None

    @property
    def algorithms(self) -> list[str]:
        """The algorithms some active key can sign, in :data:`jose.ALGORITHMS` order."""
        active = {record.alg for record in self.records if record.active}
        return [alg for alg in jose.ALGORITHMS if alg in active]

    def verification_keys(self) -> list[dict[str, Any]]:
        """Public JWKs of every key that still verifies (active or rotated out)."""
        return [jose.public_jwk(record.jwk) for record in self.records if record.published]

    def jwks(self) -> dict[str, Any]:
        """The JWK set to publish at ``jwks_uri`` (RFC 7517 §5)."""
        return {"keys": self.verification_keys()}
