# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Edgecast CPS status names, their phases, and what the modules derive from them (private: not for
use outside this collection).

A certificate request has two statuses: the request's own (``certificate-statuses``: Processing,
DomainControlValidation, ...) and its order's at the CA (``order-statuses``: Pending, Issued,
Rejected, ...). The names are CPS's documented ones; the catalogues are read at run time and no
status id appears anywhere. No pydantic here: every module start imports this.
"""

from __future__ import annotations

#: Order statuses that end a certificate as a failure (docs/docsite/rst/guide_waiting.rst, "Phases").
FAILED_ORDER_STATUSES = ("Rejected", "RenewalRejected", "ReissueRejected", "Revoked", "Expired")
#: The domain status of a request whose validation ran out of time: it never goes on by itself (the
#: vendor's docs: "Resubmit a certificate request that timed out and therefore was never issued").
TIMED_OUT = "TimedOut"
#: The default ``fail_on``: the failures, Canceled and Deleted (names of both vocabularies), and a
#: domain whose validation timed out.
FAILURES = FAILED_ORDER_STATUSES + ("Canceled", "Deleted", TIMED_OUT)
#: The status catalogues a wait accepts names of, and what messages call them: the request's and its
#: order's describe the whole certificate, the domain and validation statuses its parts.
WHOLE_CATALOGUES = (("certificate-statuses", "certificate statuses"), ("order-statuses", "order statuses"))
PART_CATALOGUES = (("domain-statuses", "domain statuses"), ("validation-statuses", "validation statuses"))
#: The request statuses a request has passed on its way (docs/docsite/rst/guide_waiting.rst, "Which
#: statuses satisfy a wait"): the flow of the reference's lifecycle, Processing to Active.
REQUEST_FLOW = ("Processing", "DomainControlValidation", "OtherValidation", "Deployment", "Active")
#: Order statuses that only an issued certificate has: each has passed Pending and Issued, and the end
#: of a change has passed its start.
AFTER_ISSUE = {
    "Issued": (), "AwaitingRenewal": (), "PendingRenewal": ("AwaitingRenewal",),
    "Renewed": ("AwaitingRenewal", "PendingRenewal"), "AwaitingReissue": (), "PendingReissue": ("AwaitingReissue",),
    "AwaitingOrgUpdate": (), "PendingOrgUpdate": ("AwaitingOrgUpdate",),
    "OrgUpdated": ("AwaitingOrgUpdate", "PendingOrgUpdate"), "RenewalRejected": ("AwaitingRenewal", "PendingRenewal"),
    "ReissueRejected": ("AwaitingReissue", "PendingReissue"), "Revoked": (), "Expired": (),
}
PHASE_BY_STATUS = {
    "Processing": "pending",
    "OtherValidation": "pending",
    "Deployment": "pending",
    "DomainControlValidation": "action_required",
    "Active": "issued",
    "Deleted": "deleted",
}
PHASE_BY_ORDER_STATUS = {"Pending": "pending", "Issued": "issued", "Renewed": "issued", "Deleted": "deleted"}
#: Request statuses of an issued certificate (domain and organization changes, renew, delete).
ISSUED_STATUSES = ("Deployment", "Active")
#: Order statuses of a change pending with the CA after issuance, and what the change is.
PENDING_CHANGES = {
    "AwaitingRenewal": "renewal", "PendingRenewal": "renewal",
    "AwaitingReissue": "reissue", "PendingReissue": "reissue",
    "AwaitingOrgUpdate": "organization update", "PendingOrgUpdate": "organization update",
}


#: The request statuses in which the CA validates a placed order.
VALIDATION_STATUSES = ("DomainControlValidation", "OtherValidation")


def cancelable(status: str | None, order_status: str | None) -> bool:
    """Whether CPS cancels this request rather than deleting it: the vendor's own Terraform resource
    (Edgio/terraform-provider-edgecast, edgecast/resources/cps/certificate.go, its delete) cancels a
    request not yet placed with the CA (Processing, no order) or one whose order the CA is still
    validating (a validation status with order Pending), and deletes every other one, whether
    issued or ended by the CA (an order Rejected during domain validation is deleted, not canceled)."""
    if status == "Processing":
        return order_status is None
    return status in VALIDATION_STATUSES and order_status == "Pending"


def phase(status: str | None, order_status: str | None) -> str:
    """The provider-neutral phase: an order status of failure or cancellation wins over the
    request status, which decides otherwise; the order status is the fallback for unknown names."""
    if order_status in FAILED_ORDER_STATUSES:
        return "failed"
    if order_status == "Canceled":
        return "canceled"
    if status in PHASE_BY_STATUS:
        return PHASE_BY_STATUS[status]
    return PHASE_BY_ORDER_STATUS.get(order_status, "pending")


def passed(status: str | None, order_status: str | None) -> list[str]:
    """The request and order statuses a certificate has left behind on its lifecycle. A deleted or
    canceled request has passed nothing a wait could still be for."""
    found = list(REQUEST_FLOW[:REQUEST_FLOW.index(status)]) if status in REQUEST_FLOW else []
    if order_status in AFTER_ISSUE:
        found += ["Pending"] + (["Issued"] if order_status != "Issued" else []) + list(AFTER_ISSUE[order_status])
    return found


#: Order statuses of a renewal under way: a renewal is not started again while one shows.
RENEWAL_PENDING = ("AwaitingRenewal", "PendingRenewal")
#: The DCV methods validated by a DNS record (the others, Email, by the CA's e-mail).
DNS_DCV_METHODS = ("DnsTxtToken", "DnsCnameToken")


def revertible(status: str | None, order_status: str | None) -> bool:
    """Whether a cancel would revert a change pending with the CA rather than cancel the request: the
    vendor's docs say a cancel can "either cancel a certificate request or revert it"
    (https://developer.edgecast.com/cdn/api/Content/CPS/Cancel-Certificate-Request.htm); the reference
    infers (edgecast-cps.md section 8.7) that an issued certificate with a renewal, reissue or organization
    update pending is reverted to the certificate it had. Only such a revert may touch an issued
    certificate: whatever the cancel preview names, nothing else is applied to one."""
    return status in ISSUED_STATUSES and order_status in PENDING_CHANGES
