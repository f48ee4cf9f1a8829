"""RFC 9449 §4.3: each check of a DPoP proof, one by one, at the token endpoint (a
client credentials request; §5: a failed check is 400 ``invalid_dpop_proof``), and the
RFC's own examples (§4.1 Figure 2 proof, §6.1 thumbprint, §7.1 ``ath``)."""

from __future__ import annotations

import logging
import time

import pytest

from flask_oauth_provider.core import dpop
from tests.dpop.conftest import TOKEN_URL
from tests.dpop.dpop_support import ProofKey, b64url, unsigned_proof

# RFC 9449 §4.1, Figure 2 (signed with the key whose thumbprint §6.1 Figure 9 gives).
RFC_PROOF = (
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZ"
    "yaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHp"
    "iVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0"
    "VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3"
    "Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4P"
    "tFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg")
RFC_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
RFC_IAT = 1562262616


# -- the RFC's examples ------------------------------------------------------------------


def test_rfc_figure_2_proof_verifies_and_gives_the_figure_9_thumbprint():
    jkt = dpop.verify_proof(RFC_PROOF, "POST", "https://server.example.com/token",
                            now=RFC_IAT)
    assert jkt == RFC_JKT


def test_rfc_figure_2_proof_is_refused_for_another_method_or_uri_or_time():
    with pytest.raises(dpop.InvalidDPoPProofError):
        dpop.verify_proof(RFC_PROOF, "GET", "https://server.example.com/token", now=RFC_IAT)
    with pytest.raises(dpop.InvalidDPoPProofError):
        dpop.verify_proof(RFC_PROOF, "POST", "https://server.example.com/other", now=RFC_IAT)
    with pytest.raises(dpop.InvalidDPoPProofError):
        dpop.verify_proof(RFC_PROOF, "POST", "https://server.example.com/token",
                          now=RFC_IAT + 3600)


def test_rfc_section_7_1_ath_example():
    # RFC 9449 §7.1: the access token of Figure 12 and the ath of Figure 13.
    assert dpop.access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU") == (
        "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo")


@pytest.mark.parametrize("uri", [
    "https://server.example.com/token?x=1",          # the request's query is ignored
    "HTTPS://Server.Example.COM/token",              # scheme and host case
    "https://server.example.com:443/token",          # default port
    "https://server.example.com/./a/../token",       # dot segments
    "https://server.example.com/%74oken",            # an unreserved character encoded
])
def test_htu_matches_the_request_uri_normalised_per_section_4_3(uri):
    assert dpop.verify_proof(RFC_PROOF, "POST", uri, now=RFC_IAT) == RFC_JKT


# -- each check of §4.3 at the token endpoint --------------------------------------------


def refused(answer, error: str = "invalid_dpop_proof") -> None:
    assert answer.status_code == 400, answer.data
    assert answer.json["error"] == error
    assert "access_token" not in answer.json


def test_a_valid_proof_binds_the_client_credentials_token(caller, key):
    answer = caller.client_credentials(key)
    assert answer.status_code == 200, answer.json
    assert answer.json["token_type"] == "DPoP"


def test_1_two_dpop_headers_are_refused(caller, key):
    answer = caller.http.post(
        "/oauth/token", data="grant_type=client_credentials",
        headers=[("Content-Type", "application/x-www-form-urlencoded"),
                 *caller.auth().items(), ("DPoP", key.proof("POST", TOKEN_URL)),
                 ("DPoP", key.proof("POST", TOKEN_URL))])
    refused(answer)


@pytest.mark.parametrize("value", ["", "not-a-jwt", "a.b.c", "a.b", "x" * 5000,
                                   b64url(b"{}") + "." + b64url(b"[]") + ".c2ln"])
def test_2_a_malformed_or_oversized_proof_is_refused(caller, value):
    refused(caller.token([("grant_type", "client_credentials")], value or " "))


@pytest.mark.parametrize("missing", ["jti", "htm", "htu", "iat"])
def test_3_a_proof_without_a_required_claim_is_refused(caller, key, missing):
    refused(caller.token([("grant_type", "client_credentials")],
                         key.proof("POST", TOKEN_URL, drop=(missing,))))


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "DPOP+JWT", None])
def test_4_a_proof_of_another_typ_is_refused(caller, key, typ):
    refused(caller.token([("grant_type", "client_credentials")],
                         key.proof("POST", TOKEN_URL, header={"typ": typ})))


def test_5_the_none_alg_is_refused(caller, key):
    claims = {"jti": "n1", "htm": "POST", "htu": TOKEN_URL, "iat": int(time.time())}
    proof = unsigned_proof({"typ": "dpop+jwt", "alg": "none", "jwk": key.public}, claims)
    refused(caller.token([("grant_type", "client_credentials")], proof))


