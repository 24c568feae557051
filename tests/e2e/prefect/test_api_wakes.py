"""A decision made through the HTTP API of `onething serve` wakes its case's flow run at once,
in that process, after the commit; the reconciliation (here every 300 s) is only the net."""

from __future__ import annotations

import time

import httpx
import pytest

from engine.access.accounts import Accounts
from engine.cases.service import CaseService
from tests.e2e.prefect.app import OWNER, release
from tests.fixtures.flow_runs import CLEAN_DRIVER, Served, application, paused, wait_for
from tests.fixtures.loopback import free_port

pytestmark = [pytest.mark.prefect, pytest.mark.postgres, pytest.mark.timeout(240)]
WAKES_WITHIN = 2.0  # seconds from the API's answer to the run leaving its pause (target ~1 s)


def test_an_api_decision_wakes_the_paused_flow_run_without_waiting_for_reconcile(
    service: CaseService, served: Served
) -> None:
    port = free_port()
    served.kill()
    served.start("--reconcile-every", "300", "--api-port", str(port))
    case_id = None
    try:
        token = Accounts(service.engine, clock=service.clock).add(
            "api-window", role="window", department=OWNER
        )
        case_id = service.submit("ride-hailing-test", application(CLEAN_DRIVER)).id
        wait_for("the run to wait for acceptance", lambda: paused(service, case_id))
        answer = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/cases/{case_id}/actions/accept",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        answered = time.monotonic()
        wait_for("the run to wake", lambda: not paused(service, case_id), seconds=WAKES_WITHIN)
        assert time.monotonic() - answered < WAKES_WITHIN
    finally:
        if case_id is not None:
            release(service.engine, case_id)  # its held checks answer: the run ends
        served.kill()
        served.start()
