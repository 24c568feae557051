"""What a caller asks of the case service: a `Command` on a case or an `Intake` of an
application, each checked as it is made (bounded input, `engine.inputs`) and each with the
identity its idempotency key stands for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlmodel import Session

from engine import inputs
from engine.cases import machine
from engine.cases.case import APPLICANT, Case
from engine.cases.idempotency import identity

Core = Callable[[Case, machine.Context], tuple[Case, list[machine.Event]]]


class Reaction(Protocol):
    """The engine's own move that follows a command's events in its unit of work, recorded as
    the system (an inspection that became active is drawn: `engine.draw.drawer.Drawer`);
    None when the events call for nothing."""

    def after(
        self,
        session: Session,
        case: Case,
        events: list[machine.Event],
        ctx: machine.Context,
    ) -> tuple[Case, list[machine.Event]] | None: ...


@dataclass(frozen=True)
class Intake:
    """One application for `submit_many`."""

    workflow_id: str
    application: dict[str, Any]
    key: str | None = None

    def __post_init__(self) -> None:
        """Bounded input, the same on every database (`engine.inputs`)."""
        inputs.name("workflow", self.workflow_id)
        inputs.json_value("the application", self.application, finite=False)
        if self.key is not None:
            inputs.name("key", self.key)

    @property
    def identity(self) -> str:
        """What its idempotency key stands for: the workflow and the whole application."""
        return identity("submit", self.workflow_id, APPLICANT, self.application)


@dataclass(frozen=True)
class Command:
    """One command for `act_many`: an action on a case by an actor (`core` replaces the
    machine's action, for the service's own records; `revision`: run only if the case is
    still at that revision, as the caller read it)."""

    case_id: str
    action: str
    actor: str
    args: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    core: Core | None = None
    revision: int | None = None

    def __post_init__(self) -> None:
        """Bounded input, the same on every database (`engine.inputs`)."""
        inputs.name("case", self.case_id)
        inputs.name("action", self.action)
        inputs.name("actor", self.actor)
        if self.key is not None:
            inputs.name("key", self.key)
        if isinstance(step := self.args.get("step"), str):
            inputs.name("step", step)
        inputs.json_value("the arguments", self.args)

    @property
    def identity(self) -> str:
        """What its idempotency key stands for: action, case, actor and every argument."""
        return identity(self.action, self.case_id, self.actor, self.args)
