"""Combined workflow definitions (一件事): the file format, its validation and analysis.

Pure core: no database, no clock. The case engine uses:

- `load_catalogue(root)` → `Catalogue` (departments, roles, matters, calendars, default ladder);
  `Catalogue.escalation_chain(dept)`, `.channels_for(dept, role)`, `.resolve_role(ref, department=)`
- `load_workflow(path, catalogue)` / `load_workflow_text(text, file=, catalogue=)` → `Workflow`
  (raise `DefinitionError` listing every problem as `file:line:col: message`)
- `Workflow.applicable_steps(values)`, `Step.applies(values)`, `Step.limit_for(values)`,
  `Workflow.ladder_for(step)`; `evaluate_when(text, values)` / `parse_when(text).holds(values)`
- `Workflow.refusals_for(values)` (不予受理 at acceptance, `refuse_when`), `Material.asked(values)`
- `application.check_application(workflow, application)`: the one home of application checks
  (raises `ApplicationError` with every problem); `missing_materials` for sample files
- `validate_paths(paths, root=)` → problems; `make_plan(workflow, matters, values=)` → `Plan`
"""

from engine.definitions.catalogue import Catalogue, Channel, ChannelKind, Department, Matter
from engine.definitions.escalation import Level, Rung, Trigger
from engine.definitions.loader import (
    enclosing_root,
    load_catalogue,
    load_workflow,
    load_workflow_text,
    read_catalogue,
    validate_paths,
)
from engine.definitions.model import (
    ApplicationField,
    Connector,
    FieldType,
    Material,
    OnReject,
    RejectAction,
    Signers,
    SignMode,
    Step,
    StepKind,
    Workflow,
)
from engine.definitions.plan import Plan, make_plan, render_plan
from engine.definitions.problems import DefinitionError, Problem
from engine.definitions.when import Condition, WhenError, evaluate_when, parse_when

__all__ = [
    "ApplicationField",
    "Catalogue",
    "Channel",
    "ChannelKind",
    "Condition",
    "Connector",
    "DefinitionError",
    "Department",
    "FieldType",
    "Level",
    "Material",
    "Matter",
    "OnReject",
    "Plan",
    "Problem",
    "RejectAction",
    "Rung",
    "SignMode",
    "Signers",
    "Step",
    "StepKind",
    "Trigger",
    "WhenError",
    "Workflow",
    "enclosing_root",
    "evaluate_when",
    "load_catalogue",
    "load_workflow",
    "load_workflow_text",
    "make_plan",
    "parse_when",
    "read_catalogue",
    "render_plan",
    "validate_paths",
]
