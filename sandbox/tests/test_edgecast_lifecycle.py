"""CPS lifecycle on the sandbox clock: DV and OV paths, markers, cancel, delete, renew, retrigger, reissue,
organization update, DCV endpoints, forced statuses and the status @type switch."""

import pytest

from test_edgecast_support import ORGANIZATION, assert_empty, assert_error, cps, slow  # noqa: F401

DAY = 86400
# The sandbox clock is frozen in these tests (conftest.py): only control.advance moves it. Transitions
# on short durations are checked half a second before and half a second after their scheduled time.


def order(status):
    return (status["order_validation"] or {}).get("status")


def dcv(cps, cert, query=""):
    ids = ",".join(str(d["id"]) for d in cert["domains"])
    response = cps.get("/v2.0/dcv/certificates/%d?domain_ids=%s%s" % (cert["id"], ids, query))
    assert response.status_code == 200, response.text
    return response.json()


# -- the new-order paths ----------------------------------------------------------------------------
def test_dv_lifecycle_with_default_durations(cps, control):
    config = control.configure()["edgecast"]
    total = config["processing_seconds"] + config["dcv_seconds"] + config["deployment_seconds"]
    assert total <= 10
    cert = cps.create("dv_life", domains=[{"name": "cdn.example.com", "is_common_name": True},
                                          {"name": "cdn2.example.com"}])
    status = cps.status(cert["id"])
    assert (status["status"], status["step"], status["order_validation"]) == ("Processing", 1, None)
    assert status["@type"] == "Certificate" and status["@id"] == "/v2.0/certificates/%d/status" % cert["id"]
    assert dcv(cps, cert)["items"][0]["dcv_token"] is None  # no DNS TXT token while Processing

    control.advance(config["processing_seconds"] - 0.5)
    assert cps.status(cert["id"])["status"] == "Processing"
    control.advance(1)
    status = cps.status(cert["id"])
    assert (status["status"], status["step"], order(status)) == ("DomainControlValidation", 2, "Pending")
    assert status["requires_attention"] is True
    assert status["order_validation"]["organization_validation"] == {"status": "NA", "validation_type": "DV"}
    assert [v["status"] for v in status["order_validation"]["domain_validations"]] == ["Pending", "Pending"]
    assert status["order_validation"]["domain_validations"][1]["domain_names"] == ["cdn2.example.com"]
    items = dcv(cps, cert)["items"]
    assert len(items) == 1 and items[0]["domain_id"] == cert["domains"][0]["id"]
    assert items[0]["dcv_method"] == "DnsTxtToken" and len(items[0]["dcv_token"]["token"]) == 32
    body = cps.cert(cert["id"])
    assert [d["status"] for d in body["domains"]] == ["PendingDns"] * 2 and body["thumbprint"] is None

    control.advance(config["dcv_seconds"] - 1)
    assert cps.status(cert["id"])["status"] == "DomainControlValidation"
    control.advance(1)
    status = cps.status(cert["id"])
    assert (status["status"], status["step"], order(status)) == ("Deployment", 4, "Issued")
    body = cps.cert(cert["id"])
    assert body["thumbprint"] and body["expiration_date"] != "0001-01-01T00:00:00Z" and body["deployments"] is None

    control.advance(config["deployment_seconds"] - 1)
    assert cps.status(cert["id"])["status"] == "Deployment"
    control.advance(1)
    status = cps.status(cert["id"])
    assert (status["status"], status["step"], order(status)) == ("Active", 5, "Issued")
    assert status["requires_attention"] is False and status["error_message"] is None
    assert [v["status"] for v in status["order_validation"]["domain_validations"]] == ["Approved", "Approved"]
    body = cps.cert(cert["id"])
    assert body["deployments"][0]["platform"] == "HttpLarge" and body["deployments"][0]["hex_url"]
    assert all(d["status"] == "Active" and d["active_date"] for d in body["domains"])
    assert body["expiration_date"] > body["created"]


