"""CPS certificate requests: create, read, list (paging, query, sort), update, validation, labels,
notifications, organizations, tasks, customer endpoints and appendix lists."""

import copy

import pytest

from test_edgecast_support import (EV_CONTACT, ORGANIZATION, assert_empty, assert_error, cps,  # noqa: F401
                                   slow)

CREATE = "/v2.0/certificates/cdnprovided"


def dv_body(label="cdn_example_com_dv", **extra):
    body = {"certificate_label": label, "description": "DV certificate for cdn.example.com", "auto_renew": True,
            "certificate_authority": "DigiCert", "validation_type": "DV", "dcv_method": "DnsTxtToken",
            "domains": [{"name": "cdn.example.com", "is_common_name": True},
                        {"name": "cdn2.example.com", "is_common_name": False}]}
    body.update(extra)
    return body


# -- create and read ---------------------------------------------------------------------------------
def test_create_dv_returns_the_certificate_node(cps, slow):
    response = cps.post(CREATE, json=dv_body())
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    cert = response.json()
    assert cert["@type"] == "Certificate" and cert["@id"] == "/v2.0/certificates/%d" % cert["id"]
    assert isinstance(cert["id"], int)
    assert cert["certificate_label"] == "cdn_example_com_dv" and cert["request_type"] == "Enterprise"
    for key in ("thumbprint", "workflow_error_message", "modified_by", "deployments", "organization"):
        assert key in cert and cert[key] is None, key
    assert cert["expiration_date"] == "0001-01-01T00:00:00Z"
    assert cert["created"].endswith("Z") and len(cert["created"]) == len("2021-04-15T12:00:00.000000Z")
    assert cert["created_by"]["identity_type"] == "Client" and cert["created_by"]["portal_type_id"] == "Customer"
    assert [d["name"] for d in cert["domains"]] == ["cdn.example.com", "cdn2.example.com"]
    assert [d["status"] for d in cert["domains"]] == ["ProvisioningInitiated"] * 2
    assert all(d["active_date"] is None and isinstance(d["id"], int) for d in cert["domains"])
    assert cps.cert(cert["id"]) == cert


def test_create_without_common_name_flag_picks_one(cps, slow):
    cert = cps.create("pick_cn", domains=[{"name": "a.example.com"}, {"name": "b.example.com"}])
    assert [d["is_common_name"] for d in cert["domains"]] == [True, False]


def test_create_defaults_auto_renew_and_accepts_letsencrypt_for_dv(cps, slow):
    body = dv_body("le_dv", certificate_authority="LetsEncrypt")
    del body["auto_renew"]
    cert = cps.post(CREATE, json=body).json()
    assert cert["auto_renew"] is True and cert["certificate_authority"] == "LetsEncrypt"


def test_create_ov_makes_a_new_organization_and_reuses_it_by_name(cps, slow):
    cert = cps.create("ov_one", validation_type="OV")
    org = cert["organization"]
    assert org["company_name"] == ORGANIZATION["company_name"] and isinstance(org["id"], int) and org["id"] > 0
    assert cps.get("/v2.0/organizations/%d" % org["id"]).json()["company_name"] == ORGANIZATION["company_name"]
    again = cps.create("ov_two", validation_type="OV", organization={"company_name": ORGANIZATION["company_name"]})
    assert again["organization"]["id"] == org["id"]
    listed = cps.get("/v2.0/certificates/%d" % again["id"]).json()
    assert listed["organization"]["city"] == "Springfield"


def test_create_ov_with_an_existing_organization_id_ignores_other_fields(cps, slow):
    default = cps.get("/v2.0/organizations/default").json()
    cert = cps.create("ov_default", validation_type="OV", organization={"id": default["id"], "company_name": "x"})
    assert cert["organization"] == default


def test_create_ev_needs_contacts_and_compares_contact_type_case_insensitively(cps, slow):
    cert = cps.create("ev_one", validation_type="EV")
    assert cert["organization"]["additional_contacts"][0]["contact_type"] == "EvApprover"
    org = dict(ORGANIZATION, company_name="Other EV Corp", additional_contacts=[])
    response = cps.post(CREATE, json=dict(dv_body("ev_two"), validation_type="EV", organization=org))
    assert_error(response, 400, "invalid_input", "/organization/additional_contacts")
    contact = dict(EV_CONTACT, contact_type="approver")
    org["additional_contacts"] = [contact]
    response = cps.post(CREATE, json=dict(dv_body("ev_two"), validation_type="EV", organization=org))
    assert_error(response, 400, "invalid_input", "/organization/additional_contacts/0/contact_type")


