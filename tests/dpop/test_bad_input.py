"""Bad DPoP input never makes a 500 (RFC 9449 §4.3 refusals only): arbitrary header
values and arbitrary JSON in a well-signed proof, at the token endpoint and a protected
view."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flask_oauth_provider.core import dpop
from tests.dpop.dpop_support import ProofKey, b64url, es256_signed

HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HEADER_TEXT)
def test_any_header_value_is_refused_cleanly(caller, value):
    answer = caller.token([("grant_type", "client_credentials")], value.strip() or "x")
    assert answer.status_code in (200, 400), answer.data
    if answer.status_code == 400:
        assert answer.json["error"] in ("invalid_dpop_proof", "invalid_request")


KEY = ProofKey()


@settings(max_examples=80, deadline=None)
@given(claims=st.dictionaries(st.sampled_from(["jti", "htm", "htu", "iat", "ath", "nonce"]),
                              JSON_VALUES, max_size=6),
       header=st.dictionaries(st.sampled_from(["typ", "alg", "jwk", "kid", "crit"]),
                              JSON_VALUES, max_size=3))
def test_any_claims_and_header_members_are_refused_cleanly(claims, header):
    overrides = {k: v for k, v in claims.items() if k not in ("htm", "htu")}
    try:  # the signing library refuses some headers: those proofs cannot be sent signed
        proof = KEY.proof(claims.get("htm", "POST"),
                          claims.get("htu", "https://as.example/token"),
                          header=header, **overrides)
    except Exception:  # noqa: BLE001
        assume(False)
    try:
        dpop.verify_proof(proof, "POST", "https://as.example/token", now=time.time(),
                          access_token="t")
    except (dpop.InvalidDPoPProofError, dpop.UseDPoPNonceError):
        pass


@settings(max_examples=60, deadline=None)
@given(raw_header=JSON_VALUES, raw_claims=JSON_VALUES)
def test_any_json_segments_are_refused_cleanly(raw_header, raw_claims):
    proof = ".".join((b64url(json.dumps(raw_header).encode()),
                      b64url(json.dumps(raw_claims).encode()), "c2ln"))
    try:
        dpop.verify_proof(proof, "GET", "https://rs.example/", now=time.time())
    except dpop.InvalidDPoPProofError:
        pass


@settings(max_examples=80, deadline=None)
@given(extra=st.dictionaries(st.sampled_from(["crit", "b64", "kid", "x5c", "jku", "zip"]),
                             JSON_VALUES, min_size=1, max_size=3))
def test_signed_proofs_with_any_extra_header_members_are_refused_or_accepted_cleanly(extra):
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": KEY.public, **extra}
    claims = {"jti": "j", "htm": "GET", "htu": "https://rs.example/", "iat": int(time.time())}
    proof = es256_signed(header, claims, KEY)
    try:
        assert dpop.verify_proof(proof, "GET", "https://rs.example/", now=time.time()) == (
            KEY.jkt)
    except dpop.InvalidDPoPProofError:
        pass


def test_a_hand_signed_proof_verifies():
    claims = {"jti": "j", "htm": "GET", "htu": "https://rs.example/", "iat": int(time.time())}
    proof = es256_signed({"typ": "dpop+jwt", "alg": "ES256", "jwk": KEY.public}, claims, KEY)
    assert dpop.verify_proof(proof, "GET", "https://rs.example/", now=time.time()) == KEY.jkt