def test_ov_lifecycle_goes_through_other_validation(cps, slow, control):
    cert = cps.create("ov_life", validation_type="OV")
    control.advance(100)
    status = cps.status(cert["id"])
    assert status["status"] == "DomainControlValidation"
    assert status["order_validation"]["organization_validation"] == {"status": "Pending", "validation_type": "OV"}
    control.advance(100)
    status = cps.status(cert["id"])
    assert (status["status"], status["step"], order(status)) == ("OtherValidation", 3, "Pending")
    assert status["order_validation"]["domain_validations"][0]["status"] == "Approved"
    assert status["order_validation"]["organization_validation"]["status"] == "Pending"
    control.advance(100)
    assert cps.status(cert["id"])["status"] == "Deployment"
    control.advance(100)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "Issued")
    assert status["order_validation"]["organization_validation"] == {"status": "Approved", "validation_type": "OV"}


def test_a_clock_jump_lands_in_the_right_status_with_event_dates(cps, control):
    config = control.configure()["edgecast"]
    cert = cps.create("jump")
    control.advance(3600)
    assert cps.status(cert["id"])["status"] == "Active"
    body = cps.cert(cert["id"])
    created = _seconds(body["created"])
    # each step happened at its own scheduled time, not at the time of the jump
    total = config["processing_seconds"] + config["dcv_seconds"] + config["deployment_seconds"]
    assert abs(_seconds(body["domains"][0]["active_date"]) - created - total) < 0.01
    issued = created + total - config["deployment_seconds"]
    expected_expiry = issued + config["validity_days"] * DAY
    assert abs(_seconds(body["expiration_date"]) - expected_expiry) < 0.01


def _seconds(iso):
    import datetime
    moment = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def test_config_changes_apply_to_certificates_created_afterwards(cps, control):
    before = cps.create("before_change")
    control.configure(edgecast={"dcv_seconds": 1000})
    after = cps.create("after_change")
    control.advance(20)
    assert cps.status(before["id"])["status"] == "Active"
    assert cps.status(after["id"])["status"] == "DomainControlValidation"


# -- markers --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["label", "domain"])
def test_reject_marker_dv(cps, slow, control, where):
    if where == "label":
        cert = cps.create("web-sbx-reject")
    else:
        cert = cps.create("plain_label", domains=[{"name": "sbx-reject.example.com", "is_common_name": True}])
    control.advance(200)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("DomainControlValidation", "Rejected")
    assert status["requires_attention"] is True and status["error_message"]
    assert status["order_validation"]["domain_validations"][0]["status"] == "Rejected"
    body = cps.cert(cert["id"])
    assert "sbx-reject" in body["workflow_error_message"] and body["domains"][0]["status"] == "Rejected"
    control.advance(30 * DAY)
    assert cps.status(cert["id"])["status"] == "DomainControlValidation"
    assert cps.cert(cert["id"])["thumbprint"] is None


def test_reject_marker_ov_rejects_the_organization(cps, slow, control):
    cert = cps.create("ov-sbx-reject", validation_type="OV")
    control.advance(300)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("OtherValidation", "Rejected")
    assert status["order_validation"]["organization_validation"]["status"] == "Rejected"
    assert status["order_validation"]["domain_validations"][0]["status"] == "Approved"


def test_timeout_marker_and_retrigger(cps, slow, control):
    cert = cps.create("web-sbx-timeout")
    path = "/v2.0/certificates/%d" % cert["id"]
    assert_error(cps.put(path + "/retrigger"), 409, "invalid_operation")
    control.advance(100)
    assert_empty(cps.put("/v2.0/dcv/certificates/%d/check" % cert["id"]))  # no escape from the timeout
    control.advance(100)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("DomainControlValidation", "Pending")
    assert status["requires_attention"] is True and status["error_message"]
    body = cps.cert(cert["id"])
    assert body["domains"][0]["status"] == "TimedOut" and "timed out" in body["workflow_error_message"]
    control.advance(10 * DAY)
    assert cps.cert(cert["id"])["domains"][0]["status"] == "TimedOut"
    assert_empty(cps.put(path + "/retrigger"))
    body = cps.cert(cert["id"])
    assert body["workflow_error_message"] is None and body["domains"][0]["status"] == "PendingDns"
    assert_error(cps.put(path + "/retrigger"), 409, "invalid_operation")
    control.advance(100)
    assert cps.status(cert["id"])["status"] == "Deployment"
    control.advance(100)
    assert cps.status(cert["id"])["status"] == "Active"


def test_stall_marker_waits_for_dcv_forever(cps, slow, control):
    cert = cps.create("stuck_sbx-stall")
    control.advance(100)
    assert_empty(cps.put("/v2.0/dcv/certificates/%d/check" % cert["id"]))
    control.advance(365 * DAY)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("DomainControlValidation", "Pending")
    assert status["error_message"] is None
    control.force("edgecast", cert["id"], "Active")
    assert cps.status(cert["id"])["status"] == "Active"


