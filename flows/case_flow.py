"""One Prefect flow run per case (`case-<id>`): run the ready automatic steps, wait for people.

Thin (Temporal's split): the case engine decides everything; the flow reads the case, runs the
ready automatic steps as concurrent tasks (connector I/O retried with backoff), and suspends
while the case waits for human decisions, so a waiting case holds no process. A resume re-runs
the flow from the top; every effect is keyed `case:step:attempt`, so none happens twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.flow_runs import asuspend_flow_run
from prefect.input import RunInput
from prefect.tasks import exponential_backoff

from engine import bootstrap
from engine.cases.automatic import AutomaticJob, completion, fingerprint, ready_jobs, request_for
from engine.cases.case import SYSTEM, Case
from engine.cases.errors import IllegalAction
from engine.cases.service import CaseService
from engine.connectors import runner
from engine.settings import Settings
from engine.views.cases import CaseView

FLOW_NAME = "case"
DEPLOYMENT_NAME = "cases"
DEPLOYMENT = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"


class _WaitingIsNoError(logging.Filter):
    """Prefect logs a flow run that ends in any state but Completed at ERROR, and a case's run
    ends Suspended whenever the case waits for people — by design, many times a case. That line
    is told at INFO (on the console and in the Prefect UI), so that ERROR means a failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and str(record.msg).startswith(SUSPENDED):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


SUSPENDED = "Finished in state Suspended"
logging.getLogger("prefect.flow_runs").addFilter(_WaitingIsNoError())


class Wake(RunInput):
    """What resumes a waiting case's run; the decision itself is already in the database."""

    reason: str = "decision"


def wait_key(case_fingerprint: str, n: int) -> str:
    """The pause key of the `n`-th wait on one state of the case (see `waiting_on`)."""
    return f"wait-{case_fingerprint}-{n}"


def waiting_on(pause_key: str | None) -> str | None:
    """The case fingerprint a paused run waits on, from its pause key."""
    parts = (pause_key or "").split("-")
    return parts[1] if len(parts) == 3 and parts[0] == "wait" else None


def artifact_key(case_id: str) -> str:
    return "case-" + re.sub(r"[^a-z0-9-]+", "-", case_id.lower())


def step_rows(view: CaseView) -> list[dict[str, Any]]:
    """The case's steps as table rows: status, due time with its offset, remaining working
    days (a closed step has no clock: those cells stay empty)."""
    return [
        {
            "step": step.id,
            "department": step.department,
            "status": step.status.value,
            "attempt": step.attempt,
            "due": step.clock.due.isoformat(timespec="minutes") if step.clock else "",
            "remaining_working_days": step.clock.remaining_working_days if step.clock else "",
            "overdue": step.clock.overdue if step.clock else "",
        }
        for step in view.steps
    ]


@task(name="connector", cache_policy=NO_CACHE)
async def call_connector(
    job: AutomaticJob, request: dict[str, Any], service: CaseService, timeout: float
) -> dict[str, Any]:
    """Ask the step's connector (I/O: retried with backoff by the task's options)."""
    return await runner.call(job.connector, request, database=service.engine, timeout=timeout)


@task(name="complete", cache_policy=NO_CACHE)
async def complete_step(
    job: AutomaticJob, result: dict[str, Any], service: CaseService
) -> str | None:
    """Record the connector's answer on the case, once per `case:step:attempt`."""
    action, args = completion(job, result)
    try:
        view = await asyncio.to_thread(
            service.act, job.case_id, action, actor=SYSTEM, args=args, key=job.result_key(action)
        )
    except IllegalAction as exc:  # the case moved on meanwhile (withdrawn, terminated …)
        get_run_logger().warning("not applied: %s", exc)
        return None
    return view.status.value


async def run_job(service: CaseService, case: Case, job: AutomaticJob, settings: Settings) -> None:
    """One automatic step: its connector, then its result; an incident if the connector fails."""
    connector = call_connector.with_options(
        name=f"connector {job.step_id}",
        task_run_name=f"{job.step_id} #{job.attempt}",
        retries=settings.connector_retries,
        retry_delay_seconds=exponential_backoff(settings.connector_backoff)(
            settings.connector_retries
        )
        if settings.connector_retries
        else 0,
    )
    state = await connector(  # type: ignore[misc]  # an async task's state is awaited
        job,
        request_for(case, job, now=service.clock()),
        service,
        settings.connector_timeout,
        return_state=True,
    )
    if not state.is_completed():
        error = await state.aresult(raise_on_failure=False)
        message = (
            f"connector {job.connector} failed after {settings.connector_retries} retries: {error}"
        )
        get_run_logger().error("case %s step %s: %s", case.id, job.step_id, message)
        try:
            await asyncio.to_thread(service.record_incident, case.id, job.step_id, message)
        except IllegalAction as exc:  # the step ended meanwhile: nothing left to report on
            get_run_logger().warning("incident not recorded: %s", exc)
        return
    result = await state.aresult()
    await complete_step.with_options(task_run_name=f"complete {job.step_id} #{job.attempt}")(
        job, result, service
    )


async def publish(service: CaseService, case_id: str) -> None:
    view = await asyncio.to_thread(service.show, case_id)
    await acreate_table_artifact(
        table=step_rows(view),
        key=artifact_key(case_id),
        description=f"Case {case_id} ({view.workflow} v{view.version}): {view.status.value}",
    )


@flow(name=FLOW_NAME, flow_run_name="case-{case_id}", log_prints=True)
async def case_flow(case_id: str) -> str:
    """Drive case `case_id` until it closes; returns its final status."""
    service = await asyncio.to_thread(bootstrap.case_service)
    settings = bootstrap.settings()
    tried: set[str] = set()  # keys run in this execution; a failed one waits for the next wake
    waits: dict[str, int] = {}
    published = None
    while True:
        case = await asyncio.to_thread(service.load, case_id)
        state = fingerprint(case)
        if state != published:
            await publish(service, case_id)
            published = state
        if case.status.closed:
            return case.status.value
        workflow = service.workflows(case.workflow_id, case.workflow_version)
        jobs = [job for job in ready_jobs(case, workflow) if job.key not in tried]
        if jobs:
            tried.update(job.key for job in jobs)
            await asyncio.gather(*(run_job(service, case, job, settings) for job in jobs))
            continue
        # A used key returns at once (that wait is over): count on to the first unused one.
        n = waits.get(state, 0)
        waits[state] = n + 1
        await asuspend_flow_run(wait_for_input=Wake, key=wait_key(state, n))
