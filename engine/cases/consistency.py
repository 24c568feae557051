"""Whether a case's stored state is what its event log says (`onething audit verify`).

The log is the truth. Its chain must hold; the case row's head (event count, last hash) must
be the log's; the snapshot must be the one whose digest the last write recorded in the log;
and the query rows — steps, materials, negative matters, decisions — must be what the snapshot
(and, for signatures of earlier attempts, the log) says. Each disagreement names the case and
the stored field. Pure: the store hands it the rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.cases.audit import GENESIS, Break, LoggedEvent, state_digest, verify_chain
from engine.cases.case import Case, NegativeKind
from engine.cases.rows import decision_values, material_values, negative_values, step_values
from engine.clock import as_utc

Row = Mapping[Any, Any]


@dataclass(frozen=True)
class StoredCase:
    """One case as stored: its row, its log and its query rows."""

    row: Row  # the cases row: status, workflow_id, workflow_version, event_count, last_hash, …
    events: Sequence[LoggedEvent]
    steps: Sequence[Row]
    materials: Sequence[Row]
    negatives: Sequence[Row]
    decisions: Sequence[Row]


def disagreements(stored: StoredCase) -> list[Break]:
    """Everything about the stored case that its log does not bear out."""
    case_id = str(stored.row["id"])
    found: list[Break] = []
    chain_break = verify_chain(stored.events)
    if chain_break is not None:
        found.append(chain_break)
    events = list(stored.events)
    if not events:
        found.append(Break(case_id, None, "the log holds no event of this case", "case_events"))
    count, last = (events[-1].seq, events[-1].hash) if events else (0, GENESIS)
    if stored.row["event_count"] != count:
        says = stored.row["event_count"]
        found.append(
            Break(case_id, None, f"says {says} events; the log holds {count}", "cases.event_count")
        )
    if stored.row["last_hash"] != last:
        found.append(
            Break(case_id, None, "is not the hash of the log's last event", "cases.last_hash")
        )
    found += _states(case_id, events, str(stored.row["snapshot"]))
    snapshot = str(stored.row["snapshot"])
    try:
        case = Case.from_json(snapshot)
    except (ValueError, TypeError, KeyError) as exc:
        found.append(Break(case_id, None, f"cannot be read ({exc})", "cases.snapshot"))
        return found
    for column, value in (
        ("status", case.status.value),
        ("workflow_id", case.workflow_id),
        ("workflow_version", case.workflow_version),
    ):
        if stored.row[column] != value:
            said = stored.row[column]
            found.append(
                Break(case_id, None, f"is {said!r}; the snapshot says {value!r}", f"cases.{column}")
            )
    found += _rows(
        case_id,
        "step_runs",
        {step_id: step_values(run) for step_id, run in case.steps.items()},
        {str(r["step_id"]): r for r in stored.steps},
    )
    found += _rows(
        case_id,
        "case_materials",
        {material_id: material_values(state) for material_id, state in case.materials.items()},
        {str(r["material_id"]): r for r in stored.materials},
    )
    found += _rows(
        case_id,
        "negative_matters",
        {negative.id: negative_values(negative) for negative in case.negatives},
        {str(r["id"]): r for r in stored.negatives},
    )
    found += _decisions(case_id, case, events, stored.decisions)
    return found


def _states(case_id: str, events: Sequence[LoggedEvent], snapshot: str) -> list[Break]:
    """Each write started from the state the write before it left, and the snapshot is the
    state the last write left (events written before digests were recorded are passed over)."""
    found = []
    left: LoggedEvent | None = None  # the last event that recorded the state a write left
    for event in events:
        if event.prior is not None and left is not None and event.prior != left.state:
            found.append(
                Break(
                    case_id,
                    event.seq,
                    f"was changed before the write at event {event.seq}, which started from "
                    f"another state than event {left.seq} recorded",
                    "cases.snapshot",
                )
            )
        if event.state is not None:
            left = event
    if left is not None and state_digest(snapshot) != left.state:
        found.append(
            Break(
                case_id,
                None,
                f"is not the state the log recorded at event {left.seq}",
                "cases.snapshot",
            )
        )
    return found


def _same(stored: Any, expected: Any) -> bool:
    if isinstance(expected, dt.datetime) or isinstance(stored, dt.datetime):
        return (
            isinstance(stored, dt.datetime)
            and isinstance(expected, dt.datetime)
            and as_utc(stored) == as_utc(expected)
        )
    return bool(stored == expected)


def _rows(
    case_id: str, table: str, expected: Mapping[str, Row], stored: Mapping[str, Row]
) -> list[Break]:
    found = []
    for key, values in expected.items():
        row = stored.get(key)
        if row is None:
            found.append(Break(case_id, None, "missing: the snapshot has it", f"{table}[{key}]"))
            continue
        for column, value in values.items():
            if not _same(row[column], value):
                found.append(
                    Break(
                        case_id,
                        None,
                        f"is {row[column]!r}; the snapshot says {value!r}",
                        f"{table}[{key}].{column}",
                    )
                )
    for key in stored.keys() - expected.keys():
        found.append(Break(case_id, None, "is not in the snapshot", f"{table}[{key}]"))
    return found


def _signed(events: Sequence[LoggedEvent]) -> Counter[tuple[str, str, str, dt.datetime]]:
    """Every signature the log records: (step, actor, decision, when)."""
    signed: Counter[tuple[str, str, str, dt.datetime]] = Counter()
    for event in events:
        if event.kind not in ("step.signed", "negative.registered"):
            continue
        try:
            data = json.loads(event.data)
            at = as_utc(dt.datetime.fromisoformat(event.at))
        except ValueError:
            continue  # an edited event: the chain reports it
        if event.kind == "step.signed":
            signed[(str(data["step"]), str(data["by"]), str(data["decision"]), at)] += 1
        elif data.get("kind") == NegativeKind.REFUSE_LICENCE.value and data.get("step"):
            signed[(str(data["step"]), event.actor, "reject", at)] += 1
    return signed


def _decisions(
    case_id: str, case: Case, events: Sequence[LoggedEvent], rows: Sequence[Row]
) -> list[Break]:
    """The decision rows are the log's signatures, and those of each step's current attempt
    are the snapshot's, role and comment too."""
    found = []
    stored = Counter(
        (str(r["step_id"]), str(r["actor"]), str(r["decision"]), as_utc(r["at"])) for r in rows
    )
    signed = _signed(events)
    for step, actor, decision, at in sorted((stored - signed).elements()):
        found.append(
            Break(
                case_id,
                None,
                f"{decision} by {actor} at {at.isoformat()} is not in the log",
                f"case_decisions[{step}]",
            )
        )
    for step, actor, decision, at in sorted((signed - stored).elements()):
        found.append(
            Break(
                case_id,
                None,
                f"missing: the log records {decision} by {actor} at {at.isoformat()}",
                f"case_decisions[{step}]",
            )
        )
    for run in case.steps.values():
        for signature in run.signatures:
            expected = decision_values(run, signature)
            matches = [
                r
                for r in rows
                if all(_same(r[c], expected[c]) for c in ("step_id", "actor", "decision", "at"))
            ]
            if not matches:
                continue  # reported above
            for column in ("attempt", "role", "comment"):
                if not any(_same(r[column], expected[column]) for r in matches):
                    found.append(
                        Break(
                            case_id,
                            None,
                            f"is {matches[0][column]!r}; the snapshot says {expected[column]!r}",
                            f"case_decisions[{run.step_id}].{column}",
                        )
                    )
    return found
