"""A command-line device client: log in through the browser, then call the API.

Start the example provider (``flask --app example_app run``), then in another terminal::

    python -m example_app.device_login

It asks the provider for a device code (RFC 8628 §3.1), prints the address to open and
the code to type there, polls the token endpoint while you log in and allow access
(§3.4, §3.5: waiting ``interval`` seconds, 5 more after each ``slow_down``), and prints
what ``GET /api/me`` answers with the token. ``--client-id`` names the client; without it
the demo device client of the example's database is used.

Only the standard library is used, so this is also a recipe for a tool of your own.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Callable, Optional

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def post_form(url: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """POST a form, return (status, JSON body); error answers are returned, not raised."""
    data = urllib.parse.urlencode(params).encode("ascii")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked by device_login
        url, data=data, method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def get_json(url: str, access_token: str) -> dict[str, Any]:
    _check_http(url)
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, headers={"Authorization": f"Bearer {access_token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        return json.load(answer)


def _check_http(url: str) -> None:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http(s) URL.")


def device_login(server: str, client_id: str, scope: str = "profile",
                 show: Callable[[str], None] = print,
                 sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Run the device flow against ``server``; return the token response.

    Raises ``RuntimeError`` with the provider's error when the flow ends without a token
    (``access_denied``, ``expired_token``, or a refused request).
    """
    _check_http(server)
    status, start = post_form(f"{server}/oauth/device_authorization",
                              {"client_id": client_id, "scope": scope})
    if status != 200:
        raise RuntimeError(f"device authorization refused: {start.get('error')}")
    show(f"Open {start['verification_uri']} and enter the code {start['user_code']}")
    if start.get("verification_uri_complete"):
        show(f"(or open {start['verification_uri_complete']})")
    interval = int(start.get("interval", 5))
    deadline = time.monotonic() + int(start["expires_in"])
    while time.monotonic() < deadline:
        sleep(interval)
        status, answer = post_form(f"{server}/oauth/token", {
            "grant_type": DEVICE_GRANT, "device_code": start["device_code"],
            "client_id": client_id})
        if status == 200:
            return answer
        error = answer.get("error")
        if error == "slow_down":
            interval += 5
        elif error != "authorization_pending":
            raise RuntimeError(f"device login ended: {error}")
    raise RuntimeError("device login ended: expired_token")


def demo_device_client_id() -> Optional[str]:
    """The client_id of the example's demo device client, read from its database."""
    from . import create_app
    from .models import Client, db
    from .setup import DEMO_DEVICE_CLIENT_NAME

    app = create_app({"EXAMPLE_CREATE_DEMO_DATA": True})
    with app.app_context():
        return db.session.scalar(
            db.select(Client.client_id).filter_by(name=DEMO_DEVICE_CLIENT_NAME))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m example_app.device_login",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:5000",
                        help="the provider's root URL (default: %(default)s)")
    parser.add_argument("--client-id", help="a client allowed the device grant "
                        "(default: the example's demo device client)")
    parser.add_argument("--scope", default="profile", help="scopes to ask for")
    args = parser.parse_args(argv)
    server = args.server.rstrip("/")
    client_id = args.client_id or demo_device_client_id()
    if not client_id:
        parser.error("no demo device client in the example's database: give --client-id")
    try:
        token = device_login(server, client_id, args.scope)
    except (RuntimeError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Logged in (scope: {token.get('scope')}). GET {server}/api/me:")
    print(json.dumps(get_json(f"{server}/api/me", token["access_token"]), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
