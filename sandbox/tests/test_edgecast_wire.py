"""CPS wire fidelity: request bodies shaped as the vendor's own Go SDK sends them, and ErrorDetail
``source`` values as JSON Pointers (RFC 6901) for every error the sandbox produces."""

import re

import pytest

from certops_sandbox.edgecast.hyperion import is_pointer, pointer, query_source
from test_edgecast_support import (EV_CONTACT, ORGANIZATION, assert_error, cps,  # noqa: F401
                                   slow)

CREATE = "/v2.0/certificates/cdnprovided"
# RFC 6901 section 3, written out here rather than taken from the sandbox: a pointer is "" or a
# sequence of "/" reference-token, where "~" appears only as "~0" or "~1". The empty pointer (the
# whole document) is not allowed as a source: Hyperion gives ErrorDetail.source a minLength of 1
# (Edgio/hyperion schema/error-detail.json).
POINTER = re.compile(r"^(?:/(?:[^~/]|~[01])*)+$")


def resolve(document, source):
    """RFC 6901 evaluation of ``source`` in ``document`` (KeyError/IndexError when it does not resolve)."""
    if source == "":
        return document
    for token in source[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def parent(source):
    return source.rsplit("/", 1)[0]


def cps_body(label, **extra):
    """A DV create body (``extra`` overrides or adds keys)."""
    domain = {"name": "%s.example.com" % label.replace("_", "-"), "is_common_name": True}
    body = {"certificate_label": label, "certificate_authority": "DigiCert", "validation_type": "DV",
            "dcv_method": "DnsTxtToken", "domains": [domain]}
    body.update(extra)
    return body


# -- notification settings as the Go SDK sends them --------------------------------------------------------
@pytest.mark.parametrize("path", ["/v2.0/certificates/{id}/notifications", "/v2.0/customers/notifications"])
def test_notification_patch_without_enabled_turns_the_setting_off(cps, slow, path):
    """The SDK's EmailNotification tags ``enabled`` with omitempty and ``emails`` without it
    (Edgio/ec-sdk-go edgecast/cps/models/email_notification.go): a setting the SDK turns off goes out as
    ``{"notification_type": ..., "emails": null}``, with no ``enabled`` key. Before, the sandbox answered
    400 "enabled is required" to that body."""
    cert = cps.create("sdk_notify")
    path = path.format(id=cert["id"])
    on = [{"notification_type": kind, "enabled": True, "emails": ["ops@example.com"]}
          for kind in ("CertificateRenewal", "CertificateExpiring", "PendingValidations")]
    assert cps.patch(path, json=on).status_code == 200
    sdk_off = [{"emails": None, "notification_type": "CertificateRenewal"},  # Enabled false, Emails nil
               {"notification_type": "CertificateExpiring"},                 # no emails key either
               {"emails": ["ops@example.com"], "notification_type": "PendingValidations"}]
    response = cps.patch(path, json=sdk_off)
    assert response.status_code == 200, response.text
    items = {i["notification_type"]: i for i in response.json()["items"]}
    assert items["CertificateRenewal"] == {"notification_type": "CertificateRenewal", "enabled": False, "emails": []}
    assert items["CertificateExpiring"] == {"notification_type": "CertificateExpiring", "enabled": False, "emails": []}
    assert items["PendingValidations"] == {"notification_type": "PendingValidations", "enabled": False,
                                           "emails": ["ops@example.com"]}
    assert cps.get(path).json()["items"] == response.json()["items"]
    # turning a setting on still needs addresses, with or without the key
    assert_error(cps.patch(path, json=[{"notification_type": "CertificateRenewal", "enabled": True, "emails": None}]),
                 400, "invalid_input", "/0/emails")


# -- a DV request with an organization, as the Go SDK's example sends it ------------------------------------
def test_dv_create_with_an_organization_is_accepted_and_the_organization_ignored(cps, slow):
    """The SDK's certificate example creates a DV certificate with a full organization block
    (Edgio/ec-sdk-go example/cps/certificate/certificate.go). Before, the sandbox refused it with 400
    ("organization must not be sent for DV certificates")."""
    orgs_before = cps.get("/v2.0/organizations/name/Sdk Example Co").json()["total_items"]
    org = dict(ORGANIZATION, company_name="Sdk Example Co", additional_contacts=None)
    cert = cps.create("sdk_dv_org", dcv_method="Email", organization=org)
    assert cert["validation_type"] == "DV" and cert["organization"] is None
    assert cps.cert(cert["id"])["organization"] is None
    # not stored, so no new organization of the account either
    assert cps.get("/v2.0/organizations/name/Sdk Example Co").json()["total_items"] == orgs_before == 0
    # an organization that is not an object is still malformed
    assert_error(cps.post(CREATE, json=dict(cps_body("sdk_dv_org2"), organization="Acme")), 400, "invalid_input",
                 "/organization")


# -- ErrorDetail.source is a JSON Pointer ------------------------------------------------------------------
def test_pointer_escapes_reference_tokens():
    assert pointer("domains", 0, "name") == "/domains/0/name"
    assert pointer("a/b", "m~n") == "/a~1b/m~0n"
    assert pointer("id", base="/organization") == "/organization/id"
    assert query_source("page_size") == "/page_size"
    assert is_pointer("/a~1b/m~0n") and not is_pointer("page") and not is_pointer("") and not is_pointer("/a~2")


def bad_bodies():
    """(method, path template, JSON body) whose errors point into the body. ``{dv}``, ``{ov}`` are the ids
    of a DV and an OV certificate."""
    many = {"certificate_label": "bad label!", "description": 5, "auto_renew": "yes", "certificate_authority": "X",
            "validation_type": "None", "dcv_method": "Http",
            "domains": [5, {"name": ""}, {"name": "not a domain"}, {"name": "a.example.com", "is_common_name": "y"}]}
    org = dict(ORGANIZATION, company_name="Fresh Co", city=None, country="XX", contact_email="nope",
               organizational_unit=7, additional_contacts="x")
    ev_org = dict(ORGANIZATION, company_name="Fresh EV Co",
                  additional_contacts=[5, dict(EV_CONTACT, first_name="", contact_type="Boss")])
    notify = [5, {"notification_type": "Weekly"}, {"notification_type": "CertificateRenewal", "enabled": "no"},
              {"notification_type": "CertificateExpiring", "enabled": True, "emails": "ops@example.com"},
              {"notification_type": "PendingValidations", "enabled": True, "emails": ["stranger@evil.example"]}]
    return [
        ("POST", CREATE, many),
        ("POST", CREATE, cps_body("dup", domains=[{"name": "a.example.com"}, {"name": "A.example.com"}])),
        ("POST", CREATE, cps_body("two_cn", domains=[{"name": "a.example.com", "is_common_name": True},
                                                     {"name": "b.example.com", "is_common_name": True}])),
        ("POST", CREATE, cps_body("no_domains", domains=None)),
        ("POST", CREATE, cps_body("dv_org_text", organization="Acme")),
        ("POST", CREATE, cps_body("ov_no_org", validation_type="OV")),
        ("POST", CREATE, cps_body("ov_org_text", validation_type="OV", organization="Acme")),
        ("POST", CREATE, cps_body("ov_org_id", validation_type="OV", organization={"id": "seven"})),
        ("POST", CREATE, cps_body("ov_digicert", validation_type="OV", organization={"id": 0})),
        ("POST", CREATE, cps_body("ov_fields", validation_type="OV", organization=org)),
        ("POST", CREATE, cps_body("ev_contacts", validation_type="EV", organization=ev_org)),
        ("POST", CREATE, cps_body("ev_none", validation_type="EV",
                                  organization=dict(ORGANIZATION, company_name="Fresh EV2 Co"))),
        ("POST", CREATE, cps_body("ov_le", validation_type="OV", certificate_authority="LetsEncrypt",
                                  organization=dict(ORGANIZATION))),
        ("POST", CREATE, cps_body("Taken_Label")),
        ("PATCH", "/v2.0/certificates/{dv}", {"certificate_label": "", "description": 1, "auto_renew": 1,
                                              "dcv_method": "Fax", "domains": [{"name": "x y"}]}),
        ("PATCH", "/v2.0/certificates/{dv}", {"certificate_label": "WIRE_OV"}),
        ("PUT", "/v2.0/certificates/{ov}/organization", dict(org, company_name="Other Fresh Co")),
        ("PUT", "/v2.0/certificates/{ov}/organization", {"id": "seven"}),
        ("PUT", "/v2.0/certificates/{ov}/organization", {"id": 0}),
        ("PATCH", "/v2.0/certificates/{dv}/notifications", notify),
        ("PATCH", "/v2.0/customers/notifications", notify),
        ("PUT", "/v2.0/dcv/certificates/{dv}/method", {"dcv_method": "Fax"}),
        ("POST", "/v2.0/tasks", {"task_type": "Nap"}),
    ]


def bad_requests():
    """(method, path template, raw body or None, expected source or None): query strings, paths and
    bodies that are not JSON objects or arrays at all."""
    return [
        ("GET", "/v2.0/certificates?page=0", None, "/page"),
        ("GET", "/v2.0/certificates?page_size=x", None, "/page_size"),
        ("GET", "/v2.0/certificates?query=owner:me", None, "/query"),
        ("GET", "/v2.0/certificates?sort=created", None, "/sort"),
        ("PUT", "/v2.0/certificates/{dv}/cancel?apply=maybe", None, "/apply"),
        ("GET", "/v2.0/dcv/certificates/{dv}", None, "/domain_ids"),
        ("GET", "/v2.0/dcv/certificates/{dv}?domain_ids=x", None, "/domain_ids"),
        ("GET", "/v2.0/dcv/certificates/{dv}?domain_ids=1,2", None, "/domain_ids"),
        ("PUT", "/v2.0/dcv/certificates/{dv}/check?domain_ids=x", None, "/domain_ids"),
        ("POST", "/v2.0/dcv/certificates/{dv}/emails/resend?domain_ids=x", None, "/domain_ids"),
        ("PUT", "/v2.0/dcv/certificates/{dv}/token?domain_ids=x", None, "/domain_ids"),
        ("GET", "/v2.0/tasks?status=Sleeping", None, "/status"),
        ("GET", "/v2.0/certificates/abc", None, None),
        ("GET", "/v2.0/certificates/abc/status", None, None),
        ("GET", "/v2.0/organizations/abc", None, None),
        ("GET", "/v2.0/organizations/name/%20", None, None),
        ("GET", "/v2.0/tasks/abc", None, None),
        ("POST", CREATE, b"", None),
        ("POST", CREATE, b"{not json", None),
        ("POST", CREATE, b"[]", None),
        ("PATCH", "/v2.0/certificates/{dv}", b"[]", None),
        ("PATCH", "/v2.0/certificates/{dv}/notifications", b"{}", None),
        ("PATCH", "/v2.0/customers/notifications", b"\"text\"", None),
        ("PUT", "/v2.0/certificates/{ov}/organization", b"\"Acme\"", None),
        ("PUT", "/v2.0/dcv/certificates/{dv}/method", b"[]", None),
        ("POST", "/v2.0/tasks", b"[]", None),
        # refusals and look-ups that fail: no source
        ("GET", "/v2.0/certificates/99999", None, None),
        ("GET", "/v2.0/organizations/99999", None, None),
        ("GET", "/v2.0/tasks/99999", None, None),
        ("GET", "/v2.0/appendix/nope", None, None),
        ("GET", "/v2.0/nope", None, None),
        ("GET", CREATE, None, None),
        ("DELETE", "/v2.0/certificates/{dv}", None, None),
        ("PUT", "/v2.0/certificates/{dv}/renew", None, None),
        ("PUT", "/v2.0/certificates/{dv}/retrigger", None, None),
        ("PUT", "/v2.0/certificates/{dv}/organization", b"{}", None),
        ("PUT", "/v2.0/dcv/certificates/{dv}/token", None, None),
    ]


def test_every_error_detail_source_is_a_json_pointer(cps, slow):
    """Every ErrorDetail the sandbox answers these bad requests with has no ``source`` or a JSON Pointer
    (Edgio/ec-sdk-go edgecast/cps/models/hyperion_error_detail.go has ``source``; Edgio/hyperion
    schema/error-detail.json says it is an RFC 6901 pointer, as in ``/domains/0/name``). A body error's
    pointer leads into the body that was sent (its parent resolves there); a query parameter's is
    ``/<parameter>``. Before, query-parameter errors had bare names (``page``, ``domain_ids``), a
    non-integer id had ``id``, the organization name ``name``, and whole-body errors an empty source."""
    ids = {"dv": cps.create("Taken_Label")["id"], "ov": cps.create("wire_ov", validation_type="OV")["id"]}
    seen = set()

    def check(response, what):
        assert 400 <= response.status_code < 500, (what, response.status_code, response.text)
        body = response.json()
        assert body["@type"] == "Error" and isinstance(body["details"], list), what
        for item in body["details"]:
            assert item["@type"] == "ErrorDetail" and item["description"], (what, item)
            if "source" in item:
                assert POINTER.match(item["source"]), (what, item)
                seen.add(item["source"])
        return [item.get("source") for item in body["details"]]

    for method, template, body in bad_bodies():
        path = template.format(**ids)
        sources = check(cps.call(method, path, json=body), (method, path))
        assert any(sources), (method, path, sources)
        for source in filter(None, sources):
            resolve(body, parent(source))  # the pointer leads into the request body
    for method, template, raw, expected in bad_requests():
        path = template.format(**ids)
        headers = {"Content-Type": "application/json"} if raw is not None else {}
        sources = check(cps.call(method, path, data=raw, headers=headers), (method, path))
        if expected is None:
            assert not any(sources), (method, path, sources)
        else:
            assert expected in sources, (method, path, sources)
    # the sweep reached the nested and escaped-free pointers of every kind of body
    assert {"/domains/0", "/domains/1/name", "/domains/3/is_common_name", "/organization/additional_contacts/0",
            "/organization/additional_contacts/1/contact_type", "/organization/additional_contacts/1/first_name",
            "/organization/organizational_unit", "/organization/country", "/organization/id",
            "/organization/company_name", "/company_name", "/id", "/0", "/1/notification_type", "/2/enabled",
            "/3/emails", "/4/emails", "/dcv_method", "/task_type"} <= seen, sorted(seen)
    # no 401/403 in the sweep: the token was good throughout
    response = cps.call("GET", "/v2.0/certificates", renew=False, headers={"Authorization": "Bearer nope"})
    check(response, "bad token")
