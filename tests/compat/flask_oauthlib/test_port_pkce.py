"""PKCE in a ported app: its grants keep the challenge, so the checks of RFC 7636 and the
downgrade rule of RFC 9700 §4.8.2 apply (the callback storage stores challenges)."""

from __future__ import annotations

import pytest

from tests.compat.flask_oauthlib.documented_app import (
    CHALLENGE,
    VERIFIER,
    code_for,
    exchange,
    make_app,
)


@pytest.fixture(params=["callbacks", "bind_sqlalchemy"])
def client(request):
    return make_app(storage=request.param).test_client()


def test_confidential_client_with_pkce_needs_the_right_verifier(client):
    code = code_for(client, code_challenge=CHALLENGE, code_challenge_method="S256")
    wrong = exchange(client, code, code_verifier="x" * 43)
    assert (wrong.status_code, wrong.json["error"]) == (400, "invalid_grant")


def test_confidential_client_with_pkce_gets_its_token(client):
    code = code_for(client, code_challenge=CHALLENGE, code_challenge_method="S256")
    assert exchange(client, code, code_verifier=VERIFIER).status_code == 200


def test_verifier_for_a_code_issued_without_challenge_is_refused(client):
    response = exchange(client, code_for(client), code_verifier=VERIFIER)
    assert (response.status_code, response.json["error"]) == (400, "invalid_request")
