"""The case machine: every action on a case, as a pure function of (case, definition, now).

`act(case, action, ctx)` checks the actor's role and department, the case's and the step's
state, applies the move and returns the events it caused. An illegal action raises
`IllegalAction` before anything changes (the machine works on a copy the caller discards).
The actions live by subject: `intake`, `corrections`, `signing`, `negatives`, `time_limits`,
`lifecycle`.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.cases import (
    case_clocks,
    corrections,
    deeming,
    intake,
    lifecycle,
    negatives,
    sharing,
    signing,
    time_limits,
)
from engine.cases.case import Case
from engine.cases.intake import submit
from engine.cases.run import Context, Event, Run

__all__ = ["ACTIONS", "ARGUMENTS", "SYSTEM_ACTIONS", "Context", "Event", "act", "submit"]

# the arguments actions read from `Context.args`
ARGUMENTS = frozenset(
    {"step", "reason", "days", "items", "materials", "negative", "to", "legal_basis", "facts"}
    | {"comment", "kind", "result", "complete", "document"}
)

ACTIONS: dict[str, Callable[[Run], None]] = {
    "accept": intake.accept,
    "deem-accepted": deeming.deem_accepted,
    "refuse": negatives.refuse,
    "approve": signing.approve,
    "reject": signing.reject,
    "confirm-negative": lambda run: negatives.decide_negative(run, confirm=True),
    "overturn-negative": lambda run: negatives.decide_negative(run, confirm=False),
    "return-for-correction": corrections.return_for_correction,
    "issue-correction": corrections.issue_correction,
    "supplement": intake.supplement,
    "verify-material": sharing.verify_material,
    "suspend": time_limits.suspend,
    "resume": time_limits.resume,
    "extend": time_limits.extend,
    "transfer": signing.transfer,
    "withdraw": lifecycle.withdraw,
    "terminate": lifecycle.terminate,
    "expire-deferrals": lifecycle.expire_deferrals,
}

# the engine's own actions (the sweep applies them as the system): no user may attempt them
SYSTEM_ACTIONS = frozenset({"deem-accepted", "expire-deferrals"})

# actions on the whole case: a step named with one is a mistake, not a detail to ignore
CASE_ACTIONS = frozenset(
    {"accept", "refuse", "supplement", "withdraw", "terminate", "issue-correction"}
    | {"verify-material"}
    | SYSTEM_ACTIONS
)


def act(case: Case, action: str, ctx: Context) -> tuple[Case, list[Event]]:
    """Apply `action` to a copy of `case`; the original is untouched if it is illegal."""
    work = case.copy()
    run = Run(work, action, ctx)
    handler = ACTIONS.get(action)
    if handler is None:
        raise run.refuse(f"unknown action (known: {', '.join(sorted(ACTIONS))})")
    if action in CASE_ACTIONS and ctx.args.get("step"):
        raise run.refuse(f"{action} acts on the whole case: name no step (`-` on the command line)")
    if work.status.closed and action not in ("confirm-negative", "overturn-negative"):
        raise run.refuse("the case is closed")
    handler(run)
    corrections.settle(run)
    case_clocks.settle(run)
    return work, run.events
