"""What a draw takes from outside the pure core: the roster as its audited log stands, the
pool's previous draw, the sealing key from the settings and the seed and nonces from the
operating system's CSPRNG (`secrets`). The case service calls `Drawer.after` in the unit of
work of every command, so an inspection with a draw is drawn by the engine (the `system`
actor) in the same transaction that makes it active, and a declined examiner's replacement
in the same transaction as the decline."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable

from sqlmodel import Session, col, select

from engine.cases.case import SYSTEM, Actor, Case
from engine.cases.requests import Core
from engine.cases.run import Context, Event
from engine.cases.tables import CaseRow, EventRow
from engine.draw import steps
from engine.draw.book import RosterBook
from engine.draw.seal import bound_to, open_sealed
from engine.errors import InputError

NO_KEY = "抽取未进行：未配置抽取密钥（ONETHING_DRAW_KEY）；配置后由科室负责人执行抽取"


class NoDrawKey(InputError):
    """The draw needs its sealing key (`ONETHING_DRAW_KEY`), which is not set."""


def randomness() -> steps.Randomness:
    return steps.Randomness(
        secrets.token_bytes(32), secrets.token_bytes(16), secrets.token_bytes(12)
    )


class Drawer:
    """Draws over one database's roster book with one sealing key (None: not configured)."""

    def __init__(
        self,
        book: RosterBook,
        *,
        key: bytes | None,
        entropy: Callable[[], steps.Randomness] = randomness,
    ):
        self.book, self._key, self.entropy = book, key, entropy

    @property
    def has_key(self) -> bool:
        return self._key is not None

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise NoDrawKey("the draw's sealing key is not set (ONETHING_DRAW_KEY, 64 hex digits)")
        return self._key

    def core(
        self,
        session: Session,
        pool: str,
        *,
        opens_at: dt.datetime | None = None,
        replacing: str | None = None,
    ) -> Core:
        """One round's core action on a case, over the roster and the pool's last draw as
        `session` reads them; its randomness is taken now, once."""
        key, chance = self.key, self.entropy()
        book = self.book.at(session)
        last = self._last_drawn(session, pool, key) if replacing is None else frozenset()
        return lambda case, ctx: steps.draw(
            case,
            ctx,
            roster=book.roster,
            roster_seq=book.seq,
            randomness=chance,
            key=key,
            opens_at=opens_at,
            replacing=replacing,
            last_drawn=last,
        )

    def after(
        self, session: Session, case: Case, events: list[Event], ctx: Context
    ) -> tuple[Case, list[Event]] | None:
        """The engine's draw of each inspection `events` made active, and of a replacement for
        each examiner who declined, as the system; without a key, an incident saying so (the
        step waits for a head's draw)."""
        due = steps.due_draws(events, ctx.workflow)
        if not due:
            return None
        made: list[Event] = []
        for step_id, replacing in due:
            system = Context(
                ctx.workflow, ctx.calendar, Actor(SYSTEM, SYSTEM), ctx.now, {"step": step_id}
            )
            if not self.has_key:
                attempt = case.steps[step_id].attempt
                data = {"step": step_id, "attempt": attempt, "message": NO_KEY}
                made.append(Event("step.incident", {**data, "at": ctx.now.isoformat()}))
                continue
            spec = ctx.workflow.step(step_id).draw
            assert spec is not None
            case, more = self.core(session, spec.pool, replacing=replacing)(case, system)
            made += more
        return case, made

    def _last_drawn(self, session: Session, pool: str, key: bytes) -> frozenset[str]:
        """The pool's previous draw (the last first round sealed from it), for the
        no-pair-twice rule: opened with the key, never shown."""
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
            opened = open_sealed(key, record["sealed"], aad=bound_to(case_id, sealed["step"], 1))
            return frozenset(opened["drawn"])
        return frozenset()
