"""SoftLayer's rate limit in the sandbox: 50 requests per API user in any 1-second window, the rest
refused with HTTP 500 ``SoftLayer_Exception_WebService_RateLimitExceeded`` before they are processed.

The facts are the reference's (shared/providers/softlayer.md D2 and the error table of section 9.2:
the status, code and text observed in softlayer/softlayer-go #75 and softlayer/softlayer-python #884);
the per-user count is inferred (sandbox/docs/softlayer.md). The limiter's window runs on its own
clock (the machine's monotonic time, not the sandbox clock); each test replaces that clock with one
it moves by hand, so no assertion depends on how fast the machine sends requests.
"""

import pytest
import requests

from certops_sandbox.softlayer.plugin import DEFAULT_CONFIG

from test_edgecast_support import Cps
from test_softlayer import IBM_KEY, OTHER, SL, STATUS, TOKEN, container

LIMIT = 50
#: the reference's text, written out rather than read from the sandbox's code
RATE_LIMIT_BODY = {"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
                   "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}
STATUSES = STATUS + "/getSslRequestStatuses.json"


class HandClock:
    """Stands in for the limiter's monotonic clock: it moves only when a test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(sandbox, monkeypatch):
    hand = HandClock()
    monkeypatch.setattr(sandbox.sandbox.plugins["softlayer"].rate_limiter, "clock", hand)
    return hand


@pytest.fixture
def sl(sandbox):
    return SL(sandbox.url)


def log_since(control, seq):
    return control._call("GET", "/requests?provider=softlayer&since=%d" % seq)["requests"]


def test_the_default_limit_is_50_a_second():
    assert DEFAULT_CONFIG["rate_limit"] == LIMIT


def test_fifty_calls_in_one_second_pass_and_the_51st_is_refused_with_softlayers_answer(sl, control, clock):
    mark = control._call("GET", "/requests")["last_seq"]
    for index in range(LIMIT):
        clock.now += 0.019  # all 50 within 0.95 s
        assert sl.get(STATUSES).status_code == 200, index
    response = sl.get(STATUSES)
    assert response.status_code == 500 and response.json() == RATE_LIMIT_BODY
    assert response.headers["Content-Type"] == "application/json"
    log = log_since(control, mark)
    assert [e["rate_limited"] for e in log] == [False] * LIMIT + [True]
    assert control._call("GET", "/stats?since=%d" % mark)["counts"]["rate_limited"] == 1


def test_a_refused_place_order_places_nothing(sl, control, clock):
    for _ in range(LIMIT):
        assert sl.get(STATUSES).status_code == 200
    response = sl.post("SoftLayer_Product_Order/placeOrder.json", container("rl-refused.example.com"), False)
    assert response.status_code == 500 and response.json() == RATE_LIMIT_BODY
    assert control.orders("softlayer") == []
    clock.now += 1.0
    assert sl.place("rl-admitted.example.com")["orderId"]
    assert len(control.orders("softlayer")) == 1


def test_a_refused_call_spends_no_quirk_and_an_unknown_caller_gets_the_401(sl, control, clock, sandbox):
    # the limit is checked before anything the call would do: a refused call leaves the one-shot
    # error_body_200 quirk for the next admitted call
    control.configure(softlayer={"quirks": {"error_body_200": 1}})
    for _ in range(LIMIT):
        sl.get(STATUSES)  # the first of these takes the quirk
    control.configure(softlayer={"quirks": {"error_body_200": 1}})
    assert sl.get(STATUSES).json() == RATE_LIMIT_BODY
    clock.now += 1.0
    assert sl.get(STATUSES).json() == {"error": "Internal Error", "code": "SoftLayer_Exception_Public"}
    # a caller who cannot be identified gets the 401, whatever the window holds
    assert SL(sandbox.url, auth=("nobody", "wrong")).get(STATUSES).status_code == 401


def test_the_window_slides_and_counts_only_admitted_calls(sl, clock):
    start = clock.now
    for _ in range(LIMIT):
        assert sl.get(STATUSES).status_code == 200
    # refused calls half-way through the second do not push the window on
    clock.now = start + 0.5
    for _ in range(5):
        assert sl.get(STATUSES).status_code == 500
    clock.now = start + 0.999
    assert sl.get(STATUSES).status_code == 500
    clock.now = start + 1.0  # the 50 admitted at `start` are a whole second old
    for _ in range(LIMIT):
        assert sl.get(STATUSES).status_code == 200
    assert sl.get(STATUSES).json() == RATE_LIMIT_BODY


def test_the_window_is_sliding_not_per_whole_second(sl, clock):
    clock.now = 2000.5
    for _ in range(30):
        assert sl.get(STATUSES).status_code == 200
    clock.now = 2001.2  # a new whole second, but only 0.7 s after the first 30
    for _ in range(LIMIT - 30):
        assert sl.get(STATUSES).status_code == 200
    assert sl.get(STATUSES).status_code == 500
    clock.now = 2001.5  # the first 30 have left the window
    for _ in range(30):
        assert sl.get(STATUSES).status_code == 200
    assert sl.get(STATUSES).status_code == 500


def test_each_api_user_has_a_window_of_their_own(sl, sandbox, clock):
    for _ in range(LIMIT):
        assert sl.get(STATUSES).status_code == 200
    assert sl.get(STATUSES).status_code == 500
    other = SL(sandbox.url, auth=(OTHER["username"], OTHER["api_key"]))
    for _ in range(LIMIT):
        assert other.get(STATUSES).status_code == 200
    assert other.get(STATUSES).json() == RATE_LIMIT_BODY
    # the IBM Cloud API key and the bearer token belong to the main user: counted with its classic key
    assert SL(sandbox.url, auth=("apikey", IBM_KEY)).get(STATUSES).json() == RATE_LIMIT_BODY
    bearer = requests.get(sl.base + STATUSES, headers={"Authorization": "Bearer %s" % TOKEN}, timeout=10)
    assert bearer.status_code == 500 and bearer.json() == RATE_LIMIT_BODY


def test_a_limit_of_zero_turns_it_off_and_another_limit_is_named_in_the_text(sl, control, clock):
    control.configure(softlayer={"rate_limit": 0})
    for _ in range(3 * LIMIT):
        assert sl.get(STATUSES).status_code == 200
    control.configure(softlayer={"rate_limit": 3})
    clock.now += 1.0
    for _ in range(3):
        assert sl.get(STATUSES).status_code == 200
    assert sl.get(STATUSES).json() == {"error": "Rate limit of 3 requests for every 1 second(s) exceeded.",
                                       "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}


def test_reset_restores_the_default_limit_and_empties_the_windows(sl, control, clock):
    control.configure(softlayer={"rate_limit": 2})
    sl.get(STATUSES)
    sl.get(STATUSES)
    assert sl.get(STATUSES).status_code == 500
    control._call("POST", "/reset")
    assert control._call("GET", "/config")["softlayer"]["rate_limit"] == LIMIT
    for _ in range(LIMIT):
        assert sl.get(STATUSES).status_code == 200
    assert sl.get(STATUSES).status_code == 500


def test_cps_has_no_rate_limit(sandbox, control, clock):
    # the CPS reference documents none (edgecast-cps.md 9.4): only injected faults refuse CPS calls.
    # The hand clock stands still, so all these calls fall in one second of the limiter's time.
    cps = Cps(sandbox.url)
    mark = control._call("GET", "/requests")["last_seq"]
    for _ in range(3 * LIMIT):
        assert cps.get("/v2.0/appendix/order-statuses").status_code == 200
    log = log_since(control, mark)
    assert len(log) == 0  # the log above is the SoftLayer one: nothing of CPS counted there
    everything = control._call("GET", "/requests?since=%d" % mark)["requests"]
    assert sum(1 for e in everything if e["provider"] == "edgecast" and e["status"] == 200) >= 3 * LIMIT
    assert not any(e["rate_limited"] for e in everything)


def test_the_limiter_counts_on_its_own_clock_not_the_sandbox_clock(sl, control, clock):
    for _ in range(LIMIT):
        assert sl.get(STATUSES).status_code == 200
    control.advance(3600)  # an hour of sandbox time is no second of the limiter's time
    assert sl.get(STATUSES).json() == RATE_LIMIT_BODY
