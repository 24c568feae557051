"""The worklists, escalations, negative register, publications, draws and licence library a
page at a time through HTTP: following `next` gives every item once, in the listing's order,
and a department's officer pages through its own department's items however many newer ones
belong to others."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlmodel import Session

from engine.definitions import load_catalogue
from engine.licences.sources import Sources, load_registries
from engine.licences.tables import Certificate
from engine.registry import register
from tests.fixtures.api import Api, paged, whole
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.draws import INSPECTED
from tests.fixtures.licences import UTILITY_APPLICANT, licensed, permit
from tests.fixtures.loopback import free_port

INSPECTION = "utility-external-works"  # its site inspection draws the bureau's examiners
REASON = {"reason": "申请人不具备主体资格", "legal_basis": "《行政许可法》第三十二条"}


def key(item: dict[str, Any]) -> tuple[Any, ...]:
    return item["case"], item["step"], item.get("material")


def unverified(api: Api, count: int) -> list[str]:
    """Cases whose registration the supervision registry (down) did not answer for: each is
    a verification task at the owner department's window."""
    cases = api.services.cases
    cases.sources = Sources(
        cases.engine,
        registries=load_registries(DEFINITIONS),
        urls={"construction-supervision": f"http://127.0.0.1:{free_port()}/lookup"},
        timeout=1.0,
    )
    ids = []
    with api.client("portal") as portal:
        for _ in range(count):
            answer = portal.post(
                "/api/v1/cases",
                params={"workflow": "construction-permit"},
                json=permit(UTILITY_APPLICANT),
            )
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
    return ids


def test_a_worklist_page_by_page_holds_each_step_and_task_once_in_order(api: Api) -> None:
    cases = [api.accepted() for _ in range(3)]
    api.clock.now += dt.timedelta(days=1)
    cases.append(api.accepted())
    tasks = unverified(api, 2)
    municipal = whole(api, "liu", "/api/v1/worklist")
    assert {w["case"] for w in municipal} == set(cases) and len(municipal) >= 6
    for limit in (1, 2, 5):
        assert paged(api, "liu", "/api/v1/worklist", limit=limit) == municipal
    bureau = whole(api, "ops", "/api/v1/worklist", department="approval-bureau")
    verifying = [w for w in bureau if w["task"] == "verify-material"]
    assert {w["case"] for w in verifying} == set(tasks)
    for limit in (1, 3):
        listed = paged(api, "ops", "/api/v1/worklist", department="approval-bureau", limit=limit)
        assert listed == bureau
        assert len({key(w) for w in listed}) == len(listed)


def test_an_officers_own_worklist_pages_too(api: Api) -> None:
    cases = sorted(api.accepted() for _ in range(3))
    with api.client("liu") as liu:
        for case_id in cases:
            moved = liu.post(
                f"/api/v1/cases/{case_id}/actions/transfer",
                json={"step": "road-digging", "to": "ma"},
            )
            assert moved.status_code == 200, moved.text
    mine = whole(api, "ma", "/api/v1/worklist/mine")
    assert sorted(w["case"] for w in mine) == cases
    assert paged(api, "ma", "/api/v1/worklist/mine", limit=1) == mine


def test_a_window_clerks_own_worklist_holds_its_windows_verification_tasks(api: Api) -> None:
    """The task is the department window's: each of its clerks has it on their own list,
    with its due time and light; a reviewer of the same department has not."""
    tasks = unverified(api, 3)
    mine = whole(api, "wang", "/api/v1/worklist/mine")
    verifying = [w for w in mine if w["task"] == "verify-material"]
    assert sorted(w["case"] for w in verifying) == sorted(tasks) and len(verifying) == 3
    for item in verifying:
        assert (item["light"], item["overdue"]) == ("green", False)
        assert dt.datetime.fromisoformat(item["due_at"]) > api.clock.now
    assert paged(api, "wang", "/api/v1/worklist/mine", limit=1) == mine
    assert not [w for w in whole(api, "chen", "/api/v1/worklist/mine") if w.get("material")]


def test_a_cursor_naming_no_step_or_task_is_a_problem_not_an_error(api: Api) -> None:
    api.accepted()
    with api.client("liu") as liu:
        for cursor in ("nocase~nostep", "nocase~intake~registration", "a~intake"):
            answer = liu.get("/api/v1/worklist", params={"cursor": cursor})
            assert answer.status_code == 400, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        assert liu.get("/api/v1/worklist", params={"cursor": "a~b~c"}).status_code == 422
        assert liu.get("/api/v1/worklist", params={"limit": 0}).status_code == 422


