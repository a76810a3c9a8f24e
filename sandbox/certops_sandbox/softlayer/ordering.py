"""Order containers: validation (verifyOrder / placeOrder), CSR checks and outcome markers.

Every failure is HTTP 500 ``SoftLayer_Exception_Order``, the type softlayer-go documents for
verifyOrder failures; the messages are the sandbox's own.

Markers (in the first DNS label of the CSR's common name; see docs/softlayer.md):

* ``sbx-invalid``: verifyOrder / placeOrder fail with SoftLayer_Exception_Order;
* ``sbx-badcsr``: validateCsr returns false, and verifyOrder / placeOrder fail;
* ``sbx-reject``: the CA rejects the request: ``Canceled`` when it would have been approved;
* ``sbx-stall``: the request stays ``Pending CA Approval`` for ever;
* ``sbx-t<N>``: the CA approves N seconds after the request appears (instead of approve_after).

A marker is a dash-separated part of the label (``app-sbx-t12``, ``sbx-reject-2``), any case.
"""

import copy
import re

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.x509.oid import NameOID

from . import catalog
from .errors import order_error

CONTAINER_TYPE = "SoftLayer_Container_Product_Order_Security_Certificate"

_MARKER = re.compile(r"(?:^|-)sbx-(reject|stall|invalid|badcsr|t(\d+))(?=-|$)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def markers(common_name):
    """The markers in the common name's first DNS label: {"reject", "stall", "invalid", "badcsr", "t": N}."""
    label = str(common_name or "").strip().lower()
    if label.startswith("*."):
        label = label[2:]
    label = label.split(".", 1)[0]
    found = {}
    for match in _MARKER.finditer(label):
        if match.group(2) is not None:
            found["t"] = int(match.group(2))
        else:
            found[match.group(1)] = True
    return found


def outcome(common_name):
    """approve / reject / stall and the approval delay override (or None)."""
    found = markers(common_name)
    if found.get("stall"):
        kind = "stall"
    elif found.get("reject"):
        kind = "reject"
    else:
        kind = "approve"
    return kind, found.get("t")


class CsrInfo:
    def __init__(self, common_name, problem=None):
        self.common_name = common_name
        self.problem = problem


def inspect_csr(text):
    """Parse a PEM (or base64 DER) CSR; the CA's checks give ``problem`` (None when acceptable)."""
    if not isinstance(text, str) or not text.strip():
        return CsrInfo(None, "The certificate signing request is empty.")
    if "PRIVATE KEY" in text:
        return CsrInfo(None, "The certificate signing request must not contain a private key.")
    data = text.strip().encode("ascii", "replace")
    try:
        if b"-----BEGIN" in data:
            csr = x509.load_pem_x509_csr(data)
        else:
            import base64

            csr = x509.load_der_x509_csr(base64.b64decode(data, validate=False))
    except Exception:
        return CsrInfo(None, "Unable to decode the certificate signing request.")
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value).strip() if names else None
    if not common_name:
        return CsrInfo(None, "The certificate signing request has no common name (CN).")
    try:
        if not csr.is_signature_valid:
            return CsrInfo(common_name, "The certificate signing request signature is not valid.")
        key = csr.public_key()
    except Exception:
        return CsrInfo(common_name, "Unable to read the public key of the certificate signing request.")
    if isinstance(key, (rsa.RSAPublicKey, dsa.DSAPublicKey)) and key.key_size < 2048:
        return CsrInfo(common_name, "The key size of the certificate signing request must be at least 2048 bits.")
    if markers(common_name).get("badcsr"):
        return CsrInfo(common_name, "The Certificate Authority rejected the certificate signing request "
                                    "(sandbox marker sbx-badcsr).")
    return CsrInfo(common_name)


def _require(block, keys, where):
    if not isinstance(block, dict):
        raise order_error("%s is required." % where)
    for key in keys:
        value = block.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise order_error("%s.%s is required." % (where, key))


