"""No secret, code or token in clear in any table (RFC 6819 §5.1.4.1.3; CA-08 of tests/security)."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers.sqla_models import Base


def _every_cell(session):
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            for value in row:
                if value is not None:
                    yield table.name, str(value)


def test_no_secret_code_or_token_is_stored_in_clear(confidential, public, session, alice):
    issued = {confidential.secret}
    for flow in (confidential, public):
        code, verifier = flow.authorize(alice, ("profile",))
        issued.add(code)
        status, body = flow.exchange(code, verifier)
        assert status == 200
        issued.update((body["access_token"], body["refresh_token"]))
        status, refreshed = flow.refresh(body["refresh_token"])
        assert status == 200
        issued.update((refreshed["access_token"], refreshed["refresh_token"]))
        flow.revoke(refreshed["access_token"])
    _, cc = confidential.token(grant_type="client_credentials", scope="read")
    issued.add(cc["access_token"])
    cells = list(_every_cell(session))
    assert len(cells) > 20
    leaks = [(table, secret) for table, cell in cells for secret in issued if secret in cell]
    assert leaks == []
