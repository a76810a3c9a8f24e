# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scripted CPS conversations for the Edgecast unit tests: answers shaped like the samples of
CPS's API documentation, a fake clock, and a module runner with patched exits.

The scripting helpers register answers on ``http``, the strict ``responses.RequestsMock`` of the
fixture of the same name (``tests/unit/plugins/conftest.py``): each answer must be used."""

import json

import pytest
from responses import matchers

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils import _budget, _http, _wait
from ansible_collections.certops.orders.plugins.module_utils._edgecast import client as auth
from ansible_collections.certops.orders.tests.unit.plugins.module_utils.test_runner import (  # pylint: disable=unused-import
    patch_exits,
)
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail, FakeTime

API = "https://api.test"
IDS = "https://ids.test"
CPS = API + "/sec/cps"
TOKEN_URL = IDS + "/connect/token"
SECRET = "s3cr3t-value"
CONNECTION = {"client_id": "ci-client", "client_secret": SECRET, "api_url": API, "ids_url": IDS}

ORDER_STATUSES = ["Pending", "Issued", "Deleted", "Rejected", "Revoked", "Canceled", "AwaitingRenewal",
                  "PendingRenewal", "Renewed", "PendingReissue", "AwaitingReissue", "PendingOrgUpdate", "OrgUpdated",
                  "RenewalRejected", "ReissueRejected", "Expired", "AwaitingOrgUpdate"]
CERTIFICATE_STATUSES = ["Processing", "DomainControlValidation", "OtherValidation", "Deployment", "Active", "Deleted"]


@pytest.fixture
def module_exits(patch_exits, monkeypatch):  # pylint: disable=redefined-outer-name,unused-argument
    """exit_json/fail_json raise Exit/Fail (the runner tests' fixture); warnings are collected."""
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warnings.append(msg))
    return warnings


@pytest.fixture
def clock(monkeypatch):
    fake = FakeTime()
    for mod in (_wait, _http, _budget, auth):
        monkeypatch.setattr(mod, "time", fake)
    return fake


def run(main, args, check_mode=False, diff=False):
    """Run a module's ``main()``: ``(ok, result)``."""
    args = dict(CONNECTION, **args)
    args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as outcome:
            main()
    result = outcome.value.args[0]
    assert SECRET not in json.dumps(result)
    json.dumps(result)  # plain JSON types only
    return outcome.type is Exit, result


# -- answers ---------------------------------------------------------------------------------
def collection(path, items, total=None, links=None):
    node = {"@id": path, "@type": "Collection", "items": items,
            "total_items": len(items) if total is None else total}
    if links is not None:
        node["@links"] = links
    return node


def error(code, status, title, *details):
    return {"@type": "Error", "code": code, "status_code": status, "title": title,
            "details": [{"@type": "ErrorDetail", "description": d} for d in details]}


def cert_node(cert_id=11605, label="cdn_example_com", domains=("cdn.example.com",), issued=False, **extra):
    node = {
        "@id": "/v2.0/certificates/%d" % cert_id, "@type": "Certificate", "id": cert_id,
        "certificate_label": label, "description": "DV certificate", "auto_renew": True,
        "certificate_authority": "DigiCert", "validation_type": "DV", "dcv_method": "DnsTxtToken",
        "request_type": "Enterprise", "thumbprint": "3F2A" if issued else None, "workflow_error_message": None,
        "created": "2021-04-15T12:00:00.000000Z", "last_modified": "2021-04-15T12:00:00.000000Z",
        "expiration_date": "2022-05-16T23:59:59.000000Z" if issued else "0001-01-01T00:00:00Z",
        "created_by": {"user_id": 0, "portal_type_id": "Customer", "identity_id": "x", "identity_type": "Client"},
        "modified_by": None, "organization": None,
        "domains": [{"id": 21001 + i, "name": name, "is_common_name": i == 0,
                     "status": "Active" if issued else "ProvisioningInitiated",
                     "created": "2021-04-15T12:00:00.000000Z", "active_date": None}
                    for i, name in enumerate(domains)],
        "deployments": [{"delivery_region": "GlobalStandard", "platform": "HttpLarge",
                         "hex_url": "cs-1.wpc.0001.edgecastcdn.net"}] if issued else None,
    }
    node.update(extra)
    return node


