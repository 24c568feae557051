"""The demo's on-site inspection (实地核查): the engine draws the examiners when the step
becomes active and the demo shows them sealed (only the commitment); the demo's clock then
moves to the scheduled inspection, the bureau's head opens the draw, the examiners record
findings and the draw is verified — each move a real command of the draw service."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from engine.access.accounts import Accounts
from engine.access.permissions import Post, Principal, Role
from engine.calendar.display import moment_text
from engine.cases.service import CaseService
from engine.definitions.model import Step
from engine.demo.driver import Inspection, officer_name
from engine.draw.book import RosterBook
from engine.draw.drawer import Drawer
from engine.draw.roster import Roster, import_changes
from engine.draw.service import DrawService
from engine.views.cases import CaseView

Echo = Callable[[str], None]


class DemoClock:
    """The wall clock, moved forward when the demo jumps to a scheduled moment (one case's:
    each sample runs on its own, so every case's log keeps its order)."""

    def __init__(self, wall: Callable[[], dt.datetime]):
        self.wall, self.ahead = wall, dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return self.wall() + self.ahead

    def move_to(self, moment: dt.datetime) -> None:
        self.ahead = max(self.ahead, moment - self.wall())


def seed_roster(service: CaseService, roster: Roster) -> int:
    """The roster file imported into the audited roster book by each department's head (once);
    each examiner an account as a reviewer of their department (they record findings)."""
    book = RosterBook(service.engine, clock=service.clock)
    added = 0
    if not book.current().seq:
        for department in sorted({e.department for e in roster.examiners}):
            head = Principal(officer_name(department, "head"), (Post(Role.HEAD, department),))
            changes = import_changes(
                Roster(tuple(e for e in roster.examiners if e.department == department))
            )
            book.change(head, changes)
            added += len(changes)
    accounts = Accounts(service.engine, clock=service.clock)
    existing = accounts.names()
    for examiner in roster.examiners:
        if examiner.id not in existing:
            accounts.add(examiner.id, role="reviewer", department=examiner.department)
    return added


def demo_drawer(service: CaseService, echo: Echo) -> Drawer:
    """The configured draw, or one with a one-off key when `ONETHING_DRAW_KEY` is not set
    (said on screen: such draws can be verified only within this demo)."""
    configured = service.reaction
    if isinstance(configured, Drawer) and configured.has_key:
        return configured
    echo("draw key: ONETHING_DRAW_KEY is not set; this demo seals with a one-off key")
    book = RosterBook(service.engine, clock=service.clock)
    return Drawer(book, key=secrets.token_bytes(32))


def inspect_by_draw(draws: DrawService, clock: DemoClock, echo: Echo) -> Inspection:
    """The demo's inspection with a draw: shown sealed, opened at its time, findings, verified."""

    def inspect(view: CaseView, step: Step) -> CaseView:
        assert step.draw is not None
        sealed = draws.show(view.id, step.id)
        calendar = draws.cases.calendars.get(draws.cases.load(view.id).calendar)
        if sealed.status != "sealed" or sealed.opens_at is None:
            echo(f"  {step.id}: {sealed.status} (see the case's incident)")
            return draws.cases.show(view.id)
        echo(
            f"  {step.id}: the engine drew {step.draw.count} of the {step.draw.pool} roster, "
            f"sealed until {moment_text(sealed.opens_at, calendar.tz)}; commitment "
            f"{sealed.rounds[0].commitment[:16]}… (no names before the opening)"
        )
        clock.move_to(sealed.opens_at)
        head = officer_name(step.draw.pool, step.draw.opener)
        opened = draws.open(view.id, step.id, actor=head)
        echo(f"  {step.id}: {opened.status} by {head}: " + ", ".join(opened.examiners))
        for examiner in opened.examiners:
            draws.record_finding(view.id, step.id, actor=examiner, text="现场情况与申请材料一致")
        report = draws.verify(view.id, step.id)
        echo(f"  {step.id}: draw verify: " + ("matches" if report.ok else "DOES NOT MATCH"))
        return draws.cases.show(view.id)

    return inspect
