"""``flask oauth keys rotate|list|retire``."""

from __future__ import annotations

import json


def test_keys_rotate_list_retire(app):
    runner = app.test_cli_runner()
    first = json.loads(runner.invoke(args=["oauth", "keys", "list", "--json"]).output)
    assert [k["state"] for k in first] == ["active"]
    result = runner.invoke(args=["oauth", "keys", "rotate", "--alg", "RS256"])
    assert result.exit_code == 0 and "is active" in result.output
    keys = json.loads(runner.invoke(args=["oauth", "keys", "list", "--json"]).output)
    assert [k["state"] for k in keys] == ["active", "rotated"]
    refused = runner.invoke(args=["oauth", "keys", "retire", keys[0]["kid"]])
    assert refused.exit_code != 0 and "rotate" in refused.output
    result = runner.invoke(args=["oauth", "keys", "retire", "--all-rotated"])
    assert result.exit_code == 0 and keys[1]["kid"] in result.output
    assert runner.invoke(args=["oauth", "keys", "retire"]).exit_code != 0


def test_keys_rotate_es256_and_eddsa_are_published(app, client):
    runner = app.test_cli_runner()
    for alg in ("ES256", "EdDSA"):
        assert runner.invoke(args=["oauth", "keys", "rotate", "--alg", alg]).exit_code == 0
    algs = {k["alg"] for k in client.get("/oauth/jwks").get_json()["keys"]}
    assert algs == {"RS256", "ES256", "EdDSA"}
    discovery = client.get("/.well-known/openid-configuration").get_json()
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256", "ES256", "EdDSA"]
