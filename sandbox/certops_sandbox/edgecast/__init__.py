"""Edgecast CPS v2.0 and its token service for the sandbox.

Modules: ``tokens`` (``/connect/token`` and bearer checks), ``hyperion`` (nodes, collections, errors,
dates), ``vocab`` (enums and appendix lists), ``validation`` (400 ``invalid_input``), ``lifecycle``
(statuses on the sandbox clock, markers, forced statuses), ``render`` (records as CPS nodes) and ``api``
(every endpoint). The reference is ``shared/providers/edgecast-cps.md``; ``sandbox/docs/edgecast.md``
describes the sandbox's behaviour.
"""

import math

from flask import Blueprint, jsonify, request

from ..core import ProviderPlugin
from ..faults import echo_of_request
from . import hyperion, render
from .api import Api
from .lifecycle import Lifecycle
from .tokens import CPS_SCOPE, expire_presented_token, issue_token, oauth_error

DEFAULT_ORGANIZATION = {
    "id": 1001, "company_name": "Sandbox Example Co.", "company_address": "111 Example Way",
    "company_address2": None, "city": "Los Angeles", "state": "CA", "zip_code": "90001", "country": "US",
    "organizational_unit": "Certificate Operations", "contact_first_name": "Pat", "contact_last_name": "Doe",
    "contact_email": "pat@example.com", "contact_phone": "111-111-1111", "contact_title": "IT Manager",
    "additional_contacts": [],
}


