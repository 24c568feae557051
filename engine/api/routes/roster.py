"""The examiners' roster of the inspection draw (审查员库): read by a department's admin or
head (their department's) and by supervisors and operators (every one); changed by the
department's admin or head, each change audited in the roster's hash-chained log. The same
roster book as `onething roster`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from engine.access.permissions import Principal, reach, require
from engine.api.deps import ID_PATTERN, CurrentUser, Deps, Services, guard
from engine.draw.book import RosterBook
from engine.draw.roster import Change
from engine.errors import ServiceError
from engine.views.draws import ExaminerView, RosterChangeView

router = APIRouter(prefix="/roster", tags=["roster"])
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]
Department = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
ExaminerId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
DepartmentFilter = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class Inspected(BaseModel):
    """A past on-site inspection: whom (credit code or id number) and on which day."""

    model_config = ConfigDict(extra="forbid")
    applicant: Code
    on: dt.date


class Relations(BaseModel):
    """Declared relations (回避): employer, relatives' companies, past inspections."""

    model_config = ConfigDict(extra="forbid")
    employer: Code | None = None
    relatives: Annotated[list[Code], Field(max_length=50)] = []
    inspected: Annotated[list[Inspected], Field(max_length=200)] = []

    def data(self) -> dict[str, object]:
        return {
            "employer": self.employer,
            "relatives": list(self.relatives),
            "inspected": [
                {"applicant": i.applicant, "on": i.on.isoformat()} for i in self.inspected
            ],
        }


class NewExaminer(Relations):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class Disabling(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text


def _book(deps: Services) -> RosterBook:
    if deps.draws is None:
        raise ServiceError("the inspection draw is not configured in this service")
    return deps.draws.drawer.book


def _read_department(user: Principal, action: str, department: str | None) -> str | None:
    """The department whose roster `user` asks for (None: every one, for a reader of all);
    a department's admin or head reads only their own (by default the first of them)."""
    mine = reach(user, action)
    if mine is None:
        return department
    department = department or min(mine, default="")
    require(user, action, departments={department})
    return department


def _change(deps: Services, user: Principal, change: Change) -> ExaminerView:
    roster = _book(deps).change(user, [change]).roster
    found = roster.find(change.examiner)
    assert found is not None  # the change just named it
    return ExaminerView.model_validate(found.record())


@router.get("", **guard("roster.read"))
def list_examiners(
    user: CurrentUser, deps: Deps, department: DepartmentFilter = None
) -> list[ExaminerView]:
    """The roster now with each examiner's declared relations, the disabled included."""
    return _book(deps).examiners(_read_department(user, "roster.read", department))


@router.get("/history", **guard("roster.read"))
def history(
    user: CurrentUser, deps: Deps, department: DepartmentFilter = None
) -> list[RosterChangeView]:
    """Every audited change of the roster, oldest first: when, by whom, what."""
    return _book(deps).history(_read_department(user, "roster.read", department))


@router.post("/{department}/examiners", status_code=201, **guard("roster.manage", 400, 422))
def add(department: Department, body: NewExaminer, user: CurrentUser, deps: Deps) -> ExaminerView:
    """Add an examiner to the department's roster, with the relations declared."""
    data = {"name": body.name, **body.data()} if body.name else body.data()
    return _change(deps, user, Change("add", department, body.id, data))


@router.post("/{department}/examiners/{examiner}/disable", **guard("roster.manage", 400, 422))
def disable(
    department: Department, examiner: ExaminerId, body: Disabling, user: CurrentUser, deps: Deps
) -> ExaminerView:
    """Take an examiner out of the draws (kept on the record, the reason audited)."""
    return _change(deps, user, Change("disable", department, examiner, {"reason": body.reason}))


@router.post("/{department}/examiners/{examiner}/enable", **guard("roster.manage", 400))
def enable(
    department: Department, examiner: ExaminerId, user: CurrentUser, deps: Deps
) -> ExaminerView:
    """Put a disabled examiner back into the draws."""
    return _change(deps, user, Change("enable", department, examiner))


@router.post("/{department}/examiners/{examiner}/relations", **guard("roster.manage", 400, 422))
def relate(
    department: Department, examiner: ExaminerId, body: Relations, user: CurrentUser, deps: Deps
) -> ExaminerView:
    """Declare relations of an examiner: an employer, relatives' companies, inspections."""
    return _change(deps, user, Change("relate", department, examiner, body.data()))