def _without(key):
    body = dv_body("missing_x")
    del body[key]
    return body


def _ov(**org_changes):
    org = dict(ORGANIZATION, company_name="Fresh Org %d" % len(org_changes))
    for key, value in org_changes.items():
        if value is None:
            org.pop(key, None)
        else:
            org[key] = value
    return dict(dv_body("ov_bad"), validation_type="OV", organization=org)


@pytest.mark.parametrize("body, source", [
    (_without("certificate_label"), "/certificate_label"),
    (_without("certificate_authority"), "/certificate_authority"),
    (_without("validation_type"), "/validation_type"),
    (_without("dcv_method"), "/dcv_method"),
    (_without("domains"), "/domains"),
    (dv_body("bad label!"), "/certificate_label"),
    (dv_body("dots.are.bad"), "/certificate_label"),
    (dv_body("two  spaces"), "/certificate_label"),
    (dv_body(" leading_space"), "/certificate_label"),
    (dv_body(""), "/certificate_label"),
    (dv_body(certificate_authority="Sectigo"), "/certificate_authority"),
    (dv_body(validation_type="dv"), "/validation_type"),
    (dv_body(validation_type="None"), "/validation_type"),
    (dv_body(dcv_method="Http"), "/dcv_method"),
    (dv_body(domains=[]), "/domains"),
    (dv_body(domains=[{"name": "not a domain"}]), "/domains/0/name"),
    (dv_body(domains=[{"is_common_name": True}]), "/domains/0/name"),
    (dv_body(domains=[{"name": "a.example.com"}, {"name": "A.example.com"}]), "/domains/1/name"),
    (dv_body(domains=[{"name": "a.example.com", "is_common_name": True},
                      {"name": "b.example.com", "is_common_name": True}]), "/domains"),
    (dv_body(auto_renew="yes"), "/auto_renew"),
    (dv_body(organization="Acme"), "/organization"),
    (dict(dv_body("ov_no_org"), validation_type="OV"), "/organization"),
    (_ov(city=None), "/organization/city"),
    (_ov(contact_email=""), "/organization/contact_email"),
    (_ov(state=None), "/organization/state"),
    (_ov(zip_code=None), "/organization/zip_code"),
    (_ov(country="XX"), "/organization/country"),
    (dict(_ov(), certificate_authority="LetsEncrypt"), "/certificate_authority"),
])
def test_create_validation_failures(cps, slow, body, source):
    response = cps.post(CREATE, json=body)
    body = assert_error(response, 400, "invalid_input", source)
    assert body["title"] == "One or more properties were empty or invalid"


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b"", b"\"text\""])
def test_create_needs_a_json_object(cps, raw):
    response = cps.post(CREATE, data=raw, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_input")


def test_failed_create_leaves_no_certificate(cps, slow):
    cps.post(CREATE, json=dv_body("will_fail", dcv_method="Http"))
    assert cps.get("/v2.0/certificates").json()["total_items"] == 0
    cps.create("will_fail")


def test_failed_create_may_reserve_the_label_when_configured(cps, slow):
    slow.configure(edgecast={"reserve_label_on_invalid_create": True})
    cps.post(CREATE, json=dv_body("reserved_label", dcv_method="Http"))
    response = cps.post(CREATE, json=dv_body("reserved_label"))
    body = assert_error(response, 400, "invalid_input", "/certificate_label")
    assert "already exists" in body["details"][0]["description"]


# -- labels ------------------------------------------------------------------------------------------
def test_label_is_unique_case_insensitively(cps, slow):
    cps.create("Unique_Label")
    response = cps.post(CREATE, json=dv_body("unique_label"))
    body = assert_error(response, 400, "invalid_input", "/certificate_label")
    assert body["details"][0]["description"] == "Certificate label already exists"


def test_label_stays_reserved_after_delete_and_cancel(cps, slow, control):
    issued = cps.create("deleted_label")
    control.force("edgecast", issued["id"], "Active")
    assert_empty(cps.delete("/v2.0/certificates/%d" % issued["id"]))
    assert_error(cps.post(CREATE, json=dv_body("deleted_label")), 400, "invalid_input", "/certificate_label")
    pending = cps.create("canceled_label")
    assert_empty(cps.put("/v2.0/certificates/%d/cancel?apply=true" % pending["id"]))
    assert_error(cps.post(CREATE, json=dv_body("canceled_label")), 400, "invalid_input", "/certificate_label")


# -- list: paging, query, sort -----------------------------------------------------------------------
def _make_many(cps, count):
    made = []
    for index in range(count):
        made.append(cps.create("bulk_%02d" % index, description="item %02d" % index,
                               domains=[{"name": "host%02d.%s.example" % (index, "even" if index % 2 == 0 else "odd"),
                                         "is_common_name": True}])["id"])
    return made


def test_list_pages_past_twenty_with_links(cps, slow):
    ids = _make_many(cps, 45)
    first = cps.get("/v2.0/certificates").json()
    assert first["@type"] == "Collection" and first["@id"] == "/v2.0/certificates"
    assert first["total_items"] == 45 and len(first["items"]) == 20
    assert [c["id"] for c in first["items"]] == ids[:20]
    assert "organization" not in first["items"][0] and first["items"][0]["@type"] == "Certificate"
    links = first["@links"]
    assert set(links) == {"first", "next", "last"}
    assert links["first"]["href"] == "/v2.0/certificates?page=1&page_size=20"
    assert links["next"]["href"] == "/v2.0/certificates?page=2&page_size=20"
    assert links["last"]["href"] == "/v2.0/certificates?page=3&page_size=20"
    assert "next_cursor" not in first
    second = cps.get(links["next"]["href"]).json()
    assert set(second["@links"]) == {"first", "previous", "next", "last"}
    assert second["@links"]["previous"]["href"] == "/v2.0/certificates?page=1&page_size=20"
    assert [c["id"] for c in second["items"]] == ids[20:40]
    third = cps.get(second["@links"]["next"]["href"]).json()
    assert set(third["@links"]) == {"first", "previous", "last"} and len(third["items"]) == 5
    seen = [c["id"] for page in (first, second, third) for c in page["items"]]
    assert seen == ids


def test_page_size_is_clamped_to_twenty_and_smaller_sizes_work(cps, slow):
    _make_many(cps, 23)
    clamped = cps.get("/v2.0/certificates?page_size=100").json()
    assert len(clamped["items"]) == 20 and clamped["@links"]["last"]["href"].endswith("page=2&page_size=20")
    small = cps.get("/v2.0/certificates?page=2&page_size=5").json()
    assert len(small["items"]) == 5 and small["@links"]["last"]["href"] == "/v2.0/certificates?page=5&page_size=5"
    beyond = cps.get("/v2.0/certificates?page=9").json()
    assert beyond["items"] == [] and beyond["total_items"] == 23 and "next" not in beyond["@links"]


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=0", "page_size=-3", "query=nofield",
                                   "query=status:Active", "sort=created", "sort=-status"])
