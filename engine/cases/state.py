"""States of cases and steps, and the table of legal moves between them (SpiffWorkflow style)."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"  # 已申请: materials in, awaiting acceptance
    CORRECTION = "correction"  # 补正: one notice issued, awaiting the applicant
    REFUSAL_PENDING = "refusal-pending"  # 不予受理 registered, awaiting the leader
    IN_PROGRESS = "in-progress"  # 已受理: steps running
    COMPLETED = "completed"  # 已办结: results delivered
    REFUSED = "refused"  # 不予受理
    REJECTED = "rejected"  # 不予许可
    WITHDRAWN = "withdrawn"  # 撤回
    TERMINATED = "terminated"  # 终止

    @property
    def closed(self) -> bool:
        return self in CLOSED_CASE


CLOSED_CASE = frozenset(
    {
        CaseStatus.COMPLETED,
        CaseStatus.REFUSED,
        CaseStatus.REJECTED,
        CaseStatus.WITHDRAWN,
        CaseStatus.TERMINATED,
    }
)

CASE_MOVES: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.SUBMITTED: frozenset(
        {
            CaseStatus.IN_PROGRESS,
            CaseStatus.CORRECTION,
            CaseStatus.REFUSAL_PENDING,
            CaseStatus.WITHDRAWN,
            CaseStatus.TERMINATED,
        }
    ),
    CaseStatus.CORRECTION: frozenset(
        {
            CaseStatus.SUBMITTED,
            CaseStatus.IN_PROGRESS,
            CaseStatus.REFUSAL_PENDING,
            CaseStatus.REJECTED,  # a leader confirms an end-case rejection meanwhile
            CaseStatus.WITHDRAWN,
            CaseStatus.TERMINATED,
        }
    ),
    CaseStatus.REFUSAL_PENDING: frozenset(
        {CaseStatus.REFUSED, CaseStatus.SUBMITTED, CaseStatus.WITHDRAWN, CaseStatus.TERMINATED}
    ),
    CaseStatus.IN_PROGRESS: frozenset(
        {
            CaseStatus.COMPLETED,
            CaseStatus.REJECTED,
            CaseStatus.WITHDRAWN,
            CaseStatus.TERMINATED,
            CaseStatus.CORRECTION,
        }
    ),
}
for _closed in CLOSED_CASE:
    CASE_MOVES[_closed] = frozenset()


class StepStatus(StrEnum):
    PENDING = "pending"  # waiting for the steps it needs
    ACTIVE = "active"  # 办理中
    SUSPENDED = "suspended"  # clock stopped: Art. 45 or 补正
    REJECTION_PENDING = "rejection-pending"  # 不予许可 registered, awaiting the leader
    APPROVED = "approved"  # 通过
    REJECTED = "rejected"  # 不通过 (confirmed)
    SKIPPED = "skipped"  # its `when` does not hold
    CANCELLED = "cancelled"  # the case or the branch ended first

    @property
    def finished(self) -> bool:
        return self in FINISHED_STEP

    @property
    def open(self) -> bool:
        return self in OPEN_STEP


FINISHED_STEP = frozenset(
    {StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.SKIPPED, StepStatus.CANCELLED}
)
OPEN_STEP = frozenset({StepStatus.ACTIVE, StepStatus.SUSPENDED, StepStatus.REJECTION_PENDING})

# A confirmed return-to (退回) reopens the steps from its target on: the target goes back to
# active, an open or approved step after it back to pending. Rejected, skipped and cancelled are
# outcomes: a rejection was told to the applicant, a skipped step does not apply, a cancelled
# one's branch ended; only the target of a return-to leaves rejected.
STEP_MOVES: dict[StepStatus, frozenset[StepStatus]] = {
    StepStatus.PENDING: frozenset({StepStatus.ACTIVE, StepStatus.SKIPPED, StepStatus.CANCELLED}),
    StepStatus.ACTIVE: frozenset(
        {
            StepStatus.SUSPENDED,
            StepStatus.REJECTION_PENDING,  # no officer refuses alone: the leader decides
            StepStatus.APPROVED,
            StepStatus.CANCELLED,
            StepStatus.PENDING,
        }
    ),
    StepStatus.SUSPENDED: frozenset({StepStatus.ACTIVE, StepStatus.CANCELLED, StepStatus.PENDING}),
    StepStatus.REJECTION_PENDING: frozenset(
        {StepStatus.ACTIVE, StepStatus.REJECTED, StepStatus.CANCELLED, StepStatus.PENDING}
    ),
    StepStatus.APPROVED: frozenset({StepStatus.PENDING, StepStatus.ACTIVE}),
    StepStatus.REJECTED: frozenset({StepStatus.ACTIVE}),
    StepStatus.SKIPPED: frozenset(),
    StepStatus.CANCELLED: frozenset(),
}
