# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""softlayer_cert_order against scripted SoftLayer REST conversations."""

import json
import warnings

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from responses import matchers

from ansible_collections.certops.orders.plugins.module_utils._softlayer import provider
from ansible_collections.certops.orders.plugins.module_utils._softlayer.client import PAGE_SIZE, REQUEST_MASK_WITH_CSR
from ansible_collections.certops.orders.plugins.module_utils._softlayer.models import CsrError, csr_identity
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
VALIDATE = REQ + "validateCsr.json"


def make_csr(*cns, sans=(), key=None):
    """A real PEM CSR (EC P-256: fast to make) with the given subject common names and SAN DNS names.

    The length check cryptography makes when building a name is skipped, so that a test can make the
    over-long common names a CSR may carry (a parser reads them; whether they are too long is the CA's call).
    """
    key = key or ec.generate_private_key(ec.SECP256R1())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the length warning that replaces the skipped check
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn, _validate=False) for cn in cns])
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode("ascii")


def rearmour(pem, new=False, eol="\n", width=64, before="", indent=""):
    """The same CSR (same DER) in another PEM dress: NEW armour, CRLF, other line width, text around it."""
    body = "".join(pem.split("-----")[2].split())
    label = "NEW CERTIFICATE REQUEST" if new else "CERTIFICATE REQUEST"
    lines = ["-----BEGIN %s-----" % label] + [body[i:i + width] for i in range(0, len(body), width)] + [
        "-----END %s-----" % label]
    return before + eol.join(indent + line for line in lines) + eol


CSR = make_csr("www.example.com")
#: the same name with another key: another CSR, so another order
OTHER_CSR = make_csr("www.example.com")
ORG = {"name": "Example Corp", "phone": "+1 555 0100",
       "address": {"line1": "1 Main St", "city": "Dallas", "state": "TX", "postal_code": "75001", "country_code": "US"}}
TECH = {"first_name": "Ada", "last_name": "Lovelace", "title": "Ops", "email": "ops@example.com", "phone": "+1 555 0101"}
#: a CSR for shop.example.com with a SAN
SHOP_CSR = make_csr("shop.example.com", sans=["www.shop.example.com"])
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


RAPID = {"itemId": 964, "item": {"keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"}}


def request(req_id, status_id, csr=CSR, order_id=31999001, cn="www.example.com", order_item="rapid"):
    """A certificate request row; ``order_item`` is its masked orderItem (what was ordered: the RapidSSL
    item unless given), None for none."""
    row = {"id": req_id, "commonName": cn, "statusId": status_id, "certificateSigningRequest": csr,
           "approverEmailAddress": "admin@example.com", "order": {"id": order_id}}
    if order_item is not None:
        row["orderItem"] = dict(RAPID) if order_item == "rapid" else order_item
    return row


def base(http):
    """What a run that looks orders up by common name reads first: the status catalogue and the account id
    (a run given order_id reads only the catalogue: ``statuses(http)``)."""
    statuses(http)
    account(http)


def existing(http, *rows, cn="www.example.com"):
    """The lookup by the CSR's common name ``cn``, in any case (``_=``, as softlayer-python's
    SoftLayer/utils.py query_filter filters on a plain string)."""
    http.post(LIST, json=list(rows), match=[matchers.query_param_matcher(
        {"objectFilter": json.dumps({"securityCertificateRequest": {"commonName": {"operation": "_= " + cn}}},
                                    separators=(",", ":"))}, strict_match=False)])


def every_request(http, *rows):
    """The lookup for a CSR without a common name: every request of the account, with its CSR, no filter."""
    http.post(LIST, json=list(rows), match=[matchers.query_param_matcher(
        {"objectMask": REQUEST_MASK_WITH_CSR, "resultLimit": "0,%d" % PAGE_SIZE})])