def test_list_rejects_bad_parameters(cps, query):
    assert_error(cps.get("/v2.0/certificates?" + query), 400, "invalid_input")


def test_list_query_filters(cps, slow):
    ids = _make_many(cps, 6)

    def found(query):
        body = cps.get("/v2.0/certificates", params={"query": query}).json()
        assert body["total_items"] == len(body["items"])
        return [c["id"] for c in body["items"]]

    assert found("certificate_label:bulk_03") == [ids[3]]
    assert found("certificate_label:BULK_03") == [ids[3]]
    assert found("certificate_label:bulk_0*") == ids
    assert found("certificate_label:*_05") == [ids[5]]
    assert found("certificate_label:bulk") == []
    assert found("id:%d" % ids[2]) == [ids[2]]
    assert found("description:item 04") == [ids[4]]
    assert found("domain_names:*.odd.example") == [ids[1], ids[3], ids[5]]
    assert found("domain_names:host00.even.example") == [ids[0]]


def test_list_query_is_kept_in_the_links(cps, slow):
    _make_many(cps, 3)
    body = cps.get("/v2.0/certificates?page_size=1&query=certificate_label:bulk_*").json()
    assert body["@id"] == "/v2.0/certificates?page_size=1&query=certificate_label:bulk_*"
    assert body["@links"]["next"]["href"] == "/v2.0/certificates?page=2&page_size=1&query=certificate_label:bulk_*"
    assert cps.get(body["@links"]["last"]["href"]).json()["items"][0]["certificate_label"] == "bulk_02"