def test_issue_after_marker_staggers_issuance(cps, slow, control):
    late = cps.create("web-sbx-t12")
    ov = cps.create("ov-sbx-t30", validation_type="OV")
    now = cps.create("now-sbx-t0")
    assert cps.status(now["id"])["status"] == "Active"
    control.advance(11.5)
    assert cps.status(late["id"])["status"] == "Deployment"
    control.advance(1)  # 12.5 s
    assert cps.status(late["id"])["status"] == "Active"
    # OV with sbx-t30: four equal phases of 7.5 s (processing, DCV, other validation, deployment)
    assert cps.status(ov["id"])["status"] == "DomainControlValidation"
    control.advance(17)  # 29.5 s
    assert cps.status(ov["id"])["status"] == "Deployment"
    control.advance(1)  # 30.5 s
    assert cps.status(ov["id"])["status"] == "Active"
    listed = {o["id"]: o for o in control.orders("edgecast")}
    assert listed[late["id"]]["markers"] == ["sbx-t12"]


def test_markers_combine_and_take_precedence(cps, slow, control):
    rejected_fast = cps.create("x-sbx-reject-sbx-t5")
    stalled = cps.create("sbx-timeout-sbx-stall")
    not_a_marker = cps.create("websbx-reject", domains=[{"name": "sbx-rejected.example.com"}])
    control.advance(5)
    assert order(cps.status(rejected_fast["id"])) == "Rejected"
    listed = {o["id"]: o for o in control.orders("edgecast")}
    assert listed[stalled["id"]]["outcome"] == "stall"
    assert listed[not_a_marker["id"]]["outcome"] == "normal" and listed[not_a_marker["id"]]["markers"] == []
    control.advance(400)
    assert cps.status(not_a_marker["id"])["status"] == "Active"
    assert cps.cert(stalled["id"])["domains"][0]["status"] == "PendingDns"


def test_renew_reject_marker(cps, slow, control):
    cert = cps.create("sbx-renew-reject")
    control.force("edgecast", cert["id"], "Active")
    assert_empty(cps.put("/v2.0/certificates/%d/renew" % cert["id"]))
    control.advance(200)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "RenewalRejected")
    assert "sbx-renew-reject" in cps.cert(cert["id"])["workflow_error_message"]


def test_reissue_reject_marker_keeps_the_old_domains(cps, slow, control):
    cert = cps.create("web-sbx-reissue-reject", domains=[{"name": "www.example.com", "is_common_name": True}])
    control.force("edgecast", cert["id"], "Active")
    thumbprint = cps.cert(cert["id"])["thumbprint"]
    cps.patch("/v2.0/certificates/%d" % cert["id"],
              json={"domains": [{"name": "www.example.com", "is_common_name": True}, {"name": "new.example.com"}]})
    control.advance(200)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "ReissueRejected")
    body = cps.cert(cert["id"])
    assert [d["name"] for d in body["domains"]] == ["www.example.com"] and body["thumbprint"] == thumbprint
    assert "sbx-reissue-reject" in body["workflow_error_message"]


# -- cancel, delete, renew -------------------------------------------------------------------------------
def test_cancel_preview_and_apply_while_processing(cps, slow):
    cert = cps.create("cancel_me")
    path = "/v2.0/certificates/%d/cancel" % cert["id"]
    preview = cps.put(path + "?apply=false")
    assert preview.status_code == 200 and preview.json() == {"action": {"id": 1, "name": "Cancel"}}
    assert cps.put(path).json() == {"action": {"id": 1, "name": "Cancel"}}
    assert cps.status(cert["id"])["status"] == "Processing"
    assert_empty(cps.put(path + "?apply=true"))
    status = cps.status(cert["id"])
    assert status["status"] == "Deleted" and status["order_validation"] is None
    body = cps.cert(cert["id"])
    assert body["domains"][0]["status"] == "Delete"
    assert body["modified_by"] is None  # null: never issued
    # never placed with the CA, so no DNS TXT token, even though the status has left Processing
    assert dcv(cps, cert)["items"][0]["dcv_token"] is None
    refused = assert_error(cps.put("/v2.0/dcv/certificates/%d/check" % cert["id"]), 409, "invalid_operation")
    assert refused["details"][0]["description"] == "A DCV check is not possible on a certificate that is deleted"
    assert_error(cps.put(path + "?apply=true"), 409, "invalid_operation")
    assert_error(cps.put(path + "?apply=maybe"), 400, "invalid_input", "/apply")


