# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SoftLayer side of the provider contract: ``softlayer_cert_order_status_info`` and
``softlayer_cert_order`` (private: not for use outside this collection)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._catalogue import for_task
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError
from ansible_collections.certops.orders.plugins.module_utils._contract import (
    Change,
    InfoProvider,
    OptionError,
    OrderProvider,
    Provider,
    TaskFailed,
    Vocabulary,
)
from ansible_collections.certops.orders.plugins.module_utils._journal import Entry, Identity
from ansible_collections.certops.orders.plugins.module_utils._lifecycle import (
    SECONDS_PER_DAY,
    check_days,
    expiring,
    selection_argument_spec,
)
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    CreateCall,
    check_names,
    create_once,
    installed,
    journal_argument_spec,
    map_bounded,
    search,
    selected_ids,
    send_once,
    wait_argument_spec,
    warn,
)
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl
from ansible_collections.certops.orders.plugins.module_utils._softlayer.client import connect, connection_argument_spec
from ansible_collections.certops.orders.plugins.module_utils._softlayer.statuses import (
    CANCELED,
    FAILURES,
    PENDING,
    RESEND_STATUSES,
    passed,
)

if TYPE_CHECKING:  # the models import pydantic: the provider loads them on first use (see _models)
    from ansible_collections.certops.orders.plugins.module_utils._softlayer.models import CsrIdentity, StatusCatalogue

HAS_PYDANTIC = installed("pydantic")
#: softlayer_cert_order reads the CSR with it (imported where used, in models)
HAS_CRYPTOGRAPHY = installed("cryptography")


def _models() -> ModuleType:
    """The pydantic models, imported on first use (a task that fails on its options never loads them)."""
    from ansible_collections.certops.orders.plugins.module_utils._softlayer import models

    return models


#: the name of the status catalogue's cache file (see ``_catalogue``)
STATUS_CATALOGUE = "request-statuses"
EMAIL_TYPES = {"approver": "ApproverEmail", "fulfillment": "FulfillmentEmail"}
#: the request record appears some seconds after placeOrder: look for it at least this long,
#: whatever wait_timeout says, so that a short wait_timeout does not invite a second order
LOOKUP_FLOOR = 60
#: the calls a parse failure names
GET_REQUEST = "%s::getObject" % sl.REQUEST
LIST_REQUESTS = "%s::getSslCertificateRequests" % sl.REQUEST
VERIFY = "%s::verifyOrder" % sl.ORDER
VALIDATE = "%s::validateCsr" % sl.REQUEST
PLACE = "%s::placeOrder" % sl.ORDER
#: a DNS name, optionally a wildcard, optionally absolute (a trailing dot)
FQDN_RE = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\.?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def info_argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(wait_argument_spec(info=True))
    spec.update(
        order_id=dict(type="int"),
        order_ids=dict(type="list", elements="int"),
        common_name=dict(type="str"),
        status=dict(type="list", elements="str"),
    )
    spec.update(selection_argument_spec())
    return spec


INFO_MUTUALLY_EXCLUSIVE = [("order_id", "order_ids", "common_name"), ("order_id", "status"), ("order_ids", "status")]


def _address_spec() -> dict:
    return dict(
        line1=dict(type="str", required=True),
        line2=dict(type="str"),
        city=dict(type="str", required=True),
        state=dict(type="str"),
        non_us_state=dict(type="str"),
        postal_code=dict(type="str", required=True),
        country_code=dict(type="str", required=True),
    )


def _contact_spec() -> dict:
    return dict(
        first_name=dict(type="str", required=True),
        last_name=dict(type="str", required=True),
        title=dict(type="str", required=True),
        email=dict(type="str", required=True),
        phone=dict(type="str", required=True),
        fax=dict(type="str"),
        organization_name=dict(type="str"),
        address=dict(type="dict", options=_address_spec()),
    )


