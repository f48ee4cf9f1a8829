"""``OAUTH2_PROVIDER_PROFILE``: the presets it applies, and the settings it refuses."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_oauth_provider import OAuth2Provider
from flask_oauth_provider.profiles import REQUIREMENTS


def _app(**config):
    app = Flask(__name__)
    app.config.update({"SECRET_KEY": "s" * 32, **{f"OAUTH2_PROVIDER_{k}": v
                                                 for k, v in config.items()}})
    return app


def _config(**config):
    app = _app(**config)
    OAuth2Provider(app)
    return app.extensions["oauth2_provider"].config


def test_fapi2_presets_every_key_it_governs():
    config = _config(PROFILE="fapi2")
    assert config.profile == "fapi2"
    assert config.pkce_required is True and config.pkce_plain is False
    assert config.code_expires_in == 60
    assert config.rotate_refresh_tokens is False
    assert "implicit" not in config.grant_types and "password" not in config.grant_types
    assert config.response_types == ("code",)
    assert config.require_par is True and config.par_lifetime == 60
    assert config.token_endpoint_auth_methods == ("private_key_jwt",)
    assert config.client_assertion_audience == "issuer"
    assert config.require_dpop is True
    assert set(config.dpop_signing_algs) == {"PS256", "ES256", "EdDSA"}
    assert set(config.token_endpoint_auth_signing_algs) <= {"PS256", "ES256", "EdDSA"}
    assert set(config.request_object_signing_algs) <= {"PS256", "ES256", "EdDSA"}


def test_app_config_shows_the_presets_in_force():
    app = _app(PROFILE="fapi2")
    OAuth2Provider(app)
    assert app.config["OAUTH2_PROVIDER_ID_TOKEN_SIGNING_ALG"] == "ES256"
    assert app.config["OAUTH2_PROVIDER_REQUIRE_DPOP"] is True
    assert app.config["OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS"] == ("private_key_jwt",)


def test_without_a_profile_the_defaults_stay():
    config = _config()
    assert config.profile is None
    assert config.pkce_required == "public"
    assert config.rotate_refresh_tokens is True


def test_a_stricter_value_than_the_profile_asks_is_kept():
    assert _config(PROFILE="fapi2", CODE_EXPIRES_IN=30).code_expires_in == 30


@pytest.mark.parametrize("key, value, words", [
    ("CODE_EXPIRES_IN", 300, "at most 60 seconds"),
    ("PKCE_PLAIN", True, "S256 only"),
    ("PKCE_REQUIRED", "public", "every client"),
    ("GRANT_TYPES", ["authorization_code", "implicit"], "no implicit grant"),
    ("GRANT_TYPES", ["authorization_code", "password"], "no password grant"),
    ("ROTATE_REFRESH_TOKENS", True, "no refresh token rotation"),
    ("REQUIRE_PAR", False, "only through PAR"),
    ("REQUIRE_REDIRECT_URI", False, "redirect_uri in every authorization request"),
    ("PAR_LIFETIME", 601, "between 5 and 600 seconds"),
    ("TOKEN_ENDPOINT_AUTH_METHODS", ["private_key_jwt", "client_secret_basic"],
     "private_key_jwt"),
    ("CLIENT_ASSERTION_AUDIENCE", "issuer_or_endpoint", "issuer identifier alone"),
    ("TOKEN_ENDPOINT_AUTH_SIGNING_ALGS", ["RS256"], "PS256, ES256 or EdDSA only"),
    ("REQUEST_OBJECT_SIGNING_ALGS", ["ES256", "RS256"], "PS256, ES256 or EdDSA only"),
    ("REQUIRE_DPOP", False, "sender-constrained access tokens only"),
    ("DPOP_SIGNING_ALGS", ["RS256", "ES256"], "DPoP proofs signed with PS256"),
])
def test_a_key_set_against_the_profile_stops_init_app(key, value, words):
    with pytest.raises(ValueError, match=f"OAUTH2_PROVIDER_{key}.*conflicts with "
                                         f"OAUTH2_PROVIDER_PROFILE = 'fapi2'.*{words}"):
        _config(PROFILE="fapi2", **{key: value})


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="OAUTH2_PROVIDER_PROFILE must be one of 'fapi2'"):
        _config(PROFILE="fapi-2")


def test_every_requirement_names_a_known_key_and_its_preset_complies():
    from flask_oauth_provider.config import DEFAULTS
    for requirement in REQUIREMENTS["fapi2"]:
        assert requirement.key in DEFAULTS, requirement.key
        assert requirement.complies(requirement.preset), requirement.key
