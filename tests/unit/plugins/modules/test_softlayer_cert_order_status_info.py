# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""softlayer_cert_order_status_info against scripted SoftLayer REST conversations."""

import json
import socket

import pytest
from responses import matchers

from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order_status_info as info
from ansible_collections.certops.orders.tests.unit.plugins.modules.softlayer_conversation import (
    BASE,
    CONN,
    KEY,
    LIST,
    REQ,
    STATUSES,
    account,
    calls,
    catalogue,
)

RATE_LIMIT = {"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
              "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}


def request(req_id, status_id, cn="www.example.com", **extra):
    body = {"id": req_id, "commonName": cn, "statusId": status_id, "accountId": 1,
            "approverEmailAddress": "admin@example.com", "technicalContactEmailAddress": "ops@example.com",
            "createDate": "2023-11-02T09:14:27-06:00", "modifyDate": "2023-11-02T09:14:27-06:00",
            "order": {"id": 31999000 + req_id % 1000}}
    body.update(extra)
    return body


def get(http, req_id, status_id, **kwargs):
    http.get(REQ + "%s/getObject.json" % req_id, json=request(req_id, status_id, **kwargs))


def in_days(days, hours=12):
    """An expirationDate ``days`` days and ``hours`` hours from now, in SoftLayer's form (US Central
    offset): half a day of margin keeps the whole days left at ``days`` however slow the test runs."""
    from datetime import datetime, timedelta, timezone

    central = timezone(timedelta(hours=-6))
    return (datetime.now(central) + timedelta(days=days, hours=hours)).isoformat(timespec="seconds")


def sent_filter(call):
    from urllib.parse import parse_qs, urlsplit
    return json.loads(parse_qs(urlsplit(call.request.url).query)["objectFilter"][0])


def test_catalogue_is_always_returned_and_every_order_is_listed(http, run_module):
    catalogue(http)
    account(http)
    http.post(LIST, json=[request(2, 43), request(1, 50)], headers={"SoftLayer-Total-Items": "2"})
    ok, result = run_module(info.main, CONN)
    assert ok and result["changed"] is False
    assert result["statuses"] == STATUSES
    assert [o["id"] for o in result["orders"]] == [1, 2]
    first = result["orders"][0]
    assert first["status"] == "Pending CA Approval" and first["phase"] == "action_required" and first["cancelable"]
    assert result["orders"][1]["phase"] == "issued" and not result["orders"][1]["cancelable"]
    body = json.loads(calls(http, "getSslCertificateRequests")[0].request.body)
    assert body == {"parameters": [123456]}
    assert "order[id]" in calls(http, "getSslCertificateRequests")[0].request.url.replace("%5B", "[").replace("%5D", "]")


def test_one_order_has_every_documented_key_with_the_status_name(http, run_module):
    catalogue(http)
    expires = in_days(40)
    get(http, 987654, 43, effectiveDate="2023-11-03T00:00:00-06:00", expirationDate=expires,
        orderItem={"itemId": 964, "item": {"keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"}})
    ok, result = run_module(info.main, dict(CONN, order_id=987654))
    assert ok
    assert result["orders"] == [{
        "id": 987654, "common_name": "www.example.com", "status": "Approved", "status_id": 43, "phase": "issued",
        "cancelable": False, "approver_email": "admin@example.com", "technical_contact_email": "ops@example.com",
        "order_id": 31999654, "create_date": "2023-11-02T09:14:27-06:00",
        "modify_date": "2023-11-02T09:14:27-06:00", "effective_date": "2023-11-03T00:00:00-06:00",
        "expiration_date": expires, "days_left": 40, "item_id": 964, "item_key_name": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"}]
    assert http.calls[1].request.headers["Authorization"].startswith("Basic ")


def test_order_ids_are_read_in_one_list_call_each_once_in_the_given_order(http, run_module):
    catalogue(http)
    account(http)
    http.post(LIST, json=[request(4, 50), request(5, 50)])
    get(http, 3, 50)  # missing from the list: read on its own (an unknown id gets its own 404)
    ok, result = run_module(info.main, dict(CONN, order_ids=[5, 3, 4, 3]))
    assert ok and [o["id"] for o in result["orders"]] == [5, 3, 4]
    assert len(calls(http, "getSslCertificateRequests")) == 1 and len(calls(http, "/3/getObject")) == 1
    assert len(calls(http, "getObject")) == 2  # the account id, then order 3
    assert sent_filter(calls(http, "getSslCertificateRequests")[0])["securityCertificateRequest"]["id"]["options"][0]["value"] == [5, 3, 4]


def test_an_empty_order_ids_list_selects_nothing_rather_than_the_whole_account(http, run_module):
    catalogue(http)
    ok, result = run_module(info.main, dict(CONN, order_ids=[], wait_for=["Approved"], allow_empty=True))
    assert ok and result["orders"] == [] and len(http.calls) == 1


def test_a_wait_for_an_empty_selection_fails_naming_the_selection(http, run_module):
    catalogue(http)
    ok, result = run_module(info.main, dict(CONN, order_ids=[], wait_for=["Approved"]))
    assert not ok and result["msg"] == (
        "wait_for: order_ids=[] selected no orders, so there is nothing to wait for; check the selection, or set "
        "allow_empty=true when an empty selection is expected")
    assert len(http.calls) == 1 and "orders" not in result


@pytest.mark.parametrize("option, value", [("allow_empty", True), ("wait_match", "exact"), ("fail_on", [])])
def test_wait_options_without_wait_for_are_refused(http, run_module, option, value):
    ok, result = run_module(info.main, dict(CONN, order_id=7, **{option: value}))
    assert not ok and result["msg"] == "%s only applies together with wait_for" % option and not http.calls


def test_common_name_and_status_names_become_an_object_filter_with_catalogue_ids(http, run_module):
    catalogue(http)
    account(http)
    http.post(LIST, json=[request(7, 50)])
    ok, result = run_module(info.main, dict(CONN, common_name="www.example.com",
                                            status=["Pending CA Approval", "Approved"]))
    assert ok and [o["id"] for o in result["orders"]] == [7]
    assert sent_filter(calls(http, "getSslCertificateRequests")[0]) == {"securityCertificateRequest": {
        "commonName": {"operation": "_= www.example.com"},
        "statusId": {"operation": "in", "options": [{"name": "data", "value": [50, 43]}]}}}


def test_unknown_status_name_fails_listing_the_catalogue_names(http, run_module):
    catalogue(http)
    ok, result = run_module(info.main, dict(CONN, status=["Issued"]))
    assert not ok
    assert "'Issued'" in result["msg"] and "Pending CA Approval, Approved, Complete, Canceled" in result["msg"]
    assert len(http.calls) == 1


def test_unknown_wait_for_name_fails_before_any_order_is_read(http, run_module):
    catalogue(http)
    ok, result = run_module(info.main, dict(CONN, order_id=1, wait_for=["Active"]))
    assert not ok and "wait_for has unknown status name 'Active'" in result["msg"]
    assert "Complete" in result["msg"] and len(http.calls) == 1


def test_unknown_id_fails_with_the_providers_not_found_message(http, run_module):
    catalogue(http)
    http.get(REQ + "42/getObject.json", status=404, json={
        "error": "Unable to find object with id of '42'.", "code": "SoftLayer_Exception_ObjectNotFound"})
    ok, result = run_module(info.main, dict(CONN, order_id=42))
    assert not ok
    assert "Unable to find object with id of '42'." in result["msg"] and "/42/" in result["msg"]
    assert result["http_status"] == 404 and result["provider_code"] == "SoftLayer_Exception_ObjectNotFound"
    assert len(calls(http, "/42/")) == 1  # a 404 is not retried


def test_wrong_credentials_fail_with_401_and_no_secret(http, run_module):
    http.get(BASE + "SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json", status=401,
             json={"error": "Invalid API token.", "code": "SoftLayer_Exception_Public"})
    ok, result = run_module(info.main, CONN)
    assert not ok and result["http_status"] == 401 and "Invalid API token." in result["msg"]
    assert KEY not in json.dumps(result)
    assert len(http.calls) == 1


def test_rate_limit_500_on_reads_is_retried_with_backoff(http, run_module, fake_time):
    http.get(BASE + "SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json",
             status=500, json=RATE_LIMIT)
    http.get(BASE + "SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json",
             status=500, json=RATE_LIMIT)
    catalogue(http)
    get(http, 9, 50)
    ok, result = run_module(info.main, dict(CONN, order_id=9))
    assert ok and result["orders"][0]["status"] == "Pending CA Approval"
    assert len(calls(http, "getSslRequestStatuses")) == 3
    assert len(fake_time.sleeps) == 2 and all(s > 0 for s in fake_time.sleeps)


# What SoftLayer answers for a bad objectMask over REST: HTTP 500 with SoftLayer_Exception_WebService_ObjectMask
# for a property the type does not have (softlayer/softlayer-python issues #568, #1088 and #1525;
# softlayer/softlayer-java issue #42: "status: 500"), SoftLayer_Exception_Common_Parser for a mask it
# cannot read (softlayer/softlayer-python pull request #345). Neither is transient.
MASK_ERRORS = [
    {"error": "Property 'x' not valid for 'SoftLayer_Security_Certificate_Request'.",
     "code": "SoftLayer_Exception_WebService_ObjectMask"},
    {"error": "Error on line 1 at column 12: Expected PROPERTY, got ']'", "code": "SoftLayer_Exception_Common_Parser"},
]


@pytest.mark.parametrize("body", MASK_ERRORS, ids=["unknown-property", "unparsable"])
def test_a_mask_error_on_a_read_fails_at_once_with_the_providers_code_and_text(http, run_module, body):
    catalogue(http)
    http.get(REQ + "9/getObject.json", status=500, json=body)
    ok, result = run_module(info.main, dict(CONN, order_id=9))
    assert not ok and result["http_status"] == 500 and len(calls(http, "/9/")) == 1  # not retried
    assert result["provider_code"] == body["code"] and body["error"] in result["msg"]
    assert "/9/getObject.json" in result["msg"] and KEY not in json.dumps(result)


@pytest.mark.parametrize("body", MASK_ERRORS, ids=["unknown-property", "unparsable"])
def test_a_mask_error_on_the_list_fails_at_once_with_the_providers_code_and_text(http, run_module, body):
    catalogue(http)
    account(http)
    http.post(LIST, status=500, json=body)
    ok, result = run_module(info.main, dict(CONN, common_name="www.example.com"))
    assert not ok and result["http_status"] == 500 and len(calls(http, "getSslCertificateRequests")) == 1
    assert result["provider_code"] == body["code"] and body["error"] in result["msg"]
    assert "orders" not in result and KEY not in json.dumps(result)


def test_internal_error_inside_a_200_is_retried(http, run_module):
    catalogue(http)
    http.get(REQ + "9/getObject.json", json={"error": "Internal Error", "code": "SoftLayer_Exception_Public"})
    get(http, 9, 49)
    ok, result = run_module(info.main, dict(CONN, order_id=9))
    assert ok and result["orders"][0]["status"] == "Complete"


def test_lone_object_nulls_and_extra_keys_are_tolerated(http, run_module):
    catalogue(http)
    account(http)
    lone = request(3, 50, effectiveDate=None, sandboxUnknownProperty=1)
    del lone["technicalContactEmailAddress"]
    http.post(LIST, json=lone)
    ok, result = run_module(info.main, CONN)
    assert ok and result["orders"][0]["id"] == 3
    assert result["orders"][0]["technical_contact_email"] is None and result["orders"][0]["effective_date"] is None


def test_status_id_missing_from_the_catalogue_is_reported_not_guessed(http, run_module, warnings):
    catalogue(http)
    get(http, 3, 52)
    ok, result = run_module(info.main, dict(CONN, order_id=3))
    assert ok and result["orders"][0]["status"] is None and result["orders"][0]["status_id"] == 52
    assert any("status id 52" in w for w in warnings)


def test_listing_follows_result_limit_pages(http, run_module):
    catalogue(http)
    account(http)
    page1 = [request(i, 50) for i in range(1, 101)]
    page2 = [request(i, 50) for i in range(101, 131)]
    http.post(LIST, json=page1, headers={"SoftLayer-Total-Items": "130"},
              match=[matchers.query_param_matcher({"resultLimit": "0,100"}, strict_match=False)])
    http.post(LIST, json=page2, headers={"SoftLayer-Total-Items": "130"},
              match=[matchers.query_param_matcher({"resultLimit": "100,100"}, strict_match=False)])
    ok, result = run_module(info.main, CONN)
    assert ok and len(result["orders"]) == 130 and len(calls(http, "getSslCertificateRequests")) == 2


def test_wait_polls_until_approved_and_reports_the_history(http, run_module, fake_time):
    catalogue(http)
    for status_id in (50, 50, 50, 43):
        get(http, 11, status_id)
    ok, result = run_module(info.main, dict(CONN, order_id=11, wait_for=["Approved"]))
    assert ok and result["orders"][0]["status"] == "Approved"
    assert result["wait"]["polls"] == 3
    assert [h["status"] for h in result["wait"]["history"]] == ["Pending CA Approval", "Approved"]
    assert fake_time.sleeps == [1.0, 1.0, 1.0]


def test_complete_satisfies_a_wait_for_approved(http, run_module):
    catalogue(http)
    get(http, 11, 50)
    get(http, 11, 49)
    ok, result = run_module(info.main, dict(CONN, order_id=11, wait_for=["Approved"]))
    assert ok and result["orders"][0]["status"] == "Complete" and result["wait"]["polls"] == 1


def test_many_orders_are_polled_with_one_list_call_per_round(http, run_module):
    catalogue(http)
    account(http)
    get(http, 2, 49)  # the last one left is read on its own
    http.post(LIST, json=[request(1, 50), request(2, 50), request(3, 50)])  # the first read
    http.post(LIST, json=[request(1, 43), request(2, 50), request(3, 43)])  # the first poll
    ok, result = run_module(info.main, dict(CONN, order_ids=[1, 2, 3], wait_for=["Approved"]))
    assert ok, result
    assert [o["status"] for o in result["orders"]] == ["Approved", "Complete", "Approved"]
    lists = calls(http, "getSslCertificateRequests")
    assert len(lists) == 2 and result["wait"]["polls"] == 2
    assert sent_filter(lists[0])["securityCertificateRequest"]["id"]["options"][0]["value"] == [1, 2, 3]
    assert sent_filter(lists[1])["securityCertificateRequest"]["id"]["options"][0]["value"] == [1, 2, 3]
    assert len(calls(http, "/2/getObject")) == 1 and len(calls(http, "getObject")) == 2  # the account id, then order 2


def test_ca_rejection_ends_the_wait_early_as_failed(http, run_module):
    catalogue(http)
    get(http, 12, 50)
    get(http, 12, 51)
    ok, result = run_module(info.main, dict(CONN, order_id=12, wait_for=["Approved"], wait_timeout=3600))
    assert not ok and "failure status Canceled" in result["msg"]
    assert result["orders"][0]["status"] == "Canceled" and result["wait"]["polls"] == 1


def test_timeout_returns_the_last_seen_order(http, run_module, fake_time):
    catalogue(http)
    get(http, 13, 50)
    ok, result = run_module(info.main, dict(CONN, order_id=13, wait_for=["Complete"], wait_timeout=20,
                                            wait_sleep=5))
    assert not ok and "Timed out" in result["msg"] and "13 Pending CA Approval" in result["msg"]
    assert result["orders"][0]["id"] == 13 and 19.9 <= result["wait"]["elapsed"] <= 20.1
    assert max(fake_time.sleeps) <= 5


@pytest.mark.parametrize("args, needle", [
    (dict(order_id=1, common_name="x.example.com"), "mutually exclusive"),
    (dict(order_ids=[1], status=["Approved"]), "mutually exclusive"),
    (dict(order_id="abc"), "order_id"),
])
def test_conflicting_or_wrongly_typed_options_fail_before_any_call(http, run_module, args, needle):
    ok, result = run_module(info.main, dict(CONN, **args))
    assert len(http.calls) == 0
    assert not ok and needle in result["msg"]


def test_missing_credentials_name_every_source(http, run_module, monkeypatch, tmp_path):
    for names in (["SL_USERNAME", "IAAS_CLASSIC_USERNAME", "SOFTLAYER_USERNAME"],
                  ["SL_API_KEY", "IAAS_CLASSIC_API_KEY", "SOFTLAYER_API_KEY"]):
        for name in names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    ok, result = run_module(info.main, {"endpoint_url": BASE})
    assert not ok and "missing username and api_key" in result["msg"]
    assert "SL_USERNAME" in result["msg"] and "~/.softlayer" in result["msg"] and "apikey" in result["msg"]
    assert len(http.calls) == 0


def test_environment_then_config_file_supply_credentials(http, run_module, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("SL_USERNAME", "SL_API_KEY", "SL_ENDPOINT_URL", "IAAS_CLASSIC_USERNAME", "IAAS_CLASSIC_API_KEY",
                 "IAAS_CLASSIC_ENDPOINT_URL", "SOFTLAYER_USERNAME", "SOFTLAYER_API_KEY", "SOFTLAYER_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".softlayer").write_text("[softlayer]\nusername = apikey\napi_key = ibm-cloud-key\n"
                                         "endpoint_url = %s\n" % BASE.rstrip("/"))
    catalogue(http)
    account(http)
    http.post(LIST, json=[])
    ok, _result = run_module(info.main, {})
    assert ok
    import base64
    assert http.calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"apikey:ibm-cloud-key").decode()
    monkeypatch.setenv("IAAS_CLASSIC_USERNAME", "SL2")
    monkeypatch.setenv("SOFTLAYER_API_KEY", "env-key")
    ok, _result = run_module(info.main, {})
    assert ok
    assert http.calls[-1].request.headers["Authorization"] == "Basic " + base64.b64encode(b"SL2:env-key").decode()


@pytest.mark.parametrize("url, needle", [
    ("ftp://api.softlayer.com/rest/v3.1/", "http:// or https://"),
    ("https://api.softlayer.com/xmlrpc/v3.1/", "XML-RPC"),
])
def test_bad_endpoint_urls_are_refused_with_the_valid_form(http, run_module, url, needle):
    ok, result = run_module(info.main, dict(CONN, endpoint_url=url))
    assert not ok and needle in result["msg"] and "https://api.softlayer.com/rest/v3.1/" in result["msg"]
    assert len(http.calls) == 0


# -- answers of the wrong shape, and a CA bundle that is not there -----------------------------------
@pytest.mark.parametrize("body, problem", [
    ([], "(the body): expected an object with the account's integer id, got a list"),
    ({}, "id: Field required"),
    ({"id": None}, "id: Input should be a valid integer"),
    ({"id": "abc"}, "id: Input should be a valid integer, unable to parse string as an integer"),
])
def test_an_account_answer_without_an_id_is_a_clean_failure_naming_the_call_and_the_id(http, run_module, body, problem):
    """SoftLayer_Account::getObject answering a list, or an object without a usable id: before, the
    account id was read as ``answer["id"]`` and the task died with a TypeError or KeyError traceback."""
    catalogue(http)
    http.get(BASE + "SoftLayer_Account/getObject.json", json=body)
    ok, result = run_module(info.main, dict(CONN, common_name="www.example.com"))
    assert not ok
    assert result["msg"] == "SoftLayer_Account::getObject answered with a body this module cannot read: " + problem
    assert not calls(http, "getSslCertificateRequests")


def test_an_empty_account_answer_is_a_clean_failure(http, run_module):
    """A null body never reaches the model: the seam takes an empty 2xx answer for a failure, as
    softlayer-go does (this passed before too; the model's own refusal of null is in test_shapes_softlayer)."""
    catalogue(http)
    http.get(BASE + "SoftLayer_Account/getObject.json", body="null")
    ok, result = run_module(info.main, dict(CONN, common_name="www.example.com", retries=0))
    assert not ok and "SoftLayer_Account/getObject.json failed: HTTP 200 with an error body: empty answer" in result["msg"]


def test_a_missing_ca_path_is_a_clean_failure_before_any_connection(run_module, tmp_path):
    """Real HTTPS, no mock: before, requests raised a bare OSError ("Could not find a suitable TLS CA
    certificate bundle, invalid path") while sending the first request, and the module died with a
    traceback. Now the option check refuses it first; the port has no listener, so any connection
    attempt would fail differently."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    missing = str(tmp_path / "corp-ca.pem")
    ok, result = run_module(info.main, dict(CONN, endpoint_url="https://127.0.0.1:%d/rest/v3.1/" % port,
                                            ca_path=missing, order_id=1))
    assert not ok and result["msg"].startswith("ca_path %s does not exist" % missing)
    assert result["changed"] is False


# -- expiring_within_days ---------------------------------------------------------------------------

def test_expiring_within_days_narrows_at_the_provider_and_decides_exactly_after_reading(http, run_module):
    catalogue(http)
    account(http)
    # the provider answers more than asked (as one that ignores or rounds the filter would): the module
    # keeps only what expires within 30 days, expired ones included, never one not issued yet
    http.post(LIST, json=[request(1, 43, expirationDate=in_days(30)), request(2, 43, expirationDate=in_days(31)),
                          request(3, 49, expirationDate=in_days(-3)), request(4, 50),
                          request(5, 43, expirationDate=in_days(0, hours=2))])
    ok, result = run_module(info.main, dict(CONN, common_name="www.example.com", expiring_within_days=30))
    assert ok and [(o["id"], o["days_left"]) for o in result["orders"]] == [(1, 30), (3, -3), (5, 0)]
    sent = sent_filter(calls(http, "getSslCertificateRequests")[0])["securityCertificateRequest"]
    assert sent["commonName"] == {"operation": "_= www.example.com"}
    leaf = sent["expirationDate"]
    # softlayer-python's lessThanDate form (softlayer/softlayer-python, SoftLayer/utils.py,
    # event_log_filter_less_than_date): option "date" with an ISO date-time, microseconds and offset
    assert leaf["operation"] == "lessThanDate" and [o["name"] for o in leaf["options"]] == ["date"]
    from datetime import datetime, timedelta, timezone
    bound = datetime.fromisoformat(leaf["options"][0]["value"][0])
    assert leaf["options"][0]["value"][0].endswith("T00:00:00.000000+00:00")
    now = datetime.now(timezone.utc)
    # never earlier than what the exact check selects (31 days from now), one day of slack, midnight UTC
    assert now + timedelta(days=32) <= bound <= now + timedelta(days=33)


def test_expiring_within_days_filters_order_ids_after_reading(http, run_module):
    catalogue(http)
    account(http)
    http.post(LIST, json=[request(7, 43, expirationDate=in_days(5)), request(8, 43, expirationDate=in_days(90))])
    ok, result = run_module(info.main, dict(CONN, order_ids=[8, 7], expiring_within_days=10))
    assert ok and [o["id"] for o in result["orders"]] == [7]
    assert "expirationDate" not in sent_filter(calls(http, "getSslCertificateRequests")[0])["securityCertificateRequest"]


def test_expiring_within_days_combines_with_status_and_zero_means_today_or_expired(http, run_module):
    catalogue(http)
    account(http)
    http.post(LIST, json=[request(1, 49, expirationDate=in_days(0)), request(2, 49, expirationDate=in_days(1))])
    ok, result = run_module(info.main, dict(CONN, status=["Complete"], expiring_within_days=0))
    assert ok and [o["id"] for o in result["orders"]] == [1]
    sent = sent_filter(calls(http, "getSslCertificateRequests")[0])["securityCertificateRequest"]
    assert set(sent) == {"statusId", "expirationDate"}


def test_every_order_reports_days_left_and_none_before_issue(http, run_module):
    catalogue(http)
    account(http)
    http.post(LIST, json=[request(1, 50), request(2, 43, expirationDate=in_days(364)),
                          request(3, 43, expirationDate="not a date")])
    ok, result = run_module(info.main, CONN)
    assert ok and [o["days_left"] for o in result["orders"]] == [None, 364, None]
    assert "objectFilter" not in calls(http, "getSslCertificateRequests")[0].request.url


@pytest.mark.parametrize("value", [-1, 3651])
def test_a_bad_expiring_within_days_fails_before_any_request(http, run_module, value):
    ok, result = run_module(info.main, dict(CONN, expiring_within_days=value))
    assert not ok and "expiring_within_days must be a number of days from 0 to 3650, got %d" % value in result["msg"]
    assert len(http.calls) == 0


def test_the_expiry_bound_is_midnight_utc_at_least_a_day_after_the_window():
    from ansible_collections.certops.orders.plugins.module_utils._softlayer.provider import expiry_cutoff

    # 2024-01-01T23:00:00Z: 30 days + 1 (the last whole day) + 1 (slack) -> 2024-02-02T23:00, then the
    # next midnight
    assert expiry_cutoff(30, now=1704150000.0) == "2024-02-03T00:00:00.000000+00:00"
    # 2024-01-01T00:00:00Z: 2024-01-03T00:00 exactly, and the next midnight strictly after it
    assert expiry_cutoff(0, now=1704067200.0) == "2024-01-04T00:00:00.000000+00:00"