def test_5_an_hmac_alg_is_refused(caller):
    claims = {"jti": "h1", "htm": "POST", "htu": TOKEN_URL, "iat": int(time.time())}
    secret = b"0123456789abcdef0123456789abcdef"
    jwk = {"kty": "oct", "k": b64url(secret)}
    proof = unsigned_proof({"typ": "dpop+jwt", "alg": "HS256", "jwk": jwk}, claims, secret)
    refused(caller.token([("grant_type", "client_credentials")], proof))


def test_5_an_alg_the_server_does_not_list_is_refused(test_database, tables):
    from tests.dpop.conftest import Caller, make_app

    app = make_app(test_database, DPOP_SIGNING_ALGS=["EdDSA"])
    try:
        refused(Caller(app).client_credentials(ProofKey("ES256")))
        answer = Caller(app).client_credentials(ProofKey("EdDSA"))
        assert answer.status_code == 200, answer.json
    finally:
        with app.app_context():
            app.extensions["test_db"].engine.dispose()


def test_6_a_signature_by_another_key_is_refused(caller, key):
    other = ProofKey()
    proof = key.proof("POST", TOKEN_URL, header={"jwk": other.public})
    refused(caller.token([("grant_type", "client_credentials")], proof))


def test_6_a_tampered_payload_is_refused(caller, key):
    head, payload, signature = key.proof("POST", TOKEN_URL).split(".")
    forged = b64url(b'{"jti":"x","htm":"POST","htu":"' + TOKEN_URL.encode()
                    + b'","iat":%d}' % int(time.time()))
    refused(caller.token([("grant_type", "client_credentials")],
                         ".".join((head, forged, signature))))


def test_7_a_private_key_in_the_header_is_refused(caller, key, caplog):
    caplog.set_level(logging.DEBUG, logger="flask_oauth_provider")
    proof = key.proof("POST", TOKEN_URL, header={"jwk": key.private})
    refused(caller.token([("grant_type", "client_credentials")], proof))
    assert proof not in caplog.text
    assert key.private["d"] not in caplog.text


def test_8_htm_of_another_method_is_refused(caller, key):
    refused(caller.token([("grant_type", "client_credentials")],
                         key.proof("GET", TOKEN_URL)))


@pytest.mark.parametrize("htu", [
    "http://localhost/oauth/other",          # another path
    "http://localhost/oauth/token?a=b",      # a query (§4.2: htu has none)
    "http://localhost/oauth/token#f",        # a fragment
    "http://other.example/oauth/token",      # another host
    "https://localhost/oauth/token",         # another scheme
    "http://localhost:8080/oauth/token",     # another port
])
def test_9_htu_of_another_uri_is_refused(caller, key, htu):
    refused(caller.token([("grant_type", "client_credentials")], key.proof("POST", htu)))


def test_9_htu_normalised_per_rfc_3986_is_accepted(caller, key):
    answer = caller.token([("grant_type", "client_credentials")],
                          key.proof("POST", "HTTP://LOCALHOST:80/oauth/./token"))
    assert answer.status_code == 200, answer.json


@pytest.mark.parametrize("offset", [-3600, -121, 60, 3600])
def test_11_iat_far_in_the_past_or_future_is_refused(caller, key, offset):
    refused(caller.token([("grant_type", "client_credentials")],
                         key.proof("POST", TOKEN_URL, iat=int(time.time()) + offset)))


@pytest.mark.parametrize("iat", ["now", True, None, 1e400])
def test_11_iat_that_is_not_a_number_is_refused(caller, key, iat):
    refused(caller.token([("grant_type", "client_credentials")],
                         key.proof("POST", TOKEN_URL, iat=iat)))


def test_jti_replay_is_refused(caller, key):
    proof = key.proof("POST", TOKEN_URL)
    assert caller.token([("grant_type", "client_credentials")], proof).status_code == 200
    refused(caller.token([("grant_type", "client_credentials")], proof))


def test_an_rsa_key_under_2048_bits_is_refused(caller):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from joserfc.jwk import RSAKey

    weak = rsa.generate_private_key(65537, 1024)  # noqa: S505 - the point of the test
    small = RSAKey.import_key(weak).as_dict(private=True)
    key = ProofKey("RS256")
    key.private, key.public = small, {k: small[k] for k in ("kty", "n", "e")}
    refused(caller.token([("grant_type", "client_credentials")],
                         key.proof("POST", TOKEN_URL)))


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "RS256"])
def test_each_default_algorithm_is_accepted(caller, alg):
    answer = caller.client_credentials(ProofKey(alg))
    assert answer.status_code == 200, answer.json
