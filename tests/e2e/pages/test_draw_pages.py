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


def _as(page: Page, scene: Scene, user: str) -> None:
    """The browser logged in as `user` afresh (another user's session dropped)."""
    page.context.clear_cookies()
    page.set_default_timeout(10_000)
    log_in(page, scene, user)


def _opened(scene: Scene) -> tuple[str, list[str]]:
    """A case whose draw the head opened at its time; each examiner drawn has an account
    named by their roster id, a reviewer of the bureau (the demo's mapping)."""
    case_id = _inspected(scene)
    draws = scene.api.services.draws
    assert draws is not None
    for examiner in ROSTER.examiners:
        scene.api.tokens[examiner.id] = scene.api.services.accounts.add(
            examiner.id, role="reviewer", department=examiner.department
        )
    opens_at = draws.show(case_id, STEP).opens_at
    assert opens_at is not None
    scene.api.clock.now = opens_at
    return case_id, draws.open(case_id, STEP, actor="zhou").examiners


def test_art34_an_examiner_records_findings_on_the_case_page(page: Page, scene: Scene) -> None:
    case_id, (first, second) = _opened(scene)
    _as(page, scene, first)
    page.goto(f"{scene.api.url}/cases/{case_id}")
    section = page.locator(f"#draw-{STEP}")
    section.get_by_role("button", name="提交核查意见").click()  # empty: the engine refuses
    expect(page.locator(".refused")).to_contain_text("请填写必填内容")
    expect(page.locator(".refused")).to_contain_text("'comment' is required")
    section.get_by_label("核查意见").fill("现场管线走向与图纸一致")
    section.get_by_role("button", name="提交核查意见").click()
    expect(section.locator("table.examiners")).to_contain_text("现场管线走向与图纸一致")
    expect(section.locator("form.draw-finding")).to_have_count(0)  # recorded once
    expect(section.locator("form.draw-decline")).to_have_count(0)
    shot(page, "draw-finding")
    assert serious(page) == []
    page.goto(f"{scene.api.url}/cases/{case_id}?lang=en")
    expect(section.locator("table.examiners")).to_contain_text("现场管线走向与图纸一致")
    page.goto(f"{scene.api.url}/worklist")  # recorded: their worklist row offers no form now
    row = page.locator(f"tr[data-step='{STEP}']", has_text=case_id)
    expect(row.locator("form.draw-finding")).to_have_count(0)
    expect(row.locator("form.act")).to_have_count(1)
    _as(page, scene, second)  # the other examiner, from their worklist, in English
    page.goto(f"{scene.api.url}/worklist?lang=en")
    row.get_by_label("Findings").fill("Agreed")
    row.get_by_role("button", name="Record findings").click()
    expect(section.locator("table.examiners")).to_contain_text("Agreed")
    expect(section.locator("table.examiners")).to_contain_text("现场管线走向与图纸一致")
    step = scene.api.services.cases.load(case_id).steps[STEP]
    assert step.status.value == "approved"  # every examiner's findings are in
    findings = [e for e in scene.api.services.cases.timeline(case_id) if e.kind == "draw.finding"]
    assert [e.actor for e in findings] == [first, second]


def test_art34_only_the_examiner_sees_the_forms_and_a_forged_post_is_refused(
    page: Page, scene: Scene
) -> None:
    case_id, (first, _) = _opened(scene)
    outsider = next(e.id for e in ROSTER.examiners if e.id not in (first, _))
    for user in ("chen", "zhou", outsider):  # a reviewer, the head, an examiner not drawn
        _as(page, scene, user)
        page.goto(f"{scene.api.url}/cases/{case_id}")
        expect(page.locator(f"#draw-{STEP}")).to_contain_text("已开启")
        expect(page.locator("form.draw-finding, form.draw-decline")).to_have_count(0)
    before = scene.api.services.cases.revision(case_id)
    for user in ("chen", "zhou", "liu", "jian", outsider):
        with logged_in(scene, user) as (client, csrf):
            for action, field in (("findings", "text"), ("decline", "reason")):
                answer = client.post(
                    f"/cases/{case_id}/draws/{STEP}/{action}",
                    data={"csrf": csrf, field: "伪造"},
                )
                assert answer.status_code == 403, (user, action, answer.text)
    with logged_in(scene, first) as (client, _):  # the examiner, without the form's token
        answer = client.post(
            f"/cases/{case_id}/draws/{STEP}/findings", data={"csrf": "forged", "text": "同意"}
        )
        assert answer.status_code == 403
    assert scene.api.services.cases.revision(case_id) == before


def test_art34_an_examiner_withdraws_and_the_engine_draws_a_replacement(
    page: Page, scene: Scene
) -> None:
    case_id, (first, second) = _opened(scene)
    _as(page, scene, first)
    page.goto(f"{scene.api.url}/cases/{case_id}")
    section = page.locator(f"#draw-{STEP}")
    section.get_by_label("回避或无法到场的理由").fill("近亲属在申请单位任职")
    section.get_by_role("button", name="申请回避（重新抽取替换）").click()
    # the replacement is drawn at once and sealed until the head opens it
    expect(section.get_by_role("heading", level=2)).to_contain_text("已封存")
    expect(section).to_contain_text("替换回避/退出的审查员：近亲属在申请单位任职")
    expect(section.locator("table.examiners")).to_contain_text("已退出: 近亲属在申请单位任职")
    expect(section.locator("form.draw-finding, form.draw-decline")).to_have_count(0)
    draws = scene.api.services.draws
    assert draws is not None
    view = draws.show(case_id, STEP)
    assert view.status == "sealed" and view.examiners == [second] and len(view.rounds) == 2
    sealed = [e for e in scene.api.services.cases.timeline(case_id) if e.kind == "draw.sealed"]
    assert [e.actor for e in sealed] == ["system", "system"]
    _as(page, scene, "zhou")
    page.goto(f"{scene.api.url}/cases/{case_id}")
    section.get_by_role("button", name="开启抽取结果").click()
    expect(section.get_by_role("heading", level=2)).to_contain_text("已开启")
    replacement = next(e for e in draws.show(case_id, STEP).examiners if e != second)
    assert replacement != first
    expect(section.locator(".verify-result")).to_have_text("验证通过")
    _as(page, scene, replacement)
    page.goto(f"{scene.api.url}/cases/{case_id}")
    expect(section.locator("form.draw-finding")).to_have_count(1)
