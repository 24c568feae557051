"""The draw's actions on a case (pure): draw and seal, open (解密), record findings, decline.

Each works on a `Run` like the machine's actions, so an illegal one names the case, step,
state and actor and changes nothing. The seed and nonces come from the caller's CSPRNG and
the key from its settings: the core draws no randomness and reads no environment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from engine.calendar import WorkingCalendar
from engine.cases.case import SYSTEM, Case, StepRun
from engine.cases.run import Context, Event, Run
from engine.definitions.model import DrawSpec, Step, StepKind, Workflow
from engine.draw.conflicts import Conflict, eligibility
from engine.draw.roster import Roster, pool_hash
from engine.draw.seal import bound_to, commitment, open_sealed, seal
from engine.draw.selection import NotEnoughEligible, list_hash, seed_hash, select

APPLICANT_KEYS = ("credit_code", "id_number")


@dataclass(frozen=True)
class Randomness:
    """What one round takes from the CSPRNG: the seed, the commitment's nonce, the AES nonce."""

    seed: bytes
    nonce: bytes
    aes_nonce: bytes


def applicant_ids(case: Case) -> frozenset[str]:
    """How the applicant is known for conflicts: its credit code and id number."""
    return frozenset(str(case.applicant[k]) for k in APPLICANT_KEYS if case.applicant.get(k))


def due_draws(events: list[Event], workflow: Workflow) -> list[tuple[str, str | None]]:
    """The rounds `events` call for, each (step, examiner replaced): the first round of an
    inspection with a draw they made active, one round for each examiner who declined. The
    engine draws them."""
    due: list[tuple[str, str | None]] = []
    for e in events:
        if e.kind == "step.activated" and workflow.step(e.data["step"]).draw is not None:
            due.append((e.data["step"], None))
        elif e.kind == "draw.declined":
            due.append((e.data["step"], e.data["examiner"]))
    return due


def opening_time(spec: DrawSpec, calendar: WorkingCalendar, now: dt.datetime) -> dt.datetime:
    """The scheduled inspection: the start of business `opens_after` working days after the
    draw's day (0: that day, or the next working day)."""
    day = calendar.add_working_days(calendar.local(now).date(), spec.opens_after)
    return calendar.start_of_business(day)


def draw_state(run: StepRun) -> dict[str, Any]:
    state: dict[str, Any] = run.result.setdefault(
        "draw", {"rounds": [], "declined": {}, "findings": {}}
    )
    return state


def examiners(run: StepRun) -> list[str]:
    """The examiners of the step now: drawn in opened rounds, less those who declined."""
    state = draw_state(run)
    drawn = [i for r in state["rounds"] if r.get("opened") for i in r["opened"]["drawn"]]
    return [i for i in drawn if i not in state["declined"]]


def _inspection(run: Run) -> tuple[Step, StepRun]:
    step_run = run.step_run()
    step = run.ctx.workflow.step(step_run.step_id)
    if step.kind is not StepKind.INSPECTION or step.draw is None:
        raise run.refuse("the step is not an inspection with a draw", step=step.id)
    return step, step_run


def draw(
    case: Case,
    ctx: Context,
    *,
    roster: Roster,
    roster_seq: int,
    randomness: Randomness,
    key: bytes,
    opens_at: dt.datetime | None = None,
    replacing: str | None = None,
    last_drawn: frozenset[str] = frozenset(),
) -> tuple[Case, list[Event]]:
    """抽取: fix the eligible list and log its hash with the roster's (`roster` as its audited
    log's first `roster_seq` changes made it), commit the seed's hash, select, seal the result
    and log its commitment. The engine draws when the step becomes active (as the system); a
    head draws again after a failed draw. A round after the first replaces a declined examiner.
    `opens_at`: the scheduled inspection (default: the step's `opens_after`). `last_drawn`:
    the pool's previous draw (no two of it drawn together again).
    Too few eligible: an incident naming why, and nothing drawn."""
    work = case.copy()
    run = Run(work, "draw", ctx)
    step, step_run = _inspection(run)
    assert step.draw is not None
    if ctx.actor.role != SYSTEM:
        run.need_role(("head",), step.department, step=step.id)
    state = draw_state(step_run)
    rounds = state["rounds"]
    if replacing is None:
        if rounds:
            raise run.refuse("the examiners are already drawn (a re-draw replaces a declined one)")
        opens_at = opens_at or opening_time(step.draw, ctx.calendar, ctx.now)
        state["opens_at"] = opens_at.isoformat()
        failed = state.get("failed", 0)
        count = step.draw.count
        reason = f"第{failed + 1}次抽取（前次可抽取审查员不足）" if failed else "首次抽取"
    else:
        if replacing not in state["declined"]:
            raise run.refuse(f"examiner {replacing!r} has not declined")
        count, reason = 1, f"替换回避/退出的审查员：{state['declined'][replacing]}"
    used = frozenset(examiners(step_run)) | frozenset(state["declined"])
    pool = roster.pool(step.draw.pool)
    today = ctx.calendar.local(ctx.now).date()
    split = eligibility(
        pool,
        applicant_ids=applicant_ids(work),
        today=today,
        recent_within_months=step.draw.recent_months,
        rules=frozenset(step.draw.exclude),
        unavailable=used,
    )
    number = len(rounds) + 1
    run.emit(
        "draw.eligible",
        step=step.id,
        round=number,
        reason=reason,
        pool=step.draw.pool,
        roster_seq=roster_seq,
        roster_hash=pool_hash(pool),
        on=today.isoformat(),
        rules=sorted(step.draw.exclude),
        recent_months=step.draw.recent_months,
        eligible_hash=list_hash(split.eligible),
        eligible_count=len(split.eligible),
        excluded=split.excluded,
    )
    if Conflict.REPEAT_PAIR not in step.draw.exclude:
        last_drawn = frozenset()
    try:
        drawn = select(randomness.seed, split.eligible, count, last_drawn=last_drawn)
    except NotEnoughEligible as exc:
        if replacing is None:
            state["failed"] = state.get("failed", 0) + 1
            state.pop("opens_at", None)
        run.emit(
            "step.incident",
            step=step.id,
            attempt=step_run.attempt,
            message=f"抽取失败：可抽取审查员不足（{exc}）；回避名单：{len(split.excluded)}人",
            at=ctx.now.isoformat(),
        )
        return work, run.events
    run.emit("draw.seed", step=step.id, round=number, seed_hash=seed_hash(randomness.seed))
    sealed = seal(
        key,
        {
            "eligible": list(split.eligible),
            "seed": randomness.seed.hex(),
            "drawn": list(drawn),
            "nonce": randomness.nonce.hex(),
            "last_drawn": sorted(last_drawn),
            "unavailable": sorted(used),
        },
        aad=bound_to(work.id, step.id, number),
        nonce=randomness.aes_nonce,
    )
    sealed_commitment = commitment(drawn, randomness.nonce)
    rounds.append(
        {
            "number": number,
            "count": count,
            "reason": reason,
            "eligible_hash": list_hash(split.eligible),
            "seed_hash": seed_hash(randomness.seed),
            "commitment": sealed_commitment,
            "sealed": sealed,
            "opened": None,
        }
    )
    run.emit(
        "draw.sealed",
        step=step.id,
        round=number,
        pool=step.draw.pool,
        commitment=sealed_commitment,
        count=count,
    )
    return work, run.events


