"""Typed public views (pydantic): what the CLI's `--json`, the HTTP API, the pages and the
flows' artifacts show. Importing them needs neither the store nor Prefect.

- `base`: `View`, the root of them all.
- `cases`: `CaseView` (`StepView`, `ClockView`, `MaterialView`, `NegativeMatterView`,
  `ApplicantNoticeView`), `CaseSummary`, `TimelineView`/`EventView`,
  `DeadlineMoved`, `BatchOutcome`, `AuditReport`; `case_view(case, calendar, now)`.
- `corrections`: `CorrectionView` (`CorrectionItemView`), the one open correction.
- `supervision`: `EscalationView`, `SweepView`/`FiredView`, `DeliveryView`, `PublicationView`.
- `definitions`: `WorkflowVersionPublic`, `WorkflowSourceView`, `WorkflowListing`, `PlanView`,
  `DueView`, `WorkingDaysView`.
"""
