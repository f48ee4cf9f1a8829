"""Resource indicators (RFC 8707): which protected resources a token is for.

A client names the resources (APIs) it wants a token for with one or more ``resource``
parameters, on the authorization request (RFC 8707 §2.1) and on the token request
(§2.2). :class:`ResourcePolicy` checks them against the resources this server issues
tokens for and leaves the outcome on the request:

* ``request.resources``: the audience of what is being issued (a code, a token):
  without ``resource`` it is the grant's resources, else the default audience.
  Validators store it with the code and the token (``save_authorization_code``,
  ``save_bearer_token``), introspection reports it as ``aud`` (RFC 7662 §2.2).

A validator that stores resources tells the policy which ones a code or refresh token
was granted for by setting ``request.granted_resources`` (a list) in ``validate_code``
and ``validate_refresh_token``, as it sets ``request.scopes`` there. When it does not,
a token request may name any known resource.

The hooks are custom validators of the grants (``post_auth`` / ``post_token``, see
:class:`~flask_oauth_provider.core.grants.base.ValidatorsContainer`), so that they run
after the client, the redirect URI and the scopes are known good and an error can be
redirected to the client (RFC 8707 §2: ``invalid_target``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Optional

from . import errors
from .request import Request
from .utils import is_absolute_uri

log = logging.getLogger("flask_oauth_provider.core.resource_indicators")

__all__ = ["ResourcePolicy", "requested_resources", "audience_claim", "audience_list"]

#: The known resources: URI -> the scopes it accepts (``None``: any scope).
Resources = Mapping[str, Optional[frozenset]]


def requested_resources(request: Request) -> list[str]:
    """Every ``resource`` value of the request (query and form body), in order, once each.

    RFC 8707 §2: "The parameter can be used multiple times"; its value "MUST be an
    absolute URI, as specified by Section 4.3 of [RFC3986]", which "MUST NOT include a
    fragment component". A malformed value is ``invalid_target``.
    """
    pairs = list(request.uri_query_params) + list(request.decoded_body or [])
    values = [value for name, value in pairs if name == "resource"]
    for value in values:
        if not is_absolute_uri(value):
            raise errors.InvalidTargetError(
                description="Each resource must be an absolute URI without a fragment.",
                request=request)
    return list(dict.fromkeys(values))


def audience_claim(resources: Iterable[str]) -> Any:
    """``aud`` as RFC 7662 §2.2 and RFC 7519 §4.1.3 write it: one string, or a list."""
    values = list(resources)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def audience_list(aud: Any) -> list[str]:
    """An ``aud`` claim read back as a list; anything but a string or a list of strings
    is no audience at all."""
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list) and all(isinstance(item, str) for item in aud):
        return list(aud)
    return []


class ResourcePolicy:
    """The resource rules of one server.

    ``resources`` maps each resource URI this server issues tokens for to the scopes it
    accepts (``None``: any); an empty mapping means the server issues tokens only for
    its default audience. ``default_audience(request)`` names the audience of a token
    for which no resource was requested (the first configured resource, or the
    server's own identifier), or ``None`` when there is none (then such a token has no
    audience, and no ``resource`` is accepted).
    """

    def __init__(self, resources: Resources,
                 default_audience: Callable[[Request], Optional[str]]) -> None:
        self.resources = dict(resources)
        self.default_audience = default_audience

    def known(self, request: Request) -> Resources:
        """The resources a request may name: the configured ones, else the default."""
        if self.resources:
            return self.resources
        default = self.default_audience(request)
        return {default: None} if default else {}

    def _default(self, request: Request) -> list[str]:
        default = self.default_audience(request)
        return [default] if default else []

    def check_authorization(self, request: Request) -> dict:
        """``post_auth`` hook: the resources of an authorization request (RFC 8707 §2.1)."""
        requested = requested_resources(request)
        if requested:
            self._check_known(request, requested, self.known(request))
            request.resources = requested
        else:
            request.resources = self._default(request)
        return {"resources": request.resources}

    def check_token(self, request: Request) -> None:
        """``post_token`` hook: the resources of a token request (RFC 8707 §2.2).

        With a code or a refresh token, the requested resources must be among those the
        grant was given for (``request.granted_resources``), so a refresh can narrow the
        audience but never widen it; without ``resource`` the token is for all of them.
        """
        requested = requested_resources(request)
        granted = getattr(request, "granted_resources", None)
        if requested:
            self._check_known(request, requested, self.known(request))
            if granted is not None:
                outside = [uri for uri in requested if uri not in granted]
                if outside:
                    log.debug("Resource %r was not granted to client %r.", outside[0],
                              request.client_id)
                    raise errors.InvalidTargetError(
                        description="A requested resource was not part of the grant.",
                        request=request)
            request.resources = requested
        elif granted:
            request.resources = list(granted)
        else:
            request.resources = self._default(request)

    def _check_known(self, request: Request, requested: list[str], known: Resources) -> None:
        """Each resource is known, and each scope is accepted by one of them."""
        unknown = [uri for uri in requested if uri not in known]
        if unknown:
            log.debug("Unknown resource %r requested by client %r.", unknown[0],
                      request.client_id)
            raise errors.InvalidTargetError(
                description="A requested resource is not known to this server.",
                request=request)
        accepted: set = set()
        for uri in requested:
            scopes = known[uri]
            if scopes is None:
                return
            accepted |= scopes
        refused = [scope for scope in (request.scopes or []) if scope not in accepted]
        if refused:
            # RFC 8707 §2: the server may refuse a combination of resource and scope.
            raise errors.InvalidScopeError(
                description=f"No requested resource accepts the scope {refused[0]}.",
                request=request)
