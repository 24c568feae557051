"""The licence library through the HTTP API: any officer lists and shows certificates; only
the issuing department's head or leader revokes one (another department's head, a reviewer:
403 and nothing changed), and the case that relied on it is marked."""

from __future__ import annotations

from engine.licences.sources import Sources, load_registries
from tests.fixtures.api import APPLICATION, Api
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.licences import UTILITY_APPLICANT, permit
from tests.fixtures.loopback import free_port
from tests.fixtures.pages import CSRF


def test_only_the_issuing_head_revokes_and_the_relying_case_is_marked(api: Api) -> None:
    relying = api.submit(APPLICATION)["id"]
    assert api.submit(APPLICATION)["status"] == "submitted"  # its licence was read, not asked
    with api.client("liu") as reviewer:  # an officer of another department reads the library
        listed = reviewer.get("/api/v1/licences", params={"holder": UTILITY_APPLICANT})
        assert listed.status_code == 200, listed.text
        [certificate] = listed.json()["items"]
        assert (certificate["status"], certificate["type"]) == ("valid", "enterprise-establishment")
        number = certificate["number"]
        shown = reviewer.get(f"/api/v1/licences/{number}").json()
        assert [u["case"] for u in shown["uses"]][0] == relying
        assert reviewer.get("/api/v1/licences", params={"status": "lost"}).status_code == 422
        assert reviewer.get("/api/v1/licences/no-such").status_code == 404
    revoke = f"/api/v1/licences/{number}/revoke"
    for user in ("hu", "chen", "admin"):  # another department's head, a reviewer, an admin
        with api.client(user) as client:
            answer = client.post(revoke, json={"reason": "虚假登记"})
        assert answer.status_code == 403, (user, answer.text)
    with api.client("zhou") as head:
        assert head.post(revoke, json={}).status_code == 422  # the reason is required
        assert head.get(f"/api/v1/licences/{number}").json()["status"] == "valid"
        answer = head.post(revoke, json={"reason": "虚假登记"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "revoked"
        assert answer.json()["history"][-1]["by"] == "zhou"
        assert head.post(revoke, json={"reason": "again"}).status_code == 400
    events = [e.kind for e in api.services.cases.timeline(relying)]
    assert "material.source-changed" in events and "department.notice" in events
    after = api.submit(APPLICATION)  # a later application is asked for it, with the reason
    assert after["status"] == "correction"
    assert "证照库无有效营业执照" in after["notices"][-1]["text"]


def test_a_material_its_source_did_not_answer_for_is_a_window_task_until_verified_or_asked(
    api: Api,
) -> None:
    """The supervision registry is down: each case's registration is a task on the owner
    department's worklist; the window marks one verified (a reviewer may not) and asks the
    applicant for the other in the one notice — both leave the worklist."""
    cases = api.services.cases
    cases.sources = Sources(
        cases.engine,
        registries=load_registries(DEFINITIONS),
        urls={"construction-supervision": f"http://127.0.0.1:{free_port()}/lookup"},
        timeout=1.0,
    )
    ids = []
    with api.client("portal") as portal:
        for _ in range(2):
            answer = portal.post(
                "/api/v1/cases",
                params={"workflow": "construction-permit"},
                json=permit(UTILITY_APPLICANT),
            )
            assert answer.status_code == 201, answer.text
            assert answer.json()["status"] == "submitted"  # not blocked
            ids.append(answer.json()["id"])
    verified, asked = ids

    def tasks(user: str) -> set[tuple[str, str]]:
        with api.client(user) as client:
            listed = client.get("/api/v1/worklist", params={"department": "approval-bureau"})
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        return {(w["case"], w["material"]) for w in items if w["task"] == "verify-material"}

    assert tasks("wang") == {(c, "supervision-registration") for c in ids}
    with api.client() as browser:  # the worklist page shows the task with its actions
        token = CSRF.search(browser.get("/login").text)
        assert token is not None
        login = {"token": api.tokens["wang"], "csrf": token[1]}
        assert browser.post("/login", data=login).status_code == 303
        page = browser.get("/worklist", params={"department": "approval-bureau"}).text
    for case_id in ids:
        assert f'<a href="/cases/{case_id}">' in page
    assert page.count("核验材料：建设工程质量安全监督注册书") == 2
    assert page.count('<tr class="verify light-green"') == 2  # lit, with its due time
    assert page.count('<option value="verify-material">') == 2
    action = f"/api/v1/cases/{verified}/actions/verify-material"
    body = {"items": ["supervision-registration"]}
    with api.client("chen") as reviewer:
        assert reviewer.post(action, json=body).status_code == 403
    with api.client("wang") as window:
        assert window.post(action, json={"items": ["business-licence"]}).status_code == 409
        answer = window.post(action, json=body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["materials"]["supervision-registration"]["status"] == "supplied"
        returned = window.post(f"/api/v1/cases/{asked}/actions/return-for-correction", json=body)
        assert returned.status_code == 200, returned.text
        assert returned.json()["status"] == "correction"
        assert returned.json()["correction"]["awaited"] == ["supervision-registration"]
    assert tasks("wang") == set()
    [event] = [e for e in cases.timeline(verified) if e.kind == "material.verified"]
    assert (event.actor, event.data["source"]) == ("wang", "registry:construction-supervision")
