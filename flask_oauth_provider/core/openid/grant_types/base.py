"""What the OpenID grants share: the authentication request checks and the ID token.

Each OpenID grant wraps the OAuth 2.0 grant of its flow (``proxy_target``) and
attaches to its hook points, as ``oauthlib.openid`` does: a ``post_auth`` custom
validator (:meth:`GrantTypeBase.openid_authorization_validator`) and a token or code
modifier (``add_id_token``). Attribute reads fall through to the wrapped grant, so
``register_token_modifier``, ``custom_validators``, ``response_types``,
``refresh_token`` and the rest behave as on the OAuth 2.0 grant.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any, Callable, Optional

from ...par import being_pushed
from .. import id_token as id_tokens
from ..claims import parse_claims_request
from ..errors import ConsentRequired, LoginRequired
from ..response_modes import location_to_form_post
from ..rules import (
    check_nonce,
    parse_max_age,
    parse_prompt,
    refuse_request_objects,
    split_values,
    token_bearing,
)

log = logging.getLogger("flask_oauth_provider.core.openid")


class GrantTypeBase:
    """Base of the OpenID grants; ``self.proxy_target`` is the OAuth 2.0 grant."""

    #: Whether the flow requires a nonce (§3.2.2.1 implicit, §3.3.2.11 hybrid).
    nonce_required: Callable[[Any], bool] = staticmethod(lambda request: False)
    #: Whether ``response_mode=form_post`` is answered with the page here. A framework
    #: layer that adds response parameters of its own (``iss``, RFC 9207) sets it to
    #: False, receives the fragment redirect, and renders the page itself with
    #: :func:`~flask_oauth_provider.core.openid.response_modes.location_to_form_post`.
    render_form_post = True

    def __getattr__(self, attr: str) -> Any:
        if attr == "proxy_target":
            raise AttributeError(attr)
        return getattr(self.proxy_target, attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        if attr in ("refresh_token", "response_types"):
            setattr(self.proxy_target, attr, value)
        else:
            super().__setattr__(attr, value)

    def validate_authorization_request(self, request: Any) -> tuple:
        """``(scopes, request_info)`` of the wrapped grant, with the OpenID checks run
        as its ``post_auth`` validator."""
        return self.proxy_target.validate_authorization_request(request)

    def create_authorization_response(self, request: Any, token_handler: Any) -> tuple:
        """The wrapped grant's response, in the requested response mode.

        ``form_post`` (Form Post Response Mode §2) is rendered from a fragment
        redirect; a response type that returns tokens never uses the query
        (Multiple Response Type Encoding Practices §2.1, §5: fragment by default).
        """
        mode = request.response_mode
        if mode == "form_post" or (mode == "query" and token_bearing(request.response_type)):
            request.response_mode = "fragment"
        headers, body, status = self.proxy_target.create_authorization_response(
            request, token_handler)
        if mode == "form_post" and self.render_form_post and status == 302 \
                and "Location" in headers:
            return location_to_form_post(headers["Location"])
        return headers, body, status

    def id_token_hash(self, value: str, hashfunc: Callable = hashlib.sha256) -> str:
        """Left half of ``hashfunc(value)``, base64url (§3.1.3.6; oauthlib's helper)."""
        digest = hashfunc(value.encode()).digest()
        return base64.urlsafe_b64encode(digest[: len(digest) // 2]).decode().rstrip("=")

    def add_id_token(self, token: dict, token_handler: Any, request: Any,
                     nonce: Optional[str] = None) -> dict:
        """Add an ID token to ``token`` when the request calls for one (§3.1.3.3)."""
        return id_tokens.add_id_token(self.request_validator, token, token_handler, request,
                                      nonce=nonce)

    def _inflate_claims(self, request: Any) -> None:
        """Parse and check the ``claims`` parameter once (§5.5)."""
        if request.claims is not None and not isinstance(request.claims, dict):
            request.claims = parse_claims_request(request.claims, request)

    def openid_authorization_validator(self, request: Any) -> dict:
        """The checks of an authentication request (§3.1.2.1, §3.1.2.2); ``{}`` for a
        plain OAuth 2.0 request (no ``openid`` scope).

        In order: ``request`` / ``request_uri`` refused (§6, unsupported); prompt,
        max_age and nonce well-formed; with prompt=none ``validate_silent_login``
        (else ``login_required``) and ``validate_silent_authorization`` (else
        ``consent_required``); the claims parameter parsed; ``validate_user_match``
        (else ``login_required``); the nonce present where the flow requires it.
        Returns what the consent and login pages need.
        """
        if not request.scopes or "openid" not in request.scopes:
            return {}
        refuse_request_objects(request)
        prompt = parse_prompt(request.prompt, request)
        max_age = parse_max_age(request.max_age, request)
        check_nonce(request.nonce, False, request)
        # RFC 9126 §2.1: a request being pushed has no user yet; what depends on the
        # user is checked when the pushed request reaches the authorization endpoint.
        with_user = not being_pushed(request)
        if "none" in prompt and with_user:
            if not self.request_validator.validate_silent_login(request):
                raise LoginRequired(request=request)
            if not self.request_validator.validate_silent_authorization(request):
                raise ConsentRequired(request=request)
        self._inflate_claims(request)
        if with_user and not self.request_validator.validate_user_match(
                request.id_token_hint, request.scopes, request.claims, request):
            raise LoginRequired(request=request,
                                description="Session user does not match client supplied user.")
        # After the validator calls, in oauthlib's order (§3.2.2.1, §3.3.2.11).
        check_nonce(request.nonce, self.nonce_required(request), request)
        return {
            "display": request.display,
            "nonce": request.nonce,
            "prompt": set(prompt),
            "max_age": max_age,
            "ui_locales": split_values(request.ui_locales),
            "claims_locales": split_values(_optional(request, "claims_locales")),
            "acr_values": split_values(request.acr_values),
            "id_token_hint": request.id_token_hint,
            "login_hint": request.login_hint,
            "claims": request.claims,
        }


def _optional(request: Any, name: str) -> Any:
    try:
        return getattr(request, name)
    except AttributeError:
        return None


OpenIDConnectBase = GrantTypeBase
