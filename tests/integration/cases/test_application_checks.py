"""Submission through the service on SQLite and PostgreSQL: an application with problems is
refused with every one of them, one line each, and nothing of it is stored."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from engine.cases.service import CaseService
from engine.cases.tables import CaseRow
from engine.definitions.application import ApplicationError
from tests.fixtures.road_works import APPLICATION


def test_submission_refuses_every_problem_at_once_and_stores_nothing(
    service: CaseService,
) -> None:
    bad = {
        **APPLICATION,
        "applicant": {"name": "张三", "credit_code": "91450200MA5K8Q3L78"},
        "fields": {"length_m": "long", "colour": "red"},
        "materials": {**APPLICATION["materials"], "site-plan": "commitment"},
    }
    with pytest.raises(ApplicationError) as refused:
        service.submit("road-works", bad)
    assert str(refused.value).splitlines() == [
        "applicant.credit_code: '91450200MA5K8Q3L78' is not a valid unified social credit code",
        "fields.length_m: field 'length_m' should be number, not 'long'",
        "fields.colour: unknown field 'colour' (known: affects_trees, length_m)",
        "materials.site-plan: material 'site-plan' cannot be replaced by a commitment",
    ]
    with Session(service.engine) as session:
        assert session.exec(select(CaseRow.id)).all() == []
    assert service.submit("road-works", APPLICATION).status == "submitted"
