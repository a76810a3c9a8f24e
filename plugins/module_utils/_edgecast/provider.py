# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Edgecast CPS side of the provider contract: ``edgecast_cert_order_status_info`` and
``edgecast_cert_order`` (private: not for use outside this collection).

Status names come from the appendix endpoints; no status id appears here.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._catalogue import for_task
from ansible_collections.certops.orders.plugins.module_utils._contract import (
    PHASES,
    Change,
    InfoProvider,
    OptionError,
    OrderProvider,
    Provider,
    TaskFailed,
    Vocabulary,
    parse,
)
from ansible_collections.certops.orders.plugins.module_utils._edgecast import client as cps
from ansible_collections.certops.orders.plugins.module_utils._edgecast.client import (
    certificate_path,
    connect,
    connection_argument_spec,
)
from ansible_collections.certops.orders.plugins.module_utils._edgecast.statuses import (
    DNS_DCV_METHODS,
    FAILURES,
    ISSUED_STATUSES,
    PART_CATALOGUES,
    PENDING_CHANGES,
    RENEWAL_PENDING,
    TIMED_OUT,
    VALIDATION_STATUSES,
    WHOLE_CATALOGUES,
    cancelable,
    passed,
    phase,
    revertible,
)
from ansible_collections.certops.orders.plugins.module_utils._lifecycle import (
    check_days,
    expiring,
    selection_argument_spec,
)
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError
from ansible_collections.certops.orders.plugins.module_utils._journal import Entry, Identity
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    CreateCall,
    create_once,
    installed,
    journal_argument_spec,
    check_names,
    map_bounded,
    search,
    selected_ids,
    send_once,
    transport_argument_spec,
    wait_argument_spec,
    warn,
)

if TYPE_CHECKING:  # the models import pydantic: the provider loads them on first use (see _models)
    from ansible_collections.certops.orders.plugins.module_utils._edgecast.models import (
        Certificate,
        CertificateStatus,
        Domain,
    )

HAS_PYDANTIC = installed("pydantic")
#: ``renew_within_days`` when action=renew does not set it: CPS's own auto-renewal starts about 60 days
#: before expiry (reference section 6.2, Renew), so 30 leaves it room and still renews a month ahead.
DEFAULT_RENEW_WITHIN_DAYS = 30

#: A certificate label: words of letters, digits, '_' and '-', separated by single spaces. The vendor's
#: docs name only letters, digits, '_' and '-', yet its own examples use spaces ("cdn example tf dv11" in
#: Edgio/terraform-provider-edgecast examples/resources/edgecast_cps_certificate/resource.tf, "my certificate 1"
#: in examples/data-sources/edgecast_cps_full_workflow/resource.tf); the examples are what the API took.
#: Leading, trailing and doubled spaces are refused: a label is an identity, and such spaces are typos.
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*$")


def check_label(option: str, value: str | None) -> None:
    """The one label rule of both Edgecast modules (a label the order module could not create is one the
    info module cannot find, so both refuse it the same way)."""
    if not LABEL_PATTERN.match(value or ""):
        raise OptionError("%s %r is not a CPS certificate label: use letters, digits, '_' and '-', with single spaces "
                          "between words (for example 'cdn_example_com' or 'cdn example 1')" % (option, value))


#: An organization given for a DV certificate: the vendor's Go SDK example sends one with a DV create
#: (Edgio/ec-sdk-go example/cps/certificate/certificate.go) while its docs say not to, and CPS validates
#: no organization for DV. The module neither sends it nor compares it, so a re-run stays unchanged.
DV_ORGANIZATION_IGNORED = ("organization is not sent for a DV certificate: CPS ignores an organization for DV "
                           "certificates (it validates one only for OV and EV); remove organization, or choose "
                           "validation_type OV or EV")


def argument_spec() -> dict:
    """Connection, transport and wait options: what both Edgecast modules start from."""
    spec = connection_argument_spec()
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec())
    return spec


def info_argument_spec() -> dict:
    """``edgecast_cert_order_status_info``: the shared options and the selectors."""
    spec = argument_spec()
    spec.update(wait_argument_spec(info=True))
    spec.update(
        certificate_id=dict(type="int"),
        certificate_ids=dict(type="list", elements="int"),
        label=dict(type="str"),
        domain=dict(type="str"),
        status=dict(type="list", elements="str"),
        wait_reads=dict(type="str", choices=list(WAIT_READS), default="in_order"),
    )
    spec.update(selection_argument_spec())
    return spec


#: how a wait for several certificates reads their statuses (``wait_reads``)
WAIT_READS = ("in_order", "every_pending")


INFO_MUTUALLY_EXCLUSIVE = [("certificate_id", "certificate_ids", "label", "domain")]


def order_argument_spec() -> dict:
    """``edgecast_cert_order``: the shared options and the certificate request's settings."""
    contact = dict(first_name=dict(type="str"), last_name=dict(type="str"), email=dict(type="str"),
                   phone=dict(type="str"), title=dict(type="str"), contact_type=dict(type="str"))
    organization = dict((name, dict(type="str")) for name in (
        "company_name", "company_address", "company_address2", "city", "state", "zip_code", "country",
        "organizational_unit", "contact_first_name", "contact_last_name", "contact_email", "contact_phone",
        "contact_title"))
    organization.update(id=dict(type="int"), additional_contacts=dict(type="list", elements="dict", options=contact))
    spec = argument_spec()
    spec.update(journal_argument_spec())
    spec.update(
        label=dict(type="str", required=True, aliases=["name"]),
        state=dict(type="str", default="present", choices=["present", "canceled", "absent"]),
        description=dict(type="str"),
        auto_renew=dict(type="bool"),
        certificate_authority=dict(type="str", default="DigiCert", choices=["DigiCert", "LetsEncrypt"]),
        validation_type=dict(type="str", choices=["DV", "OV", "EV"]),
        dcv_method=dict(type="str", choices=["DnsTxtToken", "DnsCnameToken", "Email"]),
        domains=dict(type="list", elements="dict", options=dict(
            name=dict(type="str", required=True),
            is_common_name=dict(type="bool", default=False),
        )),
        organization=dict(type="dict", options=organization),
        notifications=dict(type="list", elements="dict", options=dict(
            notification_type=dict(type="str", required=True,
                                   choices=["CertificateRenewal", "CertificateExpiring", "PendingValidations"]),
            enabled=dict(type="bool", required=True),
            emails=dict(type="list", elements="str", default=[]),
        )),
        action=dict(type="str", choices=["renew", "retrigger", "dcv_check", "regenerate_dcv_token", "resend_dcv_email"]),
        renew_within_days=dict(type="int"),
    )
    return spec


