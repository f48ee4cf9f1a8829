"""flask_oauth_provider/key_encryption.py: private keys are never stored in clear."""

from __future__ import annotations

import base64

import pytest

from flask_oauth_provider import key_encryption as ke
from flask_oauth_provider.core import jose

KEY = jose.generate_key("ES256")


def test_sealed_key_opens_with_the_same_kek_and_holds_no_clear_text():
    kek = ke.derive_kek("secret")
    sealed = ke.seal(KEY, kek)
    assert KEY["d"] not in sealed and "kty" not in sealed
    assert ke.unseal(sealed, kek, KEY["kid"]) == KEY


def test_two_sealings_differ():
    """A fresh nonce each time (NIST SP 800-38D §8.2.2)."""
    kek = ke.derive_kek("secret")
    assert ke.seal(KEY, kek) != ke.seal(KEY, kek)


def test_wrong_kek_or_wrong_row_does_not_open():
    sealed = ke.seal(KEY, ke.derive_kek("secret"))
    with pytest.raises(ke.KeyEncryptionError):
        ke.unseal(sealed, ke.derive_kek("other"), KEY["kid"])
    with pytest.raises(ke.KeyEncryptionError):
        ke.unseal(sealed, ke.derive_kek("secret"), "another-kid")


@pytest.mark.parametrize("sealed", ["", "v1.a", "v2.AAAA.AAAA", "v1.!!.!!", None])
def test_garbage_does_not_open(sealed):
    with pytest.raises(ke.KeyEncryptionError):
        ke.unseal(sealed, ke.derive_kek("secret"), KEY["kid"])


def test_reseal_moves_a_key_to_a_new_kek():
    old, new = ke.derive_kek("old"), ke.derive_kek("new")
    moved = ke.reseal(ke.seal(KEY, old), old, new, KEY["kid"])
    assert ke.unseal(moved, new, KEY["kid"]) == KEY


def test_kek_from_config():
    raw = bytes(range(32))
    text = base64.urlsafe_b64encode(raw).decode()
    assert ke.kek_from_config(text, "ignored") == raw
    assert ke.kek_from_config(None, "s") == ke.derive_kek("s")
    assert len(ke.derive_kek("s")) == 32 and ke.derive_kek("s") != ke.derive_kek("t")
    with pytest.raises(ke.KeyEncryptionError):
        ke.kek_from_config("c2hvcnQ", "s")
    with pytest.raises(ke.KeyEncryptionError):
        ke.kek_from_config(None, "")