def test_cancel_during_validation_cancels_the_order(cps, slow, control):
    cert = cps.create("cancel_dcv")
    control.advance(100)
    assert_empty(cps.put("/v2.0/certificates/%d/cancel?apply=true" % cert["id"]))
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Deleted", "Canceled")
    control.advance(1000)
    assert cps.status(cert["id"])["status"] == "Deleted"


def test_an_order_rejected_in_validation_is_deleted_not_canceled(cps, slow, control):
    """The vendor's Terraform resource (Edgio/terraform-provider-edgecast, edgecast/resources/cps/certificate.go,
    ResourceCertificateDelete) cancels only a request without an order (Processing) or with its order Pending in
    validation, and DELETEs every other one: a request whose order the CA rejected is deleted. (Before, the sandbox
    cancelled it and refused the DELETE.)"""
    cert = cps.create("web-sbx-reject-removal")
    control.advance(200)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("DomainControlValidation", "Rejected")
    path = "/v2.0/certificates/%d" % cert["id"]
    for query in ("?apply=false", "?apply=true"):
        body = assert_error(cps.put(path + "/cancel" + query), 409, "invalid_operation")
        assert "delete it instead" in body["details"][0]["description"]
    assert_empty(cps.delete(path))
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Deleted", "Deleted")


def test_cancel_is_refused_after_issuance(cps, slow, control):
    cert = cps.create("cancel_late")
    control.force("edgecast", cert["id"], "Active")
    for query in ("?apply=false", "?apply=true"):
        body = assert_error(cps.put("/v2.0/certificates/%d/cancel%s" % (cert["id"], query)), 409, "invalid_operation")
        assert "delete" in body["details"][0]["description"]
    assert cps.status(cert["id"])["status"] == "Active"


def test_delete_only_after_issuance(cps, slow, control):
    cert = cps.create("delete_me")
    path = "/v2.0/certificates/%d" % cert["id"]
    assert_error(cps.delete(path), 409, "invalid_operation")
    control.force("edgecast", cert["id"], "Deployment")
    assert_empty(cps.delete(path))
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Deleted", "Deleted")
    body = cps.cert(cert["id"])
    assert body["deployments"] is None and body["domains"][0]["status"] == "Delete"
    assert_error(cps.delete(path), 409, "invalid_operation")
    assert_error(cps.patch(path, json={"description": "x"}), 409, "invalid_operation")
    assert_error(cps.put(path + "/renew"), 409, "invalid_operation")
    notifications = [{"notification_type": "CertificateRenewal", "enabled": False}]
    assert_error(cps.patch(path + "/notifications", json=notifications), 409, "invalid_operation")
    assert cps.get(path + "/notifications").status_code == 200
    assert_error(cps.put("/v2.0/dcv/certificates/%d/check" % cert["id"]), 409, "invalid_operation")


def test_renew_flow_and_revert(cps, slow, control):
    cert = cps.create("renew_me")
    path = "/v2.0/certificates/%d" % cert["id"]
    assert_error(cps.put(path + "/renew"), 409, "invalid_operation")
    control.force("edgecast", cert["id"], "Active")
    before = cps.cert(cert["id"])
    assert_empty(cps.put(path + "/renew"))
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "AwaitingRenewal")
    assert_error(cps.put(path + "/renew"), 409, "invalid_operation")
    control.advance(100)
    status = cps.status(cert["id"])
    assert order(status) == "PendingRenewal"
    assert status["order_validation"]["domain_validations"][0]["status"] == "Pending"
    control.advance(100)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "Renewed")
    after = cps.cert(cert["id"])
    assert after["thumbprint"] != before["thumbprint"] and after["expiration_date"] > before["expiration_date"]
    # a second renewal can be reverted by cancel
    assert_empty(cps.put(path + "/renew"))
    assert cps.put(path + "/cancel?apply=false").json() == {"action": {"id": 2, "name": "Revert"}}
    assert_empty(cps.put(path + "/cancel?apply=true"))
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "Renewed")
    control.advance(1000)
    assert cps.cert(cert["id"])["thumbprint"] == after["thumbprint"]