class ActionPlan:
    """What an ``action`` does: ``call`` (None: nothing to send), ``settled`` (reads whether an
    ambiguous send took effect), ``result`` (keys added to the module result), ``predict`` (changes
    the check-mode certificate in place) and ``read_answer`` (the DCV items of the call's answer)."""

    def __init__(self, call: cps.Call | None = None, settled: Callable | None = None, result: dict | None = None,
                 predict: Callable[[dict], None] | None = None, read_answer: Callable | None = None) -> None:
        self.call = call
        self.settled = settled
        self.result = result
        self.predict = predict or (lambda flat: None)
        self.read_answer = read_answer


def _models() -> ModuleType:
    """The pydantic models, imported on first use."""
    from ansible_collections.certops.orders.plugins.module_utils._edgecast import models

    return models


class EdgecastProvider(Provider):
    """What both modules share: the connection, the status catalogues and reading certificates."""

    noun = "certificate"
    requirements = (("pydantic", HAS_PYDANTIC, None),)
    #: CPS has no bulk status read, so each pending certificate is a request of its own: by default a
    #: wait reads them one at a time, in order (``wait_reads``, see :class:`EdgecastInfo`)
    polls_every_pending = False

    def __init__(self, module: AnsibleModule, budget: Budget) -> None:
        super().__init__(module, budget)
        self.cps = connect(module, budget)
        self._polled = {}  # certificate id -> the status model a poll read last
        self.catalogues = for_task(module.params, "edgecast", module.params["api_url"], self._read_appendix)

    # -- the vocabulary ----------------------------------------------------------------------
    def _read_appendix(self, name: str) -> list:
        return parse(_models().named_entities, self.cps.appendix(name), "GET /v2.0/appendix/%s" % name)

    def appendix(self, name: str) -> list:
        """A status catalogue (``order-statuses``, ``certificate-statuses``), read once per run, from
        the cache when it has a fresh copy."""
        return self.catalogues.get(name)

    def catalogue(self) -> dict:
        return {"order_statuses": self.appendix("order-statuses"),
                "certificate_statuses": self.appendix("certificate-statuses")}

    def vocabulary(self, asked: Iterable[str] = ()) -> Vocabulary:
        """The request and order statuses; the domain and validation statuses too (two more requests)
        when a name the task asks for is not among those or the phases. The default ``fail_on`` has
        TimedOut whether or not its catalogue was read: it is matched on the domains' own statuses."""
        whole = self._whole_names()
        if any(name not in whole and name not in PHASES for name in asked):
            groups = self._names(WHOLE_CATALOGUES + PART_CATALOGUES)
            known = set(n for names in groups.values() for n in names)
            if any(name not in known and name not in PHASES for name in asked):
                # a name no catalogue has may be one the provider added after a cached copy was
                # written: every cached catalogue is read again (each at most once per task)
                refreshed = [self.catalogues.stale(name) for name, _title in WHOLE_CATALOGUES + PART_CATALOGUES]
                if any(refreshed):
                    groups = self._names(WHOLE_CATALOGUES + PART_CATALOGUES)
                    whole = self._whole_names()
        else:
            groups = self._names(WHOLE_CATALOGUES)
        return Vocabulary([], [name for name in FAILURES if name in whole] + [TIMED_OUT], groups)

    def _names(self, catalogues: tuple) -> dict:
        return dict((title, [s["name"] for s in self.appendix(name)]) for name, title in catalogues)

    def _whole_names(self) -> set:
        """The names of the catalogues that describe a whole certificate (read once, by the vocabulary)."""
        return set(s["name"] for name, _title in WHOLE_CATALOGUES for s in self.appendix(name))

    @staticmethod
    def _part_statuses(obj: dict) -> tuple:
        """The statuses of the certificate's domains, and of its domain validations, as far as ``obj`` has them."""
        return ([d.get("status") for d in obj.get("domains") or []],
                [v.get("status") for v in obj.get("domain_validations") or []])

    def statuses(self, obj: dict) -> list:
        """The request and order status, and a domain or validation status that every domain shares
        (a name of the whole certificate's catalogues, such as Active, keeps its certificate meaning)."""
        found = [obj.get("status"), obj.get("order_status")]
        for names in self._part_statuses(obj):
            if names and len(set(names)) == 1 and names[0] not in self._whole_names():
                found.append(names[0])
        return found

    def passed(self, obj: dict) -> list:
        return passed(obj.get("status"), obj.get("order_status"))

    def parts(self, obj: dict) -> list:
        domains, validations = self._part_statuses(obj)
        return domains + validations

    def describe(self, obj: dict) -> str:
        text = " / ".join(str(s) for s in (obj.get("status"), obj.get("order_status")) if s is not None)
        if TIMED_OUT in self._part_statuses(obj)[0]:
            text += " (domain validation timed out)"
        return text

    def advice(self, obj: dict) -> str:
        if TIMED_OUT in self._part_statuses(obj)[0]:
            return ("Its domain validation timed out, and CPS does not go on by itself: resubmit the request with "
                    "certops.orders.edgecast_cert_order action=retrigger")
        return ""

    # -- reading ---------------------------------------------------------------------------
    def read_status(self, cert_id: int) -> CertificateStatus:
        """The status model of a certificate."""
        return parse(_models().certificate_status, self.cps.status(cert_id), "GET %s/status" % certificate_path(cert_id))

    def read_parts(self, cert_id: int, node: dict | None = None, status: CertificateStatus | None = None,
                   dcv: list | None = None) -> tuple:
        """``(certificate model, status model, flat dict)``; ``node`` is a certificate already read,
        ``status`` a status model already read (by a poll), ``dcv`` DCV items already read (the answer
        of a token regeneration)."""
        models = _models()
        if node is None:
            node = self.cps.certificate(cert_id)
        cert = parse(models.certificate, node, "GET %s" % certificate_path(cert_id))
        if status is None:
            status = self.read_status(cert_id)
        domain_ids = [d.id for d in cert.domains or [] if d.id is not None]
        if dcv is not None:
            return cert, status, models.flatten(cert, status, dcv)
        dcv = []
        # the DCV tokens and e-mails only mean something while domain control is being validated
        if domain_ids and status.status == "DomainControlValidation":
            try:
                dcv = parse(models.dcv_items, self.cps.dcv(cert_id, domain_ids),
                            "GET /v2.0/dcv/certificates/%s" % cert_id)
            except ApiError as exc:
                # DCV metadata outside DCV is not documented: a refusal leaves the tokens unknown
                if exc.status not in (400, 404, 409):
                    raise
        return cert, status, models.flatten(cert, status, dcv)

    def read_one(self, cert_id: int, node: dict | None = None) -> dict:
        return self.read_parts(cert_id, node)[2]

    def poll(self, keys: list) -> dict:
        """The status fields only: what a wait decides on (:meth:`complete` reads the rest once).

        The domain statuses are on the certificate, not in the status reply; the poll reads them only
        when the reply reports an error during validation (as a timed-out validation does), so that a
        TimedOut domain ends the wait without doubling every poll's requests."""
        models = _models()

        def one(cert_id: int) -> tuple:
            status = self.read_status(cert_id)
            fields = models.status_fields(cert_id, status)
            if status.error_message and status.status in VALIDATION_STATUSES:
                cert = parse(models.certificate, self.cps.certificate(cert_id), "GET %s" % certificate_path(cert_id))
                fields["domains"] = [{"name": d.name, "status": d.status} for d in cert.domains or []]
            return status, fields

        found = {}
        # several keys only when the wait reads every pending certificate: on the pool's threads, so
        # that a round of many certificates stays one moment of the schedule
        for cert_id, (status, fields) in zip(keys, map_bounded(one, keys)):
            self._polled[cert_id] = status
            found[cert_id] = fields
        return found

    def complete(self, keys: list, objects: dict) -> dict:
        """The full certificates, around the statuses the wait saw last (read whole if it saw none)."""
        todo = [k for k in keys if k in self._polled or k not in objects]
        full = map_bounded(lambda k: self.read_parts(k, status=self._polled.pop(k, None))[2], todo)
        found = dict(objects)
        found.update(zip(todo, full))
        return found

    def find_label(self, label: str) -> dict | None:
        """The list item whose label is ``label`` (CPS compares labels without regard to case)."""
        for node in self.cps.certificates(query="certificate_label:%s" % label):
            if (node["certificate_label"] or "").lower() == label.lower():
                return node
        return None


