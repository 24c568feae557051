"""The driver registries the ride-hailing checks read, and their query log.

The driver is the applicant of the case (`applicant.id_number`, else the `id_number` field),
read from the material pool: never asked again. Every query is logged (`registry_queries`) once
per idempotency key, in the same transaction as its answer: a repeated key gets the logged
answer back, so the registry sees one query per `case:step:attempt`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlmodel import Field, SQLModel, col, select

from engine.clock import as_utc
from engine.store.unit_of_work import UnitOfWork

RECORDS = Path("registries") / "drivers.yaml"  # in the definitions folder


class DriverRecord(SQLModel, table=True):
    """One person in the registries (sample records: `registries/drivers.yaml` of the
    definitions folder)."""

    __tablename__ = "registry_drivers"

    id_number: str = Field(primary_key=True)  # 公民身份号码
    name: str
    licence_since: dt.date  # 初次领取驾驶证日期
    accident_crime: bool = False  # 交通肇事犯罪
    dangerous_driving: bool = False  # 危险驾驶犯罪
    violent_crime: bool = False  # 暴力犯罪
    drug_record: bool = False  # 吸毒记录
    drink_driving: bool = False  # 饮酒后驾驶记录
    full_score_cycles: int = 0  # 最近连续3个记分周期内记满12分的次数


class RegistryQuery(SQLModel, table=True):
    """A query a connector made (the registry's log), with the answer it gave."""

    __tablename__ = "registry_queries"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)  # case:step:attempt
    check: str
    id_number: str
    at: dt.datetime
    answer: str


def seed(database: sa.Engine, *, definitions: Path) -> int:
    """Load the records of the definitions folder's `registries/drivers.yaml` (again: existing
    ones are replaced); returns how many."""
    drivers = yaml.safe_load((definitions / RECORDS).read_text(encoding="utf-8"))["drivers"]
    with UnitOfWork(database) as uow:
        for entry in drivers:
            uow.session.merge(DriverRecord.model_validate(entry))
        uow.commit()
    return len(drivers)


def query(
    request: dict[str, Any],
    database: sa.Engine | None,
    check: str,
    rules: Callable[[DriverRecord], list[str]],
) -> dict[str, Any]:
    if database is None:
        raise ValueError("the registry checks read the registry tables: pass `database`")
    id_number = str(request["applicant"].get("id_number") or request["fields"].get("id_number"))
    with UnitOfWork(database) as uow:
        session = uow.session
        logged = session.exec(
            select(RegistryQuery).where(
                col(RegistryQuery.key) == request["key"], col(RegistryQuery.check) == check
            )
        ).first()
        if logged is not None:
            return dict(json.loads(logged.answer))
        driver = session.get(DriverRecord, id_number)
        findings = rules(driver) if driver else [f"登记库中无此人（{id_number}）"]
        answer = {"ok": not findings, "check": check, "findings": findings}
        session.add(
            RegistryQuery(
                key=request["key"],
                check=check,
                id_number=id_number,
                at=as_utc(dt.datetime.fromisoformat(request["asked_at"])),
                answer=json.dumps(answer, ensure_ascii=False),
            )
        )
        uow.commit()
    return answer
