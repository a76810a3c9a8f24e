"""Certificate request lifecycle on the sandbox clock: certificate, order and domain status transitions.

Every certificate keeps a sorted list of scheduled events ``[at, seq, name, arg]`` with absolute clock
times. ``run_due`` applies the events whose time has come, in order, each with its own time (so a jump of
the clock or a restart with the state file lands in the status the certificate would have reached).
Each step schedules the next one from its own time plus the duration snapshotted in the certificate's
``timings`` when it was created (config changes apply to certificates created afterwards).

New order (DV):   Processing --processing_seconds--> DomainControlValidation --dcv_seconds-->
                  Deployment (order Issued) --deployment_seconds--> Active
New order (OV/EV): ... DomainControlValidation --dcv_seconds--> OtherValidation
                  --other_validation_seconds--> Deployment --> Active
Renewal:   order AwaitingRenewal --change_queue_seconds--> PendingRenewal --renewal_seconds--> Renewed
Reissue:   order AwaitingReissue --change_queue_seconds--> PendingReissue --reissue_seconds--> Issued
Org update: order AwaitingOrgUpdate --change_queue_seconds--> PendingOrgUpdate --org_update_seconds--> OrgUpdated
"""

import bisect
import copy
import hashlib
import re

from .vocab import CERTIFICATE_STATUSES, ORDER_STATUSES, STEPS

DAY = 86400.0

NEW_ORDER_EVENTS = ("place", "timeout", "dcv_approve", "ov_approve", "activate")
CHANGE_EVENTS = ("renewal_pending", "renewal_done", "reissue_pending", "reissue_done",
                 "org_update_pending", "org_update_done")
EXPIRY_EVENTS = ("auto_renew", "expire")
#: an applied cancel that CPS has accepted (204) and not carried out yet (config ``cancel_seconds``)
CANCEL_EVENTS = ("cancel_apply",)
FLOW_ORDER_STATUSES = {
    "renewal": ("AwaitingRenewal", "PendingRenewal"),
    "reissue": ("AwaitingReissue", "PendingReissue"),
    "org_update": ("AwaitingOrgUpdate", "PendingOrgUpdate"),
}

TIMING_KEYS = ("processing_seconds", "dcv_seconds", "other_validation_seconds", "deployment_seconds",
               "dcv_check_seconds", "timeout_seconds", "change_queue_seconds", "renewal_seconds",
               "reissue_seconds", "org_update_seconds", "validity_days", "auto_renew_days_before", "cancel_seconds")

STAGES = ("processing", "dcv", "ov", "deployment", "active")
FORCE_NAMES = {name.lower(): name for name in CERTIFICATE_STATUSES + ORDER_STATUSES + ("TimedOut",)}

MARKER_RE = re.compile(r"(?<![a-z0-9])sbx-(reject|timeout|stall|renew-reject|reissue-reject|t(\d+))(?![a-z0-9])")


# -- markers ------------------------------------------------------------------------------------
def find_markers(label, domain_names):
    """Deterministic outcomes chosen by the label and the first label of each domain name."""
    places = [label.lower()] + [name.lower().lstrip("*.").split(".")[0] for name in domain_names]
    found = {}
    for text in places:
        for match in MARKER_RE.finditer(text):
            if match.group(2) is not None:
                found.setdefault("issue_after", int(match.group(2)))
            else:
                found[match.group(1)] = True
    outcome = "normal"
    for name in ("reject", "stall", "timeout"):
        if found.get(name):
            outcome = name
            break
    return {
        "outcome": outcome,
        "issue_after": found.get("issue_after"),
        "renew_reject": bool(found.get("renew-reject")),
        "reissue_reject": bool(found.get("reissue-reject")),
        "markers": sorted(("sbx-" + key) for key in found if key != "issue_after")
        + (["sbx-t%d" % found["issue_after"]] if "issue_after" in found else []),
    }


