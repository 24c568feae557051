"""The case's documents (文书) as printable pages, and the applicant's public status lookup
(办件进度查询) with the query code the acceptance notice prints."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.fixtures.api import APPLICATION
from tests.fixtures.pages import Scene, log_in, shot


def open_document(page: Page, scene: Scene, case: str, title: str) -> None:
    page.goto(f"{scene.api.url}/cases/{case}")
    page.locator("ul.documents").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_art32_the_acceptance_notice_is_numbered_dated_and_prints_the_query_code(
    page: Page, scene: Scene
) -> None:
    code = scene.api.services.cases.show(scene.fresh).query_code
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", code)
    log_in(page, scene, "ops")
    open_document(page, scene, scene.fresh, "受理通知书")
    doc = page.locator("article.document")
    expect(doc.locator(".docno")).to_have_text(f"受〔2026〕{scene.fresh}-1号")
    expect(doc.locator(".doc-date")).to_have_text("2026年10月12日")  # local date of acceptance
    expect(doc.locator(".query-code")).to_have_text(code)
    expect(doc.locator(".issuer")).to_have_text("柳州市行政审批局")
    shot(page, "acceptance-notice")
    page.emulate_media(media="print")  # the printed sheet: the document alone
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(doc).to_be_visible()


def test_art32_the_correction_notice_lists_every_item_in_one_notice(
    page: Page, scene: Scene
) -> None:
    cases = scene.api.services.cases
    # two reviews ask in turn: their items gather on one draft, the window issues it once
    for step, item in (("road-occupation", "traffic-plan"), ("road-digging", "construction-plan")):
        cases.act(
            scene.fresh,
            "return-for-correction",
            actor="liu",
            args={"step": step, "items": [item], "reason": "图纸不清"},
        )
    cases.act(scene.fresh, "issue-correction", actor="wang")
    log_in(page, scene, "ops")
    page.goto(f"{scene.api.url}/cases/{scene.fresh}")
    expect(page.locator("ul.documents").get_by_role("link", name="补正材料通知书")).to_have_count(1)
    open_document(page, scene, scene.fresh, "补正材料通知书")
    doc = page.locator("article.document")
    items = doc.locator(".doc-items")
    expect(items).to_contain_text("交通")  # the materials' titles, both in the one notice
    expect(items).to_contain_text("施工方案")
    expect(doc.locator(".docno")).to_have_text(re.compile(rf"^补〔2026〕{scene.fresh}-\d+号$"))


def test_art38_a_refusal_decision_gives_reasons_basis_and_the_right_to_review_or_sue(
    page: Page, scene: Scene
) -> None:
    scene.api.services.cases.act(
        scene.refused,
        "confirm-negative",
        actor="li",
        args={"negative": f"{scene.refused}-N1", "reason": "材料确实不全"},
    )
    log_in(page, scene, "li")
    open_document(page, scene, scene.refused, "不予受理决定书")
    doc = page.locator("article.document")
    expect(doc.locator(".doc-reason")).to_have_text("申请材料不齐全")
    expect(doc.locator(".doc-basis")).to_have_text("行政许可法第三十二条")
    remedies = doc.locator(".doc-remedies")
    expect(remedies).to_contain_text("六十日内依法申请行政复议")  # 行政复议法 Art. 20
    expect(remedies).to_contain_text("六个月内依法向人民法院提起行政诉讼")  # 行政诉讼法 Art. 46
    expect(doc.locator(".docno")).to_have_text(re.compile(r"^不受〔2026〕"))


def test_the_applicant_looks_up_status_and_dates_with_the_code_and_sees_nothing_personal(
    browser: Browser, scene: Scene
) -> None:
    code = scene.api.services.cases.show(scene.fresh).query_code
    context = browser.new_context(locale="zh-CN")  # no login
    page = context.new_page()
    page.goto(scene.api.url + "/lookup")
    page.get_by_label("受理编号").fill(scene.fresh)
    page.get_by_label("查询码").fill("WRONG234")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_have_text("受理编号或查询码不正确")
    page.get_by_label("查询码").fill(code.lower())  # as typed: case does not matter
    page.get_by_role("button", name="查询").click()
    found = page.locator("section.found")
    expect(found.locator("dd.status")).to_have_text("办理中")
    promised = scene.api.services.cases.show(scene.fresh).promised
    assert promised is not None
    day = promised.due_date
    expect(found.locator("dd.promised")).to_have_text(f"{day.year}年{day.month}月{day.day}日")
    expect(found).to_contain_text("占用城市道路审查")
    text = page.content()
    for personal in (APPLICATION["applicant"]["name"], APPLICATION["applicant"]["credit_code"]):
        assert personal not in text
    assert "wang" not in found.inner_text()  # no officer named
    shot(page, "lookup")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Application status")).to_be_visible()
    context.close()
