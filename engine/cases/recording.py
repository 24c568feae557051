"""The one path by which a case change reaches the store: the snapshot (version-checked), the
query rows, the escalation index and the chained events, gathered into a unit of work's
`Writes`. Case commands, deadline recomputation and supervision all record through here."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session

from engine.calendar import WorkingCalendar
from engine.cases import machine
from engine.cases.case import Case, MaterialStatus
from engine.cases.corrections import BREACH
from engine.cases.rows import applicant_name
from engine.cases.writes import CaseHead, Head, Writes, steps_to_write
from engine.clock import as_utc
from engine.definitions.model import Workflow
from engine.escalation import index as escalation_index

ONE_NOTICE_BREACH = "one-notice-breach"  # the level of a breach of the one notice
DRAWN = "draw.eligible"  # the first event of every draw of an inspection's examiners, failed too


def record(
    session: Session,
    writes: Writes,
    head: CaseHead,
    old: Case | None,
    new: Case,
    events: list[machine.Event],
    *,
    workflow: Workflow,
    calendar: WorkingCalendar,
    actor: str,
    now: dt.datetime,
    moved_only: bool = False,
) -> Head:
    """Add to `writes` the snapshot, the query rows and the chained events of `old` becoming
    `new` (`old` None: a new case); returns the case row's head after. `moved_only`: the
    command changed the run state, so only the step rows of the steps it moved are written
    (else every row is refreshed: the calendar or the ladder moved)."""
    promised = new.promised.read(calendar, now).due if new.promised else None
    statutory = new.statutory.read(calendar, now).due if new.statutory else None
    past = escalation_index.history(session, new.id) if head.escalated else {}
    steps = steps_to_write(old, new, moved_only=moved_only)
    # the case row's clocks move only with the promised clock, the case's status, its
    # negative matters or its correction (a draft's Art. 32 limit)
    case_clock = not (
        moved_only
        and old
        and old.promised == new.promised
        and old.status is new.status
        and old.negatives == new.negatives
        and old.correction == new.correction
    )
    nexts = escalation_index.planned(
        new, workflow, calendar, now, past, steps=steps, case_clock=case_clock
    )
    own = escalation_index.own_turning(new, workflow, calendar, now)
    row: dict[str, Any] = {
        "status": new.status.value,
        "owner": workflow.owner,
        "yellow_at": own.case[0],
        "red_at": own.case[1],
        "snapshot": new.to_json().decode(),
        "to_verify": sum(m.status is MaterialStatus.TO_VERIFY for m in new.materials.values()),
        "promised_due_at": as_utc(promised),
        "statutory_due_at": as_utc(statutory),
        "next_escalation_at": escalation_index.case_next(
            new, calendar, nexts if case_clock else {}, stored=head.next_escalation_at
        ),
    }
    if old is None:
        row |= {
            "workflow_id": new.workflow_id,
            "workflow_version": new.workflow_version,
            "submitted_at": as_utc(new.submitted_at),
            "applicant_name": applicant_name(new.applicant),
            "escalated": False,
        }
    after = writes.case(head, events, row, actor=actor, now=now, new=old is None)
    turns = escalation_index.turning(new, workflow, calendar, now, steps=steps)
    writes.query_rows(
        old, new, calendar, now, nexts, steps=steps, turns=turns, negative_turns=own.negatives
    )
    writes.escalations += [_breach(new.id, e.data, now) for e in events if e.kind == BREACH]
    for event in events:
        if event.kind == DRAWN:
            step_id = event.data["step"]
            writes.draws[new.id, step_id] = {
                "case_id": new.id,
                "step_id": step_id,
                "department": new.steps[step_id].department,
                "drawn_at": as_utc(now),
            }
    return after


def _breach(case_id: str, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """A breach of the one notice (一次告知, Art. 32) as a level supervision sees among the
    escalations (电子监察), for the head of the department that asked late to acknowledge."""
    key = f"{case_id}:one-notice:{data['issued_at']}:{data['breach']}"
    return {
        "clock_key": key,
        "case_id": case_id,
        "step_id": data["step"],
        "attempt": data["attempt"],
        "level": ONE_NOTICE_BREACH,
        "department": data["department"],
        "scheduled_at": as_utc(dt.datetime.fromisoformat(data["issued_at"])),
        "fired_at": as_utc(now),
        "late_by_seconds": None,
        "provisional": False,
        "notice_id": key,
        "recipients": json.dumps([[data["department"], "head"]]),
    }


def record_escalations(
    writes: Writes,
    head: CaseHead,
    events: list[machine.Event],
    *,
    next_escalation_at: dt.datetime | None,
    actor: str,
    now: dt.datetime,
) -> Head:
    """Add to `writes` the levels a sweep fired on a case: events that leave its run state as
    it is (so no snapshot or step row changes), with the case clock's next escalation time;
    the case is marked escalated, so later records read what fired."""
    values = {"next_escalation_at": as_utc(next_escalation_at), "escalated": True}
    return writes.case(head, events, values, actor=actor, now=now)
