"""The selection: a deterministic function of (seed, eligible list) in the manner of RFC 3797
(publicly verifiable random selection), so anyone holding the seed and the list can redo it.

Pick i (from 0) hashes `i ‖ seed ‖ i` with SHA-256, reads the digest as a big-endian number
and takes it modulo the number of candidates left; the chosen one leaves the list. A 256-bit
number modulo a pool of a few hundred is uniform to within 2⁻²⁴⁰.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence


class NotEnoughEligible(Exception):
    """Fewer candidates than the draw needs (after the repeat-pair rule)."""


def list_hash(ids: Sequence[str]) -> str:
    """The SHA-256 of the canonical (sorted, JSON) list of ids: what the event log records."""
    return hashlib.sha256(json.dumps(sorted(ids), ensure_ascii=False).encode()).hexdigest()


def seed_hash(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def _index(seed: bytes, pick: int, size: int) -> int:
    tag = pick.to_bytes(2, "big")
    return int.from_bytes(hashlib.sha256(tag + seed + tag).digest(), "big") % size


def select(
    seed: bytes,
    eligible: Sequence[str],
    count: int,
    *,
    last_drawn: frozenset[str] = frozenset(),
) -> tuple[str, ...]:
    """`count` distinct ids of `eligible` (taken sorted) chosen by `seed`. No two of
    `last_drawn` (the previous draw from the pool) are drawn together again: once one of them
    is chosen, the others leave the candidates. `NotEnoughEligible` if candidates run out."""
    candidates = sorted(set(eligible))
    chosen: list[str] = []
    for pick in range(count):
        if not candidates:
            raise NotEnoughEligible(
                f"{len(set(eligible))} eligible, {count} needed"
                + ("; the last pair drawn may not be drawn together again" if last_drawn else "")
            )
        winner = candidates.pop(_index(seed, pick, len(candidates)))
        chosen.append(winner)
        if winner in last_drawn:
            candidates = [c for c in candidates if c not in last_drawn]
    return tuple(chosen)