def by_order(http, *answers):
    """The lookup by billing order id, one answer per poll."""
    flt = json.dumps({"securityCertificateRequest": {"order": {"id": {"operation": "31999001"}}}},
                     separators=(",", ":"))
    for rows in answers:
        http.post(LIST, json=rows, match=[matchers.query_param_matcher({"objectFilter": flt}, strict_match=False)])


def catalogue(http, server_types=True, validate=True):
    """The SSL package and its items, then the server types (not read once the item is unknown), then
    the CA's verdict on the CSR (true unless ``validate`` says otherwise; False: not asked)."""
    http.get(BASE + "SoftLayer_Product_Package/getAllObjects.json", json=[{"id": 210, "name": "SSL Certificates"}])
    http.get(BASE + "SoftLayer_Product_Package/210/getItems.json", json=ITEMS)
    if server_types:
        http.get(BASE + "SoftLayer_Security_Certificate_Request_ServerType/getAllObjects.json",
                 json=[{"id": 1, "name": "apache2"}, {"id": 5, "name": "nginx"}])
        if validate is not False:
            http.post(VALIDATE, json=True if validate is True else validate)


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


#: a billing order other than the receipt's: its request must never be taken for the one just placed
FOREIGN_ORDER = 31999777


def test_a_row_of_another_order_in_the_answer_to_the_order_filter_is_not_adopted(http, run_module, fake_time):
    # The new request is looked up by the receipt's orderId (the securityCertificateRequest.order.id
    # filter of IBM-Cloud/terraform-provider-ibm, ibm/service/classicinfrastructure/
    # resource_ibm_ssl_certificate.go, findSSLByOrderId); a provider that ignores the filter answers
    # other orders' requests. Before, the module took the highest id it was given: request 7 of
    # order 31999777 on the first look, then reported, waited for and resent e-mails for it.
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    foreign = request(7, 43, order_id=FOREIGN_ORDER)
    by_order(http, [foreign], [foreign, request(6, 50)])  # only the second look shows the new request
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is True
    assert result["order"]["id"] == 6 and result["order"]["order_id"] == 31999001
    assert len(calls(http, "getSslCertificateRequests")) == 3  # the CSR lookup, then two looks by order id
    assert fake_time.sleeps  # the search waited between the looks instead of adopting request 7


def test_rows_of_other_orders_only_leave_the_new_request_not_visible_yet(http, run_module):
    # a provider that answers the order filter with other orders' requests only: the search goes on
    # as when nothing is visible yet, and fails reporting the placed order, never adopting request 7
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(7, 43, order_id=FOREIGN_ORDER), dict(request(8, 50), order=None)])
    ok, result = run_module(order_module.main, dict(ORDER, wait_timeout=5))
    assert not ok and result["changed"] is True and result["order"] is None
    assert "order 31999001 was placed (receipt returned) but its certificate request did not appear within 60s" in result["msg"]
    assert result["receipt"]["order_id"] == 31999001
    assert len(calls(http, "getSslCertificateRequests")) > 2 and len(calls(http, "placeOrder")) == 1


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
    catalogue(http, server_types=server_types, validate=False)
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


# -- the CSR as the order's identity ------------------------------------------------------------------------

#: a 200-character common name: its DER length takes the long form (over 127 bytes)
LONG_CN = ".".join(["a" * 60, "b" * 60, "c" * 60, "d" * 5, "example.com"])
#: a private key block on its own (a made-up body: only the armour matters)
EC_KEY_ALONE = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----\n"
#: well-formed base64 that is no CSR (the fake body the tests used before cryptography read CSRs)
NOT_A_REQUEST = "-----BEGIN CERTIFICATE REQUEST-----\nMIICijCCAXICAQAwGjEYMBYGA1UEAwwPd3d3LmV4YW1wbGUuY29t\n-----END CERTIFICATE REQUEST-----\n"


