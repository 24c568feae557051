"""Who may do what, where: the one table of role × action × scope that the HTTP routes, the
CLI and the pages consult (pure: no store, no HTTP).

The case machine still judges each action on a case in full (which department and role signs
which step, who decides a negative matter); this table is the gate in front of it, and the
only rule for what the machine does not see (reading, registering workflows, managing users).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from engine.errors import InputError, OnethingError


class Role(StrEnum):
    """The roles a user may hold. The first five are the officers' roles of `departments.yaml`
    that the case machine knows; the last three belong to the service."""

    WINDOW = "window"  # 窗口受理人员: takes in applications, issues notices, delivers
    REVIEWER = "reviewer"  # 审核人员: examines the substance (Art. 34)
    HEAD = "head"  # 科室/部门负责人: signs decisions, extends a step by 10 working days
    LEADER = "leader"  # 分管领导: decides negative matters, extends a joint case by 15
    SUPERVISOR = "supervisor"  # 电子监察: acknowledges escalations, issues orders (督办)
    ADMIN = "admin"  # 部门管理员: registers and retires the department's workflows, its users
    OPERATOR = "operator"  # 运行监控: reads everything, changes nothing
    PORTAL = "portal"  # 政务服务网: a service account that only submits applications


ROLE_PATTERN = rf"^({'|'.join(r.value for r in Role)})(:[A-Za-z0-9][A-Za-z0-9._-]{{0,63}})?$"
SERVICE_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.PORTAL})
UNSCOPED_ROLES = frozenset({Role.OPERATOR, Role.PORTAL})  # hold no department


class Scope(StrEnum):
    """How far a permission reaches."""

    ALL = "all"  # every department's cases and definitions
    DEPARTMENT = "department"  # only what the user's department owns or takes part in


class Forbidden(OnethingError):
    """The user's role or department does not allow the action; nothing was changed."""

    def __init__(self, message: str, *, actor: str, case: str | None = None):
        self.actor, self.case = actor, case
        super().__init__(f"case {case}: {message}" if case else message)


# the case machine's actions, each with the roles that may attempt it
CASE_ACTIONS: dict[str, frozenset[Role]] = {
    "accept": frozenset({Role.WINDOW}),
    "refuse": frozenset({Role.WINDOW, Role.REVIEWER, Role.HEAD}),
    "supplement": frozenset({Role.WINDOW}),
    "verify-material": frozenset({Role.WINDOW}),  # 核验 a material its source did not answer for
    "withdraw": frozenset({Role.WINDOW}),
    "approve": frozenset({Role.WINDOW, Role.REVIEWER, Role.HEAD, Role.LEADER}),
    "reject": frozenset({Role.WINDOW, Role.REVIEWER, Role.HEAD, Role.LEADER}),
    "return-for-correction": frozenset({Role.WINDOW, Role.REVIEWER, Role.HEAD}),  # window: intake
    "issue-correction": frozenset({Role.WINDOW}),
    "suspend": frozenset({Role.REVIEWER, Role.HEAD}),
    "resume": frozenset({Role.REVIEWER, Role.HEAD}),
    "transfer": frozenset({Role.REVIEWER, Role.HEAD}),
    "extend": frozenset({Role.HEAD, Role.LEADER}),
    "confirm-negative": frozenset({Role.LEADER}),
    "overturn-negative": frozenset({Role.LEADER}),
    "terminate": frozenset({Role.LEADER}),
}

_OFFICERS = frozenset({Role.WINDOW, Role.REVIEWER, Role.HEAD, Role.LEADER})
_READERS: dict[Role, Scope] = {
    **{role: Scope.DEPARTMENT for role in _OFFICERS | {Role.ADMIN}},
    Role.SUPERVISOR: Scope.ALL,
    Role.OPERATOR: Scope.ALL,
}
_EVERYONE_BUT_PORTAL: dict[Role, Scope] = {
    role: Scope.ALL for role in Role if role is not Role.PORTAL
}

