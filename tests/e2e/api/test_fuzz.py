"""The API fuzzed from its own OpenAPI document (schemathesis): whatever a client sends, no
5xx, every answer — status, content type, body — one the document promises, and a request
the document allows is accepted unless the operation's `x-refuses` names why the engine may
still refuse it (an application against its workflow's fields, a date the calendar does not
cover)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.result import Ok

from engine.api.app import create_app
from engine.api.deps import Attempts
from tests.fixtures.api import APPLICATION, NOW, USERS, WORKFLOW, Clock, services_over

# what positive_data_acceptance accepts of any request, as schemathesis does by default
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
FUZZ = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))


@dataclass
class Fuzzed:
    app: FastAPI
    tokens: dict[str, str]
    known: dict[str, str]  # path parameters naming things that exist


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    store = tmp_path_factory.mktemp("fuzz") / "store.db"
    services = services_over(f"sqlite:///{store}", Clock(NOW))
    # the checks resend requests without the token: a guesser's limit would turn every
    # later answer into 429 and hide what the routes do
    services.failed_logins = Attempts(limit=10**9)
    tokens = {
        name: services.accounts.add(name, role=role, department=department)
        for name, (role, department) in USERS.items()
    }
    case = services.cases.submit(WORKFLOW, APPLICATION)
    services.cases.act(case.id, "accept", actor="wang")
    known = {"case_id": case.id, "workflow_id": WORKFLOW, "calendar_id": "cn"}
    yield Fuzzed(create_app(services), tokens, known)


def refusals(document: dict[str, Any]) -> SchemathesisConfig:
    """Per operation, the statuses positive_data_acceptance accepts: the defaults and those
    its `x-refuses` documents."""
    operations = [
        {
            "include-operation-id": operation["operationId"],
            "checks": {
                "positive_data_acceptance": {
                    "expected-statuses": ACCEPTED + sorted(operation["x-refuses"])
                }
            },
        }
        for item in document["paths"].values()
        for operation in item.values()
        if "x-refuses" in operation
    ]
    return SchemathesisConfig.from_dict({"operations": operations})


def test_refusals_name_documented_client_errors(fuzzed: Fuzzed) -> None:
    document = fuzzed.app.openapi()
    refusing = [
        (operation["operationId"], status, operation["responses"])
        for item in document["paths"].values()
        for operation in item.values()
        for status in operation.get("x-refuses", {})
    ]
    assert len(refusing) > 20
    for operation_id, status, responses in refusing:
        assert status.startswith("4") and status in responses, (operation_id, status)


@pytest.mark.parametrize("known", [False, True], ids=["any-ids", "existing-ids"])
@pytest.mark.parametrize("user", ["ops", "wang", "liu", "li", "admin"])
def test_no_input_gets_a_5xx_an_undocumented_answer_or_an_unexplained_refusal(
    fuzzed: Fuzzed, user: str, known: bool
) -> None:
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", fuzzed.app, config=refusals(fuzzed.app.openapi())
    )
    headers = {"Authorization": f"Bearer {fuzzed.tokens[user]}"}
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) > 30
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy())
        def answers_as_documented(case: schemathesis.Case) -> None:
            if known:  # the same request about a case, workflow, calendar that exists
                for name, value in fuzzed.known.items():
                    if case.path_parameters and name in case.path_parameters:
                        case.path_parameters[name] = value
            case.call_and_validate(headers=headers)

        answers_as_documented()
