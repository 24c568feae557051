"""The operators', reviewers' and leaders' pages in a real browser, end to end."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from flows.tables import remember
from tests.fixtures.pages import Scene, log_in, shot


def test_the_operator_sees_the_red_case_and_its_gantt(page: Page, scene: Scene) -> None:
    log_in(page, scene, "ops")
    expect(page).to_have_url(re.compile(r"/overview$"))
    expect(page.get_by_role("heading", name="运行总览")).to_be_visible()
    overdue = page.locator("section", has_text="超期最久的环节")
    expect(overdue.get_by_role("link", name=scene.red).first).to_be_visible()
    municipal = page.locator("table.lights tr", has_text="市政")
    expect(municipal.locator("td.red")).to_have_text("■ 2")  # road occupation and digging
    expect(page.get_by_text("按时办结率")).to_be_visible()
    verifying = page.locator("table.verifying")  # no source went silent at these intakes
    expect(page.get_by_role("heading", name="窗口待核验材料（按部门）")).to_be_visible()
    expect(verifying.locator("tbody tr")).to_have_text("无")
    shot(page, "overview")
    overdue.get_by_role("link", name=scene.red).first.click()
    expect(page.get_by_role("heading", name=f"办件详情 {scene.red}")).to_be_visible()
    gantt = page.locator("svg.gantt")
    expect(gantt).to_be_visible()
    # National Day: 10-01..10-07 off (five weekdays among them), Saturday 10-10 worked
    assert gantt.locator("rect.day.holiday").count() == 5
    assert gantt.locator("rect.day.makeup").count() == 1
    expect(gantt.locator("line.today")).to_have_count(1)
    expect(gantt.locator("line.due.promised")).to_have_count(1)
    expect(gantt.locator("line.due.statutory")).to_have_count(1)
    expect(page.locator("dd", has_text="2026年9月30日").first).to_be_visible()
    shot(page, "case")


def test_filters_live_in_the_url_and_english_is_a_switch(page: Page, scene: Scene) -> None:
    log_in(page, scene, "ops")
    page.get_by_label("部门").select_option("traffic-police")
    expect(page).to_have_url(re.compile(r"department=traffic-police"))
    expect(page.locator("table.lights tbody tr")).to_have_count(1)
    page.reload()
    expect(page.get_by_label("部门")).to_have_value("traffic-police")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("^Materials for the window"))
    ).to_be_visible()
    page.goto(scene.api.url + "/worklist")  # the choice is kept
    expect(page.get_by_role("heading", name=re.compile("^Worklist"))).to_be_visible()


def test_a_reviewer_approves_from_the_worklist_and_the_case_moves(page: Page, scene: Scene) -> None:
    log_in(page, scene, "liu")
    expect(page).to_have_url(re.compile(r"/worklist$"))
    row = page.locator('tr[data-step="road-occupation"]', has_text=scene.fresh)
    expect(row.locator("td").nth(2)).to_have_text("占用城市道路审查")  # the step's title
    # a same-day step is within a working day of its deadline: yellow, said in words too
    expect(row.locator("td.light")).to_have_text("▲ 黄牌预警")
    before = scene.api.services.cases.revision(scene.fresh)
    row.get_by_label("决定").select_option("extend")  # a reviewer may not extend
    row.get_by_role("button", name="OK").click()
    alert = page.get_by_role("alert")  # in Chinese on a Chinese page, the engine's words below
    expect(alert).to_contain_text("操作未执行：您的角色或所在部门无权办理此项操作")
    expect(alert.locator(".refusal-details")).to_contain_text("may not cases extend")
    assert scene.api.services.cases.revision(scene.fresh) == before  # nothing changed
    row = page.locator('tr[data-step="road-occupation"]', has_text=scene.fresh)
    row.get_by_label("决定").select_option("approve")
    row.get_by_label("意见").fill("同意占道")
    row.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status")).to_contain_text(f"{scene.fresh} · 占用城市道路审查 · 通过")
    assert scene.api.services.cases.show(scene.fresh).step("road-occupation").status == "approved"
    expect(page.locator('tr[data-step="road-occupation"]', has_text=scene.fresh)).to_have_count(0)
    shot(page, "worklist")


def test_a_leader_confirms_a_negative_matter(page: Page, scene: Scene) -> None:
    log_in(page, scene, "li")
    page.goto(scene.api.url + "/negatives")
    row = page.locator("tr", has_text=scene.refused)
    expect(row.locator(".negstatus")).to_have_text("待审")
    expect(row.locator(".negdue")).to_contain_text("（UTC+08:00）")  # the leader's limit
    expect(row.locator(".negdue")).to_contain_text("剩余")
    row.get_by_role("button", name="确认").click()  # no reason: the browser asks for one
    assert scene.api.services.cases.show(scene.refused).status == "refusal-pending"
    row.get_by_label("理由").fill("材料确实不全，依法不予受理")
    row.get_by_role("button", name="确认").click()
    expect(page.locator("tr", has_text=scene.refused).locator(".negstatus")).to_contain_text(
        "已确认 · li"
    )
    assert scene.api.services.cases.show(scene.refused).status == "refused"
    shot(page, "negatives")


def test_a_supervisor_acknowledges_an_escalation_and_orders_a_date(
    page: Page, scene: Scene
) -> None:
    log_in(page, scene, "jian")
    page.goto(scene.api.url + "/escalations")
    row = page.locator("tr", has_text=scene.red).filter(has_text="占用城市道路审查")
    row = row.filter(has_text="红牌超期")
    row.get_by_role("button", name="签收").click()
    row = page.locator("tr", has_text=scene.red).filter(has_text="占用城市道路审查")
    row = row.filter(has_text="红牌超期")
    expect(row.locator("td.col-ack")).to_contain_text("jian · 2026年10月12日")
    row.get_by_label("限期办结日期").fill("2026-10-14")
    row.get_by_role("button", name="督办").click()
    # the order is recorded as its own level (限期办结令) of the step's clock
    row = page.locator("tr", has_text=scene.red).filter(has_text="占用城市道路审查")
    expect(row.filter(has_text="限期办结令").locator("td.col-order")).to_contain_text(
        "jian · 2026年10月14日 17:30（UTC+08:00）"
    )
    levels = {
        e.level: e
        for e in scene.api.services.supervision.escalations(case_id=scene.red)
        if e.step == "road-occupation"
    }
    assert levels["red"].acknowledged_by == "jian" and levels["order"].ordered_by == "jian"
    shot(page, "escalations")


def test_the_case_page_links_its_prefect_flow_run(page: Page, scene: Scene) -> None:
    run_id = "5b1c0d3e-0000-4000-8000-00000000c0de"
    remember(scene.api.services.cases.engine, scene.red, run_id, at=scene.api.clock.now)
    log_in(page, scene, "ops")
    page.goto(f"{scene.api.url}/cases/{scene.red}")
    link = page.locator("dd a", has_text=run_id)
    expect(link).to_have_attribute("href", re.compile(f"^http://.+/runs/flow-run/{run_id}$"))
    page.goto(f"{scene.api.url}/cases/{scene.fresh}")  # no run yet: no link
    expect(page.locator('a[href*="/runs/flow-run/"]')).to_have_count(0)


def test_art32_the_case_page_shows_the_open_correction_and_what_is_still_awaited(
    page: Page, scene: Scene
) -> None:
    log_in(page, scene, "liu")
    row = page.locator('tr[data-step="road-digging"]', has_text=scene.fresh)
    row.get_by_label("决定").select_option("return-for-correction")
    row.get_by_label("补正材料（逗号分隔）").fill("traffic-plan，补充夜间施工说明")
    row.get_by_role("button", name="OK").click()
    expect(page.get_by_role("status")).to_contain_text(f"{scene.fresh} · 挖掘城市道路审查")
    page.goto(f"{scene.api.url}/cases/{scene.fresh}")
    # the other branches are still at work: a draft, nobody told yet
    expect(page.locator("p.correction-state")).to_contain_text("一次告知草稿")
    items = page.locator("table.correction tbody tr")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="note-1 · 补充夜间施工说明")).to_contain_text(
        "挖掘城市道路审查 · liu"
    )
    expect(items.filter(has_text="traffic-plan")).to_contain_text("待补正")
    with scene.api.client("wang") as window:
        answer = window.post(
            f"/api/v1/cases/{scene.fresh}/actions/supplement",
            json={"materials": {"traffic-plan": "doc-9"}},
        )
    assert answer.status_code == 200, answer.text
    page.reload()  # the supplied material left the awaited list at once
    expect(page.locator("table.correction tbody tr", has_text="traffic-plan")).to_contain_text(
        "已补正"
    )
    expect(page.locator("table.correction tbody tr", has_text="note-1")).to_contain_text("待补正")
    shot(page, "correction")
