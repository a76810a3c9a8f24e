# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""softlayer_cert_order against scripted SoftLayer REST conversations."""

import json

import pytest
import requests
from responses import matchers

from ansible_collections.certops.orders.plugins.module_utils._softlayer.provider import csr_common_name
from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order as order_module
from ansible_collections.certops.orders.tests.unit.plugins.modules.softlayer_conversation import (
    BASE,
    CONN,
    LIST,
    REQ,
    account,
    calls,
    catalogue as statuses,
)

VERIFY = BASE + "SoftLayer_Product_Order/verifyOrder.json"
PLACE = BASE + "SoftLayer_Product_Order/placeOrder.json"
CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIICijCCAXICAQAwGjEYMBYGA1UEAwwPd3d3LmV4YW1wbGUuY29t\n-----END CERTIFICATE REQUEST-----\n"
OTHER_CSR = CSR.replace("MIICij", "MIICik")
ORG = {"name": "Example Corp", "phone": "+1 555 0100",
       "address": {"line1": "1 Main St", "city": "Dallas", "state": "TX", "postal_code": "75001", "country_code": "US"}}
TECH = {"first_name": "Ada", "last_name": "Lovelace", "title": "Ops", "email": "ops@example.com", "phone": "+1 555 0101"}
#: a real CSR (EC P-256) for shop.example.com with a SAN, to read its subject common name from
SHOP_CSR = """-----BEGIN CERTIFICATE REQUEST-----
MIIBKzCB0wIBADA/MQswCQYDVQQGEwJVUzEVMBMGA1UECgwMRXhhbXBsZSBDb3Jw
MRkwFwYDVQQDDBBzaG9wLmV4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEYt5v3Wf5LZrgJuisokrLc5d6uLjIrEeH1Pdfoi2dewwLWhW4UqU/LVST
bwj3g1CIS+495JtM4WfNcFIx7EEh5qAyMDAGCSqGSIb3DQEJDjEjMCEwHwYDVR0R
BBgwFoIUd3d3LnNob3AuZXhhbXBsZS5jb20wCgYIKoZIzj0EAwIDRwAwRAIgHPNN
2T6uYPWwc+z8tnv8HGnk9ti8jLr/PD79IqpqjhwCICF19lmLqJHmIFIPf4O5v1/Q
rNuNkNzhE0FrVGNNuwFX
-----END CERTIFICATE REQUEST-----
"""
ORDER = dict(CONN, common_name="www.example.com", csr=CSR, item_key_name="SSL_CERTIFICATE_RAPIDSSL_1_YEAR",
             server_type="nginx", approver_email="admin@example.com", organization=ORG, technical_contact=TECH)
ITEMS = [{"id": 964, "keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", "description": "RapidSSL - 1 year",
          "prices": [{"id": 1836}]},
         {"id": 967, "keyName": "SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR", "description": "QuickSSL",
          "prices": [{"id": 1839}]}]
VERIFIED = {"complexType": "SoftLayer_Container_Product_Order_Security_Certificate", "packageId": 210,
            "currencyShortName": "USD", "validityMonths": 12, "postTaxSetup": "19", "postTaxRecurring": "0",
            "proratedOrderTotal": "19",
            "prices": [{"id": 1836, "setupFee": "19", "recurringFee": "0",
                        "item": {"id": 964, "keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR",
                                 "description": "RapidSSL - 1 year"}}]}
RECEIPT = {"orderId": 31999001, "orderDate": "2023-11-02T09:13:55-06:00", "orderDetails": VERIFIED,
           "placedOrder": {"id": 31999001, "status": "PENDING_AUTO_APPROVAL"}}


def request(req_id, status_id, csr=CSR, order_id=31999001, cn="www.example.com"):
    return {"id": req_id, "commonName": cn, "statusId": status_id, "certificateSigningRequest": csr,
            "approverEmailAddress": "admin@example.com", "order": {"id": order_id}}


def base(http):
    """What a run that looks orders up by common name reads first: the status catalogue and the account id
    (a run given order_id reads only the catalogue: ``statuses(http)``)."""
    statuses(http)
    account(http)


