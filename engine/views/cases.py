"""What users see of a case: typed public views, every moment in the calendar's zone.

The CLI's `--json`, the HTTP API, the pages and the flows' artifacts all serve these models;
`case_view` builds one from a case, its calendar and `now` (pure: no store, no wall clock).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from engine.calendar import StatutoryClock, WorkingCalendar
from engine.calendar.display import left_text, moment_text
from engine.cases.acceptance import acceptance_clock
from engine.cases.case import Case, MaterialStatus, NegativeKind, NegativeMatter, NegativeStatus
from engine.cases.negatives import decision_clocks
from engine.cases.state import CaseStatus, StepStatus
from engine.clock import as_utc
from engine.views.base import View
from engine.views.corrections import CorrectionView, correction_view

if TYPE_CHECKING:
    from engine.cases.tables import NegativeRow
    from engine.definitions.model import Workflow


class StopView(View):
    """A span the clock stood still (a correction, an Art. 45 hold): `end` None while it lasts."""

    start: dt.datetime
    end: dt.datetime | None
    reason: str


class ClockView(View):
    """A statutory or promised clock read at one moment (`limit` as text, e.g. `20
    working-days`): due time with its offset, and what is left or overdue in working time."""

    limit: str
    due: dt.datetime
    due_date: dt.date
    remaining_working_days: int
    remaining_working_minutes: int
    overdue_working_days: int
    overdue_working_minutes: int
    overdue: bool
    suspended: bool  # stopped: a correction or an Art. 45 hold
    provisional: bool  # the due year's holiday schedule is not yet published
    extended_days: int
    stops: list[StopView] = []

    @property
    def due_text(self) -> str:
        """`2026-12-02 17:30 +08:00`: the due moment in the calendar's zone, with its offset."""
        return moment_text(self.due, self.due.tzinfo or dt.UTC)

    @property
    def left(self) -> str:
        """`2 working days left`, `7 working hours left`, `overdue by 1 working day`."""
        return left_text(
            remaining_days=self.remaining_working_days,
            remaining_minutes=self.remaining_working_minutes,
            overdue_days=self.overdue_working_days,
            overdue_minutes=self.overdue_working_minutes,
        )


class MaterialView(View):
    """One material of the pool (材料池); `deadline` for a deferred one (容缺)."""

    status: MaterialStatus
    deadline: dt.datetime | None = None
    reference: str | None = None
    source: str | None = None  # looked up there (`library:<matter>`, `registry:<id>`)


class SignatureView(View):
    actor: str
    role: str
    decision: str  # approve | reject
    at: dt.datetime
    comment: str = ""


class StepView(View):
    """One step run; its clock only while it is open."""

    id: str
    department: str
    status: StepStatus
    attempt: int
    assignee: str | None
    signatures: list[SignatureView]
    clock: ClockView | None
    activated_at: dt.datetime | None = None  # this attempt's start
    finished_at: dt.datetime | None = None


class NegativeMatterView(View):
    """An entry of the register of negative decisions (否定事项报备)."""

    id: str
    case_id: str
    step_id: str | None
    kind: NegativeKind
    status: NegativeStatus
    matter: str | None
    facts: str
    reason: str
    legal_basis: str
    officer: str
    department: str
    registered_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str = ""  # the leader's reason (required for an overturn)
    # while it awaits the leader: the promise (the same day), the limit's clock, and the light
    # (green before the promise passes, yellow after it, red past the limit)
    promised_due: dt.datetime | None = None
    decision_due: ClockView | None = None
    light: Literal["green", "yellow", "red"] | None = None

    @classmethod
    def of(
        cls,
        row: NegativeRow,
        calendar: WorkingCalendar,
        *,
        workflow: Workflow | None = None,
        now: dt.datetime | None = None,
    ) -> NegativeMatterView:
        """An entry as the register's table keeps it (moments in UTC, naive on SQLite); with
        its decision's clocks read at `now` while pending, given the `workflow`."""
        registered_at = as_utc(row.registered_at)
        assert registered_at is not None
        pending = row.status == NegativeStatus.PENDING
        return cls(
            **_decision(
                workflow if pending else None, row.department, registered_at, calendar, now
            ),
            id=row.id,
            case_id=row.case_id,
            step_id=row.step_id,
            kind=NegativeKind(row.kind),
            status=NegativeStatus(row.status),
            matter=row.matter,
            facts=row.facts,
            reason=row.reason,
            legal_basis=row.legal_basis,
            officer=row.officer,
            department=row.department,
            registered_at=calendar.local(registered_at),
            decided_by=row.decided_by,
            decided_at=_local(calendar, as_utc(row.decided_at)),
            decision_reason=row.decision_reason,
        )


