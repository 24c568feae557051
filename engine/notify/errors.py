"""What a failed delivery attempt says: whether another attempt may succeed (the retry policy
itself is `engine.retry.RetryPolicy`)."""

from __future__ import annotations

from engine.errors import OnethingError


class DeliveryError(OnethingError):
    """One attempt failed. `retryable` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
