"""axe-core (vendored from the npm package, MPL-2.0) finds no serious or critical violation on
the main pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.fixtures.pages import Scene, log_in, serious


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("ops", "/overview"),
        ("ops", "/cases/{red}"),
        ("liu", "/worklist"),
        ("li", "/negatives"),
        ("jian", "/escalations"),
        (None, "/login"),
        ("liu", "/overview"),  # a department's own overview
        ("ops", "/calendar?calendar=gx&year=2026"),
        ("ops", "/cases/{red}/documents/1"),
        (None, "/lookup"),
    ],
)
def test_no_serious_violation(page: Page, scene: Scene, user: str | None, path: str) -> None:
    if user is not None:
        log_in(page, scene, user)
    page.goto(scene.api.url + path.format(red=scene.red))
    assert serious(page) == []
