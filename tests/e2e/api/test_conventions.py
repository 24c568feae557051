"""What a client of the API relies on: idempotent retries, If-Match on a stale view, one of
two racing officers wins and the other is told the state, tokens that stop at once, failed
logins slowed down, times with the calendar's offset, health and metrics."""

from __future__ import annotations

import threading

from flows.tables import remember
from tests.fixtures.api import APPLICATION, Api

PROBLEM = "application/problem+json"


def test_a_retried_submit_and_action_answer_as_the_first_time(api: Api) -> None:
    first = api.submit()
    with api.client("portal", **{"Idempotency-Key": "portal-0001"}) as portal:
        one = portal.post(
            "/api/v1/cases", params={"workflow": "utility-external-works"}, json=APPLICATION
        )
        two = portal.post(
            "/api/v1/cases", params={"workflow": "utility-external-works"}, json=APPLICATION
        )
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert one.json()["id"] != first["id"]
    path = f"/api/v1/cases/{first['id']}/actions/accept"
    with api.client("wang", **{"Idempotency-Key": "accept-1"}) as window:
        once, again = window.post(path), window.post(path)
    assert once.status_code == again.status_code == 200
    assert once.json() == again.json()
    assert once.headers["etag"] == again.headers["etag"]  # the retry recorded nothing
    with api.client("wang", **{"Idempotency-Key": "accept-1"}) as window:
        reused = window.post(f"/api/v1/cases/{first['id']}/actions/withdraw")
    assert reused.status_code == 400 and "accept-1" in reused.json()["detail"]
    assert "+08:00" in reused.json()["detail"]  # the first use in the calendar's zone, not UTC


def test_an_action_on_a_stale_view_is_412_and_changes_nothing(api: Api) -> None:
    case_id = api.accepted()
    with api.client("liu") as liu:
        seen = liu.get(f"/api/v1/cases/{case_id}")
        etag = seen.headers["etag"]
        moved = liu.post(
            f"/api/v1/cases/{case_id}/actions/approve",
            json={"step": "road-occupation"},
            headers={"If-Match": etag},
        )
        assert moved.status_code == 200 and moved.headers["etag"] != etag
        stale = liu.post(
            f"/api/v1/cases/{case_id}/actions/approve",
            json={"step": "road-digging"},
            headers={"If-Match": etag},
        )
        after = liu.get(f"/api/v1/cases/{case_id}")
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert f"case {case_id} is at revision" in stale.json()["detail"]
    assert after.headers["etag"] == moved.headers["etag"]
    digging = next(s for s in after.json()["steps"] if s["id"] == "road-digging")
    assert digging["status"] == "active"


def test_two_officers_racing_on_one_step_one_wins_one_is_told_the_state(api: Api) -> None:
    case_id = api.accepted()
    answers = []
    start = threading.Barrier(2)

    def approve(user: str) -> None:
        with api.client(user) as client:
            start.wait()
            answers.append(
                client.post(
                    f"/api/v1/cases/{case_id}/actions/approve",
                    json={"step": "road-occupation"},
                )
            )

    racers = [threading.Thread(target=approve, args=(u,)) for u in ("liu", "ma")]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(a.status_code for a in answers) == [200, 409]
    lost = next(a for a in answers if a.status_code == 409).json()
    assert lost["step"] == "road-occupation" and "approved" in lost["state"]


def test_a_disabled_users_token_stops_at_once_and_a_rotated_one_too(api: Api) -> None:
    with api.client("liu") as liu:
        assert liu.get("/api/v1/cases").status_code == 200
        api.services.accounts.disable("liu")
        assert liu.get("/api/v1/cases").status_code == 401
    old = api.tokens["ops"]
    with api.client("admin") as admin:
        assert admin.post("/api/v1/users/ops/rotate-token").status_code == 403  # not its dept
    new = api.services.accounts.rotate_token("ops")
    with api.client(Authorization=f"Bearer {old}") as stale:
        assert stale.get("/api/v1/cases").status_code == 401
    with api.client(Authorization=f"Bearer {new}") as fresh:
        assert fresh.get("/api/v1/cases").status_code == 200


def test_failed_logins_are_slowed_down(api: Api) -> None:
    with api.client(Authorization="Bearer ot_guess") as guesser:
        codes = [guesser.get("/api/v1/cases").status_code for _ in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429


def test_an_admin_adds_a_user_of_its_department_and_sees_the_token_once(api: Api) -> None:
    with api.client("admin") as admin:
        added = admin.post(
            "/api/v1/users",
            json={"name": "xu", "roles": ["reviewer:approval-bureau", "head:approval-bureau"]},
        )
        elsewhere = admin.post(
            "/api/v1/users", json={"name": "yu", "roles": ["reviewer:municipal"]}
        )
        bare = admin.post("/api/v1/users", json={"name": "zu", "roles": ["reviewer"]})
        listed = admin.get("/api/v1/users").json()
    assert added.status_code == 201 and added.json()["token"].startswith("ot_")
    assert elsewhere.status_code == 403
    assert bare.status_code == 400  # told what is missing, not that it "belongs to" nothing
    assert bare.json()["detail"] == "role reviewer needs a department (reviewer:<department>)"
    assert {r.partition("@")[2] for u in listed for r in u["roles"]} == {"approval-bureau"}
    assert added.json()["user"]["roles"] == ["reviewer@approval-bureau", "head@approval-bureau"]
    assert all("token" not in u for u in listed)


def test_times_carry_the_calendars_offset(api: Api) -> None:
    case = api.submit()
    assert case["submitted_at"].endswith("+08:00")
    with api.client("ops") as ops:
        due = ops.get("/api/v1/calendars/cn/due", params={"start": "2026-09-30", "n": 3}).json()
    assert due["due"].endswith("+08:00") and due["due_date"] == "2026-10-10"  # 国庆 off, then 调休


def test_health_and_metrics(api: Api) -> None:
    api.accepted()
    with api.client() as anonymous:
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        assert anonymous.get("/readyz").json() == {"status": "ready"}
        metrics = anonymous.get("/metrics").text
    for series in (
        'onething_open_cases{workflow="utility-external-works"} 1.0',
        "onething_open_steps{",
        "onething_on_time_rate ",
        'onething_api_request_duration_seconds_bucket{le="0.05",method="POST"',
    ):
        assert series in metrics


def test_a_case_links_its_flow_run_once_it_has_one(api: Api) -> None:
    case_id = api.accepted()
    with api.client("ops") as ops:
        before = ops.get(f"/api/v1/cases/{case_id}").json()
        remember(api.services.cases.engine, case_id, "7d0c-run", at=api.clock.now)
        after = ops.get(f"/api/v1/cases/{case_id}").json()
    assert before["flow_run_url"] is None
    assert after["flow_run_url"].endswith("/runs/flow-run/7d0c-run")
