"""Fault injection by rate or by script, per route.

A rule (JSON, through ``POST /_sandbox/faults`` or ``--fault`` on the command line)::

    {"kind": "rate_limit",          # see KINDS
     "provider": "edgecast",        # optional: softlayer | edgecast (default: both)
     "path": "/sec/cps/v2.0/certificates",  # optional regular expression, re.search on the path
     "method": "GET",               # optional: one method or a list
     "rate": 0.2,                   # optional: probability per matching request ...
     "count": 3,                    # ... or a script: the next N matching requests (default 1)
     "skip": 0,                     # optional: let this many matching requests pass first
     "when": "before",              # before (request not processed) or after (processed, then
                                    #   the answer is replaced, or for latency delayed); errors,
                                    #   resets and latency only
     "retry_after": 2,              # seconds, for rate_limit / http_503
     "latency": 1.5}                # seconds, for kind latency

A rule with neither ``rate`` nor ``count`` fires once. Rules with ``rate`` use a seeded random
generator (``seed`` in the sandbox config) so a run can be repeated.
"""

import random
import re
import threading

KINDS = (
    "rate_limit",            # 429 + Retry-After (Edgecast); SoftLayer's own rate-limit 500 on SoftLayer routes
    "softlayer_rate_limit",  # SoftLayer's HTTP 500 SoftLayer_Exception_WebService_RateLimitExceeded
    "http_500",
    "http_502",
    "http_503",
    "latency",               # added delay, then the real answer
    "reset",                 # the connection is dropped without an answer
    "malformed_json",        # 200 with a body that is not JSON
    "truncated_json",        # the real answer cut in the middle
    "expired_token",         # Edgecast: the presented bearer token expires now, 401
    "echo_request",          # an error whose text echoes the request's Authorization header and body
)

ERROR_KINDS = ("rate_limit", "softlayer_rate_limit", "http_500", "http_502", "http_503", "expired_token",
               "echo_request")
BODY_KINDS = ("malformed_json", "truncated_json")


def echo_of_request(req):
    """What a careless provider's error page repeats: the ``Authorization`` header and the body as sent."""
    return "Authorization: %s; body: %s" % (req.headers.get("Authorization", "(none)"),
                                            req.get_data(as_text=True) or "(empty)")


class FaultError(ValueError):
    pass


class Rule:
    _ids = 0

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise FaultError("a fault rule is a JSON object")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError("unknown fault kind %r; valid kinds: %s" % (kind, ", ".join(KINDS)))
        unknown = set(spec) - {"kind", "provider", "path", "method", "rate", "count", "skip", "when",
                               "retry_after", "latency"}
        if unknown:
            raise FaultError("unknown fault rule keys: %s" % ", ".join(sorted(unknown)))
        self.kind = kind
        self.provider = spec.get("provider")
        if self.provider not in (None, "softlayer", "edgecast"):
            raise FaultError("provider must be softlayer or edgecast")
        self.path = spec.get("path")
        try:
            self._path_re = re.compile(self.path) if self.path else None
        except re.error as exc:
            raise FaultError("path is not a regular expression: %s" % exc)
        method = spec.get("method")
        self.methods = None if method is None else {m.upper() for m in ([method] if isinstance(method, str) else method)}
        self.rate = spec.get("rate")
        if self.rate is not None and not 0 <= float(self.rate) <= 1:
            raise FaultError("rate must be between 0 and 1")
        self.count = spec.get("count")
        if self.rate is None and self.count is None:
            self.count = 1
        self.skip = int(spec.get("skip", 0))
        self.when = spec.get("when", "before")
        if self.when not in ("before", "after"):
            raise FaultError("when must be before or after")
        self.retry_after = spec.get("retry_after", 1)
        self.latency = float(spec.get("latency", 0.5))
        self.fired = 0
        self.seen = 0
        Rule._ids += 1
        self.id = Rule._ids

    def matches(self, provider, method, path):
        if self.provider and self.provider != provider:
            return False
        if self.methods and method.upper() not in self.methods:
            return False
        if self._path_re and not self._path_re.search(path):
            return False
        return True

    def exhausted(self):
        return self.count is not None and self.fired >= int(self.count)

    def as_dict(self):
        return {"id": self.id, "kind": self.kind, "provider": self.provider, "path": self.path,
                "method": sorted(self.methods) if self.methods else None, "rate": self.rate,
                "count": self.count, "skip": self.skip, "when": self.when,
                "retry_after": self.retry_after, "latency": self.latency,
                "fired": self.fired, "seen": self.seen}


class FaultInjector:
    def __init__(self, seed=None):
        self._rules = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.fired_total = 0

    def add(self, spec):
        rule = Rule(spec)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self):
        with self._lock:
            self._rules = []

    def rules(self):
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def pick(self, provider, method, path):
        """The rule that fires for this request, or None. Script rules are used up as they fire."""
        with self._lock:
            for rule in self._rules:
                if rule.exhausted() or not rule.matches(provider, method, path):
                    continue
                rule.seen += 1
                if rule.seen <= rule.skip:
                    continue
                if rule.rate is not None and self._random.random() >= float(rule.rate):
                    continue
                rule.fired += 1
                self.fired_total += 1
                return rule
        return None
