"""`system` is the engine's own actor: a user row of that name put into the store by hand (the
CLI and the accounts refuse to make one) opens neither the API nor the pages, so no request
acts as the engine and skips the role checks."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from engine.access.accounts import token_hash
from engine.cases.tables import UserRoleRow, UserRow
from tests.fixtures.pages import CSRF, Scene

FORGED = "ot_" + "s" * 40  # a token the forger knows


def test_a_hand_made_system_user_opens_neither_the_api_nor_the_pages(scene: Scene) -> None:
    cases = scene.api.services.cases
    with Session(cases.engine) as session:
        session.add(
            UserRow(
                name="system",
                token_hash=token_hash(FORGED),
                created_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
            )
        )
        session.flush()
        session.add(UserRoleRow(user_name="system", role="leader", department="approval-bureau"))
        session.commit()
    before = cases.revision(scene.fresh)
    headers = {"Authorization": f"Bearer {FORGED}"}
    with scene.api.client(**headers) as api:
        answer = api.post(
            f"/api/v1/cases/{scene.fresh}/actions/terminate", json={"reason": "forged"}
        )
        assert answer.status_code == 401, answer.text
    with scene.api.client() as browser:
        form = CSRF.search(browser.get("/login").text)
        assert form is not None
        answer = browser.post("/login", data={"token": FORGED, "csrf": form[1]})
        assert answer.headers["location"] == "/login?failed=true"  # no session
        assert browser.get("/overview").headers["location"] == "/login"
    assert cases.revision(scene.fresh) == before
