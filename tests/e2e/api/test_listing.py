"""The case listing's filters (traffic light, overdue, text) with cursor pagination, and an
officer's own worklist, through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.fixtures.api import APPLICATION, Api, paged, whole


def listed(api: Api, user: str, **params: Any) -> list[str]:
    """Every case id the listing gives, a page of one at a time."""
    return [case["id"] for case in paged(api, user, "/api/v1/cases", **params)]


def test_the_listing_filters_by_light_overdue_and_text_page_by_page(api: Api) -> None:
    late = sorted([api.accepted(), api.accepted()])  # submitted at one moment: by id
    api.clock.now += dt.timedelta(days=90)  # their steps' working-day limits have passed
    gas = {**APPLICATION, "applicant": {**APPLICATION["applicant"], "name": "南宁测试燃气有限公司"}}
    fresh = api.submit(gas)["id"]
    with api.client("wang") as window:
        assert window.post(f"/api/v1/cases/{fresh}/actions/accept").status_code == 200
    assert listed(api, "ops", light="red") == late
    assert listed(api, "ops", overdue="true") == late
    # a one-working-day step is warned from its start (its yellow level is due at once)
    assert listed(api, "ops", light="yellow") == [fresh]
    assert listed(api, "ops", light="green") == []
    assert listed(api, "ops", text="燃气") == [fresh]  # the applicant's name
    assert listed(api, "ops", text="外线工程") == [*late, fresh]  # the workflow's title
    assert listed(api, "ops", text=late[1][-6:].lower()) == [late[1]]  # the case id
    assert listed(api, "ops", text="100%_") == []  # LIKE's wildcards are plain text
    assert listed(api, "ops", light="red", text="燃气") == []
    # a department's officer: the same filters within the cases it takes part in
    assert listed(api, "liu", light="red") == late and listed(api, "qian", light="red") == []


def test_a_cursor_is_a_position_and_a_malformed_one_is_refused(api: Api) -> None:
    with api.client("ops") as ops:
        assert ops.get("/api/v1/cases", params={"cursor": "0~a"}).status_code == 200
        assert ops.get("/api/v1/cases", params={"limit": 501}).status_code == 422
        answer = ops.get("/api/v1/cases", params={"cursor": "not a cursor"})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


def test_an_officers_worklist_holds_the_steps_transferred_to_them(api: Api) -> None:
    case_id = api.accepted()
    assert whole(api, "ma", "/api/v1/worklist/mine") == []
    with api.client("liu") as liu:
        moved = liu.post(
            f"/api/v1/cases/{case_id}/actions/transfer", json={"step": "road-digging", "to": "ma"}
        )
        assert moved.status_code == 200, moved.text
    assert whole(api, "liu", "/api/v1/worklist/mine") == []
    department = whole(api, "liu", "/api/v1/worklist")
    mine = whole(api, "ma", "/api/v1/worklist/mine")
    assert [(w["case"], w["step"]) for w in mine] == [(case_id, "road-digging")]
    assert {(w["case"], w["step"]) for w in department} >= {(case_id, "road-digging")}


def test_each_listed_case_carries_its_clocks_as_its_own_page_reads_them(api: Api) -> None:
    late = api.accepted()
    api.clock.now += dt.timedelta(days=90)  # its steps' working-day limits have passed
    waiting = api.submit(APPLICATION)["id"]  # not accepted: no clock of the case runs yet
    with api.client("ops") as ops:
        rows = {row["id"]: row for row in ops.get("/api/v1/cases").json()["items"]}
        shown = ops.get(f"/api/v1/cases/{late}").json()
    row = rows[late]
    assert row["light"] == "red" and row["overdue"] is True
    assert row["applicant"] == APPLICATION["applicant"]["name"]
    # the same moments as the case's own resource, in the calendar's zone with the offset
    assert row["promised_due"] == shown["promised"]["due"]
    assert row["statutory_due"] == shown["statutory"]["due"]
    assert row["promised_due"].endswith("+08:00")
    open_dues = [s["clock"]["due"] for s in shown["steps"] if s["clock"]]
    assert row["next_step_due"] == min(open_dues, key=dt.datetime.fromisoformat)
    assert rows[waiting]["promised_due"] is None and rows[waiting]["light"] is None
    assert rows[waiting]["overdue"] is False


def test_the_worklist_lists_a_stopped_clock_after_the_running_ones(api: Api) -> None:
    """By urgency, not due time alone: the earlier case's step, suspended, comes last."""
    earlier = api.accepted()
    api.clock.now += dt.timedelta(hours=1)
    later = api.accepted()
    with api.client("liu") as liu:
        stopped = liu.post(
            f"/api/v1/cases/{earlier}/actions/suspend",
            json={"step": "road-occupation", "reason": "专家评审"},
        )
        assert stopped.status_code == 200, stopped.text
    after = whole(api, "liu", "/api/v1/worklist")
    assert [(w["case"], w["step"]) for w in after][-1] == (earlier, "road-occupation")
    assert after[-1]["suspended"] and not any(w["suspended"] for w in after[:-1])
    assert {w["case"] for w in after} == {earlier, later}
