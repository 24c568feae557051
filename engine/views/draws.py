"""What every read path shows of a draw: before the opening only its commitments (密封), after
it the examiners, their findings and who opened it (已解密)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.calendar import WorkingCalendar
from engine.cases.case import StepRun
from engine.views.cases import View


class DrawRoundView(View):
    number: int
    reason: str
    count: int
    eligible_hash: str
    seed_hash: str
    commitment: str
    sealed: bool
    drawn: list[str] | None = None  # None until opened
    opened_by: str | None = None
    opened_at: dt.datetime | None = None


class DrawView(View):
    case: str
    step: str
    status: str  # "sealed" | "opened" | "not drawn"
    opens_at: dt.datetime | None
    rounds: list[DrawRoundView]
    examiners: list[str]
    declined: dict[str, str]
    findings: dict[str, str]


class DrawListingView(View):
    """One inspection's draw in the list of draws: sealed or opened, and when it opens."""

    case: str
    workflow: str
    step: str
    department: str
    status: str
    opens_at: dt.datetime | None
    drawn_at: dt.datetime  # its last draw (a replacement's, a head's after a failed one)


class DrawCheckView(View):
    round: int
    name: str
    ok: bool
    detail: str


class DrawVerifyView(View):
    case: str
    step: str
    ok: bool
    checks: list[DrawCheckView]


def draw_view(case_id: str, run: StepRun, calendar: WorkingCalendar) -> DrawView:
    """The draw of one step; a sealed round shows no identity, only its hashes."""
    state: dict[str, Any] = run.result.get("draw") or {"rounds": [], "declined": {}, "findings": {}}
    rounds = []
    for r in state["rounds"]:
        opened = r.get("opened")
        rounds.append(
            DrawRoundView(
                number=r["number"],
                reason=r["reason"],
                count=r["count"],
                eligible_hash=r["eligible_hash"],
                seed_hash=r["seed_hash"],
                commitment=r["commitment"],
                sealed=opened is None,
                drawn=opened["drawn"] if opened else None,
                opened_by=opened["by"] if opened else None,
                opened_at=calendar.local(dt.datetime.fromisoformat(opened["at"]))
                if opened
                else None,
            )
        )
    present = [i for r in rounds for i in (r.drawn or []) if i not in state["declined"]]
    status = (
        "not drawn" if not rounds else ("sealed" if any(r.sealed for r in rounds) else "opened")
    )
    opens_at = state.get("opens_at")
    return DrawView(
        case=case_id,
        step=run.step_id,
        status=status,
        opens_at=calendar.local(dt.datetime.fromisoformat(opens_at)) if opens_at else None,
        rounds=rounds,
        examiners=present,
        declined=dict(state["declined"]),
        findings={k: v["text"] for k, v in state["findings"].items()},
    )


class ExaminerView(View):
    """An examiner of the roster with the relations declared (审查员库)."""

    id: str
    name: str
    department: str
    active: bool
    employer: str | None
    relatives: list[str]
    inspected: list[dict[str, str]]


class RosterChangeView(View):
    """One audited change of the roster: who made it, when, what."""

    seq: int
    at: dt.datetime
    actor: str
    kind: str
    department: str
    examiner: str
    data: dict[str, Any]
