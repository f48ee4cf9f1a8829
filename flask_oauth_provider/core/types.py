"""The objects a validator hands the core: clients, grants (authorization codes), tokens.

These protocols are the one statement of what the bundled validators read from the
objects an app stores (its own models, or what its Flask-OAuthlib style callbacks
return). Only the attributes listed on each class are required; the optional ones are
read with ``getattr`` and named in the docstring. Flask-OAuthlib's models satisfy them
unchanged; the SQLAlchemy mixins of :mod:`flask_oauth_provider.sqla` do too.
"""

from __future__ import annotations

from typing import Any, Optional, Protocol, Sequence, Union, runtime_checkable

#: A list of strings, or one space-separated string (RFC 6749 §3.3 style); ``""`` is none.
StringList = Union[Sequence[str], str]


@runtime_checkable
class Client(Protocol):
    """A registered client (RFC 6749 §2).

    Required: ``client_id``, ``redirect_uris`` (RFC 6749 §3.1.2.2) and ``default_scopes``
    (the scopes of a request that names none, §3.3).

    Optional, read when present:

    * ``client_secret``: compared in constant time (a store that keeps digests overrides
      the comparison);
    * ``is_confidential`` (bool), else ``client_type`` (``"public"`` /
      ``"confidential"``); a client that says neither is confidential (RFC 6749 §2.1);
    * ``default_redirect_uri``: used when ``redirect_uris`` is absent;
    * ``allowed_scopes``, ``allowed_grant_types``, ``allowed_response_types``: limits;
      ``allowed_scopes`` falls back to ``default_scopes``;
    * ``user``: who ``client_credentials`` tokens are issued for;
    * ``name``: shown on the consent page;
    * ``is_resource_server`` (bool): may introspect every token, not only its own
      (RFC 7662 §4);
    * ``validate_scopes(scopes) -> bool`` and ``validate_redirect_uri(uri) -> bool``:
      replace the list checks (the redirect URI transport rule applies either way).
    """

    client_id: str
    redirect_uris: Optional[StringList]
    default_scopes: Optional[StringList]


@runtime_checkable
class Grant(Protocol):
    """A stored authorization code (RFC 6749 §4.1.2), Flask-OAuthlib's "grant".

    Required: ``client_id``, ``code``, ``user``, ``scopes``, ``redirect_uri``.
    Expiry: ``expires_at`` (aware, or naive meaning UTC) or Flask-OAuthlib's ``expires``
    (naive UTC). PKCE (RFC 7636 §4.4) needs ``code_challenge`` and
    ``code_challenge_method`` too. Optional: ``validate_redirect_uri(uri) -> bool``
    replaces the comparison with ``redirect_uri``; ``delete()`` when no grantdeleter
    is registered.
    """

    client_id: str
    code: str
    user: Any
    scopes: Optional[StringList]
    redirect_uri: Optional[str]


@runtime_checkable
class Token(Protocol):
    """A stored access token and its refresh token (RFC 6749 §1.4, §1.5).

    Required: ``access_token``, ``refresh_token``, ``user``, ``scopes``; the owning
    client as ``client`` or ``client_id``. Expiry: ``expires_at`` or ``expires`` as for
    :class:`Grant` (``None``: never expires); ``refresh_expires_at`` for the refresh
    token (absent or ``None``: it never expires). Optional: ``delete()`` when no
    tokendeleter is registered.
    """

    access_token: Optional[str]
    refresh_token: Optional[str]
    user: Any
    scopes: Optional[StringList]