class EdgecastInfo(EdgecastProvider, InfoProvider):
    """``edgecast_cert_order_status_info``: certificates by id, ids, label or domain."""

    result_key = "certificates"
    selectors = ("certificate_id", "certificate_ids", "label", "domain", "status", "expiring_within_days")

    def __init__(self, module: AnsibleModule, budget: Budget) -> None:
        super().__init__(module, budget)
        self._nodes = {}  # certificate id -> the list item the lookup read (spares a GET until read())

    @property
    def polls_every_pending(self) -> bool:
        return self.params["wait_reads"] == "every_pending"

    def check_options(self) -> None:
        params = self.params
        ids = ([params["certificate_id"]] if params["certificate_id"] is not None else []) + list(
            params["certificate_ids"] or [])
        bad = [i for i in ids if i <= 0]
        if bad:
            raise OptionError("certificate ids are positive integers, got %s" % ", ".join(str(i) for i in bad))
        if params["domain"] is not None and not params["domain"].strip():
            raise OptionError("domain must not be empty")
        if params["label"] is not None:
            check_label("label", params["label"])
        check_days("expiring_within_days", params["expiring_within_days"])
        if params["status"] is not None and not all((name or "").strip() for name in params["status"]):
            raise OptionError("status lists an empty name; give certificate or order status names, for example "
                              "Active or Issued")

    def lookup(self) -> list:
        """The selected ids. Without a filter nothing is read whole here (a wait reads the statuses,
        :meth:`read` the rest); with ``expiring_within_days`` or ``status`` every selected certificate
        is read here and only those that pass are returned, already read.

        Both filters apply after reading: the CPS list query filters only by ``certificate_label``,
        ``description``, ``id`` or ``domain_names`` (reference section 5.4; Edgio/ec-sdk-go
        edgecast/cps/certificate/certificate_find_parameters.go), and a list item carries no status."""
        params = self.params
        wanted = params["status"]
        if wanted:
            check_names("status", wanted, self.vocabulary().names)
        ids = selected_ids(params["certificate_id"], params["certificate_ids"])
        if ids is not None:
            selected = [(i, None) for i in ids]
        else:
            if params["label"] is not None:
                node = self.find_label(params["label"])
                nodes = [node] if node is not None else []
            elif params["domain"] is not None:
                nodes = self.cps.certificates(query="domain_names:%s" % params["domain"])
            else:  # no selector: every certificate of the account, every page
                nodes = self.cps.certificates()
            self._nodes = dict((node["id"], node) for node in nodes)
            selected = [(node["id"], None) for node in nodes]
        within = params["expiring_within_days"]
        if within is None and not wanted:
            return selected
        keys = [key for key, _obj in selected]
        found = self.read(keys)
        return [(key, found[key]) for key in keys
                if expiring(found[key]["days_left"], within)
                and (not wanted or found[key]["status"] in wanted or found[key]["order_status"] in wanted)]

    def read(self, keys: list) -> dict:
        return dict(zip(keys, map_bounded(lambda k: self.read_one(k, self._nodes.pop(k, None)), keys)))


