"""An import shim: oauthlib's server-side module names, answered by our core.

oauthlib's own tests import ``oauthlib.oauth2``, ``oauthlib.common`` and a few deeper
modules. Installed in the process that runs those tests (never in ours), this shim
makes every ``oauthlib`` import resolve to a module whose names come from
``flask_oauth_provider.core``, so the tests exercise our code and nothing of
oauthlib's. Nothing is stubbed: a name either maps to our real object (or, in three
documented cases, to a one-line adapter that reorders arguments for our real
function), or it is *absent*. An absent name that a test module imports at its top is
a callable that raises :class:`AbsentInCore` when used, so only the tests that use it
fail, not the whole file; any other missing name raises ``AttributeError`` /
``ImportError`` as usual.

The one patchable name is ``oauthlib.common.generate_token``: ``mock.patch`` on it
reaches ``flask_oauth_provider.core.utils.generate_token``, which is where our core
draws both authorization codes and tokens from.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

CORE = "flask_oauth_provider.core"


class AbsentInCore(NotImplementedError):
    """Raised when a test uses an oauthlib name that our core does not have."""


def _absent(module: str, name: str, reason: str) -> Callable[..., Any]:
    def absent(*args: Any, **kwargs: Any) -> Any:
        raise AbsentInCore(f"{module}.{name} has no counterpart in flask-oauth-provider: "
                           f"{reason}")

    absent.__name__ = name
    return absent


# -- adapters: argument order only, the rule is our one PKCE function ----------------

def _code_challenge_method_plain(verifier: Any, challenge: Any) -> bool:
    from flask_oauth_provider.core.utils import verify_code_verifier
    return verify_code_verifier(verifier, challenge, "plain")


def _code_challenge_method_s256(verifier: Any, challenge: Any) -> bool:
    from flask_oauth_provider.core.utils import verify_code_verifier
    return verify_code_verifier(verifier, challenge, "S256")


@dataclass
class Shim:
    """What one oauthlib module name resolves to.

    ``sources``: our modules whose public names it offers, searched in order;
    ``names``: ``oauthlib name -> (our module, our name)`` or a callable adapter;
    ``absent``: ``oauthlib name -> why we have none`` (client-side helpers, JWT);
    ``patchable``: names whose assignment (``mock.patch``) goes to our module.
    """

    sources: Sequence[str] = ()
    names: Dict[str, Any] = field(default_factory=dict)
    absent: Dict[str, str] = field(default_factory=dict)
    patchable: Tuple[str, ...] = ()
    package: bool = False


_CLIENT_SIDE = "a client-side helper (how a client attaches a token); this is a server"

SHIMS: Dict[str, Shim] = {
    "oauthlib": Shim(sources=[f"{CORE}.log"], package=True),
    "oauthlib.common": Shim(
        names={
            "Request": (f"{CORE}.request", "Request"),
            "urlencode": (f"{CORE}.utils", "urlencode_params"),
            "generate_token": (f"{CORE}.utils", "generate_token"),
        },
        patchable=("generate_token",),
    ),
    "oauthlib.oauth2": Shim(
        sources=[CORE, f"{CORE}.errors", f"{CORE}.endpoints", f"{CORE}.servers",
                 f"{CORE}.grants", f"{CORE}.tokens"],
        package=True,
    ),
    "oauthlib.oauth2.rfc6749": Shim(
        sources=[CORE, f"{CORE}.errors", f"{CORE}.endpoints", f"{CORE}.servers",
                 f"{CORE}.grants", f"{CORE}.tokens"],
        package=True,
    ),
    "oauthlib.oauth2.rfc6749.errors": Shim(sources=[f"{CORE}.errors"]),
    "oauthlib.oauth2.rfc6749.request_validator": Shim(sources=[f"{CORE}.validator"]),
    "oauthlib.oauth2.rfc6749.utils": Shim(sources=[f"{CORE}.utils"]),
    "oauthlib.oauth2.rfc6749.tokens": Shim(
        sources=[f"{CORE}.tokens"],
        absent={name: _CLIENT_SIDE for name in (
            "prepare_bearer_uri", "prepare_bearer_headers", "prepare_bearer_body",
            "prepare_mac_header")},
    ),
    "oauthlib.oauth2.rfc6749.endpoints": Shim(
        sources=[f"{CORE}.endpoints", f"{CORE}.servers"], package=True),
    "oauthlib.oauth2.rfc6749.endpoints.pre_configured": Shim(sources=[f"{CORE}.servers"]),
    "oauthlib.oauth2.rfc6749.grant_types": Shim(sources=[f"{CORE}.grants"], package=True),
    "oauthlib.oauth2.rfc6749.grant_types.authorization_code": Shim(
        sources=[f"{CORE}.grants.authorization_code"],
        names={"code_challenge_method_plain": _code_challenge_method_plain,
               "code_challenge_method_s256": _code_challenge_method_s256},
    ),
}
for _endpoint in ("authorization", "base", "introspect", "metadata", "resource", "revocation",
                  "token"):
    SHIMS[f"oauthlib.oauth2.rfc6749.endpoints.{_endpoint}"] = Shim(
        sources=[f"{CORE}.endpoints.{_endpoint}"])
for _grant in ("base", "client_credentials", "implicit", "refresh_token",
               "resource_owner_password_credentials"):
    SHIMS[f"oauthlib.oauth2.rfc6749.grant_types.{_grant}"] = Shim(
        sources=[f"{CORE}.grants.{_grant}"])


class ShimModule(types.ModuleType):
    """A module whose attributes are looked up in our core, per its :class:`Shim`."""

    def __init__(self, name: str, shim: Shim) -> None:
        super().__init__(name)
        object.__setattr__(self, "_shim", shim)
        object.__setattr__(self, "_originals", {})
        if shim.package:
            object.__setattr__(self, "__path__", [])

    def _target(self, name: str) -> Optional[Tuple[Any, str]]:
        """``(our module, our name)`` for a name mapped one to one, else None."""
        shim = self._shim
        mapped = shim.names.get(name)
        if isinstance(mapped, tuple):
            return importlib.import_module(mapped[0]), mapped[1]
        if mapped is not None:
            return None
        for source in shim.sources:
            module = importlib.import_module(source)
            if hasattr(module, name):
                return module, name
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        submodule = f"{self.__name__}.{name}"
        if submodule in SHIMS:
            return importlib.import_module(submodule)
        shim = self._shim
        mapped = shim.names.get(name)
        if mapped is not None and not isinstance(mapped, tuple):
            return mapped
        target = self._target(name)
        if target is not None:
            return getattr(*target)
        if name in shim.absent:
            return _absent(self.__name__, name, shim.absent[name])
        raise AttributeError(f"module {self.__name__!r} (shim over {CORE}) has no "
                             f"attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._shim.patchable:
            module, target = self._target(name)
            self._originals.setdefault(name, getattr(module, target))
            setattr(module, target, value)
            return
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._shim.patchable:
            module, target = self._target(name)
            if name in self._originals:
                setattr(module, target, self._originals.pop(name))
            return
        super().__delattr__(name)


class _ShimFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers every ``oauthlib`` import; names outside :data:`SHIMS` do not exist."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None):
        if fullname != "oauthlib" and not fullname.startswith("oauthlib."):
            return None
        if fullname not in SHIMS:
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (the shim maps oauthlib's OAuth 2.0 server "
                f"names only)", name=fullname)
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=SHIMS[fullname].package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ShimModule:
        return ShimModule(spec.name, SHIMS[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install() -> None:
    """Make ``oauthlib`` and its submodules resolve to the shim in this process."""
    for name in [n for n in sys.modules if n == "oauthlib" or n.startswith("oauthlib.")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _ShimFinder())


def foreign_oauthlib_modules() -> list:
    """Names of loaded ``oauthlib`` modules that are not shims (should be none)."""
    return sorted(name for name, module in sys.modules.items()
                  if (name == "oauthlib" or name.startswith("oauthlib."))
                  and not isinstance(module, ShimModule))
