"""core/jose.py: signing, verification, JWK sets, thumbprints and token hashes."""

from __future__ import annotations

import base64
import json

import pytest

from flask_oauth_provider.core import jose


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module", params=jose.ALGORITHMS)
def key(request):
    return jose.generate_key(request.param)


def test_generated_key_has_kid_use_and_alg(key):
    """RFC 7517 §4.2 use, §4.4 alg, §4.5 kid; the kid is the RFC 7638 thumbprint."""
    assert key["use"] == "sig"
    assert key["alg"] in jose.ALGORITHMS
    assert key["kid"] == jose.thumbprint(key)
    assert jose.is_private(key)


def test_sign_then_verify_round_trip_with_kid_in_header(key):
    """RFC 7515 §4.1.4: the kid header names the key that signed."""
    token = jose.sign({"sub": "alice"}, key)
    header, claims = jose.verify(token, [jose.public_jwk(key)], [key["alg"]])
    assert claims == {"sub": "alice"}
    assert header["kid"] == key["kid"]
    assert header["alg"] == key["alg"]


def test_public_jwk_has_no_private_member(key):
    """RFC 7517 §4 / RFC 7518 §6: a published key holds only public members."""
    public = jose.public_jwk(key)
    assert not jose.is_private(public)
    assert set(public) <= {"kty", "n", "e", "crv", "x", "y", "kid", "use", "alg"}
    assert jose.public_jwk_set([key]) == {"keys": [public]}


def test_rfc7638_thumbprint_example():
    """RFC 7638 §3.1: the example RSA key's thumbprint."""
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L"
             "6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ"
             "5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbIS"
             "D08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kE"
             "gU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jose.thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_c_hash_example_of_openid_connect_core():
    """OpenID Connect Core §3.3.2.11 (and its example in Appendix A.4)."""
    code = "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk"
    assert jose.token_hash(code, "RS256") == "LDktKdoQak3Pk0cnXxCltA"


def test_eddsa_hash_is_left_half_of_sha512():
    """OpenID Connect Core §3.1.3.6 with Ed25519 (errata set 2): SHA-512, 32 bytes."""
    raw = base64.urlsafe_b64decode(jose.token_hash("x", "EdDSA") + "==")
    assert len(raw) == 32


def test_alg_none_is_refused():
    """RFC 8725 §3.2: an unsecured JWS is never accepted."""
    key = jose.generate_key("RS256")
    token = b64({"alg": "none"}) + "." + b64({"sub": "x"}) + "."
    with pytest.raises(jose.JoseError):
        jose.verify(token, [key])
    token = b64({"alg": "none"}) + "." + b64({"sub": "x"}) + ".c2ln"
    with pytest.raises(jose.JoseError):
        jose.verify(token, [key])


def test_hmac_with_the_public_key_is_refused():
    """RFC 8725 §2.1 algorithm confusion: HS256 keyed with a public key must fail."""
    import hashlib
    import hmac

    key = jose.generate_key("RS256")
    public = json.dumps(jose.public_jwk(key)).encode()
    signing_input = b64({"alg": "HS256", "kid": key["kid"]}) + "." + b64({"sub": "x"})
    mac = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(jose.JoseError):
        jose.verify(token, [jose.public_jwk(key)], ["RS256", "HS256"])


def test_algorithm_outside_the_explicit_list_is_refused():
    """RFC 8725 §3.1: the caller's algorithm list decides."""
    key = jose.generate_key("ES256")
    token = jose.sign({"a": 1}, key)
    with pytest.raises(jose.JoseError):
        jose.verify(token, [key], ["RS256"])


def test_key_of_another_type_never_verifies():
    """RFC 8725 §3.1: a key is used with the algorithm of its type only."""
    rsa, ec = jose.generate_key("RS256"), jose.generate_key("ES256")
    token = jose.sign({"a": 1}, ec)
    forged = dict(jose.public_jwk(rsa), kid=ec["kid"])
    with pytest.raises(jose.JoseError):
        jose.verify(token, [forged])


def test_tampered_payload_fails():
    key = jose.generate_key("RS256")
    header, _, signature = jose.sign({"sub": "alice"}, key).split(".")
    with pytest.raises(jose.JoseError):
        jose.verify(".".join([header, b64({"sub": "mallory"}), signature]), [key])


def test_unknown_kid_fails():
    """A token signed by a key that is no longer in the set does not verify."""
    old, new = jose.generate_key("RS256"), jose.generate_key("RS256")
    token = jose.sign({"a": 1}, old)
    with pytest.raises(jose.JoseError):
        jose.verify(token, [jose.public_jwk(new)])


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!!.b.c", 42, "x" * 20000])
def test_garbage_tokens_raise_jose_error(token):
    with pytest.raises(jose.JoseError):
        jose.verify(token, [jose.generate_key("ES256")])


def test_import_jwk_set_checks_keys_and_kids():
    """RFC 7517 §5: a JWK set is {"keys": [...]}; kids must tell keys apart."""
    one, two = jose.generate_key("RS256"), jose.generate_key("EdDSA")
    assert [k["kid"] for k in jose.import_jwk_set({"keys": [one, two]})] == [one["kid"], two["kid"]]
    assert jose.import_jwk_set(json.dumps({"keys": [one]}))[0]["kid"] == one["kid"]
    with pytest.raises(jose.JoseError):
        jose.import_jwk_set({"keys": [one, dict(two, kid=one["kid"])]})
    with pytest.raises(jose.JoseError):
        jose.import_jwk_set({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})
    with pytest.raises(jose.JoseError):
        jose.import_jwk_set("not json")
    with pytest.raises(jose.JoseError):
        jose.import_jwk_set({"keys": [{"kty": "RSA", "n": "x"}]})


def test_import_jwk_fills_kid_and_alg():
    key = jose.generate_key("ES256")
    bare = {k: v for k, v in key.items() if k not in ("kid", "alg")}
    imported = jose.import_jwk(bare)
    assert imported["kid"] == key["kid"] and imported["alg"] == "ES256"


def test_signing_needs_a_private_key():
    key = jose.generate_key("RS256")
    with pytest.raises(jose.JoseError):
        jose.sign({"a": 1}, jose.public_jwk(key))


def test_unsupported_algorithm_cannot_be_generated():
    with pytest.raises(jose.JoseError):
        jose.generate_key("HS256")
    with pytest.raises(jose.JoseError):
        jose.generate_key("none")
