"""The policy half of the bundled validators, written once.

:class:`ProviderValidator` answers every question the core asks about *clients* —
who they are, how they authenticate, where they may redirect, which scopes, grant
types and response types they may use, whether PKCE is required and whether refresh
tokens rotate — from the client object and the app's
:class:`~flask_oauth_provider.config.ProviderConfig`.

Its subclasses only load clients and store codes and tokens:
``flask_oauth_provider.callbacks.CallbackValidator`` (Flask-OAuthlib style getters and
setters) and ``flask_oauth_provider.sqla.SQLAlchemyStore`` (the bundled models). A
subclass implements :meth:`ProviderValidator.load_client` plus the storage methods of
:class:`~flask_oauth_provider.core.validator.RequestValidator` (``validate_code``,
``save_authorization_code``, ``save_bearer_token``, ``validate_bearer_token``, ...).

The client object follows :class:`flask_oauth_provider.core.types.Client` (the
attributes Flask-OAuthlib documented).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Optional

from .assertion_auth import authenticate_with_assertion, registered_auth_method
from .config import ProviderConfig
from .core import errors
from .core.client_assertion import JWT_METHODS
from .core.client_auth import extract_client_credentials
from .core.redirect_uris import redirect_uri_matches, transport_allows
from .core.request import Request
from .core.types import Client
from .core.utils import scope_to_list
from .oidc_validator import OpenIDValidatorMixin
from .request_objects import request_object_parameters
from .state import config_in_force

log = logging.getLogger("flask_oauth_provider.validators")

#: The ``error_description`` of ``invalid_client`` for a public client that sent a secret.
PUBLIC_CLIENT_REFUSAL = (
    "This client is registered as public: it has no secret and must send only its "
    "client_id (RFC 6749 section 2.3.1). Register it as confidential, stop sending the "
    "secret, or set OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET = True while clients migrate."
)

#: Compared against when a client is unknown, so that an unknown client_id and a wrong
#: secret cost the same work (no oracle for valid client ids).
_DUMMY_SECRET = "x" * 43

def _as_list(value: Any) -> list[str]:
    """A stored list attribute (scopes, redirect URIs, grant types) as a list.

    The object may hold a list or a space-separated string (RFC 6749 §3.3 style); empty
    items are dropped, so ``""`` means none.
    """
    return [item for item in (scope_to_list(value) or []) if item]


def same_client(stored: Optional[str], presented: Optional[str]) -> bool:
    """Exact ``client_id`` equality (a database collation may be case-insensitive); a
    missing or empty presented id matches nothing."""
    return isinstance(presented, str) and bool(presented) and stored == presented


def is_public_client(client: Client) -> bool:
    """Whether ``client`` is a public client (RFC 6749 §2.1).

    ``is_confidential`` wins when present, then ``client_type``; a client that says
    neither is treated as confidential, as Flask-OAuthlib did.
    """
    confidential = getattr(client, "is_confidential", None)
    if confidential is not None:
        return not bool(confidential)
    client_type = getattr(client, "client_type", None)
    if client_type is not None:
        return str(client_type).lower() == "public"
    return False


def client_requires_par(client: Optional[Client]) -> bool:
    """Whether ``client`` registered ``require_pushed_authorization_requests: true``
    (RFC 9126 §6), as an attribute or in its ``client_metadata``."""
    if client is None:
        return False
    value = getattr(client, "require_pushed_authorization_requests", None)
    if value is None:
        metadata = getattr(client, "client_metadata", None)
        value = metadata.get("require_pushed_authorization_requests") \
            if isinstance(metadata, dict) else None
    return value is True


class ProviderValidator(OpenIDValidatorMixin):
    """Client policy shared by the bundled validators; storage is left to subclasses.

    ``config`` is the app's :class:`~flask_oauth_provider.config.ProviderConfig`
    (looked up per request, see :attr:`config`); outside an app, the defaults.
    """

    _explicit_config: Optional[ProviderConfig] = None
    #: Whether ``client_secret_jwt`` can be checked (it needs secrets in clear; see
    #: :meth:`client_secret_for_assertion`). Metadata offers the method only when True.
    supports_client_secret_jwt = True

    @property
    def config(self) -> ProviderConfig:
        """The :class:`ProviderConfig` in force (one lookup: ``state.config_in_force``).

        Inside a request of an app where an ``OAuth2Provider`` is registered, that app's
        config (so one validator can serve several apps); otherwise the one assigned to
        ``validator.config``, or the defaults.
        """
        return config_in_force(self._explicit_config)

    @config.setter
    def config(self, value: ProviderConfig) -> None:
        self._explicit_config = value

    # -- what a subclass provides -------------------------------------------------

    def load_client(self, client_id: Optional[str]) -> Optional[Client]:
        """Return the client with this ``client_id``, or ``None``. Subclasses implement it."""
        raise NotImplementedError("Subclasses must implement load_client(client_id).")

    def client_secret_matches(self, client: Optional[Client], client_secret: str) -> bool:
        """Compare a presented secret with the client's, in constant time.

        The default compares with ``client.client_secret`` in clear; a store that keeps
        digests (``sqla``) overrides this.
        """
        stored = getattr(client, "client_secret", None)
        if not stored or client_secret is None:
            hmac.compare_digest(_DUMMY_SECRET.encode(), (client_secret or "").encode())
            return False
        return hmac.compare_digest(str(stored).encode("utf-8"), client_secret.encode("utf-8"))

    def client_secret_for_assertion(self, client: Client) -> Optional[str]:
        """The client's secret in clear, to check a ``client_secret_jwt`` HMAC (OpenID
        Connect Core §9), or ``None`` when it is not kept in clear.

        The default reads ``client.client_secret`` (clients of callbacks keep it, as
        Flask-OAuthlib did); the bundled models keep only a digest and return ``None``,
        so their clients cannot use ``client_secret_jwt``.
        """
        secret = getattr(client, "client_secret", None)
        return secret if isinstance(secret, str) and secret else None

    def request_object_parameters(self, client: Client, token: str) -> dict[str, str]:
        """The parameters of ``client``'s signed request object (RFC 9101), for a pushed
        authorization request (RFC 9126 §3); see
        :func:`flask_oauth_provider.request_objects.request_object_parameters`."""
        return request_object_parameters(client, token)

    def is_public_client(self, client: Client) -> bool:
        """Whether ``client`` is public; see :func:`is_public_client`."""
        return is_public_client(client)

    def auth_method_allowed(self, client: Client, method: str) -> bool:
        """Whether ``client`` may authenticate with ``method`` here: the method is enabled
        (``OAUTH2_PROVIDER_TOKEN_ENDPOINT_AUTH_METHODS``) and fits the client's registered
        ``token_endpoint_auth_method`` (RFC 7591 §2). ``client_secret_basic`` and
        ``client_secret_post`` stay interchangeable (as before this rule existed); a
        client registered for a JWT method uses exactly that one.
        """
        if method not in self.config.token_endpoint_auth_methods:
            return False
        registered = registered_auth_method(client, self.is_public_client(client))
        if registered in JWT_METHODS or method in JWT_METHODS:
            return registered == method
        return True

    def may_introspect(self, caller: Optional[Client], token_client_id: Optional[str]) -> bool:
        """Whether ``caller`` may learn about a token issued to ``token_client_id``.

        The one introspection rule of every bundled storage (RFC 7662 §2.1: the caller
        must authenticate, which a public client cannot; §4: it must be authorized for
        the token, or token scanning is possible): a confidential client sees its own
        tokens, and one registered as a resource server (``is_resource_server``) sees
        every token.
        """
        if caller is None or self.is_public_client(caller):
            return False
        if getattr(caller, "is_resource_server", False):
            return True
        return same_client(token_client_id, getattr(caller, "client_id", None))

    def may_revoke(self, request: Request, token_client_id: Optional[str]) -> bool:
        """RFC 7009 §2.1: a client revokes only the tokens issued to it. The one
        revocation rule of every bundled storage."""
        caller = getattr(request, "client", None)
        caller_id = getattr(caller, "client_id", None) or getattr(request, "client_id", None)
        return same_client(token_client_id, caller_id)

    # -- helpers ------------------------------------------------------------------

    def _client_for(self, client_id: Optional[str], request: Request) -> Optional[Client]:
        """The client of ``client_id``: ``request.client`` when it is that one, else loaded."""
        client = getattr(request, "client", None)
        if client is not None and (
            client_id is None or getattr(client, "client_id", None) == client_id
        ):
            return client
        if client_id is None:
            return None
        return self.load_client(client_id)

    def _presented_client_id(self, request: Request) -> tuple[Any, Any]:
        """Parse the client credentials once (RFC 6749 §2.3.1); the core raises on misuse."""
        # Asked two or three times per token request: kept on the request after the
        # first parse (a refusal raises again each time, nothing is kept).
        credentials = getattr(request, "__dict__", {}).get("_presented_credentials")
        if credentials is None:
            credentials = extract_client_credentials(request)
            try:
                request._presented_credentials = credentials
            except AttributeError:  # a request object that takes no new attributes
                pass
        return credentials, credentials.client_id or getattr(request, "client_id", None)

    # -- client authentication (RFC 6749 §2.3, §3.2.1) -----------------------------

    def client_authentication_required(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §3.2.1: confidential clients must authenticate at the token endpoint.

        Credentials that were presented are always checked, even for a public client
        (which then gets ``invalid_client`` saying it is public), unless
        ``OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET`` is set; an unknown client is
        sent down the authenticating path so that it fails there with
        ``invalid_client``.
        """
        credentials, client_id = self._presented_client_id(request)
        if credentials.method != "none" and not self.config.ignore_public_client_secret:
            return True
        client = self.load_client(client_id) if client_id else None
        if credentials.method != "none":
            # OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET: a public client's secret is
            # not looked at (RFC 6749 §2.3); it is identified by client_id as public.
            return client is None or not self.is_public_client(client)
        if client is None:
            return True
        return not self.is_public_client(client)

    def authenticate_client(self, request: Request, *args: Any, **kwargs: Any) -> bool:
        """Authenticate with ``client_secret_basic`` or ``client_secret_post`` (RFC 6749 §2.3.1).

        Sets ``request.client`` on success. Public clients have no secret and never
        pass here (RFC 6749 §2.3, §10.1).
        """
        credentials, client_id = self._presented_client_id(request)
        if credentials.method == "none" or not client_id:
            return False
        if credentials.client_assertion is not None:
            # RFC 7523 §2.2 / OpenID Connect Core §9: private_key_jwt, client_secret_jwt.
            client = authenticate_with_assertion(self, request, credentials)
            if client is None:
                return False
            request.client = client
            return True
        client = self.load_client(client_id)
        if client is None or self.is_public_client(client):
            self.client_secret_matches(None, credentials.client_secret)
            if client is not None and not self.config.ignore_public_client_secret:
                raise errors.InvalidClientError(description=PUBLIC_CLIENT_REFUSAL,
                                                request=request)
            return False
        if not self.client_secret_matches(client, credentials.client_secret):
            log.info("client authentication failed for a known client")
            return False
        if not self.auth_method_allowed(client, credentials.method):
            log.info("client %s may not use %s", client_id, credentials.method)
            return False
        request.client = client
        return True

    def authenticate_client_id(self, client_id: str, request: Request, *args: Any,
                               **kwargs: Any) -> bool:
        """Identify a public client by ``client_id`` alone (RFC 6749 §3.2.1, method ``none``).

        A confidential client never authenticates this way. The ``client_id`` may come
        from HTTP Basic (a public client whose secret is ignored, see
        ``OAUTH2_PROVIDER_IGNORE_PUBLIC_CLIENT_SECRET``).
        """
        client_id = client_id or self._presented_client_id(request)[1]
        client = self.load_client(client_id) if client_id else None
        if client is None or not self.is_public_client(client):
            return False
        if "none" not in self.config.token_endpoint_auth_methods:
            log.info("public clients are not accepted (OAUTH2_PROVIDER_TOKEN_ENDPOINT_"
                     "AUTH_METHODS has no 'none')")
            return False
        request.client = client
        return True

    # -- the authorization request (RFC 6749 §3.1, §4.1.1) --------------------------

    def validate_client_id(self, client_id: str, request: Request,
                           *args: Any, **kwargs: Any) -> bool:
        """The client exists; sets ``request.client``."""
        client = self.load_client(client_id) if client_id else None
        if client is None:
            return False
        request.client = client
        return True

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Request,
                              *args: Any, **kwargs: Any) -> bool:
        """RFC 9700 §4.1.3, RFC 6749 §3.1.2.3: exact match against a registered URI.

        For loopback ``http`` URIs only the port may differ (RFC 8252 §7.3). A client
        object's own ``validate_redirect_uri(uri)`` replaces the match when present, but
        the transport rule (plain ``http`` only on loopback) applies either way.
        """
        client = self._client_for(client_id, request)
        if client is None or not transport_allows(redirect_uri, self.config.insecure_transport):
            return False
        custom = getattr(client, "validate_redirect_uri", None)
        if callable(custom):
            return bool(custom(redirect_uri))
        return any(
            redirect_uri_matches(registered, redirect_uri)
            for registered in _as_list(getattr(client, "redirect_uris", None))
        )

    def get_default_redirect_uri(self, client_id: str, request: Request, *args: Any,
                                 **kwargs: Any) -> Optional[str]:
        """RFC 6749 §3.1.2.3: a default only when exactly one URI is registered.

        With several registered URIs the request must name one (OAuth 2.1 §2.3.2).
        """
        client = self._client_for(client_id, request)
        if client is None:
            return None
        registered = getattr(client, "redirect_uris", None)
        if registered is not None:
            registered = _as_list(registered)
            uri = registered[0] if len(registered) == 1 else None
        else:
            uri = getattr(client, "default_redirect_uri", None)
        if uri and not transport_allows(uri, self.config.insecure_transport):
            return None
        return uri or None

    def validate_scopes(self, client_id: str, scopes: list[str],
                        client: Optional[Client], request: Request, *args: Any,
                        **kwargs: Any) -> bool:
        """RFC 6749 §3.3: the requested scopes are ones this client may ask for.

        ``client.validate_scopes(scopes)`` decides when present; otherwise every scope
        must be in ``client.allowed_scopes`` (or ``default_scopes`` when it has none).
        """
        client = client or self._client_for(client_id, request)
        if client is None:
            return False
        custom = getattr(client, "validate_scopes", None)
        if callable(custom):
            return bool(custom(scopes))
        allowed = getattr(client, "allowed_scopes", None)
        if allowed is None:
            allowed = getattr(client, "default_scopes", None)
        allowed_set = set(_as_list(allowed))
        return bool(scopes) and all(scope in allowed_set for scope in scopes)

    def get_default_scopes(self, client_id: str, request: Request, *args: Any,
                           **kwargs: Any) -> list[str]:
        """RFC 6749 §3.3: the scopes used when the request names none."""
        client = self._client_for(client_id, request)
        return _as_list(getattr(client, "default_scopes", None)) if client is not None else []

    def validate_response_type(self, client_id: str, response_type: str, client: Optional[Client],
                               request: Request, *args: Any, **kwargs: Any) -> bool:
        """RFC 6749 §3.1.1: the response type is enabled and allowed for this client.

        ``token`` (implicit) is refused unless ``implicit`` is in
        ``OAUTH2_PROVIDER_GRANT_TYPES`` (RFC 9700 §2.1.2).
        """
        if response_type not in self.config.response_types:
            return False
        client = client or self._client_for(client_id, request)
        allowed = getattr(client, "allowed_response_types", None)
        if allowed is None:
            return True
        allowed = _as_list(allowed)
        if response_type in allowed:
            return True
        # OpenID Connect combinations ("code id_token token"): each part must be allowed;
        # an ID token from the authorization endpoint is what the implicit grant
        # ("token") allows (OpenID Connect Core §3.2, §3.3).
        needed = {"code" if part == "code" else "token" for part in response_type.split()}
        return needed <= set(allowed)

    # -- the token request (RFC 6749 §4, §5.2) -------------------------------------

    def validate_grant_type(self, client_id: str, grant_type: str,
                            client: Optional[Client], request: Request, *args: Any,
                            **kwargs: Any) -> bool:
        """RFC 6749 §5.2 ``unauthorized_client``: the grant is enabled and allowed for the client.

        For ``client_credentials`` the client acts for itself (RFC 6749 §4.4):
        ``request.user`` is ``None``, so the token is stored with no user, even for a
        client that has an owner, and never shows among that owner's authorized
        applications. (Flask-OAuthlib set the client's ``user`` here.)
        """
        if grant_type not in self.config.grant_types:
            return False
        client = client or self._client_for(client_id, request)
        if client is None:
            return False
        allowed = getattr(client, "allowed_grant_types", None)
        if allowed is not None and grant_type not in _as_list(allowed):
            return False
        if grant_type in ("client_credentials", "password") and self.is_public_client(client):
            # client_credentials: a public client has no credentials (RFC 6749 §4.4).
            # password: without client authentication anyone holding the public
            # client_id could test passwords through it; RFC 9700 §2.4 deprecates the
            # grant, so it is kept for confidential legacy clients only.
            return False
        if grant_type == "client_credentials":
            request.user = None
        return True

    def is_pkce_required(self, client_id: str, request: Request) -> bool:
        """RFC 9700 §2.1.1, OAuth 2.1 §4.1.1: PKCE for public clients (or all, if configured)."""
        client = self._client_for(client_id, request)
        public = True if client is None else self.is_public_client(client)
        return self.config.pkce_required_for(public)

    def pushed_authorization_required(self, client_id: str, request: Request, *args: Any,
                                      **kwargs: Any) -> bool:
        """RFC 9126 §6: the client's ``require_pushed_authorization_requests`` metadata
        (an attribute of the client, else its ``client_metadata``) makes PAR mandatory
        for it."""
        return client_requires_par(self.load_client(client_id))

    def rotate_refresh_token(self, request: Request) -> bool:
        """RFC 9700 §4.14.2, OAuth 2.1 §4.3.1: public clients' refresh tokens always rotate."""
        client = getattr(request, "client", None)
        public = True if client is None else self.is_public_client(client)
        return self.config.rotates_refresh_tokens_for(public)

    # -- resource owner password credentials (RFC 6749 §4.3) -------------------------

    #: ``f(username, password, client, request) -> user or None``, Flask-OAuthlib's
    #: usergetter; the provider sets it from ``@oauth.usergetter``.
    usergetter: Optional[Any] = None

    def validate_user(self, username: str, password: str,
                      client: Optional[Client], request: Request, *args: Any,
                      **kwargs: Any) -> bool:
        """RFC 6749 §4.3.2: check the resource owner's credentials; sets ``request.user``.

        Without a ``usergetter`` no password is ever accepted (``invalid_grant``).
        """
        getter = self.usergetter
        if getter is None:
            return False
        user = getter(username, password, client, request, *args, **kwargs)
        if not user:
            return False
        request.user = user
        return True

    def is_origin_allowed(self, client_id: str, origin: str, request: Request, *args: Any,
                          **kwargs: Any) -> bool:
        """No CORS at the token endpoint unless a subclass allows it."""
        return False
