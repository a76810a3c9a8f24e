"""The sandbox core: control API, fault kinds, request log, TLS and the state file."""

import json
import os
import subprocess
import sys
import time

import pytest
import requests

from certops_sandbox import SandboxServer

SL_PATH = "/rest/v3.1/SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json"


def test_health_and_reset(sandbox, control):
    assert requests.get(sandbox.url + "/_sandbox/health", timeout=5).json()["ok"] is True
    control.fault(kind="http_500")
    requests.post(sandbox.url + "/_sandbox/reset", timeout=5).raise_for_status()
    assert control.faults()["rules"] == []


def test_csr_helper_makes_csrs_the_softlayer_order_accepts(sandbox):
    from cryptography import x509

    one = requests.post(sandbox.url + "/_sandbox/csr", json={"common_name": "www.example.com",
                                                             "sans": ["example.com"]}, timeout=10)
    assert one.status_code == 200
    csr = x509.load_pem_x509_csr(one.json()["csr"].encode())
    assert csr.is_signature_valid and csr.public_key().key_size == 2048
    assert csr.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "www.example.com"
    many = requests.post(sandbox.url + "/_sandbox/csr", json={"common_name": "n{n}.example.com", "count": 3},
                         timeout=10).json()["csrs"]
    assert [c["common_name"] for c in many] == ["n0.example.com", "n1.example.com", "n2.example.com"]
    assert len({c["csr"] for c in many}) == 3
    bad = requests.post(sandbox.url + "/_sandbox/csr", json={"count": 2}, timeout=5)
    assert bad.status_code == 400 and "common_name" in bad.json()["error"]


def test_unknown_fault_kind_is_refused_with_the_valid_ones(sandbox):
    response = requests.post(sandbox.url + "/_sandbox/faults", json={"kind": "gremlins"}, timeout=5)
    assert response.status_code == 400
    assert "rate_limit" in response.json()["error"] and "gremlins" in response.json()["error"]


def test_script_fault_fires_exactly_count_times(sandbox, control):
    control.fault(kind="http_503", provider="softlayer", count=2)
    codes = [requests.get(sandbox.url + SL_PATH, timeout=5).status_code for _ in range(3)]
    assert codes[:2] == [503, 503] and codes[2] != 503
    assert control.faults()["rules"][0]["fired"] == 2


def test_skip_lets_requests_pass_first(sandbox, control):
    control.fault(kind="http_502", provider="softlayer", skip=1, count=1)
    codes = [requests.get(sandbox.url + SL_PATH, timeout=5).status_code for _ in range(3)]
    assert codes[0] != 502 and codes[1] == 502 and codes[2] != 502


def test_rate_fault_fires_about_at_the_rate(sandbox, control):
    control.fault(kind="http_500", provider="softlayer", rate=0.5)
    codes = [requests.get(sandbox.url + SL_PATH, timeout=5).status_code for _ in range(60)]
    fired = control.faults()["rules"][0]["fired"]
    assert 10 <= fired <= 50
    assert sum(1 for c in codes if c == 500) >= fired


def test_fault_filters_by_method_and_path(sandbox, control):
    control.fault(kind="http_500", provider="softlayer", method="POST", count=5)
    control.fault(kind="http_502", path="Nothing_Matches_This", count=5)
    control.fault(kind="http_503", provider="edgecast", count=5)
    requests.get(sandbox.url + SL_PATH, timeout=5)
    assert [rule["fired"] for rule in control.faults()["rules"]] == [0, 0, 0]
    control.fault(kind="http_502", path="getSslRequestStatuses", method="GET", count=1)
    assert requests.get(sandbox.url + SL_PATH, timeout=5).status_code == 502


def test_latency_fault_delays_the_answer(sandbox, control):
    control.fault(kind="latency", provider="softlayer", latency=0.6)
    started = time.monotonic()
    requests.get(sandbox.url + SL_PATH, timeout=5)
    assert time.monotonic() - started >= 0.6


@pytest.mark.parametrize("when", ["before", "after"])
def test_reset_fault_drops_the_connection(sandbox, control, when):
    control.fault(kind="reset", provider="softlayer", when=when)
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.url + SL_PATH, timeout=5)
    log = control.requests(provider="softlayer")["requests"]
    assert log[-1]["fault"] == "reset"