def snapshot_timings(config, validation_type, issue_after):
    timings = {}
    for key in TIMING_KEYS:
        try:
            timings[key] = max(0.0, float(config.get(key, 0.0) if key == "cancel_seconds" else config[key]))
        except (KeyError, TypeError, ValueError):
            raise ValueError("sandbox config edgecast.%s must be a number, got %r" % (key, config.get(key)))
    if issue_after is not None:
        keys = ["processing_seconds", "dcv_seconds", "deployment_seconds"]
        if validation_type in ("OV", "EV"):
            keys.append("other_validation_seconds")
        total = sum(timings[key] for key in keys)
        for key in keys:
            timings[key] = (timings[key] * issue_after / total) if total > 0 else issue_after / float(len(keys))
    return timings


# -- small helpers -------------------------------------------------------------------------------
def digest(*parts):
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()


def thumbprint(cert):
    return hashlib.sha1(("certops-sandbox:%s:%s" % (cert["id"], cert["serial"])).encode()).hexdigest().upper()


def hex_url(cert):
    return "cs-%s.wpc.%s.edgecastcdn.net" % (digest("hex", cert["id"])[:8], digest("acct", cert["id"])[:4])


def set_status(cert, status, at):
    cert["status"] = status
    if status in STEPS:
        cert["step"] = STEPS[status]
    touch(cert, at)


def touch(cert, at):
    cert["last_modified"] = max(cert.get("last_modified") or at, at)


def clear_errors(cert):
    cert["error_message"] = None
    cert["workflow_error_message"] = None


def is_dns(cert):
    return cert["dcv_method"] in ("DnsTxtToken", "DnsCnameToken")


def is_issued(cert):
    return cert["status"] in ("Deployment", "Active")


def in_new_order(cert):
    return cert["status"] in ("Processing", "DomainControlValidation", "OtherValidation")


def cancelable(cert):
    """A request CPS cancels (PUT cancel) rather than deletes: not yet placed with the CA, or placed and
    still in validation with its order Pending. The vendor's Terraform resource
    (Edgio/terraform-provider-edgecast, edgecast/resources/cps/certificate.go) cancels exactly these and
    DELETEs every other request, so an order the CA rejected during validation is deleted."""
    if cert["status"] == "Processing":
        return cert["order_status"] is None
    return cert["status"] in ("DomainControlValidation", "OtherValidation") and cert["order_status"] == "Pending"