def existing(http, *rows):
    """The lookup by common name."""
    http.post(LIST, json=list(rows), match=[matchers.query_param_matcher(
        {"objectFilter": json.dumps({"securityCertificateRequest": {"commonName": {"operation": "www.example.com"}}},
                                    separators=(",", ":"))}, strict_match=False)])


def by_order(http, *answers):
    """The lookup by billing order id, one answer per poll."""
    flt = json.dumps({"securityCertificateRequest": {"order": {"id": {"operation": "31999001"}}}},
                     separators=(",", ":"))
    for rows in answers:
        http.post(LIST, json=rows, match=[matchers.query_param_matcher({"objectFilter": flt}, strict_match=False)])


def catalogue(http, server_types=True):
    """The SSL package and its items, then the server types (not read once the item is unknown)."""
    http.get(BASE + "SoftLayer_Product_Package/getAllObjects.json", json=[{"id": 210, "name": "SSL Certificates"}])
    http.get(BASE + "SoftLayer_Product_Package/210/getItems.json", json=ITEMS)
    if server_types:
        http.get(BASE + "SoftLayer_Security_Certificate_Request_ServerType/getAllObjects.json",
                 json=[{"id": 1, "name": "apache2"}, {"id": 5, "name": "nginx"}])


def test_existing_order_for_the_same_cn_and_csr_is_not_placed_again(http, run_module):
    base(http)
    existing(http, request(5, 43, csr=CSR.replace("\n", "\r\n")))
    ok, result = run_module(order_module.main, ORDER, diff=True)
    assert ok and result["changed"] is False and result["order"]["id"] == 5
    assert result["diff"]["before"] == result["diff"]["after"]
    assert not calls(http, "SoftLayer_Product_Order") and not calls(http, "getItems")


def test_missing_order_is_verified_placed_once_and_found_by_billing_order_id(http, run_module, fake_time):
    base(http)
    existing(http, request(4, 51), request(3, 43, csr=OTHER_CSR))  # canceled, and another key's order
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [], [], [request(6, 50)])  # the request appears on the third look
    ok, result = run_module(order_module.main, ORDER, diff=True)
    assert ok and result["changed"] is True
    assert result["order"]["id"] == 6 and result["order"]["status"] == "Pending CA Approval"
    assert result["receipt"]["placed"] is True and result["receipt"]["order_id"] == 31999001
    assert result["receipt"]["ordered_items"][0]["item_key_name"] == "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"
    assert result["receipt"]["totals"] == {"setup": "19", "recurring": "0", "prorated_total": "19"}
    assert result["diff"] == {"before": None, "after": {"id": 6, "common_name": "www.example.com",
                                                        "status": "Pending CA Approval", "order_id": 31999001}}
    assert len(calls(http, "placeOrder")) == 1
    container, save_as_quote = json.loads(calls(http, "placeOrder")[0].request.body)["parameters"]
    assert save_as_quote is False
    assert container["complexType"] == "SoftLayer_Container_Product_Order_Security_Certificate"
    assert container["packageId"] == 210 and container["prices"] == [{"id": 1836}] and container["quantity"] == 1
    assert container["serverType"] == "nginx" and container["orderApproverEmailAddress"] == "admin@example.com"
    assert container["renewalFlag"] is False
    org_address = {"addressLine1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001",
                   "countryCode": "US"}
    assert container["organizationInformation"] == {
        "organizationName": "Example Corp", "phoneNumber": "+1 555 0100", "address": org_address}
    # the documented fallbacks: tech address <- organization, admin and billing <- technical contact
    assert container["technicalContact"]["address"] == org_address
    assert container["technicalContact"]["organizationName"] == "Example Corp"
    assert container["administrativeContact"] == container["technicalContact"] == container["billingContact"]
    assert json.loads(calls(http, "verifyOrder")[0].request.body)["parameters"] == [container]


