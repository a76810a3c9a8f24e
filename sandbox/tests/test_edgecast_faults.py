"""Fault kinds on Edgecast routes (Hyperion shapes), restart with a state file, and load."""

import concurrent.futures
import time

import pytest
import requests

from certops_sandbox import SandboxServer
from test_edgecast_support import Cps, assert_error, cps, token_request  # noqa: F401

LIST = "/v2.0/certificates"


def test_rate_limit_fault_is_429_with_integer_retry_after(cps, control):
    control.fault(kind="rate_limit", provider="edgecast", path="/sec/cps/", retry_after=3)
    response = cps.get(LIST)
    body = assert_error(response, 429, "rate_limit_reached")
    assert response.headers["Retry-After"] == "3" and body["status_code"] == 429
    assert cps.get(LIST).status_code == 200


@pytest.mark.parametrize("kind, status, code", [
    ("http_500", 500, "internal_error"),
    ("http_502", 502, "bad_gateway"),
    ("http_503", 503, "service_unavailable"),
])
def test_server_fault_kinds_use_the_hyperion_shape(cps, control, kind, status, code):
    control.fault(kind=kind, provider="edgecast", path="/sec/cps/", retry_after=2)
    response = cps.get(LIST)
    assert_error(response, status, code)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    if kind == "http_503":
        assert response.headers["Retry-After"] == "2"
    assert cps.get(LIST).status_code == 200


def test_softlayer_rate_limit_does_not_apply_to_edgecast(cps, control):
    control.fault(kind="softlayer_rate_limit", provider="edgecast", path="/sec/cps/")
    assert cps.get(LIST).status_code == 200


def test_expired_token_fault_makes_the_token_unusable(sandbox, control):
    token = token_request(sandbox.url).json()["access_token"]
    headers = {"Authorization": "Bearer " + token}
    assert requests.get(sandbox.url + "/sec/cps" + LIST, headers=headers, timeout=5).status_code == 200
    control.fault(kind="expired_token", provider="edgecast", path="/sec/cps/")
    response = requests.get(sandbox.url + "/sec/cps" + LIST, headers=headers, timeout=5)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert control.faults()["rules"][0]["fired"] == 1
    again = requests.get(sandbox.url + "/sec/cps" + LIST, headers=headers, timeout=5)
    assert_error(again, 401, "unauthorized")
    fresh = token_request(sandbox.url).json()["access_token"]
    assert requests.get(sandbox.url + "/sec/cps" + LIST, headers={"Authorization": "Bearer " + fresh},
                        timeout=5).status_code == 200


def test_expired_token_fault_on_the_token_endpoint_passes(sandbox, control):
    control.fault(kind="expired_token", provider="edgecast", path="/connect/token")
    response = token_request(sandbox.url)
    assert response.status_code == 200 and response.json()["access_token"]


def test_echo_request_fault_repeats_the_form_body_of_a_token_request(sandbox, control):
    control.fault(kind="echo_request", provider="edgecast", path="/connect/token")
    response = token_request(sandbox.url, client_secret="s3cr+t/ &=")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert "client_secret=s3cr%2Bt%2F+%26%3D" in response.json()["error_description"]
    assert token_request(sandbox.url).status_code == 200


def test_echo_request_fault_repeats_the_bearer_token_in_a_hyperion_error(cps, control):
    assert cps.get(LIST).status_code == 200
    control.fault(kind="echo_request", provider="edgecast", path="/sec/cps/")
    body = assert_error(cps.get(LIST), 500, "internal_error")
    assert "Authorization: Bearer %s" % cps.token in body["description"]


def test_client_recovers_from_an_expired_token_by_renewing_once(cps, control):
    assert cps.get(LIST).status_code == 200
    control.fault(kind="expired_token", provider="edgecast", path="/sec/cps/")
    first = cps.token
    assert cps.get(LIST).status_code == 200
    assert cps.token != first


def test_fault_after_create_keeps_the_certificate_and_the_label(cps, control):
    """An ambiguous create failure: the create POST is never retried; the client looks the label up instead."""
    control.configure(edgecast={"processing_seconds": 100})
    control.fault(kind="http_500", provider="edgecast", path="cdnprovided", method="POST", when="after")
    response = cps.post("/v2.0/certificates/cdnprovided", json={
        "certificate_label": "ambiguous", "certificate_authority": "DigiCert", "validation_type": "DV",
        "dcv_method": "DnsTxtToken", "domains": [{"name": "ambiguous.example.com"}]})
    assert_error(response, 500, "internal_error")
    found = cps.get(LIST + "?query=certificate_label:ambiguous").json()
    assert found["total_items"] == 1
    cps.create("ambiguous", expect=400)


def test_restart_with_a_state_file_keeps_certificates_tokens_and_the_lifecycle(tmp_path):
    state_file = str(tmp_path / "state.json")
    config = {"edgecast": {"processing_seconds": 50, "dcv_seconds": 50, "deployment_seconds": 50}}
    with SandboxServer(state_file=state_file, config=config) as server:
        # frozen, so the restart takes no sandbox time (the state file keeps the clock frozen)
        requests.post(server.url + "/_sandbox/clock/freeze", json={"frozen": True}, timeout=5).raise_for_status()
        client = Cps(server.url)
        cert = client.create("survivor")
        token = client.token
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 60}, timeout=5).raise_for_status()
        assert client.status(cert["id"])["status"] == "DomainControlValidation"
    with SandboxServer(state_file=state_file, config=config) as server:
        client = Cps(server.url)
        client.token = token
        response = client.get("/v2.0/certificates/%d/status" % cert["id"], renew=False)
        assert response.status_code == 200 and response.json()["status"] == "DomainControlValidation"
        assert client.cert(cert["id"])["certificate_label"] == "survivor"
        assert client.token == token
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 39.5}, timeout=5).raise_for_status()
        assert client.status(cert["id"])["status"] == "DomainControlValidation"  # 99.5 s
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 1}, timeout=5).raise_for_status()
        assert client.status(cert["id"])["status"] == "Deployment"  # 100.5 s
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 50}, timeout=5).raise_for_status()
        assert client.status(cert["id"])["status"] == "Active"
        client.create("survivor", expect=400)
        second = client.create("newcomer")
        assert second["id"] == cert["id"] + 1


def test_two_hundred_certificates_fetched_and_polled_concurrently(sandbox, control):
    control.configure(edgecast={"processing_seconds": 1000})
    client = Cps(sandbox.url)
    ids = [client.create("load_%03d" % n)["id"] for n in range(200)]
    started = time.monotonic()

    def fetch_page(page):
        worker = Cps(sandbox.url)
        worker.token = client.token
        return worker.get(LIST + "?page=%d" % page).json()["items"]

    def poll(cert_id):
        worker = Cps(sandbox.url)
        worker.token = client.token
        return [worker.status(cert_id)["status"] for _ in range(3)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        pages = list(pool.map(fetch_page, range(1, 11)))
        polls = list(pool.map(poll, ids[:50]))
    assert [c["id"] for page in pages for c in page] == ids
    assert all(statuses == ["Processing"] * 3 for statuses in polls)
    assert time.monotonic() - started < 20
