from tests.client_jwt.conftest import key_client, assertion, assertion_form

def test_smoke(app, client_key):
    cid = key_client(app, client_key)
    r = app.test_client().post("/oauth/token", data=assertion_form(cid, assertion(cid, client_key), grant_type="client_credentials", scope="read"))
    print(r.get_json())
    assert r.status_code == 200
    r = app.test_client().post("/oauth/token", data=assertion_form(cid, assertion(cid, client_key, aud="https://other.example/token"), grant_type="client_credentials", scope="read"))
    print(r.get_json()); assert r.status_code == 401
