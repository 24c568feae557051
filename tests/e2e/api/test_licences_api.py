"""The licence library through the HTTP API: any officer lists and shows certificates; only
the issuing department's head or leader revokes one (another department's head, a reviewer:
403 and nothing changed), and the case that relied on it is marked."""

from __future__ import annotations

from tests.fixtures.api import APPLICATION, Api
from tests.fixtures.licences import UTILITY_APPLICANT


def test_only_the_issuing_head_revokes_and_the_relying_case_is_marked(api: Api) -> None:
    relying = api.submit(APPLICATION)["id"]
    assert api.submit(APPLICATION)["status"] == "submitted"  # its licence was read, not asked
    with api.client("liu") as reviewer:  # an officer of another department reads the library
        listed = reviewer.get("/api/v1/licences", params={"holder": UTILITY_APPLICANT})
        assert listed.status_code == 200, listed.text
        [certificate] = listed.json()
        assert (certificate["status"], certificate["type"]) == ("valid", "enterprise-establishment")
        number = certificate["number"]
        shown = reviewer.get(f"/api/v1/licences/{number}").json()
        assert [u["case"] for u in shown["uses"]][0] == relying
        assert reviewer.get("/api/v1/licences", params={"status": "lost"}).status_code == 400
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
