"""The worklist page goes page by page, most urgent first, as the API lists the steps: each
page names the step it ended with in its next page's link; a position that is no step is
refused with a message, nothing listed."""

from __future__ import annotations

import re

import pytest

from engine.pages import routes
from tests.fixtures.pages import Scene, logged_in

ROW = re.compile(  # a step's row: its step and its case
    r'<tr class="light-\w+" data-step="([^"]+)">\s*<td[^>]*>[^<]*</td>\s*'
    r'<td><a href="/cases/([^"]+)"'
)
NEXT = re.compile(r'href="(/worklist\?[^"]+)" rel="next"')


def test_the_worklist_pages_follow_the_apis_order(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "WORKLIST_PAGE", 2)
    shown: list[tuple[str, str]] = []
    with logged_in(scene, "liu") as (client, _):
        path: str | None = "/worklist"
        pages = 0
        while path:
            answer = client.get(path.replace("&amp;", "&"))
            assert answer.status_code == 200, answer.text
            rows = [(case, step) for step, case in ROW.findall(answer.text)]
            assert 0 < len(rows) <= 2
            shown += rows
            found = NEXT.search(answer.text)
            path = found[1] if found else None
            pages += 1
        refused = client.get("/worklist", params={"after": f"{scene.fresh}/no-such-step"})
    with scene.api.client("liu") as api:
        page = api.get("/api/v1/worklist", params={"department": "municipal", "limit": 500})
    listed = page.json()["items"]
    assert pages >= 2
    assert shown == [(w["case"], w["step"]) for w in listed if w["task"] == "step"]
    assert refused.status_code == 400 and "no-such-step" in refused.text
