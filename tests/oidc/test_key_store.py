"""The bundled key store (SigningKeyMixin, SigningKeyStore): rotation, retirement,
keys sealed at rest; on the test database (SQLite, PostgreSQL or MariaDB)."""

from __future__ import annotations

import datetime
import json

import pytest
from sqlalchemy import Integer, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from flask_oauth_provider import key_encryption
from flask_oauth_provider.core import jose
from flask_oauth_provider.sqla import SigningKeyMixin, SigningKeyStore


class Base(DeclarativeBase):
    pass


class SigningKey(Base, SigningKeyMixin):
    __tablename__ = "oidc_test_signing_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)


@pytest.fixture
def session(db_engine):
    Base.metadata.create_all(db_engine)
    try:
        with Session(db_engine) as session:
            yield session
    finally:
        Base.metadata.drop_all(db_engine)


@pytest.fixture
def store(session):
    kek = key_encryption.derive_kek("test secret")
    return SigningKeyStore(session, SigningKey, lambda: kek)


def test_rotate_makes_a_new_active_key_and_keeps_the_old_one_published(store):
    first = store.rotate("RS256")
    second = store.rotate("RS256")
    ring = store.keyring()
    assert ring.signing_key("RS256")["kid"] == second["kid"]
    assert {k["kid"] for k in ring.jwks()["keys"]} == {first["kid"], second["kid"]}
    assert [k["state"] for k in store.list()] == ["active", "rotated"]


def test_token_signed_before_rotation_still_verifies(store):
    store.rotate("ES256")
    token = jose.sign({"sub": "alice"}, store.keyring().signing_key("ES256"))
    store.rotate("ES256")
    assert jose.verify(token, store.keyring().verification_keys())[1] == {"sub": "alice"}


def test_retired_key_is_unpublished_and_no_longer_verifies(store):
    old = store.rotate("RS256")
    token = jose.sign({"a": 1}, store.keyring().signing_key("RS256"))
    store.rotate("RS256")
    assert store.retire() == [old["kid"]]
    ring = store.keyring()
    assert old["kid"] not in {k["kid"] for k in ring.jwks()["keys"]}
    with pytest.raises(jose.JoseError):
        jose.verify(token, ring.verification_keys())


def test_active_key_cannot_be_retired(store):
    active = store.rotate("EdDSA")
    with pytest.raises(ValueError, match="rotate"):
        store.retire([active["kid"]])
    assert store.retire() == []


def test_retire_rotated_before_a_time(store):
    store.rotate("RS256")
    store.rotate("RS256")
    assert store.retire(rotated_before=datetime.datetime(2000, 1, 1)) == []


def test_each_algorithm_has_its_own_active_key(store):
    rsa, ec = store.rotate("RS256"), store.rotate("ES256")
    ring = store.keyring()
    assert ring.signing_key("RS256")["kid"] == rsa["kid"]
    assert ring.signing_key("ES256")["kid"] == ec["kid"]


def test_private_key_is_never_stored_in_clear(store, session):
    store.rotate("RS256")
    row = session.execute(select(SigningKey)).scalar_one()
    private = store.keyring().signing_key("RS256")
    assert private["d"] not in row.sealed_private_jwk
    assert "d" not in json.loads(row.public_jwk)


def test_wrong_key_encryption_key_cannot_sign(session, store):
    store.rotate("RS256")
    other = SigningKeyStore(session, SigningKey, lambda: key_encryption.derive_kek("x"))
    with pytest.raises(key_encryption.KeyEncryptionError):
        other.keyring()


def test_reseal_after_a_key_encryption_key_change(session, store):
    store.rotate("RS256")
    old_kek = store.kek()
    new_kek = key_encryption.derive_kek("new secret")
    moved = SigningKeyStore(session, SigningKey, lambda: new_kek)
    assert moved.reseal(old_kek) == 1
    assert moved.keyring().signing_key("RS256") is not None
