"""The pages' security: the session cookie, CSRF, department scope and logout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.fixtures.pages import Scene

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def logged_in(scene: Scene, user: str) -> Iterator[tuple[httpx.Client, str]]:
    """A client with a session of `user`, and the session's CSRF token."""
    with scene.api.client() as client:
        yield _log_in(client, scene, user)


def _log_in(client: httpx.Client, scene: Scene, user: str) -> tuple[httpx.Client, str]:
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    answer = client.post("/login", data={"token": scene.api.tokens[user], "csrf": token[1]})
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert scene.api.tokens[user] not in cookie  # only the session id
    page = client.get("/worklist")
    found = CSRF.search(page.text)
    assert found is not None
    return client, found[1]


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
        assert client.get("/overview").status_code == 403  # every department: operators'


def test_the_session_ends_on_logout(scene: Scene) -> None:
    with logged_in(scene, "ops") as (client, csrf):
        assert client.get("/overview").status_code == 200
        assert client.post("/logout", data={"csrf": csrf}).status_code == 303
        assert client.get("/overview").headers["location"] == "/login"


def test_a_disabled_user_is_logged_out_at_once(scene: Scene) -> None:
    with logged_in(scene, "ops") as (client, _):
        scene.api.services.accounts.disable("ops")
        assert client.get("/overview").headers["location"] == "/login"
