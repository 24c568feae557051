"""The Chinese names a page shows for the ids it holds: a workflow's title, its steps' and
materials' titles (from the registered version), a department's official name (from the
catalogue). An id the definitions do not know is shown as it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import OnethingError

if TYPE_CHECKING:
    from engine.api.deps import Services
    from engine.definitions.model import Workflow


class Names:
    """Names for one request (each workflow version read once)."""

    def __init__(self, deps: Services):
        self._deps = deps
        self._workflows: dict[tuple[str, int | None], Workflow | None] = {}
        self._departments = deps.catalogue().departments
        self._cases: dict[str, tuple[str, int]] = {}

    def know_cases(self, case_ids: set[str]) -> None:
        """Read the workflows of these cases at once (for `case_step` on a long board)."""
        missing = case_ids - set(self._cases)
        self._cases.update(self._deps.cases.workflow_versions(missing))

    def case_step(self, case_id: str, step_id: str | None) -> str:
        """A step's title, by the case it belongs to."""
        if case_id not in self._cases:
            self.know_cases({case_id})
        found = self._cases.get(case_id)
        return self.step(found[0], step_id, found[1]) if found else (step_id or "—")

    def _workflow(self, workflow_id: str, version: int | None) -> Workflow | None:
        key = (workflow_id, version)
        if key not in self._workflows:
            try:
                self._workflows[key] = self._deps.cases.workflows(workflow_id, version)
            except OnethingError:  # retired or unknown: the id stands
                self._workflows[key] = None
        return self._workflows[key]

    def workflow(self, workflow_id: str, version: int | None = None) -> str:
        found = self._workflow(workflow_id, version)
        return found.title if found else workflow_id

    def step(self, workflow_id: str, step_id: str | None, version: int | None = None) -> str:
        if not step_id:
            return "—"
        found = self._workflow(workflow_id, version)
        titles = {s.id: s.title for s in found.steps} if found else {}
        return titles.get(step_id, step_id)

    def material(self, workflow_id: str, material_id: str, version: int | None = None) -> str:
        found = self._workflow(workflow_id, version)
        titles = {m.id: m.title for m in found.materials} if found else {}
        return titles.get(material_id, material_id)

    def department(self, department_id: str | None) -> str:
        if not department_id:
            return "—"
        found = self._departments.get(department_id)
        return found.name if found else department_id
