"""The example app's own pages, over real HTTP: login, client registration, authorized
applications, and its migration."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession

from tests.e2e.e2e_support import consent, log_in, submit
from tests.helpers import forms_of


def test_migration_creates_exactly_the_models_tables(example_app):
    # The database was created by example_app/migrations on first start; a difference
    # means the models (or the mixins under them) changed without a new migration.
    from example_app.models import db

    with example_app.app_context(), db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == [], (
        "example_app/models.py and example_app/migrations/ disagree: add a migration with "
        "`flask --app example_app db migrate -m '...'` and review it")


def test_wrong_password_stays_on_login_page(server):
    session = requests.Session()
    answer = log_in(session, server.url, "demo", "wrong")
    assert answer.status_code == 400
    assert "wrong password" in answer.text


@pytest.mark.parametrize("target", [
    "https://attacker.example/", "//attacker.example/", "/\\attacker.example/",
    "/\t/attacker.example/"])
def test_login_does_not_redirect_off_site(server, target):
    session = requests.Session()
    answer = log_in(session, server.url, "demo", "demo", next_url=target)
    assert answer.status_code == 302
    assert answer.headers["Location"] in ("/", server.url + "/")


def test_login_form_without_csrf_token_is_refused(server):
    session = requests.Session()
    answer = session.post(server.url + "/login", data={"username": "demo", "password": "demo"},
                          timeout=30, allow_redirects=False)
    assert answer.status_code == 400
    still_out = session.get(server.url + "/clients", timeout=30, allow_redirects=False)
    assert urlsplit(still_out.headers["Location"]).path == "/login"


def test_client_secret_is_shown_once(server, browser, register_client):
    creds = register_client()
    listing = browser.get(server.url + "/clients", timeout=30).text
    assert creds["client_id"] in listing
    assert creds["client_secret"] not in listing


def test_registration_refuses_http_redirect_uri_off_loopback(server, browser):
    page = browser.get(server.url + "/clients/new", timeout=30)
    answer = submit(browser, page, "redirect_uris", {
        "name": "bad", "redirect_uris": "http://app.example.com/callback",
        "grant_types": ["authorization_code"], "client_type": "confidential",
        "scopes": ["profile"]})
    assert answer.status_code == 400
    assert "https" in answer.text


def test_authorized_applications_lists_and_revokes_a_grant(server, browser, register_client):
    creds = register_client(public=True)
    client = AuthlibSession(creds["client_id"], redirect_uri=creds["redirect_uri"],
                            scope="profile", code_challenge_method="S256",
                            token_endpoint_auth_method="none")
    verifier = generate_token(64)
    url, _ = client.create_authorization_url(server.url + "/oauth/authorize",
                                             code_verifier=verifier)
    client.fetch_token(server.url + "/oauth/token",
                       authorization_response=consent(browser, url), code_verifier=verifier)
    assert client.get(server.url + "/api/me", timeout=30).status_code == 200

    page = browser.get(server.url + "/authorized", timeout=30)
    assert creds["name"] in page.text
    form_action = f"/authorized/{creds['client_id']}/revoke"
    forms = [f for f in forms_of(page.text) if f.action == form_action]
    assert len(forms) == 1
    answer = browser.post(server.url + form_action, data=forms[0].data(), timeout=30,
                          allow_redirects=False)
    assert answer.status_code == 302

    after = browser.get(server.url + "/authorized", timeout=30).text
    assert not [f for f in forms_of(after) if f.action == form_action]
    assert client.get(server.url + "/api/me", timeout=30).status_code == 401


@pytest.mark.parametrize(("given", "used"), [
    (None, "sqlite:////srv/instance/example.sqlite"),
    ("postgres://u@db/x", "postgresql+psycopg://u@db/x"),
    ("postgresql://u@db/x", "postgresql+psycopg://u@db/x"),
    ("mysql://u@db/x", "mysql+pymysql://u@db/x"),
    ("postgresql+psycopg://u@db/x", "postgresql+psycopg://u@db/x"),
])
def test_database_url_switches_the_database(monkeypatch, given, used):
    from example_app import database_url_from_env

    if given is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", given)
    assert database_url_from_env("/srv/instance") == used


def test_applications_page_lists_a_registered_client_with_its_origin_and_deletes_it(
        server, browser):
    registered = requests.post(server.url + "/oauth/register", timeout=30, json={
        "client_name": "Self-registered agent",
        "redirect_uris": ["http://127.0.0.1:33418/callback"],
        "token_endpoint_auth_method": "none"})
    assert registered.status_code == 201, registered.text
    client_id = registered.json()["client_id"]
    page = browser.get(server.url + "/admin/applications", timeout=30)
    assert page.status_code == 200
    row = page.text.split(client_id)[1].split("</tr>")[0]
    assert "openly (dynamic registration)" in row
    (delete,) = [form for form in forms_of(page.text) if client_id in form.action]
    answer = browser.post(server.url + delete.action, data=delete.data(), timeout=30,
                          allow_redirects=False)
    assert answer.status_code == 302
    after = browser.get(server.url + "/admin/applications", timeout=30).text
    assert client_id not in after
    assert "“Self-registered agent” and all its tokens deleted." in after
    gone = requests.get(f"{server.url}/oauth/register/{client_id}", timeout=30, headers={
        "Authorization": "Bearer " + registered.json()["registration_access_token"]})
    assert gone.status_code == 401


def test_applications_page_is_for_admins_only(server, example_app):
    from example_app.models import User, db

    with example_app.app_context():
        if db.session.scalar(db.select(User).filter_by(username="mallory")) is None:
            user = User(username="mallory", email=None)
            user.set_password("mallory")
            db.session.add(user)
            db.session.commit()
    session = requests.Session()
    assert log_in(session, server.url, "mallory", "mallory").status_code == 302
    assert session.get(server.url + "/admin/applications", timeout=30).status_code == 403
    assert "Applications</a>" not in session.get(server.url + "/", timeout=30).text
