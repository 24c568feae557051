"""Time limits as the statutes state them: a value and a unit (期限)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from engine.errors import InputError


class Unit(StrEnum):
    """How a limit is counted (docs/domain.md §counting)."""

    WORKING_DAYS = "working-days"  # 工作日: Art. 82, holidays excluded
    NATURAL_DAYS = "natural-days"  # 日: ends on the next working day if the last day is a rest day
    WORKING_HOURS = "working-hours"  # 工作时: business hours only
    SAME_DAY = "same-day"  # 当场/即办: close of business on the day of acceptance


@dataclass(frozen=True)
class Limit:
    """A statutory or promised limit, e.g. `Limit(20, Unit.WORKING_DAYS)`."""

    value: int
    unit: Unit = Unit.WORKING_DAYS

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise InputError(f"a limit needs a whole number, not {self.value!r}")
        if self.value < 0:
            raise InputError(f"a limit cannot be negative ({self.value})")

    def __str__(self) -> str:
        return "same-day" if self.unit is Unit.SAME_DAY else f"{self.value} {self.unit}"

    @classmethod
    def parse(cls, text: str) -> Limit:
        """Parse `20 working-days`, `5 natural-days`, `4 working-hours` or `same-day`."""
        text = text.strip()
        if text == Unit.SAME_DAY:
            return cls(0, Unit.SAME_DAY)
        match = re.fullmatch(r"(\d+)\s+([a-z-]+)", text)
        units = ", ".join(u.value for u in Unit)
        if not match:
            raise InputError(f"a limit looks like '20 working-days' or 'same-day', not {text!r}")
        try:
            unit = Unit(match.group(2))
        except ValueError:
            raise InputError(f"unknown unit {match.group(2)!r} (known: {units})") from None
        return cls(int(match.group(1)), unit)
