# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SoftLayer providers behind ``softlayer_cert_order_status_info`` and ``softlayer_cert_order``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

from ansible_collections.certops.orders.plugins.module_utils._http import ApiError
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    Change,
    OptionError,
    Provider,
    TaskFailed,
    check_names,
    installed,
    map_bounded,
    read_ids,
    send_once,
    wait_argument_spec,
)
from ansible_collections.certops.orders.plugins.module_utils._wait import OUTCOME_DONE, PollSchedule, Waiter
from ansible_collections.certops.orders.plugins.module_utils._softlayer import api as sl
from ansible_collections.certops.orders.plugins.module_utils._softlayer.connection import (
    connect,
    connection_argument_spec,
)
from ansible_collections.certops.orders.plugins.module_utils._softlayer.statuses import (
    APPROVED,
    CANCELED,
    COMPLETE,
    PASSED,
    PENDING,
)

HAS_PYDANTIC = installed("pydantic")


def _models():
    """The pydantic models, imported on first use (a task that fails on its options never loads them)."""
    from ansible_collections.certops.orders.plugins.module_utils._softlayer import models

    return models


EMAIL_TYPES = {"approver": "ApproverEmail", "fulfillment": "FulfillmentEmail"}
#: statuses in which each resend makes sense (reference §8.3)
RESEND_STATUSES = {"approver": (PENDING,), "fulfillment": (APPROVED, COMPLETE)}
#: the request record appears some seconds after placeOrder (D3): look for it at least this long,
#: whatever wait_timeout says, so that a short wait_timeout does not invite a second order
LOOKUP_FLOOR = 60
CSR_RE = re.compile(r"-----BEGIN (NEW )?CERTIFICATE REQUEST-----\s+[A-Za-z0-9+/=\s]+-----END (NEW )?CERTIFICATE REQUEST-----")
FQDN_RE = re.compile(r"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def info_argument_spec():
    spec = connection_argument_spec()
    spec.update(wait_argument_spec())
    spec.update(
        order_id=dict(type="int"),
        order_ids=dict(type="list", elements="int"),
        common_name=dict(type="str"),
        status=dict(type="list", elements="str"),
    )
    return spec


INFO_MUTUALLY_EXCLUSIVE = [("order_id", "order_ids", "common_name"), ("order_id", "status"), ("order_ids", "status")]


def _address_spec():
    return dict(
        line1=dict(type="str", required=True),
        line2=dict(type="str"),
        city=dict(type="str", required=True),
        state=dict(type="str"),
        non_us_state=dict(type="str"),
        postal_code=dict(type="str", required=True),
        country_code=dict(type="str", required=True),
    )


def _contact_spec():
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


def order_argument_spec():
    spec = connection_argument_spec()
    spec.update(wait_argument_spec())
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


#: the DER of the commonName attribute type (OID 2.5.4.3)
CN_OID = b"\x06\x03\x55\x04\x03"
#: DER string types a commonName may use: UTF8String, PrintableString, T61String, IA5String, BMPString
CN_STRING_TAGS = {0x0C: "utf-8", 0x13: "ascii", 0x14: "latin-1", 0x16: "ascii", 0x1E: "utf-16-be"}


def csr_common_name(pem):
    """The subject commonName of a PEM CSR, or None when it has none or cannot be read.

    Only the first commonName attribute of the DER is read (the subject comes before the
    attributes and extensions); no crypto library is needed for that.
    """
    match = CSR_RE.search(pem or "")
    if not match:
        return None
    body = "".join(match.group(0).split("-----")[2].split())
    try:
        der = base64.b64decode(body)
    except (TypeError, ValueError):
        return None
    at = der.find(CN_OID)
    if at < 0 or at + len(CN_OID) + 2 > len(der):
        return None
    tag, length, start = der[at + len(CN_OID)], der[at + len(CN_OID) + 1], at + len(CN_OID) + 2
    if tag not in CN_STRING_TAGS or length > 0x7F:
        return None
    try:
        return der[start:start + length].decode(CN_STRING_TAGS[tag])
    except UnicodeDecodeError:
        return None


def normalize_csr(text):
    """The CSR without PEM armour differences (line breaks, trailing spaces, NEW)."""
    return "".join((text or "").replace("NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST").split())


class SoftLayerProvider(Provider):
    """What both SoftLayer modules share: the connection, the status catalogue and reads."""

    result_key = "orders"
    item_key = "order"
    noun = "order"
    requirements = (("pydantic", HAS_PYDANTIC, None),)

    def __init__(self, module):
        super(SoftLayerProvider, self).__init__(module)
        self.api = sl.SoftLayerApi(connect(module))
        self._statuses = None
        self._unknown_ids = set()

    # -- catalogue -------------------------------------------------------------------------------
    @property
    def status_catalogue(self):
        if self._statuses is None:
            self._statuses = _models().StatusCatalogue(self.api.request_statuses())
            if not self._statuses.entries:
                raise ApiError("getSslRequestStatuses returned no statuses; cannot resolve status names")
        return self._statuses

    def catalogue(self):
        return {"statuses": self.status_catalogue.entries}

    def vocabulary(self):
        return self.status_catalogue.names

    def default_fail_on(self):
        return [name for name in (CANCELED,) if name in self.status_catalogue.by_name]

    # -- reads -----------------------------------------------------------------------------------
    def result(self, raw):
        """The module's shape for a raw request; warns once per status id the catalogue lacks."""
        order, _csr = _models().request_result(raw, self.status_catalogue)
        self._note_unknown(order)
        return order

    def _note_unknown(self, order):
        if order["status"] is None and order["status_id"] not in self._unknown_ids:
            self._unknown_ids.add(order["status_id"])
            self.module.warn("order %s has status id %s, which getSslRequestStatuses does not list; its status "
                             "is reported as null" % (order["id"], order["status_id"]))

    def get(self, request_id):
        return self.result(self.api.get_request(request_id))

    def fetch(self, keys):
        """One read per round: a single order by id, several in one filtered list call."""
        if len(keys) == 1:
            return {keys[0]: self.get(keys[0])}
        found = dict((k, self.result(raw)) for k, raw in self.api.requests_by_id(keys).items())
        missing = [k for k in keys if k not in found]
        for key, order in zip(missing, map_bounded(self.get, missing)):
            found[key] = order
        return found

    def statuses(self, obj):
        return [obj.get("status")] + list(PASSED.get(obj.get("status"), ()))

    def describe(self, obj):
        return obj.get("status") or "status id %s" % obj.get("status_id")


class InfoProvider(SoftLayerProvider):
    """``softlayer_cert_order_status_info``: select orders by id(s), common name, or the whole account."""

    def select(self):
        params = self.module.params
        # an empty order_ids (say, from an empty registered list) selects nothing, not the account
        # many ids: one filtered list call, and getObject only for the ids it lacks (each its own 404)
        by_id = read_ids(params["order_id"], params["order_ids"], self.get, bulk=self.fetch)
        if by_id is not None:
            return by_id
        leaves = {}
        if params["common_name"]:
            leaves["commonName"] = sl.equals(params["common_name"])
        if params["status"]:
            check_names("status", params["status"], self.vocabulary())
            leaves["statusId"] = sl.one_of(self.status_catalogue.ids(params["status"]))
        found = [self.result(raw) for raw in self.api.list_requests(sl.request_filter(**leaves) if leaves else None)]
        return [(order["id"], order) for order in sorted(found, key=lambda o: o["id"])]


def _address(value):
    if not value:
        return None
    address = {"addressLine1": value["line1"], "addressLine2": value.get("line2"), "city": value["city"],
               "state": value.get("state"), "nonUsState": value.get("non_us_state"),
               "postalCode": value["postal_code"], "countryCode": value["country_code"]}
    return dict((k, v) for k, v in address.items() if v is not None)


def _contact(value, organization, fallback_address):
    contact = {"firstName": value["first_name"], "lastName": value["last_name"], "title": value["title"],
               "emailAddress": value["email"], "phoneNumber": value["phone"], "faxNumber": value.get("fax"),
               "organizationName": value.get("organization_name") or organization["name"],
               "address": _address(value.get("address")) or fallback_address}
    return dict((k, v) for k, v in contact.items() if v is not None)


def build_container(params, package_id, price_id):
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
        "certificateSigningRequest": params["csr"].strip() + "\n",
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


def _summary(order):
    """The diff view of an order: what a reviewer wants to see change."""
    if order is None:
        return None
    return dict((k, order.get(k)) for k in ("id", "common_name", "status", "order_id"))


class OrderProvider(SoftLayerProvider):
    """``softlayer_cert_order``: place (idempotently), cancel, resend the CA's e-mails."""

    def ensure(self):
        params = self.module.params
        self.check_input()
        if params["state"] == "canceled":
            return self.cancel()
        change = self.present()
        if params["resend_email"]:
            change = self.resend(change)
        return change

    # -- input checks before any call that changes something --------------------------------------
    def check_input(self):
        params = self.module.params
        if params["csr"] is not None and not CSR_RE.search(params["csr"]):
            raise OptionError("csr is not a PEM certificate signing request: it must contain a '-----BEGIN "
                              "CERTIFICATE REQUEST-----' ... '-----END CERTIFICATE REQUEST-----' block "
                              "(the CSR text, not a file name; use lookup('file', ...) to read a file)")
        if params["csr"] is not None and "PRIVATE KEY-----" in params["csr"]:
            raise OptionError("csr contains a private key block: give only the CERTIFICATE REQUEST block; the private "
                              "key never leaves your host (nothing was sent)")
        if params["common_name"] is not None and not FQDN_RE.match(params["common_name"]):
            raise OptionError("common_name %r is not a fully qualified domain name such as www.example.com"
                              % params["common_name"])
        in_csr = csr_common_name(params["csr"])
        if params["common_name"] is not None and in_csr is not None and in_csr.lower() != params["common_name"].lower():
            raise OptionError("common_name %r does not match the csr's common name %r: SoftLayer orders the name in the "
                              "CSR, and this module finds the order again by common_name and csr, so they must agree"
                              % (params["common_name"], in_csr))
        if params["state"] == "canceled" and params["resend_email"]:
            raise OptionError("resend_email only applies to state=present (a canceled order has no e-mail to resend)")

    def check_order_input(self):
        """What placing needs; checked before the catalogue is read."""
        params = self.module.params
        missing = [name for name in ("item_key_name", "server_type", "approver_email", "organization",
                                     "technical_contact") if not params[name]]
        if missing:
            raise OptionError("no order for common_name %s with this csr exists, and placing one needs %s"
                              % (params["common_name"], ", ".join(missing)))
        emails = [("approver_email", params["approver_email"])] + [
            ("%s.email" % name, params[name]["email"]) for name in
            ("technical_contact", "administrative_contact", "billing_contact") if params[name]]
        for option, value in emails:
            if not EMAIL_RE.match(value):
                raise OptionError("%s %r is not an e-mail address such as admin@example.com" % (option, value))

    # -- finding the order ------------------------------------------------------------------------
    def find(self, common_name, csr):
        """The newest request for (common name, CSR) that is not Canceled, and the newest Canceled one."""
        wanted = normalize_csr(csr)
        live, canceled = None, None
        raws = self.api.list_requests(sl.request_filter(commonName=sl.equals(common_name)),
                                      mask=sl.REQUEST_MASK_WITH_CSR)
        for raw in sorted(raws, key=lambda r: r.get("id") or 0):
            order, order_csr = _models().request_result(raw, self.status_catalogue)
            if normalize_csr(order_csr) != wanted:
                continue
            self._note_unknown(order)
            if order["status"] == CANCELED:
                canceled = order
            else:
                live = order
        return live, canceled

    def present(self):
        params = self.module.params
        if params["order_id"] is not None:
            order = self.get(params["order_id"])
            return Change(False, before=_summary(order), after=_summary(order), keys=[order["id"]],
                          objects={order["id"]: order}, result={"order": order})
        live, _canceled = self.find(params["common_name"], params["csr"])
        if live is not None:
            return Change(False, before=_summary(live), after=_summary(live), keys=[live["id"]],
                          objects={live["id"]: live}, result={"order": live})
        if params["resend_email"] == "fulfillment":
            raise OptionError("resend_email=fulfillment needs an Approved or Complete order, and no order for %s "
                              "with this csr exists yet (a new order starts in %s); nothing was ordered"
                              % (params["common_name"], PENDING))
        return self.place()

    def resolve_price(self):
        params = self.module.params
        package_id, raw_items = self.api.ssl_items()
        items = _models().catalogue_items(raw_items)
        by_key = dict((i.keyName, i) for i in items if i.keyName and i.keyName.startswith("SSL_CERTIFICATE"))
        item = by_key.get(params["item_key_name"])
        if item is None:
            raise OptionError("item_key_name %r is not an SSL certificate item of the provider's catalogue; valid "
                              "names are: %s" % (params["item_key_name"], ", ".join(sorted(by_key)) or "(none)"))
        if not item.prices or item.prices[0].id is None:
            raise OptionError("item %s has no price in the provider's catalogue" % item.keyName)
        server_types = [t.get("name") for t in self.api.server_types() if isinstance(t, dict)]
        if params["server_type"] not in server_types:
            raise OptionError("server_type %r is not in the provider's server-type catalogue; valid names are: %s"
                              % (params["server_type"], ", ".join(sorted(n for n in server_types if n))))
        return package_id, item.prices[0].id

    def place(self):
        params = self.module.params
        self.check_order_input()
        package_id, price_id = self.resolve_price()
        container = build_container(params, package_id, price_id)
        verified = _models().receipt_result(self.api.verify_order(container), placed=False)
        after = {"id": None, "common_name": params["common_name"], "status": None, "order_id": None}
        if self.module.check_mode:
            return Change(True, before=None, after=after, result={"order": None, "receipt": verified})
        try:
            raw_receipt = self.api.place_order(container)
        except ApiError as exc:
            if not exc.ambiguous:
                raise
            return self.reconcile(exc)
        receipt = _models().receipt_result(raw_receipt, placed=True)
        order, spent = self.await_request(receipt["order_id"])
        if order is None:
            raise TaskFailed(
                "order %s was placed (receipt returned) but its certificate request did not appear within %.0fs; "
                "do not order again: look it up later with certops.orders.softlayer_cert_order_status_info "
                "common_name=%s (re-running this task before it appears would place a second order)" % (
                    receipt["order_id"], spent, params["common_name"]),
                partial_result={"changed": True, "order": None, "receipt": receipt})
        after.update(_summary(order))
        return Change(True, before=None, after=after, keys=[order["id"]], objects={order["id"]: order},
                      result={"order": order, "receipt": receipt}, spent=spent)

    def _poll_until_found(self, lookup):
        """Poll ``lookup()`` (an order or None) until it finds the order: ``(order or None, seconds)``.

        The request appears some seconds after the order (D3); the search lasts ``wait_timeout``
        but at least :data:`LOOKUP_FLOOR` seconds.
        """
        params = self.module.params
        waiter = Waiter(fetch=lambda keys: {"request": lookup()},
                        is_done=lambda obj: obj is not None, is_failed=lambda obj: False,
                        describe=lambda obj: obj["status"] if obj else "not visible yet",
                        timeout=max(params["wait_timeout"], LOOKUP_FLOOR),
                        schedule=PollSchedule(max_interval=params["wait_sleep"]))
        result = waiter.run(["request"])
        found = result.objects.get("request") if result.outcome == OUTCOME_DONE else None
        return found, result.elapsed

    def await_request(self, billing_order_id):
        def lookup():
            found = self.api.requests_for_order(billing_order_id)
            return self.result(max(found, key=lambda r: r.get("id") or 0)) if found else None
        return self._poll_until_found(lookup)

    def reconcile(self, exc):
        """placeOrder failed ambiguously: look for the order instead of ordering again (D5)."""
        params = self.module.params

        def lookup():
            live, _canceled = self.find(params["common_name"], params["csr"])
            return live
        order, spent = self._poll_until_found(lookup)
        if order is None:
            raise ApiError("placeOrder failed without a clear answer (%s) and no certificate request for %s with "
                           "this csr appeared within %.0fs. The order may or may not have been placed: check with "
                           "certops.orders.softlayer_cert_order_status_info before running again; it was not retried"
                           % (exc, params["common_name"], spent),
                           status=exc.status, method=exc.method, url=exc.url, code=exc.code,
                           provider_message=exc.provider_message, ambiguous=True)
        self.module.warn("placeOrder failed without a clear answer (%s), but the order was placed: request %s for %s "
                         "was found; it was not ordered again" % (exc, order["id"], params["common_name"]))
        after = _summary(order)
        return Change(True, before=None, after=after, keys=[order["id"]], objects={order["id"]: order},
                      result={"order": order, "receipt": None}, spent=spent)

    # -- cancel and resend -------------------------------------------------------------------------
    def cancel(self):
        params = self.module.params
        if params["order_id"] is not None:
            order = self.get(params["order_id"])
        else:
            live, canceled = self.find(params["common_name"], params["csr"])
            order = live or canceled
            if order is None:
                return Change(False, result={"order": None})
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
        # cancelSslOrder has a side effect: after an unclear answer, re-read instead of sending it again (D5)
        send_once(self.module, lambda: self.api.cancel(order["id"]),
                  lambda: self.get(order["id"])["status"] == CANCELED, "cancelSslOrder of order %s" % order["id"])
        order = self.get(order["id"])
        return Change(True, before=before, after=_summary(order), keys=keys, objects={order["id"]: order},
                      result={"order": order})

    def resend(self, change):
        kind = self.module.params["resend_email"]
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
