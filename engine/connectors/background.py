"""Public security's background check of a ride-hailing driver (公安背景核查).

No traffic-accident, dangerous-driving or violent crime, no drug and no drink-driving record
(网络预约出租汽车经营服务管理暂行办法 art. 14 (二)(三)), read from the registry.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine.connectors.registry import DriverRecord, query


def findings(driver: DriverRecord) -> list[str]:
    found = []
    if driver.accident_crime:
        found.append("有交通肇事犯罪记录")
    if driver.dangerous_driving:
        found.append("有危险驾驶犯罪记录")
    if driver.violent_crime:
        found.append("有暴力犯罪记录")
    if driver.drug_record:
        found.append("有吸毒记录")
    if driver.drink_driving:
        found.append("有饮酒后驾驶记录")
    return found


def check(request: dict[str, Any], *, database: sa.Engine | None = None) -> dict[str, Any]:
    """The connector of the `background-check` step."""
    return query(request, database, "background", findings)