class ApplicantNoticeView(View):
    """A written notice sent to the applicant (受理/补正/中止/延期/不予许可 …)."""

    kind: str
    at: dt.datetime
    text: str
    step_id: str | None = None


class CaseView(View):
    """A case at `clocks_at`: statuses and every figure from the calendar's clocks.

    A closed case's clocks are read when it closed (they stopped then); `flow_run_url` is set
    where a flow run is known (`case show`, the API)."""

    id: str
    workflow: str
    version: int
    status: CaseStatus
    outcome: str
    applicant: dict[str, Any]
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None
    closed_at: dt.datetime | None
    clocks_at: dt.datetime
    promised: ClockView | None
    statutory: ClockView | None
    # the Art. 32 window while the case awaits acceptance (受理时限), with its light: red past
    # due, yellow on its last working day, else green
    acceptance: ClockView | None = None
    acceptance_light: Literal["green", "yellow", "red"] | None = None
    correction: CorrectionView | None
    materials: dict[str, MaterialView]
    steps: list[StepView]
    negatives: list[NegativeMatterView]
    notices: list[ApplicantNoticeView]
    flow_run_url: str | None = None
    query_code: str = ""  # 查询码: the applicant's key to the status lookup (办件进度查询)

    def step(self, step_id: str) -> StepView:
        """The step `step_id` (a `KeyError` if the workflow has none)."""
        for found in self.steps:
            if found.id == step_id:
                return found
        raise KeyError(step_id)


class CaseSummary(View):
    """A row of a case listing, with its clocks: the promised and statutory due moments (in
    the calendar's zone; none before acceptance), the earliest due open step, and the case's
    traffic light (its most urgent open step's, as the overview counts it; none when no step
    is open)."""

    id: str
    workflow: str
    status: CaseStatus
    submitted_at: dt.datetime
    applicant: str | None = None
    promised_due: dt.datetime | None = None
    statutory_due: dt.datetime | None = None
    next_step_due: dt.datetime | None = None
    overdue: bool = False  # an open step is past its due moment
    light: Literal["green", "yellow", "red"] | None = None


class WorkItemView(View):
    """An open step on a department's worklist (待办), most urgent first."""

    case: str
    workflow: str
    step: str
    department: str
    status: StepStatus
    due_at: dt.datetime | None  # in the calendar's zone; None while no clock runs
    overdue: bool
    suspended: bool
    version: int | None = None  # the workflow version the case runs
    light: Literal["green", "yellow", "red"] = "green"  # as the overview counts it
    # `step`: the open step; `verify-material`: the window verifies `material` by hand (its
    # source did not answer at intake), `step` then "intake"
    task: Literal["step", "verify-material"] = "step"
    material: str | None = None


class EventView(View):
    """One entry of a case's event log (the timeline): who did what, when."""

    seq: int
    at: dt.datetime
    actor: str
    kind: str
    data: dict[str, Any]


class TimelineView(View):
    events: list[EventView]
    case: CaseView


class DeadlineMoved(View):
    """A deadline that moved when the calendars were re-read (`case recompute`): a step's
    (`clock` step) or the case's own (`promised`, `statutory`; `step` None). A deadline still
    provisional names the calendar layers (files) whose year is not yet published."""

    case: str
    clock: Literal["step", "promised", "statutory"]
    step: str | None
    old_due: dt.datetime
    new_due: dt.datetime
    provisional: bool
    unsettled_layers: list[str] = []


class BatchOutcome(View):
    """One command of a batch (批量办理): the case after it, or why it was refused."""

    case: str
    action: str
    ok: bool
    case_after: CaseView | None = None
    error: str | None = None


class ChainBreak(View):
    """The first broken link of a case's hash chain."""

    case: str
    seq: int
    reason: str


class AuditReport(View):
    case: str | None  # None: every case was checked
    intact: bool
    breaks: list[ChainBreak]


def clock_view(clock: StatutoryClock, calendar: WorkingCalendar, now: dt.datetime) -> ClockView:
    """What `clock` says at `now`: the figures every user sees (the CLI, the API, the notices)."""
    reading = clock.read(calendar, now)
    due = calendar.local(reading.due)
    return ClockView(
        limit=str(clock.limit),
        due=due,
        due_date=due.date(),
        remaining_working_days=reading.remaining_working_days,
        remaining_working_minutes=reading.remaining_minutes,
        overdue_working_days=reading.overdue_working_days,
        overdue_working_minutes=reading.overdue_minutes,
        overdue=reading.overdue,
        suspended=reading.suspended,
        provisional=reading.provisional,
        extended_days=clock.extended_days,
        stops=[
            StopView(start=calendar.local(s.start), end=_local(calendar, s.end), reason=s.reason)
            for s in clock.suspensions
        ],
    )