class EdgecastPlugin(ProviderPlugin):
    name = "edgecast"
    prefixes = ("/connect/", "/sec/cps/")

    def __init__(self, sandbox):
        super().__init__(sandbox)
        self.lifecycle = Lifecycle(self)
        self.api = Api(self)

    # -- wiring ------------------------------------------------------------------------------------
    def blueprint(self):
        bp = Blueprint("edgecast", __name__)
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

        def connect(rest):
            if rest.strip("/") != "token":
                return oauth_error("invalid_request", "unknown identity endpoint /connect/%s" % rest, 404)
            return issue_token(self)

        bp.add_url_rule("/_sandbox/orders/edgecast/<order_id>/expiration", "control_expiration",
                        self.control_expiration, methods=["POST"])
        bp.add_url_rule("/connect/", "connect_root", connect, methods=methods, defaults={"rest": ""})
        bp.add_url_rule("/connect/<path:rest>", "connect", connect, methods=methods)
        self.api.register(bp)
        return bp

    def default_config(self):
        return {
            # OAuth clients: id -> secret and the scopes it may request
            "clients": {
                "sandbox-client": {"secret": "sandbox-secret", "scopes": [CPS_SCOPE]},
                "sandbox-noscope": {"secret": "sandbox-noscope-secret", "scopes": ["ec.rules", "cdn.origins"]},
            },
            "token_lifetime": 300,
            # new order (seconds): DV reaches Active after processing + dcv + deployment = 7 s
            "processing_seconds": 2.0,
            "dcv_seconds": 3.0,
            "other_validation_seconds": 3.0,
            "deployment_seconds": 2.0,
            "dcv_check_seconds": 1.0,
            "timeout_seconds": 5.0,
            # renewal, reissue (domain change) and organization update
            "change_queue_seconds": 1.0,
            "renewal_seconds": 3.0,
            "reissue_seconds": 3.0,
            "org_update_seconds": 3.0,
            "validity_days": 397,
            # an applied cancel (PUT cancel?apply=true, 204) shows this long after the call (0: at once)
            "cancel_seconds": 0.0,
            "auto_renew_days_before": 60,
            "task_seconds": 1.0,
            # switches and account data
            "status_type": "Certificate",
            "reserve_label_on_invalid_create": False,
            "notification_emails": ["ops@example.com", "pki@example.com", "admin@example.com",
                                    "sandbox@example.com"],
            "delivery_region": "GlobalStandard",
            "customer_id": 1234,
            "customer_commit_amount": 0,
        }

    def initial_state(self):
        return {
            "tokens": {},
            "certificates": {},
            "labels": {},
            "organizations": {str(DEFAULT_ORGANIZATION["id"]): dict(DEFAULT_ORGANIZATION)},
            "default_organization_id": DEFAULT_ORGANIZATION["id"],
            "customer_notifications": render.notifications([]),
            "tasks": {},
            "next_ids": {"certificate": 11605, "domain": 21001, "organization": 1002, "task": 1},
            "event_seq": 0,
            "next_event_at": None,
        }

    # -- lifecycle ---------------------------------------------------------------------------------
    def tick(self, now):
        if self.lifecycle.tick(now):
            self.sandbox.store.mark_dirty()

    def orders(self):
        now = self.sandbox.clock.now()
        result = []
        for cert in sorted(self.state["certificates"].values(), key=lambda c: c["id"]):
            upcoming = cert["events"][0] if cert["events"] else None
            result.append({
                "id": cert["id"], "certificate_label": cert["label"], "status": cert["status"],
                "step": cert["step"], "order_status": cert["order_status"],
                "validation_type": cert["validation_type"], "dcv_method": cert["dcv_method"],
                "domains": [d["name"] for d in cert["domains"]], "outcome": cert["outcome"],
                "markers": cert["markers"], "timed_out": cert["timed_out"], "flow": cert["flow"],
                "thumbprint": cert["thumbprint"], "created": hyperion.iso(cert["created"]),
                "expiration_date": hyperion.iso(cert["expiration"]),
                "next_event": None if upcoming is None else {
                    "name": upcoming[2], "at": hyperion.iso(upcoming[0]),
                    "in_seconds": round(upcoming[0] - now, 3)},
            })
        return result

    def force_status(self, order_id, status_name):
        try:
            cert_id = int(order_id)
        except (TypeError, ValueError):
            raise KeyError(order_id)
        store = self.sandbox.store
        with store.lock:
            cert = self.state["certificates"].get(str(cert_id))
            if cert is None:
                raise KeyError(order_id)
            name = str(status_name)
            self.lifecycle.force(cert, name, self.sandbox.clock.now())
            store.mark_dirty()
            return [o for o in self.orders() if o["id"] == cert_id][0]

    def control_expiration(self, order_id):
        """``POST /_sandbox/orders/edgecast/<id>/expiration {"days": N}``: the certificate expires N days
        from now (a control API route of this provider only, beside the shared ones)."""
        body = request.get_json(silent=True)
        days = body.get("days") if isinstance(body, dict) else None
        if isinstance(days, bool) or not isinstance(days, (int, float)) or not math.isfinite(days):
            return jsonify({"error": "body must be {\"days\": N} with N a number of days from now"}), 400
        self.sandbox.tick()
        store = self.sandbox.store
        with store.lock:
            cert = self.state["certificates"].get(str(order_id)) if str(order_id).isdigit() else None
            if cert is None:
                return jsonify({"error": "no edgecast order %s" % order_id}), 404
            try:
                self.lifecycle.set_expiration(cert, days, self.sandbox.clock.now())
            except ValueError as exc:
                return jsonify({"error": str(exc)}), 400
            store.mark_dirty()
            return jsonify([o for o in self.orders() if o["id"] == cert["id"]][0])

    # -- faults ------------------------------------------------------------------------------------
    def fault_response(self, kind, rule):
        retry_after = str(max(0, int(math.ceil(float(rule.retry_after or 0)))))
        if kind == "rate_limit":
            return hyperion.error("rate_limit_reached", description="too many requests; retry after %s s" % retry_after,
                                  headers={"Retry-After": retry_after})
        if kind == "http_500":
            return hyperion.error("internal_error")
        if kind == "http_502":
            return hyperion.error("bad_gateway", description="the gateway got no valid answer from the service")
        if kind == "http_503":
            return hyperion.error("service_unavailable", headers={"Retry-After": retry_after})
        if kind == "expired_token":
            if request.path.startswith("/connect/"):
                return None
            return expire_presented_token(self, self.sandbox.clock.now())
        if kind == "echo_request":
            if request.path.startswith("/connect/"):
                return oauth_error("invalid_request", "could not read the request (%s)" % echo_of_request(request))
            return hyperion.error("internal_error", description="request failed (%s)" % echo_of_request(request))
        return None

    def describe(self, base_url):
        clients = self.config.get("clients", {})
        primary = next((cid for cid, c in clients.items() if CPS_SCOPE in c.get("scopes", [])), None)
        other = next((cid for cid, c in clients.items() if CPS_SCOPE not in c.get("scopes", [])), None)
        info = {"api_url": base_url, "ids_url": base_url, "token_url": base_url + "/connect/token",
                "cps_base": base_url + "/sec/cps",
                "client_id": primary, "client_secret": clients.get(primary, {}).get("secret"), "scope": CPS_SCOPE}
        if other:
            info["forbidden_client_id"] = other
            info["forbidden_client_secret"] = clients[other]["secret"]
        return info
