"""The public listing of licensing decisions (双公示, docs/domain.md §publication): each is due for
publication within 7 working days of the decision. Decision and publication steps are found by
their kind in the workflow; the sweep escalates an open publication step like any other. Only a
licence granted is listed: a case withdrawn (撤回), terminated (终止), refused or rejected
(不予受理/不予许可) publishes no licensing decision, even where a decision step had approved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from engine.calendar import Limit, Unit, WorkingCalendar
from engine.cases.case import Case, StepRun
from engine.cases.service import CaseService
from engine.cases.state import CaseStatus, StepStatus
from engine.cases.tables import CaseRow, StepRow
from engine.clock import as_utc
from engine.definitions.catalogue import Catalogue, MatterKind
from engine.definitions.model import Step, StepKind, Workflow
from engine.errors import InputError
from engine.views.supervision import PublicationView

PUBLICATION_LIMIT = Limit(7, Unit.WORKING_DAYS)  # docs/domain.md §publication
# the ends of a case that grant no licence: nothing of theirs is due for publication
NOT_GRANTED = (CaseStatus.WITHDRAWN, CaseStatus.TERMINATED, CaseStatus.REFUSED, CaseStatus.REJECTED)


def publications(
    cases: CaseService,
    catalogue: Catalogue,
    *,
    now: dt.datetime | None = None,
    after: tuple[str, int] | None = None,
    limit: int | None = None,
) -> list[PublicationView]:
    """Every licensing decision taken, with its publication deadline and state, by case in
    the order submitted (at, id) and each case's in its workflow's order; `after` (case, how
    many of its decisions listed): the page after those; at most `limit`."""
    now = now or cases.clock()
    found: list[PublicationView] = []
    with Session(cases.engine) as session:
        kinds = session.execute(
            select(CaseRow.workflow_id, CaseRow.workflow_version).distinct()
        ).all()
        deciding: dict[tuple[str, int], tuple[Workflow, list[Step]]] = {}
        for workflow_id, version in kinds:
            workflow = cases.workflows(workflow_id, version)
            decisions = [s for s in workflow.steps if s.kind is StepKind.DECISION]
            if decisions:
                deciding[(workflow_id, version)] = (workflow, decisions)
        if not deciding:
            return []
        approved = or_(
            *(
                and_(
                    col(CaseRow.workflow_id) == workflow_id,
                    col(CaseRow.workflow_version) == version,
                    col(CaseRow.id).in_(
                        select(StepRow.case_id).where(
                            col(StepRow.step_id).in_([s.id for s in decisions]),
                            StepRow.status == StepStatus.APPROVED.value,
                        )
                    ),
                )
                for (workflow_id, version), (_, decisions) in deciding.items()
            )
        )
        submitted, case_id = col(CaseRow.submitted_at), col(CaseRow.id)
        query = (
            select(CaseRow.submitted_at, CaseRow.id, CaseRow.snapshot)
            .where(col(CaseRow.status).not_in([s.value for s in NOT_GRANTED]), approved)
            .order_by(submitted, case_id)
        )
        position: tuple[dt.datetime, str, int] | None = None
        if after is not None:  # the first batch starts at its case (the rest of its decisions)
            at = session.execute(
                select(CaseRow.submitted_at).where(CaseRow.id == after[0])
            ).scalar_one_or_none()
            if at is None:
                raise InputError(f"no case {after[0]!r} to list after")
            position = (at, after[0], after[1])
        first = position
        while limit is None or len(found) < limit:
            batch = query.limit(limit)
            if position is not None:
                at, last = as_utc(position[0]), position[1]
                same = case_id >= last if position is first else case_id > last
                batch = batch.where(or_(submitted > at, and_(submitted == at, same)))
            rows = session.execute(batch).all()
            for at, listed_id, snapshot in rows:
                case = Case.from_json(snapshot)
                workflow, decisions = deciding[(case.workflow_id, case.workflow_version)]
                listed = _listed(case, workflow, decisions, catalogue, cases, now)
                given = position[2] if position and listed_id == position[1] else 0
                found += listed[given:]
                position = (at, listed_id, len(listed))
            if limit is None or len(rows) < limit:
                break
    return found[:limit]


def _listed(
    case: Case,
    workflow: Workflow,
    decisions: list[Step],
    catalogue: Catalogue,
    cases: CaseService,
    now: dt.datetime,
) -> list[PublicationView]:
    calendar = cases.calendars.get(case.calendar)
    publication = next(
        (case.steps[s.id] for s in workflow.steps if s.kind is StepKind.PUBLICATION), None
    )
    listed = []
    for step in decisions:
        run = case.steps[step.id]
        matter = catalogue.matters.get(step.matter) if step.matter else None
        if run.status is not StepStatus.APPROVED or run.finished_at is None:
            continue
        if matter is not None and matter.kind is not MatterKind.LICENCE:
            continue
        due = _publish_by(publication, run, calendar, now)
        published = (
            publication.finished_at
            if publication and publication.status is StepStatus.APPROVED
            else None
        )
        department = catalogue.departments.get(step.department)
        status = "published" if published else ("overdue" if now > due else "due")
        listed.append(
            PublicationView(
                decision_number=str(run.result.get("decision_number") or f"{case.id}-{step.id}"),
                matter=matter.name if matter else step.title,
                holder=str(case.applicant.get("name", "")),
                credit_code=str(case.applicant.get("credit_code", "")),
                content=str(run.result.get("content") or workflow.title),
                agency=department.name if department else step.department,
                decided_at=calendar.local(run.finished_at),
                publish_by=calendar.local(due),
                published_at=calendar.local(published) if published else None,
                status=status,
                case=case.id,
            )
        )
    return listed


def _publish_by(
    publication: StepRun | None, decision: StepRun, calendar: WorkingCalendar, now: dt.datetime
) -> dt.datetime:
    """The publication step's own deadline when it runs, else 7 working days after deciding."""
    if publication is not None and publication.clock is not None:
        return publication.clock.read(calendar, now).due
    assert decision.finished_at is not None
    return calendar.due(decision.finished_at, PUBLICATION_LIMIT).at
