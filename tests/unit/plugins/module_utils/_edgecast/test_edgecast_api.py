# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Edgecast token hook, CPS client and models over scripted HTTP."""

import threading
import time

import pytest
from responses import matchers

from ansible_collections.certops.orders.plugins.module_utils._edgecast import models
from ansible_collections.certops.orders.plugins.module_utils._contract import PARSE_ERRORS
from ansible_collections.certops.orders.plugins.module_utils._edgecast import statuses
from ansible_collections.certops.orders.plugins.module_utils._edgecast.client import CpsClient, TokenAuth, create_call, parse_error
from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError, Applied, HttpClient, RetryPolicy, Secrets
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (  # pylint: disable=unused-import
    CPS,
    SECRET,
    TOKEN_URL,
    cert_node,
    clock,
    collection,
    dcv_node,
    error,
    status_node,
    token,
)


def client(fake_clock, retries=2):
    http = HttpClient(CPS, retry=RetryPolicy(retries=retries), error_parser=parse_error, sleep=fake_clock.sleep)
    http.auth = TokenAuth(http, TOKEN_URL, "ci-client", SECRET, "sec.cps.certificates", clock=fake_clock.monotonic)
    return CpsClient(http), http.auth


def bearer(call):
    return call.request.headers.get("Authorization")


# -- tokens ----------------------------------------------------------------------------------
def test_token_is_fetched_once_and_reused_until_shortly_before_expiry(http, clock):
    first = token(http, "tok-1")
    cps, auth = client(clock)
    http.get(CPS + "/v2.0/certificates/1/status", json=status_node(1))
    cps.status(1)
    cps.status(1)
    assert first.call_count == 1
    form = http.calls[0].request.body
    assert "grant_type=client_credentials" in form and "scope=sec.cps.certificates" in form
    assert [bearer(c) for c in http.calls[1:]] == ["Bearer tok-1", "Bearer tok-1"]
    clock.now += 300 - 30 + 1  # inside the safety margin: a new token before the old one expires
    token(http, "tok-2")
    cps.status(1)
    assert auth.fetches == 2 and bearer(http.calls[-1]) == "Bearer tok-2"


def test_a_401_mid_run_fetches_a_new_token_and_repeats_the_request_once(http, clock):
    token(http, "tok-1")
    token(http, "tok-2")
    cps, auth = client(clock)
    url = CPS + "/v2.0/certificates/1/status"
    http.get(url, json=status_node(1))
    http.get(url, status=401, json=error("unauthorized", 401, "You are not authorized to access this resource"),
             headers={"WWW-Authenticate": "Bearer"})
    http.get(url, json=status_node(1, "Active"))
    assert cps.status(1)["status"] == "Processing"
    assert cps.status(1)["status"] == "Active"
    statuses = [c for c in http.calls if c.request.url.startswith(url)]
    assert [bearer(c) for c in statuses] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert auth.fetches == 2


def test_a_401_right_after_a_renewal_fetches_a_second_token_and_succeeds(http, clock):
    # before, the 401 on the renewed token was final: a token revoked between its issue and its
    # first use (here tok-2) failed the read, and with it the whole wait
    for n in (1, 2, 3):
        token(http, "tok-%d" % n)
    cps, auth = client(clock)
    url = CPS + "/v2.0/certificates/1/status"
    http.get(url, status=401, json=error("unauthorized", 401, "You are not authorized to access this resource"))
    http.get(url, status=401, json=error("unauthorized", 401, "You are not authorized to access this resource"))
    http.get(url, json=status_node(1, "Active"))
    assert cps.status(1)["status"] == "Active"
    reads = [c for c in http.calls if c.request.url.startswith(url)]
    assert [bearer(c) for c in reads] == ["Bearer tok-1", "Bearer tok-2", "Bearer tok-3"]
    assert auth.fetches == 3 and clock.sleeps == []  # renewals are not retries: no backoff


