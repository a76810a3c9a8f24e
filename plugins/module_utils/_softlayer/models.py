# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SoftLayer records as pydantic models, and the result shapes the modules return.

Parsing is tolerant, because SoftLayer's answers vary by account and mask: missing keys and
nulls become None, unknown keys are ignored, numbers sent as strings are read as numbers. Status
ids are only ever resolved through the catalogue from ``getSslRequestStatuses``: the ids differ
between environments, so none is written down here. The provider imports this file on first use,
so pydantic stays off the path of a task that fails before it reads anything.

The CSR helpers at the end (``csr_identity`` and friends) read certificate signing requests with
``cryptography``, imported inside them: what identifies an order is the CSR's common name and the
digest of its DER, never the PEM text.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import traceback
import warnings
from collections.abc import Iterable
from typing import Annotated, Any, List, NamedTuple, Optional, Tuple

try:
    from pydantic import BaseModel, ConfigDict, TypeAdapter
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

from ansible_collections.certops.orders.plugins.module_utils._contract import lenient, parse
from ansible_collections.certops.orders.plugins.module_utils._lifecycle import days_left

if HAS_PYDANTIC:
    LENIENT = lenient()
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


class ItemRef(_Record):
    id: Optional[int] = None
    keyName: Optional[str] = None
    description: Optional[str] = None


class OrderItemRef(_Record):
    """The request's ``orderItem`` (a SoftLayer_Billing_Order_Item): what was ordered."""
    itemId: Optional[int] = None
    item: Optional[ItemRef] = None


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
    orderItem: Optional[OrderItemRef] = None


class ServerType(_Record):
    id: Optional[int] = None
    name: Optional[str] = None
    description: Optional[str] = None


class Package(_Record):
    id: int
    name: Optional[str] = None


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
    units: Optional[str] = None
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
        entries = []
        for status in parse(functools.partial(list_of, RequestStatus), raw, STATUS_SOURCE):
            if status.id is not None and status.name:
                entries.append({"id": status.id, "name": status.name, "description": status.description})
        self._index(entries)

    @classmethod
    def from_entries(cls, entries: list) -> StatusCatalogue:
        """A catalogue from the ``entries`` of one read before (the cache): already checked, so not
        parsed again (building the list parser costs more than the request it saves)."""
        catalogue = cls.__new__(cls)
        catalogue._index(entries)
        return catalogue

    def _index(self, entries: list) -> None:
        self.entries = entries
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
    ordered = req.orderItem
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
        "days_left": days_left(req.expirationDate),
        "item_id": ordered.itemId if ordered else None,
        "item_key_name": ordered.item.keyName if ordered and ordered.item else None,
    }
    return result, req.certificateSigningRequest


#: the validity in a catalogue keyName: SSL_CERTIFICATE_RAPIDSSL_1_YEAR, ..._QUICKSSL_PREMIUM_2_YEARS
KEY_NAME_YEARS_RE = re.compile(r"_(\d+)_YEARS?$")
UNIT_MONTHS = {"YEAR": 12, "YEARS": 12, "MONTH": 1, "MONTHS": 1}


def validity_months(item: CatalogueItem) -> int | None:
    """How many months the certificate of a catalogue item is valid, as validateCsr wants it: from
    the item's ``capacity`` and ``units`` (``1`` ``YEAR``), else from the ``_<N>_YEAR(S)`` ending of its
    keyName (the pattern every known SSL item follows); None when the item says neither."""
    unit = UNIT_MONTHS.get((item.units or "").strip().upper())
    capacity = (item.capacity or "").strip()
    if unit and capacity.isascii() and capacity.isdigit() and int(capacity) > 0:
        return int(capacity) * unit
    match = KEY_NAME_YEARS_RE.search(item.keyName or "")
    if match and int(match.group(1)) > 0:
        return int(match.group(1)) * 12
    return None


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


# -- certificate signing requests ------------------------------------------------------------------

#: the label of every PEM block in a text (to count the CSR blocks and to spot anything else)
PEM_LABEL_RE = re.compile(r"-----BEGIN ([^-\r\n]*)-----")
#: one CSR block in either armour, its END line naming the same label as its BEGIN line
CSR_BLOCK_RE = re.compile(r"-----BEGIN ((?:NEW )?CERTIFICATE REQUEST)-----(.*?)-----END \1-----", re.S)
CSR_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
NOT_A_CSR = ("csr is not a PEM certificate signing request: it must contain a '-----BEGIN CERTIFICATE REQUEST-----' "
             "... '-----END CERTIFICATE REQUEST-----' block (the CSR text, not a file name; use lookup('file', ...) "
             "to read a file)")


class CsrError(ValueError):
    """A csr text that is not exactly one readable certificate signing request; the message says why
    and starts with ``csr``."""


