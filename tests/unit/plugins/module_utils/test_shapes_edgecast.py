# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: whatever JSON a CPS endpoint or the token service answers, the models and every
provider path that reads it end in a result or a clean failure (ApiError, OptionError, TaskFailed:
exactly what the runners report without a traceback), never in a KeyError, TypeError or
AttributeError.

Each example gives one endpoint an arbitrary body (or its good sample with one field changed or
removed) while the others answer their good samples, so the code gets past the first read."""

import json
from unittest import mock

import pytest
from hypothesis import given, strategies as st

from ansible_collections.certops.orders.plugins.module_utils import _budget, _wait
from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import TaskFailed, parse
from ansible_collections.certops.orders.plugins.module_utils._edgecast import client as cps, models
from ansible_collections.certops.orders.plugins.module_utils._edgecast import provider as ecp
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError
from ansible_collections.certops.orders.tests.unit.plugins.fake_seam import FakeModule, FakeSeam, cps_key
from ansible_collections.certops.orders.tests.unit.plugins.json_shapes import (
    PER_ENDPOINT,
    PROPERTY,
    bodies,
    every_reader_test,
    outcome,
)
from ansible_collections.certops.orders.tests.unit.plugins.support import FakeTime
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (
    CERTIFICATE_STATUSES,
    CONNECTION,
    ORDER_STATUSES,
    cert_node,
    collection,
    dcv_node,
    status_node,
)

LABEL = "cdn_example_com"
ORG = {"company_name": "Example Co.", "city": "Los Angeles", "country": "US",
       "additional_contacts": [{"first_name": "Pat", "contact_type": "Technical"}]}
NOTIFY = [{"notification_type": "CertificateExpiring", "enabled": True, "emails": ["ops@example.com"]}]
DV = {"label": LABEL, "validation_type": "DV", "dcv_method": "DnsTxtToken",
      "domains": [{"name": "cdn.example.com", "is_common_name": True}]}

ORDERS = "GET /v2.0/appendix/order-statuses"
CERTIFICATES = "GET /v2.0/appendix/certificate-statuses"
LIST = "GET /v2.0/certificates"
CERT = "GET /v2.0/certificates/{id}"
STATUS = "GET /v2.0/certificates/{id}/status"
DCV = "GET /v2.0/dcv/certificates/{id}"
NOTIFICATIONS = "GET /v2.0/certificates/{id}/notifications"
CREATE = "POST /v2.0/certificates/cdnprovided"
CANCEL = "PUT /v2.0/certificates/{id}/cancel"
TOKEN = "PUT /v2.0/dcv/certificates/{id}/token"

IN_DCV = cert_node()
#: only the contacts differ from ORG, so that the comparison reads every field of the organization
ISSUED_OV = cert_node(validation_type="OV", issued=True, organization=dict(
    ORG, id=7, additional_contacts=[{"id": 3, "first_name": "Old", "contact_type": "technical"}]))
#: a good answer of every endpoint the scenarios read (shaped like the samples of the module tests)
GOOD = {
    ORDERS: collection("/v2.0/appendix/order-statuses", [{"id": i, "name": n} for i, n in enumerate(ORDER_STATUSES)]),
    CERTIFICATES: collection("/v2.0/appendix/certificate-statuses",
                             [{"id": i, "name": n} for i, n in enumerate(CERTIFICATE_STATUSES)]),
    LIST: collection("/v2.0/certificates", [IN_DCV]),
    CERT: IN_DCV,
    STATUS: status_node(status="DomainControlValidation", order="Pending"),
    DCV: dcv_node(),
    NOTIFICATIONS: collection("/v2.0/certificates/11605/notifications", [
        {"notification_type": "CertificateExpiring", "enabled": False, "emails": []},
        {"notification_type": "PendingValidations", "enabled": True, "emails": ["a@example.com"]}]),
    CREATE: IN_DCV,
    # writes whose answers are not read
    "PATCH /v2.0/certificates/{id}": None,
    "PATCH /v2.0/certificates/{id}/notifications": None,
    "PUT /v2.0/certificates/{id}/organization": None,
    # the cancel preview's answer is read (the action it names); the applied cancel's is not
    CANCEL: {"action": {"id": 1, "name": "Cancel"}},
    TOKEN: dcv_node(token="new-token"),
    "PUT /v2.0/certificates/{id}/renew": None,
}
#: what the update scenario reads instead: an issued OV certificate, so that every setting may change
ISSUED = {LIST: collection("/v2.0/certificates", [ISSUED_OV]), CERT: ISSUED_OV,
          STATUS: status_node(status="Active", order="Issued", domain_status="Approved")}
#: what the create scenario reads instead: no certificate has the label yet
NEW = {LIST: collection("/v2.0/certificates", [])}
#: what the cancel scenario reads: in DCV before the cancel, Deleted and Canceled after it (the read-back
#: reads the status until the cancel shows)
CANCELED = {STATUS: lambda n: (status_node(status="DomainControlValidation", order="Pending") if n == 1
                               else status_node(status="Deleted", order="Canceled"))}
#: an issued certificate that expires (the sample's date is in the past), for the renewal
EXPIRING = {LIST: collection("/v2.0/certificates", [cert_node(issued=True)]), CERT: cert_node(issued=True),
            STATUS: status_node(status="Active", order="Issued", domain_status="Approved")}


def _info(provider):
    selected = provider.lookup()
    unread = [key for key, obj in selected if obj is None]
    return selected, provider.read(unread) if unread else {}


def _order(provider):
    existing = provider.find()
    if provider.params["state"] != "present":
        change = provider.remove(existing)
    else:
        change = provider.create(None) if existing is None else provider.update(existing)
    return change.result


#: name: (provider class, module parameters, answers that differ from GOOD, what it does, the endpoints it reads)
SCENARIOS = {
    "catalogue": (ecp.EdgecastInfo, {}, {}, lambda p: (p.catalogue(), p.vocabulary().names), [ORDERS, CERTIFICATES]),
    "by_id": (ecp.EdgecastInfo, {"certificate_ids": [11605, 11606]}, {}, _info, [CERT, STATUS, DCV]),
    "by_label": (ecp.EdgecastInfo, {"label": LABEL}, {}, _info, [LIST, STATUS, DCV]),
    "by_domain": (ecp.EdgecastInfo, {"domain": "cdn.example.com"}, {}, _info, [LIST, STATUS, DCV]),
    "poll": (ecp.EdgecastInfo, {}, {}, lambda p: p.complete([11605], p.poll([11605])), [STATUS, CERT, DCV]),
    "update": (ecp.EdgecastOrder, dict(DV, validation_type="OV", description="new", organization=ORG,
                                       notifications=NOTIFY, domains=[{"name": "www.example.com", "is_common_name": True}]),
               ISSUED, _order, [LIST, CERT, STATUS, NOTIFICATIONS]),
    "cancel": (ecp.EdgecastOrder, {"label": LABEL, "state": "canceled"}, CANCELED, _order, [LIST, CERT, STATUS, CANCEL]),
    "renew": (ecp.EdgecastOrder, {"label": LABEL, "action": "renew"}, EXPIRING, _order, [LIST, CERT, STATUS]),
    "regenerate": (ecp.EdgecastOrder, {"label": LABEL, "action": "regenerate_dcv_token"}, {}, _order,
                   [LIST, CERT, STATUS, TOKEN]),
    "expiring": (ecp.EdgecastInfo, {"expiring_within_days": 30, "status": ["Active", "Pending"]}, {}, _info,
                 [LIST, CERT, STATUS, DCV]),
    "create": (ecp.EdgecastOrder, DV, NEW, _order, [LIST, CREATE, CERT, STATUS, DCV]),
}
CASES = [(name, endpoint) for name in SCENARIOS for endpoint in SCENARIOS[name][4]]
BODIES = dict(((name, endpoint), bodies(dict(GOOD, **SCENARIOS[name][2])[endpoint])) for name, endpoint in CASES)


def _paged(body):
    """The list answers ``body`` on its first page and an empty page after it."""
    return lambda page: body if page == 1 else collection("/v2.0/certificates", [])


def run_scenario(name, answers):
    """Run scenario ``name`` with ``answers`` on top of its good ones: its return value, or the clean failure it raised."""
    cls, params, differ, action, _endpoints = SCENARIOS[name]
    table = dict(GOOD, **differ)
    table.update(answers)
    table[LIST] = _paged(table[LIST])
    spec = ecp.order_argument_spec() if cls is ecp.EdgecastOrder else ecp.info_argument_spec()
    # fake time: a cancel reads the status until it shows, for as long as the budget lasts
    clock = FakeTime()
    with mock.patch.object(_budget, "time", clock), mock.patch.object(_wait, "time", clock):
        provider = cls(FakeModule(spec, **dict(CONNECTION, **params)), Budget(600, 30))
        provider.cps = cps.CpsClient(FakeSeam(table, cps_key))
        return outcome(action, provider)


def test_the_good_samples_pass_every_scenario():
    """The samples are good: with them every scenario returns normally, and the update changes
    everything it can (else the property tests below would prove nothing beyond the first failure)."""
    for name in SCENARIOS:
        assert not isinstance(run_scenario(name, {}), Exception), name
    requests = [call["path"] for call in run_scenario("update", {})["request"]]
    assert requests == ["/v2.0/certificates/11605", "/v2.0/certificates/11605/notifications",
                        "/v2.0/certificates/11605/organization"]


@pytest.mark.parametrize("name, endpoint", CASES, ids=["%s-%s" % case for case in CASES])
@PER_ENDPOINT
@given(data=st.data())
def test_any_body_at_any_endpoint_ends_in_a_result_or_a_clean_failure(name, endpoint, data):
    body = data.draw(BODIES[name, endpoint], label=endpoint)
    outcome = run_scenario(name, {endpoint: body})
    if not isinstance(outcome, Exception):
        json.dumps(outcome)  # what a module returns is plain data


#: bodies that ended in a traceback before every body went through a model (found by the property
#: test above on the earlier code), kept as fixed examples: (scenario, endpoint, body, what broke)
BROKE_BEFORE = [
    ("by_label", LIST, [GOOD[LIST]], "AttributeError: a list has no .get"),
    ("create", LIST, {"items": -1, "total_items": 0}, "TypeError: items.extend(-1)"),
    ("by_label", LIST, collection("/v2.0/certificates", [dict(IN_DCV, id=None)]), "KeyError: node['id']"),
    ("by_domain", LIST, collection("/v2.0/certificates", [dict(IN_DCV, id={"a": 1})]), "TypeError: unhashable id"),
    ("update", LIST, collection("/v2.0/certificates", [dict(IN_DCV, id={})]), "TypeError: int() of a dict id in the URL"),
    ("update", LIST, collection("/v2.0/certificates", [dict(ISSUED_OV, id=None)]), "KeyError: existing['id']"),
    ("cancel", LIST, collection("/v2.0/certificates", [dict(IN_DCV, id=None)]), "KeyError: existing['id']"),
]


@pytest.mark.parametrize("name, endpoint, body, broke", BROKE_BEFORE, ids=[b[3] for b in BROKE_BEFORE])
def test_the_bodies_that_broke_before_end_in_a_clean_failure(name, endpoint, body, broke):
    outcome = run_scenario(name, {endpoint: body})
    assert isinstance(outcome, ApiError) and str(outcome).startswith("GET /v2.0/certificates answered with a body")


@pytest.mark.parametrize("contacts", ["abc", {"first_name": "Old"}, [1], 5])
def test_organization_contacts_of_another_shape_are_refused_naming_the_field(contacts):
    """Before: the comparison with the organization option iterated them as a list of objects
    (AttributeError or TypeError)."""
    cert = dict(ISSUED_OV, organization=dict(ISSUED_OV["organization"], additional_contacts=contacts))
    outcome = run_scenario("update", {CERT: cert, LIST: collection("/v2.0/certificates", [cert])})
    assert isinstance(outcome, ApiError)
    assert str(outcome).startswith("GET /v2.0/certificates/11605 answered with a body this module cannot read: "
                                   "organization.additional_contacts")


def test_a_create_answer_without_an_id_is_settled_by_the_label():
    """CPS accepted the create (so the certificate exists) but its answer has no id: create_once
    settles it like an unclear answer, and the label finds it. Before: the task failed saying nothing
    about the create, with changed=false."""
    table = dict(GOOD, **{CREATE: {"certificate_label": LABEL}})  # and the label is listed
    provider = ecp.EdgecastOrder(FakeModule(ecp.order_argument_spec(), **dict(CONNECTION, **DV)), Budget(600, 30))
    provider.cps = cps.CpsClient(FakeSeam(table, cps_key))
    change = provider.create(None)
    assert change.changed and change.result["certificate"]["id"] == 11605
    assert provider.module.warnings == [
        "The create request for label 'cdn_example_com' was accepted but its answer cannot be read (POST "
        "/v2.0/certificates/cdnprovided answered with a body this module cannot read: id: Field required), but "
        "certificate 11605 with that label exists now: the request was processed, and it was not sent again"]
    assert provider.cps.http.calls.count(CREATE) == 1


def test_a_create_answer_without_an_id_and_no_label_listed_fails_saying_it_was_created():
    table = dict(GOOD, **{CREATE: [], LIST: collection("/v2.0/certificates", [])})
    provider = ecp.EdgecastOrder(FakeModule(ecp.order_argument_spec(), **dict(CONNECTION, **DV)), Budget(600, 30))
    provider.cps = cps.CpsClient(FakeSeam(table, cps_key))
    with pytest.raises(TaskFailed) as caught:
        provider.create(None)
    assert str(caught.value).startswith(
        "The create request for label 'cdn_example_com' was accepted (HTTP 2xx) but its answer cannot be read (POST "
        "/v2.0/certificates/cdnprovided answered with a body this module cannot read: (the body): Input should be a "
        "valid dictionary or instance of CreatedCertificate), and no certificate with the label 'cdn_example_com' "
        "exists after this failure")
    assert caught.value.changed is True and provider.cps.http.calls.count(CREATE) == 1


# -- the token service ------------------------------------------------------------------------------
TOKEN = {"access_token": "tok-1", "expires_in": 300, "token_type": "Bearer", "scope": "sec.cps.certificates"}


@PROPERTY
@given(body=bodies(TOKEN))
def test_a_token_answer_of_any_shape_gives_a_token_or_a_clean_failure(body):
    auth = cps.TokenAuth(FakeSeam({"token": body}, lambda method, path: "token"), "https://ids.test/connect/token",
                         "ci-client", "s3cr3t", "sec.cps.certificates", clock=lambda: 0.0)
    headers = {}
    try:
        auth.apply(headers)
    except ApiError as exc:
        assert "access token" in str(exc)
    else:
        assert headers["Authorization"].startswith("Bearer ") and len(headers["Authorization"]) > 7


@pytest.mark.parametrize("expires_in, lifetime", [(10 ** 400, 300), (float("inf"), 300), (-5, 300), ("60", 60), (None, 300)])
def test_a_token_lifetime_that_makes_no_sense_is_the_usual_one(expires_in, lifetime):
    """Before: an ``expires_in`` too large for a float raised OverflowError (a traceback), infinity kept
    the token forever, and a negative one fetched a new token for every request."""
    now = [0.0]
    auth = cps.TokenAuth(FakeSeam({"token": dict(TOKEN, expires_in=expires_in)}, lambda method, path: "token"),
                         "https://ids.test/connect/token", "ci-client", "s3cr3t", "sec.cps.certificates",
                         clock=lambda: now[0])
    auth.apply({})
    now[0] = lifetime - 31.0  # inside the lifetime, before the safety margin: still the same token
    auth.apply({})
    assert auth.fetches == 1
    now[0] = lifetime - 29.0
    auth.apply({})
    assert auth.fetches == 2


# -- the models on their own ------------------------------------------------------------------------
READERS = [
    (models.named_entities, GOOD[ORDERS]),
    (models.certificate, GOOD[CERT]),
    (models.certificate_status, GOOD[STATUS]),
    (models.dcv_items, GOOD[DCV]),
    (models.notifications, GOOD[NOTIFICATIONS]),
]


test_every_reader_reads_any_body_or_refuses_it_naming_the_call = every_reader_test(READERS, "GET /v2.0/somewhere")


@PROPERTY
@given(cert=bodies(ISSUED_OV), status=bodies(GOOD[STATUS]), dcv=bodies(GOOD[DCV]))
def test_the_flat_certificate_is_plain_data_whatever_the_parts_held(cert, status, dcv):
    try:
        parts = (parse(models.certificate, cert, "cert"), parse(models.certificate_status, status, "status"),
                 parse(models.dcv_items, dcv, "dcv"))
    except ApiError:
        return
    json.dumps(models.flatten(*parts))
    json.dumps(models.status_fields(11605, parts[1]))
