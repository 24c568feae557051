"""The one place that reads the wall clock (Temporal's `workflow.now()`): everything else is
handed an aware datetime."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def system_now() -> dt.datetime:
    return dt.datetime.now(tz=SHANGHAI)