def order_argument_spec() -> dict:
    spec = connection_argument_spec()
    spec.update(wait_argument_spec())
    spec.update(journal_argument_spec())
    spec.update(
        state=dict(type="str", default="present", choices=["present", "canceled"]),
        order_id=dict(type="int"),
        common_name=dict(type="str"),
        csr=dict(type="str"),
        item_key_name=dict(type="str"),
        server_type=dict(type="str"),
        approver_email=dict(type="str"),
        organization=dict(type="dict", options=dict(
            name=dict(type="str", required=True),
            phone=dict(type="str", required=True),
            fax=dict(type="str"),
            address=dict(type="dict", required=True, options=_address_spec()),
        )),
        technical_contact=dict(type="dict", options=_contact_spec()),
        administrative_contact=dict(type="dict", options=_contact_spec()),
        billing_contact=dict(type="dict", options=_contact_spec()),
        renewal=dict(type="bool", default=False),
        resend_email=dict(type="str", choices=sorted(EMAIL_TYPES)),
    )
    return spec


ORDER_MUTUALLY_EXCLUSIVE = [("order_id", "common_name"), ("order_id", "csr")]
ORDER_REQUIRED_TOGETHER = [("common_name", "csr")]
ORDER_REQUIRED_ONE_OF = [("order_id", "common_name")]


def _address(value: dict | None) -> dict | None:
    if not value:
        return None
    address = {"addressLine1": value["line1"], "addressLine2": value.get("line2"), "city": value["city"],
               "state": value.get("state"), "nonUsState": value.get("non_us_state"),
               "postalCode": value["postal_code"], "countryCode": value["country_code"]}
    return dict((k, v) for k, v in address.items() if v is not None)


def _contact(value: dict, organization: dict, fallback_address: dict | None) -> dict:
    contact = {"firstName": value["first_name"], "lastName": value["last_name"], "title": value["title"],
               "emailAddress": value["email"], "phoneNumber": value["phone"], "faxNumber": value.get("fax"),
               "organizationName": value.get("organization_name") or organization["name"],
               "address": _address(value.get("address")) or fallback_address}
    return dict((k, v) for k, v in contact.items() if v is not None)


def build_container(params: dict, package_id: int, price_id: int) -> dict:
    """The SoftLayer_Container_Product_Order_Security_Certificate, with the documented fallbacks:
    the technical contact's address defaults to the organization's, and the administrative and
    billing contacts default to the technical contact (their addresses to the organization's)."""
    org = params["organization"]
    org_address = _address(org["address"])
    technical = _contact(params["technical_contact"], org, org_address)
    container = {
        "complexType": sl.CONTAINER_TYPE,
        "packageId": package_id,
        "quantity": 1,
        "prices": [{"id": price_id}],
        # the one CSR block, in the standard armour (the same DER as given: the order's identity)
        "certificateSigningRequest": _models().csr_block(params["csr"]),
        "serverType": params["server_type"],
        "orderApproverEmailAddress": params["approver_email"],
        "renewalFlag": params["renewal"],
        "organizationInformation": dict((k, v) for k, v in (
            ("organizationName", org["name"]), ("phoneNumber", org["phone"]), ("faxNumber", org.get("fax")),
            ("address", org_address)) if v is not None),
        "technicalContact": technical,
        "administrativeContact": (_contact(params["administrative_contact"], org, org_address)
                                  if params["administrative_contact"] else dict(technical)),
        "billingContact": (_contact(params["billing_contact"], org, org_address)
                           if params["billing_contact"] else dict(technical)),
    }
    return container


def _summary(order: dict | None) -> dict | None:
    """The diff view of an order: what a reviewer wants to see change."""
    if order is None:
        return None
    return dict((k, order.get(k)) for k in ("id", "common_name", "status", "order_id"))


def _answer_text(answer: Any) -> str:
    """A validateCsr answer in words (``false``, ``null``, or its kind: never the value)."""
    if answer is None or isinstance(answer, bool):
        return "null" if answer is None else str(answer).lower()
    return "a %s instead of true" % type(answer).__name__