def test_list_sort_is_descending_by_default_and_ascending_with_a_dash(cps, slow):
    ids = _make_many(cps, 4)
    cps.create("aaa_first", description="zzz")

    def order(sort):
        return [c["id"] for c in cps.get("/v2.0/certificates", params={"sort": sort}).json()["items"]]

    assert order("id") == sorted(ids + [ids[-1] + 1], reverse=True)
    assert order("-id") == sorted(ids + [ids[-1] + 1])
    assert order("certificate_label")[0] == ids[3] and order("certificate_label")[-1] == ids[-1] + 1
    assert order("-certificate_label")[0] == ids[-1] + 1
    assert order("description")[0] == ids[-1] + 1
    assert order("-description")[:2] == ids[:2]


# -- update --------------------------------------------------------------------------------------------
def test_patch_basic_settings_while_processing(cps, slow):
    cert = cps.create("patch_me")
    other = cps.create("patch_later")
    response = cps.patch("/v2.0/certificates/%d" % cert["id"],
                         json={"certificate_label": "patched", "description": "new", "auto_renew": False,
                               "dcv_method": "Email"})
    assert response.status_code == 200
    body = response.json()
    assert (body["certificate_label"], body["description"], body["auto_renew"], body["dcv_method"]) == \
        ("patched", "new", False, "Email")
    assert body["modified_by"] is None  # null before issuance, even after a PATCH
    assert cps.cert(cert["id"])["certificate_label"] == "patched"
    cps.create("patch_me")  # the old label was released by the rename
    slow.force("edgecast", other["id"], "Active")
    assert cps.cert(other["id"])["modified_by"] is None
    after = cps.patch("/v2.0/certificates/%d" % other["id"], json={"description": "after issuance"}).json()
    assert after["modified_by"]["identity_type"] == "Client"


def test_labels_with_spaces_as_in_the_vendors_examples(cps, slow):
    """The vendor's Terraform examples create "cdn example tf dv11" (Edgio/terraform-provider-edgecast
    examples/resources/edgecast_cps_certificate/resource.tf) and "my certificate 1"
    (examples/data-sources/edgecast_cps_full_workflow/resource.tf): the API takes spaces between words."""
    for label in ("cdn example tf dv11", "my certificate 1"):
        response = cps.post(CREATE, json=dv_body(label))
        assert response.status_code == 201, response.text
        found = cps.get("/v2.0/certificates", params={"query": "certificate_label:" + label}).json()
        assert [c["certificate_label"] for c in found["items"]] == [label]


def test_patch_in_the_sdk_shape_keeps_the_domains(cps, slow):
    """The Go SDK's CertificateUpdate (Edgio/ec-sdk-go edgecast/cps/models/certificate_update.go) serialises
    ``domains`` without omitempty, so its PATCH carries ``"domains": null`` beside the label and the other top-level
    fields (as in its example, example/cps/certificate/certificate.go); null means "no domain change"."""
    cert = cps.create("sdk_patch", domains=[{"name": "sdk.example.com", "is_common_name": True}])
    response = cps.patch("/v2.0/certificates/%d" % cert["id"],
                         json={"certificate_label": "sdk_patch-Updated", "auto_renew": True, "domains": None})
    assert response.status_code == 200
    body = response.json()
    assert body["certificate_label"] == "sdk_patch-Updated" and body["auto_renew"] is True
    assert [d["name"] for d in body["domains"]] == ["sdk.example.com"]


def test_patch_validation_and_label_conflicts(cps, slow):
    first = cps.create("first_label")
    second = cps.create("second_label")
    path = "/v2.0/certificates/%d" % second["id"]
    assert_error(cps.patch(path, json={"certificate_label": "FIRST_LABEL"}), 400, "invalid_input", "/certificate_label")
    assert_error(cps.patch(path, json={"certificate_label": "bad label!"}), 400, "invalid_input", "/certificate_label")
    assert_error(cps.patch(path, json={"dcv_method": "Carrier pigeon"}), 400, "invalid_input", "/dcv_method")
    assert_error(cps.patch(path, json={"auto_renew": "no"}), 400, "invalid_input", "/auto_renew")
    assert_error(cps.patch(path, json=[1]), 400, "invalid_input")
    assert cps.patch(path, json={"certificate_label": "second_label"}).status_code == 200
    assert cps.cert(first["id"])["certificate_label"] == "first_label"