def test_csr_identity_reads_the_cn_the_dns_names_and_a_digest_of_the_der():
    shop = csr_identity(SHOP_CSR)
    assert shop.cn == "shop.example.com" and shop.sans == ("www.shop.example.com",) and len(shop.digest) == 64
    # the digest is of the DER: any PEM dress of the same CSR gives the same one, another key another one
    for dressed in (rearmour(SHOP_CSR, new=True), rearmour(SHOP_CSR, eol="\r\n", width=76),
                    rearmour(SHOP_CSR, before="Certificate Request:\n    Data: ...\n", indent="  ")):
        assert csr_identity(dressed) == shop
    assert csr_identity(CSR).digest != csr_identity(OTHER_CSR).digest
    assert csr_identity(make_csr(sans=["www.example.com"])).cn is None
    assert csr_identity(make_csr(LONG_CN)).cn == LONG_CN  # read whole, not cut at a length byte
    with pytest.raises(CsrError, match="not a PEM certificate signing request"):
        csr_identity(None)


@pytest.mark.parametrize("common_name, csr_cn", [
    ("WWW.Example.COM", "www.example.com"),
    ("www.example.com", "WWW.Example.com"),
    ("www.example.com.", "www.example.com"),
])
def test_a_common_name_differing_in_case_or_a_trailing_dot_finds_the_order_it_placed(http, run_module, common_name, csr_cn):
    """The order is recorded under the CSR's CN, so the lookup filters on the CSR's spelling. Before, it
    filtered on common_name's spelling, never found the order and placed a new one on every run (and a
    trailing dot was refused as not a domain name)."""
    csr = make_csr(csr_cn)
    base(http)
    existing(http, request(5, 43, csr=csr, cn=csr_cn), cn=csr_cn)
    ok, result = run_module(order_module.main, dict(ORDER, common_name=common_name, csr=csr))
    assert ok and result["changed"] is False and result["order"]["id"] == 5, result.get("msg")
    assert not calls(http, "SoftLayer_Product_Order")


def test_a_row_with_the_same_csr_but_a_differently_cased_common_name_is_the_order(http, run_module):
    """Rows are matched on the common name as a DNS name and on the CSR digest, not on the text."""
    base(http)
    existing(http, request(4, 50, csr=OTHER_CSR), request(5, 43, cn="WWW.EXAMPLE.COM"))
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is False and result["order"]["id"] == 5


@pytest.mark.parametrize("dressed", [
    rearmour(CSR, new=True),
    rearmour(CSR, eol="\r\n", width=76),
    rearmour(CSR, before="Certificate Request:\n    Data:\n        Version: 1 (0x0)\n"),
], ids=["new-armour", "crlf-76-columns", "openssl-text-before"])
def test_the_same_csr_in_another_pem_dress_finds_the_same_order(http, run_module, dressed):
    """Before, the PEM text was compared (less whitespace and NEW): a CSR given with the text openssl prints
    before it did not match its own order, and a second order was placed."""
    base(http)
    existing(http, request(5, 43, csr=CSR))
    ok, result = run_module(order_module.main, dict(ORDER, csr=dressed))
    assert ok and result["changed"] is False and result["order"]["id"] == 5
    account(http)  # the status catalogue comes from the cache the first run wrote
    existing(http, request(6, 43, csr=dressed))  # and the other way round: the order's copy is the odd one
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is False and result["order"]["id"] == 6


def test_an_order_whose_csr_does_not_parse_is_skipped_not_a_crash(http, run_module):
    base(http)
    existing(http, request(3, 50, csr=NOT_A_REQUEST), request(4, 50, csr=None), request(5, 43),
             request(6, 50, csr="not a csr at all"))
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is False and result["order"]["id"] == 5