def test_check_mode_verifies_only_and_says_what_would_be_ordered(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    ok, result = run_module(order_module.main, ORDER, check_mode=True, diff=True)
    assert ok and result["changed"] is True and result["order"] is None
    assert result["receipt"]["placed"] is False and result["receipt"]["order_id"] is None
    assert result["receipt"]["ordered_items"][0]["price_id"] == 1836
    assert result["diff"]["before"] is None and result["diff"]["after"]["common_name"] == "www.example.com"
    assert len(calls(http, "verifyOrder")) == 1 and not calls(http, "placeOrder")


def test_place_order_timeout_is_never_retried_and_is_reconciled_by_lookup(http, run_module, warnings):
    base(http)
    existing(http)  # nothing before the attempt
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, body=requests.exceptions.ReadTimeout("read timed out"))
    existing(http, request(8, 50))  # the order went through after all
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is True and result["order"]["id"] == 8 and result["receipt"] is None
    assert len(calls(http, "placeOrder")) == 1
    assert any("placeOrder failed without a clear answer" in w and "request 8 for www.example.com exists now" in w
               and "not sent again" in w for w in warnings)


def test_ambiguous_failure_without_the_order_appearing_fails_without_ordering_again(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, status=502, body="<html>Bad gateway</html>")
    ok, result = run_module(order_module.main, dict(ORDER, wait_timeout=10))
    assert not ok and "may or may not have been placed" in result["msg"] and "HTTP 502" in result["msg"]
    assert len(calls(http, "placeOrder")) == 1 and len(calls(http, "getSslCertificateRequests")) >= 3


def test_a_refused_order_fails_at_once_with_the_providers_code(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, status=500, json={"error": "The approver e-mail must be at the domain.",
                                        "code": "SoftLayer_Exception_Order"})
    ok, result = run_module(order_module.main, ORDER)
    assert not ok and result["provider_code"] == "SoftLayer_Exception_Order" and result["http_status"] == 500
    assert "approver e-mail must be at the domain" in result["msg"] and "verifyOrder" in result["http_url"]
    assert len(calls(http, "verifyOrder")) == 1 and not calls(http, "placeOrder")


def test_a_rate_limited_place_order_was_refused_not_ambiguous_so_it_fails_at_once(http, run_module, fake_time):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, status=500, json={"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
                                       "code": "SoftLayer_Exception_WebService_RateLimitExceeded"})
    ok, result = run_module(order_module.main, ORDER)
    assert not ok and result["provider_code"] == "SoftLayer_Exception_WebService_RateLimitExceeded"
    assert "may or may not" not in result["msg"] and result["changed"] is False
    assert len(calls(http, "placeOrder")) == 1 and fake_time.now < 5  # no lookup for an order that was refused


def test_request_that_never_appears_reports_the_billing_order_id(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [])
    ok, result = run_module(order_module.main, dict(ORDER, wait_timeout=5))
    assert not ok and "order 31999001 was placed" in result["msg"] and "the order journal keeps a re-run of this task from ordering again" in result["msg"]
    assert result["changed"] is True and result["receipt"]["order_id"] == 31999001 and result["order"] is None
    assert "http_status" not in result  # not an HTTP failure
    assert len(calls(http, "placeOrder")) == 1
    # a short wait_timeout does not cut the search short: the request may appear some seconds after placeOrder
    assert "within 60s" in result["msg"]


def test_the_search_for_the_new_request_comes_off_the_wait_budget(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [], [], [], [request(6, 50)])  # found after 3 s of fake time
    http.get(REQ + "6/getObject.json", json=request(6, 50))
    ok, result = run_module(order_module.main, dict(ORDER, wait_for=["Approved"], wait_timeout=10))
    assert not ok and result["changed"] is True and "Timed out" in result["msg"]
    assert 6.9 <= result["wait"]["elapsed"] <= 7.1  # 10 s in all, 3 of them spent finding the request