def test_auto_renewal_and_expiry(cps, slow, control):
    config = control.configure()["edgecast"]
    auto = cps.create("auto_renews")
    manual = cps.create("manual_renewal", auto_renew=False)
    control.force("edgecast", auto["id"], "Active")
    control.force("edgecast", manual["id"], "Active")
    first = cps.cert(auto["id"])["thumbprint"]
    control.advance((config["validity_days"] - config["auto_renew_days_before"]) * DAY + 1)
    assert order(cps.status(auto["id"])) == "AwaitingRenewal"
    assert order(cps.status(manual["id"])) == "Issued"
    control.advance(61 * DAY)
    assert order(cps.status(auto["id"])) == "Renewed" and cps.cert(auto["id"])["thumbprint"] != first
    status = cps.status(manual["id"])
    assert (status["status"], order(status), status["requires_attention"]) == ("Active", "Expired", True)
    assert_empty(cps.put("/v2.0/certificates/%d/renew" % manual["id"]))


# -- reissue and organization update ---------------------------------------------------------------------
def test_domain_change_after_issuance_reissues_and_cancel_reverts(cps, slow, control):
    cert = cps.create("reissue_me", domains=[{"name": "www.example.com", "is_common_name": True}])
    path = "/v2.0/certificates/%d" % cert["id"]
    control.force("edgecast", cert["id"], "Active")
    old_thumbprint = cps.cert(cert["id"])["thumbprint"]
    domains = [{"name": "www.example.com", "is_common_name": True}, {"name": "shop.example.com"}]
    body = cps.patch(path, json={"domains": domains}).json()
    assert [d["status"] for d in body["domains"]] == ["Active", "PendingReissue"]
    assert order(cps.status(cert["id"])) == "AwaitingReissue"
    assert_error(cps.patch(path, json={"domains": domains[:1]}), 409, "invalid_operation")
    control.advance(100)
    assert order(cps.status(cert["id"])) == "PendingReissue"
    control.advance(100)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "Issued")
    body = cps.cert(cert["id"])
    assert [d["status"] for d in body["domains"]] == ["Active", "Active"] and body["thumbprint"] != old_thumbprint
    # another change, reverted with cancel
    body = cps.patch(path, json={"domains": domains + [{"name": "api.example.com"}]}).json()
    assert len(body["domains"]) == 3
    assert_empty(cps.put(path + "/cancel?apply=true"))
    assert [d["name"] for d in cps.cert(cert["id"])["domains"]] == ["www.example.com", "shop.example.com"]
    assert order(cps.status(cert["id"])) == "Issued"


def test_organization_update_for_ov(cps, slow, control):
    cert = cps.create("org_change", validation_type="OV")
    path = "/v2.0/certificates/%d/organization" % cert["id"]
    new_org = dict(ORGANIZATION, company_name="Acme Holdings Ltd.", country="GB", state=None, zip_code=None)
    assert_error(cps.put(path, json=new_org), 409, "invalid_operation")
    control.force("edgecast", cert["id"], "Active")
    assert_error(cps.put(path, json=dict(new_org, city=None)), 400, "invalid_input", "/city")
    response = cps.put(path, json=new_org)
    assert response.status_code == 200
    assert response.json()["company_name"] == "Acme Holdings Ltd." and response.json()["id"] > 0
    assert order(cps.status(cert["id"])) == "AwaitingOrgUpdate"
    control.advance(100)
    status = cps.status(cert["id"])
    assert order(status) == "PendingOrgUpdate"
    assert status["order_validation"]["organization_validation"]["status"] == "Pending"
    control.advance(100)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "OrgUpdated")
    assert cps.cert(cert["id"])["organization"]["company_name"] == "Acme Holdings Ltd."


def test_organization_update_is_for_ov_and_ev_only(cps, slow, control):
    cert = cps.create("dv_no_org")
    control.force("edgecast", cert["id"], "Active")
    response = cps.put("/v2.0/certificates/%d/organization" % cert["id"], json=dict(ORGANIZATION))
    assert_error(response, 409, "invalid_operation")