def status_node(cert_id=11605, status="Processing", order=None, domain_status="Pending", step=1, **extra):
    node = {"@id": "/v2.0/certificates/%d/status" % cert_id, "@type": "Certificate", "id": cert_id, "step": step,
            "status": status, "requires_attention": status == "DomainControlValidation", "error_message": None,
            "order_validation": None if order is None else {
                "status": order, "organization_validation": {"status": "NA", "validation_type": "DV"},
                "domain_validations": [{"domain_id": 21001, "domain_names": ["cdn.example.com"],
                                        "status": domain_status}]}}
    node.update(extra)
    return node


def dcv_node(cert_id=11605, token="0a1b2c3d"):
    return collection("/v2.0/dcv/certificates/%d" % cert_id, [
        {"domain_id": 21001, "dcv_method": "DnsTxtToken", "dcv_token": {"token": token}, "emails": []}])


# -- scripting -------------------------------------------------------------------------------
def token(http, access="tok-1", expires_in=300):
    return http.post(TOKEN_URL, json={"access_token": access, "expires_in": expires_in,
                                      "token_type": "Bearer", "scope": "sec.cps.certificates"})


#: the domain and validation catalogues (Edgio/ec-sdk-go edgecast/cps/models/domain.go and the validation
#: status enum of the same package), read only by a wait that names one of their statuses
DOMAIN_STATUSES = ("ProvisioningInitiated", "AwaitingCertificateAuthority", "Active", "PendingDelete", "Delete",
                   "PendingDns", "Rejected", "TimedOut", "PendingReissue", "SecretRejected")
VALIDATION_STATUSES = ("Unknown", "Pending", "Rejected", "Approved", "NA")


def appendix(http, parts=False):
    """The request and order status catalogues; ``parts``: the domain and validation ones too."""
    lists = [("order-statuses", ORDER_STATUSES), ("certificate-statuses", CERTIFICATE_STATUSES)]
    if parts:
        lists += [("domain-statuses", DOMAIN_STATUSES), ("validation-statuses", VALIDATION_STATUSES)]
    for name, names in lists:
        http.get(CPS + "/v2.0/appendix/" + name, json=collection(
            "/v2.0/appendix/" + name, [{"name": n, "id": i} for i, n in enumerate(names, 1)]))


def listing(http, query, items, page=1, total=None):
    params = {"page": str(page), "page_size": "20", "query": query}
    return http.get(CPS + "/v2.0/certificates", json=collection("/v2.0/certificates", items, total),
                    match=[matchers.query_param_matcher(params)])


def certificate(http, node, state):
    """GET certificate and status (and the DCV metadata, which is read only during domain control validation)."""
    cert_id = node["id"]
    http.get(CPS + "/v2.0/certificates/%d" % cert_id, json=node)
    http.get(CPS + "/v2.0/certificates/%d/status" % cert_id, json=state)
    if state["status"] == "DomainControlValidation":
        http.get(CPS + "/v2.0/dcv/certificates/%d" % cert_id, json=dcv_node(cert_id))


def calls(http, method=None, path=None):
    return [c for c in http.calls
            if (method is None or c.request.method == method) and (path is None or c.request.url.split("?")[0] == CPS + path)]


def next_run(http):
    """Between two module runs in one test: the first run must have used every answer registered
    for it (as at the fixture's teardown); then the registry and the recorded calls start empty."""
    try:
        http.stop()
    finally:
        http.reset()
        http.start()


def body(call):
    return json.loads(call.request.body)
