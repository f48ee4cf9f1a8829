"""Reading the answers of the Flask test client."""

from __future__ import annotations

from typing import Any, Optional


def error_of(response: Any) -> Optional[str]:
    """The ``error`` of a JSON error body (RFC 6749 §5.2), or None if there is none."""
    return (response.get_json() or {}).get("error")
