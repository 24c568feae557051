"""The query code of a case (办件查询码): printed on the acceptance notice, it lets the applicant
look up the status of the case without an account (办件进度查询). Eight characters of an
alphabet without the look-alikes 0/O and 1/I (32⁸ ≈ 10¹²; lookups are also rate-limited), and
one comparison in constant time, so an answer's timing tells a guesser nothing."""

from __future__ import annotations

import hmac
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
_NONE = "-" * LENGTH  # compared against when there is no code, so every answer costs the same


def new_query_code() -> str:
    """A fresh random code (drawn by the service beside the case id, never in the core)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalised(presented: str) -> str:
    """What the applicant typed, as printed: capitals, without spaces or dashes."""
    return "".join(presented.split()).replace("-", "").upper()


def code_matches(expected: str | None, presented: str) -> bool:
    """Whether `presented` is the case's code (`expected`; None or empty: the case is unknown
    or has none, and nothing matches)."""
    same = hmac.compare_digest(
        (expected or _NONE).encode(), normalised(presented).encode("utf-8", "replace")
    )
    return same and bool(expected)
