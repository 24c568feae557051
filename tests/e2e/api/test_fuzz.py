"""The API fuzzed from its own OpenAPI document (schemathesis): whatever a client sends, no
5xx, and every answer — status, content type, body — is one the document promises."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from engine.api.app import create_app
from tests.fixtures.api import NOW, USERS, Clock, services_over


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    store = tmp_path_factory.mktemp("fuzz") / "store.db"
    services = services_over(f"sqlite:///{store}", Clock(NOW))
    tokens = {
        name: services.accounts.add(name, role=role, department=department)
        for name, (role, department) in USERS.items()
    }
    yield create_app(services), tokens


# The engine judges more than a JSON schema can say (an application's fields are the
# workflow's; a date must lie in the calendar's range): a schema-valid request it refuses is
# answered 400 or 422 as problem JSON, which the other checks hold to the document.
SEMANTIC = positive_data_acceptance
FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("user", ["ops", "wang", "liu"])
def test_no_input_gets_a_5xx_or_an_undocumented_answer(
    fuzzed: tuple[FastAPI, dict[str, str]], user: str
) -> None:
    app, tokens = fuzzed
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens[user]}"}
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) > 30
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def answers_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[SEMANTIC])

        answers_as_documented()
