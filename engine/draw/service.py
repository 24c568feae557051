"""The draw service: the commands on an inspection's draw (a head's draw after a failed one,
open, findings, decline) and `verify`, through the case service's unit of work, so each
round's events are committed in one transaction. The engine's own draw, when a step becomes
active, is the `Drawer`'s (`engine.draw.drawer`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

import sqlalchemy as sa
from sqlmodel import Session, col, select

from engine.cases.case import Case, StepRun
from engine.cases.requests import Command
from engine.cases.run import Context, Event
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, DrawRow
from engine.clock import as_utc
from engine.draw import steps
from engine.draw.drawer import Drawer
from engine.draw.verify import roster_checks, verify_rounds
from engine.errors import InputError, NotFound, OnethingError
from engine.views.draws import (
    DrawCheckView,
    DrawListingView,
    DrawVerifyView,
    DrawView,
    draw_view,
)


class DrawService:
    """Draw, open, findings, decline and verify on the inspection steps of `cases`."""

    def __init__(self, cases: CaseService, drawer: Drawer):
        self.cases, self.drawer = cases, drawer

    def draw(
        self, case_id: str, step_id: str, *, actor: str, opens_at: dt.datetime | None = None
    ) -> DrawView:
        """抽取 the step's examiners again after the engine's draw failed (too few eligible,
        no key), sealed until `opens_at` (default: the step's scheduled inspection)."""
        pool = self._pool(case_id, step_id)
        with Session(self.cases.engine) as session:
            core = self.drawer.core(session, pool, opens_at=opens_at)
        args = {"opens_at": opens_at.isoformat()} if opens_at else {}
        self._apply(case_id, "draw", actor, step_id, args, core)
        return self.show(case_id, step_id)

    def open(self, case_id: str, step_id: str, *, actor: str) -> DrawView:
        key = self.drawer.key
        self._apply(
            case_id,
            "open-draw",
            actor,
            step_id,
            {},
            lambda c, ctx: steps.open_rounds(c, ctx, key=key),
        )
        return self.show(case_id, step_id)

    def record_finding(self, case_id: str, step_id: str, *, actor: str, text: str) -> DrawView:
        self._apply(
            case_id, "record-finding", actor, step_id, {"comment": text}, steps.record_finding
        )
        return self.show(case_id, step_id)

    def decline(
        self, case_id: str, step_id: str, *, actor: str, examiner: str, reason: str
    ) -> DrawView:
        """An examiner withdraws, or the authorised role records it for them (the reason
        logged); the engine draws a replacement in the same transaction, in its own round:
        sealed, then opened by the authorised role like the first."""
        self._pool(case_id, step_id)
        args = {"examiner": examiner, "reason": reason}
        self._apply(case_id, "decline-examiner", actor, step_id, args, steps.decline)
        return self.show(case_id, step_id)

    def show(self, case_id: str, step_id: str) -> DrawView:
        case = self.cases.load(case_id)
        return draw_view(case.id, _run_of(case, step_id), self.cases.calendars.get(case.calendar))

    def listing(
        self,
        departments: Collection[str] | None = None,
        *,
        after: tuple[dt.datetime, str, str] | None = None,
        limit: int = 200,
    ) -> list[DrawListingView]:
        """The inspections drawn for (those of `departments`), newest draw first (drawn at,
        case, step): sealed or opened and its opening time, never who was drawn; `after`
        (drawn at, case, step): the page after that one."""
        drawn, case_id, step_id = col(DrawRow.drawn_at), col(DrawRow.case_id), col(DrawRow.step_id)
        query = (
            select(DrawRow, CaseRow.snapshot)
            .join(CaseRow, col(CaseRow.id) == case_id)
            .order_by(drawn.desc(), case_id.desc(), step_id.desc())
            .limit(limit)
        )
        if departments is not None:
            query = query.where(col(DrawRow.department).in_(sorted(departments)))
        if after is not None:
            query = query.where(sa.tuple_(drawn, case_id, step_id) < (as_utc(after[0]), *after[1:]))
        with Session(self.cases.engine) as session:
            found = session.execute(query).all()
        rows = []
        for row, snapshot in found:
            case = Case.from_json(snapshot)
            calendar = self.cases.calendars.get(case.calendar)
            view = draw_view(case.id, _run_of(case, row.step_id), calendar)
            rows.append(
                DrawListingView(
                    case=case.id,
                    workflow=case.workflow_id,
                    step=row.step_id,
                    department=row.department,
                    status=view.status,
                    opens_at=view.opens_at,
                    drawn_at=calendar.local(as_utc(row.drawn_at)),
                )
            )
        return rows

    def verify(self, case_id: str, step_id: str) -> DrawVerifyView:
        """Recompute commitment and selection of every opened round and check the case's
        event log chain: any tampering shows as a failed check."""
        case = self.cases.load(case_id)
        run = _run_of(case, step_id)
        logged = [
            (e.kind, e.data) for e in self.cases.timeline(case_id) if e.kind.startswith("draw.")
        ]
        rounds = (run.result.get("draw") or {}).get("rounds", [])
        found = verify_rounds(case_id, step_id, rounds=rounds, logged=logged, key=self.drawer.key)
        with Session(self.cases.engine) as session:
            found += roster_checks(
                rounds,
                logged,
                step_id,
                applicant_ids=steps.applicant_ids(case),
                pool_at=lambda seq, pool: self.drawer.book.at(session, seq).roster.pool(pool),
                breaks=self.drawer.book.breaks(session),
            )
        checks = [
            DrawCheckView(round=c.round, name=c.name, ok=c.ok, detail=c.detail) for c in found
        ]
        breaks = self.cases.verify(case_id)
        checks.append(
            DrawCheckView(
                round=0,
                name="event log",
                ok=not breaks,
                detail="the case's hash chain holds"
                if not breaks
                else "; ".join(str(b) for b in breaks),
            )
        )
        return DrawVerifyView(
            case=case_id, step=step_id, ok=all(c.ok for c in checks), checks=checks
        )

    # -- inside -----------------------------------------------------------------------------

    def _apply(
        self,
        case_id: str,
        action: str,
        actor: str,
        step_id: str,
        args: dict[str, str],
        core: Callable[[Case, Context], tuple[Case, list[Event]]],
    ) -> None:
        command = Command(case_id, action, actor, {"step": step_id, **args}, core=core)
        (outcome,) = self.cases.act_many([command])
        if isinstance(outcome, OnethingError):
            raise outcome

    def _pool(self, case_id: str, step_id: str) -> str:
        case = self.cases.load(case_id)
        _run_of(case, step_id)
        spec = self.cases.workflows(case.workflow_id, case.workflow_version).step(step_id).draw
        if spec is None:
            raise InputError(
                f"step {step_id!r} of case {case_id!r} is not an inspection with a draw"
            )
        return spec.pool


def _run_of(case: Case, step_id: str) -> StepRun:
    if step_id not in case.steps:
        raise NotFound(f"case {case.id!r} has no step {step_id!r}")
    return case.steps[step_id]
