# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one waiter of certops.orders (private: not for use outside this collection).

:class:`Waiter` polls a set of objects (orders, certificate requests) until every one of them
satisfies ``is_done``, any of them satisfies ``is_failed``, or the task's :class:`Budget` reaches
its deadline (the budget's clock is the waiter's clock, so time spent before the wait counts).
The poll interval adapts: quick at first (``min_interval``), then a fixed fraction of the
time already waited, capped at ``max_interval``, and never sleeping past the deadline. So an
order that becomes ready after ``t`` seconds is seen within about ``max(min_interval, 10% of t)``
and a 10-minute wait costs about 55 polls with the default 30-second cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget

OUTCOME_DONE = "done"
OUTCOME_FAILED = "failed"
OUTCOME_TIMEOUT = "timeout"
#: the wait stopped at the end of its slice, with time left: the caller goes on with a later call
OUTCOME_SLICE = "slice"
#: set by the collection's action plugins (``plugins/plugin_utils/_progress.py``) for a wait they run
#: in slices, to show progress between them: JSON ``{"seconds", "waited", "polls"}``
SLICE_ENV = "CERTOPS_WAIT_SLICE"
#: the result key of a wait that stopped at the end of its slice (the action plugin goes on, and
#: never passes the key on)
CONTINUE_KEY = "_certops_wait_continue"


class Slice:
    """One slice of a wait that a controller runs in several module calls, to show progress between
    them (see ``plugins/plugin_utils/_progress.py``): the slice's length, and what the earlier slices
    already spent (seconds waited, polls), so that the schedule and the reported totals go on where
    they stopped."""

    def __init__(self, seconds: float, waited: float = 0.0, polls: int = 0) -> None:
        self.seconds = float(seconds)
        self.waited = float(waited)
        self.polls = int(polls)


def _sleep(seconds: float) -> None:
    # looked up at call time, so that tests can replace this module's ``time``
    time.sleep(seconds)


class PollSchedule:
    """Delay before the next poll, from the seconds already waited."""

    def __init__(self, max_interval: float = 30.0, min_interval: float = 1.0, fraction: float = 0.1) -> None:
        self.max_interval = float(max_interval)
        self.min_interval = min(float(min_interval), self.max_interval)
        self.fraction = float(fraction)

    def delay(self, elapsed: float) -> float:
        return min(self.max_interval, max(self.min_interval, self.fraction * elapsed))


class WaitResult:
    """What a wait ended with. ``objects`` maps each key to the last-seen object."""

    def __init__(self, outcome: str, objects: dict, elapsed: float, polls: int, history: list,
                 failed_keys: Iterable[Hashable] = (), pending_keys: Iterable[Hashable] = (),
                 last_error: Exception | None = None) -> None:
        self.outcome = outcome
        self.last_error = last_error
        self.objects = objects
        self.elapsed = elapsed
        self.polls = polls
        self.history = history
        self.failed_keys = list(failed_keys)
        self.pending_keys = list(pending_keys)

    @property
    def ok(self) -> bool:
        return self.outcome == OUTCOME_DONE

    def summary(self) -> dict:
        """The ``wait`` key of a module result: plain JSON types only."""
        return {"elapsed": round(self.elapsed, 3), "polls": self.polls, "history": self.history}

    @property
    def sliced(self) -> bool:
        return self.outcome == OUTCOME_SLICE


class Waiter:
    """Poll until done, failed or out of time.

    - ``fetch(keys)`` returns ``{key: object}`` for the keys still being waited for. A failure it
      raises that is ``retryable`` (the provider unreachable or overloaded beyond the HTTP retries)
      is a round without an answer; any other failure propagates with the waiter's state attached
      as ``wait_result``;
    - ``is_done(obj)`` / ``is_failed(obj)`` are the target and failure predicates;
    - ``describe(obj)`` gives the status text recorded in the history when it changes;
    - ``budget`` is the task's time budget: no poll starts after its deadline;
    - ``sequential``: for APIs without a bulk read, each round reads the pending keys one at a time,
      in order, and stops at the first one that is not done yet (it is polled again next round,
      the ones after it are read once it is done): about one request per round plus one per key,
      as a hand-written loop costs, instead of one per pending key per round.
    """

    def __init__(self, fetch: Callable[[list], dict], is_done: Callable, is_failed: Callable, describe: Callable,
                 budget: Budget, schedule: PollSchedule | None = None, sleep: Callable[[float], None] | None = None,
                 sequential: bool = False) -> None:
        self.sequential = sequential
        self.fetch = fetch
        self.is_done = is_done
        self.is_failed = is_failed
        self.describe = describe
        self.budget = budget
        self.schedule = schedule or PollSchedule()
        self.sleep = sleep or _sleep

    def run(self, keys: list[Hashable], initial: dict | None = None, part: Slice | None = None) -> WaitResult:
        """Wait for every key. ``initial`` (``{key: object}``) counts as the first poll's answer.
        ``part``: wait at most that slice, going on from what earlier slices spent (the elapsed
        time, the polls and the history's times are totals over the slices)."""
        clock = self.budget.clock
        offset = part.waited if part is not None else 0.0
        start = clock() - offset
        deadline = self.budget.deadline
        stop = min(deadline, clock() + part.seconds) if part is not None else deadline
        objects = dict(initial or {})
        history = []
        last_status = {}
        pending = list(keys)
        polls = part.polls if part is not None else 0
        if part is not None and part.waited > 0 and initial is not None:
            polls += 1  # a later slice's selection read is one more poll of the wait, not a fresh start
        last_error = None

        def record(answer: dict) -> None:
            now = round(clock() - start, 3)
            for key, obj in answer.items():
                objects[key] = obj
                status = self.describe(obj)
                if last_status.get(key, object()) != status:
                    last_status[key] = status
                    history.append({"id": key, "status": status, "elapsed": now})

        def result(outcome: str, failed: Iterable[Hashable] = ()) -> WaitResult:
            return WaitResult(outcome, objects, clock() - start, polls, history,
                              failed_keys=failed, pending_keys=pending, last_error=last_error)

        answer = {k: objects[k] for k in pending if k in objects} if initial is not None else None
        while True:
            round_start = clock()
            if answer is None or len(answer) < len(pending):
                missing = [k for k in pending if answer is None or k not in answer]
                try:
                    fetched = self._read(missing)
                except Exception as exc:
                    if not getattr(exc, "retryable", False):
                        exc.wait_result = result(OUTCOME_FAILED)
                        raise
                    last_error, fetched = exc, None
                polls += 1
                answer = dict(answer or {})
                answer.update(fetched or {})
            record(answer)
            failed = [k for k in pending if k in answer and self.is_failed(answer[k])]
            if failed:
                return result(OUTCOME_FAILED, failed)
            pending = [k for k in pending if not (k in answer and self.is_done(answer[k]))]
            if not pending:
                return result(OUTCOME_DONE)
            now = clock()
            if now >= deadline:
                return result(OUTCOME_TIMEOUT)
            # the delay runs from the start of this round's reads, so the polls keep their cadence
            # however long a read takes
            wake = round_start + self.schedule.delay(round_start - start)
            if part is not None and wake >= stop and stop < deadline:
                return result(OUTCOME_SLICE)  # the next poll belongs to the next slice
            self.sleep(max(0.0, min(wake - now, deadline - now)))
            answer = None

    def _read(self, keys: list) -> dict:
        if not self.sequential:
            return self.fetch(keys)
        found = {}
        for key in keys:
            found.update(self.fetch([key]))
            if key not in found or not self.is_done(found[key]):
                break
        return found
