"""The pages' security: the session cookie, CSRF, department scope, logout, and the headers
that keep a page from running anything but its own files."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page

from engine.api.deps import LOOKUPS_PER_MINUTE
from tests.fixtures.pages import CSRF, Scene, log_in, logged_in


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("ops", "/overview"),
        ("ops", "/cases/{red}"),
        ("liu", "/worklist"),
        ("li", "/negatives"),
        ("jian", "/escalations"),
        ("ops", "/calendar?calendar=gx&year=2026"),
        ("ops", "/draws"),
        ("ops", "/cases/{red}/documents/1"),
        (None, "/lookup"),
        (None, "/docs"),
    ],
)
def test_every_page_works_under_its_content_security_policy(
    page: Page, scene: Scene, user: str | None, path: str
) -> None:
    """Nothing the page needs is refused by its policy (no inline script or style, nothing
    from elsewhere), and the policy is there to refuse what an injected text would bring."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    if user is not None:
        log_in(page, scene, user)
    answer = page.goto(scene.api.url + path.format(red=scene.red))
    assert answer is not None and answer.status == 200
    page.wait_for_load_state("networkidle")
    assert refused == []  # the page itself needed nothing its policy refuses
    headers = answer.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    blocked = page.evaluate(
        """() => new Promise(done => {
            document.addEventListener('securitypolicyviolation', () => done(true));
            const s = document.createElement('script');
            s.textContent = 'window.injected = true';
            document.body.appendChild(s);
            setTimeout(() => done(false), 1000);
        })"""
    )
    if path != "/docs":  # Swagger UI starts itself inline: that one page allows inline script
        assert blocked and page.evaluate("() => window.injected") is None


def test_api_answers_carry_the_security_headers(scene: Scene) -> None:
    with scene.api.client("ops") as client:
        answer = client.get("/api/v1/cases")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_an_action_without_the_csrf_token_is_refused_and_changes_nothing(scene: Scene) -> None:
    before = scene.api.services.cases.revision(scene.fresh)
    form = {"action": "approve", "step": "road-occupation"}
    with logged_in(scene, "liu") as (client, csrf):
        assert client.post(f"/cases/{scene.fresh}/act", data=form).status_code == 403
        wrong = {**form, "csrf": "x" + csrf}
        assert client.post(f"/cases/{scene.fresh}/act", data=wrong).status_code == 403
        assert scene.api.services.cases.revision(scene.fresh) == before
        answer = client.post(f"/cases/{scene.fresh}/act", data=form, headers={"X-CSRF-Token": csrf})
        assert answer.status_code == 200
    assert scene.api.services.cases.revision(scene.fresh) > before


def test_a_login_without_the_forms_token_opens_no_session(scene: Scene) -> None:
    with scene.api.client() as client:
        answer = client.post("/login", data={"token": scene.api.tokens["ops"], "csrf": "x"})
        assert answer.headers["location"] == "/login"
        assert client.get("/overview").headers["location"] == "/login"


def test_a_reviewer_cannot_open_another_departments_worklist(scene: Scene) -> None:
    with logged_in(scene, "liu") as (client, _):
        answer = client.get("/worklist", params={"department": "traffic-police"})
        assert answer.status_code == 403
        assert "liu (reviewer@municipal) may not worklist read" in answer.text
        assert scene.fresh not in answer.text
        assert client.get("/overview", params={"department": "traffic-police"}).status_code == 403
        own = client.get("/overview")  # their own department's overview (部门总览)
        assert own.status_code == 200 and "柳州市住房和城乡建设局(市政)" in own.text


def test_the_session_ends_on_logout(scene: Scene) -> None:
    with logged_in(scene, "ops") as (client, csrf):
        assert client.get("/overview").status_code == 200
        assert client.post("/logout", data={"csrf": csrf}).status_code == 303
        assert client.get("/overview").headers["location"] == "/login"


def test_a_disabled_user_is_logged_out_at_once(scene: Scene) -> None:
    with logged_in(scene, "ops") as (client, _):
        scene.api.services.accounts.disable("ops")
        assert client.get("/overview").headers["location"] == "/login"


def _lookup(client: httpx.Client, case: str, code: str) -> httpx.Response:
    form = CSRF.search(client.get("/lookup").text)
    assert form is not None
    return client.post("/lookup", data={"case": case, "code": code, "csrf": form[1]})


def test_a_wrong_code_and_an_unknown_case_answer_alike(scene: Scene) -> None:
    with scene.api.client() as client:
        wrong = _lookup(client, scene.fresh, "ABCDEFGH")
        unknown = _lookup(client, "20261012-0000000000", "ABCDEFGH")
        hostile = _lookup(client, "../../etc", "ABCDEFGH")
    assert wrong.status_code == unknown.status_code == hostile.status_code == 404
    assert scene.fresh not in wrong.text.replace(f'value="{scene.fresh}"', "")  # only as typed


def test_a_lookup_without_the_forms_token_is_refused(scene: Scene) -> None:
    code = scene.api.services.cases.show(scene.fresh).query_code
    with scene.api.client() as client:
        answer = client.post("/lookup", data={"case": scene.fresh, "code": code})
    assert answer.status_code == 403 and "办理中" not in answer.text


def test_lookups_are_rate_limited_per_client(scene: Scene) -> None:
    code = scene.api.services.cases.show(scene.fresh).query_code
    with scene.api.client() as client:
        answers = [_lookup(client, scene.fresh, "ABCDEFGH") for _ in range(LOOKUPS_PER_MINUTE)]
        assert {a.status_code for a in answers} == {404}
        blocked = _lookup(client, scene.fresh, code)  # even the right code waits now
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "60"
    assert "查询过于频繁" in blocked.text and "办理中" not in blocked.text
