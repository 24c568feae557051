"""onething: a workflow engine for combined government approvals (高效办成一件事)."""