def test_a_csr_without_a_cn_is_accepted_for_one_of_its_dns_names_and_found_by_its_digest(http, run_module):
    """A CSR without a CN: common_name must be one of its SAN DNS names (any case). It gives no name to filter
    on, so every request is read and matched by digest. Before, the filter named common_name."""
    csr = make_csr(sans=["www.example.com", "example.com"])
    base(http)
    every_request(http, request(3, 50, csr=CSR), request(5, 43, csr=csr, cn=None),
                  request(6, 50, csr=make_csr(sans=["www.example.com", "example.com"])))
    ok, result = run_module(order_module.main, dict(ORDER, common_name="Example.COM", csr=csr))
    assert ok and result["changed"] is False and result["order"]["id"] == 5, result.get("msg")


@pytest.mark.parametrize("changes, needle", [
    # a CN over 127 bytes has a long-form DER length, which the old hand-written scan gave up on: the
    # mismatch went unnoticed and the lookup (and an order for the CSR's name) followed
    (dict(csr=make_csr(LONG_CN)), "common_name 'www.example.com' does not match the csr's common name '%s'" % LONG_CN),
    # two CSRs: the old pattern took the first and sent both
    (dict(csr=CSR + OTHER_CSR), "csr holds 2 CERTIFICATE REQUEST blocks: give exactly one"),
    (dict(csr=rearmour(CSR, new=True) + CSR), "csr holds 2 CERTIFICATE REQUEST blocks"),
    (dict(csr=CSR + "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
     "csr holds a CERTIFICATE block besides the CERTIFICATE REQUEST block"),
    # a private key alone was 'not a PEM certificate signing request'; the message now says it was not sent
    (dict(csr=EC_KEY_ALONE), "csr contains a private key block"),
    (dict(csr=CSR + "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"),
     "the private key never leaves your host (nothing was sent)"),
    (dict(csr="-----BEGIN CERTIFICATE REQUEST-----\nMIIC!!notbase64!!\n-----END CERTIFICATE REQUEST-----"),
     "the body of its CERTIFICATE REQUEST block is not base64"),
    # base64 that is no CSR: the old pattern accepted it and the order was looked up and placed with it
    (dict(csr=NOT_A_REQUEST), "does not parse as a PKCS#10 request"),
    (dict(csr="-----BEGIN CERTIFICATE REQUEST-----\n" + CSR.split("-----")[2]), "has no matching '-----END"),
    (dict(csr=make_csr("www.example.com", "shop.example.com")),
     "csr has 2 common names (CN) in its subject ('www.example.com', 'shop.example.com')"),
    (dict(csr=make_csr(sans=["shop.example.com", "example.com"])),
     "common_name 'www.example.com' is not among the csr's DNS names (shop.example.com, example.com)"),
    (dict(csr=make_csr()), "csr has neither a common name (CN) nor DNS names"),
], ids=["long-cn", "two-csrs", "two-armours", "csr-and-certificate", "private-key-alone", "csr-and-private-key",
        "bad-base64", "base64-not-a-csr", "no-end-line", "two-cns", "no-cn-san-mismatch", "no-names"])
def test_a_csr_that_is_not_exactly_one_readable_request_for_common_name_is_refused_before_any_request(
        http, run_module, changes, needle):
    ok, result = run_module(order_module.main, dict(ORDER, **changes))
    assert not ok and needle in result["msg"], result["msg"]
    assert result["changed"] is False and "exception" not in result
    assert len(http.calls) == 0


def test_the_csr_is_sent_as_its_one_block_in_the_standard_armour(http, run_module):
    """What is ordered is the CSR's DER; the text outside the block, NEW and CRLF stay home (before, the
    value was sent as given)."""
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(6, 50)])
    ok, result = run_module(order_module.main, dict(ORDER, csr=rearmour(CSR, new=True, eol="\r\n", before="CSR:\n")))
    assert ok and result["changed"] is True
    container = json.loads(calls(http, "placeOrder")[0].request.body)["parameters"][0]
    assert container["certificateSigningRequest"] == CSR


