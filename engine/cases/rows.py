"""The query rows a case's snapshot implies (steps, signatures, materials, negative matters):
written by the unit of work beside the snapshot, and checked against it by `audit verify`."""

from __future__ import annotations

from typing import Any

from engine.cases.case import MaterialState, NegativeMatter, Signature, StepRun
from engine.cases.state import OPEN_STEP
from engine.clock import as_utc


def step_values(run: StepRun) -> dict[str, Any]:
    """A step row's columns that follow from the snapshot alone (due times need the calendar)."""
    return {
        "department": run.department,
        "status": run.status.value,
        "is_open": run.status in OPEN_STEP,
        "attempt": run.attempt,
        "suspended": run.clock.suspended if run.clock else False,
        "assignee": run.assignee,
    }


def applicant_name(applicant: dict[str, Any]) -> str | None:
    """The applicant's name as a case listing searches it (None: the application has none)."""
    name = applicant.get("name")
    return str(name)[:255] if name not in (None, "") else None


def decision_values(run: StepRun, signature: Signature) -> dict[str, Any]:
    """A decision row of a signature on the step's current attempt."""
    return {
        "step_id": run.step_id,
        "attempt": run.attempt,
        "actor": signature.actor,
        "role": signature.role,
        "decision": signature.decision,
        "at": as_utc(signature.at),
        "comment": signature.comment,
    }


def material_values(state: MaterialState) -> dict[str, Any]:
    """A material row's columns."""
    return {
        "status": state.status.value,
        "reference": state.reference,
        "deadline": as_utc(state.deadline),
    }


def negative_values(negative: NegativeMatter) -> dict[str, Any]:
    """A negative matter's row columns (but its case)."""
    return {
        "step_id": negative.step_id,
        "kind": negative.kind.value,
        "status": negative.status.value,
        "matter": negative.matter,
        "facts": negative.facts,
        "reason": negative.reason,
        "legal_basis": negative.legal_basis,
        "officer": negative.officer,
        "department": negative.department,
        "registered_at": as_utc(negative.registered_at),
        "decided_by": negative.decided_by,
        "decided_at": as_utc(negative.decided_at),
        "decision_reason": negative.decision_reason,
    }
