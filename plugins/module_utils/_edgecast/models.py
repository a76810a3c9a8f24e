# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""pydantic models of Edgecast CPS answers, and the flat certificate dict the modules return
(private: not for use outside this collection).

The models are lenient, because CPS's answers vary by release (nulls, missing keys and unknown
extra keys are tolerated everywhere); they check the types of what the modules use. The module start path does
not import this file: the provider loads it on the first answer it parses.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Annotated, Any, Dict, List, Optional

try:
    from pydantic import BaseModel, ConfigDict, Field
except ImportError:
    HAS_PYDANTIC = False
    PYDANTIC_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PYDANTIC = True
    PYDANTIC_IMPORT_ERROR = None

from ansible_collections.certops.orders.plugins.module_utils._contract import lenient
from ansible_collections.certops.orders.plugins.module_utils._edgecast.statuses import DNS_DCV_METHODS, phase
from ansible_collections.certops.orders.plugins.module_utils._lifecycle import days_left

#: ``expiration_date`` while the CA has not issued the certificate (returned as null).
PLACEHOLDER_DATE = "0001-01-01"


def parent_domain(name: str) -> str:
    """The last two labels of a host name (CPS groups OV/EV DCV by them)."""
    return ".".join(name.lower().rstrip(".").split(".")[-2:])


if HAS_PYDANTIC:
    LENIENT = lenient()

    class _Node(BaseModel):
        model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    class NamedEntity(_Node):
        id: Optional[int] = None
        name: str

    class Domain(_Node):
        id: Optional[int] = None
        name: str
        is_common_name: Optional[bool] = False
        status: Optional[str] = None
        created: Optional[str] = None
        active_date: Optional[str] = None

    class Deployment(_Node):
        delivery_region: Optional[str] = None
        platform: Optional[str] = None
        hex_url: Optional[str] = None

    class Organization(_Node):
        # every key is compared with the module's option as text; only the contacts need a shape
        model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)
        additional_contacts: Optional[List[Dict[str, Any]]] = None

    class Certificate(_Node):
        id: int
        certificate_label: str
        description: Optional[str] = None
        auto_renew: Optional[bool] = None
        certificate_authority: Optional[str] = None
        validation_type: Optional[str] = None
        dcv_method: Optional[str] = None
        thumbprint: Optional[str] = None
        workflow_error_message: Optional[str] = None
        created: Optional[str] = None
        last_modified: Optional[str] = None
        expiration_date: Optional[str] = None
        organization: Optional[Organization] = None
        domains: Optional[List[Domain]] = None
        deployments: Optional[List[Deployment]] = None

    class DomainValidation(_Node):
        domain_id: Optional[int] = None
        domain_names: Optional[List[str]] = None
        status: Optional[str] = None

    class OrderValidation(_Node):
        status: Optional[str] = None
        domain_validations: Optional[List[DomainValidation]] = None

    class CertificateStatus(_Node):
        # "@type" says Certificate or CertificateStatus depending on the CPS release: it is not read
        step: Optional[int] = None
        status: str
        requires_attention: Optional[bool] = None
        error_message: Optional[str] = None
        order_validation: Optional[OrderValidation] = None

    class DcvToken(_Node):
        token: Optional[str] = None

    class DomainDcv(_Node):
        domain_id: Optional[int] = None
        dcv_method: Optional[str] = None
        dcv_token: Optional[DcvToken] = None
        emails: Optional[List[str]] = None

    class Notification(_Node):
        # CPS may leave out ``enabled`` when it is false and send ``emails`` as null: the vendor's Go SDK
        # model tags ``enabled`` omitempty and ``emails`` not (Edgio/ec-sdk-go
        # edgecast/cps/models/email_notification.go). Missing or null reads as disabled, without e-mails.
        notification_type: str
        enabled: Optional[bool] = None
        emails: Optional[List[str]] = None

    class CancelPreview(_Node):
        """The answer of ``PUT .../cancel?apply=false``. Its shape is not documented (the reference,
        section 10.8, and Open question 2): the action is read from ``action.name`` (what the sandbox
        serves) or from a top-level ``name``; anything else reads as no action."""
        action: Annotated[Optional[NamedEntity], LENIENT] = None
        name: Annotated[Optional[str], LENIENT] = None

    class Collection(_Node):
        items: Optional[List[dict]] = None
        total_items: Optional[int] = None
        links: Optional[dict] = Field(default=None, alias="@links")

    class CertificateItem(_Node):
        """An item of the certificate list: what finding and selecting by it needs."""
        id: int
        certificate_label: Optional[str] = None

    class CertificatePage(_Node):
        """A page of the certificate list: a Collection whose items each have an integer id."""
        items: Optional[List[CertificateItem]] = None
        total_items: Optional[int] = None
        links: Optional[dict] = Field(default=None, alias="@links")

    class CreatedCertificate(_Node):
        id: int

    class TokenAnswer(_Node):
        access_token: Annotated[Optional[str], LENIENT] = None
        expires_in: Annotated[Optional[float], LENIENT] = None

    class ErrorDetail(_Node):
        source: Annotated[Optional[str], LENIENT] = None
        description: Annotated[Optional[str], LENIENT] = None

    class ErrorBody(_Node):
        """A Hyperion error or an OAuth 2.0 token-service error. Read while a failure is being
        described, so a field of the wrong type reads as None instead of failing the read."""
        code: Annotated[Optional[str], LENIENT] = None
        title: Annotated[Optional[str], LENIENT] = None
        description: Annotated[Optional[str], LENIENT] = None
        message: Annotated[Optional[str], LENIENT] = None
        details: Annotated[Optional[List[Annotated[Optional[ErrorDetail], LENIENT]]], LENIENT] = None
        error: Annotated[Optional[str], LENIENT] = None
        error_description: Annotated[Optional[str], LENIENT] = None


