"""Automatic steps (自动核验): which are ready, what their connector is asked, what its answer does.

Pure: the case flow asks `ready_jobs` what to run, sends `request_for` to the connector and
turns the answer into a command with `completion`. The idempotency key `case:step:attempt`
travels with the request, so a re-run after a crash or a resume never applies a result twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from engine.cases.case import SYSTEM, Case, MaterialStatus
from engine.cases.errors import IllegalAction
from engine.cases.run import Event
from engine.cases.state import CaseStatus, StepStatus
from engine.definitions.model import AUTOMATIC_KINDS, Connector, Step, Workflow


@dataclass(frozen=True)
class AutomaticJob:
    """One run of one automatic step: attempt `attempt` of `step_id`, by `connector`."""

    case_id: str
    step_id: str
    attempt: int
    connector: Connector

    @property
    def key(self) -> str:
        return f"{self.case_id}:{self.step_id}:{self.attempt}"

    def result_key(self, action: str) -> str:
        """The idempotency key of recording the connector's answer as `action`: a retry with
        the same answer replays the first result; another answer (after a crash) is a new
        command, judged on the step as it stands — already decided, so refused."""
        return f"{self.key}:{action}"


def is_automatic(step: Step) -> bool:
    """A step its connector completes: a check or external result, with no human signers."""
    return step.kind in AUTOMATIC_KINDS and step.connector is not None and step.signers is None


def ready_jobs(case: Case, workflow: Workflow) -> list[AutomaticJob]:
    """The automatic steps the case is waiting on now, in definition order."""
    if case.status is not CaseStatus.IN_PROGRESS:
        return []
    jobs = []
    for step in workflow.steps:
        run = case.steps.get(step.id)
        if run and run.status is StepStatus.ACTIVE and is_automatic(step):
            assert step.connector is not None
            jobs.append(AutomaticJob(case.id, step.id, run.attempt, step.connector))
    return jobs


def request_for(case: Case, job: AutomaticJob, *, now: dt.datetime) -> dict[str, Any]:
    """What the connector receives: the application from the material pool, never asked again,
    and the moment it is asked (`asked_at`: a connector reads no clock of its own)."""
    return {
        "key": job.key,
        "asked_at": now.isoformat(),
        "case": case.id,
        "workflow": case.workflow_id,
        "step": job.step_id,
        "attempt": job.attempt,
        "submitted_at": case.submitted_at.isoformat(),
        "applicant": dict(case.applicant),
        "fields": dict(case.fields),
        "materials": {
            material_id: state.reference
            for material_id, state in case.materials.items()
            if state.status in (MaterialStatus.SUPPLIED, MaterialStatus.COMMITTED)
        },
    }


def completion(job: AutomaticJob, result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The command a connector's answer makes: approve on `ok`, else reject with its findings.

    A failed check registers a negative decision for the leader (否定事项报备), as any rejection.
    """
    if result.get("ok"):
        return "approve", {"step": job.step_id, "result": result, "comment": "connector: ok"}
    findings = [str(f) for f in result.get("findings") or []]
    reason = "；".join(findings) or f"check {job.step_id} failed"
    return "reject", {"step": job.step_id, "reason": reason, "result": result}


def fingerprint(case: Case) -> str:
    """A short digest of the case's state: it changes whenever a command changes the case,
    and a case read back from its snapshot has the same one."""
    return hashlib.sha256(case.to_json()).hexdigest()[:16]


def incident(case: Case, step_id: str, message: str, *, now: dt.datetime) -> list[Event]:
    """An automatic step's connector kept failing: the event that puts it on the case's record.

    The step stays active (an operator fixes the connector; the flow tries again when woken).
    """
    run = case.steps.get(step_id)
    if run is None or run.status is not StepStatus.ACTIVE:
        state = f"{case.status.value}, step {run.status.value}" if run else case.status.value
        raise IllegalAction(
            "an incident is reported on an active automatic step",
            case=case.id,
            action="report-incident",
            actor=SYSTEM,
            state=state,
            step=step_id,
        )
    return [
        Event(
            "step.incident",
            {"step": step_id, "attempt": run.attempt, "message": message, "at": now.isoformat()},
        )
    ]
