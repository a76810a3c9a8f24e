# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one waiter of certops.orders (private: not for use outside this collection).

:class:`Waiter` polls a set of objects (orders, certificate requests) on a monotonic clock until
every one of them satisfies ``is_done``, any of them satisfies ``is_failed``, or the deadline
passes. The poll interval adapts: quick at first (``min_interval``), then a fixed fraction of the
time already waited, capped at ``max_interval``, and never sleeping past the deadline. So an
order that becomes ready after ``t`` seconds is seen within about ``max(min_interval, 10% of t)``
and a 10-minute wait costs about 55 polls with the default 30-second cap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

OUTCOME_DONE = "done"
OUTCOME_FAILED = "failed"
OUTCOME_TIMEOUT = "timeout"


class PollSchedule:
    """Delay before the next poll, from the seconds already waited."""

    def __init__(self, max_interval=30.0, min_interval=1.0, fraction=0.1):
        self.max_interval = float(max_interval)
        self.min_interval = min(float(min_interval), self.max_interval)
        self.fraction = float(fraction)

    def delay(self, elapsed):
        return min(self.max_interval, max(self.min_interval, self.fraction * elapsed))


class WaitResult:
    """What a wait ended with. ``objects`` maps each key to the last-seen object."""

    def __init__(self, outcome, objects, elapsed, polls, history, failed_keys=(), pending_keys=()):
        self.outcome = outcome
        self.objects = objects
        self.elapsed = elapsed
        self.polls = polls
        self.history = history
        self.failed_keys = list(failed_keys)
        self.pending_keys = list(pending_keys)

    @property
    def ok(self):
        return self.outcome == OUTCOME_DONE

    def summary(self):
        """The ``wait`` key of a module result: plain JSON types only."""
        return {"elapsed": round(self.elapsed, 3), "polls": self.polls, "history": self.history}


class Waiter:
    """Poll until done, failed or timed out.

    - ``fetch(keys)`` returns ``{key: object}`` for the keys still being waited for (it may raise;
      the exception propagates to the caller with the waiter's state attached as ``wait_result``);
    - ``is_done(obj)`` / ``is_failed(obj)`` are the target and failure predicates;
    - ``describe(obj)`` gives the status text recorded in the history when it changes;
    - ``sequential``: for APIs without a bulk read, each round reads the pending keys one at a time,
      in order, and stops at the first one that is not done yet (it is polled again next round,
      the ones after it are read once it is done): about one request per round plus one per key,
      as a hand-written loop costs, instead of one per pending key per round.
    """

    def __init__(self, fetch, is_done, is_failed, describe, timeout, schedule=None,
                 clock=None, sleep=None, sequential=False):
        self.sequential = sequential
        self.fetch = fetch
        self.is_done = is_done
        self.is_failed = is_failed
        self.describe = describe
        self.timeout = float(timeout)
        self.schedule = schedule or PollSchedule()
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep

    def run(self, keys, initial=None):
        """Wait for every key. ``initial`` (``{key: object}``) counts as the first poll's answer."""
        start = self.clock()
        deadline = start + self.timeout
        objects = dict(initial or {})
        history = []
        last_status = {}
        pending = list(keys)
        polls = 0

        def record(answer):
            now = round(self.clock() - start, 3)
            for key, obj in answer.items():
                objects[key] = obj
                status = self.describe(obj)
                if last_status.get(key, object()) != status:
                    last_status[key] = status
                    history.append({"id": key, "status": status, "elapsed": now})

        def result(outcome, failed=()):
            return WaitResult(outcome, objects, self.clock() - start, polls, history,
                              failed_keys=failed, pending_keys=pending)

        answer = {k: objects[k] for k in pending if k in objects} if initial is not None else None
        while True:
            round_start = self.clock()
            if answer is None or len(answer) < len(pending):
                missing = [k for k in pending if answer is None or k not in answer]
                try:
                    fetched = self._read(missing)
                except Exception as exc:
                    # a transient failure (the provider unreachable or overloaded beyond the HTTP
                    # retries) is a round without an answer: the wait goes on until its deadline
                    if not getattr(exc, "retryable", False) or self.clock() >= deadline:
                        exc.wait_result = result(OUTCOME_TIMEOUT if self.clock() >= deadline else OUTCOME_FAILED)
                        raise
                    fetched = None
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
            now = self.clock()
            if now >= deadline:
                return result(OUTCOME_TIMEOUT)
            # the delay runs from the start of this round's reads, so the polls keep their cadence
            # however long a read takes
            self.sleep(max(0.0, min(round_start + self.schedule.delay(round_start - start) - now, deadline - now)))
            answer = None

    def _read(self, keys):
        if not self.sequential:
            return self.fetch(keys)
        found = {}
        for key in keys:
            found.update(self.fetch([key]))
            if key not in found or not self.is_done(found[key]):
                break
        return found
