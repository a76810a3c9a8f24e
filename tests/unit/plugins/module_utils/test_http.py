# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTP seam, against scripted HTTP conversations (responses), and against the hostile double
over real HTTP where the wire itself misbehaves (a body that breaks off or stalls)."""

import socket
import time

import pytest
import requests

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._http import (
    MAX_RENEWALS,
    ApiError,
    Applied,
    HttpClient,
    RetryPolicy,
    parse_retry_after,
    safe_url,
)
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile

BASE = "https://api.example.test/v1/"
SECRET = "s3cr3t-key-value"


class BasicAuth:
    """Fixed credentials: one generation, nothing to renew (as SoftLayer's)."""

    def __init__(self):
        self.renewals = []

    def apply(self, headers):
        return Applied(0, ("user", SECRET))

    def renew(self, generation):
        self.renewals.append(generation)
        return False


class TokenAuth:
    """A bearer token per generation (1, 2, ...) from ``tokens``; ``renew`` records the generation
    it was told was refused."""

    def __init__(self, tokens):
        self.tokens = list(tokens)
        self.generation = 1
        self.renewals = []

    def apply(self, headers):
        headers["Authorization"] = "Bearer " + self.tokens[self.generation - 1]
        return Applied(self.generation)

    def renew(self, generation):
        self.renewals.append(generation)
        if self.generation == generation and self.generation < len(self.tokens):
            self.generation += 1
        return self.generation > generation


def client(sleeps=None, **kwargs):
    sleeps = [] if sleeps is None else sleeps
    kwargs.setdefault("retry", RetryPolicy(retries=3, backoff=0.5, backoff_cap=4))
    return HttpClient(BASE, sleep=sleeps.append, **kwargs)


def test_get_decodes_json_and_passes_transport_settings_on_every_request(http):
    http.get(BASE + "things/1", json={"id": 1})
    seam = client(timeout=7, ca_path="/etc/ca.pem", proxy_url="http://proxy.test:3128")
    answer = seam.get("things/1", params={"mask": "id"})
    assert answer.status == 200 and answer.data == {"id": 1}
    kwargs = http.calls[0].request.req_kwargs
    assert kwargs["timeout"] == (7, 7)  # connect and read: the request timeout, with no budget to cut it
    assert kwargs["verify"] == "/etc/ca.pem"
    assert kwargs["proxies"] == {"http": "http://proxy.test:3128", "https": "http://proxy.test:3128"}
    assert "mask=id" in http.calls[0].request.url


def test_proxy_comes_from_the_environment_when_no_option_is_set(http, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy.test:8080")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    http.get(BASE + "x", json={})
    client().get("x")
    assert http.calls[0].request.req_kwargs["proxies"].get("https") == "http://env-proxy.test:8080"


def test_validate_certs_false_is_sent_as_verify_false(http):
    http.get(BASE + "x", json={})
    client(validate_certs=False).get("x")
    assert http.calls[0].request.req_kwargs["verify"] is False


def test_read_retries_on_429_honouring_retry_after(http):
    http.get(BASE + "x", status=429, headers={"Retry-After": "3"}, json={"code": "rate_limit_reached"})
    http.get(BASE + "x", json={"ok": True})
    sleeps = []
    assert client(sleeps).get("x").data == {"ok": True}
    assert sleeps == [3.0]
    assert len(http.calls) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_read_retries_on_5xx_with_jittered_exponential_backoff(http, status):
    for dummy in range(3):
        http.get(BASE + "x", status=status, body="")
    http.get(BASE + "x", json=[1])
    sleeps = []
    assert client(sleeps).get("x").data == [1]
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps, start=1):
        ceiling = min(4, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= slept <= ceiling


def test_retries_are_bounded_and_the_error_says_how_many_attempts(http):
    http.get(BASE + "x", status=503, json={"code": "service_unavailable", "title": "down"})
    with pytest.raises(ApiError) as err:
        client().get("x")
    assert len(http.calls) == 4
    assert err.value.attempts == 4 and err.value.status == 503
    assert err.value.to_result()["attempts"] == 4


def test_501_is_not_retried(http):
    http.get(BASE + "x", status=501, json={"code": "not_implemented"})
    with pytest.raises(ApiError):
        client().get("x")
    assert len(http.calls) == 1


def test_provider_code_makes_an_answer_retryable(http):
    http.get(BASE + "x", status=400, json={"code": "Slow_Down", "error": "later"})
    http.get(BASE + "x", json={})
    client(retryable_codes=["Slow_Down"]).get("x")
    assert len(http.calls) == 2


def business_rules(status, code, message, retryable):
    """A provider whose business-rule failures are HTTP 500: only its internal errors are transient."""
    if status == 500 and code == "Rule_Broken":
        return False
    return retryable


def test_classify_turns_a_business_rule_500_into_a_permanent_failure(http):
    http.get(BASE + "x", status=500, json={"code": "Rule_Broken", "error": "not in this status"})
    with pytest.raises(ApiError) as err:
        client(classify=business_rules).get("x")
    assert len(http.calls) == 1
    assert err.value.retryable is False and err.value.code == "Rule_Broken"
    assert not err.value.ambiguous  # a business-rule refusal was not processed


def test_classify_keeps_other_5xx_retryable(http):
    http.get(BASE + "x", status=500, json={"code": "Internal", "error": "Internal Error"})
    http.get(BASE + "x", json={"ok": True})
    assert client(classify=business_rules).get("x").data == {"ok": True}
    assert len(http.calls) == 2


def error_shaped(data):
    if isinstance(data, dict) and set(data) == {"error", "code"}:
        return data["code"], data["error"]
    return None


def test_error_in_a_200_body_is_retried_for_reads(http):
    http.get(BASE + "x", json={"error": "Internal Error", "code": "Public"})
    http.get(BASE + "x", json={"id": 1})
    assert client(body_error=error_shaped).get("x").data == {"id": 1}
    assert len(http.calls) == 2


def test_error_in_a_200_body_fails_a_post_once_and_ambiguously(http):
    http.post(BASE + "orders", json={"error": "Internal Error", "code": "Public"})
    with pytest.raises(ApiError) as err:
        client(body_error=error_shaped).post("orders", json_body={})
    assert len(http.calls) == 1
    assert err.value.status == 200 and err.value.code == "Public" and err.value.ambiguous
    assert "Internal Error" in str(err.value)


@pytest.mark.parametrize("status", [429, 500, 503])
def test_post_that_places_an_order_is_never_retried(http, status):
    http.post(BASE + "orders", status=status, json={"error": "boom", "code": "X"})
    with pytest.raises(ApiError) as err:
        client().post("orders", json_body={"item": 1})
    assert len(http.calls) == 1
    assert err.value.method == "POST"


def test_post_after_a_timeout_is_not_retried_and_is_ambiguous(http):
    http.post(BASE + "orders", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(ApiError) as err:
        client().post("orders", json_body={})
    assert len(http.calls) == 1
    assert err.value.ambiguous is True and err.value.status is None
    assert "may or may not have been processed" in str(err.value)


def test_idempotent_post_is_retried(http):
    http.post(BASE + "verify", status=500, json={"error": "Internal Error"})
    http.post(BASE + "verify", json={"ok": 1})
    assert client().post("verify", json_body={}, idempotent=True).data == {"ok": 1}
    assert len(http.calls) == 2


def test_read_retries_connection_errors(http):
    http.get(BASE + "x", body=requests.exceptions.ConnectionError("Connection reset by peer"))
    http.get(BASE + "x", json={"ok": 1})
    assert client().get("x").data == {"ok": 1}


def test_truncated_json_on_a_read_is_retried_and_on_a_write_is_ambiguous(http):
    http.get(BASE + "x", body='{"id": 1, "na', content_type="application/json")
    http.get(BASE + "x", json={"id": 1})
    assert client().get("x").data == {"id": 1}
    http.post(BASE + "orders", body='{"orderId": 12', content_type="application/json")
    with pytest.raises(ApiError) as err:
        client().post("orders", json_body={})
    assert err.value.ambiguous and "not valid JSON" in str(err.value)


def test_401_renews_credentials_and_repeats_even_a_post(http):
    http.post(BASE + "orders", status=401, json={"code": "unauthorized"})
    http.post(BASE + "orders", json={"id": 9})
    auth = TokenAuth(["old", "new"])
    assert client(auth=auth).post("orders", json_body={}).data == {"id": 9}
    assert auth.renewals == [1]  # the generation that was refused
    assert [c.request.headers["Authorization"] for c in http.calls] == ["Bearer old", "Bearer new"]


def test_a_401_right_after_a_renewal_renews_once_more(http):
    # before, the 401 on the renewed credentials was final: a token revoked between its issue and
    # its first use failed the request
    http.post(BASE + "orders", status=401, json={"code": "unauthorized"})
    http.post(BASE + "orders", status=401, json={"code": "unauthorized"})
    http.post(BASE + "orders", json={"id": 9})
    auth = TokenAuth(["a", "b", "c"])
    assert client(auth=auth).post("orders", json_body={}).data == {"id": 9}
    assert auth.renewals == [1, 2]
    assert [c.request.headers["Authorization"] for c in http.calls] == ["Bearer a", "Bearer b", "Bearer c"]


def test_a_third_401_is_final_and_says_the_credentials_were_renewed(http):
    http.get(BASE + "x", status=401, json={"code": "unauthorized", "title": "Unauthorized"})
    auth = TokenAuth(["a", "b", "c", "d"])
    with pytest.raises(ApiError) as err:
        client(auth=auth).get("x")
    # the call ends (never repeated by the seam), but a wait counts it as a poll without an answer
    assert err.value.status == 401 and err.value.code == "unauthorized" and err.value.retryable
    assert auth.renewals == [1, 2] and len(http.calls) == 1 + MAX_RENEWALS == 3
    assert str(err.value) == ("GET https://api.example.test/v1/x failed: HTTP 401 unauthorized: Unauthorized; refused again "
                              "after the credentials were renewed 2 times for this request, so the provider does not "
                              "accept them (check the client's permissions)")


def test_a_401_is_final_when_there_is_nothing_newer(http):
    # a renewal that has nothing newer (fixed credentials, or a token hook that could not renew)
    # ends the request at once; the message does not claim a renewal
    http.get(BASE + "x", status=401, json={"code": "unauthorized", "title": "Unauthorized"})
    auth = BasicAuth()
    with pytest.raises(ApiError) as err:
        client(auth=auth).get("x")
    assert auth.renewals == [0] and len(http.calls) == 1
    assert str(err.value) == "GET https://api.example.test/v1/x failed: HTTP 401 unauthorized: Unauthorized"
    assert SECRET not in str(err.value)


def test_renewals_are_counted_per_request_not_per_client(http):
    # each request gets its own two renewals: a long task is not worn down by revocations spread
    # over its many requests
    for dummy in range(3):
        http.get(BASE + "x", status=401, json={"code": "unauthorized"})
        http.get(BASE + "x", json={"ok": True})
    auth = TokenAuth(["a", "b", "c", "d"])
    seam = client(auth=auth)
    assert [seam.get("x").data for dummy in range(3)] == [{"ok": True}] * 3
    assert auth.renewals == [1, 2, 3]


def test_a_renewal_does_not_count_as_a_retry(http):
    # the 401 was refused before processing: the repeat is not one of the ``retries``
    http.get(BASE + "x", status=401, json={"code": "unauthorized"})
    http.get(BASE + "x", status=503, json={"code": "busy"})
    http.get(BASE + "x", json={"ok": True})
    sleeps = []
    assert client(sleeps, auth=TokenAuth(["a", "b"]), retry=RetryPolicy(retries=1, jitter=False)).get("x").data == {"ok": True}
    assert len(sleeps) == 1


def test_error_carries_status_url_code_and_message_without_secrets(http):
    http.get(BASE + "things/5", status=404,
             json={"error": "Unable to find object with id of '5'.", "code": "SoftLayer_Exception_ObjectNotFound"})
    with pytest.raises(ApiError) as err:
        client(auth=BasicAuth()).get("things/5")
    exc = err.value
    assert exc.status == 404 and exc.code == "SoftLayer_Exception_ObjectNotFound"
    assert exc.provider_message == "Unable to find object with id of '5'."
    result = exc.to_result()
    assert result == {"http_status": 404, "http_method": "GET", "http_url": BASE + "things/5",
                      "provider_code": "SoftLayer_Exception_ObjectNotFound",
                      "provider_message": "Unable to find object with id of '5'."}
    assert SECRET not in str(exc) and SECRET not in repr(result)
    assert "404" in str(exc) and "things/5" in str(exc)


@pytest.mark.parametrize("body,expected", [
    ("<html><body>Bad gateway</body></html>", "non-JSON answer: <html><body>Bad gateway</body></html>"),
    ("", "empty answer"),
])
def test_html_and_empty_error_bodies_are_described(http, body, expected):
    http.get(BASE + "x", status=400, body=body)
    with pytest.raises(ApiError) as err:
        client().get("x")
    assert expected in str(err.value) and err.value.status == 400


def test_connection_refused_is_not_ambiguous_and_names_the_request():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    seam = HttpClient("http://127.0.0.1:%d/" % port, retry=RetryPolicy(retries=1), sleep=lambda s: None, timeout=2)
    with pytest.raises(ApiError) as err:
        seam.post("orders", json_body={})
    assert err.value.status is None and not err.value.ambiguous
    assert "connection to the provider failed" in str(err.value) and "POST" in str(err.value)


def test_tls_failure_points_at_ca_path(http):
    http.get(BASE + "x", body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(ApiError) as err:
        client().get("x")
    assert "ca_path" in str(err.value) and len(http.calls) == 1


def test_invalid_url_is_reported():
    seam = HttpClient("ftp://example.test/", sleep=lambda s: None)
    with pytest.raises(ApiError) as err:
        seam.get("x")
    assert "http:// or https://" in str(err.value)


def test_safe_url_drops_user_info():
    assert safe_url("https://user:%s@host.test/a?b=1" % SECRET) == "https://host.test/a?b=1"


@pytest.mark.parametrize("value,expected", [("5", 5.0), ("0", 0.0), (None, None), ("soon", None)])
def test_parse_retry_after_seconds(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


class Clock:
    """A monotonic clock that only moves when the seam sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def budgeted(seconds, timeout=30, **kwargs):
    clock = Clock()
    kwargs.setdefault("retry", RetryPolicy(retries=3, backoff=0.5, backoff_cap=4, jitter=False))
    return HttpClient(BASE, budget=Budget(seconds, timeout, clock=clock), sleep=clock.sleep, **kwargs), clock


def test_a_retry_after_within_the_budget_is_honoured_in_full(http):
    http.get(BASE + "x", status=429, headers={"Retry-After": "300"})
    http.get(BASE + "x", json={"ok": True})
    seam, clock = budgeted(600)
    assert seam.get("x").data == {"ok": True} and clock.sleeps == [300.0]


def test_a_retry_after_longer_than_the_budget_ends_the_call_at_once(http):
    # the old seam slept min(Retry-After, 60) before each of its retries: 121 s for Retry-After: 86400
    http.get(BASE + "x", status=429, headers={"Retry-After": "86400"})
    seam, clock = budgeted(600)
    with pytest.raises(ApiError) as err:
        seam.get("x")
    assert clock.sleeps == [] and err.value.retryable is False and len(http.calls) == 1
    assert "asks to retry after 86400s (Retry-After), more than the 600s left of the task's time budget " \
           "(wait_timeout=600s), so the task ends now" in str(err.value)


def test_no_retry_starts_when_its_pause_would_end_past_the_deadline(http):
    http.get(BASE + "x", status=503)
    http.get(BASE + "x", status=503)
    seam, clock = budgeted(0.8)
    with pytest.raises(ApiError) as err:
        seam.get("x")
    assert clock.sleeps == [0.5] and len(http.calls) == 2  # 0.5 s fits in 0.8 s, the next 1 s does not
    assert "not retried: the task's time budget (wait_timeout=0.8s) has no room for another attempt" in str(err.value)


def test_every_attempt_takes_its_timeout_from_what_is_left_before_the_hard_end(http):
    http.get(BASE + "x", json={})
    seam, clock = budgeted(10, timeout=30)
    clock.now = 25.0  # past the deadline, 15 s before the hard end (deadline + one request timeout)
    seam.get("x")
    assert http.calls[0].request.req_kwargs["timeout"] == (15.0, 15.0)
    clock.now = 40.0
    with pytest.raises(ApiError) as err:
        seam.get("x")
    assert "not sent: the task's time budget (wait_timeout=10s) is spent" in str(err.value) and len(http.calls) == 1


def test_an_os_error_that_requests_does_not_wrap_is_a_clean_failure_and_not_retried(tmp_path):
    """requests raises a bare OSError for a CA bundle that is missing when the request is sent (the
    module option checks refuse a missing ca_path first, but the file may vanish between them); before,
    it left the seam as a traceback. No server is needed: requests fails before it connects."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = []
    seam = HttpClient("https://127.0.0.1:%d/" % port, ca_path=str(tmp_path / "gone.pem"), sleep=sleeps.append)
    with pytest.raises(ApiError) as err:
        seam.get("x")
    assert "request failed" in str(err.value) and "CA certificate bundle" in str(err.value)
    assert err.value.attempts == 1 and sleeps == []


def test_an_answer_that_breaks_off_is_a_clean_failure_and_retried():
    """Real HTTP: Content-Length promises more than arrives. Before, urllib3's ProtocolError
    (IncompleteRead) left the seam unwrapped: a traceback."""
    with Hostile(lambda request: Answer(body={"id": 1, "commonName": "www.example.com"}, cut=7)) as double:
        seam = HttpClient(double.url, retry=RetryPolicy(retries=1, backoff=0.01), budget=Budget(30, 5))
        with pytest.raises(ApiError) as err:
            seam.get("x")
    assert "the answer broke off" in str(err.value) and "IncompleteRead" in str(err.value)
    assert err.value.ambiguous and err.value.attempts == 2 and len(double.requests) == 2


def test_a_body_that_stops_arriving_for_longer_than_the_timeout_is_a_clean_failure():
    """Real HTTP: the headers arrive, then the body stalls for longer than ``timeout``. Before,
    urllib3's ReadTimeoutError while streaming the body was not wrapped: a traceback."""
    started = time.monotonic()
    with Hostile(lambda request: Answer(body={"id": 1}, trickle=10)) as double:
        seam = HttpClient(double.url, retry=RetryPolicy(retries=0), budget=Budget(30, 1))
        with pytest.raises(ApiError) as err:
            seam.get("x")
    assert "no answer from the provider within 1s while the answer was arriving" in str(err.value)
    assert err.value.ambiguous and time.monotonic() - started < 8