def test_patch_domains_is_refused_before_issuance_unless_unchanged(cps, slow):
    cert = cps.create("domains_early")
    path = "/v2.0/certificates/%d" % cert["id"]
    same = [{"name": d["name"], "is_common_name": d["is_common_name"]} for d in cert["domains"]]
    assert cps.patch(path, json={"domains": same, "description": "same"}).status_code == 200
    more = same + [{"name": "extra.example.com"}]
    assert_error(cps.patch(path, json={"domains": more}), 409, "invalid_operation")
    assert len(cps.cert(cert["id"])["domains"]) == 1


@pytest.mark.parametrize("method, suffix", [
    ("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/status"), ("PUT", "/cancel?apply=false"),
    ("PUT", "/renew"), ("PUT", "/retrigger"), ("PUT", "/organization"), ("GET", "/notifications"),
    ("PATCH", "/notifications"),
])
def test_unknown_certificate_is_not_found_and_bad_ids_are_invalid(cps, method, suffix):
    body = {"x": 1} if method in ("PATCH", "PUT") else None
    response = cps.call(method, "/v2.0/certificates/999999" + suffix, json=body)
    assert_error(response, 404, "not_found")
    response = cps.call(method, "/v2.0/certificates/abc" + suffix, json=body)
    assert_error(response, 400, "invalid_input")


@pytest.mark.parametrize("method, path", [
    ("GET", "/v2.0/dcv/certificates/999999"), ("PUT", "/v2.0/dcv/certificates/999999/check"),
    ("POST", "/v2.0/dcv/certificates/999999/emails/resend"), ("PUT", "/v2.0/dcv/certificates/999999/token"),
    ("PUT", "/v2.0/dcv/certificates/999999/method"),
])
def test_unknown_certificate_on_dcv_endpoints(cps, method, path):
    assert_error(cps.call(method, path, json={"dcv_method": "Email"}), 404, "not_found")


def test_unknown_paths_and_methods(cps):
    assert_error(cps.get("/v2.0/nothing/here"), 404, "not_found")
    assert_error(cps.get("/v1.0/certificates"), 404, "not_found")
    response = cps.post("/v2.0/certificates", json=dv_body())
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert_error(cps.get(CREATE), 405, "method_not_allowed")
    head = cps.call("HEAD", "/v2.0/appendix/dcv-types")
    assert head.status_code == 200 and head.content == b""
    assert_error(cps.get("/"), 404, "not_found")


# -- notifications ---------------------------------------------------------------------------------------
def test_certificate_notifications_get_and_patch(cps, slow):
    cert = cps.create("notify_me")
    path = "/v2.0/certificates/%d/notifications" % cert["id"]
    body = cps.get(path).json()
    assert body["@type"] == "Collection" and body["@id"] == path and body["total_items"] == 3
    assert [i["notification_type"] for i in body["items"]] == ["CertificateRenewal", "CertificateExpiring",
                                                               "PendingValidations"]
    assert all(i["enabled"] is False and i["emails"] == [] for i in body["items"])
    response = cps.patch(path, json=[
        {"notification_type": "CertificateRenewal", "enabled": True, "emails": ["ops@example.com"]},
        {"notification_type": "PendingValidations", "enabled": False, "emails": []}])
    assert response.status_code == 200
    items = {i["notification_type"]: i for i in response.json()["items"]}
    assert len(items) == 3 and items["CertificateRenewal"] == {
        "notification_type": "CertificateRenewal", "enabled": True, "emails": ["ops@example.com"]}
    assert cps.get(path).json()["items"] == response.json()["items"]