class CsrIdentity(NamedTuple):
    """What identifies a CSR, whatever its PEM armour and line breaks.

    ``cn`` is the subject's commonName as the CSR writes it (None when it has none), ``sans`` its
    subjectAltName DNS names as written, and ``digest`` the SHA-256 (hex) of its DER encoding.
    """

    cn: Optional[str]
    sans: Tuple[str, ...]
    digest: str


def dns_name(name: str) -> str:
    """A DNS name in the form names are compared in: DNS names are case-insensitive, and a trailing
    dot only says the name is absolute."""
    return name.rstrip(".").lower()


def csr_block(text: str | None) -> str:
    """The one CSR block of ``text`` (either armour), re-armoured as ``CERTIFICATE REQUEST`` with a
    base64 body in 64-character lines; raises :class:`CsrError` for anything else.

    A private key is refused before anything else, so that the message says it was never sent.
    Another PEM block (a second CSR, a certificate) is refused too: SoftLayer takes one CSR, and
    which one was meant is not for this module to guess.
    """
    text = text or ""
    if "PRIVATE KEY-----" in text:
        raise CsrError("csr contains a private key block: give only the CERTIFICATE REQUEST block; the private "
                       "key never leaves your host (nothing was sent)")
    labels = [label.strip() for label in PEM_LABEL_RE.findall(text)]
    requests = [label for label in labels if label in CSR_LABELS]
    if not requests:
        raise CsrError(NOT_A_CSR)
    if len(requests) > 1:
        raise CsrError("csr holds %d CERTIFICATE REQUEST blocks: give exactly one (SoftLayer orders one CSR "
                       "per order)" % len(requests))
    others = sorted(set(label for label in labels if label not in CSR_LABELS))
    if others:
        raise CsrError("csr holds a %s block besides the CERTIFICATE REQUEST block: give only the CSR"
                       % " and a ".join(others))
    match = CSR_BLOCK_RE.search(text)
    if match is None:
        raise CsrError("csr is not a PEM certificate signing request: its '-----BEGIN %s-----' line has no "
                       "matching '-----END %s-----' line" % (requests[0], requests[0]))
    body = "".join(match.group(2).split())
    try:
        base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise CsrError("csr is not a PEM certificate signing request: the body of its CERTIFICATE REQUEST block "
                       "is not base64") from None
    lines = [body[at:at + 64] for at in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE REQUEST-----\n%s\n-----END CERTIFICATE REQUEST-----\n" % "\n".join(lines)


def load_csr(text: str | None) -> Any:
    """The ``cryptography`` CSR object of the one CSR block in ``text``; raises :class:`CsrError`."""
    from cryptography import x509

    pem = csr_block(text)
    try:
        with warnings.catch_warnings():
            # cryptography warns about a commonName over 64 characters; whether the name is too long
            # is the CA's call, and a warning would only reach the module's stderr
            warnings.simplefilter("ignore")
            return x509.load_pem_x509_csr(pem.encode("ascii"))
    except (ValueError, x509.InvalidVersion) as exc:
        raise CsrError("csr is not a PEM certificate signing request: its CERTIFICATE REQUEST block does not "
                       "parse as a PKCS#10 request (%s)" % exc) from None


def csr_identity(text: str | None) -> CsrIdentity:
    """``(cn, sans, digest)`` of the one CSR in ``text``: see :class:`CsrIdentity`. Raises
    :class:`CsrError` naming the problem when ``text`` is not exactly one readable CSR, or when its
    subject has several commonNames (SoftLayer records one, and which is not written down)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    csr = load_csr(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the over-long commonName warning again, see load_csr
            names = [attribute.value for attribute in csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
            try:
                sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                dns = tuple(sans.get_values_for_type(x509.DNSName))
            except x509.ExtensionNotFound:
                dns = ()
            der = csr.public_bytes(Encoding.DER)
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:  # a subject or an extension that does not decode
        raise CsrError("csr is not a readable certificate signing request: %s" % exc) from None
    if len(names) > 1:
        raise CsrError("csr has %d common names (CN) in its subject (%s): give a CSR with one, the name to order"
                       % (len(names), ", ".join(repr(n) for n in names)))
    if names and not isinstance(names[0], str):
        raise CsrError("csr has a common name (CN) that is not text")
    return CsrIdentity(names[0] if names else None, dns, hashlib.sha256(der).hexdigest())


def same_request(wanted: CsrIdentity, common_name: str | None, csr: str | None) -> bool:
    """Whether a certificate request, given its recorded ``commonName`` and its ``certificateSigningRequest``
    text, is the one for ``wanted``: the same common name as a DNS name, and the same CSR DER.

    A request whose CSR cannot be read is not it (an odd record is skipped, it does not fail the task).
    """
    if wanted.cn is not None and (common_name is None or dns_name(common_name) != dns_name(wanted.cn)):
        return False
    try:
        return csr_identity(csr).digest == wanted.digest
    except CsrError:
        return False
