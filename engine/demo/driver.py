"""Drive cases to their end the way officers would: the demo and the benchmarks use it.

For every open step the driver signs as the officers the definition asks for (each signer
mode), supplies deferred materials before delivery, and hands automatic steps to a callback
(the connectors inline, or nothing when Prefect flows run them). It never bypasses the
service: every move is a real command with its checks, events and clocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.access.accounts import Accounts
from engine.cases.case import APPLICANT, SYSTEM
from engine.cases.service import CaseService, Command
from engine.definitions.catalogue import Catalogue
from engine.definitions.model import AUTOMATIC_KINDS, SignMode, Step, StepKind, Workflow
from engine.views.cases import CaseView

SIGNERS_PER_ROLE = 3  # enough distinct officers for a quorum (票签) of three
Automatic = Callable[[CaseView, Step], CaseView | None]  # the case after, if known
Inspection = Callable[[CaseView, Step], CaseView]  # an inspection with a draw, to its end


def officer_name(department: str, role: str, index: int = 1) -> str:
    return f"{department}.{role}.{index}"


def seed_officers(service: CaseService, catalogue: Catalogue) -> int:
    """Officers for every department and role (three per role), named `dept.role.N`."""
    accounts = Accounts(service.engine, clock=service.clock)
    existing = accounts.names()
    added = 0
    for department in catalogue.departments.values():
        for role in department.roles:
            for index in range(1, SIGNERS_PER_ROLE + 1):
                name = officer_name(department.id, role, index)
                if name not in existing:
                    accounts.add(name, role=role, department=department.id)
                    added += 1
    return added


def signers_for(step: Step) -> list[str]:
    """The officers who complete the step, in the order they sign."""
    if step.signers is None:
        role = "window" if step.kind in (StepKind.DELIVERY, StepKind.PUBLICATION) else "reviewer"
        return [officer_name(step.department, role)]
    pairs = []
    for ref in step.signers.roles:
        owner, _, role = ref.rpartition("/")
        pairs.append((owner or step.department, role))
    if step.signers.mode is SignMode.ANY:
        return [officer_name(*pairs[0])]
    if step.signers.mode is SignMode.QUORUM:
        department, role = pairs[0]
        return [officer_name(department, role, i + 1) for i in range(step.signers.quorum or 1)]
    seen: dict[tuple[str, str], int] = {}
    names = []
    for pair in pairs:  # all / sequential: every listed (department, role), in order
        seen[pair] = seen.get(pair, 0) + 1
        names.append(officer_name(*pair, seen[pair]))
    return names


def next_commands(
    view: CaseView, workflow: Workflow, *, check_result: dict[str, Any]
) -> list[Command]:
    """What happens next on a case, one command for each step open now: an officers' step's
    next move, an automatic step's `check_result` (as its connector would answer) — for
    driving many cases in step with `act_many`."""
    if view.status == "submitted":
        return [Command(view.id, "accept", officer_name(workflow.owner, "window"))]
    commands = []
    for step_id in open_steps(view):
        step = workflow.step(step_id)
        if is_automatic(step):
            args = {"step": step_id, "result": check_result}
            commands.append(Command(view.id, "approve", SYSTEM, args))
        else:
            commands.append(officers_move(view, step))
    return commands


def officers_move(view: CaseView, step: Step) -> Command:
    """The next move on an officers' step: the deferred materials (容缺) before delivery, else
    the next signer's approval."""
    deferred = _deferred(view)
    if step.kind is StepKind.DELIVERY and deferred:
        return Command(view.id, "supplement", APPLICANT, {"materials": deferred})
    signed = {s.actor for s in view.step(step.id).signatures}
    name = next(n for n in signers_for(step) if n not in signed)
    return Command(view.id, "approve", name, {"step": step.id})


def is_automatic(step: Step) -> bool:
    """A step its connector completes (no officer signs it)."""
    return step.kind in AUTOMATIC_KINDS and step.signers is None


def open_steps(view: CaseView) -> list[str]:
    return [s.id for s in view.steps if s.status == "active"]


def _deferred(view: CaseView) -> dict[str, str]:
    """The deferred materials (容缺) of a case, as the applicant supplies them."""
    return {m: f"supplied-{m}" for m, s in view.materials.items() if s.status == "deferred"}


class Driver:
    """Moves one case at a time to its end through the service."""

    def __init__(
        self,
        service: CaseService,
        *,
        automatic: Automatic | None = None,
        inspection: Inspection | None = None,
    ):
        self.service, self.automatic, self.inspection = service, automatic, inspection

    def accept(self, view: CaseView, workflow: Workflow) -> CaseView:
        return self.service.act(view.id, "accept", actor=officer_name(workflow.owner, "window"))

    def complete(self, view: CaseView, step: Step) -> CaseView:
        """Move an officers' step (deferred materials first, then each signer) until it is done."""
        while step.id in open_steps(view):
            view = self._act(officers_move(view, step))
        return view

    def step_once(self, view: CaseView, workflow: Workflow) -> CaseView:
        """Complete every step open now; returns the case after (the view the last command
        returned, or read again when an automatic step was left to someone else)."""
        latest = view
        unseen = False  # a move the driver did not see the result of
        for step_id in open_steps(view):
            step = workflow.step(step_id)
            if step.draw is not None:
                if self.inspection is not None:
                    latest = self.inspection(latest, step)
            elif not is_automatic(step):
                latest = self.complete(latest, step)
            elif self.automatic is not None:
                after = self.automatic(latest, step)
                unseen = unseen or after is None
                latest = after or latest
        return self.service.show(view.id) if unseen or latest is view else latest

    def _act(self, command: Command) -> CaseView:
        return self.service.act(
            command.case_id, command.action, actor=command.actor, args=command.args
        )

    def run(
        self,
        view: CaseView,
        workflow: Workflow,
        *,
        on_round: Callable[[CaseView], None] | None = None,
        max_rounds: int = 50,
    ) -> CaseView:
        """Accept and drive to the end; `on_round` sees the case before each round."""
        if view.status == "submitted":
            view = self.accept(view, workflow)
        for _ in range(max_rounds):
            if view.status not in ("in-progress", "correction"):
                return view
            if on_round:
                on_round(view)
            after = self.step_once(view, workflow)
            if after == view:
                return after  # waiting for something the driver does not do (a flow run)
            view = after
        return view
