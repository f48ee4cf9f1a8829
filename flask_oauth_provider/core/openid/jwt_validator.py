"""An OpenID validator that signs and verifies with the keys it is given.

:class:`JWTRequestValidator` implements the JWT-shaped methods of the OpenID
validator (``finalize_id_token``, ``validate_id_token``, ``validate_user_match``,
``validate_silent_login``, ``get_userinfo_claims``) on top of a few hooks an
application or a store supplies:

* ``get_issuer(request)``: the issuer identifier (§2 ``iss``; byte-identical to the
  one in discovery, OpenID Connect Discovery §4.3);
* ``get_signing_key(alg, request)``: the active private JWK for ``alg``;
* ``get_verification_keys(request)``: every public JWK that still verifies (the
  active ones and those rotated out but not yet retired);
* ``get_user_claims(user, scopes, request)``: the standard claims of a user; only
  what the scopes and the ``claims`` parameter allow is kept;
* ``get_subject(user, client, request)``, ``get_current_user(request)``,
  ``get_auth_time(request)``: defaults read ``user.get_id()`` and the request.

Storage methods (codes, tokens, nonces, consent) stay with the subclass.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping, Optional

from .. import errors, jose
from .claims import parse_claims_request, requested_claims, select_claims
from .id_token import DEFAULT_ID_TOKEN_LIFETIME, complete_id_token
from .rules import authentication_required, parse_max_age, split_values
from .validator import RequestValidator

log = logging.getLogger("flask_oauth_provider.core.openid")
_MUST = "Subclasses must implement this method."


class JWTRequestValidator(RequestValidator):
    """OpenID validator methods implemented with :mod:`flask_oauth_provider.core.jose`."""

    #: Seconds an ID token is valid (§2 ``exp``).
    id_token_lifetime: int = DEFAULT_ID_TOKEN_LIFETIME

    # -- hooks -------------------------------------------------------------------------

    def get_issuer(self, request: Any) -> str:
        raise NotImplementedError(_MUST)

    def get_signing_key(self, alg: str, request: Any) -> Mapping[str, Any]:
        raise NotImplementedError(_MUST)

    def get_verification_keys(self, request: Any) -> list:
        raise NotImplementedError(_MUST)

    def get_user_claims(self, user: Any, scopes: list, request: Any) -> Mapping[str, Any]:
        return {}

    def get_subject(self, user: Any, client: Any, request: Any) -> str:
        """§2 ``sub``: stable and never reassigned; by default the user's
        ``get_id()`` (Flask-Login's user identifier), else its ``id``."""
        get_id = getattr(user, "get_id", None)
        return str(get_id() if callable(get_id) else user.id)

    def get_current_user(self, request: Any) -> Any:
        """The user logged in at the provider, ``None`` when nobody is."""
        return getattr(request, "user", None)

    def get_auth_time(self, request: Any) -> Optional[int]:
        """When the user last actively authenticated (seconds since the epoch)."""
        return getattr(request, "auth_time", None)

    def get_id_token_signing_alg(self, request: Any) -> str:
        """The client's ``id_token_signed_response_alg`` (Registration §2), else RS256."""
        return self._client_alg(request, "id_token_signed_response_alg") or jose.DEFAULT_ALGORITHM

    def get_userinfo_signing_alg(self, request: Any) -> Optional[str]:
        """The client's ``userinfo_signed_response_alg``; ``None`` answers JSON."""
        return self._client_alg(request, "userinfo_signed_response_alg")

    def now(self) -> int:
        return int(time.time())

    # -- oauthlib's OpenID methods -------------------------------------------------------

    def finalize_id_token(self, id_token: dict, token: dict, token_handler: Any,
                          request: Any) -> str:
        """Complete and sign the ID token (§2, §3.1.3.7).

        The scope claims go into it only for ``response_type=id_token``, the one
        response type that issues no access token at all (§5.4: "when no Access
        Token is issued (which is the case for the response_type value id_token),
        the resulting Claims are returned in the ID Token"); other claims only when
        the ``claims`` parameter asks for them in the ID token (§5.5).
        """
        user = request.user
        scopes = request.scopes or []
        claims_request = parse_claims_request(getattr(request, "claims", None))
        subject = self.get_subject(user, request.client, request)
        user_claims = select_claims(
            self.get_user_claims(user, scopes, request), subject, scopes, claims_request,
            "id_token", include_scope_claims=split_values(request.response_type) == ["id_token"])
        full = complete_id_token(
            id_token, issuer=self.get_issuer(request), subject=subject,
            lifetime=self.id_token_lifetime, auth_time=self.get_auth_time(request),
            acr=getattr(request, "acr", None), amr=getattr(request, "amr", None),
            user_claims=user_claims)
        return self._sign(full, self.get_id_token_signing_alg(request), request)

    def validate_silent_login(self, request: Any) -> bool:
        """prompt=none: a user is logged in, and recently enough for ``max_age``."""
        if self.get_current_user(request) is None:
            return False
        max_age = parse_max_age(getattr(request, "max_age", None))
        return not authentication_required((), max_age, self.get_auth_time(request), self.now())

    def validate_user_match(self, id_token_hint: Optional[str], scopes: list,
                            claims: Optional[dict], request: Any) -> bool:
        """§3.1.2.1 ``id_token_hint`` and §5.5.1 a requested ``sub`` value.

        A hint that does not verify (signature, issuer, audience) is
        ``invalid_request``; a verified hint or requested ``sub`` naming someone else
        than the logged-in user is a mismatch (``login_required``).
        """
        user = self.get_current_user(request)
        expected = []
        if id_token_hint:
            hint = self.verify_id_token_hint(id_token_hint, request)
            request.id_token_hint_claims = hint
            expected.append(hint.get("sub"))
        sub_spec = requested_claims(claims, "id_token").get("sub")
        if isinstance(sub_spec, Mapping) and "value" in sub_spec:
            expected.append(sub_spec["value"])
        if user is None or not expected:
            return True
        subject = self.get_subject(user, getattr(request, "client", None), request)
        return all(value == subject for value in expected)

    def verify_id_token_hint(self, id_token_hint: str, request: Any) -> dict:
        """Verify an ID token this provider issued to this client; ``exp`` is not
        checked (§3.1.2.1 lets an RP pass a past ID token as a hint)."""
        try:
            _, claims = jose.verify(id_token_hint, self.get_verification_keys(request))
        except jose.JoseError as exc:
            log.debug("id_token_hint refused: %s", exc)
            raise errors.InvalidRequestError(
                description="id_token_hint is not a valid ID token of this provider.",
                request=request) from None
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if claims.get("iss") != self.get_issuer(request) or (
                request.client_id and request.client_id not in audiences):
            raise errors.InvalidRequestError(
                description="id_token_hint was not issued to this client by this provider.",
                request=request)
        return claims

    def validate_id_token(self, token: str, scopes: list, request: Any) -> bool:
        """An ID token presented as a bearer token: signature, issuer, expiry."""
        try:
            _, claims = jose.verify(token, self.get_verification_keys(request))
        except jose.JoseError:
            return False
        if claims.get("iss") != self.get_issuer(request):
            return False
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= self.now():
            return False
        request.id_token_claims = claims
        return True

    def get_userinfo_claims(self, request: Any) -> Any:
        """§5.3.2: the claims the token's scopes and ``claims`` parameter allow, with
        ``sub``; signed (with ``iss`` and ``aud``) when the client registered
        ``userinfo_signed_response_alg``."""
        user = request.user
        scopes = request.scopes or []
        claims_request = parse_claims_request(getattr(request, "claims", None))
        subject = self.get_subject(user, request.client, request)
        claims = select_claims(self.get_user_claims(user, scopes, request), subject, scopes,
                               claims_request, "userinfo")
        alg = self.get_userinfo_signing_alg(request)
        if not alg:
            return claims
        audience = getattr(request.client, "client_id", None) or request.client_id
        claims.update({"iss": self.get_issuer(request), "aud": audience})
        return self._sign(claims, alg, request)

    # -- helpers ----------------------------------------------------------------------------

    def _sign(self, claims: Mapping[str, Any], alg: str, request: Any) -> str:
        if alg not in jose.ALGORITHMS:
            log.error("Refusing to sign with unsupported algorithm %r.", alg)
            raise errors.ServerError(status_code=500)
        key = self.get_signing_key(alg, request)
        if key is None:
            log.error("No active signing key for %s.", alg)
            raise errors.ServerError(status_code=500)
        return jose.sign(claims, key)

    @staticmethod
    def _client_alg(request: Any, attribute: str) -> Optional[str]:
        return getattr(getattr(request, "client", None), attribute, None) or None
