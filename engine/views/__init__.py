"""Typed public views (pydantic): what the CLI's `--json`, the HTTP API, the pages and the
flows' artifacts show. Importing them needs neither the store nor Prefect.

- `cases`: `CaseView` (`StepView`, `ClockView`, `MaterialView`, `CorrectionView`,
  `NegativeMatterView`, `ApplicantNoticeView`), `CaseSummary`, `TimelineView`/`EventView`,
  `DeadlineMoved`, `BatchOutcome`, `AuditReport`; `case_view(case, calendar, now)`.
- `supervision`: `EscalationView`, `SweepView`/`FiredView`, `DeliveryView`, `PublicationView`.
- `definitions`: `WorkflowVersionPublic`, `WorkflowSourceView`, `WorkflowListing`, `PlanView`,
  `DueView`, `WorkingDaysView`.
"""