def test_escalations_page_newest_first_and_an_officer_sees_its_own_below_others(
    api: Api,
) -> None:
    for _ in range(3):
        api.accepted()
    api.clock.now += dt.timedelta(days=90)  # every running clock is past due
    assert api.services.supervision.sweep().view().fired
    everything = whole(api, "ops", "/api/v1/escalations")
    order = [(dt.datetime.fromisoformat(e["fired_at"]), e["id"]) for e in everything]
    assert order == sorted(order, reverse=True)
    assert paged(api, "ops", "/api/v1/escalations", limit=1) == everything
    assert paged(api, "ops", "/api/v1/escalations", limit=4) == everything
    # the officers of a department whose newest level more than a page of others' precede
    for user, department in (("liu", "municipal"), ("zhao", "traffic-police")):
        own = [e for e in everything if e["department"] == department]
        newer = everything.index(own[0])
        if newer < 2:
            continue
        assert paged(api, user, "/api/v1/escalations", limit=1) == own
        with api.client(user) as officer:
            first = officer.get("/api/v1/escalations", params={"limit": 1}).json()
        assert first["items"] == own[:1] and (first["next"] is not None) == (len(own) > 1)
        break
    else:
        raise AssertionError(f"no department below two others' levels: {everything}")


def test_the_negative_register_pages_oldest_first_within_the_readers_departments(
    api: Api,
) -> None:
    refused = []
    for _ in range(3):
        refused.append(api.submit()["id"])
        with api.client("wang") as window:
            answer = window.post(f"/api/v1/cases/{refused[-1]}/actions/refuse", json=REASON)
        assert answer.status_code == 200, answer.text
        api.clock.now += dt.timedelta(minutes=1)
    rejected = api.accepted()
    with api.client("liu") as liu:
        answer = liu.post(
            f"/api/v1/cases/{rejected}/actions/reject",
            json={"step": "road-occupation", "reason": "占道方案不符合要求"},
        )
    assert answer.status_code == 200, answer.text
    register = whole(api, "ops", "/api/v1/negatives")
    assert [n["case_id"] for n in register] == [*refused, rejected]
    assert paged(api, "ops", "/api/v1/negatives", limit=1) == register
    assert paged(api, "ops", "/api/v1/negatives", limit=2, status="pending") == register
    bureau = [n for n in register if n["department"] == "approval-bureau"]
    assert paged(api, "li", "/api/v1/negatives", limit=1) == bureau
    assert [n["case_id"] for n in paged(api, "liu", "/api/v1/negatives")] == [rejected]


def test_the_licence_library_pages_oldest_first_with_its_status_in_the_query(api: Api) -> None:
    since = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)
    database = api.services.cases.engine
    numbers = licensed(database, *(f"91450100MA5{n:07d}" for n in range(5)), since=since)
    numbers += licensed(database, "91450100MA59999999", since=since + dt.timedelta(days=1))
    library = whole(api, "liu", "/api/v1/licences")
    listed = [c["number"] for c in library]
    assert listed[-6:] == sorted(numbers[:5]) + numbers[5:]  # at one moment: by number
    assert paged(api, "liu", "/api/v1/licences", limit=1) == library
    assert paged(api, "liu", "/api/v1/licences", limit=4, status="valid") == library
    assert whole(api, "liu", "/api/v1/licences", status="revoked") == []
    api.clock.now = dt.datetime(2040, 1, 1, tzinfo=dt.UTC)
    with Session(database) as session:  # the first of them ends in 2030
        ending = session.get(Certificate, numbers[0])
        assert ending is not None
        ending.valid_to = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        session.add(ending)
        session.commit()
    expired = paged(api, "liu", "/api/v1/licences", status="expired")
    assert [c["number"] for c in expired] == [numbers[0]]
    assert numbers[0] not in [
        c["number"] for c in whole(api, "liu", "/api/v1/licences", status="valid")
    ]


