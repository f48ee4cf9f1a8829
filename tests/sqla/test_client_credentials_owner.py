"""A client-credentials token acts for the client (RFC 6749 §4.4), not for its owner.

A client registered by a user used to have its machine tokens stored with that user: they
showed on the owner's "Authorized applications" page before any consent, and the page's
Revoke button revoked them. They are stored with no user now.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers.sqla_models import Token
from tests.sqla.sqla_support import REDIRECT, Flow, call_api


def owned_client(store, server, owner):
    client, secret = store.create_client(
        name="Owned app", redirect_uris=[REDIRECT], scopes=["profile"], user=owner,
        grant_types=["authorization_code", "refresh_token", "client_credentials"])
    return Flow(server, client, secret)


def test_the_token_is_stored_without_the_owner(store, server, session, alice):
    flow = owned_client(store, server, alice)
    status, body = flow.token(grant_type="client_credentials", scope="profile")
    assert status == 200
    row = session.scalars(select(Token)).one()
    assert row.user_id is None
    ok, request = call_api(server, body["access_token"])
    assert ok and request.user is None
    assert "username" not in flow.introspect(body["access_token"])


def test_the_owners_page_lists_only_what_the_owner_granted(store, server, alice):
    flow = owned_client(store, server, alice)
    status, machine = flow.token(grant_type="client_credentials", scope="profile")
    assert status == 200
    assert store.authorized_applications(alice) == []

    user_token = flow.login(alice)  # now alice grants it access herself
    [app] = store.authorized_applications(alice)
    assert app.client.client_id == flow.client_id
    # Revoke on the page ends her grant, not the client's own machine token.
    assert store.revoke_user_tokens(alice, flow.client_id) == 1
    assert flow.introspect(user_token["access_token"]) == {"active": False}
    assert flow.introspect(machine["access_token"])["active"] is True
