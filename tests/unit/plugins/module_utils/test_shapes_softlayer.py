# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: whatever JSON a SoftLayer endpoint answers, the models and every provider path
that reads it end in a result or a clean failure (ApiError, OptionError, TaskFailed: exactly what
the runners report without a traceback), never in a KeyError, TypeError or AttributeError.

Each example gives one endpoint an arbitrary body (or its good sample with one field changed or
removed) while the others answer their good samples, so the code gets past the first read."""

import json
from unittest import mock

import pytest
from hypothesis import given, strategies as st

from ansible_collections.certops.orders.plugins.module_utils import _wait
from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl, models
from ansible_collections.certops.orders.plugins.module_utils._softlayer import provider as slp
from ansible_collections.certops.orders.tests.unit.plugins.fake_seam import FakeModule, FakeSeam, softlayer_key
from ansible_collections.certops.orders.tests.unit.plugins.json_shapes import (
    PER_ENDPOINT,
    PROPERTY,
    bodies,
    every_reader_test,
    outcome,
)
from ansible_collections.certops.orders.tests.unit.plugins.modules.test_softlayer_cert_order import make_csr
from ansible_collections.certops.orders.tests.unit.plugins.support import FakeTime

#: a real CSR: an order is found again by its common name and the digest of the CSR's DER
CSR = make_csr("www.example.com")
CONN = {"username": "SL1", "api_key": "not-a-real-key", "endpoint_url": "https://sl.example.test/rest/v3.1/"}
ORG = {"name": "Example Corp", "phone": "+1 555 0100",
       "address": {"line1": "1 Main St", "city": "Dallas", "postal_code": "75001", "country_code": "US"}}
TECH = {"first_name": "Ada", "last_name": "Lovelace", "title": "Ops", "email": "ops@example.com", "phone": "+1 555 0101"}
ORDER = dict(CONN, common_name="www.example.com", csr=CSR, item_key_name="SSL_CERTIFICATE_RAPIDSSL_1_YEAR",
             server_type="nginx", approver_email="admin@example.com", organization=ORG, technical_contact=TECH)

STATUS = "SoftLayer_Security_Certificate_Request_Status::getSslRequestStatuses"
ACCOUNT = "SoftLayer_Account::getObject"
GET = "SoftLayer_Security_Certificate_Request::getObject"
LIST = "SoftLayer_Security_Certificate_Request::getSslCertificateRequests"
CANCEL = "SoftLayer_Security_Certificate_Request::cancelSslOrder"
PACKAGES = "SoftLayer_Product_Package::getAllObjects"
ITEMS = "SoftLayer_Product_Package::getItems"
SERVER_TYPES = "SoftLayer_Security_Certificate_Request_ServerType::getAllObjects"
VERIFY = "SoftLayer_Product_Order::verifyOrder"
VALIDATE = "SoftLayer_Security_Certificate_Request::validateCsr"
PLACE = "SoftLayer_Product_Order::placeOrder"


def record(req_id, status_id):
    return {"id": req_id, "commonName": "www.example.com", "statusId": status_id, "certificateSigningRequest": CSR,
            "approverEmailAddress": "admin@example.com", "technicalContactEmailAddress": "ops@example.com",
            "createDate": "2023-11-02T09:14:27-06:00", "modifyDate": "2023-11-02T09:14:27-06:00",
            "order": {"id": 31999001},
            "orderItem": {"itemId": 964, "item": {"keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"}}}


CONTAINER = {"complexType": sl.CONTAINER_TYPE, "packageId": 210, "currencyShortName": "USD", "validityMonths": 12,
             "postTaxSetup": "19", "postTaxRecurring": "0", "proratedOrderTotal": "19",
             "prices": [{"id": 1836, "setupFee": "19", "recurringFee": "0",
                         "item": {"id": 964, "keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", "description": "RapidSSL"}}]}
#: a good answer of every endpoint the scenarios read (shaped like the samples of the module tests)
GOOD = {
    STATUS: [{"id": 50, "name": "Pending CA Approval", "description": "waiting"},
             {"id": 43, "name": "Approved", "description": "approved"},
             {"id": 51, "name": "Canceled", "description": "canceled"}],
    ACCOUNT: {"id": 123456},
    GET: record(1, 50),
    LIST: [record(1, 51), record(2, 50)],
    CANCEL: True,
    PACKAGES: [{"id": 210, "name": "SSL Certificates", "isActive": 1,
                "type": {"keyName": "ADDITIONAL_SERVICES_SSL_CERTIFICATE"}}],
    ITEMS: [{"id": 964, "keyName": "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", "description": "RapidSSL - 1 year",
             "capacity": "1", "units": "YEAR", "prices": [{"id": 1836, "locationGroupId": None}]}],
    SERVER_TYPES: [{"id": 1, "name": "apache2", "description": "Apache 2"}, {"id": 5, "name": "nginx"}],
    VALIDATE: True,
    VERIFY: CONTAINER,
    PLACE: {"orderId": 31999001, "orderDate": "2023-11-02T09:13:55-06:00", "orderDetails": CONTAINER,
            "placedOrder": {"id": 31999001, "status": "PENDING_AUTO_APPROVAL"}},
}


def _info(provider):
    selected = provider.lookup()
    unread = [key for key, obj in selected if obj is None]
    return selected, provider.read(unread) if unread else {}


def _update(provider):
    found = provider.find()
    return found and provider.update(found)


def _cancel(provider):
    return provider.remove(provider.find())


#: name: (provider class, module parameters, what it does, the endpoints it reads)
SCENARIOS = {
    "catalogue": (slp.SoftLayerInfo, CONN, lambda p: (p.catalogue(), p.vocabulary().names), [STATUS]),
    "read_one": (slp.SoftLayerInfo, dict(CONN, order_id=1), _info, [STATUS, GET]),
    "read_many": (slp.SoftLayerInfo, dict(CONN, order_ids=[1, 2, 3]), _info, [STATUS, ACCOUNT, LIST, GET]),
    "by_common_name": (slp.SoftLayerInfo, dict(CONN, common_name="www.example.com"), _info, [STATUS, ACCOUNT, LIST]),
    "by_status": (slp.SoftLayerInfo, dict(CONN, status=["Approved"]), _info, [STATUS, ACCOUNT, LIST]),
    "poll": (slp.SoftLayerInfo, CONN, lambda p: p.complete([1, 2], p.poll([1, 2])), [STATUS, ACCOUNT, LIST, GET]),
    "find_by_csr": (slp.SoftLayerOrder, dict(ORDER, state="canceled"), lambda p: p.find(), [STATUS, ACCOUNT, LIST]),
    "cancel": (slp.SoftLayerOrder, dict(CONN, order_id=1, state="canceled"), _cancel, [STATUS, GET, CANCEL]),
    "price": (slp.SoftLayerOrder, ORDER, lambda p: p.resolve_price(), [PACKAGES, ITEMS, SERVER_TYPES]),
    "place": (slp.SoftLayerOrder, ORDER, lambda p: p.place(None),
              [PACKAGES, ITEMS, SERVER_TYPES, VALIDATE, VERIFY, PLACE, ACCOUNT, LIST, STATUS]),
    # an existing order found by its CSR, its item compared with item_key_name (by the catalogue
    # when the record has the item's id but not its keyName)
    "update": (slp.SoftLayerOrder, ORDER, _update,
               [STATUS, ACCOUNT, LIST, PACKAGES, ITEMS]),
    "expiring": (slp.SoftLayerInfo, dict(CONN, expiring_within_days=30), _info, [STATUS, ACCOUNT, LIST]),
}
CASES = [(name, endpoint) for name in SCENARIOS for endpoint in SCENARIOS[name][3]]
BODIES = dict((endpoint, bodies(sample)) for endpoint, sample in GOOD.items())


def run_scenario(name, answers):
    """Run scenario ``name`` with ``answers``: its return value, or the clean failure it raised."""
    cls, params, action, _endpoints = SCENARIOS[name]
    clock = FakeTime()
    spec = slp.order_argument_spec() if cls is slp.SoftLayerOrder else slp.info_argument_spec()
    with mock.patch.object(_wait, "time", clock):
        provider = cls(FakeModule(spec, **params), Budget(600, 30, clock=clock.monotonic))
        provider.api = sl.SoftLayerApi(FakeSeam(answers, softlayer_key))
        return outcome(action, provider)


def test_the_good_samples_pass_every_scenario():
    """The samples are good: with them every scenario returns normally (else the property tests
    below would prove nothing beyond the first failure)."""
    for name in SCENARIOS:
        assert not isinstance(run_scenario(name, GOOD), Exception), name


@pytest.mark.parametrize("name, endpoint", CASES, ids=["%s-%s" % case for case in CASES])
@PER_ENDPOINT
@given(data=st.data())
def test_any_body_at_any_endpoint_ends_in_a_result_or_a_clean_failure(name, endpoint, data):
    body = data.draw(BODIES[endpoint], label=endpoint)
    outcome = run_scenario(name, dict(GOOD, **{endpoint: body}))
    if not isinstance(outcome, Exception):
        json.dumps(outcome, default=vars)  # what a module returns is plain data


#: bodies that ended in a traceback before every body went through a model (found by the property
#: test above on the earlier code), kept as fixed examples: (scenario, endpoint, body, what broke)
BROKE_BEFORE = [
    ("price", PACKAGES, {}, "KeyError: package['id']"),
    ("price", PACKAGES, [{"id": [1], "name": "SSL"}], "a package id of any type went into the getItems URL"),
    ("price", ITEMS, [None], "AttributeError: item.get on null"),
    ("price", SERVER_TYPES, [{"id": 1, "name": "apache2"}, {"id": 5, "name": {}}], "TypeError: sorting dict and str names"),
    ("read_many", ACCOUNT, None, "TypeError: None['id']"),
    ("read_many", ACCOUNT, {}, "KeyError: 'id'"),
    ("find_by_csr", LIST, [None, record(2, 50)], "AttributeError: sorting by r.get('id') on null"),
    ("find_by_csr", LIST, [dict(record(1, 51), id={"a": 1}), record(2, 50)], "TypeError: comparing int and dict ids"),
    ("place", LIST, [None, record(2, 50)], "AttributeError: max() by r.get('id') on null"),
    ("place", LIST, [dict(record(1, 51), id=[1]), record(2, 50)], "TypeError: comparing int and list ids"),
]


@pytest.mark.parametrize("name, endpoint, body, broke", BROKE_BEFORE, ids=[b[3] for b in BROKE_BEFORE])
def test_the_bodies_that_broke_before_end_in_a_clean_failure(name, endpoint, body, broke):
    outcome = run_scenario(name, dict(GOOD, **{endpoint: body}))
    assert isinstance(outcome, ApiError) and endpoint in str(outcome)


def test_a_server_type_named_by_a_number_is_read_as_text():
    """The models read numbers sent as strings, and names sent as numbers (before: sorting the names
    for the message failed with a TypeError)."""
    outcome = run_scenario("price", dict(GOOD, **{SERVER_TYPES: [{"id": 1, "name": "apache2"}, {"id": 5, "name": -1}]}))
    assert isinstance(outcome, OptionError) and str(outcome).endswith("valid names are: -1, apache2")


@pytest.mark.parametrize("receipt, why", [
    (None, "SoftLayer_Product_Order::placeOrder answered with a body this module cannot read: (the body): Input should "
           "be a valid dictionary or instance of Receipt"),
    ({"orderId": "not a number"}, "SoftLayer_Product_Order::placeOrder answered with a body this module cannot read: "
                                  "orderId: Input should be a valid integer, unable to parse string as an integer"),
    ({"orderDate": "2023-11-02T09:13:55-06:00"}, "SoftLayer_Product_Order::placeOrder answered without an order id"),
])
def test_a_placed_order_whose_receipt_cannot_be_read_is_found_by_common_name_and_csr(receipt, why):
    """placeOrder answered, so the order exists, but its receipt cannot be read or has no billing order
    id: create_once settles it like an unclear answer, by the CSR's common name and digest. Before: a
    receipt that failed its model ended the task with changed=false (as if nothing had been ordered),
    a null one in a TypeError traceback, and one without orderId searched for the billing order "None"
    until the search gave up."""
    clock = FakeTime()
    module = FakeModule(slp.order_argument_spec(), **ORDER)
    with mock.patch.object(_wait, "time", clock):
        provider = slp.SoftLayerOrder(module, Budget(600, 30, clock=clock.monotonic))
        seam = FakeSeam(dict(GOOD, **{PLACE: receipt}), softlayer_key)
        provider.api = sl.SoftLayerApi(seam)
        change = provider.place(None)
    assert change.changed and change.result["order"]["id"] == 2  # the live request for the common name and CSR
    assert change.result["receipt"] is None and seam.calls.count(PLACE) == 1
    assert module.warnings == ["placeOrder was accepted but its answer cannot be read (%s), but request 2 for "
                               "www.example.com exists now: the request was processed, and it was not sent again" % why]


# -- the account id --------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [None, [], {}, [{"id": 1}], {"id": None}, {"id": [1]}, "123456", 123456, True])
def test_an_account_answer_without_an_id_is_refused_naming_the_call_and_the_id(body):
    """Before, ``account_id`` read ``answer["id"]``: null and a list were a TypeError, an object
    without id a KeyError, and an id of another type went into every list call's parameters."""
    api = sl.SoftLayerApi(FakeSeam({ACCOUNT: body}, softlayer_key))
    with pytest.raises(ApiError) as caught:
        api.account_id()
    assert str(caught.value).startswith("SoftLayer_Account::getObject answered with a body this module cannot read: ")
    assert "id" in str(caught.value).split("cannot read: ")[1]


