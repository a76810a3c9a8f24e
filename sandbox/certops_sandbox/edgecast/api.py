"""The CPS v2.0 endpoints (every path of the spec, as carried into the Go SDK) under ``/sec/cps``.

``Api.register`` adds one Flask URL rule per endpoint of ``RULES`` to the edgecast blueprint; ``Api.serve``
checks the bearer token and runs the handler with the store lock held. Flask's own 404/405 under
``/sec/cps/`` become Hyperion ``not_found`` / ``method_not_allowed`` (with ``Allow``), after the token check.
"""

import copy
import json
import re
import urllib.parse

from flask import request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter

from . import render, validation
from .hyperion import (ApiError, collection, detail, empty_response, invalid, iso, json_response, page_links,
                       query_source, refuse)
from .lifecycle import cancelable, digest, find_markers, in_new_order, is_dns, is_issued, snapshot_timings
from .tokens import authenticate, identity_id
from .vocab import (APPENDIX, CERTIFICATE_AUTHORITIES, DCV_METHODS, NOTIFICATION_TYPES, TASK_TYPES,
                    VALIDATION_TYPES, country_items, named)

PREFIX = "/sec/cps"
ID = "<raw_id>"
# (rule under PREFIX, HTTP method, handler); Flask adds HEAD to every GET rule
RULES = [
    ("/v2.0/certificates/cdnprovided", "POST", "create_certificate"),
    ("/v2.0/certificates", "GET", "list_certificates"),
    ("/v2.0/certificates/<cert_id:raw_id>", "GET", "get_certificate"),
    ("/v2.0/certificates/<cert_id:raw_id>", "PATCH", "patch_certificate"),
    ("/v2.0/certificates/<cert_id:raw_id>", "DELETE", "delete_certificate"),
    ("/v2.0/certificates/%s/status" % ID, "GET", "get_status"),
    ("/v2.0/certificates/%s/cancel" % ID, "PUT", "cancel"),
    ("/v2.0/certificates/%s/renew" % ID, "PUT", "renew"),
    ("/v2.0/certificates/%s/retrigger" % ID, "PUT", "retrigger"),
    ("/v2.0/certificates/%s/organization" % ID, "PUT", "change_organization"),
    ("/v2.0/certificates/%s/notifications" % ID, "GET", "get_notifications"),
    ("/v2.0/certificates/%s/notifications" % ID, "PATCH", "patch_notifications"),
    ("/v2.0/dcv/certificates/%s" % ID, "GET", "dcv_metadata"),
    ("/v2.0/dcv/certificates/%s/check" % ID, "PUT", "dcv_check"),
    ("/v2.0/dcv/certificates/%s/emails/resend" % ID, "POST", "dcv_resend"),
    ("/v2.0/dcv/certificates/%s/token" % ID, "PUT", "dcv_token"),
    ("/v2.0/dcv/certificates/%s/method" % ID, "PUT", "dcv_method"),
    ("/v2.0/organizations/default", "GET", "default_organization"),
    ("/v2.0/organizations/name/<path:name>", "GET", "organizations_by_name"),
    ("/v2.0/organizations/<org_id:raw_id>", "GET", "get_organization"),
    ("/v2.0/customers/notifications", "GET", "get_customer_notifications"),
    ("/v2.0/customers/notifications", "PATCH", "patch_customer_notifications"),
    ("/v2.0/customers/commits", "GET", "customer_commits"),
    ("/v2.0/tasks", "GET", "list_tasks"),
    ("/v2.0/tasks", "POST", "create_task"),
    ("/v2.0/tasks/%s" % ID, "GET", "get_task"),
    ("/v2.0/tasks/%s" % ID, "DELETE", "delete_task"),
    ("/v2.0/appendix/<name>", "GET", "appendix"),
]


class CertificateIdConverter(BaseConverter):
    """A certificate id: any segment but ``cdnprovided`` (excluded from the match itself, so that
    ``GET .../cdnprovided`` is a 405 allowing only POST)."""

    regex = "(?!cdnprovided(?:/|$))[^/]+"


