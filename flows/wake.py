"""Starting and waking the cases' flow runs, and catching up on what a crash left behind.

`FlowWaker` is the case service's after-commit hook: the first command of a case starts its
flow run; a later one resumes the run if it is paused (a run that is not paused is awake and
reads the decision itself). A hook that cannot reach Prefect only logs: `reconcile`, run by
`onething serve` at start and every few seconds (a safety net: the API's own commits wake
their runs at once, through `wake_changed`), starts the runs that are missing, resumes the
paused runs whose case has changed since they paused, and reschedules crashed ones.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import SimpleQueue
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from prefect.states import Scheduled
from sqlmodel import Session, col, select

from engine.cases.automatic import fingerprint
from engine.cases.case import Case
from engine.cases.service import CaseService, chained
from engine.cases.state import CLOSED_CASE
from engine.cases.tables import CaseRow
from engine.views.cases import CaseView
from flows import tables
from flows.case_flow import DEPLOYMENT, waiting_on
from flows.urls import api_url

log = logging.getLogger("onething.flows")
PAGE = 200


@contextmanager
def prefect_client(*, retries: int | None = None) -> Iterator[SyncPrefectClient]:
    """A client of the configured server (never a temporary one started on the side)."""
    updates: dict[Any, Any] = {PREFECT_API_URL: api_url()}
    if retries is not None:
        updates[PREFECT_CLIENT_MAX_RETRIES] = retries
    with temporary_settings(updates=updates), get_client(sync_client=True) as client:
        yield client


def case_tags(case_id: str, workflow: str, departments: set[str]) -> list[str]:
    return [f"case:{case_id}", f"workflow:{workflow}", *sorted(f"dept:{d}" for d in departments)]


class Waker:
    """Starts and resumes case flow runs through one deployment."""

    def __init__(
        self,
        database: sa.Engine,
        *,
        clock: Callable[[], dt.datetime],
        deployment: str = DEPLOYMENT,
    ):
        self.database, self.clock, self.deployment = database, clock, deployment
        self._deployment_id: UUID | None = None

    def deployment_id(self, client: SyncPrefectClient) -> UUID:
        if self._deployment_id is None:
            self._deployment_id = client.read_deployment_by_name(self.deployment).id
        return self._deployment_id

    def start(
        self, client: SyncPrefectClient, case_id: str, workflow: str, departments: set[str]
    ) -> UUID:
        """Create the case's flow run (idempotent: the same case gets the same run)."""
        run = client.create_flow_run_from_deployment(
            self.deployment_id(client),
            parameters={"case_id": case_id},
            name=f"case-{case_id}",
            tags=case_tags(case_id, workflow, departments),
            idempotency_key=f"case-{case_id}",
        )
        tables.remember(self.database, case_id, str(run.id), at=self.clock())
        return run.id

    def resume(self, client: SyncPrefectClient, run: FlowRun, *, reason: str) -> bool:
        """Resume `run` if it is paused; False if it was not (it is awake, or already resumed)."""
        if run.state is None or not run.state.is_paused():
            return False
        result = client.resume_flow_run(run.id, run_input={"reason": reason})
        return result.status.value == "ACCEPT"


class FlowWaker(Waker):
    """The after-commit hook of the API's and the CLI's case service."""

    def __call__(self, view: CaseView) -> None:
        try:
            with prefect_client(retries=1) as client:
                self.wake(client, view)
        except Exception as exc:  # after the commit: never undo a decision; reconcile catches up
            log.warning("case %s: could not wake its flow run (%s)", view.id, exc)

    def wake(self, client: SyncPrefectClient, view: CaseView) -> None:
        case_id = view.id
        run_id = tables.flow_run_of(self.database, case_id)
        if run_id is None:
            if view.status not in CLOSED_CASE:
                departments = {step.department for step in view.steps}
                self.start(client, case_id, view.workflow, departments)
            return
        self.resume(client, client.read_flow_run(UUID(run_id)), reason="decision")


def wake_changed(changed: SimpleQueue[CaseView | None], waker: FlowWaker) -> None:
    """Wake the flow run of each case `changed` names, as they come, until a None: what has
    queued up meanwhile is woken once a case (its latest view)."""
    while (first := changed.get()) is not None:
        latest = {first.id: first}
        while not changed.empty():
            view = changed.get()
            if view is None:
                changed.put(None)  # the end, after these
                break
            latest[view.id] = view
        for view in latest.values():
            waker(view)


def waking(service: CaseService) -> CaseService:
    """`service`, but its commits also start and resume the cases' flow runs (for the API's
    and the CLI's side; the flows themselves are awake and need no waking)."""
    return service.derived(
        after_commit=chained(service.after_commit, FlowWaker(service.engine, clock=service.clock))
    )


def _runs(client: SyncPrefectClient, deployment_id: UUID, states: list[StateType]) -> list[FlowRun]:
    found: list[FlowRun] = []
    while True:
        page = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=states))
            ),
            limit=PAGE,
            offset=len(found),
        )
        found.extend(page)
        if len(page) < PAGE:
            return found


def reconcile(waker: Waker, *, reclaim: bool = False) -> dict[str, int]:
    """Bring Prefect in line with the database; returns what it did.

    `reclaim` also reschedules runs left RUNNING or PENDING: right only when no other process
    can be running them (`onething serve` at its start, with its own server).
    """
    done = {"started": 0, "resumed": 0, "rescheduled": 0}
    with prefect_client() as client:
        try:
            deployment_id = waker.deployment_id(client)
        except ObjectNotFound:
            log.warning("no deployment %s yet: start `onething serve`", waker.deployment)
            return done
        # Prefect first, then the database: a case read after the pause it is compared with
        # can only be as new as what the run waits on or newer, so an unchanged case is never
        # mistaken for a changed one (a snapshot read before a run paused would be).
        paused = _runs(client, deployment_id, [StateType.PAUSED])
        stuck = [StateType.CRASHED]
        if reclaim:
            stuck += [StateType.RUNNING, StateType.PENDING]
        crashed = _runs(client, deployment_id, stuck)
        with Session(waker.database) as session:
            open_cases = {
                row[0]: row[1]
                for row in session.execute(
                    select(CaseRow.id, CaseRow.snapshot).where(
                        col(CaseRow.status).not_in([s.value for s in CLOSED_CASE])
                    )
                )
            }
            known = {
                row[0]: row[1]
                for row in session.execute(
                    select(tables.CaseFlowRun.case_id, tables.CaseFlowRun.flow_run_id)
                )
            }
        for case_id, snapshot in open_cases.items():
            if case_id not in known:
                case = Case.from_json(snapshot)
                departments = {run.department for run in case.steps.values()}
                waker.start(client, case_id, case.workflow_id, departments)
                done["started"] += 1
        by_run = {run_id: case_id for case_id, run_id in known.items()}
        for run in paused:
            case_id = by_run.get(str(run.id))
            if case_id is None:
                continue
            waits_on = waiting_on(run.state.state_details.pause_key if run.state else None)
            # The flow's own digest, of the decoded case: the snapshot's bytes are not canonical.
            snapshot = open_cases.get(case_id)
            current = fingerprint(Case.from_json(snapshot)) if snapshot else "closed"
            if waits_on != current and waker.resume(client, run, reason="reconcile"):
                done["resumed"] += 1
        for run in crashed:
            if str(run.id) in by_run:
                client.set_flow_run_state(run.id, Scheduled(), force=True)
                done["rescheduled"] += 1
    return done