# -- readers: each takes a decoded body; the callers hand them to ``_contract.parse`` with the call's
# name, so that a body of the wrong shape fails naming the call and the field path ---------------------
def collection(data: Any) -> Collection:
    """A page of a list: the Collection object itself (a bare list or null is not one)."""
    return Collection.model_validate(data)


def certificate_page(data: Any) -> Collection:
    """A page of ``GET /v2.0/certificates`` as the paging loop reads it: the Collection itself (a bare
    list or null is not one, nor are ``total_items`` and ``@links`` of the wrong type), whose items
    each are an object with an integer ``id``; each item is returned as the list gave it, with its
    ``id`` and ``certificate_label`` as read."""
    page = CertificatePage.model_validate(data)
    raw = data.get("items") or []
    items = [dict(node, id=item.id, certificate_label=item.certificate_label) for node, item in zip(raw, page.items or [])]
    return Collection.model_construct(items=items, total_items=page.total_items, links=page.links)


def named_entities(data: Any) -> list[dict]:
    """``[{"id", "name"}]`` of an appendix Collection."""
    items = Collection.model_validate(data or {}).items or []
    return [NamedEntity.model_validate(item).model_dump(include={"id", "name"}) for item in items]


def certificate(data: Any) -> Certificate:
    return Certificate.model_validate(data)


def certificate_status(data: Any) -> CertificateStatus:
    return CertificateStatus.model_validate(data)


def dcv_items(data: Any) -> list[DomainDcv]:
    return [DomainDcv.model_validate(item) for item in (Collection.model_validate(data or {}).items or [])]


def cancel_action(data: Any) -> str | None:
    """The name of the action a cancel preview announces, or None when the answer names none."""
    if not isinstance(data, dict):
        return None
    preview = CancelPreview.model_validate(data)
    if preview.action is not None:
        return preview.action.name
    return preview.name


def notifications(data: Any) -> dict[str, dict]:
    """``{notification_type: {"enabled", "emails"}}`` of a notifications Collection."""
    result = {}
    for item in Collection.model_validate(data or {}).items or []:
        node = Notification.model_validate(item)
        result[node.notification_type] = {"enabled": node.enabled is True, "emails": list(node.emails or [])}
    return result


def created_id(data: Any) -> int:
    """The id of the certificate a create made."""
    return CreatedCertificate.model_validate(data).id


def token_answer(data: Any) -> TokenAnswer:
    return TokenAnswer.model_validate(data)


def error_body(data: Any) -> ErrorBody:
    return ErrorBody.model_validate(data)


def _dcv_by_domain(cert: Certificate, items: list[DomainDcv]) -> dict[int | None, DomainDcv | None]:
    """The DCV item that applies to each domain: by domain id, else (DV: one item for every domain)
    the only item, else the item of the same parent domain (OV/EV)."""
    by_id = dict((item.domain_id, item) for item in items if item.domain_id is not None)
    names = dict((d.id, d.name) for d in cert.domains or [])
    by_parent = {}
    for item in items:
        if item.domain_id in names:
            by_parent.setdefault(parent_domain(names[item.domain_id]), item)
    result = {}
    for domain in cert.domains or []:
        item = by_id.get(domain.id)
        if item is None and cert.validation_type == "DV" and items:
            item = items[0]
        if item is None:
            item = by_parent.get(parent_domain(domain.name))
        result[domain.id] = item
    return result


#: The host DigiCert checks a DNS CNAME record's value against (DigiCert's public DCV documentation,
#: "DNS CNAME validation": the record points at dcv.digicert.com). Inferred: CPS documents no value.
DIGICERT_DCV_CNAME_TARGET = "dcv.digicert.com"


