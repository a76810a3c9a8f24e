"""Sandbox core: the clock, the state store, the request log and the provider plug-in contract.

Every provider plug-in (``softlayer``, ``edgecast``) keeps its whole state as plain JSON data in
``store.data[<provider name>]`` so that the optional state file can persist it, and computes
lifecycle transitions lazily from the sandbox clock in ``tick(now)``: an order's schedule is fixed
when the order is created (absolute clock times), so a restart with a state file, or a jump of the
clock through the control API, lands every order in the status it would have reached.
"""

import collections
import json
import os
import tempfile
import threading
import time


class Clock:
    """Wall clock plus an offset that the control API can move forward; it can also be frozen.

    Frozen, the clock stops at the instant it was frozen and only ``advance`` moves it. Tests freeze
    it so that the statuses they check depend on the seconds they advanced, not on how fast the
    machine ran between two requests (a loaded CI machine is slow, not wrong). Unfreezing resumes
    from the frozen instant (the offset absorbs the real time that passed), so time never jumps.
    While frozen, ``offset`` is the offset of the moment of the freeze plus what was advanced since.
    """

    def __init__(self, offset=0.0, frozen_at=None):
        self.offset = float(offset)
        #: the clock time it stands at while frozen, else None
        self.frozen_at = None if frozen_at is None else float(frozen_at)
        self._lock = threading.Lock()

    @property
    def frozen(self):
        return self.frozen_at is not None

    def now(self):
        with self._lock:
            if self.frozen_at is not None:
                return self.frozen_at
            return time.time() + self.offset

    def advance(self, seconds):
        with self._lock:
            self.offset += float(seconds)
            if self.frozen_at is not None:
                self.frozen_at += float(seconds)
        return self.now()

    def freeze(self):
        """Stop the clock where it stands now (a no-op when it is already frozen)."""
        with self._lock:
            if self.frozen_at is None:
                self.frozen_at = time.time() + self.offset
        return self.now()

    def unfreeze(self):
        """Let the clock run again from the frozen instant (a no-op when it is running)."""
        with self._lock:
            if self.frozen_at is not None:
                self.offset = self.frozen_at - time.time()
                self.frozen_at = None
        return self.now()

    def set(self, offset=0.0, frozen_at=None):
        """Put the clock in a given state (reset, or a state file being loaded)."""
        with self._lock:
            self.offset = float(offset)
            self.frozen_at = None if frozen_at is None else float(frozen_at)


class Store:
    """Thread-safe JSON state with optional persistence to a state file.

    ``lock`` guards ``data``; plug-ins take it (it is re-entrant) around every read-modify-write
    and call ``mark_dirty()`` after a change. The app saves a dirty store after each request.
    """

    def __init__(self, path=None):
        self.path = path
        self.lock = threading.RLock()
        self.data = {}
        self.dirty = False

    def load(self):
        """Read the state file if there is one; returns True when state was loaded."""
        if not self.path or not os.path.exists(self.path):
            return False
        with open(self.path, encoding="utf-8") as handle:
            loaded = json.load(handle)
        with self.lock:
            self.data = loaded
            self.dirty = False
        return True

    def mark_dirty(self):
        self.dirty = True

    def save(self, force=False):
        if not self.path:
            return
        with self.lock:
            if not (self.dirty or force):
                return
            text = json.dumps(self.data, sort_keys=True)
            self.dirty = False
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".sandbox-state-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, self.path)


class RequestLog:
    """Every request the sandbox answered, for tests and benchmarks (bounded ring)."""

    def __init__(self, maxlen=200000):
        self._entries = collections.deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._seq = 0

    def add(self, **entry):
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def entries(self, since=0, provider=None):
        with self._lock:
            items = [e for e in self._entries if e["seq"] > since]
        if provider:
            items = [e for e in items if e.get("provider") == provider]
        return items

    @property
    def last_seq(self):
        return self._seq

    def clear(self):
        with self._lock:
            self._entries.clear()


class ProviderPlugin:
    """What a provider contributes to the sandbox (sub-classed by each provider package).

    Attributes set by the core: ``sandbox`` (clock, store, config, log).
    """

    #: short name, also the key of the provider's state and config
    name = ""
    #: URL path prefixes that belong to this provider (for faults and the request log)
    prefixes = ()

    def __init__(self, sandbox):
        self.sandbox = sandbox

    # -- wiring ------------------------------------------------------------------------
    def blueprint(self):
        """Return the Flask blueprint that serves the provider's API."""
        raise NotImplementedError

    def default_config(self):
        """Durations, credentials and switches, as plain JSON data."""
        return {}

    @property
    def config(self):
        return self.sandbox.config[self.name]

    @property
    def state(self):
        return self.sandbox.store.data[self.name]

    def initial_state(self):
        """The provider's state after a reset (plain JSON data)."""
        return {}

    def on_reset(self):
        """Forget what the provider keeps outside its state (``POST /_sandbox/reset``)."""

    # -- lifecycle -----------------------------------------------------------------------
    def tick(self, now):
        """Apply every transition due at clock time ``now``."""

    def orders(self):
        """All orders/certificate requests as plain data, for the control API."""
        return []

    def force_status(self, order_id, status):
        """Move one order to ``status`` now (control API); return the order or raise KeyError."""
        raise KeyError(order_id)

    def set_expiration(self, order_id, body):
        """Move an issued certificate's expiration (control API, ``{"days": N}`` or ``{"date": ISO}``);
        return the order, or raise KeyError (unknown id) or ValueError (bad body, not issued)."""
        raise NotImplementedError("the %s sandbox has no expiration control" % self.name)

    # -- faults --------------------------------------------------------------------------
    def fault_response(self, kind, rule):
        """A Flask response for an injected fault of ``kind`` in this provider's error shape.

        kinds: rate_limit, softlayer_rate_limit, http_500, http_502, http_503, expired_token, echo_request.
        Return None when the kind does not apply to this provider.
        """
        return None

    def describe(self, base_url):
        """What the CLI prints: the provider's URLs and sandbox credentials."""
        return {}
