"""The examiners' roster through the HTTP API: the department's admin or head changes it, each
change audited with its actor; another department's head is refused (403, nothing changed);
bad input is one problem answer and changes nothing; supervisors read every department's."""

from __future__ import annotations

from tests.fixtures.api import Api

PROBLEM = "application/problem+json"
BUREAU = "/api/v1/roster/approval-bureau/examiners"


def _history(api: Api) -> list[dict[str, object]]:
    with api.client("jian") as supervisor:
        answer = supervisor.get("/api/v1/roster/history")
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def test_roster_changes_are_audited_with_their_actor_and_scoped_to_the_department(
    api: Api,
) -> None:
    before = _history(api)
    with api.client("admin") as admin:
        added = admin.post(
            BUREAU,
            json={
                "id": "examiner-sun",
                "name": "孙审查",
                "relatives": ["91450200MA5L000009"],
                "inspected": [{"applicant": "91450200MA5K8Q3L77", "on": "2026-09-20"}],
            },
        )
        assert added.status_code == 201, added.text
        assert added.json()["relatives"] == ["91450200MA5L000009"]
    with api.client("zhou") as head:
        related = head.post(f"{BUREAU}/examiner-sun/relations", json={"employer": "91450200X"})
        assert related.status_code == 200, related.text
        disabled = head.post(f"{BUREAU}/examiner-sun/disable", json={"reason": "长期外派"})
        assert disabled.status_code == 200 and disabled.json()["active"] is False
        mine = head.get("/api/v1/roster").json()  # a head reads their own department's
    assert {e["department"] for e in mine} == {"approval-bureau"}
    sun = next(e for e in mine if e["id"] == "examiner-sun")
    assert sun["employer"] == "91450200X" and not sun["active"]
    assert sun["inspected"] == [{"applicant": "91450200MA5K8Q3L77", "on": "2026-09-20"}]
    added_log = _history(api)[len(before) :]
    assert [(c["kind"], c["actor"], c["examiner"]) for c in added_log] == [
        ("add", "admin", "examiner-sun"),
        ("relate", "zhou", "examiner-sun"),
        ("disable", "zhou", "examiner-sun"),
    ]
    assert added_log[2]["data"] == {"reason": "长期外派"}


def test_another_departments_head_may_neither_change_nor_read_the_roster(api: Api) -> None:
    before = _history(api)
    with api.client("hu") as other_head:  # the municipal head
        for answer in (
            other_head.post(f"{BUREAU}/examiner-li/disable", json={"reason": "x"}),
            other_head.post(BUREAU, json={"id": "examiner-x"}),
            other_head.get("/api/v1/roster", params={"department": "approval-bureau"}),
        ):
            assert answer.status_code == 403, answer.text
            assert answer.headers["content-type"] == PROBLEM
            assert "approval-bureau" in answer.json()["detail"]
        assert other_head.get("/api/v1/roster").json() == []  # municipal has no examiners yet
    with api.client("chen") as reviewer:
        assert reviewer.get("/api/v1/roster").status_code == 403
    assert _history(api) == before


def test_bad_roster_input_is_one_problem_and_changes_nothing(api: Api) -> None:
    before = _history(api)
    with api.client("admin") as admin:
        for answer, status, words in (
            (admin.post(f"{BUREAU}/examiner-nobody/enable"), 400, "no examiner"),
            (admin.post(f"{BUREAU}/examiner-li/enable"), 400, "already enabled"),
            (admin.post(BUREAU, json={"id": "examiner-li"}), 400, "already on the roster"),
            (admin.post(f"{BUREAU}/examiner-li/relations", json={}), 400, "declare"),
            (
                admin.post(
                    f"{BUREAU}/examiner-li/relations",
                    json={"inspected": [{"applicant": "X1", "on": "2026-13-40"}]},
                ),
                422,
                "inspected.0.on",
            ),
            (admin.post(BUREAU, json={"id": "../etc", "name": "x"}), 422, "body.id"),
            (admin.post(f"{BUREAU}/examiner-li/disable", json={}), 422, "reason"),
        ):
            assert answer.status_code == status, answer.text
            assert answer.headers["content-type"] == PROBLEM
            assert words in answer.json()["detail"]
            assert "\n" not in answer.json()["detail"]
    assert _history(api) == before
