"""What of a case a user may read (pure): the owner department, supervisors and operators see
all of it; another department sees its own steps, the materials those steps use, and its own
negative matters, never the other departments' materials (of the correction, every item, as
the applicant's notice lists them, but not the documents supplied for another's materials). A
user with roles in several departments sees what each of them would."""

from __future__ import annotations

from engine.access.permissions import Principal, reach, require
from engine.definitions.model import Workflow
from engine.views.cases import CaseView


def departments_of(view: CaseView, workflow: Workflow) -> set[str]:
    """The departments that own or take part in the case."""
    return {workflow.owner} | {step.department for step in view.steps}


def visible(
    view: CaseView, workflow: Workflow, user: Principal, *, action: str = "cases.read"
) -> CaseView:
    """The part of the case's view that `user` may read; `Forbidden` if none of it."""
    require(user, action, departments=departments_of(view, workflow), case=view.id)
    departments = reach(user, action, case=view.id)
    if departments is None or workflow.owner in departments:
        return view
    mine = [step for step in view.steps if step.department in departments]
    ids = {step.id for step in mine}
    used = {m for s in workflow.steps if s.id in ids for m in s.uses}
    correction = view.correction
    if correction is not None:  # every item is in the applicant's notice; not every answer
        items = [
            i if not i.material or i.key in used else i.model_copy(update={"answer": None})
            for i in correction.items
        ]
        correction = correction.model_copy(update={"items": items})
    return view.model_copy(
        update={
            "correction": correction,
            "steps": mine,
            "materials": {k: v for k, v in view.materials.items() if k in used},
            "negatives": [n for n in view.negatives if n.department in departments],
            "notices": [n for n in view.notices if n.step_id is None or n.step_id in ids],
        }
    )
