"""Errors of the case engine: each names the case, the step, the state and the actor."""

from __future__ import annotations

from engine.errors import OnethingError


class IllegalAction(OnethingError):
    """An action the rules do not allow now; nothing was changed."""

    def __init__(
        self,
        reason: str,
        *,
        case: str,
        action: str,
        actor: str,
        state: str,
        step: str | None = None,
    ):
        self.reason, self.case, self.action, self.actor = reason, case, action, actor
        self.state, self.step = state, step
        where = f"case {case}" + (f" step {step!r}" if step else "")
        super().__init__(f"{where} is {state}: {actor} cannot {action}: {reason}")


class Conflict(IllegalAction):
    """Another action changed the case first (two officers at the same moment)."""


class NotPermitted(IllegalAction):
    """The actor's role or department may not take this action on this case or step."""


class Transferred(IllegalAction):
    """The step was transferred (转办) to another officer, who alone may act on it now."""


class MissingArgument(IllegalAction):
    """The action needs an argument not given (a rejection's reason, a leader's reason)."""


class PreconditionFailed(OnethingError):
    """The case is no longer at the revision the caller read (`If-Match`); nothing changed."""

    def __init__(self, case: str, *, expected: int, actual: int):
        self.case, self.expected, self.actual = case, expected, actual
        super().__init__(
            f"case {case} is at revision {actual}, not {expected}: read it again and decide "
            "on what it is now"
        )
