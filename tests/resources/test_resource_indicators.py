"""Resource indicators (RFC 8707) through the provider's routes, stored by the bundled models."""

from __future__ import annotations

import pytest

from flask_oauth_provider.config import ProviderConfig
from tests.helpers import query_params
from tests.resources.resources_support import BILLING, ISSUER, MCP, ORDERS, make_provider_app


def _error(answer) -> dict:
    return {key: values[0] for key, values in query_params(answer.headers["Location"]).items()}


def test_token_without_resource_is_for_the_default_audience(browser):
    token = browser.login()
    assert browser.introspect(token["access_token"])["aud"] == ORDERS


def test_one_resource_becomes_the_audience(browser):
    token = browser.login(resources=(BILLING,))
    claims = browser.introspect(token["access_token"])
    assert claims["aud"] == BILLING
    assert claims["iss"] == ISSUER


def test_several_resources_are_all_in_the_audience(browser):
    token = browser.login(resources=(ORDERS, BILLING))
    assert browser.introspect(token["access_token"])["aud"] == [ORDERS, BILLING]


def test_unknown_resource_is_invalid_target_redirected_with_state(browser):
    answer = browser.authorize(resources=("https://unknown.example/",))
    error = _error(answer)
    assert (error["error"], error["state"], error["iss"]) == ("invalid_target", "xyz", ISSUER)


@pytest.mark.parametrize("resource", [
    "/relative/api", "https://orders.example/api#frag", "orders", "https://"])
def test_malformed_resource_is_invalid_target(browser, resource):
    assert _error(browser.authorize(resources=(resource,)))["error"] == "invalid_target"


def test_scope_no_requested_resource_accepts_is_invalid_scope(browser):
    # ORDERS accepts orders:read and profile only; MCP tools and profile.
    answer = browser.authorize(scope="billing", resources=(ORDERS, MCP))
    assert _error(answer)["error"] == "invalid_scope"


def test_scope_accepted_by_one_of_the_resources_is_fine(browser):
    token = browser.login(scope="profile tools", resources=(ORDERS, MCP))
    assert browser.introspect(token["access_token"])["aud"] == [ORDERS, MCP]


def test_token_request_narrows_to_one_resource_of_the_code(browser):
    token = browser.login(resources=(ORDERS, BILLING), token_resources=(BILLING,))
    assert browser.introspect(token["access_token"])["aud"] == BILLING


def test_token_request_for_a_resource_the_code_was_not_for_is_invalid_target(browser):
    code = browser.code(resources=(ORDERS,))
    answer = browser.exchange(code, resources=(BILLING,))
    assert (answer.status_code, answer.json["error"]) == (400, "invalid_target")


def test_token_request_with_a_malformed_resource_is_invalid_target(browser):
    answer = browser.exchange(browser.code(), resources=("not a uri",))
    assert (answer.status_code, answer.json["error"]) == (400, "invalid_target")


def test_refresh_narrows_the_audience_and_keeps_the_grant(browser):
    token = browser.login(resources=(ORDERS, BILLING))
    narrowed = browser.refresh(token["refresh_token"], resources=(ORDERS,))
    assert narrowed.status_code == 200, narrowed.json
    assert browser.introspect(narrowed.json["access_token"])["aud"] == ORDERS
    # The grant still covers BILLING: the next refresh may ask for it.
    other = browser.refresh(narrowed.json["refresh_token"], resources=(BILLING,))
    assert other.status_code == 200, other.json
    assert browser.introspect(other.json["access_token"])["aud"] == BILLING
    # Without resource, the whole grant again.
    whole = browser.refresh(other.json["refresh_token"])
    assert browser.introspect(whole.json["access_token"])["aud"] == [ORDERS, BILLING]


def test_refresh_cannot_widen_the_audience(browser):
    token = browser.login(resources=(ORDERS,))
    answer = browser.refresh(token["refresh_token"], resources=(BILLING,))
    assert (answer.status_code, answer.json["error"]) == (400, "invalid_target")


def test_refused_refresh_leaves_the_refresh_token_usable(browser):
    token = browser.login(resources=(ORDERS,))
    browser.refresh(token["refresh_token"], resources=(BILLING,))
    assert browser.refresh(token["refresh_token"]).status_code == 200


def test_refresh_token_introspects_with_the_grant_audience(browser):
    token = browser.login(resources=(ORDERS, BILLING), token_resources=(ORDERS,))
    assert browser.introspect(token["refresh_token"])["aud"] == [ORDERS, BILLING]


def test_client_credentials_with_resource(browser):
    answer = browser.token([("grant_type", "client_credentials"), ("scope", "billing"),
                            ("resource", BILLING)])
    assert answer.status_code == 200, answer.json
    assert browser.introspect(answer.json["access_token"])["aud"] == BILLING


def test_client_credentials_with_unknown_resource(browser):
    answer = browser.token([("grant_type", "client_credentials"),
                            ("resource", "https://unknown.example/")])
    assert (answer.status_code, answer.json["error"]) == (400, "invalid_target")


def test_without_configured_resources_the_issuer_is_the_audience(test_database, tables):
    from tests.resources.resources_support import Browser, register_client

    app = make_provider_app(test_database)
    browser = Browser(app, *register_client(app))
    token = browser.login(resources=(ISSUER,))
    assert browser.introspect(token["access_token"])["aud"] == ISSUER
    assert browser.introspect(browser.login()["access_token"])["aud"] == ISSUER
    assert _error(browser.authorize(resources=(ORDERS,)))["error"] == "invalid_target"
    with app.app_context():
        app.extensions["test_db"].engine.dispose()


@pytest.mark.parametrize("value", [["/api"], ["https://api.example/#x"], {ORDERS: [1]}])
def test_configuration_refuses_bad_resources(value):
    with pytest.raises(ValueError, match="OAUTH2_PROVIDER_RESOURCES"):
        ProviderConfig.from_mapping({"OAUTH2_PROVIDER_RESOURCES": value})


def test_configuration_reads_a_list_and_a_mapping():
    assert ProviderConfig.from_mapping(
        {"OAUTH2_PROVIDER_RESOURCES": [ORDERS]}).resource_scopes == {ORDERS: None}
    assert ProviderConfig.from_mapping(
        {"OAUTH2_PROVIDER_RESOURCES": {ORDERS: "a b"}}).resource_scopes == {
            ORDERS: frozenset({"a", "b"})}
