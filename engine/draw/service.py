"""The draw service: takes the seed and nonces from the operating system's CSPRNG
(`secrets`), holds the sealing key from the settings, and runs the draw's core actions through
the case service's unit of work, so each round's events are committed in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable

from sqlmodel import Session, col, select

from engine.cases.case import Case, StepRun
from engine.cases.requests import Command
from engine.cases.run import Context, Event
from engine.cases.service import CaseService
from engine.cases.tables import CaseRow, EventRow
from engine.draw import steps
from engine.draw.roster import Roster
from engine.draw.seal import bound_to, open_sealed
from engine.draw.verify import verify_rounds
from engine.errors import InputError, NotFound, OnethingError
from engine.views.draws import DrawCheckView, DrawVerifyView, DrawView, draw_view

KEY_BYTES = 32


class NoDrawKey(InputError):
    """The draw needs its sealing key (`ONETHING_DRAW_KEY`), which is not set."""


def randomness() -> steps.Randomness:
    return steps.Randomness(
        secrets.token_bytes(32), secrets.token_bytes(16), secrets.token_bytes(12)
    )


class DrawService:
    """Draw, open, findings, decline and verify on the inspection steps of `cases`."""

    def __init__(
        self,
        cases: CaseService,
        *,
        roster: Roster,
        key: bytes | None,
        entropy: Callable[[], steps.Randomness] = randomness,
    ):
        self.cases, self.roster, self._key, self.entropy = cases, roster, key, entropy

    @property
    def has_key(self) -> bool:
        return self._key is not None

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise NoDrawKey("the draw's sealing key is not set (ONETHING_DRAW_KEY, 64 hex digits)")
        return self._key

    def draw(self, case_id: str, step_id: str, *, actor: str, opens_at: dt.datetime) -> DrawView:
        """抽取 the step's examiners, sealed until `opens_at` (the scheduled inspection)."""
        key, chance = self.key, self.entropy()
        pool = self._pool(case_id, step_id)
        last = self._last_drawn(pool, key)
        self._apply(
            case_id,
            "draw",
            actor,
            step_id,
            {"opens_at": opens_at.isoformat()},
            lambda c, ctx: steps.draw(
                c,
                ctx,
                roster=self.roster,
                randomness=chance,
                key=key,
                opens_at=opens_at,
                last_drawn=last,
            ),
        )
        return self.show(case_id, step_id)

    def open(self, case_id: str, step_id: str, *, actor: str) -> DrawView:
        key = self.key
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
        """An examiner withdraws (the reason logged) and a replacement is drawn at once, in
        its own round: sealed, then opened by the authorised role like the first."""
        key, chance = self.key, self.entropy()
        args = {"examiner": examiner, "reason": reason}
        self._apply(case_id, "decline-examiner", actor, step_id, args, steps.decline)
        self._apply(
            case_id,
            "draw",
            actor,
            step_id,
            {"replacing": examiner},
            lambda c, ctx: steps.draw(
                c, ctx, roster=self.roster, randomness=chance, key=key, replacing=examiner
            ),
        )
        return self.show(case_id, step_id)

    def show(self, case_id: str, step_id: str) -> DrawView:
        case = self.cases.load(case_id)
        return draw_view(case.id, _run_of(case, step_id), self.cases.calendars.get(case.calendar))

    def verify(self, case_id: str, step_id: str) -> DrawVerifyView:
        """Recompute commitment and selection of every opened round and check the case's
        event log chain: any tampering shows as a failed check."""
        case = self.cases.load(case_id)
        run = _run_of(case, step_id)
        logged = [
            (e.kind, e.data) for e in self.cases.timeline(case_id) if e.kind.startswith("draw.")
        ]
        rounds = (run.result.get("draw") or {}).get("rounds", [])
        checks = [
            DrawCheckView(round=c.round, name=c.name, ok=c.ok, detail=c.detail)
            for c in verify_rounds(case_id, step_id, rounds=rounds, logged=logged, key=self.key)
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

    def _last_drawn(self, pool: str, key: bytes) -> frozenset[str]:
        """The pool's previous draw (the last first round sealed from it), for the
        no-pair-twice rule: opened with the key, never shown."""
        with Session(self.cases.engine) as session:
            rows = session.exec(
                select(EventRow.case_id, EventRow.data)
                .where(EventRow.kind == "draw.sealed")
                .order_by(col(EventRow.id).desc())
            )
            for case_id, data in rows:
                sealed = json.loads(data)
                if sealed.get("pool") != pool or sealed.get("round") != 1:
                    continue
                row = session.get(CaseRow, case_id)
                run = Case.from_json(row.snapshot).steps[sealed["step"]] if row else None
                rounds = (run.result.get("draw") or {}).get("rounds", []) if run else []
                record = next((r for r in rounds if r["number"] == 1), None)
                if record is None:  # the step was reopened since: its draw is gone
                    continue
                opened = open_sealed(
                    key, record["sealed"], aad=bound_to(case_id, sealed["step"], 1)
                )
                return frozenset(opened["drawn"])
        return frozenset()


def _run_of(case: Case, step_id: str) -> StepRun:
    if step_id not in case.steps:
        raise NotFound(f"case {case.id!r} has no step {step_id!r}")
    return case.steps[step_id]