def test_malformed_and_truncated_json(sandbox, control):
    control.fault(kind="malformed_json", provider="softlayer")
    response = requests.get(sandbox.url + SL_PATH, timeout=5)
    with pytest.raises(ValueError):
        response.json()
    control.fault(kind="truncated_json", provider="softlayer")
    response = requests.get(sandbox.url + SL_PATH, timeout=5)
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_request_log_and_stats_count_provider_requests_only(sandbox, control):
    start = control.requests()["last_seq"]
    for _ in range(3):
        requests.get(sandbox.url + SL_PATH, timeout=5)
    control.faults()
    entries = control.requests(since=start)["requests"]
    assert [e["path"] for e in entries] == [SL_PATH] * 3
    assert control.stats(since=start)["provider:softlayer"] == 3


def test_clock_advance_only_forward(sandbox, control):
    before = control.advance(0)["clock"]
    after = control.advance(3600)["clock"]
    assert after - before >= 3600
    response = requests.post(sandbox.url + "/_sandbox/clock/advance", json={"seconds": -1}, timeout=5)
    assert response.status_code == 400


def test_clock_core_freeze_advance_unfreeze(monkeypatch):
    from certops_sandbox import core

    wall = [1000.0]
    monkeypatch.setattr(core.time, "time", lambda: wall[0])
    clock = core.Clock(offset=5)
    assert (clock.now(), clock.frozen) == (1005.0, False)
    assert clock.freeze() == 1005.0 and clock.frozen
    wall[0] += 60  # real time passes; the frozen clock does not move
    assert clock.now() == 1005.0 and clock.freeze() == 1005.0  # freezing again changes nothing
    assert clock.advance(10) == 1015.0
    wall[0] += 60
    assert clock.unfreeze() == 1015.0 and not clock.frozen  # resumes where it stood, no jump
    wall[0] += 2
    assert clock.now() == 1017.0 and clock.unfreeze() == 1017.0
    clock.set(offset=0.0)
    assert (clock.now(), clock.frozen) == (wall[0], False)


@pytest.mark.real_clock
def test_clock_freeze_and_unfreeze_over_http(sandbox, control):
    assert requests.get(sandbox.url + "/_sandbox/health", timeout=5).json()["frozen"] is False
    frozen = control.freeze()
    assert set(frozen) == {"clock", "clock_offset", "frozen"} and frozen["frozen"] is True
    time.sleep(0.2)  # real time passes; the frozen clock stands still
    assert control.now() == frozen["clock"]
    state = requests.get(sandbox.url + "/_sandbox/state", timeout=5).json()
    assert (state["clock"], state["frozen"]) == (frozen["clock"], True)
    advanced = control.advance(10)
    assert advanced["clock"] == frozen["clock"] + 10 and advanced["frozen"] is True
    assert control.freeze()["clock"] == frozen["clock"] + 10  # freezing a frozen clock is a no-op
    time.sleep(0.2)
    before = time.time()
    running = control.unfreeze()
    after = time.time()
    # it goes on from the frozen instant: no jump by the 0.2 s it stood, at most the call's own time
    assert running["frozen"] is False
    assert frozen["clock"] + 10 <= running["clock"] <= frozen["clock"] + 10 + (after - before)
    # the offset absorbed the real time the clock stood: clock = wall time of the read + offset
    assert running["clock"] - after - 1e-6 <= running["clock_offset"] <= running["clock"] - before + 1e-6
    time.sleep(0.05)
    assert control.now() >= running["clock"] + 0.04  # running again (slept 0.05 s of real time)
    assert control.unfreeze()["frozen"] is False  # unfreezing a running clock is a no-op


def test_reset_unfreezes_the_clock(sandbox, control):
    assert control.advance(3600)["frozen"] is True  # the fixture froze it
    before = time.time()
    requests.post(sandbox.url + "/_sandbox/reset", timeout=5).raise_for_status()
    state = requests.get(sandbox.url + "/_sandbox/state", timeout=5).json()
    after = time.time()
    assert state["frozen"] is False and state["clock_offset"] == 0
    assert before <= state["clock"] <= after  # clock at zero offset: the wall clock


@pytest.mark.parametrize("body", [None, "", "frozen", "{not json", {}, {"frozen": "yes"}, {"frozen": 1},
                                  {"frozen": None}, {"frozen": True, "seconds": 5}, {"freeze": True}, [True],
                                  True])
