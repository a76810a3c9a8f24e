# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The waiter, on a fake monotonic clock."""

import pytest

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._wait import (
    OUTCOME_DONE,
    OUTCOME_FAILED,
    OUTCOME_TIMEOUT,
    PollSchedule,
    Waiter,
)
from ansible_collections.certops.orders.tests.unit.plugins.support import FakeTime


class Orders:
    """Orders that reach ``Approved`` at given clock offsets (or fail)."""

    def __init__(self, clock, ready_at, fail_at=None):
        self.clock = clock
        self.start = clock.now
        self.ready_at = ready_at
        self.fail_at = fail_at or {}
        self.fetches = []

    def status(self, key):
        elapsed = self.clock.now - self.start
        if key in self.fail_at and elapsed >= self.fail_at[key]:
            return "Canceled"
        return "Approved" if elapsed >= self.ready_at[key] else "Pending"

    def fetch(self, keys):
        self.fetches.append(list(keys))
        return {k: {"id": k, "status": self.status(k)} for k in keys}


def waiter(clock, orders, timeout=600, cap=30):
    return Waiter(fetch=orders.fetch, is_done=lambda o: o["status"] == "Approved",
                  is_failed=lambda o: o["status"] == "Canceled", describe=lambda o: o["status"],
                  budget=Budget(timeout, clock=clock.monotonic), schedule=PollSchedule(max_interval=cap),
                  sleep=clock.sleep)


def test_schedule_is_quick_first_then_backs_off_to_the_cap():
    schedule = PollSchedule(max_interval=30)
    assert schedule.delay(0) == 1.0
    assert schedule.delay(50) == 5.0
    assert schedule.delay(1000) == 30.0
    assert PollSchedule(max_interval=0.5).delay(0) == 0.5


def test_ten_minute_wait_costs_at_most_sixty_polls():
    clock = FakeTime()
    orders = Orders(clock, {1: 10 ** 9})
    result = waiter(clock, orders, timeout=600).run([1])
    assert result.outcome == OUTCOME_TIMEOUT
    assert result.polls <= 60
    assert result.polls == len(orders.fetches)


@pytest.mark.parametrize("ready", [5, 30, 120])
def test_detection_latency_is_within_ten_percent_or_one_second(ready):
    clock = FakeTime()
    orders = Orders(clock, {1: ready})
    result = waiter(clock, orders).run([1])
    assert result.outcome == OUTCOME_DONE
    assert result.elapsed - ready <= max(1.0, 0.1 * ready) + 1e-9


def test_initial_answer_counts_as_the_first_poll():
    clock = FakeTime()
    orders = Orders(clock, {1: 0})
    result = waiter(clock, orders).run([1], initial={1: {"id": 1, "status": "Approved"}})
    assert result.outcome == OUTCOME_DONE and result.polls == 0 and orders.fetches == []
    assert result.summary() == {"elapsed": 0.0, "polls": 0, "history": [{"id": 1, "status": "Approved", "elapsed": 0.0}]}


def test_many_orders_only_pending_ones_are_fetched_and_history_records_changes():
    clock = FakeTime()
    orders = Orders(clock, {"a": 0, "b": 3, "c": 7})
    result = waiter(clock, orders).run(["a", "b", "c"])
    assert result.outcome == OUTCOME_DONE
    assert orders.fetches[0] == ["a", "b", "c"]
    assert "a" not in orders.fetches[1]
    assert orders.fetches[-1] == ["c"]
    statuses = [(h["id"], h["status"]) for h in result.history]
    assert statuses == [("a", "Approved"), ("b", "Pending"), ("c", "Pending"), ("b", "Approved"), ("c", "Approved")]
    assert {k: o["status"] for k, o in result.objects.items()} == {"a": "Approved", "b": "Approved", "c": "Approved"}


def test_failure_status_ends_the_wait_early():
    clock = FakeTime()
    orders = Orders(clock, {1: 500, 2: 500}, fail_at={2: 4})
    result = waiter(clock, orders, timeout=600).run([1, 2])
    assert result.outcome == OUTCOME_FAILED and result.failed_keys == [2]
    assert result.elapsed < 10
    assert result.objects[2]["status"] == "Canceled"


