"""axe-core (vendored from the npm package, MPL-2.0) finds no serious or critical violation on
the main pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.fixtures.pages import Scene, log_in

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"


def serious(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run()")
    assert len(result["passes"]) > 10  # the rules ran on the page
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("ops", "/overview"),
        ("ops", "/cases/{red}"),
        ("liu", "/worklist"),
        ("li", "/negatives"),
        ("jian", "/escalations"),
        (None, "/login"),
    ],
)
def test_no_serious_violation(page: Page, scene: Scene, user: str | None, path: str) -> None:
    if user is not None:
        log_in(page, scene, user)
    page.goto(scene.api.url + path.format(red=scene.red))
    assert serious(page) == []
