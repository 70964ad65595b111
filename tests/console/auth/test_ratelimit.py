"""Sign-in rate limiting on a fake clock."""

import pytest

from jobyard.console.auth import SignInLimiter, SignInLocked

from .conftest import FakeClock


def fail(limiter: SignInLimiter, times: int, name: str = "alice", address: str = "192.0.2.7") -> None:
    for _ in range(times):
        limiter.record_failure(name, address)


def test_four_failures_do_not_lock():
    limiter = SignInLimiter(clock=FakeClock())
    fail(limiter, 4)
    limiter.check("alice", "192.0.2.7")


def test_the_fifth_failure_within_five_minutes_locks_for_fifteen():
    clock = FakeClock()
    limiter = SignInLimiter(clock=clock)
    fail(limiter, 5)
    with pytest.raises(SignInLocked) as locked:
        limiter.check("alice", "192.0.2.7")
    assert locked.value.retry_after.total_seconds() == 15 * 60
    clock.advance(minutes=15)
    limiter.check("alice", "192.0.2.7")


def test_failures_older_than_the_window_are_forgotten():
    clock = FakeClock()
    limiter = SignInLimiter(clock=clock)
    fail(limiter, 4)
    clock.advance(minutes=5)
    fail(limiter, 1)
    limiter.check("alice", "192.0.2.7")


def test_a_success_clears_the_count():
    limiter = SignInLimiter(clock=FakeClock())
    fail(limiter, 4)
    limiter.record_success("alice", "192.0.2.7")
    fail(limiter, 4)
    limiter.check("alice", "192.0.2.7")


def test_a_lock_holds_one_name_from_one_address_only():
    limiter = SignInLimiter(clock=FakeClock())
    fail(limiter, 5)
    limiter.check("alice", "198.51.100.1")
    limiter.check("bob", "192.0.2.7")
