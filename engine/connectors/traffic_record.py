"""The traffic police's driving-record check of a ride-hailing driver (驾驶记录核查).

No 12-point record in the last 3 scoring cycles and 3+ years of driving experience
(网络预约出租汽车经营服务管理暂行办法 art. 14 (一)(二)), counted to the application date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from engine.connectors.registry import DriverRecord, query

DRIVING_YEARS = 3


def findings(driver: DriverRecord, *, as_of: dt.date) -> list[str]:
    found = []
    if driver.full_score_cycles:
        found.append("最近连续3个记分周期内有记满12分记录")
    since = driver.licence_since
    try:
        threshold = since.replace(year=since.year + DRIVING_YEARS)
    except ValueError:  # licensed on 29 February
        threshold = dt.date(since.year + DRIVING_YEARS, 3, 1)
    if as_of < threshold:
        found.append(f"驾龄不足{DRIVING_YEARS}年（初次领证{since:%Y-%m-%d}）")
    return found


def check(request: dict[str, Any], *, database: sa.Engine | None = None) -> dict[str, Any]:
    """The connector of the `traffic-record-check` step."""
    as_of = dt.datetime.fromisoformat(request["submitted_at"]).date()
    return query(request, database, "traffic-record", lambda d: findings(d, as_of=as_of))
