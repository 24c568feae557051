"""The permission table: each role's reach, and the scope of a department's officers."""

from __future__ import annotations

import pytest

from engine.access.permissions import (
    CASE_ACTIONS,
    PERMISSIONS,
    Forbidden,
    Post,
    Principal,
    Role,
    Scope,
    check_posts,
    reach,
    require,
)
from engine.cases.machine import ACTIONS, SYSTEM_ACTIONS
from engine.errors import InputError

OPERATOR = Principal("ops", (Post(Role.OPERATOR),))
PORTAL = Principal("portal", (Post(Role.PORTAL),))
REVIEWER = Principal("liu", (Post(Role.REVIEWER, "municipal"),))
# a reviewer in one department who heads another; a leader who also supervises
TWO_HATS = Principal("xu", (Post(Role.REVIEWER, "municipal"), Post(Role.HEAD, "traffic-police")))
LEADER_SUPERVISOR = Principal(
    "li", (Post(Role.LEADER, "approval-bureau"), Post(Role.SUPERVISOR, "supervision"))
)


def test_every_action_a_user_may_take_on_a_case_has_a_rule() -> None:
    # the machine's own (deemed acceptance, expired deferrals) are the system's alone
    assert set(CASE_ACTIONS) == set(ACTIONS) - SYSTEM_ACTIONS


def test_the_operator_reads_everything_and_changes_nothing() -> None:
    for action, rule in PERMISSIONS.items():
        verb = action.split(".")[1]
        if verb in ("read", "list"):
            assert rule.get(Role.OPERATOR) is Scope.ALL, action
        elif action != "definitions.check":  # a dry check changes nothing either
            assert Role.OPERATOR not in rule, action


def test_the_portal_only_submits() -> None:
    allowed = {action for action, rule in PERMISSIONS.items() if Role.PORTAL in rule}
    assert allowed == {"cases.submit"}
    with pytest.raises(Forbidden, match=r"portal \(portal\) may not cases read"):
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


def test_a_user_with_several_roles_may_do_what_any_of_them_may_where_that_one_reaches() -> None:
    # the head of traffic-police extends its steps; as municipal's reviewer it may not
    assert require(TWO_HATS, "cases.extend", departments={"traffic-police", "bureau"})
    with pytest.raises(Forbidden, match=r"xu \(reviewer@municipal, head@traffic-police\)"):
        require(TWO_HATS, "cases.extend", departments={"municipal", "bureau"})
    assert reach(TWO_HATS, "cases.approve") == {"municipal", "traffic-police"}
    assert reach(TWO_HATS, "cases.extend") == {"traffic-police"}
    # the supervisor's reach is everywhere, the leader's confirmation its department's
    assert reach(LEADER_SUPERVISOR, "escalations.order") is None
    assert reach(LEADER_SUPERVISOR, "cases.confirm-negative") == {"approval-bureau"}
    assert scope_of_read(LEADER_SUPERVISOR) is Scope.ALL


def scope_of_read(user: Principal) -> Scope:
    return require(user, "cases.read", departments={"anywhere"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("wizard", "unknown role 'wizard'"),
        ("operator:municipal", "give it no department"),
        ("reviewer", "needs a department"),
        ("leader:municipal", "has no role 'leader'"),
        ("reviewer:moon", "unknown department 'moon'"),
    ],
)
def test_a_role_is_given_only_where_it_exists(text: str, message: str) -> None:
    departments = {"municipal": ("reviewer", "head")}
    with pytest.raises(InputError, match=message):
        check_posts([Post.parse(text)], departments)


def test_service_roles_need_no_department_role_in_departments_yaml() -> None:
    check_posts([Post.parse("admin:municipal"), Post.parse("portal")], {"municipal": ()})
    assert str(Post.parse("head:municipal")) == "head@municipal"
