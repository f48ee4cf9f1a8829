"""User codes of the device authorization grant (RFC 8628 §6.1): made, shown, read back.

A user code is typed by a person, from a television or a terminal, into a browser.
RFC 8628 §6.1 suggests "a base-20 character set of consonants ("BCDFGHJKLMNPQRSTVWXZ")"
with "an 8-character code ... with a hyphen added to improve readability" (its
example: ``WDJB-MJHT``), and says the server should read the code back ignoring case
and punctuation. Without vowels no word, and no offensive word, can appear.

8 characters from 20 give 20^8 codes (about 2^34.6). RFC 8628 §5.1: "the user code
SHOULD have enough entropy that when combined with rate limiting and other mitigations
makes a brute-force attack infeasible". :func:`guess_budget` turns the code space into
the number of wrong entries a server may accept while one code lives, so that guessing
hits that code with a chance under 2^-20; the verification page enforces it.
"""

from __future__ import annotations

import secrets

__all__ = [
    "USER_CODE_ALPHABET",
    "USER_CODE_LENGTH",
    "USER_CODE_SPACE",
    "GUESS_SUCCESS_BOUND",
    "format_user_code",
    "generate_user_code",
    "guess_budget",
    "normalize_user_code",
]

#: RFC 8628 §6.1: twenty consonants (no vowels, so no words).
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
#: RFC 8628 §6.1: eight characters, shown as two groups of four.
USER_CODE_LENGTH = 8
#: How many distinct user codes :func:`generate_user_code` can make.
USER_CODE_SPACE = len(USER_CODE_ALPHABET) ** USER_CODE_LENGTH

#: The chance of guessing one given live user code that :func:`guess_budget` keeps under.
GUESS_SUCCESS_BOUND = 2 ** -20

#: What a person may type between the characters: RFC 8628 §6.1 asks the server to
#: disregard punctuation such as the hyphen it displayed; spaces are forgiven too.
_SEPARATORS = str.maketrans("", "", "- \t")


def generate_user_code() -> str:
    """A new user code from ``secrets``, formatted for display: ``WDJB-MJHT``."""
    raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
    return format_user_code(raw)


def format_user_code(code: str) -> str:
    """Split a normalized code into two halves joined by a hyphen (RFC 8628 §6.1).

    A code of another length (from an application's own generator) is returned as is.
    """
    if len(code) != USER_CODE_LENGTH:
        return code
    half = USER_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_user_code(text: str | None) -> str:
    """The canonical form of a typed user code: upper case, no hyphens or spaces.

    RFC 8628 §6.1: the server should compare codes "case-insensitively" and ignore the
    punctuation it added. ``"wdjb-mjht"``, ``"WDJB MJHT"`` and ``"WDJBMJHT"`` all
    become ``"WDJBMJHT"``. Stores keep a digest of this form, so that a lookup by
    what the user typed finds the code. ``None`` becomes ``""``.
    """
    if not text:
        return ""
    return text.translate(_SEPARATORS).upper()


def guess_budget(space: int = USER_CODE_SPACE, bound: float = GUESS_SUCCESS_BOUND) -> int:
    """Wrong user-code entries a server may accept per user code lifetime.

    Counted over the whole server within any span of one lifetime, every guess made
    while a given code is valid falls in that span, so the chance that one of them hits
    it is at most ``budget / space``, which stays below ``bound`` (RFC 8628 §5.1). For
    20^8 codes and 2^-20: 24,414 wrong entries per lifetime, about 40 a second for the
    default 10 minutes.
    """
    budget = int(space * bound)
    if budget * 1.0 / space >= bound:
        budget -= 1
    return max(budget, 0)
