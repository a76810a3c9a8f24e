"""Fixtures: a sandbox on a free loopback port, reset before each test, with its clock frozen.

The clock is frozen so that no test races the wall clock: a status a test checks depends only on
the seconds it advanced with ``control.advance``, never on how fast a (possibly loaded) machine got
from one request to the next. A test about real-time behaviour opts out with
``@pytest.mark.real_clock`` and then only asserts orderings or lower bounds, never a status at a
moment a slow machine could see on either side of a transition.
"""

import pytest
import requests

from certops_sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox_server():
    with SandboxServer(seed=1234) as server:
        yield server


def pytest_configure(config):
    config.addinivalue_line("markers", "real_clock: leave the sandbox clock running in real time (not frozen)")


@pytest.fixture
def sandbox(sandbox_server, request):
    """The running server, reset to defaults (no orders, no faults, clock at zero) and frozen."""
    requests.post(sandbox_server.url + "/_sandbox/reset", timeout=5).raise_for_status()
    if request.node.get_closest_marker("real_clock") is None:
        requests.post(sandbox_server.url + "/_sandbox/clock/freeze", json={"frozen": True},
                      timeout=5).raise_for_status()
    return sandbox_server


@pytest.fixture
def control(sandbox):
    """A small client for the control API."""
    return Control(sandbox.url)


class Control:
    def __init__(self, url):
        self.url = url + "/_sandbox"
        self.http = requests.Session()

    def _call(self, method, path, **kwargs):
        response = self.http.request(method, self.url + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def fault(self, **rule):
        return self._call("POST", "/faults", json=rule)["rules"][0]

    def faults(self):
        return self._call("GET", "/faults")

    def advance(self, seconds):
        return self._call("POST", "/clock/advance", json={"seconds": seconds})

    def freeze(self, frozen=True):
        """Stop the sandbox clock (only ``advance`` moves it then); ``freeze(False)`` lets it run again."""
        return self._call("POST", "/clock/freeze", json={"frozen": frozen})

    def unfreeze(self):
        return self.freeze(False)

    def now(self):
        """The sandbox clock (a Unix time)."""
        return self._call("GET", "/health")["clock"]

    def force(self, provider, order_id, status):
        return self._call("POST", "/orders/%s/%s/status" % (provider, order_id), json={"status": status})

    def orders(self, provider):
        return self._call("GET", "/orders/%s" % provider)

    def configure(self, **by_provider):
        return self._call("PATCH", "/config", json=by_provider)

    def requests(self, since=0, provider=None):
        params = {"since": since}
        if provider:
            params["provider"] = provider
        return self._call("GET", "/requests", params=params)

    def stats(self, since=0):
        return self._call("GET", "/stats", params={"since": since})["counts"]
