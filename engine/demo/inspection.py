"""The demo's on-site inspection (实地核查): the examiners are drawn and shown sealed (only the
commitment), opened by the bureau's head at the inspection time, their findings recorded, and
the draw verified — each move a real command of the draw service."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from engine.access.accounts import Accounts
from engine.cases.service import CaseService
from engine.definitions.model import Step
from engine.demo.driver import Inspection, officer_name
from engine.draw.roster import Roster
from engine.draw.service import DrawService
from engine.views.cases import CaseView

Echo = Callable[[str], None]


def seed_examiners(service: CaseService, roster: Roster) -> int:
    """Each examiner of the roster as a reviewer of their department (they record findings)."""
    accounts = Accounts(service.engine, clock=service.clock)
    existing = accounts.names()
    new = [e for e in roster.examiners if e.id not in existing]
    for examiner in new:
        accounts.add(examiner.id, role="reviewer", department=examiner.department)
    return len(new)


def demo_draws(draws: DrawService, echo: Echo) -> DrawService:
    """The configured draw service, or one with a one-off key when `ONETHING_DRAW_KEY` is not
    set (said on screen: such draws can be verified only within this demo)."""
    if draws.has_key:
        return draws
    echo("draw key: ONETHING_DRAW_KEY is not set; this demo seals with a one-off key")
    return DrawService(draws.cases, roster=draws.roster, key=secrets.token_bytes(32))


def inspect_by_draw(draws: DrawService, echo: Echo) -> Inspection:
    """The demo's inspection with a draw: drawn and shown sealed, opened, findings, verified."""

    def inspect(view: CaseView, step: Step) -> CaseView:
        assert step.draw is not None
        head = officer_name(step.draw.pool, step.draw.opener)
        at = draws.cases.clock()
        sealed = draws.draw(view.id, step.id, actor=head, opens_at=at)
        echo(
            f"  {step.id}: drawn {step.draw.count} of the {step.draw.pool} roster, "
            f"{sealed.status}; commitment {sealed.rounds[0].commitment[:16]}… "
            "(no names before the opening)"
        )
        opened = draws.open(view.id, step.id, actor=head)
        echo(f"  {step.id}: {opened.status} by {head}: " + ", ".join(opened.examiners))
        for examiner in opened.examiners:
            draws.record_finding(view.id, step.id, actor=examiner, text="现场情况与申请材料一致")
        report = draws.verify(view.id, step.id)
        echo(f"  {step.id}: draw verify: " + ("matches" if report.ok else "DOES NOT MATCH"))
        return draws.cases.show(view.id)

    return inspect
