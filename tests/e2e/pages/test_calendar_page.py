"""The working calendar page (工作日历) shows the same year as `onething calendar show --json`:
the State Council's holidays and make-up days, Guangxi's 壮族三月三, and which layers have not
yet published a year."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from engine.views.definitions import year_view
from tests.fixtures.pages import Scene, log_in, shot


def test_guangxi_2026_marks_national_days_make_up_days_and_sanyuesan(
    page: Page, scene: Scene
) -> None:
    log_in(page, scene, "liu")
    page.goto(scene.api.url + "/calendar?calendar=gx&year=2026")
    expect(
        page.get_by_role("heading", name="工作日历 · 广西壮族自治区 Guangxi 2026")
    ).to_be_visible()
    # 壮族三月三 falls on a weekend in 2026 and is made up on Friday 17 and Monday 20 April
    for day in ("2026-04-17", "2026-04-20"):
        cell = page.locator(f'td.day[data-date="{day}"]')
        expect(cell).to_have_class("day holiday regional")
        expect(cell).to_contain_text("休")  # in words, not colour alone
        expect(cell).to_have_attribute("title", re.compile("壮族三月三"))
    national_day = page.locator('td.day[data-date="2026-10-01"]')
    expect(national_day).to_have_class("day holiday")
    expect(page.locator('td.day[data-date="2026-10-10"]')).to_contain_text("班")  # Saturday worked
    expect(page.locator("p.official")).to_be_visible()
    same = year_view(scene.api.services.calendars, "gx", 2026)  # what the CLI prints
    rows = page.locator("table.named tbody tr")
    expect(rows).to_have_count(len(same.days))
    assert [r.get_attribute("data-date") for r in rows.all()] == [
        d.date.isoformat() for d in same.days
    ]
    shot(page, "calendar")


def test_a_year_not_yet_published_is_provisional_naming_its_layers(
    page: Page, scene: Scene
) -> None:
    log_in(page, scene, "ops")
    page.goto(scene.api.url + "/calendar?calendar=gx&year=2027")
    expect(page.locator("p.provisional")).to_contain_text("cn, gx")
    page.get_by_role("link", name="English").click()
    expect(
        page.get_by_role("heading", name="Working calendar · 广西壮族自治区 Guangxi 2027")
    ).to_be_visible()
    expect(page.locator("p.provisional")).to_contain_text("Provisional")
