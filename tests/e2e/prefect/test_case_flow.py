"""Every case runs as a Prefect flow: parallel automatic checks, waits without a process,
resumes on a decision recorded through the service, visible in Prefect with tags and artifact."""

from __future__ import annotations

import httpx
import pytest
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)

from engine.cases.service import CaseService
from flows.case_flow import SUSPENDED, artifact_key
from flows.urls import flow_run_url
from flows.wake import Waker, prefect_client, reconcile
from tests.e2e.prefect.app import release
from tests.fixtures.flow_runs import (
    CLEAN_DRIVER,
    DRINK_DRIVER,
    Served,
    application,
    calls,
    effects,
    flow_run,
    paused,
    running,
    step_status,
    wait_for,
)

pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.timeout(240)]


def test_a_case_runs_its_checks_in_parallel_waits_without_a_process_and_resumes(
    service: CaseService, served: Served
) -> None:
    case_id = service.submit("ride-hailing-test", application(CLEAN_DRIVER)).id
    wait_for("the run to wait for acceptance", lambda: paused(service, case_id))

    service.act(case_id, "accept", actor="wang")
    awake = wait_for("the run to be awake", served.descendants)
    assert all("multiprocessing.forkserver" in line for line in awake), f"spawned: {awake}"
    # In parallel: each check is held until released, so both run at once or the wait fails
    # (how long the fan-out takes is a figure of benchmarks/bench_flows.py, not a test).
    checks = {"background-check", "traffic-record-check"}
    wait_for("both checks to be running at once", lambda: running(service, case_id) == checks)
    release(service.engine, case_id)
    wait_for(
        "both checks to pass",
        lambda: all(step_status(service, case_id, s) == "approved" for s in checks),
    )
    assert len(calls(service, case_id)) == 2

    wait_for("the run to wait for the decision", lambda: paused(service, case_id))
    try:
        wait_for("its process to end", lambda: not served.descendants(), seconds=15)
    except AssertionError:
        raise AssertionError(f"still running while waiting: {served.descendants()}") from None
    waiting = paused(service, case_id)
    # A reconciliation round over the paused run whose case has not changed: run here, so it
    # has certainly happened when the run is looked at again (serve runs its own rounds too).
    waker = Waker(service.engine, clock=service.clock)
    assert reconcile(waker)["resumed"] == 0, "reconcile resumed an unchanged case"
    still = paused(service, case_id)
    assert waiting and still and waiting.state and still.state
    assert still.state.id == waiting.state.id, "reconcile resumed a run its case did not change"

    service.act(case_id, "approve", actor="chen", args={"step": "decision"})
    wait_for("the run to wait for delivery", lambda: paused(service, case_id))
    service.act(case_id, "approve", actor="wang", args={"step": "delivery"})

    run = wait_for(
        "the flow run to complete",
        lambda: (r := flow_run(service, case_id)).state and r.state.is_completed() and r,
    )
    assert service.show(case_id).status == "completed"
    assert run.name == f"case-{case_id}"
    assert {f"case:{case_id}", "workflow:ride-hailing-test"} <= set(run.tags)
    assert {"dept:public-security", "dept:traffic-police", "dept:approval-bureau"} <= set(run.tags)
    assert set(effects(service, case_id).values()) == {1}
    with prefect_client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[artifact_key(case_id)]))
        )
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
    assert artifacts and all(a.flow_run_id == run.id for a in artifacts)
    latest = max(artifacts, key=lambda a: a.created or 0)
    assert "delivery" in str(latest.data) and "approved" in str(latest.data)
    assert any(t.flow_run_id == run.id and t.name.startswith("background-check") for t in tasks)
    url = flow_run_url(service.engine, case_id)
    assert url is not None and url.endswith(f"/runs/flow-run/{run.id}")


def test_a_run_waiting_for_people_is_logged_as_information_not_an_error(
    service: CaseService,
) -> None:
    """A case's run ends Suspended each time it waits (by design): Prefect's ERROR for any
    state but Completed would tell operators in the UI that every waiting case failed."""
    case_id = service.submit("ride-hailing-test", application(CLEAN_DRIVER)).id
    run = wait_for("the run to wait for acceptance", lambda: paused(service, case_id))

    def ended_suspended() -> list[int]:
        with prefect_client() as client:
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id]))
            )
        return [log.level for log in logs if log.message.startswith(SUSPENDED)]

    assert wait_for("the run's last line to reach the Prefect API", ended_suspended) == [20]


def test_a_failed_check_is_a_rejection_for_the_leader(service: CaseService) -> None:
    case_id = service.submit("ride-hailing-test", application(DRINK_DRIVER)).id
    release(service.engine, case_id)
    service.act(case_id, "accept", actor="wang")
    wait_for(
        "the background check to be rejected",
        lambda: step_status(service, case_id, "background-check") == "rejection-pending",
    )
    negative = service.show(case_id).negatives[0]
    assert "饮酒后驾驶" in negative.reason
    service.act(case_id, "confirm-negative", actor="li", args={"negative": negative.id})
    wait_for(
        "the flow run to finish",
        lambda: (r := flow_run(service, case_id)).state and r.state.is_completed(),
    )
    assert service.show(case_id).status == "rejected"


def test_an_unreachable_connector_is_an_incident_on_the_case_and_in_prefect(
    service: CaseService,
) -> None:
    case_id = service.submit("broken-check-test", application(CLEAN_DRIVER)).id
    service.act(case_id, "accept", actor="wang")
    incidents = wait_for(
        "an incident on the case",
        lambda: [e for e in service.timeline(case_id) if e.kind == "step.incident"],
    )
    assert incidents[0].data["step"] == "background-check"
    assert "127.0.0.1:9" in incidents[0].data["message"]
    run = wait_for("the run to wait", lambda: paused(service, case_id))
    with prefect_client() as client:
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
    assert any(t.state and t.state.is_failed() for t in tasks), "the failed connector task"
    assert step_status(service, case_id, "background-check") == "active"
    service.act(case_id, "withdraw", actor="applicant")
    wait_for(
        "the withdrawn case's run to finish",
        lambda: (r := flow_run(service, case_id)).state and r.state.is_completed(),
    )


def test_the_prefect_ui_on_its_own_port_talks_to_its_own_api(prefect_api: str) -> None:
    """The case page links a flow run in the embedded server's UI: served on another port
    than 4200 (`serve --port`), the UI must still find its API there."""
    assert not prefect_api.endswith(":4200/api")  # the session's server has a free port
    settings = httpx.get(prefect_api.removesuffix("/api") + "/ui-settings", timeout=10).json()
    assert settings["api_url"] == prefect_api
