"""The ``JWT`` token type of ``oauthlib.openid``: tokens the validator mints and
checks itself (``get_jwt_bearer_token`` / ``validate_jwt_bearer_token``)."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..tokens import DEFAULT_EXPIRES_IN, TokenBase, get_token_from_header, random_token_generator


class JWTToken(TokenBase):
    """Delegates creation and validation of JWT access tokens to the validator."""

    __slots__ = ("request_validator", "token_generator", "refresh_token_generator",
                 "expires_in")

    def __init__(self, request_validator: Any = None,
                 token_generator: Optional[Callable[[Any], str]] = None,
                 expires_in: Any = None,
                 refresh_token_generator: Optional[Callable[[Any], str]] = None) -> None:
        self.request_validator = request_validator
        self.token_generator = token_generator or random_token_generator
        self.refresh_token_generator = refresh_token_generator or self.token_generator
        self.expires_in = expires_in or DEFAULT_EXPIRES_IN

    def create_token(self, request: Any, refresh_token: bool = False) -> Any:
        expires_in = self.expires_in(request) if callable(self.expires_in) else self.expires_in
        request.expires_in = expires_in
        return self.request_validator.get_jwt_bearer_token(None, None, request)

    def validate_request(self, request: Any) -> bool:
        token = get_token_from_header(request)
        return self.request_validator.validate_jwt_bearer_token(token, request.scopes, request)

    def estimate_type(self, request: Any) -> int:
        """10 for a bearer value shaped like a JWS or JWE (three or five parts)."""
        token = get_token_from_header(request)
        if token and token.startswith("ey") and token.count(".") in (2, 4):
            return 10
        return 0