# action → role → scope; a role missing from an action's row may not do it
PERMISSIONS: dict[str, dict[Role, Scope]] = {
    "cases.submit": {Role.PORTAL: Scope.ALL, Role.WINDOW: Scope.DEPARTMENT},
    "cases.read": _READERS,
    **{
        f"cases.{action}": {role: Scope.DEPARTMENT for role in roles}
        for action, roles in CASE_ACTIONS.items()
    },
    "worklist.read": {**_READERS},
    # the sealed inspection draw (实地核查审查员抽取): the case machine also checks the step's
    # department and its declared opener; examiners record findings and decline as reviewers
    # (a reviewer only for themself: the draw's core checks who was drawn)
    "draws.read": _READERS,
    "draws.list": {
        Role.HEAD: Scope.DEPARTMENT,
        Role.SUPERVISOR: Scope.ALL,
        Role.OPERATOR: Scope.ALL,
    },
    "draws.run": {Role.HEAD: Scope.DEPARTMENT},
    "draws.open": {Role.HEAD: Scope.DEPARTMENT},
    "draws.decline": {Role.HEAD: Scope.DEPARTMENT, Role.REVIEWER: Scope.DEPARTMENT},
    "draws.finding": {Role.REVIEWER: Scope.DEPARTMENT},
    # the examiners' roster (审查员库): changed by its department's admin or head, audited
    "roster.read": {
        Role.ADMIN: Scope.DEPARTMENT,
        Role.HEAD: Scope.DEPARTMENT,
        Role.SUPERVISOR: Scope.ALL,
        Role.OPERATOR: Scope.ALL,
    },
    "roster.manage": {Role.ADMIN: Scope.DEPARTMENT, Role.HEAD: Scope.DEPARTMENT},
    "definitions.read": _EVERYONE_BUT_PORTAL,
    "definitions.check": {Role.ADMIN: Scope.DEPARTMENT, Role.OPERATOR: Scope.ALL},
    "definitions.register": {Role.ADMIN: Scope.DEPARTMENT},
    "definitions.retire": {Role.ADMIN: Scope.DEPARTMENT},
    "escalations.read": _READERS,
    "escalations.acknowledge": {
        Role.SUPERVISOR: Scope.ALL,
        Role.HEAD: Scope.DEPARTMENT,
        Role.LEADER: Scope.DEPARTMENT,
    },
    "escalations.order": {Role.SUPERVISOR: Scope.ALL},
    "negatives.read": _READERS,
    "publications.read": _EVERYONE_BUT_PORTAL,
    "calendar.read": _EVERYONE_BUT_PORTAL,
    "licences.read": _EVERYONE_BUT_PORTAL,
    # revoking or replacing a certificate: the head or leader of the department that issued it
    "licences.revoke": {Role.HEAD: Scope.DEPARTMENT, Role.LEADER: Scope.DEPARTMENT},
    "licences.replace": {Role.HEAD: Scope.DEPARTMENT, Role.LEADER: Scope.DEPARTMENT},
    "users.read": {Role.ADMIN: Scope.DEPARTMENT, Role.OPERATOR: Scope.ALL},
    "users.manage": {Role.ADMIN: Scope.DEPARTMENT},
}


@dataclass(frozen=True, order=True)
class Post:
    """One role a user holds: in a department, unless the role is unscoped."""

    role: Role
    department: str | None = None

    def __str__(self) -> str:
        return f"{self.role}@{self.department}" if self.department else str(self.role)

    @classmethod
    def parse(cls, text: str) -> Post:
        """`role` or `role:department`, as `onething users add --role` takes it."""
        role, _, department = text.partition(":")
        try:
            known = Role(role.strip())
        except ValueError:
            names = ", ".join(r.value for r in Role)
            raise InputError(f"unknown role {role!r} (known: {names})") from None
        return cls(known, department.strip() or None)


@dataclass(frozen=True)
class Principal:
    """Who is calling: an enabled user with one or more posts (a reviewer in one department
    and a head in another, a leader who also supervises)."""

    name: str
    posts: tuple[Post, ...]

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(str(p) for p in self.posts)})"


def reach(principal: Principal, action: str, *, case: str | None = None) -> frozenset[str] | None:
    """The departments in which `principal` may do `action` (None: every department, one of
    its posts reaches everywhere); `Forbidden` if none of its posts may do it."""
    if action not in PERMISSIONS:
        raise KeyError(f"no permission rule for {action!r}")
    rule = PERMISSIONS[action]
    scopes = [(post, rule[post.role]) for post in principal.posts if post.role in rule]
    if not scopes:
        raise Forbidden(
            f"{principal} may not {action.replace('.', ' ')}", actor=principal.name, case=case
        )
    if any(scope is Scope.ALL for _, scope in scopes):
        return None
    return frozenset(post.department for post, _ in scopes if post.department is not None)


def allows(principal: Principal, action: str, department: str | None = None) -> bool:
    """Whether `principal` may do `action` (on something of `department`, if given): what a
    page asks before it shows a control, so it offers only what `require` will let through."""
    try:
        where = reach(principal, action)
    except Forbidden:
        return False
    return where is None or department is None or department in where


def scope_of(principal: Principal, action: str, *, case: str | None = None) -> Scope:
    """The widest scope in which `principal` may do `action`; `Forbidden` if not at all."""
    return Scope.ALL if reach(principal, action, case=case) is None else Scope.DEPARTMENT


def require(
    principal: Principal,
    action: str,
    *,
    departments: set[str] | frozenset[str] | None = None,
    case: str | None = None,
) -> Scope:
    """Allow `action` on something that `departments` own or take part in (None: nothing in
    particular; `case`: the case it is, named in a refusal); `Forbidden` for the wrong role
    or, in a department's scope, another department's thing."""
    mine = reach(principal, action, case=case)
    if mine is None:
        return Scope.ALL
    if departments is not None and not mine & departments:
        raise Forbidden(
            f"{principal} may not {action.replace('.', ' ')} here: it belongs to "
            f"{', '.join(sorted(departments))}",
            actor=principal.name,
            case=case,
        )
    return Scope.DEPARTMENT


def check_posts(posts: Iterable[Post], departments: Mapping[str, Collection[str]]) -> None:
    """Roles a user may be given: each with a known department unless its role is unscoped,
    and an officer's role one its department has (`departments`: each department's roles)."""
    for post in posts:
        role, department = post.role, post.department
        if role in UNSCOPED_ROLES and department is not None:
            raise InputError(f"role {role} reads or submits everywhere: give it no department")
        if department is None:
            if role not in UNSCOPED_ROLES:
                raise InputError(f"role {role} needs a department ({role}:<department>)")
            continue
        if department not in departments:
            known = ", ".join(departments)
            raise InputError(f"unknown department {department!r} (known: {known})")
        if role not in SERVICE_ROLES and role.value not in departments[department]:
            raise InputError(f"department {department!r} has no role {role.value!r}")
