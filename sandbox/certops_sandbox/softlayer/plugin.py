"""The SoftLayer provider plug-in: config, state, lifecycle hooks, control-API hooks, faults."""

import copy

from flask import request

from ..core import ProviderPlugin
from ..faults import echo_of_request
from . import catalog, dates, lifecycle, rest
from .ratelimit import RateLimiter
from . import errors as err

DEFAULT_CONFIG = {
    # credentials (HTTP Basic username + API key; ``apikey`` + IBM Cloud API key; Bearer token)
    "username": "SL123456",
    "api_key": "5b2e8c1f0d9a4e7b3c6f1a2d8e9b0c4f7a1d3e5b9c2f6a8d0e4b7c1f3a5d9e2b",
    "ibm_cloud_api_key": "sandbox-ibm-cloud-api-key-0123456789abcdef",
    "bearer_token": "sandbox-iam-access-token",
    "account_id": 123456,
    "user_id": 7654,
    "company_name": "Sandbox Example Corp",
    # a second account: its requests are 404 for the first one and vice versa
    "extra_users": [{"username": "SL654321", "api_key": "other-account-api-key-0123456789abcdef",
                     "account_id": 654321, "user_id": 8765, "company_name": "Other Sandbox Corp"}],
    # lifecycle, in seconds of sandbox clock (snapshotted into each order when it is placed);
    # the request record appears "a few seconds" after placeOrder, not with it (Terraform polls up to 10 min for it)
    "request_delay": 3,
    "approve_after": 4,
    "complete_after": 4,
    # verifyOrder/placeOrder check the approver mailbox against the common name's domains
    "enforce_approver_email": True,
    # SoftLayer's documented limit (reference D2, section 9.2): at most this many requests per API user in
    # any 1-second window, the rest refused with HTTP 500 SoftLayer_Exception_WebService_RateLimitExceeded
    # before they are processed; 0 turns it off (see ratelimit.py)
    "rate_limit": 50,
    # HTTP status of the expired_token fault (401 as softlayer-python expects, or 500 as softlayer-go)
    "expired_token_status": 401,
    # quirks for testing tolerant clients (off by default); error_body_200: true (every call) or N (the next N calls)
    "quirks": {"lone_object": False, "explicit_nulls": False, "extra_keys": False, "error_body_200": False},
}


