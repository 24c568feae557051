"""`onething serve --demo`: living cases for the service, at dates relative to today — one on
time, one turning yellow, one red, one whose refusal waits for the leader (否定事项报备), one
waiting on the applicant's correction (补正), and one case of each other combined service —
the licence library's story (an enterprise's licence read, another's revoked one asked for)
and one user per role, whose tokens are printed once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

from engine.access.accounts import Accounts
from engine.bootstrap import definitions_root
from engine.cases.service import CaseService
from engine.connectors.registry import seed
from engine.demo.library import Officers, tell_library_story, working_days_ago
from engine.demo.samples import register_workflows
from engine.escalation.sweep import Supervision
from engine.licences.sources import seed as seed_registries

DEMO_WORKFLOW = "utility-external-works"
# (sample, accepted: now, a number of working days ago, or "last day" — its reviews' 10 working
# days end at the next close of business; steps finished that day besides the window's same-day
# intake): utility works on time (its one-day reviews turn yellow at once), work permits with
# their 10 working days all ahead (green), on their last day (yellow) and past the promised 12
# (red) — their 2-day exit-entry pre-review done — and a ride-hailing one
PRE_REVIEW = ("exit-entry-pre-review",)
LAST_DAY, PERMIT_REVIEW_DAYS = "last day", 10
LIVING: tuple[tuple[str, int | str | None, tuple[str, ...]], ...] = (
    ("utility-external-works", None, ()),
    ("foreign-work-permit-exit-entry", None, ()),
    ("foreign-work-permit-exit-entry", LAST_DAY, PRE_REVIEW),
    ("foreign-work-permit-exit-entry", 13, PRE_REVIEW),
    ("ride-hailing-dual-licence", None, ()),
)
# one user per role: name → (role, department)
USERS: dict[str, tuple[str, str | None]] = {
    "demo-window": ("window", "approval-bureau"),
    "demo-reviewer": ("reviewer", "municipal"),
    "demo-head": ("head", "approval-bureau"),
    "demo-registrar": ("reviewer", "approval-bureau"),  # the market section's examiner
    "demo-exit-entry": ("reviewer", "exit-entry"),  # the exit-entry bureau's pre-review
    "demo-leader": ("leader", "approval-bureau"),
    "demo-supervisor": ("supervisor", "supervision"),
    "demo-admin": ("admin", "approval-bureau"),
    "demo-operator": ("operator", None),
    "demo-portal": ("portal", None),
}
OPERATOR = "demo-operator"
MAX_SWEEPS = 500  # a bound on the sweeps as of the past, each firing one moment's levels
OFFICERS = {"approval-bureau": "demo-window", "exit-entry": "demo-exit-entry"}  # who finishes


@dataclass(frozen=True)
class Seeded:
    """What a demo start did: the tokens it printed once, the cases it created, and the demo
    users an earlier start made (their tokens still hold: only hashes are stored, so they
    cannot be shown again)."""

    tokens: dict[str, str]
    cases: list[str]
    kept: list[str]

    def lines(self, url: str) -> list[str]:
        """What `serve --demo` prints about the demo users at `url`."""
        said = [f"  {name:16s} token {token}" for name, token in self.tokens.items()]
        if self.kept:
            said.append(
                f"demo users from the first start ({', '.join(self.kept)}) keep the tokens"
                " printed then (only their hashes are stored, so they cannot be shown again);"
                f" for a new one: onething users rotate-token {OPERATOR}"
            )
        if OPERATOR in self.tokens:
            said.append(
                f'try: curl -H "Authorization: Bearer {self.tokens[OPERATOR]}" {url}/api/v1/cases'
                " (tokens are shown once: only their hashes are stored)"
            )
        return said


def seed_living(
    supervision: Supervision, accounts: Accounts, *, echo: Callable[[str], None]
) -> Seeded:
    """Seed once per data directory; a second start keeps the demo users and their tokens
    (an operator's token must not stop because the service restarted). The cases seeded in
    the past are supervised as they went: each level fires as of the moment it fell due."""
    service = supervision.cases
    kept = sorted(set(USERS) & accounts.names())
    if len(kept) == len(USERS):
        return Seeded({}, [], kept)
    register_workflows(service, echo)
    seed(service.engine, definitions=definitions_root())
    seed_registries(service.engine, definitions=definitions_root())
    tokens = {
        name: accounts.add(name, role=role, department=department)
        for name, (role, department) in USERS.items()
        if name not in kept
    }
    officers = Officers(window="demo-window", reviewer="demo-registrar", head="demo-head")
    story = tell_library_story(service, officers, echo=echo)
    now = service.clock()

    def at(accepted: int | str | None, workflow_id: str) -> CaseService:
        """The service as of 09:30 of the working day `accepted` says (None: now) on the
        workflow's calendar."""
        if accepted is None:
            return service
        calendar = service.calendars.get(service.workflows(workflow_id, None).calendar)
        if accepted == LAST_DAY:  # the next close of business ends the permit's review
            local = calendar.local(now)
            last = calendar.next_working_day(local.date())
            if calendar.is_after_hours(local) and last == local.date():
                last = calendar.add_working_days(last, 1)
            day = working_days_ago(calendar, last, PERMIT_REVIEW_DAYS)
        else:
            day = working_days_ago(calendar, calendar.local(now).date(), int(accepted))
        past = min(now, calendar.local(dt.datetime.combine(day, dt.time(9, 30))))
        return service.derived(clock=lambda: past)

    cases = []
    for sample, accepted, done in LIVING:
        workflow_id = str(json.loads(_text(sample))["workflow"])
        then = at(accepted, workflow_id)
        case_id = then.submit(workflow_id, _sample(sample)).id
        then.act(case_id, "accept", actor="demo-window")
        workflow = then.workflows(workflow_id, None)
        intake = [step.id for step in workflow.steps if step.kind == "intake"]
        for step in [*intake, *done]:
            department = next(s.department for s in workflow.steps if s.id == step)
            then.act(case_id, "approve", actor=OFFICERS[department], args={"step": step})
        cases.append(case_id)
    refused = service.submit(DEMO_WORKFLOW, _sample(DEMO_WORKFLOW)).id
    reason = {"reason": "申请材料与现场不符", "legal_basis": "《行政许可法》第三十二条"}
    service.act(refused, "refuse", actor="demo-window", args=reason)
    corrected = service.submit(DEMO_WORKFLOW, _sample(DEMO_WORKFLOW)).id
    service.act(corrected, "accept", actor="demo-window")
    service.act(
        corrected,
        "return-for-correction",
        actor="demo-reviewer",
        args={"step": "road-digging", "items": ["traffic-plan"], "reason": "交通组织方案不清晰"},
    )
    service.act(corrected, "issue-correction", actor="demo-window")  # the one notice goes out
    cases += [refused, corrected, story.accepted.id, story.asked.id]
    fired = supervised_as_it_went(supervision, cases, now)
    echo(f"demo: {len(cases)} living cases, {fired} supervision levels fired, {len(tokens)} users")
    return Seeded(tokens, cases, kept)


def supervised_as_it_went(supervision: Supervision, cases: list[str], now: dt.datetime) -> int:
    """Fire the levels of `cases` due by `now`, each as of the moment it fell due — as a sweep
    running all along would have — rather than all at the first sweep, each told as late
    (补发, after downtime). The number fired."""
    fired = 0
    for _ in range(MAX_SWEEPS):
        due = supervision.sweep(at=now, dry_run=True, cases=cases).fired
        if not due:
            break
        fired += len(supervision.sweep(at=min(f.scheduled_at for f in due), cases=cases).fired)
    return fired


def _text(sample: str) -> str:
    return (definitions_root() / "samples" / f"{sample}.json").read_text(encoding="utf-8")


def _sample(sample: str) -> dict[str, object]:
    found = json.loads(_text(sample))
    return {k: found[k] for k in ("applicant", "fields", "materials")}