@pytest.mark.parametrize("body, source", [
    ({"notification_type": "CertificateRenewal", "enabled": True, "emails": ["ops@example.com"]}, None),
    ([{"notification_type": "Weekly", "enabled": False}], "/0/notification_type"),
    ([{"notification_type": "CertificateRenewal", "enabled": "no"}], "/0/enabled"),
    ([{"notification_type": "CertificateRenewal", "enabled": True, "emails": []}], "/0/emails"),
    ([{"notification_type": "CertificateRenewal", "enabled": True, "emails": ["stranger@evil.example"]}], "/0/emails"),
    ([{"notification_type": "CertificateExpiring", "enabled": False},
      {"notification_type": "CertificateExpiring", "enabled": True, "emails": ["ops@example.com"]}],
     "/1/notification_type"),
])
def test_notification_validation(cps, slow, body, source):
    """``source`` None: the error is about the whole body, and its detail has no ``source`` (Hyperion's
    ErrorDetail allows none shorter than one character)."""
    cert = cps.create("notify_bad")
    for path in ("/v2.0/certificates/%d/notifications" % cert["id"], "/v2.0/customers/notifications"):
        error = assert_error(cps.patch(path, json=body), 400, "invalid_input", source)
        if source is None:
            assert error["details"] and all("source" not in d for d in error["details"]), error


def test_notification_allow_list_is_configurable(cps, slow):
    slow.configure(edgecast={"notification_emails": ["team@corp.example"]})
    cert = cps.create("notify_cfg")
    body = [{"notification_type": "CertificateExpiring", "enabled": True, "emails": ["Team@corp.example"]}]
    assert cps.patch("/v2.0/certificates/%d/notifications" % cert["id"], json=body).status_code == 200


def test_account_default_notifications_seed_new_certificates(cps, slow):
    response = cps.patch("/v2.0/customers/notifications", json=[
        {"notification_type": "CertificateExpiring", "enabled": True, "emails": ["pki@example.com"]}])
    assert response.status_code == 200 and response.json()["@id"] == "/v2.0/customers/notifications"
    assert cps.get("/v2.0/customers/notifications").json()["items"][1]["enabled"] is True
    cert = cps.create("inherits")
    items = cps.get("/v2.0/certificates/%d/notifications" % cert["id"]).json()["items"]
    assert items[1] == {"notification_type": "CertificateExpiring", "enabled": True, "emails": ["pki@example.com"]}


# -- organizations, customers, tasks --------------------------------------------------------------------
def test_organizations(cps, slow):
    default = cps.get("/v2.0/organizations/default")
    assert default.status_code == 200
    org = default.json()
    assert org["company_name"] and isinstance(org["id"], int) and "additional_contacts" in org
    assert cps.get("/v2.0/organizations/%d?name=ignored" % org["id"]).json() == org
    assert_error(cps.get("/v2.0/organizations/424242"), 404, "not_found")
    assert_error(cps.get("/v2.0/organizations/abc"), 400, "invalid_input")
    cps.create("ov_for_names", validation_type="OV")
    found = cps.get("/v2.0/organizations/name/acme").json()
    assert found["@type"] == "Collection" and [o["company_name"] for o in found["items"]] == ["Acme Widgets Inc."]
    assert set(found["items"][0]) == {"id", "company_name", "company_address", "company_address2", "city", "state",
                                      "zip_code", "country"}
    assert cps.get("/v2.0/organizations/name/nothing-like-this").json()["items"] == []


def test_customer_commits(cps):
    body = cps.get("/v2.0/customers/commits").json()
    assert body["@type"] == "CustomerCommit" and body["@id"] == "/v2.0/customers/commits"
    assert isinstance(body["amount"], (int, float))