def test_timeout_never_sleeps_past_the_deadline_and_keeps_the_last_seen_objects():
    clock = FakeTime()
    orders = Orders(clock, {1: 10 ** 9})
    result = waiter(clock, orders, timeout=45, cap=30).run([1])
    assert result.outcome == OUTCOME_TIMEOUT
    assert sum(clock.sleeps) == pytest.approx(45)
    assert result.elapsed == pytest.approx(45)
    assert result.objects[1] == {"id": 1, "status": "Pending"}
    assert result.pending_keys == [1]


def test_zero_timeout_polls_once():
    clock = FakeTime()
    orders = Orders(clock, {1: 10})
    result = waiter(clock, orders, timeout=0).run([1])
    assert result.outcome == OUTCOME_TIMEOUT and result.polls == 1 and clock.sleeps == []


def test_fetch_error_carries_the_partial_result():
    clock = FakeTime()
    calls = []

    def fetch(keys):
        calls.append(keys)
        if len(calls) > 1:
            raise RuntimeError("provider down")
        return {1: {"status": "Pending"}}

    w = Waiter(fetch, lambda o: False, lambda o: False, lambda o: o["status"], budget=Budget(60, clock=clock.monotonic),
               sleep=clock.sleep)
    with pytest.raises(RuntimeError) as err:
        w.run([1])
    partial = err.value.wait_result
    assert partial.polls == 1 and partial.objects[1] == {"status": "Pending"}


def sequential_waiter(clock, orders, timeout=600):
    return Waiter(fetch=orders.fetch, is_done=lambda o: o["status"] == "Approved",
                  is_failed=lambda o: o["status"] == "Canceled", describe=lambda o: o["status"],
                  budget=Budget(timeout, clock=clock.monotonic), schedule=PollSchedule(max_interval=30), sleep=clock.sleep,
                  sequential=True)


def test_sequential_polls_read_one_order_at_a_time_and_stop_at_the_first_pending():
    clock = FakeTime()
    orders = Orders(clock, {1: 3, 2: 0, 3: 8, 4: 0})
    result = sequential_waiter(clock, orders).run([1, 2, 3, 4])
    assert result.outcome == OUTCOME_DONE
    assert all(len(keys) == 1 for keys in orders.fetches)
    # 1 is polled until ready; then 2 (ready) and 3 (pending) in the same round; then 3 until ready, then 4
    assert [k[0] for k in orders.fetches][:3] == [1, 1, 1]
    assert [k[0] for k in orders.fetches].count(2) == 1 and [k[0] for k in orders.fetches].count(4) == 1
    # about one request per round plus one per order, not one per pending order per round
    assert len(orders.fetches) <= result.polls + 4
    assert result.elapsed - 8 <= 1.0 + 1e-9


def test_sequential_polls_stop_at_a_failure_status():
    clock = FakeTime()
    orders = Orders(clock, {1: 0, 2: 10 ** 9}, fail_at={2: 4})
    result = sequential_waiter(clock, orders).run([1, 2])
    assert result.outcome == OUTCOME_FAILED and result.failed_keys == [2]


def test_polls_keep_their_cadence_however_long_a_read_takes():
    clock = FakeTime()
    orders = Orders(clock, {1: 4.5})
    started = []

    def slow_fetch(keys):
        started.append(clock.now)
        clock.now += 0.4  # the read itself takes 0.4 s
        return orders.fetch(keys)

    result = Waiter(fetch=slow_fetch, is_done=lambda o: o["status"] == "Approved", is_failed=lambda o: False,
                    describe=lambda o: o["status"], budget=Budget(60, clock=clock.monotonic), schedule=PollSchedule(max_interval=30),
                    sleep=clock.sleep).run([1])
    assert result.outcome == OUTCOME_DONE
    assert started == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