def _positive_ids(params: dict, one: str, many: str) -> None:
    bad = [i for i in ([params[one]] if params[one] is not None else []) + list(params[many] or []) if i <= 0]
    if bad:
        raise OptionError("%s are positive integers, got %s" % (many, ", ".join(str(i) for i in bad)))


#: the slack the provider's expiry filter gets beyond the window: one day, so that a provider that
#: compares whole days, or reads the date in its own time zone (SoftLayer's default is US Central),
#: still lists every certificate the module's exact check then selects
FILTER_SLACK_DAYS = 1


def expiry_cutoff(within: int, now: float | None = None) -> str:
    """The ``lessThanDate`` bound for ``expiring_within_days=within``: a certificate with at most
    ``within`` whole days left expires before now + within + 1 days; the bound adds
    :data:`FILTER_SLACK_DAYS` and is rounded up to midnight UTC, in the form softlayer-python sends
    (``2024-11-05T00:00:00.000000+00:00``). Never earlier than what the exact check selects."""
    import time
    from datetime import datetime, timezone

    now = time.time() if now is None else now
    days = int((now + (within + 1 + FILTER_SLACK_DAYS) * SECONDS_PER_DAY) // SECONDS_PER_DAY) + 1
    day = datetime.fromtimestamp(days * SECONDS_PER_DAY, timezone.utc)
    return day.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")


class SoftLayerProvider(Provider):
    """What both SoftLayer modules share: the connection, the status catalogue and reads."""

    noun = "order"
    requirements = (("pydantic", HAS_PYDANTIC, None),)
    polls_every_pending = True  # one filtered list call reads 100 orders

    def __init__(self, module: AnsibleModule, budget: Budget) -> None:
        super().__init__(module, budget)
        self.api = sl.SoftLayerApi(connect(module, budget))
        creds = sl.resolve_credentials(module.params)
        #: the account the journal keys orders by (the credentials' user; no secret)
        self.account = creds.username
        self.catalogues = for_task(module.params, "softlayer", creds.endpoint_url, self._read_catalogue)
        self._statuses = None
        self._unknown_ids = set()

    # -- the vocabulary --------------------------------------------------------------------------
    def _read_catalogue(self, name: str) -> list:
        entries = _models().StatusCatalogue(self.api.request_statuses()).entries
        if not entries:
            raise ApiError("getSslRequestStatuses returned no statuses; cannot resolve status names")
        return entries

    @property
    def status_catalogue(self) -> StatusCatalogue:
        if self._statuses is None:
            self._statuses = _models().StatusCatalogue.from_entries(self.catalogues.get(STATUS_CATALOGUE))
        return self._statuses

    def _refresh(self) -> bool:
        """Read the catalogue from the provider if this task has a cached copy (see ``_catalogue``)."""
        if self.catalogues.stale(STATUS_CATALOGUE):
            self._statuses = None
            return True
        return False

    def catalogue(self) -> dict:
        return {"statuses": self.status_catalogue.entries}

    def vocabulary(self, asked: Iterable[str] = ()) -> Vocabulary:
        if any(name not in self.status_catalogue.by_name for name in asked):
            self._refresh()
        names = self.status_catalogue.names
        return Vocabulary(names, [name for name in FAILURES if name in names])

    def statuses(self, obj: dict) -> list:
        return [obj.get("status")]

    def passed(self, obj: dict) -> list:
        return passed(obj.get("status"))

    def describe(self, obj: dict) -> str:
        return obj.get("status") or "status id %s" % obj.get("status_id")

    # -- reads -----------------------------------------------------------------------------------
    def result(self, raw: Any, source: str) -> dict:
        """The module's shape for a raw request; warns once per status id the catalogue lacks."""
        order, _csr = self._with_csr(raw, source)
        self._note_unknown(order)
        return order

    def _with_csr(self, raw: Any, source: str) -> tuple[dict, str | None]:
        """The order's shape and its CSR; a status id the (cached) catalogue lacks re-reads it first."""
        order, csr = _models().request_result(raw, self.status_catalogue, source)
        if order["status"] is None and order["status_id"] is not None and self._refresh():
            order, csr = _models().request_result(raw, self.status_catalogue, source)
        return order, csr

    def _note_unknown(self, order: dict) -> None:
        if order["status"] is None and order["status_id"] not in self._unknown_ids:
            self._unknown_ids.add(order["status_id"])
            warn(self.module, "order %s has status id %s, which getSslRequestStatuses does not list; its status "
                              "is reported as null" % (order["id"], order["status_id"]))

    def get(self, request_id: int) -> dict:
        return self.result(self.api.get_request(request_id), GET_REQUEST)

    def read(self, keys: list) -> dict:
        """One read per round: a single order by id, several in one filtered list call (and getObject
        for any the list lacks, so that each missing one fails with its own 404)."""
        if len(keys) == 1:
            return {keys[0]: self.get(keys[0])}
        found = dict((k, self.result(raw, LIST_REQUESTS)) for k, raw in self.api.requests_by_id(keys).items())
        missing = [k for k in keys if k not in found]
        for key, order in zip(missing, map_bounded(self.get, missing)):
            found[key] = order
        return found

    def poll(self, keys: list) -> dict:
        return self.read(keys)  # a full record costs no more than its status

    def complete(self, keys: list, objects: dict) -> dict:
        return objects


class SoftLayerInfo(SoftLayerProvider, InfoProvider):
    """``softlayer_cert_order_status_info``: select orders by id(s), common name, or the whole account."""

    result_key = "orders"
    selectors = ("order_id", "order_ids", "common_name", "status", "expiring_within_days")

    def check_options(self) -> None:
        _positive_ids(self.params, "order_id", "order_ids")
        if self.params["common_name"] is not None and not self.params["common_name"].strip():
            raise OptionError("common_name must not be empty")
        check_days("expiring_within_days", self.params["expiring_within_days"])

    def lookup(self) -> list:
        params = self.params
        within = params["expiring_within_days"]
        # an empty order_ids (say, from an empty registered list) selects nothing, not the account
        ids = selected_ids(params["order_id"], params["order_ids"])
        if ids is not None:
            found = self.read(ids) if ids else {}
            return [(i, found[i]) for i in ids if expiring(found[i]["days_left"], within)]
        leaves = {}
        if params["common_name"]:
            leaves["commonName"] = sl.same_name(params["common_name"])
        if params["status"]:
            check_names("status", params["status"], self.vocabulary(params["status"]).names)
            leaves["statusId"] = sl.one_of(self.status_catalogue.ids(params["status"]))
        if within is not None:
            leaves["expirationDate"] = sl.before_date(expiry_cutoff(within))
        raws = self.api.list_requests(sl.request_filter(**leaves) if leaves else None)
        found = [self.result(raw, LIST_REQUESTS) for raw in raws]
        # the provider's filter only narrows the list: whether an order expires within the window is
        # decided here, with the arithmetic both providers share (and a provider that ignores the
        # filter, as SoftLayer does with one it cannot read, still selects exactly)
        found = [order for order in found if expiring(order["days_left"], within)]
        return [(order["id"], order) for order in sorted(found, key=lambda o: o["id"])]


class SoftLayerOrder(SoftLayerProvider, OrderProvider):
    """``softlayer_cert_order``: place once per (common name, CSR), cancel, resend the CA's e-mails."""

    item_key = "order"
    requirements = SoftLayerProvider.requirements + (("cryptography", HAS_CRYPTOGRAPHY, None),)
    #: the request record of a new order shows up seconds after placeOrder (SoftLayer documents no bound;
    #: Terraform's resource polls up to ten minutes). Twice the minute a run looks after an unclear
    #: answer: a run that lost its answer holds new orders for the identity back this long, and a
    #: longer window would also hold back every retry after a placeOrder that was never processed
    record_window = 120.0

    def __init__(self, module: AnsibleModule, budget: Budget) -> None:
        super().__init__(module, budget)
        self._progress = {}
        self._identity = None

    def check_options(self) -> None:
        params = self.params
        if params["order_id"] is not None and params["order_id"] <= 0:
            raise OptionError("order_id is a positive integer, got %s" % params["order_id"])
        if params["common_name"] is not None and not FQDN_RE.match(params["common_name"]):
            raise OptionError("common_name %r is not a fully qualified domain name such as www.example.com"
                              % params["common_name"])
        if params["state"] == "canceled" and params["resend_email"]:
            raise OptionError("resend_email only applies to state=present (a canceled order has no e-mail to resend)")
        emails = [("approver_email", params["approver_email"])] + [
            ("%s.email" % name, (params[name] or {}).get("email")) for name in
            ("technical_contact", "administrative_contact", "billing_contact")]
        for option, value in emails:
            if value is not None and not EMAIL_RE.match(value):
                raise OptionError("%s %r is not an e-mail address such as admin@example.com" % (option, value))
        # last: reading the CSR loads the models (and pydantic), which the checks above do without
        if params["csr"] is not None:
            self.check_csr(params["common_name"])

    @property
    def csr_identity(self) -> CsrIdentity:
        """The csr's common name, DNS names and DER digest; an unreadable csr is an OptionError."""
        if self._identity is None:
            models = _models()
            try:
                self._identity = models.csr_identity(self.params["csr"])
            except models.CsrError as exc:
                raise OptionError(str(exc)) from None
        return self._identity

    def check_csr(self, common_name: str) -> None:
        """common_name must name what the CSR orders: its common name, or, in a CSR without one, one of
        its DNS names. DNS names are compared without regard to case or a trailing dot."""
        dns_name = _models().dns_name
        csr = self.csr_identity
        if csr.cn is not None:
            if dns_name(csr.cn) != dns_name(common_name):
                raise OptionError("common_name %r does not match the csr's common name %r (compared without regard to "
                                  "case): SoftLayer orders the name in the CSR, and this module finds the order again "
                                  "by that name and the csr, so they must agree" % (common_name, csr.cn))
        elif not csr.sans:
            raise OptionError("csr has neither a common name (CN) nor DNS names (subjectAltName): it names nothing "
                              "to order a certificate for")
        elif dns_name(common_name) not in [dns_name(name) for name in csr.sans]:
            raise OptionError("common_name %r is not among the csr's DNS names (%s), and the csr has no common name "
                              "(CN): common_name must be the name the CSR orders" % (common_name, ", ".join(csr.sans)))

    def progress(self) -> dict:
        return dict(self._progress)

    # -- finding the order ------------------------------------------------------------------------
    def _by_csr(self) -> tuple:
        """The newest request for the csr that is not Canceled, and the newest Canceled one.

        placeOrder records the common name the CSR states (the order container has none of its own);
        the filter asks for it in any case, since DNS names are case-insensitive and SoftLayer does not
        say whether it keeps the CSR's spelling. Each row is then matched here on its common name, as a
        DNS name, and on the digest of its CSR's DER (armour and line breaks do not count). A CSR without
        a CN gives no name to filter on, and what SoftLayer records for it is not documented: all the
        account's requests are read and matched by the digest alone.
        """
        models = _models()
        wanted = self.csr_identity
        object_filter = sl.request_filter(commonName=sl.same_name(wanted.cn)) if wanted.cn is not None else None
        rows = [self._with_csr(raw, LIST_REQUESTS) for raw in self.api.list_requests(object_filter, mask=sl.REQUEST_MASK_WITH_CSR)]
        live, canceled = None, None
        for order, order_csr in sorted(rows, key=lambda row: row[0]["id"]):
            if not models.same_request(wanted, order["common_name"], order_csr):
                continue
            self._note_unknown(order)
            if order["status"] == CANCELED:
                canceled = order
            else:
                live = order
        return live, canceled

    def find(self) -> dict | None:
        """By ``order_id``; else the live order for (common name, CSR), or, to cancel, a canceled one."""
        params = self.params
        if params["order_id"] is not None:
            return self.get(params["order_id"])
        live, canceled = self._by_csr()
        return live if params["state"] == "present" else live or canceled

    # -- present ----------------------------------------------------------------------------------
    def update(self, existing: dict) -> Change:
        """Nothing about a placed order can change; only the e-mails can be resent. An item_key_name
        other than the order's item is a state this task cannot reach: it fails (see check_item)."""
        self.check_item(existing)
        change = Change(False, before=_summary(existing), after=_summary(existing), keys=[existing["id"]],
                        objects={existing["id"]: existing}, result={"order": existing})
        return self.resend(change) if self.params["resend_email"] else change

    def check_item(self, existing: dict) -> None:
        """Fail when ``item_key_name`` names another item than the one the existing order was placed for.

        A placed order's item cannot change (SoftLayer has no call for it), and reporting the order
        as unchanged would hide that the certificate is not the one asked for. The request record
        holds no item of its own; its ``orderItem`` (the billing order item) has the ``itemId`` and
        the catalogue ``item`` with its keyName. When the keyName is missing the catalogue tells it
        from the itemId; when the record names no item at all, the task warns that it could not check.
        The server type and the validity are not on the record (only on the order container), so they
        are not compared: the validity follows from the item, and the server type is not known.
        """
        wanted = self.params["item_key_name"]
        if not wanted or self.params["state"] != "present":
            return
        key_name = existing.get("item_key_name")
        if key_name is None and existing.get("item_id") is not None:
            _package, items = self.api.ssl_items()
            key_name = next((i.keyName for i in items if i.id == existing["item_id"]), None)
        if key_name is None:
            warn(self.module, "order %s does not say which item it was placed for (its record has no order item), so "
                              "item_key_name %s was not compared with it" % (existing["id"], wanted))
            return
        if key_name != wanted:
            raise OptionError(
                "order %s for %s was placed for item %s, and a placed order's item cannot change: item_key_name %s "
                "cannot be reached for it. Nothing was changed or ordered. To order %s, use a new CSR (a new CSR "
                "places a new order; cancel the old one while it is %s if it is not wanted), or set item_key_name "
                "to %s" % (existing["id"], existing["common_name"], key_name, wanted, wanted, PENDING, key_name))

    def identity(self) -> Identity | None:
        """(endpoint, account, common name, CSR): an order named by ``order_id`` is never created."""
        params = self.params
        if params["order_id"] is not None:
            return None
        csr = self.csr_identity
        return Identity("softlayer", self.api.http.base_url, self.account,
                        common_name=_models().dns_name(csr.cn or params["common_name"]), csr_sha256=csr.digest)

    def order_id(self, existing: dict) -> int:
        return existing["id"]

    def create(self, entry: Entry | None) -> Change:
        params = self.params
        if params["resend_email"] == "fulfillment":
            raise OptionError("resend_email=fulfillment needs an Approved or Complete order, and no order for %s "
                              "with this csr exists yet (a new order starts in %s); nothing was ordered"
                              % (params["common_name"], PENDING))
        change = self.place(entry)
        return self.resend(change) if params["resend_email"] else change

    def check_order_input(self) -> None:
        """What placing needs beyond finding the order."""
        params = self.params
        missing = [name for name in ("item_key_name", "server_type", "approver_email", "organization",
                                     "technical_contact") if not params[name]]
        if missing:
            raise OptionError("no order for common_name %s with this csr exists, and placing one needs %s"
                              % (params["common_name"], ", ".join(missing)))

    def resolve_price(self) -> tuple:
        """``(package_id, item)`` for item_key_name, after checking server_type (the catalogue's names)."""
        params = self.params
        package_id, items = self.api.ssl_items()
        by_key = dict((i.keyName, i) for i in items if i.keyName and i.keyName.startswith("SSL_CERTIFICATE"))
        item = by_key.get(params["item_key_name"])
        if item is None:
            raise OptionError("item_key_name %r is not an SSL certificate item of the provider's catalogue; valid "
                              "names are: %s" % (params["item_key_name"], ", ".join(sorted(by_key)) or "(none)"))
        if not item.prices or item.prices[0].id is None:
            raise OptionError("item %s has no price in the provider's catalogue" % item.keyName)
        server_types = self.api.server_type_names()
        if params["server_type"] not in server_types:
            raise OptionError("server_type %r is not in the provider's server-type catalogue; valid names are: %s"
                              % (params["server_type"], ", ".join(sorted(server_types))))
        return package_id, item

    def validate_csr(self, item: Any, csr: str) -> None:
        """Ask the CA whether it accepts the CSR for the item, before anything is ordered, as Terraform's
        SSL certificate resource does (IBM-Cloud/terraform-provider-ibm,
        ibm/service/classicinfrastructure/resource_ibm_ssl_certificate.go): ``validateCsr(csr,
        validityMonths, itemId, serverType)`` with the product item's id (not its price id). An answer
        other than true, or a SoftLayer exception, means the CSR is refused and nothing is ordered."""
        params = self.params
        months = _models().validity_months(item)
        if months is None:
            raise TaskFailed("the catalogue does not say how long item %s is valid (no capacity and units, and no "
                             "_<N>_YEAR ending in its keyName), which validateCsr needs; nothing was ordered"
                             % item.keyName)
        what = "item %s (id %s), %d months, server type %s" % (item.keyName, item.id, months, params["server_type"])
        try:
            answer = self.api.validate_csr(csr, months, item.id, params["server_type"])
        except ApiError as exc:
            # a SoftLayer exception refuses the CSR (or its parameters); the rate limit and bare internal
            # errors only say the check did not happen
            if exc.code and not sl.classify(exc.status or 0, exc.code, exc.provider_message, False):
                exc.msg = ("the provider refused the csr for %s: %s raised %s: %s. Nothing was ordered; fix the CSR "
                           "(or item_key_name / server_type) and run again"
                           % (params["common_name"], VALIDATE, exc.code, exc.provider_message or exc.msg))
            else:
                exc.msg = "%s failed, so the csr could not be checked and nothing was ordered: %s" % (VALIDATE, exc.msg)
            raise
        if answer is not True:
            raise TaskFailed(
                "the provider refused the csr for %s: %s answered %s for %s, so the Certificate Authority would not "
                "accept this CSR (a weak key, a bad signature, a common name or subject it does not take, or a "
                "validity the item does not offer). Nothing was ordered; make a new CSR and run again"
                % (params["common_name"], VALIDATE, _answer_text(answer), what))

    def place(self, entry: Entry | None) -> Change:
        params = self.params
        self.check_order_input()
        package_id, item = self.resolve_price()
        container = build_container(params, package_id, item.prices[0].id)
        # the CA's verdict on the CSR first: a refused CSR must never be ordered (in check mode too,
        # beside verifyOrder, so that the prediction says what placing would say)
        self.validate_csr(item, container["certificateSigningRequest"])
        verified = _models().receipt_result(self.api.verify_order(container), False, VERIFY)
        after = {"id": None, "common_name": params["common_name"], "status": None, "order_id": None}
        if self.module.check_mode:
            return Change(True, before=None, after=after, result={"order": None, "receipt": verified})
        searched = []

        def find_after_error() -> dict | None:
            # a placed order's record shows up within seconds: a minute of looking settles it, not the
            # whole budget (if it shows up later, the journal's open intent keeps the next run from posting)
            order, spent = search(lambda: self._by_csr()[0], self.budget,
                                  params["wait_sleep"], within=min(LOOKUP_FLOOR, self.budget.remaining()))
            searched.append(spent)
            return order

        def read(answer) -> tuple:
            receipt = _models().receipt_result(answer, True, PLACE)
            if receipt["order_id"] is None:
                raise ApiError("%s answered without an order id" % PLACE, url=PLACE)
            return receipt["order_id"], receipt

        created = create_once(self.module, entry, CreateCall(
            "placeOrder", lambda: self.api.place_order(container), read, find_after_error, self.order_id,
            lambda order: "request %s for %s" % (order["id"], params["common_name"]),
            lambda: "no certificate request for %s with this csr appeared within %.0fs. The order may or may not "
                    "have been placed: check with certops.orders.softlayer_cert_order_status_info before running "
                    "again; it was not retried, and the order journal keeps the next run from placing it again "
                    "until the order shows up or %ds have passed" % (params["common_name"], searched[-1],
                                                                     self.record_window)))
        if created.answer is None:
            order = created.found
            return Change(True, before=None, after=_summary(order), keys=[order["id"]], objects={order["id"]: order},
                          result={"order": order, "receipt": None})
        receipt = created.answer
        self._progress = {"changed": True, "order": None, "receipt": receipt}

        def placed() -> dict | None:
            found = self.api.requests_for_order(receipt["order_id"])
            return self.result(max(found, key=lambda r: r.id), LIST_REQUESTS) if found else None

        # the record appears some seconds after placeOrder: look for it at least LOOKUP_FLOOR seconds
        order, spent = search(placed, self.budget, params["wait_sleep"], at_least=LOOKUP_FLOOR)
        if order is None:
            raise TaskFailed(
                "order %s was placed (receipt returned) but its certificate request did not appear within %.0fs; "
                "look it up later with certops.orders.softlayer_cert_order_status_info common_name=%s (the order "
                "journal keeps a re-run of this task from ordering again while the request may still appear)" % (
                    receipt["order_id"], spent, self.csr_identity.cn or params["common_name"]), changed=True)
        self._progress["order"] = order
        after.update(_summary(order))
        return Change(True, before=None, after=after, keys=[order["id"]], objects={order["id"]: order},
                      result={"order": order, "receipt": receipt})

    def resend(self, change: Change) -> Change:
        kind = self.params["resend_email"]
        order = change.result.get("order")
        if order is None:  # check mode before placing: nothing to resend yet
            change.result["email_resent"] = None
            return change
        allowed = RESEND_STATUSES[kind]
        if order["status"] not in allowed:
            raise OptionError("resend_email=%s needs the order in %s; order %s is %s" % (
                kind, " or ".join(allowed), order["id"], order["status"]))
        if not self.module.check_mode:
            self.api.resend_email(order["id"], EMAIL_TYPES[kind])
        change.changed = True
        change.result["email_resent"] = EMAIL_TYPES[kind]
        return change

    # -- canceled ---------------------------------------------------------------------------------
    def remove(self, existing: dict | None) -> Change:
        if existing is None:
            return Change(False, result={"order": None})
        order = existing
        before = _summary(order)
        keys, objects = [order["id"]], {order["id"]: order}
        if order["status"] == CANCELED:
            return Change(False, before=before, after=before, keys=keys, objects=objects, result={"order": order})
        if order["status"] != PENDING:
            raise OptionError("order %s is %s: only orders in %s can be canceled (the CA has already approved it)"
                              % (order["id"], order["status"] or "in status id %s" % order["status_id"], PENDING))
        after = dict(before, status=CANCELED)
        if self.module.check_mode:
            return Change(True, before=before, after=after, keys=keys, objects=objects, result={"order": order})
        # cancelSslOrder changes something: after an unclear answer, read instead of sending it again
        send_once(self.module, lambda: self.api.cancel(order["id"]),
                  lambda: self.get(order["id"])["status"] == CANCELED, "cancelSslOrder of order %s" % order["id"])
        order = self.get(order["id"])
        return Change(True, before=before, after=_summary(order), keys=keys, objects={order["id"]: order},
                      result={"order": order})


def info_module_args() -> dict:
    """The ``AnsibleModule`` arguments of ``softlayer_cert_order_status_info``."""
    return dict(argument_spec=info_argument_spec(), mutually_exclusive=INFO_MUTUALLY_EXCLUSIVE,
                supports_check_mode=True)


def order_module_args() -> dict:
    """The ``AnsibleModule`` arguments of ``softlayer_cert_order``."""
    return dict(argument_spec=order_argument_spec(), mutually_exclusive=ORDER_MUTUALLY_EXCLUSIVE,
                required_together=ORDER_REQUIRED_TOGETHER, required_one_of=ORDER_REQUIRED_ONE_OF,
                supports_check_mode=True)