# -- DCV endpoints ----------------------------------------------------------------------------------------
def test_dcv_metadata_rules(cps, slow, control):
    cert = cps.create("dcv_rules", domains=[{"name": "a.example.com", "is_common_name": True},
                                            {"name": "b.example.com"}])
    base = "/v2.0/dcv/certificates/%d" % cert["id"]
    assert_error(cps.get(base), 400, "invalid_input", "/domain_ids")
    assert_error(cps.get(base + "?domain_ids=1,2"), 400, "invalid_input", "/domain_ids")
    assert_error(cps.get(base + "?domain_ids=x"), 400, "invalid_input", "/domain_ids")
    control.advance(100)
    body = dcv(cps, cert)
    assert body["@type"] == "Collection" and body["@id"].startswith(base + "?domain_ids=")
    token = body["items"][0]["dcv_token"]["token"]
    second_only = cps.get(base + "?domain_ids=%d" % cert["domains"][1]["id"]).json()["items"]
    assert second_only[0]["domain_id"] == cert["domains"][1]["id"] and second_only[0]["dcv_token"]["token"] == token


def test_ov_dcv_has_one_entry_per_parent_domain(cps, slow, control):
    cert = cps.create("ov_groups", validation_type="OV", dcv_method="DnsCnameToken",
                      domains=[{"name": "www.alpha.com", "is_common_name": True}, {"name": "api.alpha.com"},
                               {"name": "www.beta.org"}])
    control.advance(100)
    items = dcv(cps, cert)["items"]
    assert [i["domain_id"] for i in items] == [cert["domains"][0]["id"], cert["domains"][2]["id"]]
    assert items[0]["dcv_token"]["token"] != items[1]["dcv_token"]["token"]
    assert all(i["dcv_method"] == "DnsCnameToken" for i in items)


def test_email_dcv(cps, slow, control):
    cert = cps.create("email_dcv", dcv_method="Email", domains=[{"name": "www.example.net", "is_common_name": True}])
    base = "/v2.0/dcv/certificates/%d" % cert["id"]
    assert_error(cps.post(base + "/emails/resend"), 409, "invalid_operation")
    control.advance(100)
    items = cps.get(base).json()["items"]
    assert items[0]["dcv_token"] is None and "admin@example.net" in items[0]["emails"]
    assert_error(cps.put(base + "/token"), 409, "invalid_operation")
    assert_empty(cps.post(base + "/emails/resend"))
    assert_empty(cps.post(base + "/emails/resend?domain_ids=%d" % cert["domains"][0]["id"]))


def test_dcv_token_generation_check_and_method(cps, slow, control):
    cert = cps.create("dcv_calls")
    base = "/v2.0/dcv/certificates/%d" % cert["id"]
    assert_error(cps.put(base + "/token"), 409, "invalid_operation")
    assert_error(cps.put(base + "/check"), 409, "invalid_operation")
    control.advance(100)
    old = dcv(cps, cert)["items"][0]["dcv_token"]["token"]
    response = cps.put(base + "/token?domain_ids=%d" % cert["domains"][0]["id"])
    assert response.status_code == 200
    body = response.json()
    assert body["@type"] == "Collection" and set(body["items"][0]) == {"domain_id", "dcv_method", "dcv_token"}
    new = body["items"][0]["dcv_token"]["token"]
    assert new != old and dcv(cps, cert)["items"][0]["dcv_token"]["token"] == new
    assert_error(cps.put(base + "/method", json={"dcv_method": "Fax"}), 400, "invalid_input", "/dcv_method")
    assert_empty(cps.put(base + "/method", json={"dcv_method": "DnsCnameToken"}))
    assert cps.cert(cert["id"])["dcv_method"] == "DnsCnameToken"
    assert_error(cps.put(base + "/check?domain_ids=7"), 400, "invalid_input")
    assert_empty(cps.put(base + "/check"))
    control.advance(10 - 0.5)  # dcv_check_seconds (10 with the slow fixture) after the check
    assert cps.status(cert["id"])["status"] == "DomainControlValidation"
    control.advance(1)
    assert cps.status(cert["id"])["status"] == "Deployment"
    assert_error(cps.put(base + "/check"), 409, "invalid_operation")
    assert_error(cps.put(base + "/method", json={"dcv_method": "Email"}), 409, "invalid_operation")


