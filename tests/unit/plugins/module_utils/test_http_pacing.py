# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seam's pacing (``max_rate``): the limiter on a fake clock, shared by threads, and an
:class:`HttpClient` pacing a scripted conversation (retries included)."""

import threading

import pytest

from ansible_collections.certops.orders.plugins.module_utils import _budget, _http
from ansible_collections.certops.orders.plugins.module_utils._http import HttpClient, RateLimiter, RetryPolicy
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl
from ansible_collections.certops.orders.tests.unit.plugins.support import FakeTime

BASE = "https://api.example.test/v1/"
RATE_LIMIT = {"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
              "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}


@pytest.fixture
def fake_time(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(_http, "time", clock)
    monkeypatch.setattr(_budget, "time", clock)
    return clock


def most_in_a_window(starts, per=1.0):
    """The most starts within any half-open window of ``per`` seconds."""
    starts = sorted(starts)
    best = low = 0
    for high, start in enumerate(starts):
        while start - starts[low] >= per - 1e-9:
            low += 1
        best = max(best, high - low + 1)
    return best


def test_a_burst_goes_at_once_and_the_rest_are_spread_out(fake_time):
    limiter = RateLimiter(5, burst=3)  # 3 at once, then one every 1/(5-3) = 0.5 s
    starts = [limiter.acquire() for _n in range(7)]
    assert starts == [0.0, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0]
    assert fake_time.sleeps == [0.5, 0.5, 0.5, 0.5]  # only when a start is ahead of the clock
    assert most_in_a_window(starts) <= 5


def test_idle_time_refills_the_burst_and_no_more(fake_time):
    limiter = RateLimiter(5, burst=3)
    for _n in range(3):
        limiter.acquire()
    fake_time.now = 10.0
    assert [limiter.acquire() for _n in range(4)] == [10.0, 10.0, 10.0, 10.5]
    fake_time.now = 10.6
    assert limiter.acquire() == 11.0  # paced from where the pace stood, not from the clock


def test_threads_sharing_a_limiter_never_put_more_than_max_rate_in_a_second():
    # a clock that stands still and a sleep that does nothing: every reservation is made at the
    # same instant, so only the limiter's own bookkeeping spreads them
    limiter = RateLimiter(45, burst=10, clock=lambda: 100.0, sleep=lambda seconds: None)
    starts = []
    lock = threading.Lock()

    def worker():
        for _n in range(60):
            start = limiter.acquire()
            with lock:
                starts.append(start)

    threads = [threading.Thread(target=worker) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(starts) == len(set(starts)) + 9  # the burst shares one instant, every other start its own
    assert 44 <= most_in_a_window(starts) <= 45  # at most 45, and the pace comes close
    assert max(starts) == pytest.approx(100.0 + (480 - 10) / 35.0)


@pytest.mark.parametrize("max_rate, burst", [(1, 1), (10, 0), (10, 10)])
def test_max_rate_must_leave_room_after_the_burst(max_rate, burst):
    with pytest.raises(ValueError, match="max_rate must be more than burst"):
        RateLimiter(max_rate, burst=burst)


def test_a_client_with_max_rate_paces_its_requests_and_its_retries(http, fake_time):
    client = HttpClient(BASE, max_rate=3, burst=2, retry=RetryPolicy(retries=2, backoff=0.1, jitter=False),
                        error_parser=sl.parse_error, classify=sl.classify)
    http.get(BASE + "a", json={"n": 1})
    http.get(BASE + "b", json={"n": 2})
    http.get(BASE + "c", status=500, json=RATE_LIMIT)
    http.get(BASE + "c", json={"n": 3})
    assert client.get("a").data == {"n": 1} and client.get("b").data == {"n": 2}
    assert client.get("c").data == {"n": 3}
    # a and b go at once (the burst); c waits 1 s (one a second after the burst), its retry waits the
    # backoff (0.1 s) and then the pace again, up to 2.0
    assert fake_time.sleeps == [1.0, 0.1, pytest.approx(0.9)]
    assert len(http.calls) == 4


def test_a_client_without_max_rate_does_not_pace(http, fake_time):
    client = HttpClient(BASE)
    for _n in range(100):
        http.get(BASE + "a", json={})
    for _n in range(100):
        client.get("a")
    assert fake_time.sleeps == [] and client.limiter is None


def test_the_softlayer_client_paces_below_the_documented_50(http, fake_time):
    # at most 45 a second, a margin under the 50 SoftLayer allows per user (the reasons are in client.py)
    assert (sl.MAX_RATE, sl.BURST) == (45, 10)
    client = HttpClient(BASE, max_rate=sl.MAX_RATE, burst=sl.BURST)
    starts = []
    for _n in range(120):
        http.get(BASE + "a", json={})
    for _n in range(120):
        client.get("a")
        starts.append(fake_time.now)
    assert starts[:10] == [0.0] * 10 and fake_time.sleeps[0] == pytest.approx(1 / 35.0)
    assert 44 <= most_in_a_window(starts) <= 45
