"""The permission table: each role's reach, and the scope of a department's officers."""

from __future__ import annotations

import pytest

from engine.access.permissions import (
    CASE_ACTIONS,
    PERMISSIONS,
    Forbidden,
    Principal,
    Role,
    Scope,
    check_role,
    require,
)
from engine.cases.machine import ACTIONS, SYSTEM_ACTIONS
from engine.errors import InputError

OPERATOR = Principal("ops", Role.OPERATOR, None)
PORTAL = Principal("portal", Role.PORTAL, None)
REVIEWER = Principal("liu", Role.REVIEWER, "municipal")


def test_every_action_a_user_may_take_on_a_case_has_a_rule() -> None:
    # the machine's own (deemed acceptance, expired deferrals) are the system's alone
    assert set(CASE_ACTIONS) == set(ACTIONS) - SYSTEM_ACTIONS


def test_the_operator_reads_everything_and_changes_nothing() -> None:
    for action, rule in PERMISSIONS.items():
        verb = action.split(".")[1]
        if verb == "read":
            assert rule.get(Role.OPERATOR) is Scope.ALL, action
        elif action != "definitions.check":  # a dry check changes nothing either
            assert Role.OPERATOR not in rule, action


def test_the_portal_only_submits() -> None:
    allowed = {action for action, rule in PERMISSIONS.items() if Role.PORTAL in rule}
    assert allowed == {"cases.submit"}
    with pytest.raises(Forbidden, match="portal .portal. may not cases read"):
        require(PORTAL, "cases.read")


def test_a_departments_reviewer_acts_on_its_departments_cases_only() -> None:
    assert require(REVIEWER, "cases.approve", departments={"municipal", "bureau"})
    with pytest.raises(Forbidden, match="belongs to bureau, traffic-police"):
        require(REVIEWER, "cases.approve", departments={"bureau", "traffic-police"})
    with pytest.raises(Forbidden, match="may not cases terminate"):
        require(REVIEWER, "cases.terminate", departments={"municipal"})


def test_an_unknown_action_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(KeyError):
        require(OPERATOR, "cases.teleport")


@pytest.mark.parametrize(
    ("role", "department", "roles", "message"),
    [
        ("wizard", None, set(), "unknown role 'wizard'"),
        ("operator", "municipal", set(), "give it no department"),
        ("reviewer", None, set(), "needs a department"),
        ("leader", "municipal", {"reviewer", "head"}, "has no role 'leader'"),
    ],
)
def test_a_role_is_given_only_where_it_exists(
    role: str, department: str | None, roles: set[str], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        check_role(role, department, officer_roles=roles)


def test_service_roles_need_no_department_role_in_departments_yaml() -> None:
    assert check_role("admin", "municipal", officer_roles=set()) is Role.ADMIN
    assert check_role("portal", None, officer_roles=set()) is Role.PORTAL