def test_clock_freeze_refuses_a_bad_body(sandbox, control, body):
    url = sandbox.url + "/_sandbox/clock/freeze"
    if body is None:
        response = requests.post(url, timeout=5)
    elif isinstance(body, str):
        response = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=5)
    else:
        response = requests.post(url, json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["error"].startswith('body must be the JSON object {"frozen": true} or {"frozen": false}')
    assert requests.get(sandbox.url + "/_sandbox/health", timeout=5).json()["frozen"] is True  # unchanged


def test_freeze_needs_a_json_content_type(sandbox):
    response = requests.post(sandbox.url + "/_sandbox/clock/freeze", data='{"frozen": false}',
                             headers={"Content-Type": "text/plain"}, timeout=5)
    assert response.status_code == 400 and "Content-Type: application/json" in response.json()["error"]


def test_config_patch_merges(sandbox, control):
    config = control.configure(softlayer={"sandbox_test_key": 7})
    assert config["softlayer"]["sandbox_test_key"] == 7


def test_tls_needs_the_throwaway_ca():
    with SandboxServer(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + "/_sandbox/health", timeout=5)
        assert requests.get(server.url + "/_sandbox/health", verify=server.ca_path, timeout=5).ok


def test_state_file_keeps_clock_and_state_across_a_restart(tmp_path):
    state_file = str(tmp_path / "state.json")
    with SandboxServer(state_file=state_file) as server:
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 500}, timeout=5)
        server.sandbox.store.data["softlayer"]["_restart_marker"] = "kept"
        server.sandbox.store.mark_dirty()
    assert os.path.exists(state_file)
    with SandboxServer(state_file=state_file) as server:
        assert server.sandbox.clock.offset == 500 and not server.sandbox.clock.frozen
        assert server.sandbox.store.data["softlayer"]["_restart_marker"] == "kept"


def test_state_file_keeps_a_frozen_clock_frozen_at_the_same_instant(tmp_path):
    state_file = str(tmp_path / "state.json")
    with SandboxServer(state_file=state_file) as server:
        requests.post(server.url + "/_sandbox/clock/freeze", json={"frozen": True}, timeout=5).raise_for_status()
        stood = requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 500}, timeout=5).json()
    assert stood["frozen"] is True
    time.sleep(0.2)  # real time between the two runs does not move a frozen clock
    with SandboxServer(state_file=state_file) as server:
        health = requests.get(server.url + "/_sandbox/health", timeout=5).json()
        assert (health["clock"], health["frozen"]) == (stood["clock"], True)
        running = requests.post(server.url + "/_sandbox/clock/freeze", json={"frozen": False}, timeout=5).json()
        assert running["frozen"] is False and running["clock"] >= stood["clock"]


def test_cli_prints_urls_and_serves(tmp_path):
    info_file = tmp_path / "info.json"
    proc = subprocess.Popen([sys.executable, "-m", "certops_sandbox", "--tls", "--tls-dir", str(tmp_path),
                             "--info-file", str(info_file), "--fault", '{"kind": "http_503", "provider": "edgecast"}'],
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["url"].startswith("https://127.0.0.1:") and os.path.exists(info["ca_path"])
        assert json.loads(info_file.read_text()) == info
        assert requests.get(info["control"] + "/faults", verify=info["ca_path"], timeout=5).json()["rules"][0]["kind"] == "http_503"
        requests.delete(info["control"] + "/faults", verify=info["ca_path"], timeout=5).raise_for_status()
        serves_both_providers(info, verify=info["ca_path"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def serves_both_providers(info, verify):
    """Both providers answer with the credentials the CLI printed."""
    sl = info["softlayer"]
    statuses = requests.get(sl["endpoint_url"] + "SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json",
                            auth=(sl["username"], sl["api_key"]), verify=verify, timeout=5)
    assert statuses.status_code == 200 and "Pending CA Approval" in [s["name"] for s in statuses.json()]
    ec = info["edgecast"]
    token = requests.post(ec["ids_url"] + "/connect/token", verify=verify, timeout=5, data={
        "grant_type": "client_credentials", "client_id": ec["client_id"], "client_secret": ec["client_secret"],
        "scope": ec["scope"]})
    assert token.status_code == 200 and token.json()["expires_in"] == 300
    appendix = requests.get(ec["api_url"] + "/sec/cps/v2.0/appendix/order-statuses", verify=verify, timeout=5,
                            headers={"Authorization": "Bearer " + token.json()["access_token"]})
    assert appendix.status_code == 200 and appendix.json()["total_items"] == 17


def test_cli_without_tls_serves_both_providers(tmp_path):
    info_file = tmp_path / "info.json"
    proc = subprocess.Popen([sys.executable, "-m", "certops_sandbox", "--info-file", str(info_file)],
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert info["url"].startswith("http://127.0.0.1:") and info["ca_path"] is None
        serves_both_providers(info, verify=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_refuses_non_loopback_addresses():
    result = subprocess.run([sys.executable, "-m", "certops_sandbox", "--host", "0.0.0.0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "loopback" in result.stderr