def test_missing_cryptography_is_reported_with_missing_required_lib(http, run_module, monkeypatch):
    requirements = provider.SoftLayerOrder.requirements
    assert "cryptography" not in [name for name, _present, _error in provider.SoftLayerInfo.requirements]
    monkeypatch.setattr(provider.SoftLayerOrder, "requirements",
                        tuple((name, present and name != "cryptography", error) for name, present, error in requirements))
    ok, result = run_module(order_module.main, ORDER)
    assert not ok and "Failed to import the required Python library (cryptography)" in result["msg"]
    assert len(http.calls) == 0


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
    account(http)  # the status catalogue comes from the cache the first run wrote
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
    account(http)  # the status catalogue comes from the cache the first run wrote
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
    record["since"] -= 121  # SoftLayer's record window is two minutes
    path.write_text(json.dumps(record))
    http.reset()
    account(http)  # the status catalogue comes from the cache the first run wrote
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(9, 50)])
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is True and result["order"]["id"] == 9
    assert len(calls(http, "placeOrder")) == 1
    assert any("no such order appeared within 120s, so that call placed nothing" in w for w in warnings)
    assert json.loads(path.read_text())["state"] == "done"


def test_check_mode_and_order_ids_never_touch_the_journal(http, run_module, journal_dir):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    ok, result = run_module(order_module.main, ORDER, check_mode=True)
    assert ok and result["changed"] is True and not journal_dir.exists()


# -- validateCsr before anything is ordered ---------------------------------------------------------

def test_the_csr_is_validated_with_the_item_id_before_verify_and_place(http, run_module, fake_time):
    # Terraform's resource calls validateCsr(csr, validityMonths, itemId, serverType) with the id of the
    # catalogue item it found by keyName (not the price id), before verifyOrder and placeOrder, and fails
    # on anything but true (IBM-Cloud/terraform-provider-ibm,
    # ibm/service/classicinfrastructure/resource_ibm_ssl_certificate.go, resourceIBMSSLCertificateCreate).
    # softlayer-python has no certificate-request code to compare with (only stored certificates).
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    http.post(PLACE, json=RECEIPT)
    by_order(http, [request(6, 50)])
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is True and result["order"]["id"] == 6
    validate = calls(http, "validateCsr")
    assert len(validate) == 1 and validate[0].request.method == "POST"
    csr, months, item_id, server_type = json.loads(validate[0].request.body)["parameters"]
    container = json.loads(calls(http, "placeOrder")[0].request.body)["parameters"][0]
    assert (csr, months, item_id, server_type) == (container["certificateSigningRequest"], 12, 964, "nginx")
    urls = [c.request.url for c in http.calls]
    assert urls.index(validate[0].request.url) < urls.index(calls(http, "verifyOrder")[0].request.url)
    # what a placement costs now: statuses, account, the lookup by CN, package, items, server types,
    # validateCsr, verifyOrder, placeOrder and one look-up by billing order id
    assert len(http.calls) == 10