class SoftLayerPlugin(ProviderPlugin):
    name = "softlayer"
    prefixes = ("/rest/v3.1/", "/rest/v3/")

    def __init__(self, sandbox):
        super().__init__(sandbox)
        #: who made how many requests in the last second (in memory only: a restart forgets it, as
        #: a second passes anyway)
        self.rate_limiter = RateLimiter()

    def blueprint(self):
        return rest.make_blueprint(self)

    def on_reset(self):
        self.rate_limiter.clear()

    def default_config(self):
        return copy.deepcopy(DEFAULT_CONFIG)

    def initial_state(self):
        return lifecycle.initial_state()

    @property
    def state(self):
        return lifecycle.ensure(self.sandbox.store.data.setdefault(self.name, lifecycle.initial_state()))

    # -- records used by the services and entities ------------------------------------------------
    def account_record(self, account_id):
        config = self.config
        if int(account_id) == int(config["account_id"]):
            user = {"account_id": config["account_id"], "user_id": config["user_id"],
                    "company_name": config.get("company_name"), "username": config.get("username")}
        else:
            user = next((u for u in config.get("extra_users") or [] if int(u["account_id"]) == int(account_id)),
                        {"account_id": account_id, "user_id": 0})
        account_id = int(user["account_id"])
        return {
            "id": account_id, "userId": int(user.get("user_id") or 0),
            "companyName": user.get("company_name") or "Sandbox Account %s" % account_id,
            "accountStatusId": 1001, "brandId": 2, "isReseller": 0,
            "firstName": "Sandbox", "lastName": "User", "email": "sandbox-%s@example.com" % account_id,
            "address1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001", "country": "US",
            "officePhone": "+1 555 0100", "createDate": 1262304000.0, "modifyDate": 1262304000.0,
        }

    def account_attributes(self, account_id):
        return [{"id": 4000000 + int(account_id) % 1000000 * 2 + index, "accountId": int(account_id),
                 "accountAttributeTypeId": type_id, "value": value,
                 "type": {"id": type_id, "keyName": key, "name": name}}
                for index, (type_id, key, name, value) in enumerate([
                    (7, "ACCOUNT_CREATION_SOURCE", "Account creation source", "certops-sandbox"),
                    (12, "TIMEZONE", "Time zone", "America/Chicago")])]

    def order_record(self, order_id):
        return self.state["orders"].get(str(order_id))

    # -- lifecycle --------------------------------------------------------------------------------
    def tick(self, now):
        with self.sandbox.store.lock:
            if lifecycle.tick(self.state, now):
                self.sandbox.store.mark_dirty()

    def orders(self):
        with self.sandbox.store.lock:
            state = self.state
            return [lifecycle.describe_order(state, state["orders"][key])
                    for key in sorted(state["orders"], key=int)]

    def _find_order(self, order_id):
        state = self.state
        key = str(order_id).strip()
        if key in state["requests"]:
            return state["orders"][str(state["requests"][key]["orderId"])]
        if key in state["orders"]:
            return state["orders"][key]
        raise KeyError(order_id)

    def force_status(self, order_id, status):
        with self.sandbox.store.lock:
            order = self._find_order(order_id)
            entry = catalog.STATUS_BY_NAME.get(str(status))
            if entry is None:
                raise ValueError("unknown SoftLayer status %r; valid statuses: %s"
                                 % (status, ", ".join(s["name"] for s in catalog.STATUSES)))
            lifecycle.force(self.state, order, entry["id"], self.sandbox.clock.now())
            self.sandbox.store.mark_dirty()
            return lifecycle.describe_order(self.state, order)

    def set_expiration(self, order_id, body):
        with self.sandbox.store.lock:
            order = self._find_order(order_id)
            now = self.sandbox.clock.now()
            if "days" in body:
                days = body["days"]
                if isinstance(days, bool) or not isinstance(days, (int, float)) or abs(days) > 36500:
                    raise ValueError("days must be a number of days (from -36500 to 36500), got %r" % (days,))
                when = now + float(days) * 86400
            else:
                when = dates.parse(body["date"]) if isinstance(body["date"], str) else None
                if when is None:
                    raise ValueError("date must be an ISO 8601 date-time such as 2024-11-03T23:59:59-06:00, got %r"
                                     % (body["date"],))
            lifecycle.set_expiration(self.state, order, when)
            self.sandbox.store.mark_dirty()
            return lifecycle.describe_order(self.state, order)

    def take_error_body_quirk(self):
        """Whether this call gets the 200 error-shaped body (quirk ``error_body_200``)."""
        with self.sandbox.store.lock:
            quirks = self.config.get("quirks") or {}
            value = quirks.get("error_body_200")
            if value is True:
                return True
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                quirks["error_body_200"] = value - 1
                return True
            return False

    # -- faults -----------------------------------------------------------------------------------
    def fault_response(self, kind, rule):
        if kind in ("rate_limit", "softlayer_rate_limit"):
            return rest.json_response({"error": err.RATE_LIMIT_TEXT, "code": err.RATE_LIMIT}, status=500)
        if kind in ("http_500", "http_502", "http_503"):
            headers = {}
            if kind == "http_503" and getattr(rule, "retry_after", None) is not None:
                headers["Retry-After"] = str(rule.retry_after)
            return rest.json_response(dict(err.INTERNAL_ERROR_BODY), status=int(kind[5:]), headers=headers)
        if kind == "expired_token":
            status = int(self.config.get("expired_token_status", 401))
            return rest.json_response({"error": "Expired Token", "code": err.TOKEN}, status=status)
        if kind == "echo_request":
            return rest.json_response({"error": "Access denied for the request (%s)" % echo_of_request(request),
                                       "code": err.PUBLIC}, status=500)
        return None

    def describe(self, base_url):
        config = self.config
        endpoint = base_url.rstrip("/") + "/rest/v3.1/"
        return {
            "endpoint_url": endpoint,
            "username": config["username"],
            "api_key": config["api_key"],
            "ibm_cloud_api_key": {"username": "apikey", "api_key": config["ibm_cloud_api_key"]},
            "bearer_token": config["bearer_token"],
            "account_id": config["account_id"],
            "env": {"SL_USERNAME": config["username"], "SL_API_KEY": config["api_key"],
                    "SL_ENDPOINT_URL": endpoint},
        }
