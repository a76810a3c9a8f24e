# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""edgecast_cert_order over scripted CPS conversations: every branch of create, update, cancel,
delete and the actions."""

from datetime import datetime, timedelta, timezone

import pytest
import requests
from responses import matchers

from ansible_collections.certops.orders.plugins.modules.edgecast_cert_order import main
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (  # pylint: disable=unused-import
    CPS,
    appendix,
    body,
    calls,
    cert_node,
    certificate,
    clock,
    collection,
    error,
    listing,
    module_exits,
    next_run,
    patch_exits,
    run,
    status_node,
    token,
)

LABEL = "cdn_example_com"
QUERY = "certificate_label:" + LABEL
CREATE = CPS + "/v2.0/certificates/cdnprovided"
DV = {"label": LABEL, "validation_type": "DV", "dcv_method": "DnsTxtToken",
      "domains": [{"name": "cdn.example.com", "is_common_name": True}]}
ORG = {"company_name": "Example Co.", "company_address": "111 Example Way", "city": "Los Angeles", "state": "CA",
       "zip_code": "90001", "country": "US", "contact_first_name": "Pat", "contact_last_name": "Doe",
       "contact_email": "pat@example.com", "contact_phone": "111-111-1111"}
NOTIFY = [{"notification_type": "CertificateExpiring", "enabled": True, "emails": ["ops@example.com"]}]


def notifications(enabled=False, emails=()):
    return collection("/v2.0/certificates/11605/notifications", [
        {"notification_type": "CertificateRenewal", "enabled": False, "emails": []},
        {"notification_type": "CertificateExpiring", "enabled": enabled, "emails": list(emails)},
        {"notification_type": "PendingValidations", "enabled": False, "emails": []}])


def cancel(http, action="Cancel"):
    """The cancel preview (apply=false, naming ``action``) and the applied cancel (204)."""
    url = CPS + "/v2.0/certificates/11605/cancel"
    http.put(url, json={"action": {"id": 1, "name": action}} if action else None, status=200,
             match=[matchers.query_param_matcher({"apply": "false"})])
    http.put(url, status=204, match=[matchers.query_param_matcher({"apply": "true"})])


def expires_in(days):
    return (datetime.now(timezone.utc) + timedelta(days=days, hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def writes(http):
    return [(c.request.method, c.request.url.replace(CPS, "")) for c in calls(http) if c.request.method != "GET"
            and "connect/token" not in c.request.url]


# -- create ----------------------------------------------------------------------------------
def test_create_posts_once_then_notifications_and_reads_back(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    http.post(CREATE, status=201, json=cert_node())
    http.patch(CPS + "/v2.0/certificates/11605/notifications", json=notifications(True, ["ops@example.com"]))
    certificate(http, cert_node(), status_node())
    ok, result = run(main, dict(DV, description="DV certificate", notifications=NOTIFY), diff=True)
    assert ok and result["changed"] is True
    assert writes(http) == [("POST", "/v2.0/certificates/cdnprovided"), ("PATCH", "/v2.0/certificates/11605/notifications")]
    sent = body(calls(http, "POST", "/v2.0/certificates/cdnprovided")[0])
    assert sent == {"certificate_label": LABEL, "description": "DV certificate", "certificate_authority": "DigiCert",
                    "validation_type": "DV", "dcv_method": "DnsTxtToken",
                    "domains": [{"name": "cdn.example.com", "is_common_name": True}]}
    assert body(calls(http, "PATCH")[0]) == NOTIFY
    assert result["request"][0] == {"method": "POST", "path": "/v2.0/certificates/cdnprovided", "body": sent}
    assert result["certificate"]["id"] == 11605 and result["certificate"]["status"] == "Processing"
    assert result["diff"]["before"] is None and result["diff"]["after"]["notifications"] == NOTIFY
    assert not calls(http, "GET", "/v2.0/appendix/order-statuses")  # no wait: the catalogue is not needed


def test_a_label_with_spaces_as_in_the_vendors_examples_is_created(http, module_exits):
    """The vendor's own examples use labels with spaces: "cdn example tf dv11" (Edgio/terraform-provider-edgecast
    examples/resources/edgecast_cps_certificate/resource.tf) and "my certificate 1"
    (examples/data-sources/edgecast_cps_full_workflow/resource.tf). Before, the module refused them."""
    label = "cdn example tf dv11"
    token(http)
    listing(http, "certificate_label:" + label, [])
    http.post(CREATE, status=201, json=cert_node(label=label))
    certificate(http, cert_node(label=label), status_node())
    ok, result = run(main, dict(DV, label=label))
    assert ok and result["changed"] is True
    assert body(calls(http, "POST", "/v2.0/certificates/cdnprovided")[0])["certificate_label"] == label


def test_check_mode_predicts_the_create_without_writing(http, module_exits):
    token(http)
    appendix(http)  # wait_for names are checked against the catalogue, in check mode too
    listing(http, QUERY, [])
    ok, result = run(main, dict(DV, notifications=NOTIFY, wait_for=["Active"]), check_mode=True, diff=True)
    assert ok and result["changed"] is True and "wait" not in result
    assert writes(http) == []
    assert [(r["method"], r["path"]) for r in result["request"]] == [
        ("POST", "/v2.0/certificates/cdnprovided"), ("PATCH", "/v2.0/certificates/{id}/notifications")]
    assert result["certificate"]["id"] is None and result["certificate"]["label"] == LABEL
    assert result["diff"]["after"]["domains"] == [{"name": "cdn.example.com", "is_common_name": True}]


def test_create_then_wait_to_active(http, module_exits, clock):
    token(http)
    appendix(http)
    listing(http, QUERY, [])
    http.post(CREATE, status=201, json=cert_node())
    http.get(CPS + "/v2.0/certificates/11605", json=cert_node())
    for state in (status_node(), status_node(status="DomainControlValidation", order="Pending"),
                  status_node(status="Active", order="Issued")):
        http.get(CPS + "/v2.0/certificates/11605/status", json=state)
    ok, result = run(main, dict(DV, wait_for=["Active"]))
    assert ok and result["certificate"]["phase"] == "issued" and result["wait"]["polls"] == 2
    assert len(calls(http, "POST", "/v2.0/certificates/cdnprovided")) == 1


def test_dv_create_with_an_organization_warns_and_does_not_send_it(http, module_exits):
    """The vendor's Go SDK example creates a DV certificate with an organization (Edgio/ec-sdk-go
    example/cps/certificate/certificate.go), and CPS ignores it for DV. Before, the module failed with
    "organization is refused for validation_type=DV" before any request."""
    token(http)
    listing(http, QUERY, [])
    http.post(CREATE, status=201, json=cert_node())
    certificate(http, cert_node(), status_node())
    ok, result = run(main, dict(DV, organization=ORG))
    assert ok and result["changed"] is True
    assert "organization" not in body(calls(http, "POST", "/v2.0/certificates/cdnprovided")[0])
    assert writes(http) == [("POST", "/v2.0/certificates/cdnprovided")]
    assert module_exits == ["organization is not sent for a DV certificate: CPS ignores an organization for DV "
                            "certificates (it validates one only for OV and EV); remove organization, or choose "
                            "validation_type OV or EV"]


@pytest.mark.parametrize("args, message", [
    (dict(DV, label="bad label!"), "is not a CPS certificate label"),
    (dict(DV, label="two  spaces"), "is not a CPS certificate label"),
    (dict(DV, label=" leading"), "is not a CPS certificate label"),
    (dict(DV, label="trailing "), "is not a CPS certificate label"),
    (dict(DV, label=""), "is not a CPS certificate label"),
    (dict(DV, domains=[{"name": "a.example.com", "is_common_name": True}, {"name": "b.example.com", "is_common_name": True}]),
     "only one of domains may have is_common_name"),
    (dict(DV, domains=[{"name": "a.example.com"}, {"name": "A.example.com"}]), "lists a.example.com more than once"),
    (dict(DV, notifications=[{"notification_type": "CertificateExpiring", "enabled": True}]), "needs at least one address"),
    (dict(DV, state="absent", action="renew"), "applies only with state=present"),
])
def test_bad_input_fails_before_any_request(http, module_exits, args, message):
    ok, result = run(main, args)
    assert not ok and message in result["msg"]
    assert len(http.calls) == 0


def test_ov_without_organization_fails_before_the_post(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    ok, result = run(main, dict(DV, validation_type="OV"))
    assert not ok and "validation_type=OV needs organization" in result["msg"]
    assert writes(http) == []


def test_create_needs_validation_type_dcv_method_and_domains(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    ok, result = run(main, {"label": LABEL})
    assert not ok and "creating one needs validation_type, dcv_method, domains" in result["msg"]


def test_ov_create_sends_the_organization(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    http.post(CREATE, status=201, json=cert_node(validation_type="OV"))
    certificate(http, cert_node(validation_type="OV"), status_node())
    ok, result = run(main, dict(DV, validation_type="OV", organization=ORG))
    assert ok and body(calls(http, "POST", "/v2.0/certificates/cdnprovided")[0])["organization"] == ORG


def test_refused_create_is_reported_and_not_retried(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    answer = error("invalid_input", 400, "One or more properties were empty or invalid")
    answer["details"] = [{"source": "/certificate_label", "description": "Certificate label already exists"}]
    http.post(CREATE, status=400, json=answer)
    ok, result = run(main, DV)
    assert not ok and result["changed"] is False and result["http_status"] == 400
    assert "/certificate_label: Certificate label already exists" in result["msg"]
    assert result["provider_code"] == "invalid_input" and result["http_method"] == "POST"
    assert len(calls(http, "POST", "/v2.0/certificates/cdnprovided")) == 1


def test_ambiguous_create_that_went_through_is_reconciled_by_label(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    http.post(CREATE, status=500, json=error("internal_error", 500, "Internal error"))
    listing(http, QUERY, [cert_node()])
    certificate(http, cert_node(), status_node())
    ok, result = run(main, DV)
    assert ok and result["changed"] is True and result["certificate"]["id"] == 11605
    assert len(calls(http, "POST", "/v2.0/certificates/cdnprovided")) == 1
    assert "the request was processed, and it was not sent again" in module_exits[0]


def test_ambiguous_create_that_did_not_go_through_fails_without_a_second_post(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    http.post(CREATE, body=requests.exceptions.ReadTimeout("read timed out"))
    ok, result = run(main, DV)
    assert not ok and "no certificate with the label 'cdn_example_com' exists after this failure" in result["msg"]
    assert "it was not repeated" in result["msg"]
    assert len(calls(http, "POST", "/v2.0/certificates/cdnprovided")) == 1
    assert len(calls(http, "GET", "/v2.0/certificates")) == 2  # looked up before and after


def test_notification_failure_after_create_reports_the_created_certificate(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    http.post(CREATE, status=201, json=cert_node())
    http.patch(CPS + "/v2.0/certificates/11605/notifications", status=400,
               json=error("invalid_input", 400, "One or more properties were empty or invalid",
                          "nobody@example.net is not a user of the account"))
    certificate(http, cert_node(), status_node())
    ok, result = run(main, dict(DV, notifications=[
        {"notification_type": "CertificateExpiring", "enabled": True, "emails": ["nobody@example.net"]}]))
    assert not ok and result["changed"] is True and result["certificate"]["id"] == 11605
    assert "nobody@example.net is not a user" in result["msg"] and len(result["request"]) == 2


# -- update ----------------------------------------------------------------------------------
def existing(http, status="Processing", order=None, node=None, notes=None):
    node = node or cert_node()
    token(http)
    listing(http, QUERY, [node])
    certificate(http, node, status_node(status=status, order=order))
    if notes is not None:
        http.get(CPS + "/v2.0/certificates/11605/notifications", json=notes)


def test_same_settings_are_unchanged(http, module_exits):
    existing(http, notes=notifications(True, ["ops@example.com"]))
    ok, result = run(main, dict(DV, description="DV certificate", notifications=NOTIFY, auto_renew=True))
    assert ok and result["changed"] is False and result["request"] == [] and writes(http) == []


#: the top-level settings of cert_node(), as every PATCH sends them: the vendor's clients send the label and the other
#: top-level fields on every update (Edgio/terraform-provider-edgecast docs/resources/cps_certificate.md and its update
#: flow; the SDK's CertificateUpdate in Edgio/ec-sdk-go edgecast/cps/models/certificate_update.go has no domains-only
#: form). Before, the module sent only the changed fields.
CURRENT = {"certificate_label": LABEL, "description": "DV certificate", "auto_renew": True, "dcv_method": "DnsTxtToken"}


def test_update_sends_every_top_level_setting_and_only_the_changed_notifications(http, module_exits):
    existing(http, notes=notifications())
    http.patch(CPS + "/v2.0/certificates/11605", json=cert_node(description="new"))
    http.patch(CPS + "/v2.0/certificates/11605/notifications", json=notifications(True, ["ops@example.com"]))
    certificate(http, cert_node(description="new"), status_node())
    ok, result = run(main, dict(DV, description="new", notifications=NOTIFY), diff=True)
    assert ok and result["changed"] is True
    assert [body(c) for c in calls(http, "PATCH")] == [dict(CURRENT, description="new"), NOTIFY]
    assert result["diff"]["before"]["description"] == "DV certificate" and result["diff"]["after"]["description"] == "new"
    before = dict((n["notification_type"], n["enabled"]) for n in result["diff"]["before"]["notifications"])
    after = dict((n["notification_type"], n["enabled"]) for n in result["diff"]["after"]["notifications"])
    assert before["CertificateExpiring"] is False and after["CertificateExpiring"] is True


def test_update_in_check_mode_writes_nothing(http, module_exits):
    existing(http)
    ok, result = run(main, dict(DV, description="new", dcv_method="Email"), check_mode=True)
    assert ok and result["changed"] is True and writes(http) == []
    assert result["request"] == [{"method": "PATCH", "path": "/v2.0/certificates/11605",
                                  "body": dict(CURRENT, description="new", dcv_method="Email")}]
    assert result["certificate"]["description"] == "new" and result["certificate"]["dcv_method"] == "Email"


def test_domains_cannot_change_while_the_ca_is_processing(http, module_exits):
    existing(http, "DomainControlValidation", "Pending")
    ok, result = run(main, dict(DV, description="new", domains=[{"name": "other.example.com"}]))
    assert not ok and "the domains cannot change while the CA is processing the request" in result["msg"]
    assert "once the certificate is issued (status Deployment or Active)" in result["msg"]
    assert writes(http) == []  # the description was not sent either


def test_domains_cannot_change_while_a_renewal_is_pending(http, module_exits):
    existing(http, "Active", "PendingRenewal", node=cert_node(issued=True))
    ok, result = run(main, dict(DV, domains=[{"name": "other.example.com"}]))
    assert not ok and "while a renewal is pending with the CA (order status PendingRenewal)" in result["msg"]


def test_domains_change_on_an_issued_certificate(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    http.patch(CPS + "/v2.0/certificates/11605", json=cert_node(issued=True))
    certificate(http, cert_node(issued=True), status_node(status="Active", order="AwaitingReissue"))
    wanted = [{"name": "cdn.example.com", "is_common_name": True}, {"name": "www.example.com", "is_common_name": False}]
    ok, result = run(main, dict(DV, domains=wanted))
    assert ok and result["changed"] and body(calls(http, "PATCH")[0]) == dict(CURRENT, domains=wanted)


def test_deleted_label_is_reserved(http, module_exits):
    existing(http, "Deleted", "Canceled")
    ok, result = run(main, DV)
    assert not ok and "which is deleted (order status Canceled); CPS keeps labels reserved" in result["msg"]


@pytest.mark.parametrize("validation_type, warning", [
    ("DV", "organization is not sent for a DV certificate"),
    (None, "certificate 11605: organization is not sent for a DV certificate"),
])
def test_dv_certificate_with_an_organization_is_unchanged(http, module_exits, validation_type, warning):
    """An organization on an existing DV certificate (created with one, as the Go SDK's example does) is
    neither compared nor sent as a change, so a re-run stays unchanged: the strict mock has no PUT
    .../organization. Before, the module failed ("organization is refused ...")."""
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    args = dict(DV, organization=ORG, validation_type=validation_type)
    if validation_type is None:
        del args["validation_type"]
    ok, result = run(main, args, diff=True)
    assert ok and result["changed"] is False and writes(http) == [] and result["request"] == []
    assert len(module_exits) == 1 and module_exits[0].startswith(warning)
    assert "organization" not in result["diff"]["before"] and "organization" not in result["diff"]["after"]


def test_notifications_without_enabled_read_as_disabled(http, module_exits):
    """CPS may leave ``enabled`` out when it is false and send ``emails`` as null or not at all (the Go SDK's
    EmailNotification tags ``enabled`` omitempty: Edgio/ec-sdk-go edgecast/cps/models/email_notification.go).
    Such items read as disabled without e-mails, so settings that want them disabled send no PATCH (the
    strict mock has none registered)."""
    notes = collection("/v2.0/certificates/11605/notifications", [
        {"notification_type": "CertificateRenewal", "emails": None},
        {"notification_type": "CertificateExpiring"},
        {"notification_type": "PendingValidations", "enabled": None, "emails": []}])
    existing(http, notes=notes)
    off = [{"notification_type": kind, "enabled": False}
           for kind in ("CertificateRenewal", "CertificateExpiring", "PendingValidations")]
    ok, result = run(main, dict(DV, notifications=off), diff=True)
    assert ok and result["changed"] is False and writes(http) == []
    assert result["diff"]["before"]["notifications"] == [dict(n, emails=[]) for n in sorted(
        off, key=lambda n: n["notification_type"])]


def test_notification_patch_sends_enabled_false_explicitly(http, module_exits):
    """The module's PATCH always carries ``enabled``, false included, though the Go SDK would leave it out:
    the docs and Terraform call it required, and an explicit false means the same to either reading."""
    notes = collection("/v2.0/certificates/11605/notifications", [
        {"notification_type": "CertificateRenewal", "enabled": True, "emails": ["ops@example.com"]},
        {"notification_type": "CertificateExpiring"},
        {"notification_type": "PendingValidations", "emails": None}])
    existing(http, notes=notes)
    http.patch(CPS + "/v2.0/certificates/11605/notifications", json=notifications())
    certificate(http, cert_node(), status_node())
    ok, result = run(main, dict(DV, notifications=[{"notification_type": "CertificateRenewal", "enabled": False},
                                                   {"notification_type": "PendingValidations", "enabled": False}]))
    assert ok and result["changed"] is True
    assert body(calls(http, "PATCH")[0]) == [{"notification_type": "CertificateRenewal", "enabled": False, "emails": []}]


def test_validation_type_cannot_change(http, module_exits):
    existing(http)
    ok, result = run(main, dict(DV, validation_type="OV", organization=ORG))
    assert not ok and "validation_type cannot change after creation" in result["msg"]


def test_organization_change_waits_for_issuance(http, module_exits):
    node = cert_node(validation_type="OV", organization=dict(ORG, id=1002, city="Old Town"))
    existing(http, "OtherValidation", "Pending", node=node)
    ok, result = run(main, dict(DV, validation_type="OV", organization=ORG))
    assert not ok and "the organization cannot change while the CA is processing" in result["msg"]


def test_organization_change_on_an_issued_certificate(http, module_exits):
    node = cert_node(validation_type="OV", organization=dict(ORG, id=1002, city="Old Town"), issued=True)
    existing(http, "Active", "Issued", node=node)
    http.put(CPS + "/v2.0/certificates/11605/organization", json=ORG)
    certificate(http, node, status_node(status="Active", order="AwaitingOrgUpdate"))
    ok, result = run(main, dict(DV, validation_type="OV", organization=ORG), diff=True)
    assert ok and result["changed"] and body(calls(http, "PUT")[0]) == ORG
    assert result["diff"]["before"]["organization"]["city"] == "Old Town"


# -- cancel and delete -----------------------------------------------------------------------
def test_cancel_while_processing(http, module_exits):
    existing(http, "DomainControlValidation", "Pending")
    cancel(http)
    certificate(http, cert_node(), status_node(status="Deleted", order="Canceled"))
    ok, result = run(main, {"label": LABEL, "state": "canceled"})
    assert ok and result["changed"] and result["certificate"]["phase"] == "canceled"
    assert result["cancel_action"] == "Cancel"
    assert [c.request.url.split("?")[1] for c in calls(http, "PUT")] == ["apply=false", "apply=true"]
    assert result["request"] == [{"method": "PUT", "path": "/v2.0/certificates/11605/cancel?apply=true", "body": None}]


def test_cancel_of_an_issued_certificate_points_to_absent(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    ok, result = run(main, {"label": LABEL, "state": "canceled"})
    assert not ok and "is issued" in result["msg"] and "Use state=absent to delete it" in result["msg"]
    assert "no renewal, reissue or organization update is pending" in result["msg"]
    assert writes(http) == []


# Cancel or DELETE is the vendor's decision: Edgio/terraform-provider-edgecast edgecast/resources/cps/certificate.go
# (ResourceCertificateDelete) cancels a request in Processing without an order, or in DomainControlValidation /
# OtherValidation with its order Pending, and DELETEs every other one. Before, the module cancelled every request that
# was not Deployment/Active, so a request whose order the CA had rejected during validation got a cancel (refused).
VENDOR_REMOVAL = [
    ("Processing", None, "cancel"),
    ("DomainControlValidation", "Pending", "cancel"),
    ("OtherValidation", "Pending", "cancel"),
    ("DomainControlValidation", "Rejected", "delete"),
    ("OtherValidation", "Rejected", "delete"),
    ("Deployment", "Issued", "delete"),
    ("Active", "Issued", "delete"),
    ("Active", "PendingRenewal", "delete"),
]


@pytest.mark.parametrize("status, order, removal", VENDOR_REMOVAL)
def test_absent_cancels_or_deletes_as_the_vendor_decides(http, module_exits, status, order, removal):
    existing(http, status, order, node=cert_node(issued=status in ("Deployment", "Active")))
    if removal == "cancel":
        cancel(http)
        expected = [("PUT", "/v2.0/certificates/11605/cancel?apply=false"), ("PUT", "/v2.0/certificates/11605/cancel?apply=true")]
    else:
        http.delete(CPS + "/v2.0/certificates/11605", status=204)
        expected = [("DELETE", "/v2.0/certificates/11605")]
    certificate(http, cert_node(), status_node(status="Deleted", order="Canceled" if removal == "cancel" else "Deleted"))
    ok, result = run(main, {"label": LABEL, "state": "absent"})
    assert ok and result["changed"] and writes(http) == expected


# state=canceled reverts a pending renewal instead (see the revert tests below)
@pytest.mark.parametrize("status, order", [(s, o) for s, o, removal in VENDOR_REMOVAL
                                           if removal == "delete" and o != "PendingRenewal"])
def test_canceled_refuses_what_the_vendor_deletes_and_names_absent(http, module_exits, status, order):
    existing(http, status, order, node=cert_node(issued=status in ("Deployment", "Active")))
    ok, result = run(main, {"label": LABEL, "state": "canceled"})
    assert not ok and writes(http) == []
    assert "Use state=absent to delete it" in result["msg"] and "order status %s" % order in result["msg"]


def test_cancel_of_a_canceled_certificate_is_unchanged(http, module_exits):
    existing(http, "Deleted", "Canceled")
    ok, result = run(main, {"label": LABEL, "state": "canceled"})
    assert ok and result["changed"] is False and result["certificate"]["phase"] == "canceled"


def test_absent_deletes_an_issued_certificate(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    http.delete(CPS + "/v2.0/certificates/11605", status=204)
    certificate(http, cert_node(issued=True), status_node(status="Deleted", order="Deleted"))
    ok, result = run(main, {"label": LABEL, "state": "absent"}, diff=True)
    assert ok and result["changed"] and writes(http) == [("DELETE", "/v2.0/certificates/11605")]
    assert result["diff"]["before"]["status"] == "Active" and result["diff"]["after"]["status"] == "Deleted"


def test_absent_cancels_a_pending_request(http, module_exits):
    existing(http)
    cancel(http)
    certificate(http, cert_node(), status_node(status="Deleted"))
    ok, result = run(main, {"label": LABEL, "state": "absent"})
    assert ok and result["changed"]
    assert writes(http) == [("PUT", "/v2.0/certificates/11605/cancel?apply=false"),
                            ("PUT", "/v2.0/certificates/11605/cancel?apply=true")]
    # never placed with the CA: no order to cancel, so the order status stays null (phase deleted)
    assert result["certificate"]["order_status"] is None and result["certificate"]["phase"] == "deleted"


def test_absent_in_check_mode_predicts_the_delete(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    ok, result = run(main, {"label": LABEL, "state": "absent"}, check_mode=True)
    assert ok and result["changed"] and writes(http) == []
    assert result["certificate"]["status"] == "Deleted" and result["request"][0]["method"] == "DELETE"


def test_absent_when_gone_is_unchanged(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    ok, result = run(main, {"label": LABEL, "state": "absent"})
    assert ok and result["changed"] is False and result["certificate"] is None


def test_ambiguous_delete_is_settled_by_the_status_not_repeated(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    http.delete(CPS + "/v2.0/certificates/11605", status=502, body="<html>Bad gateway</html>")
    http.get(CPS + "/v2.0/certificates/11605/status", json=status_node(status="Deleted", order="Deleted"))
    ok, result = run(main, {"label": LABEL, "state": "absent"})
    assert ok and result["changed"] and len(calls(http, "DELETE")) == 1
    assert "took effect; it was not repeated" in module_exits[0]


# -- actions ---------------------------------------------------------------------------------
def test_dcv_check_during_dcv(http, module_exits):
    existing(http, "DomainControlValidation", "Pending")
    http.put(CPS + "/v2.0/dcv/certificates/11605/check", status=204)
    certificate(http, cert_node(), status_node(status="DomainControlValidation", order="Pending"))
    ok, result = run(main, {"label": LABEL, "action": "dcv_check"})
    assert ok and result["changed"] and writes(http) == [("PUT", "/v2.0/dcv/certificates/11605/check")]


def test_dcv_check_after_dcv_is_unchanged_and_while_processing_fails(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    ok, result = run(main, {"label": LABEL, "action": "dcv_check"})
    assert ok and result["changed"] is False
    next_run(http)
    existing(http, "Processing")
    ok, result = run(main, {"label": LABEL, "action": "dcv_check"})
    assert not ok and "not placed with the CA yet" in result["msg"]


def test_retrigger_only_a_timed_out_request(http, module_exits):
    node = cert_node()
    node["domains"][0]["status"] = "TimedOut"
    existing(http, "DomainControlValidation", "Pending", node=node)
    http.put(CPS + "/v2.0/certificates/11605/retrigger", status=204)
    certificate(http, cert_node(), status_node(status="DomainControlValidation", order="Pending"))
    ok, result = run(main, {"label": LABEL, "action": "retrigger"})
    assert ok and result["changed"] and writes(http) == [("PUT", "/v2.0/certificates/11605/retrigger")]
    next_run(http)
    existing(http, "DomainControlValidation", "Pending")
    ok, result = run(main, {"label": LABEL, "action": "retrigger"})
    assert ok and result["changed"] is False


def test_renew_an_issued_certificate_once(http, module_exits):
    existing(http, "Active", "Issued", node=cert_node(issued=True))
    http.put(CPS + "/v2.0/certificates/11605/renew", status=204)
    certificate(http, cert_node(issued=True), status_node(status="Active", order="AwaitingRenewal"))
    ok, result = run(main, {"label": LABEL, "action": "renew"})
    assert ok and result["changed"] and writes(http) == [("PUT", "/v2.0/certificates/11605/renew")]
    assert result["renewal"]["needed"] is True and result["renewal"]["renew_within_days"] == 30
    assert result["renewal"]["days_left"] < 0  # the sample expired in 2022
    next_run(http)
    existing(http, "Active", "PendingRenewal", node=cert_node(issued=True))
    ok, result = run(main, {"label": LABEL, "action": "renew"})
    assert ok and result["changed"] is False and writes(http) == []
    assert result["renewal"]["needed"] is False and "already pending" in result["renewal"]["reason"]
    next_run(http)
    existing(http, "DomainControlValidation", "Pending")
    ok, result = run(main, {"label": LABEL, "action": "renew"})
    assert ok and result["changed"] is False and writes(http) == []
    assert result["renewal"] == {"needed": False, "days_left": None, "renew_within_days": 30, "reason": (
        "the certificate is not issued (status DomainControlValidation, order status Pending); CPS renews only an "
        "issued certificate (status Deployment or Active)")}


@pytest.mark.parametrize("days, within, needed", [(29, None, True), (30, None, True), (31, None, False),
                                                  (31, 31, True), (0, 0, True), (1, 0, False), (200, 365, True)])
def test_renew_only_within_renew_within_days(http, module_exits, days, within, needed):
    node = cert_node(issued=True, expiration_date=expires_in(days))
    existing(http, "Active", "Issued", node=node)
    if needed:
        http.put(CPS + "/v2.0/certificates/11605/renew", status=204)
        certificate(http, node, status_node(status="Active", order="AwaitingRenewal"))
    args = {"label": LABEL, "action": "renew"}
    if within is not None:
        args["renew_within_days"] = within
    ok, result = run(main, args)
    assert ok and result["changed"] is needed and bool(writes(http)) is needed
    renewal = result["renewal"]
    assert renewal["needed"] is needed and renewal["days_left"] == days
    assert renewal["renew_within_days"] == (30 if within is None else within)
    assert ("within" if needed else "more than") in renewal["reason"]


@pytest.mark.parametrize("days", [10, 90])
def test_renew_check_mode_decides_as_the_real_run_without_writing(http, module_exits, days):
    node = cert_node(issued=True, expiration_date=expires_in(days))
    existing(http, "Active", "Issued", node=node)
    ok, checked = run(main, {"label": LABEL, "action": "renew"}, check_mode=True)
    assert ok and writes(http) == []
    next_run(http)
    existing(http, "Active", "Issued", node=node)
    if days <= 30:
        http.put(CPS + "/v2.0/certificates/11605/renew", status=204)
        certificate(http, node, status_node(status="Active", order="AwaitingRenewal"))
    ok, real = run(main, {"label": LABEL, "action": "renew"})
    assert ok and checked["changed"] == real["changed"] == (days <= 30)
    assert checked["renewal"] == real["renewal"] and checked["request"] == real["request"]
    assert checked["certificate"]["order_status"] == real["certificate"]["order_status"]


@pytest.mark.parametrize("order, reason", [("PendingReissue", "a reissue is pending"),
                                           ("Revoked", "revoked"), ("Expired", None)])
def test_renew_around_other_order_statuses(http, module_exits, order, reason):
    existing(http, "Active", order, node=cert_node(issued=True))
    if reason is None:  # an expired certificate is renewed
        http.put(CPS + "/v2.0/certificates/11605/renew", status=204)
        certificate(http, cert_node(issued=True), status_node(status="Active", order="AwaitingRenewal"))
    ok, result = run(main, {"label": LABEL, "action": "renew"})
    assert ok and result["changed"] is (reason is None)
    if reason:
        assert reason in result["renewal"]["reason"] and writes(http) == []


@pytest.mark.parametrize("args, message", [
    ({"renew_within_days": 10}, "renew_within_days applies only with action=renew"),
    ({"renew_within_days": 10, "action": "dcv_check"}, "renew_within_days applies only with action=renew"),
    ({"renew_within_days": -1, "action": "renew"}, "renew_within_days must be a number of days from 0 to 3650"),
    ({"renew_within_days": 3651, "action": "renew"}, "renew_within_days must be a number of days from 0 to 3650"),
])
def test_renew_within_days_is_checked_before_any_request(http, module_exits, args, message):
    ok, result = run(main, dict(label=LABEL, **args))
    assert not ok and message in result["msg"] and not http.calls


# -- cancel during a pending change: the cancel endpoint reverts it --------------------------
@pytest.mark.parametrize("order", ["AwaitingRenewal", "PendingRenewal", "PendingReissue", "PendingOrgUpdate"])
def test_canceled_reverts_a_pending_change_of_an_issued_certificate(http, module_exits, order):
    existing(http, "Active", order, node=cert_node(issued=True))
    cancel(http, "Revert")
    certificate(http, cert_node(issued=True), status_node(status="Active", order="Issued"))
    ok, result = run(main, {"label": LABEL, "state": "canceled"}, diff=True)
    assert ok and result["changed"] and result["cancel_action"] == "Revert"
    assert writes(http) == [("PUT", "/v2.0/certificates/11605/cancel?apply=false"),
                            ("PUT", "/v2.0/certificates/11605/cancel?apply=true")]
    assert result["certificate"]["status"] == "Active" and result["certificate"]["order_status"] == "Issued"
    assert result["diff"]["before"]["order_status"] == order and result["diff"]["after"]["order_status"] == "Issued"
    assert "absent" not in str(result) and not module_exits


def test_revert_in_check_mode_returns_the_preview_and_writes_nothing(http, module_exits):
    existing(http, "Active", "PendingRenewal", node=cert_node(issued=True))
    http.put(CPS + "/v2.0/certificates/11605/cancel", json={"action": {"id": 2, "name": "Revert"}},
             match=[matchers.query_param_matcher({"apply": "false"})])
    ok, result = run(main, {"label": LABEL, "state": "canceled"}, check_mode=True)
    assert ok and result["changed"] and result["cancel_action"] == "Revert"
    assert writes(http) == [("PUT", "/v2.0/certificates/11605/cancel?apply=false")]
    assert result["request"][0]["path"].endswith("?apply=true") and result["certificate"]["order_status"] == "Issued"


@pytest.mark.parametrize("action", ["Cancel", "Delete", None])
def test_a_preview_that_is_not_a_revert_is_never_applied_to_an_issued_certificate(http, module_exits, action):
    existing(http, "Active", "PendingRenewal", node=cert_node(issued=True))
    http.put(CPS + "/v2.0/certificates/11605/cancel", json={"action": {"id": 1, "name": action}} if action else None,
             match=[matchers.query_param_matcher({"apply": "false"})])
    ok, result = run(main, {"label": LABEL, "state": "canceled"})
    assert not ok and result["changed"] is False and "not a revert of the pending change" in result["msg"]
    assert writes(http) == [("PUT", "/v2.0/certificates/11605/cancel?apply=false")]
    assert "absent" not in result["msg"]


def test_the_read_back_after_a_cancel_waits_until_the_cancel_shows(http, module_exits, clock):
    """CPS answers the cancel 204 and may apply it later: the status is read until it shows, so the
    result does not depend on how soon the read-back comes (before: one read, which could show the
    request still in DomainControlValidation)."""
    existing(http, "DomainControlValidation", "Pending")
    cancel(http)
    status_url = CPS + "/v2.0/certificates/11605/status"
    http.get(status_url, json=status_node(status="DomainControlValidation", order="Pending"))
    http.get(status_url, json=status_node(status="DomainControlValidation", order="Pending"))
    http.get(status_url, json=status_node(status="Deleted", order="Canceled"))
    http.get(CPS + "/v2.0/certificates/11605", json=cert_node())
    ok, result = run(main, {"label": LABEL, "state": "canceled"})
    assert ok and result["changed"] and result["certificate"]["status"] == "Deleted"
    assert result["certificate"]["order_status"] == "Canceled" and result["certificate"]["phase"] == "canceled"
    assert len(calls(http, "GET", "/v2.0/certificates/11605/status")) == 4  # before, and three after
    assert len(calls(http, "PUT")) == 2  # never sent again


def test_a_cancel_that_never_shows_fails_saying_it_was_accepted(http, module_exits, clock):
    existing(http, "DomainControlValidation", "Pending")
    cancel(http)
    http.get(CPS + "/v2.0/certificates/11605/status", json=status_node(status="DomainControlValidation", order="Pending"))
    ok, result = run(main, {"label": LABEL, "state": "canceled", "wait_timeout": 20})
    assert not ok and result["changed"] is True and "CPS accepted the cancel" in result["msg"]
    assert len(calls(http, "PUT")) == 2


# -- DCV actions -----------------------------------------------------------------------------
def test_regenerate_dcv_token_returns_the_new_token_and_its_record(http, module_exits):
    existing(http, "DomainControlValidation", "Pending")
    http.put(CPS + "/v2.0/dcv/certificates/11605/token", json=collection("/v2.0/dcv/certificates/11605/token", [
        {"domain_id": 21001, "dcv_method": "DnsTxtToken", "dcv_token": {"token": "fresh"}}]),
        match=[matchers.query_param_matcher({"domain_ids": "21001"})])
    http.get(CPS + "/v2.0/certificates/11605", json=cert_node())
    http.get(CPS + "/v2.0/certificates/11605/status", json=status_node(status="DomainControlValidation", order="Pending"))
    ok, result = run(main, {"label": LABEL, "action": "regenerate_dcv_token"})
    assert ok and result["changed"] and writes(http) == [("PUT", "/v2.0/dcv/certificates/11605/token?domain_ids=21001")]
    (dcv,) = result["certificate"]["dcv"]
    assert dcv["token"] == "fresh" and dcv["dns_record"] == {"name": "cdn.example.com", "type": "TXT", "value": "fresh"}


def test_regenerate_dcv_token_in_check_mode_writes_nothing(http, module_exits):
    existing(http, "DomainControlValidation", "Pending")
    ok, result = run(main, {"label": LABEL, "action": "regenerate_dcv_token"}, check_mode=True)
    assert ok and result["changed"] and writes(http) == []
    assert result["request"][0]["path"] == "/v2.0/dcv/certificates/11605/token?domain_ids=21001"
    assert result["certificate"]["dcv"][0]["token"] is None  # CPS makes it: not known before


def test_resend_dcv_email_for_email_dcv(http, module_exits):
    node = cert_node(dcv_method="Email")
    existing(http, "DomainControlValidation", "Pending", node=node)
    http.post(CPS + "/v2.0/dcv/certificates/11605/emails/resend", status=204)
    certificate(http, node, status_node(status="DomainControlValidation", order="Pending"))
    ok, result = run(main, {"label": LABEL, "action": "resend_dcv_email"})
    assert ok and result["changed"] and writes(http) == [("POST", "/v2.0/dcv/certificates/11605/emails/resend")]


@pytest.mark.parametrize("action, method, status, order, message", [
    ("regenerate_dcv_token", "Email", "DomainControlValidation", "Pending", "its dcv_method is Email"),
    ("resend_dcv_email", "DnsTxtToken", "DomainControlValidation", "Pending", "its dcv_method is DnsTxtToken"),
    ("regenerate_dcv_token", "DnsTxtToken", "Active", "Issued", "(status Active, order status Issued)"),
    ("resend_dcv_email", "Email", "Processing", None, "(status Processing, order status none)"),
    ("resend_dcv_email", "Email", "OtherValidation", "Pending", "(status OtherValidation"),
])
def test_dcv_actions_fail_clearly_outside_dcv_or_for_the_other_method(
        http, module_exits, action, method, status, order, message):
    existing(http, status, order, node=cert_node(dcv_method=method, issued=status == "Active"))
    ok, result = run(main, {"label": LABEL, "action": action})
    assert not ok and message in result["msg"] and "action=%s" % action in result["msg"] and writes(http) == []


def test_action_on_a_missing_certificate_fails_before_creating(http, module_exits):
    token(http)
    listing(http, QUERY, [])
    ok, result = run(main, dict(DV, action="dcv_check"))
    assert not ok and "needs an existing certificate" in result["msg"] and writes(http) == []


def test_token_expiry_mid_run_renews_and_repeats_once(http, module_exits, clock):
    token(http, "tok-1")
    token(http, "tok-2")
    listing(http, QUERY, [])
    unauthorized = error("unauthorized", 401, "You are not authorized to access this resource")
    http.post(CREATE, status=401, json=unauthorized)
    http.post(CREATE, status=201, json=cert_node())
    certificate(http, cert_node(), status_node())
    ok, result = run(main, DV)
    assert ok and result["changed"]
    posts = calls(http, "POST", "/v2.0/certificates/cdnprovided")
    assert [c.request.headers["Authorization"] for c in posts] == ["Bearer tok-1", "Bearer tok-2"]
