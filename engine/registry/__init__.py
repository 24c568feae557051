"""The registry of workflow definitions in the store (versions immutable, newest current)."""

from engine.registry.service import (
    Registered,
    RegistryError,
    current_version,
    diff,
    diff_source,
    list_workflows,
    owned_by,
    register,
    retire,
    show,
    workflow_source,
)
from engine.registry.tables import WorkflowVersion
from engine.views.definitions import WorkflowListing, WorkflowVersionPublic

__all__ = [
    "Registered",
    "RegistryError",
    "WorkflowListing",
    "WorkflowVersion",
    "WorkflowVersionPublic",
    "current_version",
    "diff",
    "diff_source",
    "list_workflows",
    "owned_by",
    "register",
    "retire",
    "show",
    "workflow_source",
]