def decided(api: Api, case_id: str) -> None:
    """Every signature the accepted case needs, through the API, up to its joint decision."""
    for user, step in (
        ("liu", "road-occupation"),
        ("liu", "road-digging"),
        ("zhao", "traffic-consent"),
        ("chen", "joint-decision"),
        ("zhou", "joint-decision"),
    ):
        with api.client(user) as officer:
            answer = officer.post(f"/api/v1/cases/{case_id}/actions/approve", json={"step": step})
        assert answer.status_code == 200, answer.text


def test_publications_page_by_case_in_order_as_json_and_as_csv(api: Api) -> None:
    cases = [api.accepted() for _ in range(4)]
    for case_id in cases[:3]:
        decided(api, case_id)
    listing = whole(api, "ops", "/api/v1/publications")
    assert [p["case"] for p in listing] == sorted(cases[:3])  # submitted at one moment: by id
    for limit in (1, 2):
        assert paged(api, "ops", "/api/v1/publications", limit=limit) == listing
    with api.client("ops") as operator:
        first = operator.get("/api/v1/publications", params={"limit": 1}).json()
        exported = operator.get(
            "/api/v1/publications", params={"format": "csv", "cursor": first["next"]}
        )
        whole_csv = operator.get("/api/v1/publications", params={"format": "csv"})
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["case"] for r in rows] == [p["case"] for p in listing[1:]]
    assert [r["case"] for r in csv.DictReader(io.StringIO(whole_csv.text))] == [
        p["case"] for p in listing
    ]


def drawn(api: Api, workflow: str) -> str:
    """A long job's case of `workflow`, accepted and reviewed: its site inspection is drawn."""
    with api.client("portal") as portal:
        answer = portal.post("/api/v1/cases", params={"workflow": workflow}, json=INSPECTED)
    assert answer.status_code == 201, answer.text
    case_id = str(answer.json()["id"])
    with api.client("wang") as window:
        assert window.post(f"/api/v1/cases/{case_id}/actions/accept").status_code == 200
    with api.client("liu") as municipal:
        for step in ("road-occupation", "road-digging"):
            answer = municipal.post(f"/api/v1/cases/{case_id}/actions/approve", json={"step": step})
            assert answer.status_code == 200, answer.text
    return case_id


def test_draws_page_newest_first_and_a_head_sees_its_own_below_others(api: Api) -> None:
    """The municipal authority inspects on site too, in a variant of the workflow: its
    draws are newer than the bureau's, more than a page of them."""
    source = (DEFINITIONS / "workflows" / f"{INSPECTION}.yaml").read_text(encoding="utf-8")
    municipal = f"{INSPECTION}-municipal"
    variant = source.replace(f"id: {INSPECTION}\n", f"id: {municipal}\n", 1).replace(
        "    department: approval-bureau\n    kind: inspection",
        "    department: municipal\n    kind: inspection",
    )
    assert variant.count(municipal) == 1 and "department: municipal\n    kind: insp" in variant
    register(
        api.services.cases.engine,
        variant,
        file=f"{municipal}.yaml",
        catalogue=load_catalogue(DEFINITIONS),
        now=api.clock(),
    )
    bureau = [drawn(api, INSPECTION)]
    api.clock.now += dt.timedelta(minutes=1)
    bureau.append(drawn(api, INSPECTION))
    api.clock.now += dt.timedelta(minutes=1)
    others = [drawn(api, municipal) for _ in range(3)]
    everything = whole(api, "ops", "/api/v1/draws")
    assert [(d["case"], d["department"]) for d in everything][:3] == sorted(
        ((case_id, "municipal") for case_id in others), reverse=True
    )  # drawn at one moment: by case, the last first
    assert [d["case"] for d in everything][3:] == bureau[::-1]
    assert {d["status"] for d in everything} == {"sealed"}
    for limit in (1, 2, 4):
        assert paged(api, "ops", "/api/v1/draws", limit=limit) == everything
    own = everything[3:]
    assert paged(api, "zhou", "/api/v1/draws", limit=1) == own
    with api.client("zhou") as head:
        first = head.get("/api/v1/draws", params={"limit": 2}).json()
    assert first == {"items": own, "next": None}
    assert paged(api, "hu", "/api/v1/draws", limit=2) == everything[:3]
    with api.client("zhou") as head:
        for cursor in ("nocase~step", "1~a", "-1~a~b", "1~a~b~c"):
            answer = head.get("/api/v1/draws", params={"cursor": cursor})
            assert answer.status_code == 422, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
        assert head.get("/api/v1/draws", params={"limit": 0}).status_code == 422
