"""Login throttling: when failed sign-ins lock an account name or an address, and for how long.

The state is kept per key (``user:<name>`` whether or not that account exists, and
``addr:<address>``) in the database, so that every worker and host shares it. The answer to a
throttled sign-in is the same for an account that exists and one that does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """``limit`` failures within ``window`` lock the key for ``base_lock``, doubling with each
    further failure up to ``max_lock``."""

    limit: int
    window: dt.timedelta
    base_lock: dt.timedelta
    max_lock: dt.timedelta


#: an account name: 5 failures in 15 minutes lock it for 1 minute, then 2, 4, ... up to 15
ACCOUNT_RULE = ThrottleRule(
    limit=5,
    window=dt.timedelta(minutes=15),
    base_lock=dt.timedelta(minutes=1),
    max_lock=dt.timedelta(minutes=15),
)
#: an address (many accounts tried from one place): 20 failures in 15 minutes
ADDRESS_RULE = ThrottleRule(
    limit=20,
    window=dt.timedelta(minutes=15),
    base_lock=dt.timedelta(minutes=1),
    max_lock=dt.timedelta(minutes=15),
)


@dataclass(frozen=True, slots=True)
class ThrottleState:
    """Failures counted since ``window_start``; locked until ``locked_until`` (if set)."""

    failures: int
    window_start: dt.datetime
    locked_until: dt.datetime | None = None


def retry_after(state: ThrottleState | None, *, now: dt.datetime) -> int:
    """Seconds to wait before another try (0: go ahead).

    >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> retry_after(ThrottleState(5, t, t + dt.timedelta(seconds=60)), now=t)
    60
    >>> retry_after(None, now=t)
    0
    """
    if state is None or state.locked_until is None or state.locked_until <= now:
        return 0
    return max(1, int((state.locked_until - now).total_seconds() + 0.999))


def after_failure(
    state: ThrottleState | None, *, rule: ThrottleRule, now: dt.datetime
) -> ThrottleState:
    """The state after one more failed sign-in at ``now``.

    >>> t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    >>> s = None
    >>> for _ in range(5):
    ...     s = after_failure(s, rule=ACCOUNT_RULE, now=t)
    >>> s.failures, retry_after(s, now=t)
    (5, 60)
    >>> retry_after(after_failure(s, rule=ACCOUNT_RULE, now=t), now=t)
    120
    >>> after_failure(s, rule=ACCOUNT_RULE, now=t + dt.timedelta(hours=1)).failures
    1
    """
    quiet = state is None or (
        now - state.window_start > rule.window
        and (state.locked_until is None or state.locked_until <= now)
    )
    if state is None or quiet:
        failures, start = 1, now
    else:
        failures, start = state.failures + 1, state.window_start
    locked_until = None
    if failures >= rule.limit:
        lock = rule.base_lock * (2 ** min(failures - rule.limit, 16))
        locked_until = now + min(lock, rule.max_lock)
    return ThrottleState(failures=failures, window_start=start, locked_until=locked_until)