def test_a_third_401_is_final_with_a_message_that_says_the_token_was_renewed(http, clock):
    for n in (1, 2, 3):
        token(http, "tok-%d" % n)
    cps, auth = client(clock)
    url = CPS + "/v2.0/certificates/1/status"
    http.get(url, status=401, json=error("unauthorized", 401, "You are not authorized to access this resource"))
    with pytest.raises(ApiError) as caught:
        cps.status(1)
    exc = caught.value
    assert exc.status == 401 and exc.code == "unauthorized" and exc.url == url and exc.method == "GET"
    assert str(exc) == ("GET %s failed: HTTP 401 unauthorized: You are not authorized to access this resource; refused "
                        "again after the credentials were renewed 2 times for this request, so the provider does not "
                        "accept them (check the client's permissions)" % url)
    assert len([c for c in http.calls if c.request.url.startswith(url)]) == 3
    assert auth.fetches == 3 and SECRET not in str(exc)


def test_a_renewal_token_fetch_is_held_to_the_tasks_budget(http, clock):
    # the renewal goes through the same HTTP seam: once the budget is spent no token call is sent,
    # and the task fails naming the token call and the budget instead of waiting on the token service
    token(http, "tok-1")
    url = CPS + "/v2.0/certificates/1/status"

    def refused_late(request):
        # the 401 arrives after the budget's hard end (10 s + one 5 s timeout); without a body, so
        # that the seam reads no chunk of it against the clock
        clock.now += 100
        return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, ""

    http.add_callback("GET", url, callback=refused_late)
    budget = Budget(10, 5, clock=clock.monotonic)
    seam = HttpClient(CPS, retry=RetryPolicy(retries=2), error_parser=parse_error, sleep=clock.sleep, budget=budget)
    seam.auth = auth = TokenAuth(seam, TOKEN_URL, "ci-client", SECRET, "sec.cps.certificates", clock=clock.monotonic)
    with pytest.raises(ApiError) as caught:
        CpsClient(seam).status(1)
    assert str(caught.value) == ("POST %s: could not get an access token for client_id 'ci-client' and scope "
                                 "'sec.cps.certificates' from the token service: not sent: the task's time budget "
                                 "(wait_timeout=10s) is spent" % TOKEN_URL)
    assert auth.fetches == 1 and len(http.calls) == 2  # the first token and the refused read; no second token call


def test_a_bad_secret_fails_with_the_token_services_answer_and_no_secret(http, clock):
    http.post(TOKEN_URL, status=400, json={"error": "invalid_client", "error_description": "wrong client secret"})
    cps, _auth = client(clock)
    with pytest.raises(ApiError) as caught:
        cps.status(1)
    exc = caught.value
    assert exc.status == 400 and exc.code == "invalid_client" and exc.provider_message == "wrong client secret"
    assert "could not get an access token for client_id 'ci-client'" in str(exc)
    assert "HTTP 400 invalid_client: wrong client secret" in str(exc)
    assert SECRET not in str(exc) and SECRET not in repr(exc.to_result())
    assert exc.url == TOKEN_URL and exc.method == "POST"  # the token call, not the API call it preceded
    assert len(http.calls) == 1  # a 400 is not retried, and no API call was made


def test_a_token_service_outage_is_retried_by_the_token_call_only(http, clock):
    http.post(TOKEN_URL, status=503, json={"error": "temporarily_unavailable"})
    cps, _auth = client(clock, retries=2)
    with pytest.raises(ApiError) as caught:
        cps.status(1)
    assert caught.value.status == 503 and caught.value.url == TOKEN_URL
    assert len(http.calls) == 3  # one call and two retries, not multiplied by the API call's retries


def test_a_token_answer_without_access_token_is_an_error(http, clock):
    http.post(TOKEN_URL, json={"token_type": "Bearer"})
    cps, _auth = client(clock)
    with pytest.raises(ApiError, match="the answer carries no access_token"):
        cps.status(1)


