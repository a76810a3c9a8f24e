# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One time budget per task, against a hostile provider over real HTTP on 127.0.0.1 (real time).

Each test runs a module in-process against a double that stalls, throttles or trickles, and checks
that the task returns within ``wait_timeout`` plus one request ``timeout``. The bounds asserted here
are far from what the task needs (a few seconds of margin) and far below what the code before the
budget took (it retried each stalled call five times at the full timeout, slept up to 60 s per
``Retry-After``, and read a trickling body for as long as bytes kept coming).
"""

import time

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget, BudgetError, check_time_options
from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order_status_info as info_module
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile
from ansible_collections.certops.orders.tests.unit.plugins.module_utils.test_runner import patch_exits  # noqa: F401 pylint: disable=unused-import
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail

STATUSES = [{"id": 50, "name": "Pending CA Approval"}, {"id": 51, "name": "Approved"}, {"id": 52, "name": "Canceled"}]
PENDING = {"id": 1, "commonName": "www.example.com", "statusId": 50}
STATUS_PATH = "/SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json"
ORDER_PATH = "/SoftLayer_Security_Certificate_Request/1/getObject.json"


def softlayer(order_answers):
    """The status catalogue, then ``order_answers(n)`` for the n-th getObject (0-based)."""
    count = []

    def answer(request):
        if request.path.startswith(STATUS_PATH):
            return Answer(body=STATUSES)
        if request.path.startswith(ORDER_PATH):
            count.append(1)
            return order_answers(len(count) - 1)
        return Answer(404, {"error": "no such call", "code": "SoftLayer_Exception_NotFound"})

    return answer


def run(double, **options):
    args = dict(username="SL1", api_key="k3y", endpoint_url=double.url, order_id=1, **options)
    started = time.monotonic()
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as outcome:
            info_module.main()
    return outcome.type is Exit, outcome.value.args[0], time.monotonic() - started


def test_a_wait_whose_polls_stall_returns_within_wait_timeout_plus_one_request_timeout():
    # the red-team figure: a 10 s wait took 31.5 s, because each poll retried a stalled call at the
    # full timeout. Scaled down: 4 s wait, 2 s timeout; the old code needed about 15 s here.
    with Hostile(softlayer(lambda n: Answer(body=PENDING) if n == 0 else Answer(stall=60))) as double:
        ok, result, took = run(double, wait_for=["Approved"], wait_timeout=4, wait_sleep=1, timeout=2, retries=4)
    assert not ok and result["msg"].startswith("Timed out after") and "no answer from the provider" in result["msg"]
    assert result["orders"][0]["status"] == "Pending CA Approval"  # the last-seen order
    assert took < 4 + 2 + 3, took


def test_a_retry_after_longer_than_the_budget_ends_the_task_at_once():
    # the red-team figure: Retry-After: 86400 kept a task for 121 s (60 s per retry, capped)
    with Hostile(softlayer(lambda n: Answer(429, {"error": "slow down"}, headers={"Retry-After": "86400"}))) as double:
        ok, result, took = run(double)
    assert not ok and result["http_status"] == 429
    assert "asks to retry after 86400s (Retry-After)" in result["msg"] and "so the task ends now" in result["msg"]
    assert double.paths().count(ORDER_PATH) == 1  # not retried
    assert took < 10, took


def test_a_body_that_trickles_in_is_abandoned_at_the_hard_end():
    # every byte comes within the read timeout, so only the budget stops it (the old code read on)
    body = Answer(body=dict(PENDING, approverEmailAddress="x" * 200), trickle=0.3)
    with Hostile(softlayer(lambda n: body)) as double:
        ok, result, took = run(double, wait_timeout=3, timeout=2)
    assert not ok and "the answer was still arriving when the task's time budget (wait_timeout=3s) ran out" in result["msg"]
    assert took < 3 + 2 + 3, took


@pytest.mark.parametrize("option, value", [
    ("wait_timeout", -1), ("wait_timeout", 10 ** 9), ("wait_sleep", 0), ("timeout", 0), ("timeout", 10 ** 12),
    ("retries", -1), ("retries", 10 ** 6),
])
def test_impossible_time_options_are_named_with_the_valid_range(option, value):
    params = dict(wait_timeout=600, wait_sleep=30, timeout=30, retries=4)
    params[option] = value
    with pytest.raises(BudgetError) as err:
        check_time_options(params)
    assert str(err.value).startswith("%s must be between " % option) and str(err.value).endswith("got %s" % value)


def test_the_budget_can_be_held_open_for_a_search_and_closes_again():
    now = [0.0]
    budget = Budget(10, 30, clock=lambda: now[0])
    now[0] = 8.0  # the task already spent 8 s: the search still gets 60 s from its own start
    with budget.at_least(60):
        now[0] = 60.0
        assert budget.remaining() == 8.0 and not budget.expired()
    assert budget.expired() and budget.remaining() == 0.0
    assert budget.attempt_timeout() is None  # past deadline (10 s) + one request timeout (30 s)
    with Budget(600, 30, clock=lambda: now[0]).at_least(60) as long:
        assert long.seconds == 600  # a longer budget is not shortened
