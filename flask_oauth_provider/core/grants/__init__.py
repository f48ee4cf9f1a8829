"""Grant types: one module per grant, each owning its validation order and hooks."""

from __future__ import annotations

from .authorization_code import AuthorizationCodeGrant
from .base import GrantTypeBase, ValidatorsContainer
from .client_credentials import ClientCredentialsGrant
from .device_code import DeviceCodeGrant
from .implicit import ImplicitGrant
from .refresh_token import RefreshTokenGrant
from .resource_owner_password_credentials import ResourceOwnerPasswordCredentialsGrant

__all__ = [
    "AuthorizationCodeGrant",
    "ClientCredentialsGrant",
    "DeviceCodeGrant",
    "GrantTypeBase",
    "ImplicitGrant",
    "RefreshTokenGrant",
    "ResourceOwnerPasswordCredentialsGrant",
    "ValidatorsContainer",
]
