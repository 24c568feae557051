"""The window's intake on the case page (Art. 32): return a submitted application for
correction with a ticked material and a free-text item, then accept it once the supplement
answered them; no one else is offered the forms, and a forged one is 403."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fixtures.pages import Scene, log_in, logged_in


def test_art32_the_window_returns_and_then_accepts_from_the_case_page(
    scene: Scene, page: Page
) -> None:
    case_id = str(scene.api.submit()["id"])
    log_in(page, scene, "wang")
    page.goto(f"{scene.api.url}/cases/{case_id}")
    intake = page.locator("section.intake")
    intake.get_by_label("施工方案及施工平面图").check()
    intake.get_by_label("其他补正事项（每行一项）").fill("请说明夜间施工时段")
    intake.get_by_label("理由").fill("平面图不清晰")
    intake.get_by_role("button", name="退回补正").click()
    expect(page.locator("dd.status")).to_have_text("补正中")
    expect(page.locator("table.correction")).to_contain_text("请说明夜间施工时段")
    expect(page.locator("section.intake")).to_have_count(0)  # nothing to accept meanwhile
    correction = scene.api.services.cases.show(case_id).correction
    assert correction is not None and correction.issued_by == "wang"
    assert [i.key for i in correction.items] == ["construction-plan", "note-1"]
    supplied = {"construction-plan": "doc-77", "note-1": "夜间22时前停工"}
    scene.api.services.cases.act(case_id, "supplement", actor="wang", args={"materials": supplied})
    page.reload()
    page.locator("section.intake").get_by_role("button", name="受理").click()
    expect(page.locator("dd.status")).to_have_text("办理中")
    assert scene.api.services.cases.show(case_id).status == "in-progress"


def test_only_the_window_is_offered_intake_and_a_forged_one_is_403(scene: Scene) -> None:
    case_id = str(scene.api.submit()["id"])
    form = {"action": "return-for-correction", "notes": "随便"}
    for user in ("ops", "liu"):
        with logged_in(scene, user) as (client, csrf):
            shown = client.get(f"/cases/{case_id}")
            forged = client.post(f"/cases/{case_id}/intake", data={**form, "csrf": csrf})
        assert shown.status_code == 200 and '/intake"' not in shown.text
        assert forged.status_code == 403, (user, forged.text)
    with logged_in(scene, "wang") as (client, _):
        assert '/intake"' in client.get(f"/cases/{case_id}").text
    assert scene.api.services.cases.show(case_id).status == "submitted"
