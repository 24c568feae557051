"""The one place that reads the wall clock (Temporal's `workflow.now()`): everything else is
handed an aware datetime."""

from __future__ import annotations

import datetime as dt
from typing import overload
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def system_now() -> dt.datetime:
    return dt.datetime.now(tz=SHANGHAI)


def utc_now() -> dt.datetime:
    """Now in UTC, the form the store keeps (delivery records, signatures)."""
    return system_now().astimezone(dt.UTC)


@overload
def as_utc(moment: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A moment in UTC, the form the store keeps; a naive one is taken as UTC already (SQLite
    hands stored moments back naive)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
