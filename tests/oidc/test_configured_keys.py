"""OAUTH2_PROVIDER_SIGNING_KEYS: a private JWK set given as dict, JSON or file path."""

from __future__ import annotations

import json

import pytest

from flask_oauth_provider.core import jose
from flask_oauth_provider.oidc import load_signing_keys

RSA, EC = jose.generate_key("RS256"), jose.generate_key("ES256")


@pytest.mark.parametrize("form", ["dict", "json", "path"])
def test_signing_keys_from_config(tmp_path, form):
    jwks = {"keys": [RSA, EC]}
    value = {"dict": jwks, "json": json.dumps(jwks)}.get(form)
    if form == "path":
        path = tmp_path / "keys.json"
        path.write_text(json.dumps(jwks))
        value = str(path)
    ring = load_signing_keys(value)
    assert ring.signing_key("RS256")["kid"] == RSA["kid"]
    assert [k["kid"] for k in ring.jwks()["keys"]] == [RSA["kid"], EC["kid"]]


@pytest.mark.parametrize("value", [{"keys": []}, {"keys": [jose.public_jwk(RSA)]},
                                   "/nonexistent/keys.json", "{broken", {"nokeys": 1}])
def test_bad_signing_keys_are_refused_with_a_clear_message(value):
    with pytest.raises(ValueError, match="OAUTH2_PROVIDER_SIGNING_KEYS"):
        load_signing_keys(value)
