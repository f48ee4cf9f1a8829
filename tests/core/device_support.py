"""An in-memory device flow validator for the core tests (ours and the differential).

``device_validator_class(base)`` extends the recording validator of ``conftest`` (passed
in: test modules cannot import a conftest by name) with the device authorization
methods. Time is ``validator.now`` (seconds), moved by the tests, never the wall clock.

Clients added to the base ones:

* ``tv``: public, may use the device grant and refresh tokens.
* ``console``: confidential (secret ``console-secret``), device grant only.

``pub`` and ``conf`` of the base may not use the device grant.
"""

from __future__ import annotations

from typing import Any, Dict
from urllib.parse import urlencode

from flask_oauth_provider.core.user_codes import normalize_user_code
from flask_oauth_provider.core.validator import DeviceRequestValidator

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_URI = "https://as.example/device"
DEVICE_AUTHORIZATION = "https://as.example/device_authorization"
TOKEN = "https://as.example/token"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def device_validator_class(base: type) -> type:
    """``base`` (the recording validator) plus the device flow, backed by dicts."""

    class DeviceValidator(base, DeviceRequestValidator):
        def __init__(self) -> None:
            super().__init__()
            client_class = type(self.clients["pub"])
            self.clients["tv"] = client_class(
                "tv", None, [], grant_types=(DEVICE_GRANT, "refresh_token"),
                response_types=())
            self.clients["console"] = client_class(
                "console", "console-secret", [], grant_types=(DEVICE_GRANT,),
                response_types=())
            self.now = 1_000_000.0
            self.device_codes: Dict[str, Dict[str, Any]] = {}

        # -- helpers for tests: what the verification page would do --------------------

        def decide(self, user_code: str, approve: bool, scopes=None) -> None:
            for record in self.device_codes.values():
                if record["user_code"] == normalize_user_code(user_code):
                    record["status"] = "authorized" if approve else "access_denied"
                    record["user"] = self.users["alice"][1]
                    if scopes is not None:
                        record["scopes"] = list(scopes)
                    return
            raise KeyError(user_code)

        # -- the device methods -------------------------------------------------------

        def save_device_code(self, client_id, code, request, *args, **kwargs):
            self._record("save_device_code", client_id, dict(code))
            self.device_codes[code["device_code"]] = {
                "client_id": client_id, "user_code": normalize_user_code(code["user_code"]),
                "scopes": list(request.scopes or []), "status": "authorization_pending",
                "user": None, "expires_at": self.now + code["expires_in"],
                "interval": code["interval"], "last_polled_at": None, "redeemed": False,
            }

        def validate_device_code(self, client_id, code, request, *args, **kwargs):
            self._record("validate_device_code", client_id, code)
            record = self.device_codes.get(code)
            if record is None or record["client_id"] != client_id or record["redeemed"]:
                return None
            if record["expires_at"] <= self.now:
                return "expired_token"
            if record["status"] == "authorized":
                request.user = record["user"]
                request.scopes = list(record["scopes"])
            return record["status"]

        def get_device_code_poll(self, client_id, code, request, *args, **kwargs):
            self._record("get_device_code_poll", client_id, code)
            record = self.device_codes[code]
            return record["last_polled_at"], record["interval"]

        def save_device_code_poll(self, client_id, code, polled_at, interval, request,
                                  *args, **kwargs):
            self._record("save_device_code_poll", client_id, code, polled_at, interval)
            record = self.device_codes[code]
            record["last_polled_at"] = polled_at
            record["interval"] = interval

        def redeem_device_code(self, client_id, code, request, *args, **kwargs):
            self._record("redeem_device_code", client_id, code)
            record = self.device_codes.get(code)
            if record is None or record["redeemed"]:
                return False
            record["redeemed"] = True
            return True

    return DeviceValidator


def poll_body(device_code: str, client_id: str = "tv", **extra: str) -> str:
    """The form body of a device access token request (RFC 8628 §3.4)."""
    params = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": client_id}
    params.update(extra)
    return urlencode(params)