class OrganizationIdConverter(BaseConverter):
    """An organization id: any segment but ``default``."""

    regex = "(?!default(?:/|$))[^/]+"


CONVERTERS = {"cert_id": CertificateIdConverter, "org_id": OrganizationIdConverter}
QUERY_FIELDS = ("certificate_label", "description", "id", "domain_names")
SORT_FIELDS = ("certificate_label", "description", "id")
MAX_PAGE_SIZE = 20
INT64_MAX = 2 ** 63 - 1


def parse_id(raw, what="id"):
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or value < 0 or value > INT64_MAX or not str(raw).lstrip("-").isdigit():
        # a path segment: no JSON Pointer reaches it (see hyperion.query_source), the description names it
        invalid([(None, "the %s in the path must be an integer, got %r" % (what, raw))])
    return value


def json_body(required=True):
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            invalid([(None, "a JSON body is required")])
        return None
    try:
        return json.loads(raw)
    except ValueError:
        invalid([(None, "the body is not valid JSON")])


def wildcard(pattern):
    parts = [re.escape(part) for part in pattern.split("*")]
    return re.compile("^%s$" % ".*".join(parts), re.IGNORECASE | re.DOTALL)


class Api:
    def __init__(self, plugin):
        self.plugin = plugin
        self.lifecycle = plugin.lifecycle

    @property
    def state(self):
        return self.plugin.state

    @property
    def config(self):
        return self.plugin.config

    # -- routing ------------------------------------------------------------------------------------
    def register(self, bp):
        """Add every endpoint of ``RULES`` to the blueprint, plus the Hyperion 404/405 for ``PREFIX``."""
        bp.record_once(lambda state: state.app.url_map.converters.update(CONVERTERS))
        for rule, method, name in RULES:
            bp.add_url_rule(PREFIX + rule, "cps_" + name, self._view(name), methods=[method], strict_slashes=False)
        bp.add_url_rule(PREFIX + "/", "cps_root", lambda: self.routing_error(NotFound()),
                        methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        bp.app_errorhandler(NotFound)(self.routing_error)
        bp.app_errorhandler(MethodNotAllowed)(self.routing_error)

    def _view(self, name):
        def view(**values):
            return self.serve(getattr(self, name), **{key: value.rstrip("/") for key, value in values.items()})
        view.__name__ = name
        return view

    def serve(self, handler, **values):
        """Run a handler with the store lock held, after the bearer check; ``ApiError`` becomes its reply."""
        store = self.plugin.sandbox.store
        with store.lock:
            now = self.plugin.sandbox.clock.now()
            try:
                self.token = authenticate(self.plugin, now)
                self.now = now
                return handler(**values)
            except ApiError as exc:
                return exc.response()

    def routing_error(self, exc):
        """Flask found no rule (404) or none for this method (405): a Hyperion error under ``PREFIX``."""
        if not request.path.startswith(PREFIX + "/"):
            return exc
        path = "/" + request.path[len(PREFIX):].strip("/")

        def refuse_route():
            if isinstance(exc, MethodNotAllowed):
                allowed = sorted(set(exc.valid_methods or ()) - {"HEAD", "OPTIONS"})
                raise ApiError("method_not_allowed", headers={"Allow": ", ".join(allowed)},
                               description="%s is not allowed on %s" % (request.method, path))
            raise ApiError("not_found", description="no CPS endpoint %s" % path)

        return self.serve(refuse_route)

    # -- helpers ------------------------------------------------------------------------------------
    def changed(self):
        self.plugin.sandbox.store.mark_dirty()

    def actor(self):
        client_id = self.token["client_id"]
        return {"user_id": 0, "portal_type_id": "Customer", "identity_id": identity_id(client_id),
                "identity_type": "Client"}

    def cert(self, raw_id):
        cert_id = parse_id(raw_id)
        cert = self.state["certificates"].get(str(cert_id))
        if cert is None:
            raise ApiError("not_found", "Certificate request not found",
                           [detail(None, "no certificate request with id %d" % cert_id)])
        return cert

    def alive(self, cert, what):
        if cert["status"] == "Deleted":
            refuse("attempted to %s a certificate that is deleted" % what)

    def alive_for(self, cert, what):
        """Like ``alive`` with a noun phrase (``what`` = "a DCV check", ...)."""
        if cert["status"] == "Deleted":
            refuse("%s is not possible on a certificate that is deleted" % (what[0].upper() + what[1:]))

    def next_id(self, kind):
        ids = self.state["next_ids"]
        value = ids[kind]
        ids[kind] = value + 1
        return value

    def settle(self, cert):
        """Apply events that are already due (e.g. a DCV check with dcv_check_seconds = 0)."""
        self.lifecycle.run_due(cert, self.now)
        nearest = self.state.get("next_event_at")
        if cert["events"] and (nearest is None or cert["events"][0][0] < nearest):
            self.state["next_event_at"] = cert["events"][0][0]

    def resolve_organization(self, resolution):
        kind, value = resolution
        orgs = self.state["organizations"]
        if kind == "existing":
            return copy.deepcopy(orgs[str(value)])
        org = dict(value)
        if kind == "digicert":
            org["id"] = 0
            return org
        org["id"] = self.next_id("organization")
        orgs[str(org["id"])] = copy.deepcopy(org)
        return org

    # -- certificates -------------------------------------------------------------------------------
    def create_certificate(self):
        body = json_body()
        if not isinstance(body, dict):
            invalid([(None, "the body must be a JSON object (CertificateCreate)")])
        errors = validation.Errors()
        label = validation.label(body.get("certificate_label"), errors)
        label_taken = label is not None and label.lower() in self.state["labels"]
        if label_taken:
            errors.add("/certificate_label", "Certificate label already exists")
        description = validation.text(body, "description", errors)
        auto_renew = validation.boolean(body, "auto_renew", errors, default=True)
        authority = validation.enum(body, "certificate_authority", CERTIFICATE_AUTHORITIES, errors)
        vtype = validation.enum(body, "validation_type", VALIDATION_TYPES, errors)
        if vtype == "None":
            errors.add("/validation_type", "validation_type must be DV, OV or EV for a CDN-provided certificate")
        dcv = validation.enum(body, "dcv_method", DCV_METHODS, errors)
        domains = validation.domains(body.get("domains"), errors)
        resolution = None
        org = body.get("organization")
        if vtype == "DV" and org is not None:
            # The Go SDK's own DV example sends a full organization (Edgio/ec-sdk-go
            # example/cps/certificate/certificate.go), though the docs say not to send one: CPS takes the
            # request and ignores the organization, which DV does not validate. It is neither checked nor
            # stored, beyond being an object as the schema says.
            if not isinstance(org, dict):
                errors.add("/organization", "organization must be an object")
        elif vtype in ("OV", "EV"):
            if org is None:
                errors.add("/organization", "organization is required for %s certificates" % vtype)
            else:
                resolution = validation.organization(org, vtype, errors, self.state["organizations"])
            if authority == "LetsEncrypt":
                errors.add("/certificate_authority", "LetsEncrypt issues DV certificates only")
        if errors:
            if (label is not None and not label_taken
                    and self.config.get("reserve_label_on_invalid_create")):
                self.state["labels"][label.lower()] = 0
                self.changed()
            invalid(errors)

        markers = find_markers(label, [d["name"] for d in domains])
        timings = self._timings(vtype, markers["issue_after"])
        organization = self.resolve_organization(resolution) if resolution else None
        now = self.now
        cert_id = self.next_id("certificate")
        cert = {
            "id": cert_id, "label": label, "description": description, "auto_renew": auto_renew,
            "certificate_authority": authority, "validation_type": vtype, "dcv_method": dcv,
            "request_type": "Enterprise", "created": now, "last_modified": now,
            "created_by": self.actor(), "modified_by": None,
            "organization": organization, "organization_id": organization["id"] if organization else None,
            "domains": [{"id": self.next_id("domain"), "name": d["name"], "is_common_name": d["is_common_name"],
                         "status": "ProvisioningInitiated", "created": now, "active_date": None, "validation": None}
                        for d in domains],
            "notifications": render.notifications(self.state["customer_notifications"]),
            "outcome": markers["outcome"], "markers": markers["markers"], "issue_after": markers["issue_after"],
            "renew_reject": markers["renew_reject"], "reissue_reject": markers["reissue_reject"],
            "timings": timings,
            "dcv_generation": {}, "serial": 0, "events": [],
        }
        self.state["certificates"][str(cert_id)] = cert
        self.state["labels"][label.lower()] = cert_id
        self.lifecycle.start(cert, now)
        self.settle(cert)
        self.changed()
        return json_response(render.certificate(cert), 201)

    def _timings(self, vtype, issue_after):
        try:
            return snapshot_timings(self.config, vtype, issue_after)
        except ValueError as exc:
            raise ApiError("internal_error", description=str(exc))

    def list_certificates(self):
        args = request.args
        page = self._positive_int(args, "page", 1)
        size = min(self._positive_int(args, "page_size", MAX_PAGE_SIZE), MAX_PAGE_SIZE)
        certs = list(self.state["certificates"].values())
        extra = []
        query = args.get("query")
        if query:
            field, sep, pattern = query.partition(":")
            if not sep or field not in QUERY_FIELDS:
                invalid([(query_source("query"), "query must be field:value with field one of %s" % ", ".join(QUERY_FIELDS))])
            regex = wildcard(pattern)
            certs = [c for c in certs if self._query_match(c, field, regex)]
            extra.append(("query", urllib.parse.quote(query, safe=":*,-._@")))
        sort = args.get("sort")
        certs.sort(key=lambda c: c["id"])
        if sort:
            field = sort[1:] if sort.startswith("-") else sort
            if field not in SORT_FIELDS:
                invalid([(query_source("sort"), "sort must be one of %s, optionally prefixed with '-'" % ", ".join(SORT_FIELDS))])
            # as documented: the default direction is descending; a '-' prefix sorts ascending
            descending = not sort.startswith("-")
            certs.sort(key=lambda c: self._sort_key(c, field), reverse=descending)
            extra.append(("sort", urllib.parse.quote(sort, safe="-_")))
        total = len(certs)
        start = (page - 1) * size
        items = [render.certificate(c, with_organization=False) for c in certs[start:start + size]]
        qs = request.query_string.decode("latin-1")
        node_id = "/v2.0/certificates" + ("?" + qs if qs else "")
        return collection(node_id, items, total, page_links("/v2.0/certificates", page, size, total, extra))

    @staticmethod
    def _positive_int(args, key, default):
        raw = args.get(key)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            invalid([(query_source(key), "%s must be a positive integer" % key)])
        return value

    @staticmethod
    def _query_match(cert, field, regex):
        if field == "certificate_label":
            return bool(regex.match(cert["label"]))
        if field == "description":
            return bool(regex.match(cert["description"] or ""))
        if field == "id":
            return bool(regex.match(str(cert["id"])))
        return any(regex.match(d["name"]) for d in cert["domains"])

    @staticmethod
    def _sort_key(cert, field):
        if field == "id":
            return cert["id"]
        if field == "certificate_label":
            return cert["label"].lower()
        return (cert["description"] or "").lower()

    def get_certificate(self, raw_id):
        return json_response(render.certificate(self.cert(raw_id)))

    def patch_certificate(self, raw_id):
        cert = self.cert(raw_id)
        body = json_body()
        if not isinstance(body, dict):
            invalid([(None, "the body must be a JSON object (CertificateUpdate)")])
        self.alive(cert, "update")
        errors = validation.Errors()
        new_label = None
        if "certificate_label" in body:
            new_label = validation.label(body.get("certificate_label"), errors)
            owner = self.state["labels"].get(new_label.lower()) if new_label else None
            if new_label and new_label.lower() in self.state["labels"] and owner != cert["id"]:
                errors.add("/certificate_label", "Certificate label already exists")
        description = validation.text(body, "description", errors, default=cert["description"])
        auto_renew = validation.boolean(body, "auto_renew", errors, default=cert["auto_renew"])
        dcv = validation.enum(body, "dcv_method", DCV_METHODS, errors, required=False) or cert["dcv_method"]
        domains = None
        if body.get("domains") is not None:
            domains = validation.domains(body["domains"], errors)
        if errors:
            invalid(errors)
        if domains is not None and self._domains_differ(cert, domains):
            if not is_issued(cert) or cert["flow"] is not None:
                refuse("domains can change only after issuance (Deployment or Active) and while no renewal, "
                       "reissue or organization update is pending; the certificate is %s" % cert["status"])
        else:
            domains = None
        now = self.now
        if new_label and new_label != cert["label"]:
            labels = self.state["labels"]
            if labels.get(cert["label"].lower()) == cert["id"]:
                del labels[cert["label"].lower()]
            labels[new_label.lower()] = cert["id"]
            cert["label"] = new_label
        cert["description"] = description
        cert["auto_renew"] = auto_renew
        if dcv != cert["dcv_method"]:
            self._set_dcv_method(cert, dcv)
        cert["modified_by"] = self.actor()
        cert["last_modified"] = now
        if domains is not None:
            self.lifecycle.start_change(cert, now, "reissue", domains=self._reissue_domains(cert, domains, now))
            self.settle(cert)
        self.changed()
        return json_response(render.certificate(cert))

    @staticmethod
    def _domains_differ(cert, domains):
        current = sorted((d["name"].lower(), d["is_common_name"]) for d in cert["domains"])
        wanted = sorted((d["name"].lower(), d["is_common_name"]) for d in domains)
        return current != wanted

    def _reissue_domains(self, cert, domains, now):
        existing = {d["name"].lower(): d for d in cert["domains"]}
        result = []
        for item in domains:
            old = existing.get(item["name"].lower())
            if old is not None:
                kept = dict(old)
                kept["is_common_name"] = item["is_common_name"]
                result.append(kept)
            else:
                result.append({"id": self.next_id("domain"), "name": item["name"],
                               "is_common_name": item["is_common_name"], "status": "PendingReissue",
                               "created": now, "active_date": None, "validation": "Pending"})
        return result

    def _set_dcv_method(self, cert, method):
        cert["dcv_method"] = method
        if cert["status"] == "DomainControlValidation" and not cert["timed_out"]:
            for domain in cert["domains"]:
                if domain.get("validation") == "Pending":
                    domain["status"] = "PendingDns" if is_dns(cert) else "AwaitingCertificateAuthority"

    def delete_certificate(self, raw_id):
        cert = self.cert(raw_id)
        if cert["status"] == "Deleted":
            refuse("the certificate is already deleted")
        if cancelable(cert):
            refuse("the certificate request is still processed by the CA (status %s); cancel it instead" % cert["status"])
        self.lifecycle.delete(cert, self.now)
        self.changed()
        return empty_response()

    def get_status(self, raw_id):
        cert = self.cert(raw_id)
        return json_response(render.status(cert, self.config.get("status_type", "Certificate")))

    def cancel(self, raw_id):
        cert = self.cert(raw_id)
        raw = request.args.get("apply")
        if raw is None or raw == "":
            apply = False
        elif raw.lower() in ("true", "false"):
            apply = raw.lower() == "true"
        else:
            invalid([(query_source("apply"), "apply must be true or false")])
        if cert["status"] == "Deleted":
            refuse("the certificate request is already deleted", "Certificate request cannot be canceled")
        if cancelable(cert):
            action = {"id": 1, "name": "Cancel"}
        elif cert["flow"] is not None:
            action = {"id": 2, "name": "Revert"}
        elif in_new_order(cert):
            refuse("The certificate authority no longer processes this request (order %s); delete it instead."
                   % cert["order_status"], "Certificate request cannot be canceled")
        else:
            refuse("Certificate has already been issued; delete it instead.", "Certificate request cannot be canceled")
        if not apply:
            return json_response({"action": action})
        if self.lifecycle.accept_cancel(cert, self.now, action["name"]):
            cert["modified_by"] = self.actor()
            self.settle(cert)
            self.changed()
        return empty_response()

    def renew(self, raw_id):
        cert = self.cert(raw_id)
        self.alive(cert, "renew")
        if not is_issued(cert):
            refuse("only an issued certificate (Deployment or Active) can be renewed; the certificate is %s"
                   % cert["status"])
        if cert["flow"] is not None or cert["order_status"] == "Revoked":
            refuse("the certificate cannot be renewed while its order is %s" % cert["order_status"])
        self.lifecycle.start_change(cert, self.now, "renewal")
        self.settle(cert)
        self.changed()
        return empty_response()

    def retrigger(self, raw_id):
        cert = self.cert(raw_id)
        self.alive(cert, "resubmit")
        if not cert["timed_out"]:
            refuse("only a request that timed out and was never issued can be resubmitted")
        self.lifecycle.retrigger(cert, self.now)
        self.settle(cert)
        self.changed()
        return empty_response()

    def change_organization(self, raw_id):
        cert = self.cert(raw_id)
        body = json_body()
        self.alive(cert, "update the organization of")
        if cert["validation_type"] not in ("OV", "EV"):
            refuse("the organization applies to OV and EV certificates only")
        errors = validation.Errors()
        resolution = validation.organization(body, cert["validation_type"], errors, self.state["organizations"],
                                             source="")
        if errors:
            invalid(errors)
        if not is_issued(cert) or cert["flow"] is not None:
            refuse("the organization can change only after issuance (Deployment or Active) and while no other "
                   "change is pending; the certificate is %s" % cert["status"])
        if resolution[0] == "existing" and resolution[1] == cert.get("organization_id"):
            return json_response(render.organization(cert["organization"]))
        org = self.resolve_organization(resolution)
        self.lifecycle.start_change(cert, self.now, "org_update", organization=org)
        cert["modified_by"] = self.actor()
        self.settle(cert)
        self.changed()
        return json_response(render.organization(org))

    # -- notifications ------------------------------------------------------------------------------
    def get_notifications(self, raw_id):
        cert = self.cert(raw_id)
        return collection(render.cert_path(cert["id"]) + "/notifications", render.notifications(cert["notifications"]))

    def patch_notifications(self, raw_id):
        cert = self.cert(raw_id)
        body = json_body()
        self.alive(cert, "update notifications of")
        cert["notifications"] = self._merge_notifications(cert["notifications"], body)
        cert["last_modified"] = self.now
        self.changed()
        return collection(render.cert_path(cert["id"]) + "/notifications", render.notifications(cert["notifications"]))

    def _merge_notifications(self, current, body):
        errors = validation.Errors()
        items = validation.notifications(body, self.config.get("notification_emails", []), errors)
        if errors:
            invalid(errors)
        merged = {item["notification_type"]: item for item in render.notifications(current)}
        for item in items:
            merged[item["notification_type"]] = item
        return [merged[kind] for kind in NOTIFICATION_TYPES]

    def get_customer_notifications(self):
        return collection("/v2.0/customers/notifications", render.notifications(self.state["customer_notifications"]))

    def patch_customer_notifications(self):
        body = json_body()
        self.state["customer_notifications"] = self._merge_notifications(self.state["customer_notifications"], body)
        self.changed()
        return collection("/v2.0/customers/notifications", render.notifications(self.state["customer_notifications"]))

    def customer_commits(self):
        return json_response({"@id": "/v2.0/customers/commits", "@type": "CustomerCommit",
                              "amount": self.config.get("customer_commit_amount", 0)})

    # -- DCV ----------------------------------------------------------------------------------------
    @staticmethod
    def _groups(cert):
        """DCV groups: DV shares one token for all domains; OV/EV has one per parent domain."""
        if cert["validation_type"] not in ("OV", "EV"):
            return {"dv": list(cert["domains"])}
        groups = {}
        for domain in cert["domains"]:
            groups.setdefault(parent_domain(domain["name"]), []).append(domain)
        return groups

    def _requested_domains(self, cert, required):
        raw = request.args.get("domain_ids")
        if raw is None or raw.strip() == "":
            if required:
                invalid([(query_source("domain_ids"), "domain_ids is required for DNS Text and DNS CNAME DCV")])
            return list(cert["domains"])
        known = {d["id"]: d for d in cert["domains"]}
        wanted = []
        for part in raw.split(","):
            part = part.strip()
            if not part.isdigit():
                invalid([(query_source("domain_ids"), "domain_ids must be a comma-separated list of integers")])
            if int(part) not in known:
                invalid([(query_source("domain_ids"), "domain %s does not belong to certificate %d" % (part, cert["id"]))])
            if known[int(part)] not in wanted:
                wanted.append(known[int(part)])
        return [d for d in cert["domains"] if d in wanted]

    def _token(self, cert, group):
        generation = cert["dcv_generation"].get(group, 0)
        return digest("dcv", cert["id"], group, generation, cert["dcv_method"])[:32]

    def _dcv_items(self, cert, requested, full):
        items = []
        for group, members in self._groups(cert).items():
            chosen = [d for d in requested if d in members]
            if not chosen:
                continue
            common = [d for d in chosen if d["is_common_name"]]
            first = (common or chosen)[0]
            token = None
            # the token exists once the order is placed with the CA (it left Processing); a request
            # cancelled while Processing was never placed and never gets one
            if is_dns(cert) and cert["order_status"] is not None:
                token = {"token": self._token(cert, group)}
            item = {"domain_id": first["id"], "dcv_method": cert["dcv_method"], "dcv_token": token}
            if full:
                base = parent_domain(first["name"])
                item["emails"] = ([prefix + "@" + base for prefix in
                                   ("admin", "administrator", "hostmaster", "postmaster", "webmaster")]
                                  if cert["dcv_method"] == "Email" else [])
            items.append(item)
        return items

    def _dcv_allowed(self, cert, what):
        self.alive_for(cert, what)
        if cert["status"] not in ("DomainControlValidation", "OtherValidation"):
            refuse("%s is possible only while the request waits for validation "
                   "(DomainControlValidation or OtherValidation); the certificate is %s" % (what, cert["status"]))

    def dcv_metadata(self, raw_id):
        cert = self.cert(raw_id)
        requested = self._requested_domains(cert, required=is_dns(cert))
        qs = request.query_string.decode("latin-1")
        node_id = "/v2.0/dcv/certificates/%d" % cert["id"] + ("?" + qs if qs else "")
        return collection(node_id, self._dcv_items(cert, requested, full=True))

    def dcv_token(self, raw_id):
        cert = self.cert(raw_id)
        requested = self._requested_domains(cert, required=False)
        self._dcv_allowed(cert, "generating a DCV token")
        if not is_dns(cert):
            refuse("a DCV token does not apply to Email DCV; follow the certificate authority's e-mail")
        for group, members in self._groups(cert).items():
            if any(d in members for d in requested):
                cert["dcv_generation"][group] = cert["dcv_generation"].get(group, 0) + 1
        cert["last_modified"] = self.now
        self.changed()
        return collection("/v2.0/dcv/certificates/%d/token" % cert["id"], self._dcv_items(cert, requested, full=False))

    def dcv_check(self, raw_id):
        cert = self.cert(raw_id)
        self._requested_domains(cert, required=False)
        self._dcv_allowed(cert, "a DCV check")
        if self.lifecycle.dcv_check(cert, self.now):
            self.settle(cert)
            self.changed()
        return empty_response()

    def dcv_resend(self, raw_id):
        cert = self.cert(raw_id)
        self._requested_domains(cert, required=False)
        self._dcv_allowed(cert, "resending the DCV e-mail")
        if cert["dcv_method"] != "Email":
            refuse("DCV e-mails are sent only for Email DCV; this request uses %s" % cert["dcv_method"])
        cert["dcv_emails_sent"] = cert.get("dcv_emails_sent", 0) + 1
        self.changed()
        return empty_response()

    def dcv_method(self, raw_id):
        cert = self.cert(raw_id)
        body = json_body()
        if not isinstance(body, dict):
            invalid([(None, "the body must be a JSON object (DcvMethodRequest)")])
        errors = validation.Errors()
        method = validation.enum(body, "dcv_method", DCV_METHODS, errors)
        if errors:
            invalid(errors)
        self._dcv_allowed(cert, "changing the DCV method")
        self._set_dcv_method(cert, method)
        cert["last_modified"] = self.now
        self.changed()
        return empty_response()

    # -- organizations ------------------------------------------------------------------------------
    def default_organization(self):
        org = self.state["organizations"][str(self.state["default_organization_id"])]
        return json_response(render.organization(org))

    def get_organization(self, raw_id):
        org_id = parse_id(raw_id)
        org = self.state["organizations"].get(str(org_id))
        if org is None:
            raise ApiError("not_found", "Organization not found", [detail(None, "no organization with id %d" % org_id)])
        return json_response(render.organization(org))

    def organizations_by_name(self, name):
        wanted = name.strip().lower()
        if not wanted:
            invalid([(None, "the organization name in the path is required")])
        orgs = sorted(self.state["organizations"].values(), key=lambda o: o["id"])
        items = [render.organization_dto(o) for o in orgs if wanted in (o.get("company_name") or "").lower()][:20]
        return collection("/v2.0/organizations/name/" + urllib.parse.quote(name), items)

    # -- tasks --------------------------------------------------------------------------------------
    def _task_node(self, task):
        processed = task["in_date"] + float(task["process_after"])
        return {"@id": "/v2.0/tasks/%d" % task["id"], "@type": "TaskItem", "id": task["id"],
                "customer_id": task["customer_id"], "task_type": task["task_type"], "arguments": task["arguments"],
                "in_date": iso(task["in_date"]), "processed_date": iso(processed) if self.now >= processed else None}

    def list_tasks(self):
        wanted = request.args.get("status")
        if wanted is not None and wanted.lower() not in ("pending", "processed"):
            invalid([(query_source("status"), "status must be Pending or Processed")])
        nodes = [self._task_node(t) for t in sorted(self.state["tasks"].values(), key=lambda t: t["id"])]
        if wanted is not None:
            processed = wanted.lower() == "processed"
            nodes = [n for n in nodes if (n["processed_date"] is not None) == processed]
        qs = request.query_string.decode("latin-1")
        return collection("/v2.0/tasks" + ("?" + qs if qs else ""), nodes)

    def create_task(self):
        body = json_body()
        if not isinstance(body, dict):
            invalid([(None, "the body must be a JSON object (TaskCreate)")])
        errors = validation.Errors()
        task_type = validation.enum(body, "task_type", TASK_TYPES, errors)
        if errors:
            invalid(errors)
        task = {"id": self.next_id("task"), "customer_id": int(self.config.get("customer_id", 0)),
                "task_type": task_type, "arguments": body.get("arguments"), "in_date": self.now,
                "process_after": float(self.config.get("task_seconds", 1.0))}
        self.state["tasks"][str(task["id"])] = task
        self.changed()
        return json_response(self._task_node(task), 201)

    def _task(self, raw_id):
        task_id = parse_id(raw_id)
        task = self.state["tasks"].get(str(task_id))
        if task is None:
            raise ApiError("not_found", "Task not found", [detail(None, "no task with id %d" % task_id)])
        return task

    def get_task(self, raw_id):
        return json_response(self._task_node(self._task(raw_id)))

    def delete_task(self, raw_id):
        task = self._task(raw_id)
        del self.state["tasks"][str(task["id"])]
        self.changed()
        return empty_response()

    # -- appendix -----------------------------------------------------------------------------------
    def appendix(self, name):
        headers = {"Cache-Control": "no-cache"}
        if name == "country-codes":
            qs = request.query_string.decode("latin-1")
            return collection("/v2.0/appendix/country-codes" + ("?" + qs if qs else ""),
                              country_items(request.args.get("name")), headers=headers)
        if name not in APPENDIX:
            raise ApiError("not_found", description="no appendix list %r" % name)
        return collection("/v2.0/appendix/" + name, named(APPENDIX[name]), headers=headers)


def parent_domain(name):
    labels = name.lower().lstrip("*.").split(".")
    return ".".join(labels[-2:])
