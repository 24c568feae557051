"""The electronic-supervision ladder (电子监察, docs/domain.md §supervision) as definition data.

A rung says when it fires (`at: 90%` of the promised time, `at: deadline`, or
`at: deadline + 1 working-days`), how grave it is, and which roles hear of it. The case engine
decides when a rung has fired; this module only describes ladders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from engine.calendar.units import Limit, Unit
from engine.definitions.base import DefinitionModel
from engine.definitions.limits import LimitText, exceeds
from engine.definitions.textform import TextForm
from engine.errors import InputError

ROLE_REF_PATTERN = r"^([a-z][a-z0-9-]*/)?[a-z][a-z0-9-]*$"


class Level(StrEnum):
    """How grave a rung is, in the order the ladder climbs."""

    YELLOW = "yellow"  # 黄牌预警: most of the time used
    RED = "red"  # 红牌: overdue
    SUPERVISION = "supervision"  # 督办: the supervision office takes it up
    ORDER = "order"  # 限期办结令: an order to finish by a date
    ACCOUNTABILITY = "accountability"  # 问责


@dataclass(frozen=True)
class Trigger:
    """When a rung fires: a share of the promised time, or an offset from the deadline."""

    percent: int | None = None
    offset: Limit | None = None
    before: bool = False

    def __str__(self) -> str:
        if self.percent is not None:
            return f"{self.percent}%"
        if self.offset is None:
            return "deadline"
        return f"deadline {'-' if self.before else '+'} {self.offset}"

    @classmethod
    def parse(cls, text: str) -> Trigger:
        """`90%`, `deadline`, `deadline - 1 working-days`, `deadline + 2 working-days`."""
        text = text.strip()
        if match := re.fullmatch(r"(\d{1,3})\s*%", text):
            percent = int(match.group(1))
            if not 0 < percent <= 100:
                raise InputError(f"a share of the promised time lies in 1%..100%, not {text!r}")
            return cls(percent=percent)
        if text == "deadline":
            return cls()
        if match := re.fullmatch(r"deadline\s*([+-])\s*(.+)", text):
            return cls(offset=Limit.parse(match.group(2)), before=match.group(1) == "-")
        raise InputError(
            f"'at' looks like '90%', 'deadline' or 'deadline + 1 working-days', not {text!r}"
        )


TriggerText = Annotated[
    Trigger,
    TextForm(
        Trigger.parse,
        Trigger,
        description="when the rung fires: a share of the promised time, or deadline ± a limit",
        pattern=r"^(\d{1,3}%|deadline( [+-] .+)?)$",
        examples=("90%", "deadline", "deadline - 1 working-days", "deadline + 2 working-days"),
    ),
]

RoleRef = Annotated[
    str,
    Field(
        pattern=ROLE_REF_PATTERN,
        description="a role of the step's department (`head`) or another's (`supervision/head`)",
    ),
]


class Rung(DefinitionModel):
    """One rung of the ladder."""

    at: TriggerText
    level: Level
    notify: tuple[RoleRef, ...] = Field(min_length=1)


class NegativeDecision(DefinitionModel):
    """How long the responsible leader (分管领导) has to decide a negative matter (否定事项报备)
    and whom its ladder tells: the same day where it can be settled on the spot (`promised`),
    otherwise within `limit` (docs/domain.md §negative-matters)."""

    promised: LimitText = Field(
        default=Limit(0, Unit.SAME_DAY), description="decided by then where possible"
    )
    limit: LimitText = Field(description="decided by then at the latest")
    escalation: tuple[Rung, ...] = Field(
        min_length=1, description="the ladder of an undecided matter: the leader, then supervision"
    )

    @model_validator(mode="after")
    def _promise_within_the_limit(self) -> NegativeDecision:
        if exceeds(self.promised, self.limit):
            raise ValueError(f"the promise {self.promised} exceeds the limit {self.limit}")
        return self