@pytest.mark.parametrize("changes, needle, server_types", [
    (dict(item_key_name="SSL_CERTIFICATE_NOPE"), "valid names are: SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR, "
                                                 "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", False),
    (dict(server_type="lighttpd"), "valid names are: apache2, nginx", True),
])
def test_unknown_catalogue_names_fail_before_any_order_call(http, run_module, changes, needle, server_types):
    base(http)
    existing(http)
    catalogue(http, server_types=server_types)
    ok, result = run_module(order_module.main, dict(ORDER, **changes))
    assert not ok and needle in result["msg"]
    assert not calls(http, "SoftLayer_Product_Order")


@pytest.mark.parametrize("changes, needle", [
    (dict(csr="www.example.com.csr"), "not a PEM certificate signing request"),
    (dict(common_name="not a name"), "not a fully qualified domain name"),
    (dict(state="canceled", resend_email="approver"), "resend_email only applies to state=present"),
    (dict(csr=CSR + "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"),
     "csr contains a private key block"),
    (dict(common_name="www.example.com", csr=SHOP_CSR),
     "common_name 'www.example.com' does not match the csr's common name 'shop.example.com'"),
    (dict(approver_email="admin-at-example.com"), "approver_email 'admin-at-example.com' is not an e-mail"),
    (dict(wait_sleep=0), "wait_sleep must be between 1 and 3600 seconds, got 0"),
    (dict(timeout=10 ** 12), "timeout must be between 1 and 3600 seconds"),
    (dict(wait_timeout=-1), "wait_timeout must be between 0 and 2678400 seconds, got -1"),
    (dict(retries=-1), "retries must be between 0 and 100 retries, got -1"),
    (dict(fail_on=["Canceled"]), "fail_on only applies together with wait_for"),
])
def test_bad_input_fails_clearly_before_any_request_and_never_orders(http, run_module, changes, needle):
    # option checks need no answer, so they come before the first request: a typo costs no call
    # (the old code read the status catalogue first, and wait_sleep=0 made the search for a placed
    # order poll without a pause)
    ok, result = run_module(order_module.main, dict(ORDER, **changes))
    assert not ok and needle in result["msg"], result["msg"]
    assert result["changed"] is False
    assert len(http.calls) == 0


def test_a_bad_order_id_fails_before_any_request(http, run_module):
    ok, result = run_module(order_module.main, dict(CONN, order_id=0))
    assert not ok and "order_id is a positive integer, got 0" in result["msg"]
    assert len(http.calls) == 0


@pytest.mark.parametrize("changes, needle", [
    (dict(technical_contact=None), "placing one needs technical_contact"),
    (dict(item_key_name=None, server_type=None), "placing one needs item_key_name, server_type"),
    (dict(resend_email="fulfillment"), "resend_email=fulfillment needs an Approved or Complete order"),
])
def test_what_placing_needs_is_checked_after_the_lookup_and_never_orders(http, run_module, changes, needle):
    base(http)
    existing(http)  # no order yet: only placing one needs these
    ok, result = run_module(order_module.main, dict(ORDER, **changes))
    assert not ok and needle in result["msg"], result["msg"]
    assert not calls(http, "SoftLayer_Product")  # neither the product catalogue nor an order call


@pytest.mark.parametrize("args, needle", [
    (dict(CONN, csr=CSR), "common_name"),
    (dict(CONN, order_id=5, common_name="www.example.com", csr=CSR), "mutually exclusive"),
    (dict(CONN, order_id=5, resend_email="everyone"), "resend_email"),
    (dict(CONN, order_id=5, state="absent"), "state"),
])
def test_option_combinations_are_checked_by_the_argument_spec(http, run_module, args, needle):
    ok, result = run_module(order_module.main, args)
    assert len(http.calls) == 0
    assert not ok and needle in result["msg"]


def test_cancel_a_pending_order_by_id(http, run_module):
    statuses(http)  # by order_id: no account id needed
    http.get(REQ + "7/getObject.json", json=request(7, 50))
    http.get(REQ + "7/cancelSslOrder.json", json=True)
    http.get(REQ + "7/getObject.json", json=request(7, 51))
    ok, result = run_module(order_module.main, dict(CONN, order_id=7, state="canceled"), diff=True)
    assert ok and result["changed"] is True and result["order"]["status"] == "Canceled"
    assert result["diff"]["before"]["status"] == "Pending CA Approval" and result["diff"]["after"]["status"] == "Canceled"
    assert len(calls(http, "cancelSslOrder")) == 1


