"""How hard a delivery tries: bounded attempts, exponential backoff, a bound on total time."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import OnethingError


class DeliveryError(OnethingError):
    """One attempt failed. `retryable` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt `n` (from 1) waits `base_delay * factor**(n-1)` (at most `max_delay`) before
    attempt `n+1`; no attempt starts once `total_seconds` would be exceeded."""

    max_attempts: int = 5
    base_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    total_seconds: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay_after(self, attempt: int, *, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt`; a server's Retry-After wins
        when it asks for longer, still capped by `max_delay`."""
        delay = self.base_delay * self.factor ** (attempt - 1)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_delay)

    def next_delay(
        self, attempt: int, *, elapsed: float, retry_after: float | None = None
    ) -> float | None:
        """The wait before another attempt, or None when the attempts or the time are used up."""
        if attempt >= self.max_attempts:
            return None
        delay = self.delay_after(attempt, retry_after=retry_after)
        return None if elapsed + delay > self.total_seconds else delay
