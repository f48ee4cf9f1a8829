"""Regression tests for the adversarial review of d219f03 (issue 17), one per finding.

Each test is named after its finding and drives the public API over the Flask test
client, as the reviewer's reproduction did.
"""

from __future__ import annotations

import pytest
from sec_app import ALICE_PASSWORD, User, db
from werkzeug.security import check_password_hash


def error_of(response):
    return (response.get_json(silent=True) or {}).get("error")


@pytest.fixture
def password_env(make_env):
    env = make_env(GRANT_TYPES=["authorization_code", "password", "refresh_token"])
    oauth = env.app.extensions["sec_oauth"]

    @oauth.usergetter
    def get_user(username, password, client, request, *args, **kwargs):
        user = db.session.execute(db.select(User).filter_by(username=username)
                                  ).scalar_one_or_none()
        if user is not None and check_password_hash(user.password_hash, password):
            return user
        return None

    return env


def password_attempt(env, client, password):
    form = {"grant_type": "password", "username": "alice", "password": password}
    form.update(client.body_auth())
    return env.token(form, client.auth())


@pytest.mark.parametrize("kind", ["public code-flow client", "public password client",
                                  "confidential code-flow client"])
def test_finding_2_password_grant_is_no_password_oracle(password_env, kind):
    """Finding 2: a client that may not use the password grant learns nothing about a
    password; a right and a wrong one get the same answer (RFC 6749 §10.10)."""
    env = password_env
    if kind == "public code-flow client":
        client = env.clients.create(public=True, grant_types=["authorization_code"])
    elif kind == "public password client":
        client = env.clients.create(public=True, grant_types=["password"])
    else:
        client = env.clients.create(grant_types=["authorization_code"])
    right = password_attempt(env, client, ALICE_PASSWORD + "alice")
    wrong = password_attempt(env, client, "not-her-password")
    assert right.status_code == wrong.status_code == 400
    assert right.get_json() == wrong.get_json()
    assert error_of(right) == "unauthorized_client"


def test_finding_2_allowed_client_still_gets_invalid_grant_for_a_wrong_password(password_env):
    env = password_env
    client = env.clients.create(grant_types=["password"])
    assert error_of(password_attempt(env, client, "not-her-password")) == "invalid_grant"
    assert password_attempt(env, client, ALICE_PASSWORD + "alice").status_code == 200
