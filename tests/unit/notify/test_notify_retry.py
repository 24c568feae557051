"""Backoff: exponential, capped, bounded in attempts and in total time."""

from __future__ import annotations

import pytest

from engine.retry import RetryPolicy


def test_delays_double_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=1, factor=2, max_delay=5, total_seconds=100)
    assert [policy.delay_after(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_no_delay_after_the_last_attempt() -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=1)
    assert policy.next_delay(2, elapsed=0) == 2
    assert policy.next_delay(3, elapsed=0) is None


def test_no_attempt_that_would_exceed_the_total_time() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay=4, total_seconds=10)
    assert policy.next_delay(1, elapsed=5) == 4
    assert policy.next_delay(1, elapsed=7) is None


def test_retry_after_from_the_server_lengthens_the_wait_but_not_past_the_cap() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=30)
    assert policy.delay_after(1, retry_after=10) == 10
    assert policy.delay_after(1, retry_after=0) == 1
    assert policy.delay_after(1, retry_after=3600) == 30


def test_at_least_one_attempt() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
