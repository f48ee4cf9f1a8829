"""core/keyring.py: which key signs and which keys are published."""

from __future__ import annotations

import pytest

from flask_oauth_provider.core import jose
from flask_oauth_provider.core.keyring import KeyRecord, KeyRing

OLD, NEW = jose.generate_key("RS256"), jose.generate_key("RS256")
EC = jose.generate_key("ES256")


def test_newest_active_key_of_the_algorithm_signs():
    ring = KeyRing([KeyRecord(OLD, created_at=1), KeyRecord(NEW, created_at=2),
                    KeyRecord(EC, created_at=3)])
    assert ring.signing_key("RS256") == NEW
    assert ring.signing_key("ES256") == EC
    assert ring.signing_key("EdDSA") is None
    assert ring.algorithms == ["RS256", "ES256"]


def test_rotated_out_key_no_longer_signs_but_still_verifies():
    """Tokens signed before a rotation keep verifying until the key is retired."""
    ring = KeyRing([KeyRecord(OLD, created_at=1, rotated_at=5), KeyRecord(NEW, created_at=2)])
    token = jose.sign({"a": 1}, OLD)
    assert ring.signing_key("RS256") == NEW
    assert jose.verify(token, ring.verification_keys())[1] == {"a": 1}


def test_retired_key_is_unpublished_and_verifies_nothing():
    ring = KeyRing([KeyRecord(OLD, created_at=1, rotated_at=5, retired_at=9),
                    KeyRecord(NEW, created_at=2)])
    assert [k["kid"] for k in ring.jwks()["keys"]] == [NEW["kid"]]
    with pytest.raises(jose.JoseError):
        jose.verify(jose.sign({"a": 1}, OLD), ring.verification_keys())


def test_published_set_is_public_with_distinct_kids():
    """RFC 7517 §4.5 / §5: distinct kids; only public members are published."""
    ring = KeyRing([KeyRecord(OLD, created_at=1), KeyRecord(EC, created_at=2)])
    keys = ring.jwks()["keys"]
    assert len({k["kid"] for k in keys}) == 2
    assert all("d" not in k and k["use"] == "sig" and k["alg"] for k in keys)
    with pytest.raises(jose.JoseError):
        KeyRing([KeyRecord(OLD), KeyRecord(dict(OLD))])


def test_from_jwks_first_key_of_each_algorithm_signs():
    ring = KeyRing.from_jwks({"keys": [NEW, OLD, EC]})
    assert ring.signing_key("RS256")["kid"] == NEW["kid"]
    with pytest.raises(jose.JoseError):
        KeyRing.from_jwks({"keys": [jose.public_jwk(NEW)]})
