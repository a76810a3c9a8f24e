# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SoftLayer records as pydantic models, and the result shapes the modules return.

Parsing is tolerant, because SoftLayer's answers vary by account and mask: missing keys and
nulls become None, unknown keys are ignored, numbers sent as strings are read as numbers. Status
ids are only ever resolved through the catalogue from ``getSslRequestStatuses``: the ids differ
between environments, so none is written down here. The provider imports this file on first use,
so pydantic stays off the path of a task that fails before it reads anything.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Any, List, Optional

try:
    from pydantic import BaseModel, ConfigDict
except ImportError:
    HAS_PYDANTIC = False
    PYDANTIC_IMPORT_ERROR = traceback.format_exc()
    BaseModel = object  # the provider's requirements check fails the module before any model is used

    def ConfigDict(**kwargs: Any) -> dict:  # noqa: N802 - stands in for pydantic's
        return kwargs
else:
    HAS_PYDANTIC = True
    PYDANTIC_IMPORT_ERROR = None

from ansible_collections.certops.orders.plugins.module_utils._contract import parse
from ansible_collections.certops.orders.plugins.module_utils._softlayer.statuses import PENDING, PHASES


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)


class RequestStatus(_Record):
    id: Optional[int] = None
    name: Optional[str] = None
    description: Optional[str] = None


class BillingOrderRef(_Record):
    id: Optional[int] = None


class CertificateRequest(_Record):
    id: int
    commonName: Optional[str] = None
    statusId: Optional[int] = None
    approverEmailAddress: Optional[str] = None
    technicalContactEmailAddress: Optional[str] = None
    certificateSigningRequest: Optional[str] = None
    createDate: Optional[str] = None
    modifyDate: Optional[str] = None
    effectiveDate: Optional[str] = None
    expirationDate: Optional[str] = None
    order: Optional[BillingOrderRef] = None


class ItemRef(_Record):
    id: Optional[int] = None
    keyName: Optional[str] = None
    description: Optional[str] = None


class Price(_Record):
    id: Optional[int] = None
    locationGroupId: Optional[int] = None
    setupFee: Optional[str] = None
    recurringFee: Optional[str] = None
    oneTimeFee: Optional[str] = None
    item: Optional[ItemRef] = None


class CatalogueItem(_Record):
    id: Optional[int] = None
    keyName: Optional[str] = None
    description: Optional[str] = None
    capacity: Optional[str] = None
    prices: List[Price] = []


class OrderContainer(_Record):
    packageId: Optional[int] = None
    currencyShortName: Optional[str] = None
    validityMonths: Optional[int] = None
    serverType: Optional[str] = None
    orderApproverEmailAddress: Optional[str] = None
    prices: List[Price] = []
    preTaxSetup: Optional[str] = None
    postTaxSetup: Optional[str] = None
    preTaxRecurring: Optional[str] = None
    postTaxRecurring: Optional[str] = None
    proratedOrderTotal: Optional[str] = None
    totalSetupTax: Optional[str] = None


class PlacedOrder(_Record):
    id: Optional[int] = None
    status: Optional[str] = None


class Receipt(_Record):
    orderId: Optional[int] = None
    orderDate: Optional[str] = None
    orderDetails: Optional[OrderContainer] = None
    placedOrder: Optional[PlacedOrder] = None


STATUS_SOURCE = "SoftLayer_Security_Certificate_Request_Status::getSslRequestStatuses"


class StatusCatalogue:
    """The statuses from ``getSslRequestStatuses``: names by id and ids by name."""

    def __init__(self, raw: list) -> None:
        self.entries = []
        for item in raw:
            status = parse(RequestStatus.model_validate, item, STATUS_SOURCE)
            if status.id is not None and status.name:
                self.entries.append({"id": status.id, "name": status.name, "description": status.description})
        self.by_id = dict((e["id"], e["name"]) for e in self.entries)
        self.by_name = dict((e["name"], e["id"]) for e in self.entries)

    @property
    def names(self) -> list[str]:
        return [e["name"] for e in self.entries]

    def ids(self, names: Iterable[str]) -> list[int]:
        return [self.by_name[n] for n in names]


def request_result(raw: Any, catalogue: StatusCatalogue, source: str) -> tuple[dict, str | None]:
    """The ``order`` shape every SoftLayer module returns for a certificate request (``source``
    names the call that answered), and the request's CSR."""
    req = parse(CertificateRequest.model_validate, raw, source)
    status = catalogue.by_id.get(req.statusId)
    result = {
        "id": req.id,
        "common_name": req.commonName,
        "status": status,
        "status_id": req.statusId,
        "phase": PHASES.get(status),
        "cancelable": status == PENDING,
        "approver_email": req.approverEmailAddress,
        "technical_contact_email": req.technicalContactEmailAddress,
        "order_id": req.order.id if req.order else None,
        "create_date": req.createDate,
        "modify_date": req.modifyDate,
        "effective_date": req.effectiveDate,
        "expiration_date": req.expirationDate,
    }
    return result, req.certificateSigningRequest


def catalogue_items(raw: list, source: str) -> list:
    return [parse(CatalogueItem.model_validate, item, source) for item in raw]


def receipt_result(raw: Any, placed: bool, source: str) -> dict:
    """The ``receipt`` shape: billing order id, items and totals (``placed`` false for verifyOrder)."""
    if placed:
        receipt = parse(Receipt.model_validate, raw, source)
        details = receipt.orderDetails or OrderContainer()
        order_id, order_date = receipt.orderId, receipt.orderDate
        order_status = receipt.placedOrder.status if receipt.placedOrder else None
    else:
        details = parse(OrderContainer.model_validate, raw, source)
        order_id = order_date = order_status = None
    return {
        "placed": placed,
        "order_id": order_id,
        "order_date": order_date,
        "order_status": order_status,
        "package_id": details.packageId,
        "currency": details.currencyShortName,
        "validity_months": details.validityMonths,
        "ordered_items": [{
            "price_id": price.id,
            "item_id": price.item.id if price.item else None,
            "item_key_name": price.item.keyName if price.item else None,
            "description": price.item.description if price.item else None,
            "setup_fee": price.setupFee,
            "recurring_fee": price.recurringFee,
        } for price in details.prices],
        "totals": {
            "setup": details.postTaxSetup if details.postTaxSetup is not None else details.preTaxSetup,
            "recurring": details.postTaxRecurring if details.postTaxRecurring is not None else details.preTaxRecurring,
            "prorated_total": details.proratedOrderTotal,
        },
    }
