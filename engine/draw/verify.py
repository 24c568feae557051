"""`draw verify`: recompute a draw from its opened record and compare it with what the event
log committed to at draw time. Pure: the caller reads the log and the snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.draw.seal import SealBroken, bound_to, commitment, open_sealed
from engine.draw.selection import NotEnoughEligible, list_hash, seed_hash, select


@dataclass(frozen=True)
class Check:
    round: int
    name: str
    ok: bool
    detail: str


def verify_rounds(
    case_id: str,
    step_id: str,
    *,
    rounds: list[dict[str, Any]],
    logged: list[tuple[str, dict[str, Any]]],
    key: bytes,
) -> list[Check]:
    """Every check of every opened round of the step: the sealed record opens and matches the
    opened one; the eligible list, the seed and the commitment hash to what the log recorded
    before the opening; the selection recomputed from seed and list is the one drawn."""
    checks: list[Check] = []
    events: dict[tuple[str, int], dict[str, Any]] = {
        (kind, int(data["round"])): data
        for kind, data in logged
        if data.get("step") == step_id and "round" in data
    }
    opened_rounds = [r for r in rounds if r.get("opened")]
    if not opened_rounds:
        return [Check(0, "opened", False, "no round of this draw has been opened yet")]
    for record in opened_rounds:
        number = int(record["number"])
        opened = record["opened"]

        def check(name: str, ok: bool, detail: str, number: int = number) -> None:
            checks.append(Check(number, name, ok, detail))

        try:
            sealed = open_sealed(key, record["sealed"], aad=bound_to(case_id, step_id, number))
            same = all(
                sealed.get(k) == opened.get(k) for k in ("eligible", "seed", "drawn", "nonce")
            )
            check(
                "sealed record",
                same,
                "opens and matches the opened record" if same else "differs from the opened record",
            )
        except SealBroken as exc:
            check("sealed record", False, str(exc))
        eligible_event = events.get(("draw.eligible", number), {})
        seed_event = events.get(("draw.seed", number), {})
        sealed_event = events.get(("draw.sealed", number), {})
        opened_event = events.get(("draw.opened", number), {})
        ok = list_hash(opened["eligible"]) == eligible_event.get("eligible_hash")
        check(
            "eligible list",
            ok,
            f"{len(opened['eligible'])} eligible; the hash "
            + ("matches the log" if ok else "differs from the log"),
        )
        seed = bytes.fromhex(opened["seed"])
        ok = seed_hash(seed) == seed_event.get("seed_hash")
        check("seed", ok, "hash matches the log" if ok else "hash differs from the log")
        try:
            again = list(
                select(
                    seed,
                    opened["eligible"],
                    len(opened["drawn"]),
                    last_drawn=frozenset(opened.get("last_drawn", ())),
                )
            )
        except NotEnoughEligible as exc:
            again = [f"({exc})"]
        count = sealed_event.get("count")
        ok = again == opened["drawn"] and count == len(opened["drawn"])
        check("selection", ok, f"recomputed {again}, drawn {opened['drawn']}")
        ok = commitment(opened["drawn"], bytes.fromhex(opened["nonce"])) == sealed_event.get(
            "commitment"
        )
        check("commitment", ok, "matches the log" if ok else "differs from the log")
        ok = (
            opened_event.get("drawn") == opened["drawn"]
            and opened_event.get("seed") == opened["seed"]
        )
        check(
            "opening",
            ok,
            "the log's opening names the same examiners" if ok else "the log's opening differs",
        )
    return checks
