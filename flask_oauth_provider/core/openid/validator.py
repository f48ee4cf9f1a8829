"""The OpenID Connect part of the validator seam, call-compatible with oauthlib's.

:class:`RequestValidator` adds to the OAuth 2.0 validator the methods of
``oauthlib.openid.RequestValidator``, with the same signatures and the same defaults
(``get_id_token`` returns ``None``, ``refresh_id_token`` returns ``True``, the others
raise ``NotImplementedError``), so a validator written for oauthlib's OpenID server
runs here unchanged. :class:`~flask_oauth_provider.core.openid.jwt_validator.
JWTRequestValidator` implements the token-shaped ones on top of a few simpler hooks.
"""

from __future__ import annotations

from typing import Any, Optional

from ..validator import RequestValidator as OAuth2RequestValidator

_MUST = "Subclasses must implement this method."


class RequestValidator(OAuth2RequestValidator):
    """OAuth 2.0 validator plus the OpenID Connect methods."""

    def get_authorization_code_scopes(self, client_id: str, code: str, redirect_uri: str,
                                      request: Any) -> list[str]:
        """The scopes bound to ``code`` (routes a token request to the OpenID grant
        when they hold ``openid``). Called before client authentication."""
        raise NotImplementedError(_MUST)

    def get_authorization_code_nonce(self, client_id: str, code: str, redirect_uri: str,
                                     request: Any) -> Optional[str]:
        """The ``nonce`` of the authorization request that produced ``code``
        (OpenID Connect Core §3.1.3.6: echoed in the ID token "if present in the
        Authentication Request")."""
        raise NotImplementedError(_MUST)

    def get_jwt_bearer_token(self, token: Any, token_handler: Any, request: Any) -> str:
        """A JWT access token, for the ``JWT`` token type."""
        raise NotImplementedError(_MUST)

    def get_id_token(self, token: dict, token_handler: Any, request: Any) -> Optional[str]:
        """A complete, signed ID token, or ``None`` to let the grant build one and
        hand it to :meth:`finalize_id_token`."""
        return None

    def finalize_id_token(self, id_token: dict, token: dict, token_handler: Any,
                          request: Any) -> str:
        """Complete ``id_token`` (it holds ``aud``, ``iat`` and, when they apply,
        ``nonce``, ``at_hash``, ``c_hash``) with ``iss``, ``sub``, ``exp``,
        ``auth_time``, ... and sign it (OpenID Connect Core §2, §3.1.3.7)."""
        raise NotImplementedError(_MUST)

    def validate_jwt_bearer_token(self, token: str, scopes: list, request: Any) -> bool:
        """Check a JWT bearer token for ``scopes``; set ``request.user`` etc."""
        raise NotImplementedError(_MUST)

    def validate_id_token(self, token: str, scopes: list, request: Any) -> bool:
        """Check an ID token used as a bearer token."""
        raise NotImplementedError(_MUST)

    def validate_silent_authorization(self, request: Any) -> bool:
        """prompt=none: has the user already authorized this client for these scopes
        and claims? False answers ``consent_required`` (§3.1.2.6)."""
        raise NotImplementedError(_MUST)

    def validate_silent_login(self, request: Any) -> bool:
        """prompt=none: is the user logged in (recently enough for ``max_age``)?
        False answers ``login_required`` (§3.1.2.6)."""
        raise NotImplementedError(_MUST)

    def validate_user_match(self, id_token_hint: Optional[str], scopes: list,
                            claims: Optional[dict], request: Any) -> bool:
        """Does the logged-in user match ``id_token_hint`` and a requested ``sub``
        (§3.1.2.1, §5.5.1)? False answers ``login_required``."""
        raise NotImplementedError(_MUST)

    def get_userinfo_claims(self, request: Any) -> Any:
        """The UserInfo response: a dict of claims (with ``sub``) sent as JSON, or a
        string (a signed JWT) sent as ``application/jwt`` (§5.3.2)."""
        raise NotImplementedError(_MUST)

    def refresh_id_token(self, request: Any) -> bool:
        """Whether a refresh of an ``openid`` grant returns a new ID token (§12.2)."""
        return True
