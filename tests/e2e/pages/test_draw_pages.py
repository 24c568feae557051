"""The sealed inspection draw on the pages (实地核查审查员抽取, Art. 34(3)): before the
opening time the case page and the list of draws show "sealed" with the commitment and the
opening time and no examiner's identity, to every reader; the bureau's head opens it from
that time and sees the examiners and the verification; a reviewer sees no opening form and
a forged one is refused (403) with nothing changed."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from engine.draw.roster import load_roster
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.pages import Scene, log_in, logged_in, serious, shot

SAMPLE = json.loads(
    (DEFINITIONS / "samples" / "utility-external-works-site-inspection.json").read_text("utf-8")
)
ROSTER = load_roster(DEFINITIONS / "examiners.yaml")
IDENTITIES = [i for e in ROSTER.examiners for i in (e.id, e.name)]
STEP = "site-inspection"


def _inspected(scene: Scene) -> str:
    """A case whose site inspection became active: the engine drew its examiners, sealed."""
    case_id = str(
        scene.api.submit({k: SAMPLE[k] for k in ("applicant", "fields", "materials")})["id"]
    )
    base = f"/api/v1/cases/{case_id}"
    with scene.api.client("wang") as window:
        assert window.post(f"{base}/actions/accept").status_code == 200
    with scene.api.client("liu") as municipal:
        for step in ("road-occupation", "road-digging"):
            answer = municipal.post(f"{base}/actions/approve", json={"step": step})
            assert answer.status_code == 200, answer.text
    return case_id


def _no_identity(text: str) -> None:
    shown = [i for i in IDENTITIES if i in text]
    assert shown == [], shown


def test_art34_sealed_on_every_page_until_the_head_opens_it_at_its_time(
    page: Page, scene: Scene
) -> None:
    case_id = _inspected(scene)
    draw = scene.api.services.draws.show(case_id, STEP)  # type: ignore[union-attr]
    assert draw.status == "sealed" and draw.opens_at is not None
    commitment = draw.rounds[0].commitment
    opens = f"{draw.opens_at.year}年{draw.opens_at.month}月{draw.opens_at.day}日"
    for reader in ("ops", "jian", "chen"):  # every reader, before the opening time
        with logged_in(scene, reader) as (client, _):
            for path in (f"/cases/{case_id}", "/draws", f"/cases/{case_id}?lang=en"):
                answer = client.get(path)
                if path == "/draws" and reader == "chen":
                    assert answer.status_code == 403  # the list: supervisors and heads
                    continue
                assert answer.status_code == 200, (reader, path)
                _no_identity(answer.text)
    log_in(page, scene, "zhou")
    page.goto(f"{scene.api.url}/cases/{case_id}")
    section = page.locator(f"#draw-{STEP}")
    expect(section.get_by_role("heading", level=2)).to_contain_text("已封存")
    expect(section).to_contain_text(commitment)
    expect(section).to_contain_text(opens)
    expect(section.get_by_role("button", name="开启抽取结果")).to_be_disabled()
    _no_identity(page.content())
    shot(page, "draw-sealed")
    page.goto(f"{scene.api.url}/draws")
    row = page.locator("tr", has_text=case_id)
    expect(row).to_contain_text("已封存")
    expect(row).to_contain_text("实地核查")  # the step's title

    scene.api.clock.now = draw.opens_at  # the scheduled inspection time (the session ended)
    log_in(page, scene, "zhou")
    page.goto(f"{scene.api.url}/cases/{case_id}")
    section.get_by_role("button", name="开启抽取结果").click()
    expect(section.get_by_role("heading", level=2)).to_contain_text("已开启")
    opened = scene.api.services.draws.show(case_id, STEP)  # type: ignore[union-attr]
    assert opened.status == "opened" and len(opened.examiners) == 2
    for examiner in opened.examiners:
        name = next(e.name for e in ROSTER.examiners if e.id == examiner)
        expect(section.locator("table.examiners")).to_contain_text(f"{name} ({examiner})")
    expect(section.locator(".verify-result")).to_have_text("验证通过")
    expect(section.get_by_role("button", name="开启抽取结果")).to_have_count(0)
    shot(page, "draw-opened")
    assert serious(page) == []
    opened_by = [e for e in scene.api.services.cases.timeline(case_id) if e.kind == "draw.opened"]
    assert [e.actor for e in opened_by] == ["zhou"]


def test_art34_a_reviewer_sees_no_opening_form_and_a_forged_one_is_refused(
    page: Page, scene: Scene
) -> None:
    case_id = _inspected(scene)
    draw = scene.api.services.draws.show(case_id, STEP)  # type: ignore[union-attr]
    assert draw.opens_at is not None
    scene.api.clock.now = draw.opens_at  # even at the time
    log_in(page, scene, "chen")
    page.goto(f"{scene.api.url}/cases/{case_id}")
    expect(page.locator(f"#draw-{STEP}")).to_contain_text("已封存")
    expect(page.locator("form.draw-open")).to_have_count(0)
    before = scene.api.services.cases.revision(case_id)
    for user in ("chen", "hu", "jian"):  # a reviewer, another department's head, supervisor
        with logged_in(scene, user) as (client, csrf):
            answer = client.post(f"/cases/{case_id}/draws/{STEP}/open", data={"csrf": csrf})
            assert answer.status_code == 403, (user, answer.text)
            _no_identity(answer.text)
    with logged_in(scene, "zhou") as (client, _):  # the head, without the form's token
        answer = client.post(f"/cases/{case_id}/draws/{STEP}/open", data={"csrf": "forged"})
        assert answer.status_code == 403
    assert scene.api.services.cases.revision(case_id) == before
    with logged_in(scene, "hu") as (client, _):  # a head lists their own department's draws
        listed = client.get("/draws")
        assert listed.status_code == 200 and case_id not in listed.text
    with logged_in(scene, "jian") as (client, _):
        assert case_id in client.get("/draws").text
    assert scene.api.services.draws.show(case_id, STEP).status == "sealed"  # type: ignore[union-attr]