def open_rounds(case: Case, ctx: Context, *, key: bytes) -> tuple[Case, list[Event]]:
    """解密: only the step's authorised role, only from the scheduled inspection time; each
    round opened is an audited event carrying what `draw verify` needs."""
    work = case.copy()
    run = Run(work, "open-draw", ctx)
    step, step_run = _inspection(run)
    assert step.draw is not None
    run.need_role((step.draw.opener,), step.department, step=step.id)
    state = draw_state(step_run)
    closed = [r for r in state["rounds"] if not r.get("opened")]
    if not closed:
        raise run.refuse("no sealed draw to open")
    opens_at = dt.datetime.fromisoformat(state["opens_at"])
    if ctx.now < opens_at:
        shown = ctx.calendar.local(opens_at).isoformat(timespec="minutes")
        raise run.refuse(f"the draw opens at the scheduled inspection time, {shown}")
    for record in closed:
        opened = open_sealed(
            key, record["sealed"], aad=bound_to(work.id, step.id, record["number"])
        )
        record["opened"] = {**opened, "by": ctx.actor.name, "at": ctx.now.isoformat()}
        run.emit(
            "draw.opened",
            step=step.id,
            round=record["number"],
            drawn=opened["drawn"],
            seed=opened["seed"],
            nonce=opened["nonce"],
        )
    return work, run.events


def record_finding(case: Case, ctx: Context) -> tuple[Case, list[Event]]:
    """A drawn examiner records findings; the step is done when every examiner has."""
    work = case.copy()
    run = Run(work, "record-finding", ctx)
    step, step_run = _inspection(run)
    present = examiners(step_run)
    name = ctx.actor.name
    if name not in present:
        raise run.refuse(
            "only an examiner drawn and opened for this inspection records findings", who=True
        )
    state = draw_state(step_run)
    if name in state["findings"]:
        raise run.refuse("this examiner has already recorded findings")
    text = run.arg("comment")
    state["findings"][name] = {"text": text, "at": ctx.now.isoformat()}
    run.emit("draw.finding", step=step.id, examiner=name, text=text)
    if all(i in state["findings"] for i in present) and len(present) >= (
        step.draw.count if step.draw else 2
    ):
        run.finish_step(step_run, step)
    return work, run.events


def decline(case: Case, ctx: Context) -> tuple[Case, list[Event]]:
    """An examiner cannot go (sick, a conflict found late, 回避): the examiner withdraws, or
    the authorised role records it for them, with the reason; the engine then draws a
    replacement (`due_draws`)."""
    work = case.copy()
    run = Run(work, "decline-examiner", ctx)
    step, step_run = _inspection(run)
    assert step.draw is not None
    who, reason = run.arg("examiner"), run.arg("reason")
    if who != ctx.actor.name:
        run.need_role((step.draw.opener,), step.department, step=step.id)
    elif who not in examiners(step_run):
        raise run.refuse(
            "only an examiner drawn and opened for this inspection withdraws", who=True
        )
    state = draw_state(step_run)
    if who not in examiners(step_run):
        raise run.refuse(f"{who!r} is not an opened examiner of this inspection")
    if who in state["findings"]:
        raise run.refuse(f"{who!r} has already recorded findings")
    state["declined"][who] = reason
    run.emit("draw.declined", step=step.id, examiner=who, reason=reason)
    return work, run.events
