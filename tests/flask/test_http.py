"""The adapter between Flask and the core (flask_oauth_provider.http)."""

from __future__ import annotations

import pytest
from flask import Flask, request

from flask_oauth_provider import http


@pytest.fixture
def app():
    return Flask(__name__)


def test_extract_params_keeps_the_raw_query_body_and_authorization(app):
    header = "Basic MVBwRyUyRlErMTp6JTJGdFo5VndGWnFBcG1JUSUyQlpIMUk1cExr"
    with app.test_request_context(
            "/oauth/token?a=%2F+b&a=2", method="POST", data="x=1&x=2&y=%2B",
            content_type="application/x-www-form-urlencoded",
            headers={"Authorization": header}):
        uri, method, body, headers = http.extract_params()
    assert uri == "http://localhost/oauth/token?a=%2F+b&a=2"
    assert method == "POST"
    assert body == "x=1&x=2&y=%2B"
    assert headers["Authorization"] == header


def test_extract_params_can_leave_the_body_out(app):
    with app.test_request_context("/a?b=1", method="POST", data={"csrf_token": "t"}):
        uri, method, body, headers = http.extract_params(include_body=False)
    assert (uri, body) == ("http://localhost/a?b=1", None)


def test_uri_without_query_has_no_question_mark(app):
    with app.test_request_context("/a"):
        assert http.request_uri() == "http://localhost/a"


def test_body_over_the_limit_raises_request_too_large(app):
    with app.test_request_context("/t", method="POST", data="a=" + "b" * 100,
                                  content_type="application/x-www-form-urlencoded"):
        with pytest.raises(http.RequestTooLarge):
            http.read_body(max_size=50)


def test_body_already_parsed_by_the_app_is_rebuilt(app):
    with app.test_request_context("/t", method="POST", data={"a": ["1", "2"]}):
        assert request.form.getlist("a") == ["1", "2"]
        assert http.read_body() == "a=1&a=2"


def test_create_response_copies_status_headers_and_body(app):
    with app.test_request_context():
        response = http.create_response({"Content-Type": "application/json", "X-A": "1"},
                                        '{"a": 1}', 201)
    assert response.status_code == 201
    assert response.headers["X-A"] == "1"
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_data(as_text=True) == '{"a": 1}'


def test_create_response_for_a_redirect_has_no_content_type(app):
    with app.test_request_context():
        response = http.create_response({"Location": "https://c.example/cb?code=x"}, None, 302)
    assert response.headers["Location"] == "https://c.example/cb?code=x"
    assert "Content-Type" not in response.headers


def test_resource_params_pass_only_a_form_body(app):
    with app.test_request_context("/api", method="POST", json={"access_token": "t"}):
        assert http.extract_resource_params()[2] is None
    with app.test_request_context("/api", method="POST", data={"access_token": "t"}):
        assert http.extract_resource_params()[2] == "access_token=t"


@pytest.mark.parametrize("base_url,secure", [
    ("http://localhost", True), ("http://127.0.0.1:5000", True), ("http://[::1]", True),
    ("https://auth.example", True), ("http://auth.example", False),
    ("http://127.0.0.1.evil.example", False),
])
def test_transport_rule(app, base_url, secure):
    with app.test_request_context("/", base_url=base_url):
        assert http.transport_is_secure(insecure_allowed=False) is secure


def test_insecure_transport_allows_plain_http(app):
    with app.test_request_context("/", base_url="http://auth.example"):
        assert http.transport_is_secure(insecure_allowed=True)


def test_read_body_never_raises_the_apps_own_limit(app):
    app.config["MAX_CONTENT_LENGTH"] = 10
    with app.test_request_context("/t", method="POST", data="a=" + "b" * 20,
                                  content_type="application/x-www-form-urlencoded"):
        with pytest.raises(http.RequestTooLarge):
            http.read_body(max_size=1000)


@pytest.mark.parametrize("base_url, path", [
    ("http://localhost", "/a"),
    ("https://LOCALHOST:8443", "/a/b"),  # Werkzeug lower-cases the host of an IRI
    ("https://xn--n3h.example", "/p%C3%A5th/%2F/x y"),  # IDNA host, quoted and unquoted
    ("https://other.example", "/" + "long/" * 80),  # over the remembered length
    ("http://127.0.0.1:5000", "/oauth/token"),
])
@pytest.mark.parametrize("mount", ["", "/auth"])
def test_request_urls_are_werkzeugs_own_for_every_host_and_path(app, base_url, path, mount):
    # http.base_url()/root_url() remember Werkzeug's answers per host and path: the same
    # strings, a second time too, and another host or mount point never gets another's.
    for _ in range(2):
        with app.test_request_context(path, base_url=base_url + mount):
            assert http.base_url() == request.base_url
            assert http.root_url() == request.url_root
            assert http.request_uri() == request.base_url
            assert http.request_host_is_loopback() is ("localhost" in base_url.lower()
                                                        or "127.0.0.1" in base_url)
