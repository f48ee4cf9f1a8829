"""Rules of an OpenID Connect authentication request (OpenID Connect Core 1.0 §3.1.2.1).

Pure functions over parameter values: each either returns the parsed value or raises
the error the specification names, so the grants, the validator and the Flask views
apply one rule in one way.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from ..errors import InvalidRequestError
from .errors import RequestNotSupported, RequestURINotSupported

#: §3.1.2.1 prompt values.
PROMPT_VALUES: tuple[str, ...] = ("none", "login", "consent", "select_account")
#: §3.1.2.1 display values.
DISPLAY_VALUES: tuple[str, ...] = ("page", "popup", "touch", "wap")
#: Longest nonce accepted; §3.1.2.1 asks for entropy, not length, so this only bounds
#: what is stored with a code and echoed into an ID token.
MAX_NONCE_LENGTH = 512
#: Response types whose tokens must not travel in the query (OAuth 2.0 Multiple
#: Response Type Encoding Practices §2.1, §3: "the query encoding MUST NOT be used").
NOT_IN_QUERY = ("token", "id_token")
_DIGITS = re.compile(r"[0-9]{1,10}")


def split_values(value: Any) -> list[str]:
    """A space-separated parameter (prompt, ui_locales, acr_values, ...) as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(item) for item in value]


def parse_prompt(value: Any, request: Any = None) -> frozenset[str]:
    """The prompt values of a request (§3.1.2.1).

    "If this parameter contains none with any other value, an error is returned."
    An unknown value is refused as well (OpenID Connect Prompt Create §4.1: a prompt
    value the OP does not support is answered with ``invalid_request``).
    """
    values = frozenset(split_values(value))
    unknown = sorted(values - set(PROMPT_VALUES))
    if unknown:
        raise InvalidRequestError(description=f"Unsupported prompt value {unknown[0]!r}.",
                                  request=request)
    if "none" in values and len(values) > 1:
        raise InvalidRequestError(
            description="Prompt none is mutually exclusive with other values.", request=request)
    return values


def parse_max_age(value: Any, request: Any = None) -> Optional[int]:
    """``max_age`` (§3.1.2.1): a non-negative number of seconds, or ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise InvalidRequestError(description="max_age must be a non-negative integer.",
                              request=request)


def check_nonce(nonce: Any, required: bool, request: Any = None) -> None:
    """§3.1.2.1 / §3.2.2.1 / §3.3.2.11: the nonce is REQUIRED for the implicit and
    hybrid response types that return an ID token from the authorization endpoint."""
    if nonce is None or nonce == "":
        if required:
            raise InvalidRequestError(
                description="Request is missing mandatory nonce parameter.", request=request)
        return
    if len(nonce) > MAX_NONCE_LENGTH:
        raise InvalidRequestError(
            description=f"nonce is longer than {MAX_NONCE_LENGTH} characters.", request=request)


def nonce_required(response_type: Optional[str]) -> bool:
    """§3.2.2.1 (implicit) and §3.3.2.11 (hybrid): a nonce is required when an ID
    token comes back from the authorization endpoint."""
    return "id_token" in split_values(response_type)


def refuse_request_objects(request: Any) -> None:
    """§6: ``request`` and ``request_uri`` are not supported, so they are refused
    with the §3.1.2.6 codes instead of being ignored (ignoring them would drop the
    parameters they carry, state and nonce among them)."""
    if _param(request, "request") is not None:
        raise RequestNotSupported(request=request)
    if _param(request, "request_uri") is not None:
        raise RequestURINotSupported(request=request)


def _param(request: Any, name: str) -> Any:
    try:
        return getattr(request, name)
    except AttributeError:
        return None


def authentication_required(prompt: Iterable[str], max_age: Optional[int],
                            auth_time: Optional[int], now: int) -> bool:
    """Whether the user must (re)authenticate before this request is answered.

    §3.1.2.1: ``prompt=login`` "SHOULD prompt the End-User for reauthentication";
    ``select_account`` asks to choose an account (treated as a login unless the app
    offers an account chooser); ``max_age``: "If the elapsed time is greater than
    this value, the OP MUST attempt to actively re-authenticate the End-User". An
    unknown ``auth_time`` with a ``max_age`` counts as too old.
    """
    prompt = set(prompt)
    if prompt & {"login", "select_account"}:
        return True
    if max_age is None:
        return False
    return auth_time is None or now - int(auth_time) > max_age


def token_bearing(response_type: Optional[str]) -> bool:
    """Whether the response type returns a token from the authorization endpoint."""
    return any(part in NOT_IN_QUERY for part in split_values(response_type))
