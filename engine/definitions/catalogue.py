"""Who takes part and what they handle: departments with roles, escalation chains and
notification channels (`departments.yaml`), and the matter catalogue (`matters.yaml`, an excerpt
of the power-and-responsibility list 权责清单)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from engine.definitions.base import DefinitionModel, Id, Title
from engine.definitions.escalation import NegativeDecision, RoleRef, Rung
from engine.definitions.limits import CalendarReach, LimitText, exceeds


class ChannelKind(StrEnum):
    LOG = "log"
    WEBHOOK = "webhook"
    EMAIL = "email"


class Channel(DefinitionModel):
    """Where a role hears of a case: the log (default), a webhook, or an e-mail address.

    Secrets never stand in the file: `secret_env` names the environment variable holding one.
    """

    kind: ChannelKind = ChannelKind.LOG
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None
    address: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    secret_env: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")] | None = None

    @model_validator(mode="after")
    def _needs_its_target(self) -> Channel:
        wanted = {ChannelKind.WEBHOOK: "url", ChannelKind.EMAIL: "address"}.get(self.kind)
        for name in ("url", "address"):
            if getattr(self, name) is not None and name != wanted:
                raise ValueError(f"a {self.kind} channel has no {name!r}")
        if wanted and getattr(self, wanted) is None:
            raise ValueError(f"a {self.kind} channel needs {wanted!r}")
        if self.secret_env and self.kind is not ChannelKind.WEBHOOK:
            raise ValueError("only a webhook channel signs with a secret")
        return self


LOG_CHANNEL = Channel()


class Department(DefinitionModel):
    """A department (部门) or a unit of one (`parent`), with the roles its staff hold."""

    id: Id
    name: Title = Field(description="the official Chinese name")
    parent: Id | None = None
    roles: tuple[Id, ...] = Field(min_length=1)
    escalation: tuple[RoleRef, ...] = Field(
        default=(), description="who is told next, in order, when a case here runs late"
    )
    channels: dict[str, tuple[Channel, ...]] = Field(
        default_factory=dict, description="by role; the key `default` serves every other role"
    )
    negative_decision: LimitText | None = Field(
        default=None,
        description="the department's own limit for its leader's decision on a negative matter",
    )


class MatterKind(StrEnum):
    LICENCE = "licence"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    FILING = "filing"  # 备案
    PUBLIC_SERVICE = "public-service"  # 公共服务
    OTHER = "other"  # 其他行政权力


class Matter(DefinitionModel):
    """A matter (事项) of the catalogue, with its statutory and promised limits."""

    code: Id
    name: Title
    kind: MatterKind
    department: Id
    legal_basis: str = Field(min_length=1)
    statutory_limit: LimitText = Field(description="法定时限")
    promised_limit: LimitText = Field(description="承诺时限, at most the statutory limit")


class DepartmentsFile(DefinitionModel):
    """The shape of `departments.yaml`."""

    roles: dict[Id, str] = Field(description="every role, with its Chinese name")
    escalation: tuple[Rung, ...] = Field(
        min_length=1, description="the default ladder of every step (docs/domain.md §supervision)"
    )
    negative_decision: NegativeDecision | None = Field(
        default=None, description="the leader's decision on a negative matter (否定事项报备)"
    )
    departments: tuple[Department, ...]


class MattersFile(DefinitionModel):
    """The shape of `matters.yaml`."""

    matters: tuple[Matter, ...]


class Catalogue(DefinitionModel):
    """Everything a workflow refers to: departments, roles, matters, calendars, default ladder."""

    roles: dict[str, str] = Field(default_factory=dict)
    departments: dict[str, Department] = Field(default_factory=dict)
    matters: dict[str, Matter] = Field(default_factory=dict)
    calendars: frozenset[str] = frozenset()
    registries: frozenset[str] = Field(
        default=frozenset(), description="the outside registries of `registries/` a source reads"
    )
    reach: dict[str, CalendarReach] = Field(
        default_factory=dict, description="how far each calendar that loads can count"
    )
    escalation: tuple[Rung, ...] = ()
    negative_decision: NegativeDecision | None = None

    def negative_decisions(self) -> dict[str, NegativeDecision]:
        """Each department's limit and ladder for its leader's decision on a negative matter:
        the file's, with the department's own limit where it sets one."""
        policy = self.negative_decision
        if policy is None:
            return {}
        return {
            d.id: policy
            if d.negative_decision is None
            else policy.model_copy(update={"limit": d.negative_decision})
            for d in self.departments.values()
        }

    def resolve_role(self, ref: str, *, department: str) -> tuple[str, str]:
        """`head` in department `transport` → (`transport`, `head`); `a/b` → (`a`, `b`)."""
        owner, _, role = ref.rpartition("/")
        return (owner or department, role)

    def role_problem(self, ref: str, *, department: str) -> str | None:
        """Why `ref` names nobody, or None if it names a role the department has."""
        owner, role = self.resolve_role(ref, department=department)
        found = self.departments.get(owner)
        if found is None:
            return f"unknown department {owner!r}"
        if role not in found.roles:
            return f"department {owner!r} has no role {role!r} (roles: {', '.join(found.roles)})"
        return None

    def escalation_chain(self, department: str) -> tuple[tuple[str, str], ...]:
        """The department's chain as (department, role) pairs, nearest first."""
        found = self.departments[department]
        return tuple(self.resolve_role(ref, department=department) for ref in found.escalation)

    def channels_for(self, department: str, role: str) -> tuple[Channel, ...]:
        """The role's channels, else the department's `default`, else the log."""
        channels = self.departments[department].channels
        return channels.get(role) or channels.get("default") or (LOG_CHANNEL,)


def matter_problems(matter: Matter) -> list[str]:
    """What is wrong with one catalogue entry on its own."""
    if exceeds(matter.promised_limit, matter.statutory_limit):
        return [
            f"matter {matter.code!r}: promised limit {matter.promised_limit} exceeds "
            f"the statutory limit {matter.statutory_limit}"
        ]
    return []
