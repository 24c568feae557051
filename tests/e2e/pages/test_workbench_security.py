"""The workbench registers nothing without the session's CSRF token, nor for anyone but an
admin of the workflow's owner department; a mistake in the dry run's input is shown, not a 5xx."""

from __future__ import annotations

from engine.registry import list_workflows
from tests.fixtures.definitions import DEFINITIONS
from tests.fixtures.pages import Scene, logged_in

SOURCE = (DEFINITIONS / "workflows" / "construction-permit.yaml").read_text(encoding="utf-8")
V2 = SOURCE.replace("version: 1\n", "version: 2\n", 1)


def versions(scene: Scene) -> list[int]:
    found = {w.workflow_id: w for w in list_workflows(scene.api.services.cases.engine)}
    return found["construction-permit"].versions


def test_register_without_the_csrf_token_is_refused_and_changes_nothing(scene: Scene) -> None:
    form = {"intent": "register", "source": V2}
    with logged_in(scene, "admin") as (client, csrf):
        assert client.post("/workbench", data=form).status_code == 403
        assert client.post("/workbench", data={**form, "csrf": "x" + csrf}).status_code == 403
        assert versions(scene) == [1]
        assert client.post("/workbench", data={**form, "csrf": csrf}).status_code == 200
    assert versions(scene) == [1, 2]


def test_only_the_owner_departments_admin_registers(scene: Scene) -> None:
    elsewhere = V2.replace("owner: approval-bureau", "owner: municipal", 1)
    with logged_in(scene, "admin") as (client, csrf):
        answer = client.post("/workbench", data={"intent": "register", "source": elsewhere})
        assert answer.status_code == 403  # no token first: nothing looked at
        answer = client.post(
            "/workbench", data={"intent": "register", "source": elsewhere, "csrf": csrf}
        )
        assert answer.status_code == 422
        assert "admin (admin@approval-bureau) may not definitions check" in answer.text
    with logged_in(scene, "ops") as (client, csrf):  # an operator checks, never registers
        answer = client.post("/workbench", data={"intent": "register", "source": V2, "csrf": csrf})
        assert answer.status_code == 422 and "may not definitions register" in answer.text
    assert versions(scene) == [1]


def test_a_broken_application_or_date_is_shown_on_the_page(scene: Scene) -> None:
    source = (DEFINITIONS / "workflows" / "utility-external-works.yaml").read_text("utf-8")
    with logged_in(scene, "admin") as (client, csrf):
        form = {"intent": "dry-run", "source": source, "csrf": csrf, "day": "2026-04-16"}
        answer = client.post("/workbench", data={**form, "application": '{"fields": {'})
        assert answer.status_code == 422 and "application.json:1:" in answer.text
        answer = client.post(
            "/workbench", data={**form, "application": '{"fields": {"length_m": -3}}'}
        )
        assert answer.status_code == 422 and "fields.length_m" in answer.text
        wrong_day = {**form, "sample": "utility-external-works", "day": "2026-13-40"}
        answer = client.post("/workbench", data=wrong_day)
        assert answer.status_code == 422 and "not a date and a time" in answer.text
        beyond = {**form, "sample": "utility-external-works", "day": "2999-01-01"}
        answer = client.post("/workbench", data=beyond)
        assert answer.status_code == 422 and "calendar" in answer.text