def test_a_two_year_item_is_validated_for_24_months(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    ok, result = run_module(order_module.main, dict(ORDER, item_key_name="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"),
                            check_mode=True)
    assert ok
    assert json.loads(calls(http, "validateCsr")[0].request.body)["parameters"][1:] == [24, 967, "nginx"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_csr_the_provider_refuses_fails_and_nothing_is_ordered(http, run_module, check_mode):
    base(http)
    existing(http)
    catalogue(http, validate=False)
    http.post(VALIDATE, body="false", content_type="application/json")
    ok, result = run_module(order_module.main, ORDER, check_mode=check_mode)
    assert not ok and result["changed"] is False
    assert "the provider refused the csr for www.example.com" in result["msg"]
    assert "validateCsr answered false for item SSL_CERTIFICATE_RAPIDSSL_1_YEAR (id 964), 12 months" in result["msg"]
    assert "Nothing was ordered" in result["msg"]
    assert not calls(http, "SoftLayer_Product_Order")  # neither verifyOrder nor placeOrder


def test_a_softlayer_exception_from_validatecsr_refuses_the_csr_and_nothing_is_ordered(http, run_module):
    base(http)
    existing(http)
    catalogue(http, validate=False)
    http.post(VALIDATE, status=500, json={"error": "The CSR key size must be at least 2048 bits.",
                                          "code": "SoftLayer_Exception_InvalidValue"})
    ok, result = run_module(order_module.main, ORDER)
    assert not ok and result["changed"] is False
    assert result["provider_code"] == "SoftLayer_Exception_InvalidValue" and "validateCsr" in result["http_url"]
    assert "the provider refused the csr for www.example.com" in result["msg"]
    assert "SoftLayer_Exception_InvalidValue: The CSR key size must be at least 2048 bits" in result["msg"]
    assert "Nothing was ordered" in result["msg"]
    assert len(calls(http, "validateCsr")) == 1  # a refusal is final, not retried
    assert not calls(http, "SoftLayer_Product_Order")


def test_validatecsr_is_a_read_retried_on_the_rate_limit(http, run_module, fake_time):
    base(http)
    existing(http)
    catalogue(http, validate=False)
    http.post(VALIDATE, status=500, json={"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
                                          "code": "SoftLayer_Exception_WebService_RateLimitExceeded"})
    http.post(VALIDATE, json=True)
    http.post(VERIFY, json=VERIFIED)
    ok, result = run_module(order_module.main, ORDER, check_mode=True)
    assert ok and result["receipt"]["placed"] is False
    assert len(calls(http, "validateCsr")) == 2


def test_a_validatecsr_that_keeps_failing_says_the_csr_was_not_checked_not_refused(http, run_module, fake_time):
    base(http)
    existing(http)
    catalogue(http, validate=False)
    http.post(VALIDATE, status=503, body="<html>unavailable</html>")
    ok, result = run_module(order_module.main, dict(ORDER, retries=1))
    assert not ok and "could not be checked and nothing was ordered" in result["msg"]
    assert "refused" not in result["msg"]
    assert not calls(http, "SoftLayer_Product_Order")


def test_check_mode_validates_the_csr_beside_verify_order(http, run_module):
    base(http)
    existing(http)
    catalogue(http)
    http.post(VERIFY, json=VERIFIED)
    ok, result = run_module(order_module.main, ORDER, check_mode=True)
    assert ok and result["changed"] is True and result["receipt"]["placed"] is False
    assert len(calls(http, "validateCsr")) == 1 and len(calls(http, "verifyOrder")) == 1
    assert not calls(http, "placeOrder")


@pytest.mark.parametrize("item, months", [
    (dict(keyName="SSL_CERTIFICATE_RAPIDSSL_1_YEAR", capacity="1", units="YEAR"), 12),
    (dict(keyName="X", capacity=2, units="YEARS"), 24),
    (dict(keyName="X", capacity="18", units="MONTHS"), 18),
    (dict(keyName="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"), 24),
    (dict(keyName="SSL_CERTIFICATE_EV_3_YEARS", capacity="0", units="YEAR"), 36),
    (dict(keyName="SSL_CERTIFICATE_WILDCARD"), None),
    (dict(keyName=None, capacity="x", units="YEAR"), None),
])
def test_the_validity_validatecsr_needs_comes_from_the_item(item, months):
    from ansible_collections.certops.orders.plugins.module_utils._softlayer import models

    assert models.validity_months(models.CatalogueItem.model_validate(item)) == months


def test_an_item_without_a_known_validity_fails_before_validatecsr(http, run_module):
    base(http)
    existing(http)
    http.get(BASE + "SoftLayer_Product_Package/getAllObjects.json", json=[{"id": 210, "name": "SSL Certificates"}])
    http.get(BASE + "SoftLayer_Product_Package/210/getItems.json",
             json=[{"id": 970, "keyName": "SSL_CERTIFICATE_WILDCARD", "prices": [{"id": 1850}]}])
    http.get(BASE + "SoftLayer_Security_Certificate_Request_ServerType/getAllObjects.json", json=[{"id": 5, "name": "nginx"}])
    ok, result = run_module(order_module.main, dict(ORDER, item_key_name="SSL_CERTIFICATE_WILDCARD"))
    assert not ok and "does not say how long item SSL_CERTIFICATE_WILDCARD is valid" in result["msg"]
    assert "nothing was ordered" in result["msg"]
    assert not calls(http, "validateCsr") and not calls(http, "SoftLayer_Product_Order")


# -- the item of an existing order cannot change ------------------------------------------------------

@pytest.mark.parametrize("check_mode", [False, True])
def test_another_item_key_name_for_an_existing_order_fails_and_orders_nothing(http, run_module, check_mode):
    base(http)
    existing(http, request(5, 43))  # placed for SSL_CERTIFICATE_RAPIDSSL_1_YEAR
    ok, result = run_module(order_module.main, dict(ORDER, item_key_name="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"),
                            check_mode=check_mode)
    assert not ok and result["changed"] is False
    assert ("order 5 for www.example.com was placed for item SSL_CERTIFICATE_RAPIDSSL_1_YEAR, and a placed order's "
            "item cannot change: item_key_name SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR cannot be reached") in result["msg"]
    assert "Nothing was changed or ordered" in result["msg"] and "use a new CSR" in result["msg"]
    assert not calls(http, "SoftLayer_Product")


def test_the_same_item_key_name_for_an_existing_order_is_unchanged_without_a_warning(http, run_module, warnings):
    base(http)
    existing(http, request(5, 43))
    ok, result = run_module(order_module.main, ORDER)
    assert ok and result["changed"] is False and result["order"]["item_key_name"] == "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"
    assert result["order"]["item_id"] == 964 and not warnings
    assert not calls(http, "SoftLayer_Product")


def test_an_order_item_without_its_key_name_is_named_by_the_catalogue(http, run_module):
    base(http)
    existing(http, request(5, 43, order_item={"itemId": 964}))
    http.get(BASE + "SoftLayer_Product_Package/getAllObjects.json", json=[{"id": 210, "name": "SSL Certificates"}])
    http.get(BASE + "SoftLayer_Product_Package/210/getItems.json", json=ITEMS)
    ok, result = run_module(order_module.main, dict(ORDER, item_key_name="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"))
    assert not ok and "was placed for item SSL_CERTIFICATE_RAPIDSSL_1_YEAR" in result["msg"]
    assert not calls(http, "SoftLayer_Product_Order")


def test_an_order_whose_record_names_no_item_is_kept_with_a_warning(http, run_module, warnings):
    base(http)
    existing(http, request(5, 43, order_item=None))
    ok, result = run_module(order_module.main, dict(ORDER, item_key_name="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"))
    assert ok and result["changed"] is False and result["order"]["item_key_name"] is None
    assert any("order 5 does not say which item it was placed for" in w and "was not compared" in w for w in warnings)


def test_an_order_named_by_id_is_compared_too_and_cancel_ignores_the_item(http, run_module):
    statuses(http)
    http.get(REQ + "5/getObject.json", json=request(5, 50))
    ok, result = run_module(order_module.main, dict(CONN, order_id=5, item_key_name="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"))
    assert not ok and "was placed for item SSL_CERTIFICATE_RAPIDSSL_1_YEAR" in result["msg"]
    # canceling names the order to cancel: which item it was placed for does not matter (the status
    # catalogue comes from the cache the first run wrote)
    http.get(REQ + "5/getObject.json", json=request(5, 50))
    ok, result = run_module(order_module.main, dict(CONN, order_id=5, state="canceled", item_key_name="SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR"),
                            check_mode=True)
    assert ok and result["changed"] is True