def test_cancel_found_by_common_name_and_csr_in_check_mode_changes_nothing(http, run_module):
    base(http)
    existing(http, request(7, 50))
    ok, result = run_module(order_module.main, dict(CONN, common_name="www.example.com", csr=CSR, state="canceled"),
                            check_mode=True)
    assert ok and result["changed"] is True and not calls(http, "cancelSslOrder")


def test_cancel_of_a_canceled_order_is_unchanged_and_of_nothing_is_unchanged(http, run_module):
    base(http)
    http.get(REQ + "7/getObject.json", json=request(7, 51))
    ok, result = run_module(order_module.main, dict(CONN, order_id=7, state="canceled"))
    assert ok and result["changed"] is False and result["order"]["status"] == "Canceled"
    existing(http)
    ok, result = run_module(order_module.main, dict(CONN, common_name="www.example.com", csr=CSR, state="canceled"))
    assert ok and result["changed"] is False and result["order"] is None
    assert not calls(http, "cancelSslOrder")


def test_cancel_of_an_approved_order_fails_saying_only_pending_orders_can_be(http, run_module):
    statuses(http)
    http.get(REQ + "7/getObject.json", json=request(7, 43))
    ok, result = run_module(order_module.main, dict(CONN, order_id=7, state="canceled"))
    assert not ok and "order 7 is Approved" in result["msg"]
    assert "only orders in Pending CA Approval can be canceled" in result["msg"]
    assert not calls(http, "cancelSslOrder")


def test_cancel_that_fails_ambiguously_is_re_read_not_resent(http, run_module):
    statuses(http)
    http.get(REQ + "7/getObject.json", json=request(7, 50))
    http.get(REQ + "7/cancelSslOrder.json", body=requests.exceptions.ConnectionError("connection reset"))
    http.get(REQ + "7/getObject.json", json=request(7, 51))
    ok, result = run_module(order_module.main, dict(CONN, order_id=7, state="canceled"))
    assert ok and result["changed"] is True and result["order"]["status"] == "Canceled"
    assert len(calls(http, "cancelSslOrder")) == 1


@pytest.mark.parametrize("kind, status_id, email_type", [
    ("approver", 50, "ApproverEmail"),
    ("fulfillment", 49, "FulfillmentEmail"),
])
def test_resend_email_in_a_status_where_it_makes_sense(http, run_module, kind, status_id, email_type):
    statuses(http)
    http.get(REQ + "7/getObject.json", json=request(7, status_id))
    http.post(REQ + "7/resendEmail.json", json=True)
    ok, result = run_module(order_module.main, dict(CONN, order_id=7, resend_email=kind))
    assert ok and result["changed"] is True and result["email_resent"] == email_type
    assert json.loads(calls(http, "resendEmail")[0].request.body) == {"parameters": [email_type]}


@pytest.mark.parametrize("kind, status_id, needle", [
    ("fulfillment", 50, "resend_email=fulfillment needs the order in Approved or Complete; order 7 is Pending CA Approval"),
    ("approver", 43, "resend_email=approver needs the order in Pending CA Approval; order 7 is Approved"),
])
def test_resend_email_in_the_wrong_status_fails_clearly(http, run_module, kind, status_id, needle):
    statuses(http)
    http.get(REQ + "7/getObject.json", json=request(7, status_id))
    ok, result = run_module(order_module.main, dict(CONN, order_id=7, resend_email=kind))
    assert not ok and needle in result["msg"] and not calls(http, "resendEmail")


def test_place_then_wait_for_approved(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(6, 50)])
    http.get(REQ + "6/getObject.json", json=request(6, 50))
    http.get(REQ + "6/getObject.json", json=request(6, 43))
    ok, result = run_module(order_module.main, dict(ORDER, wait_for=["Approved"]))
    assert ok and result["changed"] and result["order"]["status"] == "Approved" and result["wait"]["polls"] == 2


