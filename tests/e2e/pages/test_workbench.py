"""The definitions workbench (事项编排) in a real browser: a department admin uploads a broken
workflow, sees the problem at its line, fixes it, dry-runs it on the Guangxi calendar and
registers it; a reviewer may not open it."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import FilePayload, Page, expect

from engine.calendar import Limit
from engine.pages import i18n
from engine.registry import list_workflows
from tests.fixtures.api import TZ
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.pages import Scene, log_in, serious, shot

WORKFLOW = "utility-external-works"
SOURCE = (DEFINITIONS / "workflows" / f"{WORKFLOW}.yaml").read_text(encoding="utf-8")
FIXED = SOURCE.replace("version: 1\n", "version: 2\n", 1)
BROKEN = FIXED.replace("limit: 1 working-days", "limit: 1 working-dayz", 1)
# Thursday before Guangxi's 壮族三月三 of 2026: Friday 04-17 and Monday 04-20 are off
ACCEPTED = dt.datetime(2026, 4, 16, 9, 0, tzinfo=TZ)


def test_an_admin_fixes_dry_runs_and_registers_a_workflow(page: Page, scene: Scene) -> None:
    log_in(page, scene, "admin")
    page.get_by_role("link", name="事项编排").click()
    expect(page.get_by_role("heading", name="事项编排")).to_be_visible()
    upload: FilePayload = {
        "name": f"{WORKFLOW}.yaml",
        "mimeType": "text/yaml",
        "buffer": BROKEN.encode(),
    }
    page.get_by_label("或上传文件").set_input_files(files=[upload])
    page.get_by_role("button", name="检查").click()

    line = BROKEN.splitlines().index("    limit: 1 working-dayz") + 1
    problems = page.locator("section.problems")
    expect(
        problems.get_by_role("link", name=re.compile(rf"^{WORKFLOW}\.yaml:{line}:"))
    ).to_be_visible()
    marked = page.locator(f"ol.listing li#L{line}")
    expect(marked).to_have_class("bad")
    expect(marked).to_contain_text("working-dayz")
    expect(marked.locator(".mark")).to_contain_text(f"第 {line} 行")
    shot(page, "workbench-problem")

    page.get_by_label("工作流定义（YAML）").fill(FIXED)  # the upload's text is in the editor
    page.get_by_role("button", name="检查").click()
    expect(page.get_by_role("status")).to_contain_text(f"定义有效：{WORKFLOW} 第 2 版")
    expect(page.locator("pre.diff .add")).to_contain_text(["+version: 2"])
    expect(page.locator("figure.graph-box svg")).to_be_visible()

    page.get_by_label("示例申请").select_option(WORKFLOW)
    page.get_by_label("受理日期").fill(ACCEPTED.date().isoformat())
    page.get_by_label("受理时间").fill("09:00")
    page.get_by_role("button", name="试算").click()
    # the parallel reviews are 当场 (same day); the joint decision starts at their close
    gx = scene.api.services.calendars.get("gx")
    reviews_due = gx.due(ACCEPTED, Limit.parse("same-day")).at
    decision_due = gx.due(reviews_due, Limit.parse("same-day")).at
    assert decision_due.date() == dt.date(2026, 4, 21)  # 04-17, 04-20: 三月三; 18-19 weekend
    decision = page.locator("tr#due-joint-decision td.due")
    expect(decision).to_have_text(i18n.moment(decision_due, "zh"))
    expect(page.locator("tr#due-road-occupation td.due")).to_have_text(
        i18n.moment(reviews_due, "zh")
    )
    expect(page.locator("tr#due-site-inspection")).to_contain_text("不适用")  # 350 m ≤ 1000 m
    # limits and departments in words, not the definition's notation and ids
    road = page.locator("tr#due-road-occupation")
    expect(road).to_contain_text("当场办结")
    expect(road).to_contain_text(scene.api.services.catalogue().departments["municipal"].name)
    expect(road).not_to_contain_text("municipal")
    assert serious(page) == []
    shot(page, "workbench")

    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("status").first).to_have_text(f"已登记 {WORKFLOW} 第 2 版")
    listing = {w.workflow_id: w for w in list_workflows(scene.api.services.cases.engine)}
    assert listing[WORKFLOW].versions == [1, 2] and listing[WORKFLOW].current == 2
    expect(page.locator("#wb-diff + p")).to_have_text("与已登记的最新版本相同")


def test_a_reviewer_cannot_open_the_workbench(page: Page, scene: Scene) -> None:
    log_in(page, scene, "chen")
    expect(page.get_by_role("link", name="事项编排")).to_have_count(0)
    answer = page.goto(scene.api.url + "/workbench")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("alert")).to_contain_text("may not definitions check")
