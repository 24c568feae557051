"""Every action of the case engine through HTTP as the authenticated user, and a refusal of
each: the wrong role or department (403) or the wrong state (409), as problem JSON naming the
case, the step, the state and the actor, with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.api import APPLICATION, Api


def act(api: Api, user: str, case_id: str, action: str, status: int, **args: Any) -> Any:
    with api.client(user) as client:
        answer = client.post(f"/api/v1/cases/{case_id}/actions/{action}", json=args)
    assert answer.status_code == status, answer.text
    if status >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
        with api.client("ops") as ops:
            assert ops.get(f"/api/v1/cases/{case_id}").headers["etag"] == before(api, case_id)
    return answer.json()


def before(api: Api, case_id: str) -> str:
    return f'"{api.services.cases.revision(case_id)}"'


def step(view: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in view["steps"] if s["id"] == step_id)


def test_accept_and_a_reviewer_may_not(api: Api) -> None:
    case_id = api.submit()["id"]
    refused = act(api, "liu", case_id, "accept", 403)
    assert refused["case"] == case_id and refused["actor"] == "liu"
    assert act(api, "wang", case_id, "accept", 200)["status"] == "in-progress"


def test_refuse_then_the_leader_confirms_or_overturns(api: Api) -> None:
    case_id = api.submit()["id"]
    reason = {"reason": "申请人不具备主体资格", "legal_basis": "《行政许可法》第三十二条"}
    assert act(api, "wang", case_id, "refuse", 200, **reason)["status"] == "refusal-pending"
    act(api, "wang", case_id, "refuse", 409, **reason)  # already pending
    negative = f"{case_id}-N1"
    with api.client("li") as client:  # the register: the leader's limit, in local time
        register = client.get("/api/v1/negatives").json()["items"]
        [entry] = [n for n in register if n["id"] == negative]
    assert entry["light"] == "green" and entry["decision_due"]["limit"] == "5 working-days"
    assert entry["decision_due"]["due"].endswith("17:30:00+08:00")
    assert entry["promised_due"].endswith("17:30:00+08:00")  # the same day where possible
    act(api, "zhou", case_id, "confirm-negative", 403, negative=negative)
    act(api, "li", case_id, "confirm-negative", 200, negative=negative)
    other = api.submit()["id"]
    act(api, "wang", other, "refuse", 200, **reason)
    act(api, "liu", other, "overturn-negative", 403, negative=f"{other}-N1")
    act(api, "li", other, "overturn-negative", 409, negative=f"{other}-N1")  # no reason given
    why = "复核后申请人具备主体资格"
    after = act(api, "li", other, "overturn-negative", 200, negative=f"{other}-N1", reason=why)
    assert after["status"] != "refusal-pending"
    assert after["negatives"][-1]["decision_reason"] == why  # stored and shown


def test_approve_reject_and_the_wrong_department(api: Api) -> None:
    case_id = api.accepted()
    refused = act(api, "liu", case_id, "approve", 403, step="traffic-consent")
    assert refused["step"] == "traffic-consent" and "step active" in refused["state"]
    view = act(api, "liu", case_id, "approve", 200, step="road-occupation")
    assert step(view, "road-occupation")["status"] == "approved"
    act(api, "liu", case_id, "approve", 409, step="road-occupation")  # already approved
    view = act(api, "zhao", case_id, "reject", 200, step="traffic-consent", reason="方案不全")
    assert step(view, "traffic-consent")["status"] == "rejection-pending"
    act(api, "zhao", case_id, "reject", 409, step="traffic-consent", reason="再次")


def test_art32_return_for_correction_issue_and_supplement(api: Api) -> None:
    case_id = api.accepted()
    act(api, "chen", case_id, "return-for-correction", 403, step="road-digging", items=["x"])
    view = act(
        api,
        "liu",
        case_id,
        "return-for-correction",
        200,
        step="road-digging",
        items=["traffic-plan", "补充夜间施工说明"],
    )
    # other branches are still at work: the correction is a draft, the applicant not yet told
    assert view["status"] == "in-progress"
    draft = view["correction"]
    assert draft["state"] == "draft" and draft["asked_by"] == ["road-digging"]
    assert draft["awaited"] == ["traffic-plan", "note-1"] and draft["issue_by"]
    act(api, "liu", case_id, "issue-correction", 403)  # the window issues it
    view = act(api, "wang", case_id, "issue-correction", 200)
    assert view["status"] == "correction" and view["correction"]["issued_by"] == "wang"
    assert len([n for n in view["notices"] if n["kind"] == "correction"]) == 1
    act(api, "wang", case_id, "issue-correction", 409)  # issued once
    act(api, "liu", case_id, "return-for-correction", 409, step="road-digging", items=["x"])
    act(api, "wang", case_id, "supplement", 409, materials={})
    view = act(api, "wang", case_id, "supplement", 200, materials={"traffic-plan": "doc-2"})
    assert view["status"] == "correction" and view["correction"]["awaited"] == ["note-1"]
    with api.client("liu") as municipal:  # the traffic plan is the traffic police's material
        seen = municipal.get(f"/api/v1/cases/{case_id}").json()["correction"]["items"]
    assert [(i["key"], i["answer"], bool(i["answered_at"])) for i in seen] == [
        ("traffic-plan", None, True),
        ("note-1", None, False),
    ]
    view = act(api, "wang", case_id, "supplement", 200, materials={"note-1": "说明见doc-3"})
    assert view["status"] == "in-progress" and view["correction"] is None


def test_suspend_resume_transfer_extend(api: Api) -> None:
    case_id = api.accepted()
    act(api, "liu", case_id, "resume", 409, step="road-occupation")  # not suspended
    view = act(api, "liu", case_id, "suspend", 200, step="road-occupation", reason="专家评审")
    assert step(view, "road-occupation")["status"] == "suspended"
    act(api, "liu", case_id, "suspend", 409, step="road-occupation", reason="again")
    act(api, "liu", case_id, "resume", 200, step="road-occupation")
    act(api, "liu", case_id, "transfer", 409, step="road-digging", to="zhao")
    view = act(api, "liu", case_id, "transfer", 200, step="road-digging", to="ma")
    assert step(view, "road-digging")["assignee"] == "ma"
    act(api, "liu", case_id, "extend", 403, step="road-digging", days=5, reason="复杂")
    view = act(api, "hu", case_id, "extend", 200, step="road-digging", days=5, reason="复杂")
    assert step(view, "road-digging")["clock"]["extended_days"] == 5
    act(api, "hu", case_id, "extend", 409, step="road-digging", days=6, reason="超过十日")


def test_withdraw_and_terminate(api: Api) -> None:
    case_id = api.accepted()
    act(api, "wang", case_id, "terminate", 403, reason="x")
    assert act(api, "li", case_id, "terminate", 200, reason="申请人失联")["status"] == "terminated"
    other = api.accepted()
    assert act(api, "wang", other, "withdraw", 200)["status"] == "withdrawn"
    act(api, "wang", other, "withdraw", 409)  # closed


def test_a_case_another_department_takes_no_part_in_is_not_theirs(api: Api) -> None:
    case_id = api.accepted()
    with api.client("qian") as exit_entry:  # no step of this workflow is theirs
        answer = exit_entry.get(f"/api/v1/cases/{case_id}")
        listed = exit_entry.get("/api/v1/cases").json()["items"]
        acted = exit_entry.post(
            f"/api/v1/cases/{case_id}/actions/approve", json={"step": "road-occupation"}
        )
    assert answer.status_code == 403 and "belongs to" in answer.json()["detail"]
    assert listed == []
    assert acted.status_code == 403 and acted.json()["case"] == case_id


def test_a_departments_reviewer_sees_its_steps_not_other_departments_materials(
    api: Api,
) -> None:
    case_id = api.accepted()
    with api.client("zhao") as traffic, api.client("ops") as ops:
        seen = traffic.get(f"/api/v1/cases/{case_id}").json()
        everything = ops.get(f"/api/v1/cases/{case_id}").json()
    assert {s["department"] for s in seen["steps"]} == {"traffic-police"}
    assert len(everything["steps"]) > len(seen["steps"])
    assert set(seen["materials"]) <= {"traffic-plan", "application-form", "construction-plan"}
    assert set(seen["materials"]) < set(everything["materials"]) or not everything["materials"]


@pytest.mark.parametrize(
    ("application", "detail"),
    [
        ({"applicant": {}, "fields": {}, "materials": {}, "extra": 1}, "extra"),
        ({**APPLICATION, "fields": {**APPLICATION["fields"], "length_m": "long"}}, "long"),
    ],
)
def test_a_bad_application_is_refused_as_input(
    api: Api, application: dict[str, Any], detail: str
) -> None:
    with api.client("portal") as portal:
        answer = portal.post(
            "/api/v1/cases", params={"workflow": "utility-external-works"}, json=application
        )
    assert answer.status_code in (400, 422), answer.text
    assert detail in answer.json()["detail"]


def test_a_user_with_two_roles_acts_in_the_one_the_step_allows(api: Api) -> None:
    # a reviewer of traffic-police who also reviews for municipal; a leader who supervises
    roles = ["reviewer:traffic-police", "reviewer:municipal"]
    api.tokens["duo"] = api.services.accounts.add("duo", role=roles)
    leading = ["leader:approval-bureau", "supervisor:supervision"]
    api.tokens["lu"] = api.services.accounts.add("lu", role=leading)
    case_id = api.accepted()
    for step_id in ("road-occupation", "traffic-consent"):  # municipal's, traffic-police's
        view = act(api, "duo", case_id, "approve", 200, step=step_id)
        signed = step(view, step_id)["signatures"][0]
        assert (signed["actor"], signed["role"], signed["decision"]) == (
            "duo",
            "reviewer",
            "approve",
        )
    assert {s["department"] for s in view["steps"]} == {"municipal", "traffic-police"}
    refused = act(api, "duo", case_id, "extend", 403, step="road-digging", days=5)
    assert "duo (reviewer@traffic-police, reviewer@municipal) may not" in refused["detail"]
    other = api.submit()["id"]
    reason = {"reason": "申请人不具备主体资格", "legal_basis": "《行政许可法》第三十二条"}
    act(api, "wang", other, "refuse", 200, **reason)
    assert act(api, "lu", other, "confirm-negative", 200, negative=f"{other}-N1")
    with api.client("lu") as lu:  # as supervisor, every department's cases
        assert lu.get(f"/api/v1/cases/{case_id}").json()["materials"]


def test_art32_the_window_returns_a_submitted_application_and_accepts_the_supplement(
    api: Api,
) -> None:
    case_id = api.submit()["id"]
    items = {"items": ["construction-plan", "请说明夜间施工时段"], "reason": "平面图不清晰"}
    refused = act(api, "liu", case_id, "return-for-correction", 403, **items)
    assert refused["actor"].startswith("liu")
    returned = act(api, "wang", case_id, "return-for-correction", 200, **items)
    assert returned["status"] == "correction" and returned["accepted_at"] is None
    correction = returned["correction"]
    assert correction["state"] == "issued" and correction["issued_by"] == "wang"
    assert [i["key"] for i in correction["items"]] == ["construction-plan", "note-1"]
    assert act(api, "wang", case_id, "accept", 409)["state"] == "correction"
    supplied = {"materials": {"construction-plan": "doc-77", "note-1": "夜间22时前停工"}}
    assert act(api, "wang", case_id, "supplement", 200, **supplied)["status"] == "submitted"
    assert act(api, "wang", case_id, "accept", 200)["status"] == "in-progress"
