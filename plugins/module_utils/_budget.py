# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one time budget of a task (private: not for use outside this collection).

A task gets ``wait_timeout`` seconds, counted on a monotonic clock from the moment the runner
starts it, for everything it does: every HTTP attempt, every pause before a retry (``Retry-After``
included), the search for an order that was just placed, and the wait for a status. Without this,
time was accounted in pieces (a 10 s wait whose polls each retried for half a minute took 31.5 s),
so the budget is the only clock the HTTP seam and the waiter consult.

Two deadlines follow from it:

- the *deadline* (start + ``wait_timeout``): no poll and no retry starts after it;
- the *hard end* (deadline + one request ``timeout``): a call that started before the deadline may
  finish, and the reads that turn the last-seen statuses into a result may still run, but no HTTP
  attempt waits past it. So a task returns within ``wait_timeout`` plus one request timeout,
  whatever the provider does.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

#: The longest accepted ``wait_timeout``: a month (a longer wait is a scheduling job, not a task).
MAX_WAIT_TIMEOUT = 31 * 24 * 3600
#: The longest accepted per-request ``timeout`` (the socket layer rejects absurd values with a traceback).
MAX_REQUEST_TIMEOUT = 3600
#: The longest accepted pause between polls.
MAX_WAIT_SLEEP = 3600
#: The most retries a call may make (the budget bounds them anyway; more is a typo).
MAX_RETRIES = 100


def _monotonic() -> float:
    # looked up at call time, so that tests can replace this module's ``time``
    return time.monotonic()


class BudgetError(ValueError):
    """A time option that no task can honour."""


def check_time_options(params: dict) -> None:
    """Raise :class:`BudgetError` naming the first impossible value among the time options.

    Checked once, at task start, before any request: ``wait_sleep`` is checked whether or not the
    task waits, because the search for a just-placed order paces itself by it too.
    """
    limits = (
        ("wait_timeout", 0, MAX_WAIT_TIMEOUT, "seconds"),
        ("wait_sleep", 1, MAX_WAIT_SLEEP, "seconds"),
        ("timeout", 1, MAX_REQUEST_TIMEOUT, "seconds"),
        ("retries", 0, MAX_RETRIES, "retries"),
    )
    for name, low, high, unit in limits:
        value = params.get(name)
        if value is None:
            continue
        if not low <= value <= high:
            raise BudgetError("%s must be between %d and %d %s, got %s" % (name, low, high, unit, value))


class Budget:
    """``seconds`` of monotonic time from now; ``request_timeout`` is the longest single HTTP attempt.

    ``seconds=None`` is a budget without an end (for code used outside a task, such as tests of
    the HTTP seam on its own).
    """

    def __init__(self, seconds: float | None, request_timeout: float = 30.0,
                 clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or _monotonic
        self.seconds = None if seconds is None else float(seconds)
        self.request_timeout = float(request_timeout)
        self.start = self.clock()

    @classmethod
    def for_task(cls, params: dict) -> Budget:
        """The budget of a module run, from its validated options."""
        return cls(params["wait_timeout"], params["timeout"])

    # -- where the task stands ----------------------------------------------------------------
    @property
    def deadline(self) -> float:
        return float("inf") if self.seconds is None else self.start + self.seconds

    @property
    def hard_end(self) -> float:
        return self.deadline + self.request_timeout

    def remaining(self) -> float:
        """Seconds before the deadline (0 once it has passed)."""
        return max(0.0, self.deadline - self.clock())

    def expired(self) -> bool:
        return self.clock() >= self.deadline

    def describe(self) -> str:
        """How the budget reads in a message."""
        if self.seconds is None:
            return "no time limit"
        return "the task's time budget (wait_timeout=%gs)" % self.seconds

    # -- what the HTTP seam and the waiter ask -------------------------------------------------
    def attempt_timeout(self) -> float | None:
        """The timeout of the next HTTP attempt: the request timeout, cut to what is left before the
        hard end; None when nothing is left (the attempt must not start)."""
        left = self.hard_end - self.clock()
        if left <= 0:
            return None
        return min(self.request_timeout, left)

    def room_for(self, pause: float) -> bool:
        """Whether a pause of ``pause`` seconds still ends before the deadline (so that something
        may follow it)."""
        return self.clock() + pause < self.deadline

    @contextlib.contextmanager
    def window(self, seconds: float) -> Iterator[Budget]:
        """Within the block, the budget ends ``seconds`` after the block's start (sooner or later than
        it would); afterwards it is what it was. For a search whose useful length the provider
        decides: how long a new order takes to become visible."""
        saved = self.seconds
        if saved is not None:
            self.seconds = self.clock() - self.start + max(0.0, seconds)
        try:
            yield self
        finally:
            self.seconds = saved

    @contextlib.contextmanager
    def at_least(self, seconds: float) -> Iterator[Budget]:
        """Within the block, the budget lasts at least ``seconds`` more from the block's start;
        afterwards it is what it was. Used only where stopping early costs more than the time: the
        search for an order that was placed (its record shows up some seconds later, and a task that
        gives up early invites a second order). The time the block took still counts afterwards."""
        saved = self.seconds
        needed = self.clock() - self.start + seconds
        if saved is not None and saved < needed:
            self.seconds = needed
        try:
            yield self
        finally:
            self.seconds = saved
