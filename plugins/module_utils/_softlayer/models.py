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

import functools
import traceback
from collections.abc import Callable, Iterable
from typing import Annotated, Any, List, Optional

try:
    from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, WrapValidator
except ImportError:
    HAS_PYDANTIC = False
    PYDANTIC_IMPORT_ERROR = traceback.format_exc()
    BaseModel = object  # the provider's requirements check fails the module before any model is used
    LENIENT = None

    def ConfigDict(**kwargs: Any) -> dict:  # noqa: N802 - stands in for pydantic's
        return kwargs
else:
    HAS_PYDANTIC = True
    PYDANTIC_IMPORT_ERROR = None

    def _or_none(value: Any, handler: Callable[[Any], Any]) -> Any:
        try:
            return handler(value)
        except ValidationError:
            return None

    #: a field that reads as None when it holds the wrong type (for bodies read while describing a failure)
    LENIENT = WrapValidator(_or_none)

from ansible_collections.certops.orders.plugins.module_utils._contract import parse
from ansible_collections.certops.orders.plugins.module_utils._softlayer.client import as_list
from ansible_collections.certops.orders.plugins.module_utils._softlayer.statuses import PENDING, PHASES


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)


class Account(_Record):
    id: int


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


class ServerType(_Record):
    id: Optional[int] = None
    name: Optional[str] = None
    description: Optional[str] = None


class Package(_Record):
    id: int
    name: Optional[str] = None


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


class ErrorBody(BaseModel):
    """SoftLayer's error body. Read while a failure is being described, so a field of the wrong type
    reads as None (the failure is still reported, with its HTTP status) instead of failing the read;
    numbers are not turned into codes, since a code decides whether a call is retried."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    code: Annotated[Optional[str], LENIENT] = None
    error: Annotated[Optional[str], LENIENT] = None


# -- readers: each takes a decoded body; the callers hand them to ``_contract.parse`` with the call's
# name, so that a body of the wrong shape fails naming the call and the field path ---------------------
@functools.lru_cache(maxsize=None)
def _list_adapter(model: type) -> TypeAdapter:
    return TypeAdapter(List[model])


def list_of(model: type, data: Any) -> list:
    """A list answer as ``model`` objects (a field path starts with the item's index). SoftLayer may
    answer a one-element list with the bare object, and an empty one with null."""
    return _list_adapter(model).validate_python(as_list(data))


def _kind(value: Any) -> str:
    """What a JSON value is, in words (never the value: it might be a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(type(value), "an object")


def account_id(data: Any) -> int:
    """The account's id from ``SoftLayer_Account::getObject``."""
    if not isinstance(data, dict):
        raise TypeError("expected an object with the account's integer id, got %s" % _kind(data))
    return Account.model_validate(data).id


def packages(data: Any) -> list[Package]:
    return list_of(Package, data)


def catalogue_items(data: Any) -> list[CatalogueItem]:
    return list_of(CatalogueItem, data)


def server_type_names(data: Any) -> list[str]:
    return [entry.name for entry in list_of(ServerType, data) if entry.name]


def request_records(data: Any) -> list[CertificateRequest]:
    return list_of(CertificateRequest, data)


def error_body(data: Any) -> ErrorBody:
    return ErrorBody.model_validate(data)


STATUS_SOURCE = "SoftLayer_Security_Certificate_Request_Status::getSslRequestStatuses"


class StatusCatalogue:
    """The statuses from ``getSslRequestStatuses``: names by id and ids by name."""

    def __init__(self, raw: Any) -> None:
        self.entries = []
        for status in parse(functools.partial(list_of, RequestStatus), raw, STATUS_SOURCE):
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
    """The ``order`` shape every SoftLayer module returns for a certificate request (a raw body, or
    a :class:`CertificateRequest` a list call read already; ``source`` names the call that
    answered), and the request's CSR."""
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
