"""`draw verify`: recompute a draw from its opened record and compare it with what the event
log committed to at draw time. Pure: the caller reads the log and the snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.draw.conflicts import Conflict, eligibility
from engine.draw.roster import Examiner, pool_hash
from engine.draw.seal import SealBroken, bound_to, commitment, open_sealed
from engine.draw.selection import NotEnoughEligible, list_hash, seed_hash, select


@dataclass(frozen=True)
class Check:
    round: int
    name: str
    ok: bool
    detail: str


def _logged(
    logged: list[tuple[str, dict[str, Any]]], step_id: str
) -> dict[tuple[str, int], dict[str, Any]]:
    return {
        (kind, int(data["round"])): data
        for kind, data in logged
        if data.get("step") == step_id and "round" in data
    }


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
    events = _logged(logged, step_id)
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


def roster_checks(
    rounds: list[dict[str, Any]],
    logged: list[tuple[str, dict[str, Any]]],
    step_id: str,
    *,
    applicant_ids: frozenset[str],
    pool_at: Callable[[int, str], tuple[Examiner, ...]],
    breaks: list[str],
) -> list[Check]:
    """The roster at draw time: the audited roster's log holds (`breaks`: where it does not);
    replayed to the change the draw logged (`pool_at`), the pool hashes to what the case's log
    recorded; and the conflict rules applied to it give exactly the opened eligible list."""
    events = _logged(logged, step_id)
    checks = []
    for record in (r for r in rounds if r.get("opened")):
        number, opened = int(record["number"]), record["opened"]
        logged_round = events.get(("draw.eligible", number), {})
        if "roster_seq" not in logged_round:
            checks.append(Check(number, "roster", False, "the log names no roster for the draw"))
            continue
        pool = pool_at(int(logged_round["roster_seq"]), str(logged_round["pool"]))
        ok = pool_hash(pool) == logged_round.get("roster_hash")
        checks.append(
            Check(
                number,
                "roster",
                ok,
                f"the audited roster at change {logged_round['roster_seq']} "
                + ("is the one drawn from" if ok else "differs from the one the log recorded"),
            )
        )
        split = eligibility(
            pool,
            applicant_ids=applicant_ids,
            today=dt.date.fromisoformat(logged_round["on"]),
            recent_within_months=int(logged_round["recent_months"]),
            rules=frozenset(Conflict(r) for r in logged_round["rules"]),
            unavailable=frozenset(opened.get("unavailable", ())),
        )
        ok = list(split.eligible) == list(opened["eligible"])
        checks.append(
            Check(
                number,
                "conflict rules",
                ok,
                "the rules applied to the roster give the eligible list"
                if ok
                else f"the rules give {list(split.eligible)}, the draw used {opened['eligible']}",
            )
        )
    checks.append(
        Check(
            0,
            "roster log",
            not breaks,
            "the roster's audited log holds" if not breaks else "; ".join(breaks),
        )
    )
    return checks
