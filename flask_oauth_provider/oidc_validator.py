"""The OpenID Connect methods of the bundled validators (callbacks and SQLAlchemy).

:class:`OpenIDValidatorMixin` supplies the hooks of
:class:`~flask_oauth_provider.core.openid.JWTRequestValidator` from the Flask app: the
issuer of the provider, the key ring (configured keys, the bundled key store or the
app's key callback), the app's ``@oauth.claimsgetter``, the Flask-Login user and the
login time recorded in the session. The stores add what they keep with codes and tokens
(nonce, claims, auth_time) and implement ``get_authorization_code_scopes`` and
``get_authorization_code_nonce``.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

from flask import current_app, has_request_context

from .core.keyring import KeyRing
from .core.openid import JWTRequestValidator
from .oidc import session_auth_time
from .state import config_in_force, current_state, issuer_of

log = logging.getLogger("flask_oauth_provider.oidc")


def provider_issuer() -> str:
    """The issuer identifier: ``OAUTH2_PROVIDER_ISSUER``, else the app's root URL
    (RFC 8414 §2; OpenID Connect Discovery §4.3: byte-identical everywhere)."""
    return issuer_of(config_in_force())


class OpenIDValidatorMixin(JWTRequestValidator):
    """OpenID hooks answered by the Flask app; see the module docstring."""

    @property
    def id_token_lifetime(self) -> int:  # type: ignore[override]
        return config_in_force().id_token_expires_in

    def keyring(self) -> KeyRing:
        return current_state().keyring()

    def get_issuer(self, request: Any) -> str:
        return provider_issuer()

    def get_id_token_signing_alg(self, request: Any) -> str:
        """The client's ``id_token_signed_response_alg``, else
        ``OAUTH2_PROVIDER_ID_TOKEN_SIGNING_ALG`` (RS256 unless configured)."""
        return (self._client_alg(request, "id_token_signed_response_alg")
                or config_in_force().id_token_signing_alg)

    def get_signing_key(self, alg: str, request: Any) -> Optional[Mapping[str, Any]]:
        return self.keyring().signing_key(alg)

    def get_verification_keys(self, request: Any) -> list:
        return self.keyring().verification_keys()

    def get_user_claims(self, user: Any, scopes: list, request: Any) -> Mapping[str, Any]:
        getter = current_state().provider.claims_getter
        if getter is None or user is None:
            return {}
        return getter(user, list(scopes or [])) or {}

    def get_current_user(self, request: Any) -> Any:
        user = getattr(request, "user", None)
        if user is not None:
            return user
        if not has_request_context() or getattr(current_app, "login_manager", None) is None:
            return None
        from flask_login import current_user

        return current_user._get_current_object() if current_user.is_authenticated else None

    def get_auth_time(self, request: Any) -> Optional[int]:
        auth_time = getattr(request, "auth_time", None)
        return auth_time if auth_time is not None else session_auth_time()

    def validate_silent_authorization(self, request: Any) -> bool:
        """prompt=none: consent is already given when the app's ``@oauth.skip_consent``
        says so for this client, user and scopes (OpenID Connect Core §3.1.2.6
        ``consent_required`` otherwise)."""
        skipper = current_state().provider.consent_skipper
        user = self.get_current_user(request)
        if skipper is None or user is None:
            return False
        return bool(skipper(request.client, user, request.scopes, request))
