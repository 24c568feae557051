"""Every route of the OpenAPI document against every role: a route without a permission rule
fails; a role the table does not allow gets 403, a caller without a token 401, both as
problem JSON; an allowed role is never refused for its role."""

from __future__ import annotations

import re
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from engine.access.permissions import PERMISSIONS, Role
from tests.fixtures.api import USERS, Api

PROBLEM = "application/problem+json"


def _operations(api: Api) -> list[tuple[str, str, str]]:
    """(method, path, rule) of every operation; a missing rule fails here."""
    found = []
    for path, item in api.app.openapi()["paths"].items():
        for method, operation in item.items():
            rule = operation.get("x-permission")
            assert rule, f"{method.upper()} {path} has no permission rule"
            assert rule == "public" or rule in PERMISSIONS, f"{path}: unknown rule {rule}"
            found.append((method, path, rule))
    return found


def _concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


def test_every_role_against_every_route(api: Api) -> None:
    case_id = api.accepted()
    values = {
        "case_id": case_id,
        "workflow_id": "utility-external-works",
        "calendar_id": "cn",
        "year": "2026",
        "escalation_id": "1",
        "negative_id": "none",
        "name": "ops",
        "department": "approval-bureau",
        "examiner": "examiner-li",
    }
    operations = _operations(api)
    assert len(operations) > 30
    users = {name: [(Role(role), department)] for name, (role, department) in USERS.items()}
    # a user with two roles may do what either may
    users["two"] = [(Role.REVIEWER, "municipal"), (Role.ADMIN, "approval-bureau")]
    api.tokens["two"] = api.services.accounts.add(
        "two", role=["reviewer:municipal", "admin"], department="approval-bureau"
    )
    with ExitStack() as open_clients:  # one client per user (a client's TLS setup is slow)
        anonymous = open_clients.enter_context(api.client())
        clients = {user: open_clients.enter_context(api.client(user)) for user in users}
        for method, path, rule in operations:
            _check(method, path, rule, _concrete(path, values), anonymous, clients, users)


def _check(
    method: str,
    path: str,
    rule: str,
    url: str,
    anonymous: httpx.Client,
    clients: dict[str, httpx.Client],
    users: dict[str, list[tuple[Role, str | None]]],
) -> None:
    """One operation: public, or 401 without a token and each user as the table says."""
    answer = anonymous.request(method, url)
    if rule == "public":
        assert answer.status_code == 200, (method, path, answer.text)
        return
    assert answer.status_code == 401, (method, path, answer.text)
    assert answer.headers["content-type"] == PROBLEM
    for user, posts in users.items():
        answer = clients[user].request(method, url, **_body(path))
        held = ", ".join(f"{r}@{d}" if d else r for r, d in posts)
        # refused for the roles held, not for the department of what it touches
        refused = answer.status_code == 403 and answer.json().get("detail", "").endswith(
            f"({held}) may not {rule}".replace(".", " ")
        )
        if any(role in PERMISSIONS[rule] for role, _ in posts):
            assert not refused and answer.status_code != 401, (user, method, path)
        else:
            assert answer.status_code == 403, (user, method, path, answer.text)
            assert answer.headers["content-type"] == PROBLEM


def _body(path: str) -> dict[str, Any]:
    """Just enough of a body that an allowed role reaches the engine (which may refuse)."""
    if path.endswith("/order"):
        return {"json": {"due": "2026-10-20"}}
    if path.endswith(("/confirm", "/overturn", "/revoke", "/replace")):
        return {"json": {"reason": "依据不足"}}
    if path == "/api/v1/users":
        return {"json": {"name": "new", "roles": ["reviewer:approval-bureau"]}}
    if path.startswith("/api/v1/definitions") and not path.endswith(("/retire", "}")):
        return {"files": {"file": ("w.yaml", b"id: x\n")}}
    return {}


@pytest.mark.parametrize("token", ["ot_nonsense", "Bearer", "x" * 500, "ot_" + "A" * 43])
def test_a_bad_token_is_401_as_problem_json(api: Api, token: str) -> None:
    with api.client(Authorization=f"Bearer {token}") as client:
        answer = client.get("/api/v1/cases")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["www-authenticate"] == "Bearer"
