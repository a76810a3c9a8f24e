"""Plain-data certificate records as CPS nodes: certificate, status, organization, notifications."""

from .hyperion import ZERO_DATE, iso
from .vocab import NOTIFICATION_TYPES, ORG_FIELDS


def cert_path(cert_id):
    return "/v2.0/certificates/%d" % cert_id


def domain_node(domain):
    return {"id": domain["id"], "name": domain["name"], "is_common_name": domain["is_common_name"],
            "status": domain["status"], "created": iso(domain["created"]), "active_date": iso(domain.get("active_date"))}


def certificate(cert, with_organization=True):
    node = {
        "@id": cert_path(cert["id"]),
        "@type": "Certificate",
        "id": cert["id"],
        "certificate_label": cert["label"],
        "description": cert["description"],
        "auto_renew": cert["auto_renew"],
        "certificate_authority": cert["certificate_authority"],
        "validation_type": cert["validation_type"],
        "dcv_method": cert["dcv_method"],
        "request_type": cert["request_type"],
        "thumbprint": cert["thumbprint"],
        "workflow_error_message": cert["workflow_error_message"],
        "created": iso(cert["created"]),
        "last_modified": iso(cert["last_modified"]),
        "expiration_date": iso(cert["expiration"]) if cert["expiration"] is not None else ZERO_DATE,
        "created_by": cert["created_by"],
        # null before issuance, as the Terraform docs describe (a PATCH or cancel before then is not shown)
        "modified_by": cert["modified_by"] if cert.get("issued_at") is not None else None,
    }
    if with_organization:
        node["organization"] = organization(cert["organization"]) if cert.get("organization") else None
    node["domains"] = [domain_node(d) for d in cert["domains"]]
    node["deployments"] = [dict(d) for d in cert["deployments"]] if cert["deployments"] else None
    return node


def status(cert, type_name):
    node = {"@id": cert_path(cert["id"]) + "/status", "@type": type_name, "id": cert["id"], "step": cert["step"],
            "status": cert["status"], "requires_attention": cert["requires_attention"],
            "error_message": cert["error_message"]}
    if cert["order_status"] is None:
        node["order_validation"] = None
    else:
        node["order_validation"] = {
            "status": cert["order_status"],
            "organization_validation": {"status": cert["org_validation"] or "NA",
                                        "validation_type": cert["validation_type"]},
            "domain_validations": [{"domain_id": d["id"], "domain_names": [d["name"]],
                                    "status": d.get("validation") or "Pending"} for d in cert["domains"]],
        }
    return node


def organization(org):
    node = {}
    for key in ORG_FIELDS:
        if key == "additional_contacts":
            node[key] = [dict(c) for c in org.get(key) or []]
        else:
            node[key] = org.get(key)
    return node


def organization_dto(org):
    return {key: org.get(key) for key in ("id", "company_name", "company_address", "company_address2", "city",
                                          "state", "zip_code", "country")}


def notifications(items):
    by_type = {item["notification_type"]: item for item in items}
    result = []
    for kind in NOTIFICATION_TYPES:
        item = by_type.get(kind, {"notification_type": kind, "enabled": False, "emails": []})
        result.append({"notification_type": kind, "enabled": item["enabled"], "emails": list(item["emails"])})
    return result