def dns_record(method: str | None, token: str | None, domain: str, validation_type: str | None) -> dict | None:
    """The DNS record a DNS DCV method asks for, as ``{name, type, value}``; None for Email DCV or
    while CPS has no token.

    Where each part comes from:
    - the token is CPS's (``GET /v2.0/dcv/certificates/{id}``, ``dcv_token.token``); CPS documents that it
      proves control of the domains (Edgio/terraform-provider-edgecast docs/data-sources/cps_dns_txt_token.md)
      and, for DNS CNAME, that it goes in the record's *name* (reference section 6.4, from the
      Get-Domain-Control-Validation-Metadata docs page) [confirmed];
    - the record names and the CNAME value are DigiCert's DNS methods, CPS's CA [inferred]:
      ``DnsTxtToken`` is a TXT record at the domain validated whose value is the token;
      ``DnsCnameToken`` is a CNAME record named ``<token>.<domain>`` pointing at ``dcv.digicert.com``;
    - the domain validated [inferred from how CPS groups DCV, reference section 6.4]: a DV certificate
      shares one token and each of its domains is validated, so the record goes at the domain itself; an
      OV/EV certificate has one token per parent domain (its last two labels), so the record goes there.
      A wildcard's record goes at the name without ``*.``.
    """
    if method not in DNS_DCV_METHODS or not token:
        return None
    name = domain.lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    if validation_type in ("OV", "EV"):
        name = parent_domain(name)
    if method == "DnsTxtToken":
        return {"name": name, "type": "TXT", "value": token}
    return {"name": "%s.%s" % (token, name), "type": "CNAME", "value": DIGICERT_DCV_CNAME_TARGET}


def status_fields(cert_id: int, status: CertificateStatus) -> dict:
    """The keys of :func:`flatten` that come from the status alone (what a poll reads)."""
    validation = status.order_validation
    order_status = validation.status if validation is not None else None
    return {"id": cert_id, "status": status.status, "order_status": order_status,
            "phase": phase(status.status, order_status), "step": status.step,
            "requires_attention": status.requires_attention, "error_message": status.error_message or None,
            "domain_validations": domain_validations(validation)}


def domain_validations(validation: Any) -> list[dict]:
    """The domain validations of an order's validation node (empty before the order is placed)."""
    return [{"domain_id": v.domain_id, "domain_names": list(v.domain_names or []), "status": v.status}
            for v in (validation.domain_validations or [] if validation is not None else [])]


def flatten(cert: Certificate, status: CertificateStatus | None, dcv: Iterable[DomainDcv] = ()) -> dict:
    """The flat certificate dict of the modules' results (plain JSON types only)."""
    validation = status.order_validation if status is not None else None
    order_status = validation.status if validation is not None else None
    request_status = status.status if status is not None else None
    dcv_for = _dcv_by_domain(cert, list(dcv))
    domains = cert.domains or []
    target = None
    for deployment in cert.deployments or []:
        if deployment.hex_url and (target is None or deployment.platform == "HttpLarge"):
            target = deployment.hex_url
    expiration = cert.expiration_date
    if expiration is not None and expiration.startswith(PLACEHOLDER_DATE):
        expiration = None
    error = status.error_message if status is not None else None
    return {
        "id": cert.id,
        "label": cert.certificate_label,
        "description": cert.description,
        "validation_type": cert.validation_type,
        "dcv_method": cert.dcv_method,
        "auto_renew": cert.auto_renew,
        "status": request_status,
        "order_status": order_status,
        "phase": phase(request_status, order_status),
        "step": status.step if status is not None else None,
        "requires_attention": status.requires_attention if status is not None else None,
        "error_message": error or cert.workflow_error_message or None,
        "domains": [
            {"id": d.id, "name": d.name, "is_common_name": bool(d.is_common_name), "status": d.status,
             "created": d.created, "active_date": d.active_date}
            for d in domains
        ],
        "domain_validations": domain_validations(validation),
        "dcv": [dcv_entry(cert, d, dcv_for[d.id]) for d in domains],
        "target_cname": target,
        "expiration_date": expiration,
        "days_left": days_left(expiration),
        "thumbprint": cert.thumbprint,
        "created": cert.created,
        "last_modified": cert.last_modified,
    }


def dcv_entry(cert: Certificate, domain: Domain, item: DomainDcv | None) -> dict:
    """One domain's entry of ``dcv``: its method, token, e-mails and the DNS record to publish."""
    method = (item.dcv_method if item is not None else None) or cert.dcv_method
    token = (item.dcv_token.token if item is not None and item.dcv_token is not None else None) or None
    return {"domain_id": domain.id, "domain": domain.name, "method": method, "token": token,
            "emails": list(item.emails or []) if item is not None else [],
            "dns_record": dns_record(method, token, domain.name, cert.validation_type)}