# -- scheduling -----------------------------------------------------------------------------------
class Lifecycle:
    def __init__(self, plugin):
        self.plugin = plugin

    @property
    def state(self):
        return self.plugin.state

    def schedule(self, cert, at, name, arg=None):
        state = self.state
        state["event_seq"] = state.get("event_seq", 0) + 1
        bisect.insort(cert["events"], [float(at), state["event_seq"], name, arg])
        current = state.get("next_event_at")
        if current is None or at < current:
            state["next_event_at"] = float(at)

    def drop(self, cert, names):
        cert["events"] = [event for event in cert["events"] if event[2] not in names]

    def run_due(self, cert, now):
        changed = False
        events = cert["events"]
        while events and events[0][0] <= now:
            at, _, name, arg = events.pop(0)
            getattr(self, "on_" + name)(cert, at, arg)
            events = cert["events"]
            changed = True
        return changed

    def tick(self, now):
        """Apply every due event; cheap when nothing is due (one comparison)."""
        state = self.state
        due = state.get("next_event_at")
        if due is None or now < due:
            return False
        changed = False
        nearest = None
        for cert in state["certificates"].values():
            events = cert["events"]
            if events and events[0][0] <= now:
                changed = self.run_due(cert, now) or changed
                events = cert["events"]
            if events and (nearest is None or events[0][0] < nearest):
                nearest = events[0][0]
        state["next_event_at"] = nearest
        return changed

    # -- new order ------------------------------------------------------------------------------
    def start(self, cert, at):
        """A fresh request: Processing, order not placed yet."""
        cert.update(status="Processing", step=1, order_status=None, org_validation=None,
                    requires_attention=False, thumbprint=None, expiration=None, issued_at=None,
                    deployments=None, timed_out=False, retriggered=False, flow=None, before_flow=None)
        clear_errors(cert)
        for domain in cert["domains"]:
            domain.update(status="ProvisioningInitiated", validation=None, active_date=None)
        touch(cert, at)
        self.schedule(cert, at + cert["timings"]["processing_seconds"], "place")

    def on_place(self, cert, at, _arg=None):
        set_status(cert, "DomainControlValidation", at)
        cert["order_status"] = "Pending"
        cert["org_validation"] = "NA" if cert["validation_type"] in ("DV", "None") else "Pending"
        cert["requires_attention"] = True
        for domain in cert["domains"]:
            domain["validation"] = "Pending"
            domain["status"] = "PendingDns" if is_dns(cert) else "AwaitingCertificateAuthority"
        if cert["outcome"] == "stall":
            return
        if cert["outcome"] == "timeout" and not cert["retriggered"]:
            self.schedule(cert, at + cert["timings"]["timeout_seconds"], "timeout")
        else:
            self.schedule(cert, at + cert["timings"]["dcv_seconds"], "dcv_approve")

    def on_timeout(self, cert, at, _arg=None):
        if cert["status"] != "DomainControlValidation" or cert["timed_out"]:
            return
        cert["timed_out"] = True
        cert["requires_attention"] = True
        cert["error_message"] = "Domain control validation timed out; resubmit the request (retrigger)."
        cert["workflow_error_message"] = "Certificate request timed out at the certificate authority (sandbox marker sbx-timeout)."
        for domain in cert["domains"]:
            domain["status"] = "TimedOut"
        self.drop(cert, ("dcv_approve",))
        touch(cert, at)

    def on_dcv_approve(self, cert, at, _arg=None):
        if cert["status"] != "DomainControlValidation" or cert["timed_out"] or cert["order_status"] != "Pending":
            return
        self.drop(cert, ("dcv_approve", "timeout"))
        for domain in cert["domains"]:
            domain["validation"] = "Approved"
            domain["status"] = "AwaitingCertificateAuthority"
        touch(cert, at)
        if cert["outcome"] == "reject" and cert["validation_type"] not in ("OV", "EV"):
            self.reject(cert, at)
            return
        if cert["validation_type"] in ("OV", "EV"):
            set_status(cert, "OtherValidation", at)
            cert["requires_attention"] = False
            self.schedule(cert, at + cert["timings"]["other_validation_seconds"], "ov_approve")
        else:
            self.issue(cert, at)

    def on_ov_approve(self, cert, at, _arg=None):
        if cert["status"] != "OtherValidation" or cert["order_status"] != "Pending":
            return
        if cert["outcome"] == "reject":
            self.reject(cert, at)
            return
        cert["org_validation"] = "Approved"
        self.issue(cert, at)

    def reject(self, cert, at):
        cert["order_status"] = "Rejected"
        cert["requires_attention"] = True
        if cert["validation_type"] in ("OV", "EV"):
            cert["org_validation"] = "Rejected"
        else:
            for domain in cert["domains"]:
                domain["validation"] = "Rejected"
        for domain in cert["domains"]:
            domain["status"] = "Rejected"
        cert["error_message"] = "The certificate authority rejected the order."
        cert["workflow_error_message"] = "Order rejected by the certificate authority (sandbox marker sbx-reject)."
        touch(cert, at)

    def issue(self, cert, at):
        cert["order_status"] = "Issued"
        cert["requires_attention"] = False
        clear_errors(cert)
        for domain in cert["domains"]:
            domain["validation"] = "Approved"
        if cert["validation_type"] in ("OV", "EV"):
            cert["org_validation"] = "Approved"
        self.new_serial(cert, at)
        set_status(cert, "Deployment", at)
        self.schedule(cert, at + cert["timings"]["deployment_seconds"], "activate")

    def new_serial(self, cert, at):
        cert["serial"] = cert.get("serial", 0) + 1
        cert["thumbprint"] = thumbprint(cert)
        cert["issued_at"] = at
        cert["expiration"] = at + cert["timings"]["validity_days"] * DAY
        self.drop(cert, EXPIRY_EVENTS)
        expiration = cert["expiration"]
        self.schedule(cert, expiration - cert["timings"]["auto_renew_days_before"] * DAY, "auto_renew", expiration)
        self.schedule(cert, expiration, "expire", expiration)

    def on_activate(self, cert, at, _arg=None):
        if cert["status"] != "Deployment":
            return
        set_status(cert, "Active", at)
        cert["deployments"] = [{"delivery_region": self.plugin.config.get("delivery_region", "GlobalStandard"),
                                "platform": "HttpLarge", "hex_url": hex_url(cert)}]
        for domain in cert["domains"]:
            domain["status"] = "Active"
            if domain.get("active_date") is None:
                domain["active_date"] = at

    # -- expiry and auto-renewal -------------------------------------------------------------------
    def on_auto_renew(self, cert, at, expiration):
        if (cert["expiration"] == expiration and cert["auto_renew"] and is_issued(cert)
                and cert["flow"] is None and cert["order_status"] not in ("Revoked", "Deleted")):
            self.start_change(cert, at, "renewal")

    def on_expire(self, cert, at, expiration):
        if cert["expiration"] == expiration and cert["status"] != "Deleted" and cert["flow"] is None:
            cert["order_status"] = "Expired"
            cert["requires_attention"] = True
            touch(cert, at)

    # -- renewal, reissue, organization update ----------------------------------------------------
    def start_change(self, cert, at, flow, domains=None, organization=None):
        cert["before_flow"] = {"order_status": cert["order_status"], "domains": copy.deepcopy(cert["domains"]),
                               "organization": copy.deepcopy(cert.get("organization")),
                               "organization_id": cert.get("organization_id")}
        cert["flow"] = flow
        cert["order_status"] = FLOW_ORDER_STATUSES[flow][0]
        if domains is not None:
            cert["domains"] = domains
        if organization is not None:
            cert["organization"] = organization
            cert["organization_id"] = organization.get("id")
        touch(cert, at)
        self.schedule(cert, at + cert["timings"]["change_queue_seconds"], flow + "_pending")

    def on_renewal_pending(self, cert, at, _arg=None):
        if cert["flow"] != "renewal":
            return
        cert["order_status"] = "PendingRenewal"
        for domain in cert["domains"]:
            domain["validation"] = "Pending"
        touch(cert, at)
        self.schedule(cert, at + cert["timings"]["renewal_seconds"], "renewal_done")

    def on_renewal_done(self, cert, at, _arg=None):
        if cert["flow"] != "renewal":
            return
        cert["flow"] = None
        cert["before_flow"] = None
        if cert["renew_reject"]:
            cert["order_status"] = "RenewalRejected"
            cert["requires_attention"] = True
            for domain in cert["domains"]:
                domain["validation"] = "Rejected"
            cert["workflow_error_message"] = "Renewal rejected by the certificate authority (sandbox marker sbx-renew-reject)."
            touch(cert, at)
            return
        cert["order_status"] = "Renewed"
        cert["requires_attention"] = False
        clear_errors(cert)
        for domain in cert["domains"]:
            domain["validation"] = "Approved"
        self.new_serial(cert, at)
        touch(cert, at)

    def on_reissue_pending(self, cert, at, _arg=None):
        if cert["flow"] != "reissue":
            return
        cert["order_status"] = "PendingReissue"
        for domain in cert["domains"]:
            if domain["status"] == "PendingReissue":
                domain["validation"] = "Pending"
        touch(cert, at)
        self.schedule(cert, at + cert["timings"]["reissue_seconds"], "reissue_done")

    def on_reissue_done(self, cert, at, _arg=None):
        if cert["flow"] != "reissue":
            return
        before = cert["before_flow"]
        cert["flow"] = None
        cert["before_flow"] = None
        if cert["reissue_reject"]:
            cert["order_status"] = "ReissueRejected"
            cert["requires_attention"] = True
            cert["domains"] = before["domains"]
            cert["workflow_error_message"] = "Reissue rejected by the certificate authority (sandbox marker sbx-reissue-reject)."
            touch(cert, at)
            return
        cert["order_status"] = "Issued"
        cert["requires_attention"] = False
        clear_errors(cert)
        for domain in cert["domains"]:
            domain["validation"] = "Approved"
            if cert["status"] == "Active":
                domain["status"] = "Active"
                if domain.get("active_date") is None:
                    domain["active_date"] = at
            else:
                domain["status"] = "AwaitingCertificateAuthority"
        cert["serial"] = cert.get("serial", 0) + 1
        cert["thumbprint"] = thumbprint(cert)
        touch(cert, at)

    def on_org_update_pending(self, cert, at, _arg=None):
        if cert["flow"] != "org_update":
            return
        cert["order_status"] = "PendingOrgUpdate"
        cert["org_validation"] = "Pending"
        touch(cert, at)
        self.schedule(cert, at + cert["timings"]["org_update_seconds"], "org_update_done")

    def on_org_update_done(self, cert, at, _arg=None):
        if cert["flow"] != "org_update":
            return
        cert["flow"] = None
        cert["before_flow"] = None
        cert["order_status"] = "OrgUpdated"
        cert["org_validation"] = "Approved"
        cert["serial"] = cert.get("serial", 0) + 1
        cert["thumbprint"] = thumbprint(cert)
        touch(cert, at)

    def revert(self, cert, at):
        """Cancel a pending renewal, reissue or organization update: back to the previous certificate."""
        before = cert["before_flow"] or {}
        self.drop(cert, CHANGE_EVENTS + CANCEL_EVENTS)
        cert["order_status"] = before.get("order_status") or "Issued"
        if cert["flow"] == "reissue":
            cert["domains"] = before["domains"]
        if cert["flow"] == "org_update":
            cert["organization"] = before.get("organization")
            cert["organization_id"] = before.get("organization_id")
        for domain in cert["domains"]:
            domain["validation"] = "Approved"
        if cert["validation_type"] in ("OV", "EV"):
            cert["org_validation"] = "Approved"
        cert["flow"] = None
        cert["before_flow"] = None
        touch(cert, at)

    # -- operations -------------------------------------------------------------------------------
    def accept_cancel(self, cert, at, action):
        """A cancel applied with ``apply=true``: carried out ``cancel_seconds`` later (at once with 0).
        CPS answers the cancel with an empty 204 and says nothing about when it takes effect; a delay
        lets tests read the certificate before the cancel shows. Returns False when one is already
        under way (the repeat changes nothing)."""
        if any(event[2] == "cancel_apply" for event in cert["events"]):
            return False
        # the CA stops working on a request (or change) being cancelled: nothing moves it on meanwhile
        self.drop(cert, NEW_ORDER_EVENTS + CHANGE_EVENTS)
        self.schedule(cert, at + cert["timings"].get("cancel_seconds", 0.0), "cancel_apply", action)
        return True

    def on_cancel_apply(self, cert, at, action):
        if cert["status"] == "Deleted":
            return
        if action == "Revert":
            if cert["flow"] is not None:
                self.revert(cert, at)
        else:
            self.cancel(cert, at)

    def cancel(self, cert, at):
        """Cancel a request the CA has not issued: the request is gone (Deleted), the order Canceled."""
        self.drop(cert, NEW_ORDER_EVENTS + CHANGE_EVENTS + EXPIRY_EVENTS + CANCEL_EVENTS)
        if cert["order_status"] is not None:
            cert["order_status"] = "Canceled"
        cert["requires_attention"] = False
        for domain in cert["domains"]:
            domain["status"] = "Delete"
        cert["flow"] = None
        cert["before_flow"] = None
        set_status(cert, "Deleted", at)

    def delete(self, cert, at):
        self.drop(cert, NEW_ORDER_EVENTS + CHANGE_EVENTS + EXPIRY_EVENTS + CANCEL_EVENTS)
        cert["order_status"] = "Deleted"
        cert["requires_attention"] = False
        cert["deployments"] = None
        cert["flow"] = None
        cert["before_flow"] = None
        for domain in cert["domains"]:
            domain["status"] = "Delete"
        set_status(cert, "Deleted", at)

    def retrigger(self, cert, at):
        cert["timed_out"] = False
        cert["retriggered"] = True
        cert["requires_attention"] = True
        clear_errors(cert)
        for domain in cert["domains"]:
            domain["status"] = "PendingDns" if is_dns(cert) else "AwaitingCertificateAuthority"
            domain["validation"] = "Pending"
        touch(cert, at)
        self.schedule(cert, at + cert["timings"]["dcv_seconds"], "dcv_approve")

    def dcv_check(self, cert, at):
        """A forced DCV check: a pending domain validation completes ``dcv_check_seconds`` from now."""
        if (cert["status"] != "DomainControlValidation" or cert["timed_out"] or cert["outcome"] == "stall"
                or cert["order_status"] != "Pending"
                or (cert["outcome"] == "timeout" and not cert["retriggered"])):
            return False
        when = at + cert["timings"]["dcv_check_seconds"]
        pending = [event[0] for event in cert["events"] if event[2] == "dcv_approve"]
        if pending and min(pending) <= when:
            return True
        self.drop(cert, ("dcv_approve", "timeout"))
        self.schedule(cert, when, "dcv_approve")
        return True

    # -- control API --------------------------------------------------------------------------------
    def force(self, cert, name, now):
        """Move ``cert`` to a request or order status now; the lifecycle then holds there."""
        ov = cert["validation_type"] in ("OV", "EV")
        name = FORCE_NAMES.get(str(name).lower(), name)

        def baseline():
            self.drop(cert, NEW_ORDER_EVENTS + CHANGE_EVENTS + EXPIRY_EVENTS)
            saved_outcome = cert["outcome"]
            cert["outcome"] = "normal"
            self.start(cert, now)
            self.drop(cert, NEW_ORDER_EVENTS)
            return saved_outcome

        def current_stage():
            status, order = cert["status"], cert["order_status"]
            if cert["flow"] is not None:
                return None
            if status == "Processing":
                return "processing"
            if status == "DomainControlValidation" and order == "Pending" and not cert["timed_out"]:
                return "dcv"
            if status == "OtherValidation" and order == "Pending":
                return "ov"
            if status == "Deployment" and order == "Issued":
                return "deployment"
            if status == "Active" and order in ("Issued", "Renewed", "OrgUpdated"):
                return "active"
            return None

        def upto(stage):
            """Walk forward along the new-order path to ``stage`` (from scratch when that is not possible)."""
            current = current_stage()
            if current is None or STAGES.index(current) > STAGES.index(stage):
                outcome = baseline()
                current = "processing"
            else:
                outcome = cert["outcome"]
                cert["outcome"] = "normal"
                self.drop(cert, NEW_ORDER_EVENTS + CHANGE_EVENTS)
            if current == "processing":
                self.on_place(cert, now)
                current = "dcv"
            if stage != "dcv" and current == "dcv":
                self.on_dcv_approve(cert, now)
                current = "ov" if ov else "deployment"
            if stage not in ("dcv", "ov") and current == "ov":
                self.on_ov_approve(cert, now)
                current = "deployment"
            if stage == "active" and current == "deployment":
                self.on_activate(cert, now)
            cert["outcome"] = outcome

        def issued():
            if not is_issued(cert) or cert["order_status"] in ("Deleted", "Canceled"):
                upto("active")
            self.drop(cert, CHANGE_EVENTS)
            if cert["flow"] is not None:
                self.revert(cert, now)

        if name == "Processing":
            outcome = baseline()
            cert["outcome"] = outcome
        elif name in ("DomainControlValidation", "Pending"):
            upto("dcv")
        elif name == "OtherValidation":
            if not ov:
                raise ValueError("OtherValidation applies to OV and EV certificates only")
            upto("ov")
        elif name == "Deployment":
            upto("deployment")
        elif name in ("Active", "Issued"):
            upto("active")
        elif name == "TimedOut":
            upto("dcv")
            self.on_timeout(cert, now)
        elif name == "Rejected":
            upto("ov" if ov else "dcv")
            self.reject(cert, now)
            self.drop(cert, NEW_ORDER_EVENTS)
            for domain in cert["domains"]:
                domain["validation"] = "Approved" if ov else "Rejected"
        elif name == "Canceled":
            if is_issued(cert):
                raise ValueError("an issued certificate cannot be canceled; force Deleted instead")
            if cert["order_status"] is None:
                upto("dcv")
            self.cancel(cert, now)
        elif name == "Deleted":
            self.delete(cert, now)
        elif name in ("Expired", "Revoked"):
            issued()
            self.drop(cert, EXPIRY_EVENTS)
            if name == "Expired":
                cert["expiration"] = now
            cert["order_status"] = name
            cert["requires_attention"] = True
            touch(cert, now)
        elif name in ("AwaitingRenewal", "PendingRenewal", "Renewed", "RenewalRejected"):
            issued()
            self.start_change(cert, now, "renewal")
            self._walk(cert, now, name, "renewal", "RenewalRejected", "renew_reject")
        elif name in ("AwaitingReissue", "PendingReissue", "ReissueRejected"):
            issued()
            self.start_change(cert, now, "reissue")
            self._walk(cert, now, name, "reissue", "ReissueRejected", "reissue_reject")
        elif name in ("AwaitingOrgUpdate", "PendingOrgUpdate", "OrgUpdated"):
            if not ov:
                raise ValueError("organization updates apply to OV and EV certificates only")
            issued()
            self.start_change(cert, now, "org_update")
            self._walk(cert, now, name, "org_update", None, None)
        else:
            raise ValueError("unknown status %r" % name)
        self.drop(cert, NEW_ORDER_EVENTS + CHANGE_EVENTS + CANCEL_EVENTS)
        touch(cert, now)

    def set_expiration(self, cert, days, now):
        """Move an issued certificate's expiration to ``days`` days from now (negative: in the past),
        with its expiry and auto-renewal rescheduled from it, so that tests select and renew by days
        left without waiting for them. An order that had Expired is Issued again when the new date is
        still ahead."""
        if not is_issued(cert) or cert["expiration"] is None:
            raise ValueError("only an issued certificate (Deployment or Active) has an expiration to move; the "
                             "certificate is %s" % cert["status"])
        cert["expiration"] = now + float(days) * DAY
        self.drop(cert, EXPIRY_EVENTS)
        expiration = cert["expiration"]
        if cert["order_status"] == "Expired" and expiration > now:
            cert["order_status"] = "Issued"
            cert["requires_attention"] = False
        auto_at = expiration - cert["timings"]["auto_renew_days_before"] * DAY
        # an auto-renewal already due would start at once: tests that move the date want to see the
        # certificate as it is, so auto-renewal is scheduled only when its time is still ahead
        if auto_at > now:
            self.schedule(cert, auto_at, "auto_renew", expiration)
        self.schedule(cert, max(expiration, now), "expire", expiration)
        touch(cert, now)

    def _walk(self, cert, now, target, flow, rejected_name, reject_key):
        awaiting, pending = FLOW_ORDER_STATUSES[flow]
        self.drop(cert, CHANGE_EVENTS)
        if target == awaiting:
            return
        getattr(self, "on_%s_pending" % flow)(cert, now)
        self.drop(cert, CHANGE_EVENTS)
        if target == pending:
            return
        saved = cert.get(reject_key) if reject_key else None
        if reject_key:
            cert[reject_key] = target == rejected_name
        getattr(self, "on_%s_done" % flow)(cert, now)
        if reject_key:
            cert[reject_key] = saved