def _check_address(address, where):
    _require(address, ("addressLine1", "city", "postalCode", "countryCode"), where)
    country = str(address["countryCode"]).strip()
    if len(country) != 2 or not country.isalpha():
        raise order_error("%s.countryCode must be a two-letter country code." % where)
    if not (address.get("state") or address.get("nonUsState")):
        raise order_error("%s.state is required (use OT for countries without states)." % where)


def _blank(value):
    """Whether an optional block was left out: absent, null, or an object of empty fields.

    Terraform's ibm_ssl_certificate (through softlayer-go) sends every address and contact field it knows,
    so an optional block the user did not give arrives as an object of empty strings rather than as no key.
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(_blank(item) for item in value.values())
    return False


def verify(container, config):
    """Validate an order container; return (processed container, details) or raise.

    ``details``: item, price, package id, common name, the inner SSL container (as sent).
    """
    if not isinstance(container, dict):
        raise order_error("The order container must be a SoftLayer_Container_Product_Order object.")
    outer = container
    inner = container
    wrapped = isinstance(container.get("orderContainers"), list) and container.get("orderContainers")
    if wrapped:
        if len(container["orderContainers"]) != 1:
            raise order_error("SSL certificates must be ordered on their own: send exactly one order container.")
        inner = container["orderContainers"][0]
        if not isinstance(inner, dict):
            raise order_error("orderContainers[0] must be an order container object.")
    if inner.get("complexType") != CONTAINER_TYPE:
        raise order_error("The order container's complexType must be %s (got %r)."
                          % (CONTAINER_TYPE, inner.get("complexType")))
    package_id = inner.get("packageId")
    if package_id is None:
        raise order_error("packageId is required.")
    try:
        package_id = int(package_id)
    except (TypeError, ValueError, OverflowError):
        raise order_error("packageId must be an integer.")
    if package_id not in catalog.PACKAGE_BY_ID:
        raise order_error("Invalid package id %s." % package_id)
    if package_id not in catalog.SSL_PACKAGE_IDS:
        raise order_error("Package %s does not sell SSL certificates." % package_id)
    prices = inner.get("prices")
    if not isinstance(prices, list) or not prices:
        raise order_error("prices is required: one SSL certificate price, e.g. [{\"id\": 1836}].")
    if len(prices) != 1:
        raise order_error("An SSL certificate order takes exactly one price (got %d)." % len(prices))
    price_ref = prices[0]
    price_id = price_ref.get("id") if isinstance(price_ref, dict) else price_ref
    try:
        price_id = int(price_id)
    except (TypeError, ValueError, OverflowError):
        raise order_error("prices[0].id must be an item price id.")
    item = catalog.ITEM_BY_PRICE_ID.get(price_id)
    if item is None or item not in catalog.package_items(package_id):
        raise order_error("Price # %s is not valid for package # %s." % (price_id, package_id))
    quantity = inner.get("quantity", 1)
    if quantity is not None and (isinstance(quantity, bool) or str(quantity).strip() != "1"):
        raise order_error("quantity must be 1 for an SSL certificate order.")

    csr = inner.get("certificateSigningRequest")
    if not csr:
        raise order_error("certificateSigningRequest is required.")
    info = inspect_csr(csr)
    if info.problem:
        raise order_error(info.problem)
    common_name = info.common_name
    if markers(common_name).get("invalid"):
        raise order_error("Order verification failed for %s (sandbox marker sbx-invalid)." % common_name)

    server_type = inner.get("serverType")
    if not server_type:
        raise order_error("serverType is required.")
    if not isinstance(server_type, str) or server_type not in catalog.SERVER_TYPE_NAMES:
        raise order_error("Invalid serverType %r; see SoftLayer_Security_Certificate_Request_ServerType::getAllObjects."
                          % server_type)

    approver = inner.get("orderApproverEmailAddress")
    if not approver:
        raise order_error("orderApproverEmailAddress is required.")
    if not isinstance(approver, str) or not _EMAIL.match(approver.strip()):
        raise order_error("orderApproverEmailAddress %r is not an email address." % approver)
    if config.get("enforce_approver_email", True):
        local, _, domain = approver.strip().lower().partition("@")
        domains = catalog.admin_email_domains(common_name)
        if domain not in domains:
            raise order_error("The approver email address must be at the domain of the common name %s (one of: %s)."
                              % (common_name, ", ".join(domains)))
        if local not in catalog.ADMIN_EMAIL_PREFIXES:
            raise order_error("The approver email address must be one of the mailboxes %s at the domain."
                              % ", ".join(catalog.ADMIN_EMAIL_PREFIXES))

    organization = inner.get("organizationInformation")
    _require(organization, ("organizationName", "phoneNumber", "address"), "organizationInformation")
    _check_address(organization["address"], "organizationInformation.address")
    technical = inner.get("technicalContact")
    _require(technical, ("firstName", "lastName", "title", "emailAddress", "phoneNumber", "organizationName"),
             "technicalContact")
    if not _EMAIL.match(str(technical["emailAddress"]).strip()):
        raise order_error("technicalContact.emailAddress is not an email address.")
    if not _blank(technical.get("address")):  # a missing address means the organization's
        _check_address(technical["address"], "technicalContact.address")
    for name in ("administrativeContact", "billingContact"):
        block = inner.get(name)
        if block is not None and not isinstance(block, dict):
            raise order_error("%s must be a contact object." % name)
    renewal = inner.get("renewalFlag", False)
    if renewal is not None and not isinstance(renewal, bool):
        raise order_error("renewalFlag must be a boolean.")

    processed = _processed(inner, item, package_id)
    if wrapped:
        result = copy.deepcopy(outer)
        result["orderContainers"] = [processed]
        for key in _TOTAL_KEYS:
            result[key] = processed[key]
        result.setdefault("currencyShortName", "USD")
    else:
        result = processed
    details = {"item": item, "price": item["price"], "packageId": package_id, "commonName": common_name,
               "container": copy.deepcopy(inner), "processed": processed}
    return result, details


_TOTAL_KEYS = ("postTaxRecurring", "postTaxRecurringHourly", "postTaxRecurringMonthly", "postTaxSetup",
               "preTaxRecurring", "preTaxRecurringHourly", "preTaxRecurringMonthly", "preTaxSetup",
               "proratedInitialCharge", "proratedOrderTotal", "totalRecurringTax", "totalSetupTax")


def _processed(inner, item, package_id):
    """The container echoed back with prices, validity and totals filled in, as verifyOrder does."""
    result = copy.deepcopy(inner)
    result["packageId"] = package_id
    result["quantity"] = 1
    result["currencyShortName"] = "USD"
    price = dict(item["price"])
    price["item"] = {"id": item["id"], "keyName": item["keyName"], "description": item["description"]}
    result["prices"] = [price]
    result["validityMonths"] = item["validityMonths"]
    result["serverCount"] = 1
    result.setdefault("renewalFlag", False)
    setup = item["price"]["setupFee"]
    totals = {key: "0" for key in _TOTAL_KEYS}
    totals.update({"postTaxSetup": setup, "preTaxSetup": setup, "proratedInitialCharge": setup,
                   "proratedOrderTotal": setup})
    result.update(totals)
    return result


def previous_order_data(order):
    """getPreviousOrderData: the container as sent, with validity and prices."""
    data = copy.deepcopy(order["container"])
    data["complexType"] = CONTAINER_TYPE
    data["packageId"] = order["packageId"]
    data["prices"] = [{"id": int(order["item"]["itemPriceId"])}]
    data["validityMonths"] = order["validityMonths"]
    data.setdefault("renewalFlag", False)
    data.pop("orderContainers", None)
    return data