class Unreachable(Exception):
    def __init__(self, retryable):
        super(Unreachable, self).__init__("connection to the provider failed ([Errno 111] Connection refused)")
        self.retryable = retryable


def test_a_provider_unreachable_beyond_the_http_retries_costs_rounds_not_the_wait():
    clock = FakeTime()
    orders = Orders(clock, {1: 6})
    outage = [2.0, 5.0]  # unreachable from 2 s to 5 s

    def flaky(keys):
        if outage[0] <= clock.now < outage[1]:
            orders.fetches.append(["outage"])
            raise Unreachable(retryable=True)
        return orders.fetch(keys)

    result = Waiter(fetch=flaky, is_done=lambda o: o["status"] == "Approved", is_failed=lambda o: False,
                    describe=lambda o: o["status"], budget=Budget(60, clock=clock.monotonic), sleep=clock.sleep).run([1])
    assert result.outcome == OUTCOME_DONE and result.objects[1]["status"] == "Approved"
    assert ["outage"] in orders.fetches and result.polls == len(orders.fetches)


def test_a_lasting_outage_ends_at_the_deadline_as_a_timeout_naming_the_last_error_and_a_final_error_at_once():
    clock = FakeTime()
    outage = Unreachable(retryable=True)

    def down(keys):
        raise outage

    result = Waiter(fetch=down, is_done=lambda o: False, is_failed=lambda o: False, describe=str,
                    budget=Budget(10, clock=clock.monotonic), sleep=clock.sleep).run([1])
    assert result.outcome == OUTCOME_TIMEOUT and result.last_error is outage and result.pending_keys == [1]
    assert 10 <= clock.now < 11

    clock = FakeTime()

    def refused(keys):
        raise Unreachable(retryable=False)

    with pytest.raises(Unreachable) as caught:
        Waiter(fetch=refused, is_done=lambda o: False, is_failed=lambda o: False, describe=str, budget=Budget(10, clock=clock.monotonic),
               sleep=clock.sleep).run([1])
    assert caught.value.wait_result.outcome == OUTCOME_FAILED and clock.now == 0


# -- a wait in slices (the action plugin shows progress between them) ------------------------------
def test_a_slice_ends_before_the_poll_it_cannot_make_and_goes_on_where_it_stopped():
    from ansible_collections.certops.orders.plugins.module_utils._wait import OUTCOME_SLICE, Slice

    clock = FakeTime()
    orders = Orders(clock, {1: 10 ** 9})
    first = waiter(clock, orders, timeout=600).run([1], part=Slice(20))
    assert first.outcome == OUTCOME_SLICE and first.sliced
    assert first.elapsed <= 20 and first.polls >= 5
    # the next slice starts where the first stopped: the schedule backs off from the time already waited
    clock.now += 1.0  # the next module call starting
    orders.fetches.clear()
    second = waiter(clock, orders, timeout=600).run([1], part=Slice(20, waited=first.elapsed + 1.0, polls=first.polls))
    assert second.polls > first.polls and second.elapsed > first.elapsed + 20
    # polls 2 s apart (a tenth of the ~20 s waited), where a wait starting afresh would poll every second
    assert len(orders.fetches) <= 11
    assert all(h["elapsed"] >= first.elapsed for h in second.history)


def test_the_last_slice_ends_at_the_deadline_as_a_timeout_not_a_slice():
    from ansible_collections.certops.orders.plugins.module_utils._wait import Slice

    clock = FakeTime()
    result = waiter(clock, Orders(clock, {1: 10 ** 9}), timeout=15).run([1], part=Slice(60))
    assert result.outcome == OUTCOME_TIMEOUT and result.elapsed == 15


def test_a_slice_that_sees_the_target_ends_done():
    from ansible_collections.certops.orders.plugins.module_utils._wait import Slice

    clock = FakeTime()
    result = waiter(clock, Orders(clock, {1: 5}), timeout=600).run([1], part=Slice(60))
    assert result.outcome == OUTCOME_DONE and 5 <= result.elapsed < 7