def test_the_account_id_is_read_once():
    seam = FakeSeam({ACCOUNT: {"id": "123456", "companyName": "Example"}}, softlayer_key)
    api = sl.SoftLayerApi(seam)
    assert api.account_id() == 123456 and api.account_id() == 123456 and seam.calls == [ACCOUNT]


# -- the models on their own ------------------------------------------------------------------------
CATALOGUE = models.StatusCatalogue(GOOD[STATUS])


@PROPERTY
@given(body=bodies(GOOD[GET]))
def test_a_request_record_of_any_shape_is_read_or_refused_naming_the_call(body):
    try:
        order, csr = models.request_result(body, CATALOGUE, "SoftLayer_Security_Certificate_Request::getObject")
    except ApiError as exc:
        assert "SoftLayer_Security_Certificate_Request::getObject" in str(exc)
    else:
        assert isinstance(order["id"], int) and (csr is None or isinstance(csr, str))
        json.dumps(order)


@PROPERTY
@given(body=st.one_of(bodies(GOOD[PLACE]), bodies(GOOD[VERIFY])), placed=st.booleans())
def test_a_receipt_of_any_shape_is_read_or_refused_naming_the_call(body, placed):
    try:
        receipt = models.receipt_result(body, placed, "SoftLayer_Product_Order::placeOrder")
    except ApiError as exc:
        assert "SoftLayer_Product_Order::placeOrder" in str(exc)
    else:
        json.dumps(receipt)


#: every reader of models.py, with the good sample of what it reads
READERS = [
    (models.account_id, GOOD[ACCOUNT]),
    (models.packages, GOOD[PACKAGES]),
    (models.catalogue_items, GOOD[ITEMS]),
    (models.server_type_names, GOOD[SERVER_TYPES]),
    (models.request_records, GOOD[LIST]),
    (models.error_body, {"error": "Object not found", "code": "SoftLayer_Exception_ObjectNotFound"}),
]


test_every_reader_reads_any_body_or_refuses_it_naming_the_call = every_reader_test(READERS, "SoftLayer_Service::someMethod")


@PROPERTY
@given(body=bodies(GOOD[STATUS]))
def test_a_status_catalogue_of_any_shape_is_read_or_refused_naming_the_call(body):
    try:
        catalogue = models.StatusCatalogue(body)
    except ApiError as exc:
        assert STATUS in str(exc)
    else:
        assert all(isinstance(name, str) for name in catalogue.names)
