"""RequestValidator: the single seam between the OAuth core and storage/policy.

Same 28 methods, signatures and defaults as
``oauthlib.oauth2.rfc6749.RequestValidator``, so a validator written for
oauthlib works unchanged here.  Seven methods have a default; the other 21
raise ``NotImplementedError``.

:class:`DeviceRequestValidator` adds what the device authorization grant (RFC 8628)
needs, as ``oauthlib.oauth2.rfc8628.RequestValidator`` does: ``validate_device_code``
(oauthlib's signature and statuses) and four methods of ours,
``save_device_code``, ``get_device_code_poll``, ``save_device_code_poll`` and
``redeem_device_code``.  The grant treats the last three as optional, so a validator
written for oauthlib's device flow runs unchanged.

Each docstring says who calls the method, when
(in the order each grant's docstring lists), what it returns and
what it must set on the request.

General rules for implementers:

* Return booleans for ``validate_*`` / ``authenticate_*``; the core turns a
  False into the right error response.  Raise an
  :class:`~flask_oauth_provider.core.errors.OAuth2Error` only to send a
  specific error; any other exception becomes ``server_error``.
* Compare secrets with ``hmac.compare_digest``
  (:func:`~flask_oauth_provider.core.utils.safe_string_equals`); read client
  credentials with
  :func:`~flask_oauth_provider.core.client_auth.extract_client_credentials`;
  match redirect URIs with
  :func:`~flask_oauth_provider.core.redirect_uris.redirect_uri_matches`.
* Never log tokens, codes, secrets or passwords.
"""

from __future__ import annotations

from typing import Any, Optional

from .request import Request

__all__ = ["DeviceRequestValidator", "RequestValidator", "stores_code_challenges"]

_MUST_IMPLEMENT = "Subclasses must implement this method."


