"""The pages in Debian's chromium (headless, driven by Playwright) over the API served on
loopback: a case accepted before the National Day holidays and overdue since, one waiting on
the leader's decision on a refusal, one freshly accepted on the reviewers' worklists."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.fixtures.api import NOW, TZ, Api, served

SHOTS = Path(__file__).resolve().parents[3] / ".screenshots"
BEFORE_HOLIDAYS = dt.datetime(2026, 9, 30, 9, 0, tzinfo=TZ)  # National Day starts 10-01


@dataclass
class Scene:
    api: Api
    red: str  # accepted 2026-09-30, its same-day steps overdue since
    fresh: str  # accepted at NOW, every step open
    refused: str  # a refusal awaiting the leader (否定事项报备)


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    with served(f"sqlite:///{tmp_path / 'pages.db'}") as api:
        api.clock.now = BEFORE_HOLIDAYS
        red = api.accepted()
        api.clock.now = NOW
        fresh = api.accepted()
        refused = str(api.submit()["id"])
        with api.client("wang") as window:
            answer = window.post(
                f"/api/v1/cases/{refused}/actions/refuse",
                json={"reason": "申请材料不齐全", "legal_basis": "行政许可法第三十二条"},
            )
        assert answer.status_code == 200, answer.text
        api.services.supervision.sweep()  # the red case's levels fire (电子监察)
        yield Scene(api, red, fresh, refused)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "chromium is missing: `make test` installs it (apt)"
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=executable, headless=True)
        yield found
        found.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    yield context.new_page()
    context.close()


def log_in(page: Page, scene: Scene, user: str) -> None:
    page.goto(scene.api.url + "/login")
    page.get_by_label("API 令牌").fill(scene.api.tokens[user])
    page.get_by_role("button", name="登录").click()


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