# -- forced statuses --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("Processing", ("Processing", None)),
    ("DomainControlValidation", ("DomainControlValidation", "Pending")),
    ("Pending", ("DomainControlValidation", "Pending")),
    ("Deployment", ("Deployment", "Issued")),
    ("Active", ("Active", "Issued")),
    ("Issued", ("Active", "Issued")),
    ("Rejected", ("DomainControlValidation", "Rejected")),
    ("TimedOut", ("DomainControlValidation", "Pending")),
    ("Canceled", ("Deleted", "Canceled")),
    ("Deleted", ("Deleted", "Deleted")),
    ("Expired", ("Active", "Expired")),
    ("Revoked", ("Active", "Revoked")),
    ("AwaitingRenewal", ("Active", "AwaitingRenewal")),
    ("PendingRenewal", ("Active", "PendingRenewal")),
    ("Renewed", ("Active", "Renewed")),
    ("RenewalRejected", ("Active", "RenewalRejected")),
    ("PendingReissue", ("Active", "PendingReissue")),
    ("ReissueRejected", ("Active", "ReissueRejected")),
])
def test_force_status_gives_a_coherent_certificate_that_holds(cps, slow, control, name, expected):
    cert = cps.create("forced")
    result = control.force("edgecast", cert["id"], name)
    assert (result["status"], result["order_status"]) == expected
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == expected
    body = cps.cert(cert["id"])
    issued = expected[1] in ("Issued", "Expired", "Revoked", "AwaitingRenewal", "PendingRenewal", "Renewed",
                             "RenewalRejected", "PendingReissue", "ReissueRejected")
    assert (body["thumbprint"] is not None) == issued
    assert (body["expiration_date"] != "0001-01-01T00:00:00Z") == issued
    if name == "TimedOut":
        assert body["domains"][0]["status"] == "TimedOut"
        assert_empty(cps.put("/v2.0/certificates/%d/retrigger" % cert["id"]))
    else:
        control.advance(1000)
        assert cps.status(cert["id"])["status"] == expected[0]
        assert order(cps.status(cert["id"])) == expected[1]


def test_force_status_for_ov_stages_and_errors(cps, slow, control, sandbox):
    import requests
    cert = cps.create("forced_ov", validation_type="OV")
    result = control.force("edgecast", cert["id"], "OtherValidation")
    assert (result["status"], result["step"]) == ("OtherValidation", 3)
    assert control.force("edgecast", cert["id"], "OrgUpdated")["order_status"] == "OrgUpdated"
    result = control.force("edgecast", cert["id"], "Rejected")
    assert (result["status"], result["order_status"]) == ("OtherValidation", "Rejected")
    dv = cps.create("forced_dv")
    url = sandbox.url + "/_sandbox/orders/edgecast/%s/status"
    assert requests.post(url % dv["id"], json={"status": "OtherValidation"}, timeout=5).status_code == 400
    assert requests.post(url % dv["id"], json={"status": "Sleeping"}, timeout=5).status_code == 400
    assert requests.post(url % 999, json={"status": "Active"}, timeout=5).status_code == 404
    assert requests.post(url % "abc", json={"status": "Active"}, timeout=5).status_code == 404


def test_forced_dcv_can_be_driven_on_by_a_dcv_check(cps, slow, control):
    cert = cps.create("forced_then_checked")
    control.force("edgecast", cert["id"], "DomainControlValidation")
    control.advance(1000)
    assert cps.status(cert["id"])["status"] == "DomainControlValidation"
    assert_empty(cps.put("/v2.0/dcv/certificates/%d/check" % cert["id"]))
    control.advance(10)
    assert cps.status(cert["id"])["status"] == "Deployment"
    control.advance(100)
    assert cps.status(cert["id"])["status"] == "Active"


def test_forcing_forward_keeps_what_the_certificate_already_has(cps, slow, control):
    cert = cps.create("forward")
    control.advance(100)
    token = dcv(cps, cert)["items"][0]["dcv_token"]["token"]
    control.force("edgecast", cert["id"], "DomainControlValidation")
    assert dcv(cps, cert)["items"][0]["dcv_token"]["token"] == token
    control.force("edgecast", cert["id"], "Deployment")
    body = cps.cert(cert["id"])
    control.force("edgecast", cert["id"], "active")
    after = cps.cert(cert["id"])
    assert after["thumbprint"] == body["thumbprint"] and after["expiration_date"] == body["expiration_date"]
    assert cps.status(cert["id"])["status"] == "Active"
    control.force("edgecast", cert["id"], "Processing")
    body = cps.cert(cert["id"])
    assert body["thumbprint"] is None and body["expiration_date"] == "0001-01-01T00:00:00Z"
    assert cps.status(cert["id"])["order_validation"] is None


