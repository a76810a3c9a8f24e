"""Fixtures: a sandbox on a free loopback port, reset before each test."""

import pytest
import requests

from certops_sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox_server():
    with SandboxServer(seed=1234) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server):
    """The running server, reset to defaults (no orders, no faults, clock at zero)."""
    requests.post(sandbox_server.url + "/_sandbox/reset", timeout=5).raise_for_status()
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