class RequestValidator:
    """Base class to subclass with the storage and policy of a provider."""

    #: Whether this validator keeps the PKCE ``code_challenge`` of each code and
    #: returns it from :meth:`get_code_challenge`. ``None`` (the default) lets the
    #: core decide from whether ``get_code_challenge`` is overridden; see
    #: :func:`stores_code_challenges`.
    stores_code_challenges: Optional[bool] = None

    # ------------------------------------------------------------------ clients

    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """Whether the client of a token, revocation or introspection request must authenticate.

        Called by the authorization-code, password and refresh-token grants and by
        the revocation and introspection endpoints, before client authentication.
        True -> :meth:`authenticate_client` is called; False ->
        :meth:`authenticate_client_id` (a public client, RFC 6749 §2.1).

        RFC 6749 §3.2.1 / §4.1.3 / §6: confidential clients, and clients that were
        issued credentials, MUST authenticate.  Default: True (always authenticate).
        """
        return True

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """Authenticate the client of a token, revocation or introspection request.

        Called when :meth:`client_authentication_required` is True, and always by
        the client-credentials grant (RFC 6749 §4.4.2).  Check the credentials
        (``client_secret_basic`` or ``client_secret_post``, RFC 6749 §2.3.1).
        On success set ``request.client`` (an object with ``client_id``) and return
        True; the core then fills ``request.client_id`` from it.  Return False (->
        ``invalid_client``, 401) for unknown clients, wrong secrets and public
        clients.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def authenticate_client_id(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Identify a public client that does not authenticate (RFC 6749 §3.2.1).

        Called when :meth:`client_authentication_required` is False.  Ensure the
        client is public and ``client_id`` is known, set ``request.client`` and
        return True; otherwise False (-> ``invalid_client``).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def validate_client_id(self, client_id: str, request: Request,
                           *args: Any, **kwargs: Any) -> bool:
        """Whether ``client_id`` names a known, active client.

        Called first by the authorization endpoint (code and implicit grants, RFC
        6749 §4.1.1 / §4.2.1).  False raises the fatal ``InvalidClientIdError``
        (no redirect, RFC 6749 §4.1.2.1).  Should set ``request.client``.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    # ---------------------------------------------------------- redirect URIs

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Whether ``redirect_uri`` is registered for the client (RFC 6749 §3.1.2.2-3).

        Called by the authorization endpoint when the request carries a
        ``redirect_uri``, after :meth:`validate_client_id`.  Compare exactly
        (RFC 9700 §4.1.3); only loopback ports may differ (RFC 8252 §7.3), see
        :func:`~flask_oauth_provider.core.redirect_uris.redirect_uri_matches`.  False raises
        the fatal ``MismatchingRedirectURIError``.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def get_default_redirect_uri(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> str | None:
        """The redirect URI to use when the request carries none (RFC 6749 §3.1.2.3).

        Called by the authorization endpoint when ``redirect_uri`` is absent, and
        by the token endpoint (code grant) in the same case.  Return the single
        registered URI, or None when the client registered several (then
        ``redirect_uri`` is required: ``MissingRedirectURIError``).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def confirm_redirect_uri(
        self,
        client_id: str,
        code: str,
        redirect_uri: str,
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Whether ``redirect_uri`` of the token request is the one bound to ``code``.

        Called by the authorization-code grant at the token endpoint after
        :meth:`validate_code` and the PKCE check.  RFC 6749 §4.1.3: if the
        authorization request included ``redirect_uri``, the token request must
        include the identical value; if it did not, ``redirect_uri`` may be absent
        (then it is the default from :meth:`get_default_redirect_uri`).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    # ------------------------------------------------------ response & grant types

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Whether the client may use ``response_type`` (``code``, ``token``).

        Called by the authorization endpoint after the redirect URI is settled.
        False -> ``unauthorized_client`` sent to the redirect URI (RFC 6749 §4.1.2.1).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Request,
        *args: Any, **kwargs: Any
    ) -> bool:
        """Whether the client may use ``grant_type`` at the token endpoint.

        Called by every grant after client authentication.  False ->
        ``unauthorized_client`` (RFC 6749 §5.2).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    # ----------------------------------------------------------------- scopes

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Request,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Whether the client may request ``scopes`` (RFC 6749 §3.3).

        Called by the authorization endpoint (code, implicit) and by the password
        and client-credentials grants (not by the refresh grant, which uses
        :meth:`get_original_scopes`).  False -> ``invalid_scope``.  May narrow
        ``request.scopes``.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def get_default_scopes(
        self, client_id: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        """The scopes to use when the request has no ``scope`` parameter (RFC 6749 §3.3).

        Called just before :meth:`validate_scopes`.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def get_original_scopes(
        self, refresh_token: str, request: Request, *args: Any, **kwargs: Any
    ) -> list[str]:
        """The scopes granted with ``refresh_token`` (RFC 6749 §6).

        Called by the refresh grant after :meth:`validate_refresh_token`.  A
        requested scope must be within these; without ``scope`` these are used.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def is_within_original_scope(
        self, request_scopes: list[str], refresh_token: str, request: Request,
        *args: Any, **kwargs: Any
    ) -> bool:
        """Second chance for a refresh request whose scopes are not all original ones.

        Called by the refresh grant only when a requested scope is not in
        :meth:`get_original_scopes`; True lets the request through.  Default:
        False (RFC 6749 §6: the scope MUST NOT exceed the original grant).
        """
        return False

    # ------------------------------------------------------- authorization codes

    def save_authorization_code(
        self, client_id: str, code: dict[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Store a new authorization code.

        Called by the code grant once the user has authorized the request.
        ``code`` is ``{"code": ..., "state": ...}``.  Store it (as a digest)
        bound to ``client_id``, ``request.redirect_uri`` (and whether it was given),
        ``request.scopes``, ``request.user``, ``request.code_challenge`` and
        ``request.code_challenge_method``, with a short lifetime (RFC 6749 §4.1.2:
        at most 10 minutes).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Whether ``code`` is valid, unexpired, unused and issued to ``client`` (RFC 6749 §4.1.3).

        Called by the code grant at the token endpoint, after client
        authentication and :meth:`validate_grant_type`.  On success MUST set
        ``request.user`` and ``request.scopes`` from the stored code (the token
        would otherwise carry the scopes the client asks for now), and may set
        ``request.claims``.  False -> ``invalid_grant``.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Mark ``code`` used, after its tokens were saved (RFC 6749 §4.1.2: single use)."""
        raise NotImplementedError(_MUST_IMPLEMENT)

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        """Whether the client must use PKCE (RFC 7636 §4.4.1, OAuth 2.1 §4.1.1).

        Called by the code grant at the authorization endpoint (missing challenge
        -> ``invalid_request`` "Code challenge required.") and at the token
        endpoint when the code has no challenge.  Default: False.
        """
        return False

    def get_code_challenge(self, code: str, request: Request) -> str | None:
        """The ``code_challenge`` stored with ``code``, or None (RFC 7636 §4.6).

        Called by the code grant at the token endpoint after :meth:`validate_code`.
        Default: None (no PKCE). A validator that overrides it is taken to store
        challenges (:func:`stores_code_challenges`), and then a ``code_verifier``
        sent for a code without a challenge is refused (RFC 9700 §4.8.2).
        """
        return None

    def get_code_challenge_method(self, code: str, request: Request) -> str | None:
        """The ``code_challenge_method`` stored with ``code``: ``S256`` or ``plain``.

        Called after :meth:`get_code_challenge` returned a challenge.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    # ---------------------------------------------------------------- tokens

    def save_token(self, token: dict[str, Any], request: Request,
                   *args: Any, **kwargs: Any) -> None:
        """Store a newly issued token; by default calls :meth:`save_bearer_token`."""
        return self.save_bearer_token(token, request, *args, **kwargs)

    def save_bearer_token(
        self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any
    ) -> Any:
        """Store a new bearer token (RFC 6750).

        Called (through :meth:`save_token`) by every grant that issues a token.
        ``token`` holds ``access_token``, ``expires_in``, ``token_type``, ``scope``
        and possibly ``refresh_token``; associate it with ``request.client`` and
        ``request.user``.  On a refresh, revoke the old refresh token if it was
        rotated.  Store digests, not the tokens.  Keys added to ``token`` here go
        back to the client.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def validate_bearer_token(
        self, token: str | None, scopes: list[str] | None, request: Request
    ) -> bool:
        """Whether ``token`` is a valid, unexpired access token covering ``scopes`` (RFC 6750).

        Called by the resource endpoint, also with ``token=None`` when the request
        carries no token (then return False).  On success set ``request.user``,
        ``request.client`` and ``request.scopes`` (and ``request.access_token``).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def validate_refresh_token(
        self, refresh_token: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Whether ``refresh_token`` is valid and was issued to ``client`` (RFC 6749 §6).

        Called by the refresh grant after client authentication and
        :meth:`validate_grant_type`.  On success set ``request.user``.  False ->
        ``invalid_grant``.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def rotate_refresh_token(self, request: Request) -> bool:
        """Whether a refresh issues a new refresh token (True) or returns the old one.

        Called by ``BearerToken.create_token`` during a refresh.  Public clients
        must rotate (RFC 9700 §4.14.2).  Default: True.
        """
        return True

    def revoke_token(
        self, token: str, token_type_hint: str | None, request: Request, *args: Any, **kwargs: Any
    ) -> None:
        """Revoke ``token`` (RFC 7009 §2.1), after the client was authenticated.

        ``token_type_hint`` is only a hint: search all token types.  Only revoke a
        token issued to ``request.client``; revoking a refresh token should
        revoke its access tokens too.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def introspect_token(
        self, token: str, token_type_hint: str | None, request: Request, *args: Any, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Describe ``token`` for the introspection endpoint (RFC 7662 §2.2).

        Return None for an unknown, expired or revoked token (-> ``{"active":
        false}``) or a dict of claims (``scope``, ``client_id``, ``username``,
        ``exp``, ...); ``active: true`` is added by the endpoint.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    # ------------------------------------------------------------------- users

    def validate_user(
        self, username: str, password: str, client: Any, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Check resource-owner credentials for the password grant (RFC 6749 §4.3.2).

        On success set ``request.user``.  False -> ``invalid_grant``.  Compare the
        password against a hash; protect against brute force.
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    # -------------------------------------------------------------------- CORS

    def is_origin_allowed(
        self, client_id: str, origin: str, request: Request, *args: Any, **kwargs: Any
    ) -> bool:
        """Whether to send ``Access-Control-Allow-Origin: origin`` on a token response.

        Called by the code and refresh grants when the request has an https
        ``Origin`` header.  Default: False (no CORS).
        """
        return False



def stores_code_challenges(validator: Any) -> bool:
    """Whether ``validator`` keeps the PKCE challenges of the codes it saves.

    The class attribute ``stores_code_challenges`` decides when it is a bool.
    Otherwise a validator stores challenges when its class has a
    ``get_code_challenge`` of its own: not ours, not oauthlib's (a validator written
    for oauthlib inherits that one), which can only ever answer "no challenge".

    Only then can the code grant tell "this code was issued without a challenge"
    from "this validator forgets challenges", and apply the PKCE downgrade rule
    (RFC 9700 §4.8.2); for other validators it behaves as oauthlib does.
    """
    flag = getattr(type(validator), "stores_code_challenges", None)
    if isinstance(flag, bool):
        return flag
    method = getattr(type(validator), "get_code_challenge", None)
    if method is None or method is RequestValidator.get_code_challenge:
        return False
    return str(getattr(method, "__module__", "")).split(".")[0] != "oauthlib"


class DeviceRequestValidator(RequestValidator):
    """A :class:`RequestValidator` that also serves the device authorization grant.

    The device authorization endpoint calls :meth:`save_device_code`; the device
    code grant at the token endpoint calls :meth:`validate_device_code`, then
    :meth:`get_device_code_poll` and :meth:`save_device_code_poll` while the code is
    pending, and :meth:`redeem_device_code` before issuing the token (RFC 8628 §3).
    """

    def save_device_code(
        self, client_id: str, code: dict[str, Any], request: Any, *args: Any, **kwargs: Any
    ) -> None:
        """Store a new device authorization (RFC 8628 §3.2).

        Called by the device authorization endpoint after the client was
        authenticated and ``request.scopes`` checked.  ``code`` holds
        ``device_code``, ``user_code`` (as displayed, e.g. ``WDJB-MJHT``),
        ``expires_in`` and ``interval``.  Store both codes as digests (the user code
        in the form of :func:`~flask_oauth_provider.core.user_codes.normalize_user_code`,
        so that it is found whatever case and hyphens the user types), bound to
        ``request.client`` and ``request.scopes``, pending, expiring after
        ``expires_in`` seconds, with ``interval`` as the polling interval.  Return
        False, storing nothing, when the user code is already taken by a live device
        authorization: the endpoint then tries a fresh user code (a user must never
        approve another device than their own).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def validate_device_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> str | None:
        """Where the device authorization of ``code`` stands (RFC 8628 §3.5).

        Called by the device code grant at the token endpoint after client
        authentication and :meth:`validate_grant_type`.  Return one of the
        ``DeviceCodeGrant.DEVICE_CODE_*`` statuses (oauthlib's values):
        ``"authorized"`` (the user approved: set ``request.user`` and
        ``request.scopes`` from the stored authorization), ``"authorization_pending"``,
        ``"slow_down"``, ``"access_denied"`` or ``"expired_token"``.  Return None for
        a code that is unknown, issued to another client than ``client_id``, or
        already redeemed (-> ``invalid_grant``).
        """
        raise NotImplementedError(_MUST_IMPLEMENT)

    def get_device_code_poll(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> tuple[float | None, int] | None:
        """``(last_polled_at, interval)`` of a pending device code, or None.

        Called when :meth:`validate_device_code` answered ``"authorization_pending"``.
        ``last_polled_at`` is the time (seconds since the epoch) given to the last
        :meth:`save_device_code_poll`, or None before the first poll; ``interval`` is
        the current polling interval in seconds.  The grant answers ``slow_down``
        when the device polls sooner than that (RFC 8628 §3.5).  Default: None, no
        pacing by the grant (a validator written for oauthlib paces polls by
        answering ``"slow_down"`` from :meth:`validate_device_code`).
        """
        return None

    def save_device_code_poll(
        self,
        client_id: str,
        code: str,
        polled_at: float,
        interval: int,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        """Remember the time of this poll and the interval that now applies.

        Called after :meth:`get_device_code_poll` returned a value; ``interval`` has
        grown by 5 seconds when this poll came too soon (RFC 8628 §3.5: "for this and
        all subsequent requests").  Default: nothing.
        """

    def redeem_device_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """Mark an authorized device code used; True for exactly one caller.

        Called by the device code grant after every check passed and before the
        token is made: of two polls racing with the same code, one must get True
        and the other False (-> ``invalid_grant``), e.g. through a conditional
        UPDATE whose row count decides.  Afterwards :meth:`validate_device_code`
        answers None for the code.  Default: True, leaving single use to
        :meth:`validate_device_code` as oauthlib does; override it.
        """
        return True