def test_control_orders_lists_certificates(cps, slow, control):
    cert = cps.create("listed_sbx-stall")
    listed = control.orders("edgecast")
    assert [o["id"] for o in listed] == [cert["id"]]
    assert listed[0]["outcome"] == "stall" and listed[0]["next_event"]["name"] == "place"
    assert listed[0]["status"] == "Processing"


# -- status @type switch ----------------------------------------------------------------------------------
def test_status_type_switch(cps, control):
    cert = cps.create("typed")
    assert cps.status(cert["id"])["@type"] == "Certificate"
    control.configure(edgecast={"status_type": "CertificateStatus"})
    assert cps.status(cert["id"])["@type"] == "CertificateStatus"
    assert cps.cert(cert["id"])["@type"] == "Certificate"


# -- a cancel carried out later, and moving the expiration ------------------------------------------
def _expiration(control, cert_id, days):
    return control.http.post(control.url + "/orders/edgecast/%s/expiration" % cert_id, json={"days": days}, timeout=10)


def test_a_cancel_with_cancel_seconds_shows_only_later_and_holds_the_request(cps, slow, control):
    """``cancel_seconds``: CPS answers 204 and the request shows the cancel that long later; meanwhile the
    request does not move on (its order is not placed) and a second cancel changes nothing."""
    control.configure(edgecast={"cancel_seconds": 30, "processing_seconds": 10})
    cert = cps.create("cancel_later")
    path = "/v2.0/certificates/%d/cancel?apply=true" % cert["id"]
    assert_empty(cps.put(path))
    control.advance(29.5)  # past processing_seconds: without the cancel the order would be placed by now
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Processing", None)
    assert_empty(cps.put(path))  # already under way: nothing new is scheduled
    control.advance(1)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Deleted", None)
    control.advance(1000)
    assert cps.status(cert["id"])["status"] == "Deleted"


def test_a_revert_with_cancel_seconds_keeps_the_renewal_until_then(cps, slow, control):
    control.configure(edgecast={"cancel_seconds": 10})
    cert = cps.create("revert_later")
    control.force("edgecast", cert["id"], "PendingRenewal")
    path = "/v2.0/certificates/%d/cancel" % cert["id"]
    assert cps.put(path + "?apply=false").json() == {"action": {"id": 2, "name": "Revert"}}
    assert_empty(cps.put(path + "?apply=true"))
    assert order(cps.status(cert["id"])) == "PendingRenewal"
    control.advance(10.5)
    status = cps.status(cert["id"])
    assert (status["status"], order(status)) == ("Active", "Issued")


def test_the_expiration_moves_to_n_days_from_now(cps, slow, control):
    cert = cps.create("expires_soon")
    refused = _expiration(control, cert["id"], 5)
    assert refused.status_code == 400 and "only an issued certificate" in refused.json()["error"]
    control.force("edgecast", cert["id"], "Active")
    now = control.advance(0)["clock"]
    answer = _expiration(control, cert["id"], 5)
    assert answer.status_code == 200 and answer.json()["id"] == cert["id"]
    expiration = _seconds(cps.cert(cert["id"])["expiration_date"])
    assert abs(expiration - (now + 5 * DAY)) < 1
    # auto-renewal (60 days before) is already past: it does not start on its own now
    control.advance(4 * DAY)
    assert order(cps.status(cert["id"])) == "Issued"
    control.advance(DAY + 1)
    assert order(cps.status(cert["id"])) == "Expired"
    # moved ahead again: no longer expired, and the auto-renewal is scheduled 60 days before
    assert _expiration(control, cert["id"], 90).status_code == 200
    assert order(cps.status(cert["id"])) == "Issued"
    control.advance(30 * DAY + 1)
    assert order(cps.status(cert["id"])) in ("AwaitingRenewal", "PendingRenewal")


@pytest.mark.parametrize("name, body", [("none", {}), ("text", {"days": "5"}), ("bool", {"days": True}),
                                        ("list", [])])
def test_the_expiration_control_refuses_bad_bodies_and_unknown_ids(cps, control, name, body):
    cert = cps.create("expires_bad_" + name)
    control.force("edgecast", cert["id"], "Active")
    response = control.http.post(control.url + "/orders/edgecast/%s/expiration" % cert["id"], json=body, timeout=10)
    assert response.status_code == 400 and "days" in response.json()["error"]
    assert _expiration(control, 999999, 5).status_code == 404