class EdgecastOrder(EdgecastProvider, OrderProvider):
    """``edgecast_cert_order``: one certificate request, identified by its label."""

    item_key = "certificate"

    def __init__(self, module: AnsibleModule, budget: Budget) -> None:
        super().__init__(module, budget)
        self.calls = []
        self.writes = 0
        self.cert_id = None

    def catalogue(self) -> dict:
        return {}

    # -- input -----------------------------------------------------------------------------
    def check_options(self) -> None:
        params = self.params
        check_label("label", params["label"])
        if params["action"] and params["state"] != "present":
            raise OptionError("action=%s applies only with state=present" % params["action"])
        if params["renew_within_days"] is not None and params["action"] != "renew":
            raise OptionError("renew_within_days applies only with action=renew (it says how close to its expiration "
                              "a certificate is renewed); remove it or set action=renew")
        check_days("renew_within_days", params["renew_within_days"])
        domains = params["domains"]
        if domains is not None:
            if not domains:
                raise OptionError("domains needs at least one domain")
            names = [(d["name"] or "").strip().lower() for d in domains]
            if not all(names):
                raise OptionError("every entry of domains needs a name")
            twice = sorted(set(n for n in names if names.count(n) > 1))
            if twice:
                raise OptionError("domains lists %s more than once" % ", ".join(twice))
            if sum(1 for d in domains if d["is_common_name"]) > 1:
                raise OptionError("only one of domains may have is_common_name=true")
        if params["organization"] is not None and params["validation_type"] == "DV":
            warn(self.module, DV_ORGANIZATION_IGNORED)
        seen = set()
        for item in params["notifications"] or []:
            kind = item["notification_type"]
            if kind in seen:
                raise OptionError("notifications lists notification_type %s more than once" % kind)
            seen.add(kind)
            if item["enabled"] and not item["emails"]:
                raise OptionError("notifications: %s is enabled, so it needs at least one address in emails" % kind)

    def _wanted_domains(self) -> list[dict]:
        return [{"name": d["name"].strip(), "is_common_name": bool(d["is_common_name"])}
                for d in self.params["domains"]]

    def _wanted_notifications(self) -> list[dict]:
        return [{"notification_type": n["notification_type"], "enabled": n["enabled"], "emails": list(n["emails"] or [])}
                for n in self.params["notifications"] or []]

    def _wanted_organization(self) -> dict | None:
        org = self.params["organization"]
        if org is None:
            return None
        result = dict((k, v) for k, v in org.items() if v is not None and k != "additional_contacts")
        if org.get("additional_contacts") is not None:
            result["additional_contacts"] = [dict((k, v) for k, v in c.items() if v is not None)
                                             for c in org["additional_contacts"]]
        return result

    # -- the contract ------------------------------------------------------------------------
    def find(self) -> dict | None:
        return self.find_label(self.params["label"])

    def identity(self) -> Identity:
        """(API, client, label): CPS compares labels without regard to case."""
        return Identity("edgecast", self.params["api_url"], self.params["client_id"], label=self.params["label"].lower())

    def order_id(self, existing: dict) -> int:
        return existing["id"]

    def progress(self) -> dict:
        if not self.writes:
            return {}
        return {"changed": True, "request": [c.as_result() for c in self.calls], "certificate": self._last_seen()}

    def _last_seen(self) -> dict | None:
        """The certificate after a write that was followed by a failure (None if it cannot be read)."""
        if self.cert_id is None:
            return None
        try:
            return self.read_one(self.cert_id)
        except (ApiError, OptionError):
            return None

    def _done(self, changed: bool, cert_id: int | None, flat: dict | None, before: dict | None, after: dict | None,
              extra: dict | None = None) -> Change:
        keys = [cert_id] if cert_id is not None and flat is not None else []
        result = {"certificate": flat, "request": [c.as_result() for c in self.calls]}
        result.update(extra or {})
        return Change(changed, before=before, after=after, keys=keys, objects={cert_id: flat} if keys else {},
                      result=result)

    def _write(self, call: cps.Call, cert_id: int | None = None, settled: Callable[[CertificateStatus], bool] | None = None,
               send: Callable[[], Any] | None = None) -> Any:
        """Send one write (by ``send()`` when given); after an ambiguous failure re-read the status
        instead of repeating it."""
        self.calls.append(call)
        if self.module.check_mode:
            return None

        def took_effect() -> bool:
            return settled is not None and settled(self.read_status(cert_id))
        answer = send_once(self.module, send or (lambda: self.cps.send(call)), took_effect if cert_id is not None else None,
                           "%s %s" % (call.method, call.as_result()["path"]))
        self.writes += 1
        return answer

    # create ------------------------------------------------------------------------------
    def create(self, entry: Entry | None) -> Change:
        params = self.params
        label = params["label"]
        if params["action"]:
            raise OptionError("action=%s needs an existing certificate, and no certificate has the label %r: "
                              "create it first (without action) and run the action in a later task"
                              % (params["action"], label))
        missing = [name for name in ("validation_type", "dcv_method", "domains") if not params[name]]
        if missing:
            raise OptionError("no certificate has the label %r, and creating one needs %s" % (label, ", ".join(missing)))
        body = {"certificate_label": label}
        if params["description"] is not None:
            body["description"] = params["description"]
        if params["auto_renew"] is not None:
            body["auto_renew"] = params["auto_renew"]
        body.update(certificate_authority=params["certificate_authority"], validation_type=params["validation_type"],
                    dcv_method=params["dcv_method"], domains=self._wanted_domains())
        if params["validation_type"] in ("OV", "EV"):  # DV: an organization is not sent (check_options warned)
            if params["organization"] is None:
                raise OptionError("validation_type=%s needs organization (CPS validates the organization of OV and "
                                  "EV certificates)" % params["validation_type"])
            body["organization"] = self._wanted_organization()
        notifications = self._wanted_notifications()
        created = self._write(cps.create_call(body), send=lambda: self._post(body, entry))
        cert_id = self.cert_id = created["id"] if created else None
        if notifications:
            self._write(cps.notifications_call(cert_id, notifications))
        if self.module.check_mode:
            predicted = self._predict_new(body)
            return self._done(True, None, predicted, None, self._diff_state(predicted, body, notifications))
        flat = self.read_one(cert_id)
        return self._done(True, cert_id, flat, None, self._diff_state(flat, body, notifications or None))

    def _post(self, body: dict, entry: Entry | None) -> dict:
        """The one create call: after an unclear answer (a 2xx whose body has no certificate id too:
        CPS accepted the create, so the certificate exists) look the label up, never send it again."""
        label = body["certificate_label"]

        def read(answer: Any) -> tuple:
            cert_id = parse(_models().created_id, answer, "POST %s" % cps.CREATE_PATH)
            return cert_id, {"id": cert_id}

        created = create_once(self.module, entry, CreateCall(
            "The create request for label %r" % label, lambda: self.cps.send(cps.create_call(body)), read,
            lambda: self.find_label(label), self.order_id, lambda node: "certificate %s with that label" % node.get("id"),
            "no certificate with the label %r exists after this failure, so the create was probably not processed "
            "and it was not repeated. Re-run the task after %ds to create it (the order journal holds new attempts "
            "back until then); if CPS then answers that the label already exists, the failed create reserved it: "
            "choose another label" % (label, self.record_window)))
        return created.answer if created.found is None else {"id": created.found["id"]}

    @staticmethod
    def _predict_new(body: dict) -> dict:
        """The certificate a create would make, as far as it is known before CPS answers."""
        domains = [dict(d) for d in body["domains"]]
        if not any(d["is_common_name"] for d in domains):
            domains[0]["is_common_name"] = True  # CPS picks one when none is flagged
        return {
            "id": None, "label": body["certificate_label"], "description": body.get("description"),
            "validation_type": body["validation_type"], "dcv_method": body["dcv_method"],
            "auto_renew": body.get("auto_renew"), "status": None, "order_status": None, "phase": "pending",
            "step": None, "requires_attention": None, "error_message": None,
            "domains": [{"id": None, "name": d["name"], "is_common_name": d["is_common_name"], "status": None,
                         "created": None, "active_date": None} for d in domains],
            "domain_validations": [],
            "dcv": [{"domain_id": None, "domain": d["name"], "method": body["dcv_method"], "token": None, "emails": [],
                     "dns_record": None} for d in domains],
            "target_cname": None, "expiration_date": None, "days_left": None, "thumbprint": None, "created": None,
            "last_modified": None,
        }

    @staticmethod
    def _diff_state(flat: dict, settings: dict | None = None, notifications: list[dict] | None = None,
                    organization: dict | None = None) -> dict:
        """What diff mode shows: the managed settings and the statuses."""
        state = dict((k, flat.get(k)) for k in ("id", "label", "description", "auto_renew", "validation_type",
                                                "dcv_method", "status", "order_status"))
        state["domains"] = [{"name": d["name"], "is_common_name": d["is_common_name"]} for d in flat["domains"]]
        if settings and settings.get("certificate_authority"):
            state["certificate_authority"] = settings["certificate_authority"]
        if notifications is not None:
            state["notifications"] = notifications
        if organization is not None:
            state["organization"] = organization
        return state

    # update ------------------------------------------------------------------------------
    @staticmethod
    def _blocked(status: CertificateStatus, what: str, verb: str = "change") -> str | None:
        """Why ``what`` cannot ``verb`` in this status (None when it can): CPS allows domain and
        organization changes and renewals only on an issued certificate with no other change pending."""
        order = status.order_validation.status if status.order_validation is not None else None
        if status.status in ISSUED_STATUSES and order not in PENDING_CHANGES and order != "Revoked":
            return None
        if status.status in ISSUED_STATUSES and order in PENDING_CHANGES:
            return ("%s cannot %s while a %s is pending with the CA (order status %s); it becomes possible once the "
                    "%s completes" % (what, verb, PENDING_CHANGES[order], order, PENDING_CHANGES[order]))
        if order == "Revoked":
            return "%s cannot %s on a revoked certificate; create a new certificate request instead" % (what, verb)
        return ("%s cannot %s while the CA is processing the request (status %s, order status %s); CPS accepts it "
                "once the certificate is issued (status Deployment or Active)"
                % (what, verb, status.status, order or "none: not placed with the CA yet"))

    def update(self, existing: dict) -> Change:
        params = self.params
        models = _models()
        cert, status, flat = self.read_parts(existing["id"])
        cert_id = self.cert_id = cert.id
        if status.status == "Deleted":
            raise OptionError(
                "the label %r belongs to certificate %s, which is deleted (order status %s); CPS keeps labels reserved "
                "after deletion, so choose another label" % (params["label"], cert_id, flat["order_status"] or "none"))
        authority = params["certificate_authority"]
        if cert.certificate_authority and authority != cert.certificate_authority:
            raise OptionError("certificate %s (label %r) was ordered from %s; certificate_authority cannot change "
                              "after creation, so create a certificate with another label to use %s"
                              % (cert_id, cert.certificate_label, cert.certificate_authority, authority))
        vtype = params["validation_type"]
        if vtype and cert.validation_type and vtype != cert.validation_type:
            raise OptionError("certificate %s (label %r) is %s; validation_type cannot change after creation, so "
                              "create a certificate with another label for %s"
                              % (cert_id, cert.certificate_label, cert.validation_type, vtype))
        differs = (cert.certificate_label != params["label"]
                   or (params["description"] is not None and params["description"] != (cert.description or ""))
                   or (params["auto_renew"] is not None and params["auto_renew"] != cert.auto_renew)
                   or (bool(params["dcv_method"]) and params["dcv_method"] != cert.dcv_method))
        patch = {}
        if params["domains"] is not None and self._domains_differ(cert.domains or [], self._wanted_domains()):
            reason = self._blocked(status, "the domains")
            if reason:
                raise OptionError("certificate %s (label %r): %s" % (cert_id, cert.certificate_label, reason))
            patch["domains"] = self._wanted_domains()
        if differs or patch:
            # the body the vendor's clients send: every top-level setting, the unchanged ones at their current
            # values (Terraform's update always sends label, description, auto_renew and dcv_method), so the
            # answer cannot depend on how CPS treats a field left out; domains only when they change
            settings = {"certificate_label": params["label"],
                        "description": params["description"] if params["description"] is not None else cert.description,
                        "auto_renew": params["auto_renew"] if params["auto_renew"] is not None else cert.auto_renew,
                        "dcv_method": params["dcv_method"] or cert.dcv_method}
            patch = dict(dict((k, v) for k, v in settings.items() if v is not None), **patch)
        organization = org_before = org_after = None
        if params["organization"] is not None and cert.validation_type == "DV":
            if params["validation_type"] is None:  # else check_options warned already
                warn(self.module, "certificate %s: %s" % (cert_id, DV_ORGANIZATION_IGNORED))
        elif params["organization"] is not None:
            org_after = self._wanted_organization()
            # read_parts read the whole certificate already
            current = cert.organization.model_dump() if cert.organization is not None else {}
            org_before = dict((k, current.get(k)) for k in org_after)
            if self._organization_differs(current, org_after):
                reason = self._blocked(status, "the organization")
                if reason:
                    raise OptionError("certificate %s (label %r): %s" % (cert_id, cert.certificate_label, reason))
                organization = org_after
        notifications = None
        before_notifications = None
        if params["notifications"] is not None:
            current = parse(models.notifications, self.cps.notifications(cert_id),
                            "GET %s/notifications" % certificate_path(cert_id))
            before_notifications = [dict(notification_type=k, **current[k]) for k in sorted(current)]
            notifications = [n for n in self._wanted_notifications() if self._notification_differs(current, n)]
        plan = self._plan_action(cert, status, flat) if params["action"] else None

        # every check passed: write
        if patch:
            self._write(cps.update_call(cert_id, patch))
        if notifications:
            self._write(cps.notifications_call(cert_id, notifications))
        if organization is not None:
            self._write(cps.organization_call(cert_id, organization), cert_id,
                        settled=lambda s: (s.order_validation is not None
                                           and s.order_validation.status in ("AwaitingOrgUpdate", "PendingOrgUpdate")))
        answer = None
        if plan is not None and plan.call is not None:
            answer = self._write(plan.call, cert_id, settled=plan.settled)
        changed = bool(self.calls)
        after_notifications = None
        if before_notifications is not None:
            wanted = dict((n["notification_type"], n) for n in self._wanted_notifications())
            after_notifications = [wanted.get(n["notification_type"], n) for n in before_notifications]
        before = self._diff_state(flat, {"certificate_authority": cert.certificate_authority}, before_notifications,
                                  org_before)
        if self.module.check_mode or not changed:
            predicted = copy.deepcopy(flat)
            predicted.update(dict((k, v) for k, v in patch.items() if k in ("description", "auto_renew", "dcv_method")))
            if "certificate_label" in patch:
                predicted["label"] = patch["certificate_label"]
            if "domains" in patch:
                predicted["domains"] = [{"id": None, "name": d["name"], "is_common_name": d["is_common_name"],
                                         "status": None, "created": None, "active_date": None} for d in patch["domains"]]
            if plan is not None and plan.call is not None:
                plan.predict(predicted)
            after_flat = predicted
        elif plan is not None and plan.read_answer is not None and answer is not None:
            after_flat = self.read_parts(cert_id, dcv=plan.read_answer(answer))[2]
        else:
            after_flat = self.read_one(cert_id)
        after = self._diff_state(after_flat, {"certificate_authority": cert.certificate_authority},
                                 after_notifications, org_after)
        return self._done(changed, cert_id, after_flat, before, after, plan.result if plan is not None else None)

    @staticmethod
    def _domains_differ(current: list[Domain], wanted: list[dict]) -> bool:
        have = dict((d.name.lower(), bool(d.is_common_name)) for d in current)
        want = dict((d["name"].lower(), d["is_common_name"]) for d in wanted)
        if set(have) != set(want):
            return True
        flagged = [name for name, common in want.items() if common]
        return bool(flagged) and not have[flagged[0]]

    @staticmethod
    def _organization_differs(current: dict | None, wanted: dict) -> bool:
        current = current or {}
        if wanted.get("id") is not None:
            return current.get("id") != wanted["id"]
        for key, value in wanted.items():
            if key == "additional_contacts":
                def norm(contacts: list[dict] | None) -> list[tuple]:
                    return sorted(tuple(sorted((k, str(v).lower() if k == "contact_type" else str(v))
                                               for k, v in c.items() if k != "id" and v is not None))
                                  for c in contacts or [])
                if norm(current.get(key)) != norm(value):
                    return True
            elif str(current.get(key) or "") != str(value):
                return True
        return False

    @staticmethod
    def _notification_differs(current: dict[str, dict], wanted: dict) -> bool:
        have = current.get(wanted["notification_type"])
        if have is None:
            return True
        return have["enabled"] != wanted["enabled"] or sorted(have["emails"]) != sorted(wanted["emails"])

    # actions -----------------------------------------------------------------------------
    def _plan_action(self, cert: Certificate, status: CertificateStatus, flat: dict) -> ActionPlan:
        """What the action does: a plan without a call when its effect is already there (or, for a
        renewal, not needed); an :class:`OptionError` when CPS would refuse it in this status."""
        action = self.params["action"]
        cert_id = cert.id
        if action == "renew":
            return self._plan_renewal(cert, status, flat)
        if action == "retrigger":
            if not any(d["status"] == "TimedOut" for d in flat["domains"]):
                return ActionPlan()  # only a timed-out request is resubmitted
            return ActionPlan(cps.retrigger_call(cert_id))
        if action in ("regenerate_dcv_token", "resend_dcv_email"):
            return self._plan_dcv(cert, status, flat)
        # dcv_check
        if status.status == "Processing":
            raise OptionError("action=dcv_check on certificate %s: the request is not placed with the CA yet (status "
                              "Processing); wait for DomainControlValidation first (wait_for) and publish the DCV "
                              "record" % cert_id)
        if status.status != "DomainControlValidation":
            return ActionPlan()  # domain control validation is over
        return ActionPlan(cps.dcv_check_call(cert_id))

    def _plan_renewal(self, cert: Certificate, status: CertificateStatus, flat: dict) -> ActionPlan:
        """Renew only an issued certificate with no renewal pending whose days left are at most
        ``renew_within_days``; the ``renewal`` result says what was decided and why, the same in
        check mode (the decision reads only what the real run reads)."""
        within = self.params["renew_within_days"]
        within = DEFAULT_RENEW_WITHIN_DAYS if within is None else within
        left = flat["days_left"]
        order = flat["order_status"]

        def decided(needed: bool, reason: str) -> dict:
            return {"renewal": {"needed": needed, "reason": reason, "days_left": left, "renew_within_days": within}}

        if order in RENEWAL_PENDING:
            return ActionPlan(result=decided(False, "a renewal is already pending with the CA (order status %s)" % order))
        if status.status not in ISSUED_STATUSES:
            return ActionPlan(result=decided(False, "the certificate is not issued (status %s, order status %s); CPS "
                                                    "renews only an issued certificate (status Deployment or Active)"
                                             % (status.status, order or "none")))
        if order == "Revoked":
            return ActionPlan(result=decided(False, "the certificate is revoked (order status Revoked); CPS does not "
                                                    "renew it: order a new certificate instead"))
        if order in PENDING_CHANGES:
            return ActionPlan(result=decided(False, "a %s is pending with the CA (order status %s); renew once it "
                                                    "completes" % (PENDING_CHANGES[order], order)))
        if left is None:
            return ActionPlan(result=decided(False, "CPS reports no expiration date for the certificate, so its days "
                                                    "left are not known"))
        if not expiring(left, within):
            return ActionPlan(result=decided(False, "the certificate has %d days left, more than renew_within_days=%d"
                                             % (left, within)))

        def predict(flat: dict) -> None:
            flat["order_status"] = "AwaitingRenewal"
            flat["phase"] = phase(flat["status"], "AwaitingRenewal")

        return ActionPlan(cps.renew_call(cert.id),
                          lambda s: s.order_validation is not None and s.order_validation.status in (
                              "AwaitingRenewal", "PendingRenewal", "Renewed"),
                          result=decided(True, "the certificate has %d days left, within renew_within_days=%d"
                                         % (left, within)),
                          predict=predict)

    def _plan_dcv(self, cert: Certificate, status: CertificateStatus, flat: dict) -> ActionPlan:
        """A new DCV token (DNS methods) or the CA's DCV e-mail again (Email): CPS allows both only
        while the request waits for domain control validation (reference section 8.8)."""
        action = self.params["action"]
        if status.status != "DomainControlValidation":
            raise OptionError("action=%s on certificate %s: the request is not waiting for domain control validation "
                              "(status %s, order status %s); it applies only in status DomainControlValidation"
                              % (action, cert.id, status.status, flat["order_status"] or "none"))
        method = cert.dcv_method
        if action == "resend_dcv_email":
            if method != "Email":
                raise OptionError("action=resend_dcv_email on certificate %s: its dcv_method is %s, and the CA sends "
                                  "DCV e-mails only for dcv_method Email; publish the DNS record instead "
                                  "(certificate.dcv[].dns_record)" % (cert.id, method))
            return ActionPlan(cps.dcv_resend_call(cert.id))
        if method not in DNS_DCV_METHODS:
            raise OptionError("action=regenerate_dcv_token on certificate %s: its dcv_method is %s, and DCV tokens "
                              "exist only for the DNS methods (%s); for Email use action=resend_dcv_email"
                              % (cert.id, method, ", ".join(DNS_DCV_METHODS)))
        domain_ids = [d.id for d in cert.domains or [] if d.id is not None]

        def predict(flat: dict) -> None:
            for entry in flat["dcv"]:  # CPS makes the new token: it is not known before
                entry["token"] = None
                entry["dns_record"] = None

        return ActionPlan(cps.dcv_token_call(cert.id, domain_ids), predict=predict,
                          read_answer=lambda answer: parse(_models().dcv_items, answer,
                                                           "PUT /v2.0/dcv/certificates/%s/token" % cert.id))

    # cancel / delete ---------------------------------------------------------------------
    def remove(self, existing: dict | None) -> Change:
        """state=canceled cancels a request the CA is still processing, and reverts a renewal, reissue
        or organization update pending on an issued certificate; state=absent cancels the former and
        deletes every other request (issued, or ended by the CA). Cancel or delete is the vendor's
        decision (:func:`statuses.cancelable`), never the module's."""
        delete = self.params["state"] == "absent"
        if existing is None:
            return self._done(False, None, None, None, None)
        cert, status, flat = self.read_parts(existing["id"])
        cert_id = self.cert_id = cert.id
        before = self._diff_state(flat)
        if status.status == "Deleted":
            return self._done(False, cert_id, flat, before, before)
        order = flat["order_status"]
        if cancelable(status.status, order) or (not delete and revertible(status.status, order)):
            return self._cancel(cert, status, flat, before)
        if not delete:
            what = "is issued" if status.status in ISSUED_STATUSES else "is no longer processed by the CA"
            raise OptionError(
                "certificate %s (label %r) %s (status %s, order status %s) and no renewal, reissue or organization "
                "update is pending: CPS cancels only requests the CA is still processing, and deletes the others. Use "
                "state=absent to delete it" % (cert_id, cert.certificate_label, what, status.status, order or "none"))
        self._write(cps.delete_call(cert_id), cert_id, settled=lambda s: s.status == "Deleted")
        predicted = dict(flat, status="Deleted", order_status="Deleted", phase="deleted")
        after_flat = predicted if self.module.check_mode else self.read_one(cert_id)
        return self._done(True, cert_id, after_flat, before, self._diff_state(after_flat))

    def _cancel(self, cert: Certificate, status: CertificateStatus, flat: dict, before: dict) -> Change:
        """Preview the cancel (``apply=false``: it names the action and changes nothing), apply it
        (not in check mode), then read until the status shows it.

        On an issued certificate only a revert of the pending change is applied: the action names
        are not documented (reference D5), so a name that does not say "revert" is refused there
        rather than risk cancelling a live certificate. On a request the CA is still processing
        whatever CPS does is a cancel, as the vendor's Terraform applies it.

        What the task returns does not depend on when the read-back happens: CPS answers the cancel
        with an empty 204 and may apply it later, so the status is read until the certificate shows
        the cancel (request Deleted) or the revert (no change pending any more), within the task's
        time budget, and the certificate is returned around that status."""
        cert_id = cert.id
        order = flat["order_status"]
        revert = revertible(status.status, order)
        preview = cps.cancel_call(cert_id, apply=False)
        path = preview.as_result()["path"]
        action = parse(_models().cancel_action, self.cps.send(preview), "PUT %s" % path)
        if revert and "revert" not in (action or "").lower():
            raise OptionError(
                "certificate %s (label %r) is issued with a %s pending (order status %s), and CPS's cancel preview "
                "(PUT %s) answers the action %s, not a revert of the pending change; the module does not apply it, "
                "as it could cancel the live certificate. Nothing was changed"
                % (cert_id, cert.certificate_label, PENDING_CHANGES[order], order, path,
                   repr(action) if action else "(none named)"))
        if revert:
            def shows(s: CertificateStatus) -> bool:
                return s.status != "Deleted" and (s.order_validation is None
                                                  or s.order_validation.status not in PENDING_CHANGES)
            predicted = dict(flat, order_status="Issued", phase=phase(flat["status"], "Issued"))
        else:
            def shows(s: CertificateStatus) -> bool:
                return s.status == "Deleted"
            # a request never placed with the CA has no order to cancel (its order status stays null)
            cancelled = "Canceled" if order is not None else None
            predicted = dict(flat, status="Deleted", order_status=cancelled, phase=phase("Deleted", cancelled))
        extra = {"cancel_action": action}
        self._write(cps.cancel_call(cert_id), cert_id, settled=shows)
        if self.module.check_mode:
            return self._done(True, cert_id, predicted, before, self._diff_state(predicted), extra)
        settled, _seconds = search(lambda: self._status_if(cert_id, shows), self.budget, self.params["wait_sleep"])
        if settled is None:
            raise TaskFailed("certificate %s (label %r): CPS accepted the cancel (action %s), but the certificate did "
                             "not show it within the task's time budget; it was not sent again. Read it later with "
                             "the status_info module, or raise wait_timeout"
                             % (cert_id, cert.certificate_label, action or "not named"), changed=True)
        after_flat = self.read_parts(cert_id, status=settled)[2]
        return self._done(True, cert_id, after_flat, before, self._diff_state(after_flat), extra)

    def _status_if(self, cert_id: int, shows: Callable[[CertificateStatus], bool]) -> CertificateStatus | None:
        status = self.read_status(cert_id)
        return status if shows(status) else None


def info_module_args() -> dict:
    """The ``AnsibleModule`` arguments of ``edgecast_cert_order_status_info``."""
    return dict(argument_spec=info_argument_spec(), mutually_exclusive=INFO_MUTUALLY_EXCLUSIVE,
                supports_check_mode=True)


def order_module_args() -> dict:
    """The ``AnsibleModule`` arguments of ``edgecast_cert_order``."""
    return dict(argument_spec=order_argument_spec(), supports_check_mode=True)
