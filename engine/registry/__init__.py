"""The registry of workflow definitions in the store (versions immutable, newest current)."""

from engine.registry.service import (
    Registered,
    RegistryError,
    WorkflowSummary,
    current_version,
    diff,
    list_workflows,
    register,
    retire,
    show,
    workflow_source,
)
from engine.registry.tables import WorkflowVersion, WorkflowVersionPublic

__all__ = [
    "Registered",
    "RegistryError",
    "WorkflowSummary",
    "WorkflowVersion",
    "WorkflowVersionPublic",
    "current_version",
    "diff",
    "list_workflows",
    "register",
    "retire",
    "show",
    "workflow_source",
]
