"""The ride-hailing driver checks' rules (网络预约出租汽车经营服务管理暂行办法 art. 14), pure."""

from __future__ import annotations

import datetime as dt

from engine.connectors import background, traffic_record
from engine.connectors.registry import DriverRecord


def driver(**record: object) -> DriverRecord:
    return DriverRecord.model_validate(
        {"id_number": "x", "name": "某", "licence_since": dt.date(2015, 1, 1), **record}
    )


def test_a_clean_record_passes_both_checks() -> None:
    assert background.findings(driver()) == []
    assert traffic_record.findings(driver(), as_of=dt.date(2026, 12, 1)) == []


def test_each_criminal_or_drink_driving_record_is_a_finding_of_public_security() -> None:
    everything = driver(
        accident_crime=True,
        dangerous_driving=True,
        violent_crime=True,
        drug_record=True,
        drink_driving=True,
    )
    assert len(background.findings(everything)) == 5


def test_a_12_point_record_in_the_last_three_cycles_fails_the_traffic_record() -> None:
    assert traffic_record.findings(driver(full_score_cycles=1), as_of=dt.date(2026, 12, 1))


def test_three_years_of_driving_are_reached_on_the_anniversary_of_the_licence() -> None:
    young = driver(licence_since=dt.date(2023, 12, 1))
    assert traffic_record.findings(young, as_of=dt.date(2026, 11, 30))
    assert traffic_record.findings(young, as_of=dt.date(2026, 12, 1)) == []


def test_a_licence_of_29_february_counts_from_1_march() -> None:
    leap = driver(licence_since=dt.date(2024, 2, 29))
    assert traffic_record.findings(leap, as_of=dt.date(2027, 2, 28))
    assert traffic_record.findings(leap, as_of=dt.date(2027, 3, 1)) == []
