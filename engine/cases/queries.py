"""Queries on cases: one case, lists, the timeline, negative matters, the audit chain.
Nothing here writes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine, and_, or_
from sqlmodel import Session, col, select

from engine import inputs
from engine.calendar import CalendarSet, WorkingCalendar
from engine.cases import auditing
from engine.cases.acceptance import verification_clock
from engine.cases.audit import Break
from engine.cases.case import Case, MaterialState, MaterialStatus, NegativeStatus
from engine.cases.corrections import INTAKE
from engine.cases.overview import (
    LIGHTS,
    light_of,
    light_rank,
    segment_light,
    worklist_segments,
)
from engine.cases.state import CaseStatus, StepStatus
from engine.cases.tables import STEP_OPEN, CaseRow, DecisionRow, EventRow, NegativeRow, StepRow
from engine.clock import as_utc
from engine.definitions.escalation import Level
from engine.definitions.model import Workflow
from engine.errors import InputError, NotFound
from engine.escalation.ladder import marks
from engine.registry.tables import WorkflowVersion
from engine.views.cases import (
    CaseSummary,
    CaseView,
    EventView,
    NegativeMatterView,
    WorkItemView,
    case_view,
)


class CaseQueries:
    """Reads of the cases of one database."""

    engine: Engine
    calendars: CalendarSet
    clock: Callable[[], dt.datetime]
    workflows: Callable[[str, int | None], Workflow]

    def load(self, case_id: str) -> Case:
        inputs.name("case", case_id)
        with Session(self.engine) as session:
            row = session.get(CaseRow, case_id)
            if row is None:
                raise NotFound(f"no case {case_id!r}")
            return Case.from_json(row.snapshot)

    def revision(self, case_id: str) -> int:
        """The case's revision: it grows with every recorded change (an HTTP `ETag`)."""
        with Session(self.engine) as session:
            found = session.exec(select(CaseRow.version).where(CaseRow.id == case_id)).first()
        if found is None:
            raise NotFound(f"no case {case_id!r}")
        return found

    def show(self, case_id: str) -> CaseView:
        case = self.load(case_id)
        workflow = self.workflows(case.workflow_id, case.workflow_version)
        return case_view(case, self.calendars.get(case.calendar), self.clock(), workflow=workflow)

    def list_cases(
        self,
        *,
        status: str | None = None,
        workflow: str | None = None,
        department: str | None = None,
        overdue: bool = False,
        light: str | None = None,
        text: str | None = None,
        involving: tuple[Sequence[str], Sequence[str]] | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int = 200,
    ) -> list[CaseSummary]:
        """Cases by status and workflow, oldest first; with `department`, those with an open
        step there; `overdue`: an open step past its due time (read through the (is_open,
        due_at) index); `involving` (departments and the workflows they own): only the
        cases they take part in; `light`: its most urgent open step is green, yellow or red;
        `text`: in its id, its applicant's name or its workflow's title; `after` (submitted
        at, id): the page after that case."""
        now = self.clock()
        _known("status", status, [s.value for s in CaseStatus])
        open_steps = (
            col(StepRow.case_id) == col(CaseRow.id),
            STEP_OPEN,
        )
        case_light = (
            select(sa.func.max(light_rank(as_utc(now)))).where(*open_steps).scalar_subquery()
        )
        next_due = select(sa.func.min(col(StepRow.due_at))).where(*open_steps).scalar_subquery()
        query = sa.select(
            col(CaseRow.id),
            col(CaseRow.workflow_id),
            col(CaseRow.workflow_version),
            col(CaseRow.status),
            col(CaseRow.submitted_at),
            col(CaseRow.applicant_name),
            col(CaseRow.promised_due_at),
            col(CaseRow.statutory_due_at),
            next_due,
            case_light,
        )
        if status:
            query = query.where(col(CaseRow.status) == status)
        if workflow:
            query = query.where(col(CaseRow.workflow_id) == workflow)
        if department or overdue:
            steps = select(StepRow.case_id).where(STEP_OPEN)
            if department:
                steps = steps.where(StepRow.department == department)
            if overdue:
                steps = steps.where(col(StepRow.due_at) < as_utc(now))
            query = query.where(col(CaseRow.id).in_(steps))
        if light:
            _known("traffic light", light, list(LIGHTS))
            worst = sa.func.max(light_rank(as_utc(now)))
            lit = (
                select(StepRow.case_id)
                .where(STEP_OPEN)
                .group_by(col(StepRow.case_id))
                .having(worst == LIGHTS.index(light))
            )
            query = query.where(col(CaseRow.id).in_(lit))
        if text:
            pattern = f"%{_like_escaped(text.lower())}%"
            titled = select(WorkflowVersion.workflow_id).where(
                sa.func.lower(col(WorkflowVersion.title)).like(pattern, escape="\\")
            )
            query = query.where(
                or_(
                    sa.func.lower(col(CaseRow.id)).like(pattern, escape="\\"),
                    sa.func.lower(col(CaseRow.applicant_name)).like(pattern, escape="\\"),
                    col(CaseRow.workflow_id).in_(titled),
                )
            )
        if involving is not None:
            where, owned = involving
            takes_part = select(StepRow.case_id).where(col(StepRow.department).in_(list(where)))
            query = query.where(
                or_(col(CaseRow.workflow_id).in_(list(owned)), col(CaseRow.id).in_(takes_part))
            )
        if after is not None:
            at = as_utc(after[0])
            query = query.where(
                or_(
                    col(CaseRow.submitted_at) > at,
                    and_(col(CaseRow.submitted_at) == at, col(CaseRow.id) > after[1]),
                )
            )
        query = query.order_by(col(CaseRow.submitted_at), col(CaseRow.id)).limit(limit)
        with Session(self.engine) as session:
            return [self._summary(r, now) for r in session.execute(query)]

    def _summary(self, row: Any, now: dt.datetime) -> CaseSummary:
        calendar = self.calendar_of(row[1], row[2])

        def local(at: dt.datetime | None) -> dt.datetime | None:
            return calendar.local(as_utc(at)) if at is not None else None

        next_due = local(row[8])
        return CaseSummary(
            id=row[0],
            workflow=row[1],
            status=row[3],
            submitted_at=calendar.local(as_utc(row[4])),
            applicant=row[5],
            promised_due=local(row[6]),
            statutory_due=local(row[7]),
            next_step_due=next_due,
            overdue=next_due is not None and next_due < now,
            light=LIGHTS[row[9]] if row[9] is not None else None,
        )

    def worklist(
        self,
        department: str | Sequence[str] | None = None,
        *,
        officer: str | None = None,
        verifying: Sequence[str] = (),
        limit: int = 200,
        after: tuple[str, str] | None = None,
        after_verifying: tuple[str, str] | None = None,
    ) -> list[WorkItemView]:
        """Open steps, most urgent first (`engine.cases.overview.worklist_segments`: running
        clocks red, yellow, green, each by remaining working time — the earliest due first —
        then the stopped clocks, waiting on the applicant, in the same order): a department's
        (or several departments'), and/or an officer's — transferred to them, or signed by
        them on their current attempt and waiting on others; each with its traffic light as
        the overview counts it. Then the window's verification tasks (待核验) of the
        `verifying` departments, each with its Art. 32 due time and light (`_to_verify`).
        `after` (case, step): the page that follows that step; `after_verifying` (case,
        material): the page that follows that verification task. Each segment is a range read
        in the worklist index's order, never a sort of them all.

        The tasks follow the steps rather than take their place by urgency among them: their
        due time lives in the case snapshot, not in an indexed column, so placing them would
        mean a merge of two orders under one cursor, or a sort; being few (a source down at
        intake), they are read whole after the last step, already in due order."""
        now = as_utc(self.clock())
        segments = worklist_segments(now)
        chosen: list[Any] = [STEP_OPEN]
        if department is not None:
            departments = [department] if isinstance(department, str) else list(department)
            chosen.append(col(StepRow.department).in_(departments))
        if officer is not None:
            signed = (
                sa.select(col(DecisionRow.id))
                .where(
                    col(DecisionRow.case_id) == col(StepRow.case_id),
                    col(DecisionRow.step_id) == col(StepRow.step_id),
                    col(DecisionRow.attempt) == col(StepRow.attempt),
                    col(DecisionRow.actor) == officer,
                )
                .exists()
            )
            chosen.append(or_(col(StepRow.assignee) == officer, signed))
        due, case_id, step_id = col(StepRow.due_at), col(StepRow.case_id), col(StepRow.step_id)
        found: list[WorkItemView] = []
        with Session(self.engine) as session:
            start, following = (len(segments), None) if after_verifying else (0, None)
            if after is not None:
                start, following = self._worklist_place(session, segments, after)
            for urgency in range(start, len(segments)):
                query = (
                    select(StepRow, CaseRow.workflow_id, CaseRow.workflow_version)
                    .join(CaseRow, col(CaseRow.id) == case_id)
                    .where(*chosen, segments[urgency])
                    .order_by(due.asc().nulls_last(), case_id, step_id)
                    .limit(limit - len(found))
                )
                if following is not None and urgency == start:
                    query = query.where(following)
                light = segment_light(urgency)
                for row, workflow_id, version in session.execute(query):
                    found.append(self._work_item(row, workflow_id, version, light, now))
                if len(found) >= limit:
                    break
        if verifying and len(found) < limit:
            found += self._to_verify(
                verifying, now, limit=limit - len(found), after=after_verifying
            )
        return found

    @staticmethod
    def _worklist_place(
        session: Session, segments: list[Any], after: tuple[str, str]
    ) -> tuple[int, Any]:
        """Where a worklist page after the step `after` starts: its segment, and the
        condition on the rows of that segment that follow it."""
        due, case_id, step_id = col(StepRow.due_at), col(StepRow.case_id), col(StepRow.step_id)
        urgency = sa.case(*((c, n) for n, c in enumerate(segments)), else_=len(segments))
        place = session.execute(
            sa.select(urgency, due).where(case_id == after[0], step_id == after[1])
        ).one_or_none()
        if place is None:
            raise InputError(f"no step {after[1]!r} of case {after[0]!r} to list after")
        segment, at = place
        later = sa.tuple_(case_id, step_id) > sa.tuple_(sa.literal(after[0]), sa.literal(after[1]))
        if at is None:  # the steps without a due time come last, by case and step
            return segment, and_(due.is_(None), later)
        return segment, or_(due > at, due.is_(None), and_(due == at, later))

    def _work_item(
        self, row: StepRow, workflow_id: str, version: int, light: str, now: dt.datetime
    ) -> WorkItemView:
        due = as_utc(row.due_at)
        return WorkItemView(
            case=row.case_id,
            workflow=workflow_id,
            version=version,
            step=row.step_id,
            department=row.department,
            status=row.status,
            due_at=self.calendar_of(workflow_id, version).local(due) if due else None,
            overdue=due is not None and due < now,
            suspended=row.suspended,
            light=light,
        )

    def _to_verify(
        self,
        departments: Sequence[str],
        now: dt.datetime,
        *,
        limit: int,
        after: tuple[str, str] | None = None,
    ) -> list[WorkItemView]:
        """The window's tasks of the departments' open cases: each material a source did not
        answer for at intake (待核验), oldest case first, each case's in its materials' order
        — which is their due order, each due Art. 32's window after its intake
        (`engine.cases.acceptance.verification_clock`); `after` (case, material): those
        that follow that task."""
        query = (
            select(CaseRow.id, CaseRow.snapshot)
            .where(
                col(CaseRow.to_verify) > 0,
                or_(col(CaseRow.owner).in_(list(departments)), col(CaseRow.owner).is_(None)),
                col(CaseRow.status).in_([s.value for s in CaseStatus if not s.closed]),
            )
            .order_by(col(CaseRow.submitted_at), col(CaseRow.id))
            .limit(max(limit, 0) + (1 if after else 0))
        )
        found: list[WorkItemView] = []
        with Session(self.engine) as session:
            if after is not None:
                query = query.where(_from_case(session, after[0]))
            for case_id, snapshot in session.execute(query):
                case = Case.from_json(snapshot)
                passed = 0
                if after is not None and case_id == after[0]:
                    if after[1] not in case.materials:
                        raise InputError(
                            f"no material {after[1]!r} of case {case_id!r} to list after"
                        )
                    passed = list(case.materials).index(after[1]) + 1
                workflow = self.workflows(case.workflow_id, case.workflow_version)
                if workflow.owner not in departments:
                    continue
                found += [
                    self._verification_task(case, workflow, material, state, now)
                    for material, state in list(case.materials.items())[passed:]
                    if state.status is MaterialStatus.TO_VERIFY
                ]
        return found[: max(limit, 0)]

    def _verification_task(
        self, case: Case, workflow: Workflow, material: str, state: MaterialState, now: dt.datetime
    ) -> WorkItemView:
        """A material to verify as a worklist task: due when its Art. 32 window ends, its
        light as a step's (red past due, yellow from the workflow ladder's yellow mark)."""
        calendar = self.calendars.get(case.calendar)
        clock = verification_clock(state)
        due = as_utc(calendar.due(clock.start, clock.limit).at)
        ladder = workflow.escalation or ()
        yellow = [m.at for m in marks(clock, ladder, calendar, now) if m.level is Level.YELLOW]
        return WorkItemView(
            case=case.id,
            workflow=case.workflow_id,
            version=case.workflow_version,
            step=INTAKE,
            department=workflow.owner,
            status=StepStatus.ACTIVE,
            due_at=calendar.local(due),
            overdue=due < now,
            suspended=False,
            light=light_of(due, as_utc(yellow[0]) if yellow else None, now),
            task="verify-material",
            material=material,
        )

    def overdue_query(self, *, limit: int = 1000) -> Any:
        """Open steps past due, oldest first — a range scan of the (is_open, due_at) index."""
        return (
            select(StepRow.case_id, StepRow.step_id, StepRow.due_at)
            .where(STEP_OPEN, col(StepRow.due_at) < as_utc(self.clock()))
            .order_by(col(StepRow.due_at))
            .limit(limit)
        )

    def overdue_steps(self, *, limit: int = 1000) -> list[tuple[str, str, dt.datetime]]:
        """Open steps past due, oldest first: (case, step, due in UTC)."""
        with Session(self.engine) as session:
            return [(r[0], r[1], r[2]) for r in session.execute(self.overdue_query(limit=limit))]

    def timeline(self, case_id: str) -> list[EventView]:
        """The case's event log, oldest first, its moments in the case calendar's zone."""
        calendar = self.calendars.get(self.load(case_id).calendar)
        with Session(self.engine) as session:
            rows = session.execute(
                select(EventRow).where(EventRow.case_id == case_id).order_by(col(EventRow.seq))
            ).scalars()
            return [
                EventView(
                    seq=r.seq,
                    at=calendar.local(dt.datetime.fromisoformat(r.at)),
                    actor=r.actor,
                    kind=r.kind,
                    data=json.loads(r.data),
                )
                for r in rows
            ]

    def negatives(
        self,
        *,
        status: str | None = None,
        departments: Collection[str] | None = None,
        after: tuple[dt.datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[NegativeMatterView]:
        """The register of negative decisions, oldest first (registered at, id); only those
        of `departments` when given; `after` (registered at, id): the page after that one."""
        _known("status", status, [s.value for s in NegativeStatus])
        registered, negative_id = col(NegativeRow.registered_at), col(NegativeRow.id)
        query = (
            select(NegativeRow, CaseRow.workflow_id, CaseRow.workflow_version)
            .join(CaseRow, col(CaseRow.id) == col(NegativeRow.case_id))
            .order_by(registered, negative_id)
            .limit(limit)
        )
        if status:
            query = query.where(NegativeRow.status == status)
        if departments is not None:
            query = query.where(col(NegativeRow.department).in_(sorted(departments)))
        if after is not None:
            at = as_utc(after[0])
            query = query.where(sa.tuple_(registered, negative_id) > (at, after[1]))
        now = self.clock()
        with Session(self.engine) as session:
            return [
                NegativeMatterView.of(
                    row,
                    self.calendar_of(workflow_id, version),
                    workflow=self.workflows(workflow_id, version),
                    now=now,
                )
                for row, workflow_id, version in session.execute(query)
            ]

    def workflow_versions(self, case_ids: set[str]) -> dict[str, tuple[str, int]]:
        """Each known case's workflow and version, in one query."""
        if not case_ids:
            return {}
        query = select(CaseRow.id, CaseRow.workflow_id, CaseRow.workflow_version).where(
            col(CaseRow.id).in_(sorted(case_ids))
        )
        with Session(self.engine) as session:
            return {c: (w, v) for c, w, v in session.execute(query)}

    def calendar_of(self, workflow_id: str, version: int) -> WorkingCalendar:
        """The working calendar a workflow version counts on (its moments' zone)."""
        return self.calendars.get(self.workflows(workflow_id, version).calendar)

    def verify(self, case_id: str | None = None) -> list[Break]:
        """Check one case or all against its event log (`engine.cases.auditing`)."""
        return auditing.verify(self.engine, case_id).breaks


def _from_case(session: Session, case_id: str) -> Any:
    """The cases from `case_id` on, in the order submitted (at, id)."""
    at = session.execute(
        select(CaseRow.submitted_at).where(CaseRow.id == case_id)
    ).scalar_one_or_none()
    if at is None:
        raise InputError(f"no case {case_id!r} to list after")
    return or_(
        col(CaseRow.submitted_at) > at,
        and_(col(CaseRow.submitted_at) == at, col(CaseRow.id) >= case_id),
    )


def _like_escaped(text: str) -> str:
    """`text` matched literally by LIKE (its own % and _ are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _known(what: str, value: str | None, known: list[str]) -> None:
    """A filter's value must be one there can be (a typo would list nothing, silently)."""
    if value is not None and value not in known:
        raise InputError(f"unknown {what} {value!r} (known: {', '.join(known)})")
