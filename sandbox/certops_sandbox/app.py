"""The Flask application: both providers, the control API, faults, the request log, the state file."""

import copy
import json
import socket
import struct
import time

from flask import Flask, Response, g, request

from .control import control_blueprint
from .core import Clock, RequestLog, Store
from .faults import BODY_KINDS, ERROR_KINDS, FaultInjector

CONTROL_PREFIX = "/_sandbox"


def _plugin_classes():
    from .edgecast import EdgecastPlugin
    from .softlayer import SoftLayerPlugin

    return [SoftLayerPlugin, EdgecastPlugin]


def merge(base, override):
    """Deep-merge ``override`` into a copy of ``base`` (dicts only)."""
    result = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


class Sandbox:
    """Everything a running sandbox holds; one instance per Flask app."""

    def __init__(self, config=None, state_file=None, seed=None):
        self.clock = Clock()
        self.store = Store(state_file)
        self.log = RequestLog()
        self.faults = FaultInjector(seed)
        self.plugins = {}
        for cls in _plugin_classes():
            plugin = cls(self)
            self.plugins[plugin.name] = plugin
        self.defaults = {name: p.default_config() for name, p in self.plugins.items()}
        self.config = merge(self.defaults, config or {})
        self.base_url = None
        if not self.store.load():
            self.reset(keep_config=True)
        else:
            meta = self.store.data.setdefault("_sandbox", {})
            # a clock that was frozen when the state was saved comes back frozen at the same instant
            self.clock.set(meta.get("clock_offset", 0.0), meta.get("clock_frozen_at"))
            for name, plugin in self.plugins.items():
                self.store.data.setdefault(name, plugin.initial_state())

    def reset(self, keep_config=False):
        with self.store.lock:
            if not keep_config:
                self.config = copy.deepcopy(self.defaults)
            self.clock.set(offset=0.0)  # clock at zero and running (a frozen clock is unfrozen)
            self.faults.clear()
            self.store.data = {"_sandbox": {"clock_offset": 0.0, "clock_frozen_at": None}}
            for name, plugin in self.plugins.items():
                self.store.data[name] = plugin.initial_state()
                plugin.on_reset()
            self.store.mark_dirty()
        self.store.save()

    def advance(self, seconds):
        now = self.clock.advance(seconds)
        self._save_clock()
        self.tick()
        return now

    def freeze(self, frozen):
        """Freeze (``True``) or unfreeze (``False``) the clock; returns the clock time."""
        now = self.clock.freeze() if frozen else self.clock.unfreeze()
        self._save_clock()
        self.tick()
        return now

    def clock_info(self):
        return {"clock": self.clock.now(), "clock_offset": self.clock.offset, "frozen": self.clock.frozen}

    def _save_clock(self):
        with self.store.lock:
            meta = self.store.data.setdefault("_sandbox", {})
            meta["clock_offset"] = self.clock.offset
            meta["clock_frozen_at"] = self.clock.frozen_at
            self.store.mark_dirty()

    def tick(self):
        now = self.clock.now()
        with self.store.lock:
            for plugin in self.plugins.values():
                plugin.tick(now)

    def provider_for(self, path):
        for name, plugin in self.plugins.items():
            if any(path.startswith(prefix) for prefix in plugin.prefixes):
                return name
        return None

    def update_config(self, override):
        self.config = merge(self.config, override)
        return self.config


def _reset_connection():
    """Mark the connection to be dropped (with a TCP reset, no HTTP answer) once the request is logged."""
    g.reset_connection = True
    # werkzeug's writes to the dropped socket fail quietly; this body never reaches the client
    return Response("", status=500)


def _drop_socket():
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def create_app(config=None, state_file=None, seed=None):
    """Build the sandbox app. ``config`` overrides the providers' defaults (deep-merged)."""
    sandbox = Sandbox(config=config, state_file=state_file, seed=seed)
    app = Flask("certops_sandbox")
    app.config["SANDBOX"] = sandbox
    app.json.sort_keys = False
    app.json.compact = True

    for plugin in sandbox.plugins.values():
        app.register_blueprint(plugin.blueprint())
    app.register_blueprint(control_blueprint(sandbox), url_prefix=CONTROL_PREFIX)

    @app.before_request
    def _before():
        # real time on purpose: "ms" in the request log and the latency fault measure how long the
        # server really took, which a frozen or advanced sandbox clock must not change
        g.started = time.monotonic()
        g.fault = None
        path = request.path
        g.provider = sandbox.provider_for(path)
        if g.provider is None:
            return None
        sandbox.tick()
        rule = sandbox.faults.pick(g.provider, request.method, path)
        if rule is None:
            return None
        g.fault = rule
        if rule.kind == "latency":
            # a real delay, not sandbox-clock time: it is there to exercise the client's socket timeouts
            # ("after": the request is processed first and only its answer is late)
            if rule.when != "after":
                time.sleep(rule.latency)
            return None
        if rule.when == "after" or rule.kind in BODY_KINDS:
            return None
        if rule.kind == "reset":
            return _reset_connection()
        if rule.kind in ERROR_KINDS:
            return sandbox.plugins[g.provider].fault_response(rule.kind, rule)
        return None

    @app.after_request
    def _after(response):
        rule = getattr(g, "fault", None)
        if rule is not None and g.provider is not None:
            if rule.kind in BODY_KINDS:
                response = _spoil_body(response, rule.kind)
            elif rule.when == "after" and rule.kind == "latency":
                time.sleep(rule.latency)
            elif rule.when == "after" and rule.kind == "reset":
                response = _reset_connection()
            elif rule.when == "after" and rule.kind in ERROR_KINDS:
                response = sandbox.plugins[g.provider].fault_response(rule.kind, rule) or response
        if not request.path.startswith(CONTROL_PREFIX):
            sandbox.log.add(
                t=round(sandbox.clock.now(), 3), method=request.method, path=request.path,
                query=request.query_string.decode("latin-1"), provider=g.get("provider"),
                status=response.status_code, fault=rule.kind if rule is not None else None,
                rate_limited=bool(g.get("rate_limited")),
                ms=round((time.monotonic() - g.get("started", time.monotonic())) * 1000, 1))
        sandbox.store.save()
        if g.get("reset_connection"):
            _drop_socket()
        return response

    return app


def _spoil_body(response, kind):
    if kind == "malformed_json":
        body = b"<html><body>502 Bad Gateway</body></html>" if response.status_code >= 400 else b"{\"ok\": tru"
        spoiled = Response(body, status=200, content_type="application/json")
    else:
        data = response.get_data()
        if len(data) < 2:
            data = json.dumps({"truncated": "x" * 32}).encode()
        spoiled = Response(data[: max(1, len(data) // 2)], status=response.status_code,
                           content_type=response.content_type)
    return spoiled