def test_rejection_during_the_wait_fails_but_still_reports_the_placed_order(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(6, 50)])
    http.get(REQ + "6/getObject.json", json=request(6, 51))
    ok, result = run_module(order_module.main, dict(ORDER, wait_for=["Complete"]))
    assert not ok and result["changed"] is True and "failure status Canceled" in result["msg"]
    assert result["order"]["id"] == 6 and result["receipt"]["order_id"] == 31999001
    assert len(calls(http, "placeOrder")) == 1


def test_the_csr_common_name_is_read_from_the_der_and_unreadable_csrs_give_none():
    assert csr_common_name(SHOP_CSR) == "shop.example.com"
    assert csr_common_name(SHOP_CSR.replace("\n", "\r\n")) == "shop.example.com"
    assert csr_common_name("not a csr") is None
    assert csr_common_name(None) is None


# -- the order journal ---------------------------------------------------------------------------------
def place_fails_ambiguously(http):
    """A run that reaches placeOrder and gets a 503: the order may or may not have been placed."""
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, status=503, json={"error": "Service Unavailable"})


def entry_file(journal_dir):
    (found,) = [p for p in journal_dir.iterdir() if p.suffix == ".json"]
    return found


def test_an_unclear_placeorder_answer_searches_a_minute_not_the_whole_budget_and_leaves_an_open_intent(
        http, run_module, fake_time, journal_dir):
    # before: a 5xx on placeOrder turned into a silent search of the whole wait_timeout (600 s)
    place_fails_ambiguously(http)
    ok, result = run_module(order_module.main, ORDER)
    assert not ok and "HTTP 503" in result["msg"] and "appeared within 60s" in result["msg"]
    assert 60 <= fake_time.now < 90
    assert len(calls(http, "placeOrder")) == 1
    assert json.loads(entry_file(journal_dir).read_text())["state"] == "intent"


def test_a_run_after_an_unclear_placeorder_never_posts_while_the_order_may_still_appear(http, run_module, journal_dir):
    # before: the next run found no order and placed a second one
    place_fails_ambiguously(http)
    run_module(order_module.main, ORDER)
    http.reset()
    base(http)
    existing(http)  # still nothing visible
    ok, result = run_module(order_module.main, dict(ORDER, wait_timeout=20))
    assert not ok and "Nothing was ordered: the order may still appear" in result["msg"]
    assert "its answer was never recorded" in result["msg"] and str(entry_file(journal_dir)) in result["msg"]
    assert not calls(http, "placeOrder") and not calls(http, "verifyOrder")
    assert result["changed"] is False


def test_a_run_after_an_unclear_placeorder_takes_the_order_that_appeared(http, run_module, warnings, journal_dir):
    place_fails_ambiguously(http)
    run_module(order_module.main, ORDER)
    http.reset()
    base(http)
    existing(http, request(8, 50))  # the earlier call went through after all
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is False and result["order"]["id"] == 8
    assert not calls(http, "placeOrder")
    assert any("its answer was never recorded" in w and "not ordered again" in w for w in warnings)
    record = json.loads(entry_file(journal_dir).read_text())
    assert record["state"] == "done" and record["order_id"] == 8


def test_an_intent_older_than_the_record_window_with_no_order_is_settled_and_the_order_placed(
        http, run_module, warnings, journal_dir):
    place_fails_ambiguously(http)
    run_module(order_module.main, ORDER)
    path = entry_file(journal_dir)
    record = json.loads(path.read_text())
    record["since"] -= 601  # SoftLayer's record window is ten minutes
    path.write_text(json.dumps(record))
    http.reset()
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(9, 50)])
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is True and result["order"]["id"] == 9
    assert len(calls(http, "placeOrder")) == 1
    assert any("no such order appeared within 600s, so that call placed nothing" in w for w in warnings)
    assert json.loads(path.read_text())["state"] == "done"


def test_check_mode_and_order_ids_never_touch_the_journal(http, run_module, journal_dir):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    ok, result = run_module(order_module.main, ORDER, check_mode=True)
    assert ok and result["changed"] is True and not journal_dir.exists()