class SlowTokenService:
    """Stands in for the HTTP seam under :class:`TokenAuth`: numbered tokens, each fetch taking
    ``delay`` seconds of real time, so that threads refused together pile up at the lock while the
    first renewal runs."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.count = 0
        self.secrets = Secrets()  # TokenAuth registers the secret and every token it gets

    def request(self, *args, **kwargs):
        time.sleep(self.delay)
        self.count += 1

        class Answer:
            status = 200
            url = TOKEN_URL
            data = {"access_token": "tok-%d" % self.count, "expires_in": 300}
        return Answer()


def test_threads_that_all_get_a_401_on_the_same_generation_share_one_fetch(clock):
    # the token is one for all threads, with a generation: eight threads refused on generation 1
    # (a revoked token: every request that carried it is refused) cause exactly one fetch, and all
    # go on with generation 2. Before, renew() took no generation and compared the token string a
    # thread-local remembered.
    service = SlowTokenService(delay=0.2)
    auth = TokenAuth(service, TOKEN_URL, "ci-client", SECRET, "sec.cps.certificates", clock=clock.monotonic)
    barrier = threading.Barrier(8)
    seen = []

    def worker():
        generation = auth.apply({})
        barrier.wait()
        renewed = auth.renew(generation.generation)
        headers = {}
        seen.append((generation.generation, renewed, auth.apply(headers).generation, headers["Authorization"]))

    threads = [threading.Thread(target=worker) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert service.count == 2  # the first token, then one renewal for all eight threads
    assert seen == [(1, True, 2, "Bearer tok-2")] * 8
    # a refusal of a generation already replaced costs nothing; one of the current one fetches
    assert auth.renew(1) is True and service.count == 2
    assert auth.renew(2) is True and service.count == 3 and auth.apply({}) == Applied(3)


def test_a_request_refused_on_a_token_another_thread_already_replaced_renews_without_a_fetch(http, clock):
    # a thread that used generation 1 is refused after another thread's renewal fetched generation
    # 2: its renewal is the token already there, and its repeat carries it
    token(http, "tok-1")
    token(http, "tok-2")
    cps, auth = client(clock)
    url = CPS + "/v2.0/certificates/1/status"
    http.get(url, json=status_node(1))
    cps.status(1)
    assert auth.renew(auth.apply({}).generation) is True  # another thread's renewal
    assert auth.fetches == 2
    http.get(url, json=status_node(1, "Active"))
    headers = {}
    stale = Applied(1)
    assert auth.renew(stale.generation) is True and auth.fetches == 2  # nothing fetched
    assert auth.apply(headers) == Applied(2) and headers["Authorization"] == "Bearer tok-2"
    assert cps.status(1)["status"] == "Active" and bearer(http.calls[-1]) == "Bearer tok-2"


# -- the client ------------------------------------------------------------------------------
def test_listing_follows_every_page_with_page_size_20(http, clock):
    token(http)
    items = [cert_node(11605 + i, "c%d" % i) for i in range(45)]
    for page in (1, 2, 3):
        http.get(CPS + "/v2.0/certificates", json=collection("/v2.0/certificates", items[(page - 1) * 20:page * 20], 45),
                 match=[matchers.query_param_matcher({"page": str(page), "page_size": "20",
                                                      "query": "domain_names:*.example.com"})])
    cps, _auth = client(clock)
    found = cps.certificates(query="domain_names:*.example.com")
    assert [c["id"] for c in found] == [c["id"] for c in items]
    assert len(http.calls) == 4


def test_listing_without_total_follows_next_links(http, clock):
    token(http)
    http.get(CPS + "/v2.0/certificates", json={"items": [cert_node(1)], "@links": {"next": {"href": "x"}}},
             match=[matchers.query_param_matcher({"page": "1", "page_size": "20"})])
    http.get(CPS + "/v2.0/certificates", json={"items": [cert_node(2)], "@links": {}},
             match=[matchers.query_param_matcher({"page": "2", "page_size": "20"})])
    cps, _auth = client(clock)
    assert [c["id"] for c in cps.certificates()] == [1, 2]


def test_reads_are_retried_after_429_honouring_retry_after(http, clock):
    token(http)
    url = CPS + "/v2.0/certificates/1"
    http.get(url, status=429, json=error("rate_limit_reached", 429, "Too many requests"),
             headers={"Retry-After": "7"})
    http.get(url, json=cert_node(1))
    cps, _auth = client(clock)
    assert cps.certificate(1)["id"] == 1
    assert clock.sleeps == [7.0]


def test_the_create_post_is_never_retried(http, clock):
    token(http)
    http.post(CPS + "/v2.0/certificates/cdnprovided", status=503,
              json=error("service_unavailable", 503, "Service unavailable"), headers={"Retry-After": "1"})
    cps, _auth = client(clock)
    with pytest.raises(ApiError) as caught:
        cps.send(create_call({"certificate_label": "x"}))
    assert caught.value.ambiguous and caught.value.status == 503
    assert len([c for c in http.calls if c.request.method == "POST" and "cdnprovided" in c.request.url]) == 1
    assert clock.sleeps == []


def test_the_create_post_is_repeated_once_after_a_401_with_a_new_token(http, clock):
    token(http, "tok-1")
    token(http, "tok-2")
    url = CPS + "/v2.0/certificates/cdnprovided"
    http.post(url, status=401, json=error("unauthorized", 401, "You are not authorized to access this resource"))
    http.post(url, status=201, json=cert_node(11605))
    cps, _auth = client(clock)
    assert cps.send(create_call({"certificate_label": "x"}))["id"] == 11605
    posts = [c for c in http.calls if c.request.url == url]
    assert [bearer(c) for c in posts] == ["Bearer tok-1", "Bearer tok-2"]


def test_hyperion_and_oauth_error_bodies_are_parsed():
    body = error("invalid_input", 400, "One or more properties were empty or invalid")
    body["details"] = [{"@type": "ErrorDetail", "source": "/certificate_label",
                        "description": "Certificate label already exists"}]
    assert parse_error(body) == ("invalid_input", "One or more properties were empty or invalid "
                                                  "(/certificate_label: Certificate label already exists)")
    assert parse_error({"error": "invalid_scope"}) == ("invalid_scope", "invalid_scope")
    assert parse_error([1]) == (None, None)


def test_error_details_show_their_json_pointer_sources():
    """ErrorDetail ``source`` is a JSON Pointer into the request (Edgio/ec-sdk-go
    edgecast/cps/models/hyperion_error_detail.go; Edgio/hyperion schema/error-detail.json): nested body
    fields, a query parameter (the sandbox's ``/<parameter>``) and an escaped token are shown as sent,
    before their description; a detail without one shows its description alone."""
    body = error("invalid_input", 400, "One or more properties were empty or invalid")
    body["details"] = [
        {"@type": "ErrorDetail", "source": "/domains/1/name", "description": "'x y' is not a valid domain name"},
        {"@type": "ErrorDetail", "source": "/organization/additional_contacts/0/contact_type",
         "description": "contact_type must be one of EvApprover, OrganizationContact, TechnicalContact, Unknown"},
        {"@type": "ErrorDetail", "source": "/page_size", "description": "page_size must be a positive integer"},
        {"@type": "ErrorDetail", "source": "/a~1b", "description": "odd"},
        {"@type": "ErrorDetail", "description": "the body is not valid JSON"}]
    code, message = parse_error(body)
    assert code == "invalid_input"
    assert message == ("One or more properties were empty or invalid (/domains/1/name: 'x y' is not a valid domain name; "
                       "/organization/additional_contacts/0/contact_type: contact_type must be one of EvApprover, "
                       "OrganizationContact, TechnicalContact, Unknown; /page_size: page_size must be a positive "
                       "integer; /a~1b: odd; the body is not valid JSON)")


# -- models ----------------------------------------------------------------------------------
@pytest.mark.parametrize("status, order, phase", [
    ("Processing", None, "pending"),
    ("DomainControlValidation", "Pending", "action_required"),
    ("OtherValidation", "Pending", "pending"),
    ("Deployment", "Issued", "pending"),
    ("Active", "Issued", "issued"),
    ("Active", "PendingRenewal", "issued"),
    ("DomainControlValidation", "Rejected", "failed"),
    ("Active", "Expired", "failed"),
    ("Deleted", "Canceled", "canceled"),
    ("Deleted", "Deleted", "deleted"),
    ("SomethingNew", "Renewed", "issued"),
])
def test_phase_mapping_gives_failure_and_cancel_precedence(status, order, phase):
    assert statuses.phase(status, order) == phase


def test_flatten_shapes_a_certificate_for_the_result():
    cert = models.certificate(cert_node(domains=("cdn.example.com", "www.example.com")))
    status = models.certificate_status(status_node(status="DomainControlValidation", order="Pending", step=2,
                                                   **{"@type": "CertificateStatus"}))
    flat = models.flatten(cert, status, models.dcv_items(dcv_node(token="abc")))
    assert flat["status"] == "DomainControlValidation" and flat["order_status"] == "Pending"
    assert flat["phase"] == "action_required" and flat["step"] == 2
    assert flat["expiration_date"] is None and flat["target_cname"] is None
    # DV: one token for every domain
    assert [(d["domain"], d["token"], d["method"]) for d in flat["dcv"]] == [
        ("cdn.example.com", "abc", "DnsTxtToken"), ("www.example.com", "abc", "DnsTxtToken")]
    assert flat["domain_validations"] == [{"domain_id": 21001, "domain_names": ["cdn.example.com"], "status": "Pending"}]
    assert sorted(flat) == sorted([
        "id", "label", "description", "validation_type", "dcv_method", "auto_renew", "status", "order_status",
        "phase", "step", "requires_attention", "error_message", "domains", "domain_validations", "dcv",
        "target_cname", "expiration_date", "days_left", "thumbprint", "created", "last_modified"])
    assert flat["days_left"] is None  # not issued: no expiration yet
    # the TXT record each domain needs: DV shares the token, each domain is validated at its own name
    assert [d["dns_record"] for d in flat["dcv"]] == [
        {"name": "cdn.example.com", "type": "TXT", "value": "abc"},
        {"name": "www.example.com", "type": "TXT", "value": "abc"}]


@pytest.mark.parametrize("method, token, domain, vtype, record", [
    ("DnsTxtToken", "t1", "*.cdn.example.com", "DV", {"name": "cdn.example.com", "type": "TXT", "value": "t1"}),
    ("DnsTxtToken", "t1", "a.b.example.com", "OV", {"name": "example.com", "type": "TXT", "value": "t1"}),
    ("DnsCnameToken", "t2", "cdn.example.com", "DV",
     {"name": "t2.cdn.example.com", "type": "CNAME", "value": "dcv.digicert.com"}),
    ("DnsCnameToken", "t2", "www.example.org", "EV", {"name": "t2.example.org", "type": "CNAME", "value": "dcv.digicert.com"}),
    ("DnsTxtToken", None, "cdn.example.com", "DV", None),
    ("Email", "t3", "cdn.example.com", "DV", None),
])
def test_dns_record_per_dcv_method(method, token, domain, vtype, record):
    assert models.dns_record(method, token, domain, vtype) == record


def test_days_left_of_an_issued_certificate_and_none_for_the_placeholder():
    status = models.certificate_status(status_node(status="Active", order="Issued"))
    flat = models.flatten(models.certificate(cert_node(issued=True, expiration_date="2999-01-01T00:00:00Z")), status)
    assert flat["days_left"] > 300000
    flat = models.flatten(models.certificate(cert_node(expiration_date="0001-01-01T00:00:00Z")), status)
    assert flat["expiration_date"] is None and flat["days_left"] is None


@pytest.mark.parametrize("body, action", [
    ({"action": {"id": 2, "name": "Revert"}}, "Revert"), ({"name": "Cancel"}, "Cancel"), (None, None),
    ({"action": "x"}, None), ([1], None)])
def test_cancel_preview_answers_of_any_shape_name_an_action_or_none(body, action):
    assert models.cancel_action(body) == action


def test_flatten_matches_ov_dcv_items_by_parent_domain_and_reads_the_deployment():
    node = cert_node(domains=("a.example.com", "b.example.com", "a.example.org"), issued=True, validation_type="OV")
    items = collection("x", [
        {"domain_id": 21001, "dcv_method": "DnsCnameToken", "dcv_token": {"token": "com"}, "emails": []},
        {"domain_id": 21003, "dcv_method": "DnsCnameToken", "dcv_token": {"token": "org"}, "emails": []}])
    flat = models.flatten(models.certificate(node), models.certificate_status(status_node(status="Active", order="Issued")),
                          models.dcv_items(items))
    assert [d["token"] for d in flat["dcv"]] == ["com", "com", "org"]
    assert flat["target_cname"] == "cs-1.wpc.0001.edgecastcdn.net"
    assert flat["expiration_date"] == "2022-05-16T23:59:59.000000Z" and flat["phase"] == "issued"


def test_models_tolerate_nulls_and_extra_keys_and_refuse_wrong_types():
    node = cert_node(domains=(), extra_key={"x": 1})
    node["domains"] = None
    flat = models.flatten(models.certificate(node), None)
    assert flat["domains"] == [] and flat["dcv"] == [] and flat["status"] is None
    with pytest.raises(PARSE_ERRORS):
        models.certificate({"id": "not a number", "certificate_label": "x"})
