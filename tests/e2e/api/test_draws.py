"""The inspection draw through the HTTP API: drawn by the engine when the step becomes active,
sealed (no identity) until opened, opened only by the bureau's head from the inspection time
(a reviewer gets 403), then verified."""

from __future__ import annotations

import datetime as dt

from engine.draw.roster import load_roster
from tests.fixtures.api import Api
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.draws import INSPECTED as APPLICATION

ROSTER = load_roster(DEFINITIONS / "examiners.yaml")


def _names(text: str) -> set[str]:
    return {e.id for e in ROSTER.examiners if e.id in text}


def test_sealed_until_opened_by_the_head_then_verified(api: Api) -> None:
    tokens = {
        e.id: api.services.accounts.add(e.id, role="reviewer", department=e.department)
        for e in ROSTER.examiners
    }
    api.tokens.update(tokens)
    case_id = api.submit(APPLICATION)["id"]
    base = f"/api/v1/cases/{case_id}"
    with api.client("wang") as window:
        assert window.post(f"{base}/actions/accept").status_code == 200
    with api.client("liu") as municipal:
        for step in ("road-occupation", "road-digging"):
            answer = municipal.post(f"{base}/actions/approve", json={"step": step})
            assert answer.status_code == 200, answer.text
    draw = f"{base}/draws/site-inspection"
    with api.client("chen") as reviewer:
        assert reviewer.post(draw, json={}).status_code == 403
    with api.client("zhou") as head:
        sealed = head.get(draw).json()
        assert sealed["status"] == "sealed" and sealed["rounds"][0]["drawn"] is None
        again = head.post(draw, json={})
        assert again.status_code == 409 and "already drawn" in again.text
        early = head.post(f"{draw}/open")
        assert early.status_code == 409, early.text
    with api.client("ops") as operator:  # every read path: the draw, the case, its timeline
        seen = "".join(operator.get(url).text for url in (draw, base, f"{base}/timeline"))
    timeline_excluded = {"examiner-zhang", "examiner-zhao"}  # named as excluded, never drawn
    assert _names(seen) <= timeline_excluded
    with api.client("zhou") as head:  # the list of draws: the head's department's
        listed = head.get("/api/v1/draws")
    assert [(d["case"], d["step"], d["status"]) for d in listed.json()["items"]] == [
        (case_id, "site-inspection", "sealed")
    ]
    assert listed.json()["items"][0]["opens_at"] == sealed["opens_at"]
    assert not _names(listed.text)
    with api.client("hu") as other_head, api.client("chen") as reviewer:
        assert other_head.get("/api/v1/draws").json() == {"items": [], "next": None}
        assert reviewer.get("/api/v1/draws").status_code == 403
    api.clock.now = dt.datetime.fromisoformat(sealed["opens_at"])
    with api.client("chen") as reviewer:
        assert reviewer.post(f"{draw}/open").status_code == 403
    with api.client("zhou") as head:
        opened = head.post(f"{draw}/open")
        assert opened.status_code == 200, opened.text
        examiners = opened.json()["examiners"]
        assert opened.json()["status"] == "opened" and len(examiners) == 2
        assert not set(examiners) & timeline_excluded
        verified = head.get(f"{draw}/verify").json()
        assert verified["ok"], verified
        assert [d["status"] for d in head.get("/api/v1/draws").json()["items"]] == ["opened"]
    for name in examiners:
        with api.client(name) as examiner:
            answer = examiner.post(f"{draw}/findings", json={"text": "现场与施工方案一致"})
            assert answer.status_code == 200, answer.text
    with api.client("ops") as operator:
        steps = operator.get(base).json()["steps"]
    assert next(s for s in steps if s["id"] == "site-inspection")["status"] == "approved"