def test_tasks(cps, control):
    response = cps.post("/v2.0/tasks", json={"task_type": "SslSharedMigration", "arguments": {"x": 1}})
    assert response.status_code == 201
    task = response.json()
    assert task["@type"] == "TaskItem" and task["@id"] == "/v2.0/tasks/%d" % task["id"]
    assert task["processed_date"] is None and task["in_date"].endswith("Z") and task["arguments"] == {"x": 1}
    assert [t["id"] for t in cps.get("/v2.0/tasks?status=Pending").json()["items"]] == [task["id"]]
    task_seconds = control.configure()["edgecast"]["task_seconds"]  # the clock is frozen (conftest.py)
    control.advance(task_seconds - 0.5)
    assert cps.get("/v2.0/tasks/%d" % task["id"]).json()["processed_date"] is None
    control.advance(1)
    assert cps.get("/v2.0/tasks/%d" % task["id"]).json()["processed_date"] is not None
    assert cps.get("/v2.0/tasks?status=Pending").json()["items"] == []
    assert cps.get("/v2.0/tasks?status=Processed").json()["total_items"] == 1
    assert_error(cps.get("/v2.0/tasks?status=Sleeping"), 400, "invalid_input")
    assert_error(cps.post("/v2.0/tasks", json={"task_type": "Nap"}), 400, "invalid_input", "/task_type")
    assert_empty(cps.delete("/v2.0/tasks/%d" % task["id"]))
    assert_error(cps.get("/v2.0/tasks/%d" % task["id"]), 404, "not_found")
    assert_error(cps.delete("/v2.0/tasks/%d" % task["id"]), 404, "not_found")


# -- appendix ---------------------------------------------------------------------------------------------
ORDER_STATUSES = ["Pending", "Issued", "Deleted", "Rejected", "Revoked", "Canceled", "AwaitingRenewal",
                  "PendingRenewal", "Renewed", "PendingReissue", "AwaitingReissue", "PendingOrgUpdate", "OrgUpdated",
                  "RenewalRejected", "ReissueRejected", "Expired", "AwaitingOrgUpdate"]


def test_order_statuses_appendix_matches_the_reference(cps):
    response = cps.get("/v2.0/appendix/order-statuses")
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.json()
    assert body["@id"] == "/v2.0/appendix/order-statuses" and body["@type"] == "Collection"
    assert body["total_items"] == 17 and "@links" not in body
    assert [i["name"] for i in body["items"]] == ORDER_STATUSES
    assert [i["id"] for i in body["items"]] == list(range(1, 18))
    assert all(list(i) == ["name", "id"] for i in body["items"])
    assert response.text.index('"name":"Pending"') < response.text.index('"id":1')


@pytest.mark.parametrize("name, values", [
    ("certificate-statuses", ["Processing", "DomainControlValidation", "OtherValidation", "Deployment", "Active",
                              "Deleted"]),
    ("validation-types", ["None", "DV", "OV", "EV"]),
    ("dcv-types", ["Email", "DnsCnameToken", "DnsTxtToken"]),
    ("domain-statuses", ["ProvisioningInitiated", "AwaitingCertificateAuthority", "Active", "PendingDelete",
                         "Delete", "PendingDns", "Rejected", "TimedOut", "PendingReissue", "SecretRejected"]),
    ("validation-statuses", ["Unknown", "Pending", "Rejected", "Approved", "NA"]),
    ("cancel-actions", ["Cancel", "Revert"]),
    ("certificate-authorities", ["DigiCert", "LetsEncrypt"]),
    ("request-types", ["Basic", "Enterprise", "Custom", "AzureCustom"]),
    ("product-types", None),
])
def test_appendix_lists(cps, name, values):
    body = cps.get("/v2.0/appendix/" + name).json()
    assert body["@id"] == "/v2.0/appendix/" + name and body["@type"] == "Collection"
    assert body["total_items"] == len(body["items"]) > 0
    assert [i["id"] for i in body["items"]] == list(range(1, len(body["items"]) + 1))
    assert all(list(i) == ["name", "id"] for i in body["items"])
    if values is not None:
        assert [i["name"] for i in body["items"]] == values


def test_country_codes_with_name_filter(cps):
    everything = cps.get("/v2.0/appendix/country-codes").json()
    assert everything["total_items"] > 200
    assert {"country": "United States", "two_letter_code": "US"} in everything["items"]
    bermuda = cps.get("/v2.0/appendix/country-codes?name=Bermuda").json()
    assert bermuda["items"] == [{"country": "Bermuda", "two_letter_code": "BM"}] and bermuda["total_items"] == 1


def test_unknown_appendix_is_not_found(cps):
    assert_error(cps.get("/v2.0/appendix/dcv-methods"), 404, "not_found")
    assert_error(cps.get("/v2.0/appendix/validation-levels"), 404, "not_found")


def test_ov_body_is_not_modified_by_create(cps, slow):
    org = copy.deepcopy(ORGANIZATION)
    cps.create("ov_copy", validation_type="OV", organization=org)
    assert org == ORGANIZATION
