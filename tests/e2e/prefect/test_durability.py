"""SIGKILL the serving process mid-case — once while the checks run, once while the case
waits — and start it again: the case completes, no side effect happened twice, no decision
was lost."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.cases.service import CaseService
from tests.e2e.prefect.app import release
from tests.fixtures.flow_runs import (
    CLEAN_DRIVER,
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

pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.timeout(300)]
CHECKS = ("background-check", "traffic-record-check")


def test_killed_mid_case_the_case_completes_once(service: CaseService, served: Served) -> None:
    case_id = service.submit("ride-hailing-test", application(CLEAN_DRIVER)).id
    wait_for("the run to wait for acceptance", lambda: paused(service, case_id))
    service.act(case_id, "accept", actor="wang")

    # 1. Killed while both checks run: their side effects are done, their results not recorded.
    wait_for("both checks to be running", lambda: running(service, case_id) == set(CHECKS))
    served.kill()
    assert all(step_status(service, case_id, s) == "active" for s in CHECKS)
    release(service.engine, case_id)  # the checks called again after the restart answer
    served.start("--reclaim")
    wait_for(
        "both checks to pass after the restart",
        lambda: all(step_status(service, case_id, s) == "approved" for s in CHECKS),
    )
    per_key = Counter(c.key for c in calls(service, case_id))
    assert sorted(per_key.values()) == [2, 2], "each check was called again after the kill"
    assert sorted(effects(service, case_id).values()) == [1, 1], "but queried the registry once"

    # 2. Killed while the case waits; the decision is recorded while nothing serves it.
    wait_for("the run to wait for the decision", lambda: paused(service, case_id))
    served.kill()
    service.act(case_id, "approve", actor="chen", args={"step": "decision"})
    served.start("--reclaim")
    wait_for(
        "the decision to be acted on",
        lambda: step_status(service, case_id, "delivery") == "active" and paused(service, case_id),
    )
    service.act(case_id, "approve", actor="wang", args={"step": "delivery"})
    wait_for(
        "the flow run to complete",
        lambda: (r := flow_run(service, case_id)).state and r.state.is_completed(),
    )
    view = service.show(case_id)
    assert view.status == "completed"
    decision = next(s for s in view.steps if s.id == "decision")
    assert [(s.actor, s.decision) for s in decision.signatures] == [("chen", "approve")]
    assert sorted(effects(service, case_id).values()) == [1, 1]
    approvals = [
        e for e in service.timeline(case_id) if e.kind == "step.signed" and e.data["step"] in CHECKS
    ]
    assert len(approvals) == 2, "each check's result was applied once"