def negative_view(
    negative: NegativeMatter,
    case_id: str,
    calendar: WorkingCalendar,
    *,
    workflow: Workflow | None = None,
    now: dt.datetime | None = None,
) -> NegativeMatterView:
    pending = negative.status is NegativeStatus.PENDING
    return NegativeMatterView(
        **_decision(
            workflow if pending else None,
            negative.department,
            negative.registered_at,
            calendar,
            now,
        ),
        id=negative.id,
        case_id=case_id,
        step_id=negative.step_id,
        kind=negative.kind,
        status=negative.status,
        matter=negative.matter,
        facts=negative.facts,
        reason=negative.reason,
        legal_basis=negative.legal_basis,
        officer=negative.officer,
        department=negative.department,
        registered_at=calendar.local(negative.registered_at),
        decided_by=negative.decided_by,
        decided_at=_local(calendar, negative.decided_at),
        decision_reason=negative.decision_reason,
    )


def _decision(
    workflow: Workflow | None,
    department: str,
    registered_at: dt.datetime,
    calendar: WorkingCalendar,
    now: dt.datetime | None,
) -> dict[str, Any]:
    """The figures of a pending matter's decision (none without a workflow or a moment)."""
    if workflow is None or now is None:
        return {}
    clocks = decision_clocks(workflow, department=department, registered_at=registered_at)
    if clocks is None:
        return {}
    promise, limit = clocks
    decision = clock_view(limit, calendar, now)
    promised = promise.read(calendar, now)
    light = "red" if decision.overdue else "yellow" if promised.overdue else "green"
    return {"promised_due": calendar.local(promised.due), "decision_due": decision, "light": light}


def case_view(
    case: Case, calendar: WorkingCalendar, now: dt.datetime, *, workflow: Workflow | None = None
) -> CaseView:
    """The view of `case` at `now` (used by `case show`, the API and the flows); given its
    `workflow`, with the clocks of negative matters awaiting the leader."""
    clocks_at = min(now, case.closed_at) if case.closed_at else now
    local = calendar.local
    accepting = acceptance_clock(case)
    acceptance = clock_view(accepting, calendar, clocks_at) if accepting else None
    return CaseView(
        id=case.id,
        workflow=case.workflow_id,
        version=case.workflow_version,
        status=case.status,
        outcome=case.outcome,
        applicant=case.applicant,
        submitted_at=local(case.submitted_at),
        accepted_at=_local(calendar, case.accepted_at),
        closed_at=_local(calendar, case.closed_at),
        clocks_at=local(clocks_at),
        promised=clock_view(case.promised, calendar, clocks_at) if case.promised else None,
        statutory=clock_view(case.statutory, calendar, clocks_at) if case.statutory else None,
        acceptance=acceptance,
        acceptance_light=_light(acceptance) if acceptance else None,
        correction=correction_view(case.correction, calendar) if case.correction else None,
        materials={
            k: MaterialView(
                status=v.status,
                deadline=_local(calendar, v.deadline),
                reference=v.reference,
                source=v.source,
            )
            for k, v in case.materials.items()
        },
        steps=[
            StepView(
                id=run.step_id,
                department=run.department,
                status=run.status,
                attempt=run.attempt,
                assignee=run.assignee,
                signatures=[
                    SignatureView(
                        actor=s.actor,
                        role=s.role,
                        decision=s.decision,
                        at=local(s.at),
                        comment=s.comment,
                    )
                    for s in run.signatures
                ],
                clock=clock_view(run.clock, calendar, now)
                if run.clock and run.status.open
                else None,
                activated_at=_local(calendar, run.activated_at),
                finished_at=_local(calendar, run.finished_at),
            )
            for run in case.steps.values()
        ],
        negatives=[
            negative_view(n, case.id, calendar, workflow=workflow, now=clocks_at)
            for n in case.negatives
        ],
        notices=[
            ApplicantNoticeView(kind=n.kind, at=local(n.at), text=n.text, step_id=n.step_id)
            for n in case.notices
        ],
        query_code=case.query_code,
    )


def _light(clock: ClockView) -> Literal["green", "yellow", "red"]:
    """Red past due, yellow within its last working day, else green."""
    if clock.overdue:
        return "red"
    return "yellow" if clock.remaining_working_days == 0 else "green"


def _local(calendar: WorkingCalendar, moment: dt.datetime | None) -> dt.datetime | None:
    return calendar.local(moment) if moment is not None else None
