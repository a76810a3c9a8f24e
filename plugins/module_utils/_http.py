# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP seam of certops.orders (private: not for use outside this collection).

Every provider client talks HTTP through :class:`HttpClient`, a thin layer over a
``requests.Session`` that:

- joins paths to a base URL and passes ``timeout``, ``verify`` (``validate_certs`` / ``ca_path``)
  and proxies on *every* request (``Session.verify`` alone is overridden by ``REQUESTS_CA_BUNDLE``);
- applies an auth hook, and lets it renew credentials on a 401, at most :data:`MAX_RENEWALS` times
  per request;
- retries reads and idempotent calls, never anything else, on connection errors, timeouts,
  throttling, 5xx other than 501, and answers whose JSON is broken, with jittered exponential
  backoff that honours ``Retry-After``;
- takes every attempt's timeout and every pause from the task's :class:`Budget`: no retry starts
  after the deadline, and a ``Retry-After`` longer than what is left fails the call at once;
- lets no attempt outlive the budget's hard end: a socket timeout bounds each receive, not the
  whole answer, so a watchdog shuts the socket of an attempt still running at the hard end, whether
  it waits for the status line, the headers or the body;
- paces its attempts, when given ``max_rate``, to at most that many starts in any second, a few at
  once and the rest spread out, shared by every thread of the run (a provider with a documented rate limit refuses what comes faster);
- reads no answer larger than ``max_response_size``: a ``Content-Length`` above it is refused before
  the body is read, and a body that grows past it is abandoned as it arrives;
- turns every failure into one :class:`ApiError` carrying the HTTP status, method, URL, and the
  provider's code and message, with no secret in it: whatever the provider echoes back passes
  :meth:`Secrets.redact`, which knows every form of every credential of the run (:class:`Secrets`).
"""

from __future__ import annotations

import base64
import email.utils
import json
import math
import random
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any, NamedTuple, Protocol

try:
    import requests
    import requests.adapters
    import urllib3.connection
    import urllib3.connectionpool
    import urllib3.exceptions
    import urllib3.poolmanager
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget

RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
#: How many times one request may renew its credentials after a 401 before the 401 is final. One
#: renewal covers a token that expired or was revoked while in use. The second covers a token
#: revoked between its issue and its first use: after a revocation the provider may refuse the
#: token that replaced it too (a revocation sweep, or another thread's request that got the new
#: token refused first). A third refusal of credentials fetched moments ago is no accident: the
#: provider does not accept them, and renewing again would only spend the task's time.
MAX_RENEWALS = 2
#: bytes read at a time from an answer, between two looks at the clock
CHUNK = 65536
#: what stands in for a credential in every text that leaves a task (Ansible's own mask)
MASK = "********"
#: characters of a non-JSON error body quoted in a message
SNIPPET = 200
#: The largest answer read unless ``max_response_size`` says otherwise: far above any real answer
#: (a page of 100 SoftLayer requests with their CSRs is a few hundred KiB), far below what hurts the
#: host that runs the task (the body is held in memory, then decoded).
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
#: The range ``max_response_size`` accepts: below 1 KiB not even an error body fits; above 1 GiB the
#: cap protects nothing.
MIN_RESPONSE_SIZE = 1024
MAX_RESPONSE_SIZE = 1024 * 1024 * 1024


def _sleep(seconds: float) -> None:
    # looked up at call time, so that tests can replace this module's ``time``
    time.sleep(seconds)


def _monotonic() -> float:
    # looked up at call time, so that tests can replace this module's ``time``
    return time.monotonic()


class RateLimiter:
    """At most ``max_rate`` starts in any window of ``per`` seconds: up to ``burst`` of them at once,
    the rest spread evenly, ``per / (max_rate - burst)`` seconds apart (a generic cell-rate
    algorithm). Safe to share between threads.

    Spread, not in bursts of ``max_rate``: a provider counts requests when they arrive, and a
    request that waited for a thread or a connection arrives later than it was let go. With whole
    bursts, the late tail of one burst and the punctual head of the next land within one second of
    each other, and the provider sees more than ``max_rate`` (measured against the sandbox: 51 of 50
    with eight threads). The small burst lets a short task's few requests go at once.

    :meth:`acquire` reserves the next start under the lock and sleeps until it outside the lock,
    so threads waiting together are served in the order they came.
    """

    def __init__(self, max_rate: int, per: float = 1.0, burst: int = 1, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        if not 1 <= burst < max_rate:
            raise ValueError("max_rate must be more than burst, and burst at least 1; got max_rate=%r, burst=%r"
                             % (max_rate, burst))
        self.max_rate = max_rate
        self.burst = burst
        self.interval = float(per) / (max_rate - burst)
        self.clock = clock or _monotonic
        self.sleep = sleep or _sleep
        self._lock = threading.Lock()
        self._due: float | None = None  # when the next start would be due at the steady pace

    def acquire(self) -> float:
        """Wait for the next free start and return it (on :attr:`clock`)."""
        with self._lock:
            now = self.clock()
            due = now if self._due is None else max(self._due, now)
            start = due - (self.burst - 1) * self.interval
            if start <= now + 1e-9:  # within the burst (rounding must not turn into a pause)
                start = now
            self._due = due + self.interval
        if start > now:
            self.sleep(start - now)
        return start


class ApiError(Exception):
    """A failed provider call.

    ``status`` is the HTTP status (None when no answer arrived), ``code`` and ``provider_message``
    come from the provider's error body, ``ambiguous`` is true when the request may have been
    processed although no usable answer arrived (timeouts, resets, 5xx, broken bodies).
    """

    def __init__(self, msg: str, status: int | None = None, method: str | None = None, url: str | None = None,
                 code: str | None = None, provider_message: str | None = None, body: Any = None, ambiguous: bool = False,
                 retryable: bool = False, attempts: int = 1) -> None:
        super().__init__(msg)
        self.msg = msg
        self.status = status
        self.method = method
        self.url = url
        self.code = code
        self.provider_message = provider_message
        self.body = body
        self.ambiguous = ambiguous
        self.retryable = retryable
        self.attempts = attempts

    def __str__(self) -> str:
        if self.method and self.url and self.url not in self.msg:
            return "%s %s: %s" % (self.method, self.url, self.msg)
        return self.msg

    def to_result(self) -> dict:
        """The keys a failed task reports next to ``msg`` (plain JSON types only)."""
        result = {
            "http_status": self.status,
            "http_method": self.method,
            "http_url": self.url,
            "provider_code": self.code,
            "provider_message": self.provider_message,
        }
        if self.attempts > 1:
            result["attempts"] = self.attempts
        return result


def encoded_forms(value: str) -> set[str]:
    """``value`` as it may come back from a provider that echoes a request: raw, URL-encoded (with and
    without ``/`` kept), form-encoded (how a token request's body carries a client secret), and
    escaped inside a JSON string."""
    return {value, quote(value), quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1],
            json.dumps(value, ensure_ascii=False)[1:-1]}


def basic_values(user: str, password: str) -> set[str]:
    """The value of an HTTP Basic header for ``user:password``: base64 of the pair in latin-1 (what
    requests sends) and in UTF-8 (what other clients send for characters latin-1 lacks)."""
    pair = "%s:%s" % (user, password)
    values = set()
    for encoding in ("latin-1", "utf-8"):
        try:
            values.add(base64.b64encode(pair.encode(encoding)).decode("ascii"))
        except UnicodeEncodeError:
            continue
    return values


class Secrets:
    """The credentials of one module run, in every form they take on the wire, and the one redaction.

    Whoever holds a credential registers it (the auth hooks: an API key and its HTTP Basic pair, a
    client secret, each bearer token as it is issued); :meth:`redact` then replaces every registered
    form in a text, or in every string of a JSON-like value, with ``********``. ``sink`` receives the
    new forms of each registration: the runners pass the module's ``no_log_values``, so that Ansible
    masks them too wherever it shows output. Safe to share between worker threads.
    """

    def __init__(self, sink: Callable[[set[str]], None] | None = None) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._forms: tuple[str, ...] = ()  # longest first, replaced whole on each registration

    @property
    def forms(self) -> frozenset[str]:
        return frozenset(self._forms)

    def register(self, *values: str | None) -> None:
        """Record ``values`` (empty ones are ignored) in each of their :func:`encoded_forms`."""
        fresh = set()
        for value in values:
            if isinstance(value, str) and value:
                fresh.update(encoded_forms(value))
        self._add(fresh)

    def register_basic(self, user: str, password: str) -> None:
        """Record ``password`` and the HTTP Basic header value of the pair."""
        self.register(password, *sorted(basic_values(user, password)))

    def _add(self, forms: set[str]) -> None:
        with self._lock:
            fresh = set(f for f in forms if f) - set(self._forms)
            if not fresh:
                return
            # longest first: a secret that contains another is replaced whole, leaving no tail of it
            self._forms = tuple(sorted(set(self._forms) | fresh, key=lambda form: (-len(form), form)))
            if self._sink is not None:
                self._sink(fresh)

    def redact(self, value: Any) -> Any:
        """``value`` with every registered form replaced by ``********``: a string, or a dict, list or
        tuple whose strings (keys included) are replaced recursively; anything else as it is."""
        return _redact(value, self._forms)

    def redact_error(self, error: ApiError) -> ApiError:
        """``error`` with every text that may come from the provider redacted (in place)."""
        error.msg = self.redact(error.msg)
        error.args = (error.msg,)
        error.code = self.redact(error.code)
        error.provider_message = self.redact(error.provider_message)
        error.body = self.redact(error.body)
        return error


def _redact(value: Any, forms: tuple[str, ...]) -> Any:
    if not forms:
        return value
    if isinstance(value, str):
        for form in forms:
            if form in value:
                value = value.replace(form, MASK)
        return value
    if isinstance(value, dict):
        return dict((_redact(key, forms), _redact(item, forms)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_redact(item, forms) for item in value)
    return value


def safe_url(url: str) -> str:
    """``url`` without user info (a password in a URL must never reach a message)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def join_url(base: str, path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date), or None when
    the header says nothing usable (then the backoff decides)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                return None
            seconds = email.utils.mktime_tz(parsed) - (time.time() if now is None else now)
        except (ValueError, OverflowError, TypeError, IndexError):
            return None  # a date the calendar cannot hold (year 0, year 10000, a field out of range)
    if not math.isfinite(seconds):
        return None  # "inf" and "nan" parse as floats, but are no pause
    return max(0.0, seconds)


class RetryPolicy:
    """Bounded retries with full-jitter exponential backoff; ``Retry-After`` wins when given (the
    budget decides whether it fits)."""

    def __init__(self, retries: int = 4, backoff: float = 0.5, backoff_cap: float = 10.0, jitter: bool = True,
                 rng: random.Random | None = None) -> None:
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.backoff_cap = float(backoff_cap)
        self.jitter = jitter
        self._rng = rng or random.Random()

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to sleep before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return float(retry_after)
        ceiling = min(self.backoff_cap, self.backoff * (2 ** (attempt - 1)))
        if not self.jitter:
            return ceiling
        return self._rng.uniform(ceiling / 2.0, ceiling)


def default_error_parser(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a JSON error body, for providers without a parser of their own."""
    if isinstance(body, dict):
        code = body.get("code") or body.get("error_code")
        message = body.get("error") or body.get("message") or body.get("title") or body.get("description")
        return (code if isinstance(code, str) else None, message if isinstance(message, str) else None)
    return None, None


class Response:
    """What a successful call returns: status, headers and the decoded JSON body (or None), and the
    method and URL (without credentials) that were sent."""

    def __init__(self, status: int, headers: Mapping[str, str], data: Any, url: str, method: str | None = None) -> None:
        self.status = status
        self.headers = headers
        self.data = data
        self.url = url
        self.method = method


class Applied(NamedTuple):
    """What an auth hook's ``apply`` returns: the ``generation`` of the credentials it put on the
    request (handed back to ``renew`` after a 401), and a ``(user, password)`` pair for HTTP Basic,
    or None when it set the headers itself."""

    generation: int
    basic: tuple[str, str] | None = None


class Auth(Protocol):
    """What :class:`HttpClient` expects of its ``auth`` hook (see there); for type checking only."""

    def apply(self, headers: dict) -> Applied: ...

    def renew(self, generation: int) -> bool: ...


# -- the watchdog of an attempt ------------------------------------------------------------------------
#: the attempt the current thread is running (worker threads each run their own)
_CURRENT = threading.local()

#: what an attempt was doing when the budget ran out, as a message says it (``%s``: the budget)
PHASES = {
    "connecting": "%s ran out while connecting to the provider; nothing was sent",
    "sending": "%s ran out while the request was being sent; the request may or may not have been processed",
    "headers": "%s ran out while the answer's status line and headers were arriving; the request may or may not "
               "have been processed",
    "body": "the answer was still arriving when %s ran out; the request may or may not have been processed",
}


class Attempt:
    """One HTTP attempt's watchdog.

    A socket timeout bounds each receive, not the answer: a provider that sends one byte of its
    status line a second, each within the timeout, would hold the attempt for as long as it likes.
    So :meth:`start` arms a timer for the budget's hard end; when it fires, the socket of the
    connection the attempt uses is shut down, the receive it is blocked in returns at once, and
    :attr:`fired` tells the seam why the answer broke off. The connection classes below tell the
    attempt of their thread which connection it uses and what it is doing (:func:`_note`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._conn: Any = None
        self.phase = "connecting"
        self.fired = False
        self.fired_in = ""
        self.done = False

    def start(self, seconds: float) -> None:
        if seconds == float("inf"):
            return  # a budget without an end: nothing to enforce
        self._timer = threading.Timer(max(0.0, seconds), self.fire)
        self._timer.daemon = True
        self._timer.start()

    def use(self, conn: Any, phase: str) -> None:
        with self._lock:
            self._conn, self.phase = conn, phase
            if self.fired:  # the hard end passed before this connection had a socket
                _shut(conn)

    def fire(self) -> None:
        # under the lock, so that a connection handed back to the pool is never shut afterwards
        with self._lock:
            if self.done:
                return
            self.fired, self.fired_in = True, self.phase
            if self._conn is not None:
                _shut(self._conn)

    def finish(self) -> None:
        with self._lock:
            self.done = True
        if self._timer is not None:
            self._timer.cancel()

    def failure(self, budget: Budget) -> ApiError:
        """The error of an attempt the watchdog ended: never retried (the budget is spent), and
        ambiguous once the request may have left."""
        phase = self.fired_in if self.fired_in in PHASES else "headers"
        return ApiError(PHASES[phase] % budget.describe(), retryable=False, ambiguous=phase != "connecting")


def _shut(conn: Any) -> None:
    """Shut down the socket of ``conn`` (the plain socket call: ``SSLSocket.shutdown`` would also drop
    the TLS state that the blocked reader is still using)."""
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError, TypeError):
        pass  # already closed, or not a socket this seam can shut: the receive timeout still applies


def _note(conn: Any, phase: str) -> None:
    attempt = getattr(_CURRENT, "attempt", None)
    if attempt is not None:
        attempt.use(conn, phase)


if HAS_REQUESTS:
    class _Watched:
        """Tells the current thread's :class:`Attempt` which connection it uses and what it does."""

        def connect(self) -> None:
            _note(self, "connecting")
            super().connect()  # type: ignore[misc]

        def request(self, *args: Any, **kwargs: Any) -> None:
            _note(self, "sending")
            super().request(*args, **kwargs)  # type: ignore[misc]

        def getresponse(self, *args: Any, **kwargs: Any) -> Any:
            _note(self, "headers")
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    class _HTTPConnection(_Watched, urllib3.connection.HTTPConnection):
        pass

    class _HTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
        pass

    class _HTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
        ConnectionCls = _HTTPConnection

    class _HTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
        ConnectionCls = _HTTPSConnection

    _POOLS = {"http": _HTTPConnectionPool, "https": _HTTPSConnectionPool}

    class WatchedAdapter(requests.adapters.HTTPAdapter):
        """requests' adapter, with pools whose connections report to the current :class:`Attempt`."""

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = _POOLS

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            # an HTTP(S) proxy uses urllib3's standard pools, replaced here; a SOCKS proxy brings its
            # own, left alone (its attempts keep the receive timeout only)
            if getattr(manager, "pool_classes_by_scheme", None) is urllib3.poolmanager.pool_classes_by_scheme:
                manager.pool_classes_by_scheme = _POOLS
            return manager


class HttpClient:
    """The HTTP seam. One instance per module run; safe to share between worker threads.

    ``auth`` is an object with ``apply(headers)`` and ``renew(generation)``. ``apply`` adds
    credentials to a request's headers and returns an :class:`Applied`: the generation of the
    credentials used, and a ``(user, password)`` pair for HTTP Basic or None. After a 401,
    ``renew(generation)`` gets the request credentials newer than the generation that was refused
    and returns True when there are some (it fetches them only if nobody has yet, so threads refused
    together share one renewal), False when it has nothing newer (fixed credentials); the request is
    then repeated, at most :data:`MAX_RENEWALS` times, without counting as a retry.
    ``error_parser(body)`` returns the provider's ``(code, message)`` from a decoded error body;
    ``retryable_codes`` lists provider codes that make any answer retryable for reads (5xx and 429
    are retryable anyway). ``classify(status, code, message, retryable)`` may overrule that verdict
    for a provider whose business-rule failures come as HTTP 500; ``body_error(data)`` returns
    ``(code, message)`` when a 2xx answer's body is really an error (treated as a retryable failure
    with that status); ``refusal_codes`` lists provider codes of 5xx answers that say the request was
    refused before it was processed (a rate limit), so that they are not ambiguous for a call that
    changes state. ``budget`` is the task's :class:`Budget` (none: no time limit). ``secrets`` is the
    run's :class:`Secrets` (none: a registry of its own); every failure is redacted with it.
    ``max_response_size`` is the most bytes of one answer's body that are read. ``max_rate``, when
    set, paces every attempt of this client (retries and renewed requests included, whichever thread
    sends them) to at most that many starts in any one second, ``burst`` of them at once
    (:class:`RateLimiter`).
    """

    def __init__(self, base_url: str, timeout: float = 30, validate_certs: bool = True, ca_path: str | None = None,
                 proxy_url: str | None = None, auth: Auth | None = None, retry: RetryPolicy | None = None,
                 error_parser: Callable[[Any], tuple[str | None, str | None]] | None = None,
                 user_agent: str = "certops.orders", headers: dict | None = None, pool_size: int = 16,
                 sleep: Callable[[float], None] | None = None, session: requests.Session | None = None,
                 retryable_codes: Iterable[str] = (), classify: Callable[[int, str | None, str | None, bool], bool] | None = None,
                 body_error: Callable[[Any], tuple[str | None, str | None] | None] | None = None,
                 refusal_codes: Iterable[str] = (), budget: Budget | None = None, secrets: Secrets | None = None,
                 max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE, max_rate: int | None = None, burst: int = 1) -> None:
        if not HAS_REQUESTS:
            raise RuntimeError("requests is required")
        self.base_url = base_url
        self.budget = budget or Budget(None, timeout)
        self.secrets = Secrets() if secrets is None else secrets
        self.verify = (ca_path or True) if validate_certs else False
        self.proxies = {"http": proxy_url, "https": proxy_url} if proxy_url else None
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.error_parser = error_parser or default_error_parser
        self.retryable_codes = frozenset(retryable_codes)
        self.refusal_codes = frozenset(refusal_codes)
        self.classify = classify
        self.body_error = body_error
        self.sleep = sleep or _sleep
        self.max_response_size = int(max_response_size)
        self.limiter = RateLimiter(max_rate, burst=burst, clock=_monotonic, sleep=self.sleep) \
            if max_rate else None
        self.headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self.headers.update(headers or {})
        self.session = session or requests.Session()
        if session is None:
            adapter = WatchedAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    # -- public API --------------------------------------------------------------------------
    def get(self, path: str, params: dict | None = None, **kwargs: Any) -> Response:
        return self.request("GET", path, params=params, idempotent=True, **kwargs)

    def post(self, path: str, json_body: Any = None, idempotent: bool = False, **kwargs: Any) -> Response:
        return self.request("POST", path, json_body=json_body, idempotent=idempotent, **kwargs)

    def request(self, method: str, path: str, params: dict | None = None, json_body: Any = None, form: dict | None = None,
                idempotent: bool | None = None, headers: dict | None = None, use_auth: bool = True, expect_json: bool = True,
                allow_status: Container[int] = ()) -> Response:
        """Send one call; retry it only when ``idempotent`` (default: GET/HEAD/OPTIONS only).

        Returns a :class:`Response` for 2xx answers and for statuses in ``allow_status``;
        raises :class:`ApiError` otherwise.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in ("GET", "HEAD", "OPTIONS")
        url = join_url(self.base_url, path)
        shown_url = safe_url(url)
        attempt = 0
        renewals = 0
        while True:
            attempt += 1
            retry_after = None
            try:
                response, body, generation = self._send(method, url, params, json_body, form, headers, use_auth)
            except ApiError as exc:  # transport failure, already described
                if exc.url is not None:  # the auth hook's own request failed: described and retried already
                    raise self.secrets.redact_error(exc)
                exc.url, exc.method, exc.attempts = shown_url, method, attempt
                error = exc
            else:
                status = response.status_code
                if status == 401 and generation is not None and renewals < MAX_RENEWALS and self.auth.renew(generation):
                    # newer credentials: the gateway refused the request before processing it, so
                    # even a call that is never retried may go again
                    renewals += 1
                    attempt -= 1
                    continue
                if 200 <= status < 300 or status in allow_status:
                    try:
                        data = self._decode(response, body, expect_json)
                    except ValueError as exc:
                        error = ApiError("the provider's answer is not valid JSON (%s)" % exc, status=status,
                                         method=method, url=shown_url, ambiguous=True, retryable=True, attempts=attempt)
                    else:
                        inside = self.body_error(data) if self.body_error is not None else None
                        if inside is None:
                            return Response(status, response.headers, data, shown_url, method)
                        code, message = inside
                        error = ApiError("%s %s failed: HTTP %s with an error body%s: %s" % (
                            method, shown_url, status, " %s" % code if code else "", message), status=status,
                            method=method, url=shown_url, code=code, provider_message=message, body=data,
                            ambiguous=True, retryable=True, attempts=attempt)
                else:
                    error = self._error(response, body, method, shown_url, attempt)
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    if status == 401 and renewals:
                        # renewed and refused again: the call ends here, but a wait treats it as a poll
                        # without an answer and goes on (random revocation must not end a long wait)
                        self.secrets.redact_error(error)
                        error.retryable = True
                        error.msg = ("%s; refused again after the credentials were renewed %d time%s for this request, so "
                                     "the provider does not accept them (check the client's permissions)"
                                     % (error.msg, renewals, "s" if renewals > 1 else ""))
            # whatever the provider (or a transport error) said may echo the request: the Authorization
            # header, a token request's form body
            self.secrets.redact_error(error)
            if error.status == 401 or not (idempotent and error.retryable and attempt <= self.retry.retries):
                raise error
            self._pause(self.retry.delay(attempt, retry_after), retry_after, error)

    def close(self) -> None:
        self.session.close()

    # -- internals --------------------------------------------------------------------------
    def _pause(self, delay: float, retry_after: float | None, error: ApiError) -> None:
        """Sleep before a retry, if the budget has room for the pause and an attempt after it;
        otherwise raise ``error``, saying why it was not retried."""
        budget = self.budget
        if retry_after is not None and not budget.room_for(retry_after):
            error.retryable = False  # waiting any longer cannot help: the provider said when to come back
            error.msg = ("%s; the provider asks to retry after %ds (Retry-After), more than the %ds left of %s, so "
                         "the task ends now" % (error.msg, retry_after, budget.remaining(), budget.describe()))
            raise error
        if not budget.room_for(delay):
            error.msg = "%s; not retried: %s has no room for another attempt" % (error.msg, budget.describe())
            raise error
        self.sleep(delay)

    def _send(self, method: str, url: str, params: dict | None, json_body: Any, form: dict | None,
              extra_headers: dict | None, use_auth: bool) -> tuple[requests.Response, bytes, int | None]:
        """One attempt: ``(response, body bytes, generation of the credentials sent or None)``. A
        watchdog (:class:`Attempt`) ends the attempt at the budget's hard end, wherever it is; the body
        is read in chunks, up to ``max_response_size``."""
        budget = self.budget
        if self.limiter is not None:
            # before the timeout is taken from the budget: a pause here is spent, not sent
            self.limiter.acquire()
        timeout = budget.attempt_timeout()
        if timeout is None:
            raise ApiError("not sent: %s is spent" % budget.describe(), retryable=False)
        headers = dict(self.headers)
        headers.update(extra_headers or {})
        basic = generation = None
        if use_auth and self.auth is not None:
            # may make a request of its own (a token): before ours is watched
            generation, basic = self.auth.apply(headers)
        attempt = Attempt()
        outer = getattr(_CURRENT, "attempt", None)
        _CURRENT.attempt = attempt
        attempt.start(budget.hard_end - budget.clock())
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, data=form, headers=headers, auth=basic,
                timeout=(timeout, timeout), verify=self.verify, proxies=self.proxies, allow_redirects=False,
                stream=True)
            attempt.phase = "body"
            try:
                body = self._read_body(response)
            finally:
                response.close()
            if attempt.fired:  # a socket shut mid-answer may look like its end (no Content-Length, or cut headers)
                raise attempt.failure(budget)
            return response, body, generation
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            # requests' own exceptions are OSErrors; urllib3's come unwrapped from the body read; a plain
            # OSError is what requests does not wrap (a CA bundle that vanished after the option checks)
            if attempt.fired:
                raise attempt.failure(budget)
            raise _transport_error(exc, timeout, url)
        finally:
            attempt.finish()
            _CURRENT.attempt = outer

    def _read_body(self, response: requests.Response) -> bytes:
        """The body, read as it arrives (``read1``: whatever one receive gives) with a look at the
        clock and at the size after each piece: a body still arriving at the budget's hard end is
        abandoned, and so is one larger than ``max_response_size`` (refused at once when its
        ``Content-Length`` says so)."""
        limit = self.max_response_size
        declared = (response.headers.get("Content-Length") or "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(response, "announces %s bytes (Content-Length)" % declared)
        raw = response.raw
        pieces = iter(lambda: raw.read1(CHUNK, decode_content=True), b"") if hasattr(raw, "read1") else \
            response.iter_content(CHUNK)  # urllib3 1.x: fills each chunk before the clock is read
        chunks = []
        size = 0
        for piece in pieces:
            size += len(piece)
            if size > limit:
                raise self._too_large(response, "was still arriving after %d bytes" % size)
            chunks.append(piece)
            if self.budget.clock() >= self.budget.hard_end:
                raise ApiError(PHASES["body"] % self.budget.describe(), retryable=False, ambiguous=True)
        return b"".join(chunks)

    def _too_large(self, response: requests.Response, what: str) -> ApiError:
        """An answer over ``max_response_size``: not retried (the next one would be as large); ambiguous
        unless the provider refused the request (4xx), since its answer cannot be read."""
        status = response.status_code
        return ApiError("HTTP %s answer %s, more than max_response_size=%d bytes allows; it was not read. Raise "
                        "max_response_size if an answer this large is expected" % (status, what, self.max_response_size),
                        status=status, retryable=False, ambiguous=not 400 <= status < 500)

    @staticmethod
    def _decode(response: requests.Response, body: bytes, expect_json: bool) -> Any:
        if not body:
            return None
        text = body.decode(response.encoding or "utf-8", errors="replace" if not expect_json else "strict")
        if not expect_json:
            return text
        return json.loads(text)

    def _error(self, response: requests.Response, content: bytes, method: str, url: str, attempt: int) -> ApiError:
        status = response.status_code
        body = None
        text = None
        try:
            body = json.loads(content.decode("utf-8")) if content else None
        except ValueError:
            # redacted before it is cut, so that the cut cannot leave the start of a secret behind
            text = self.secrets.redact(content[:CHUNK].decode("utf-8", errors="replace"))[:SNIPPET].strip() \
                if content else None
        code, message = self.error_parser(body) if body is not None else (None, None)
        retryable = status in RETRY_STATUSES or (status >= 500 and status != 501) or code in self.retryable_codes
        if self.classify is not None:
            retryable = bool(self.classify(status, code, message, retryable))
        if message is None:
            message = ("non-JSON answer: %s" % _one_line(text)) if text else (
                "empty answer" if not content else "unrecognised error body")
        msg = "%s %s failed: HTTP %s%s: %s" % (method, url, status, " %s" % code if code else "", message)
        return ApiError(msg, status=status, method=method, url=url, code=code, provider_message=message,
                        body=body if isinstance(body, (dict, list)) else None, retryable=retryable,
                        ambiguous=status >= 500 and retryable and code not in self.refusal_codes, attempts=attempt)


def _transport_error(exc: Exception, timeout: float, url: str) -> ApiError:
    """The :class:`ApiError` of an attempt that got no usable answer. ``exc`` is requests' exception,
    or urllib3's own when the body was being read (``raw.read1`` does not translate them)."""
    if isinstance(exc, (requests.exceptions.SSLError, urllib3.exceptions.SSLError)):
        return ApiError("TLS verification failed talking to the provider (%s); set ca_path to the CA "
                        "that signed the endpoint's certificate, or validate_certs=false for a test "
                        "endpoint" % _short(exc), retryable=False)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return ApiError("timed out connecting to the provider after %gs" % timeout, retryable=True, ambiguous=False)
    if isinstance(exc, urllib3.exceptions.ReadTimeoutError):
        # the body stopped arriving for longer than the timeout (requests wraps only the wait for the headers)
        return ApiError("no answer from the provider within %gs while the answer was arriving; the request may or may "
                        "not have been processed" % timeout, retryable=True, ambiguous=True)
    if isinstance(exc, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)):
        return ApiError("no answer from the provider within %gs; the request may or may not have been processed"
                        % timeout, retryable=True, ambiguous=True)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, urllib3.exceptions.ProtocolError)):
        return ApiError("the answer broke off (%s); the request may or may not have been processed" % _short(exc),
                        retryable=True, ambiguous=True)
    if isinstance(exc, requests.exceptions.ProxyError):
        return ApiError("the proxy refused or failed the connection (%s)" % _short(exc), retryable=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "timed out" in str(exc).lower():  # a read timeout while the body streams in
            return ApiError("no answer from the provider within %gs; the request may or may not have been "
                            "processed" % timeout, retryable=True, ambiguous=True)
        ambiguous = "refused" not in str(exc).lower() and "name or service" not in str(exc).lower()
        return ApiError("connection to the provider failed (%s)" % _short(exc), retryable=True, ambiguous=ambiguous)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                        requests.exceptions.InvalidSchema)):
        return ApiError("invalid URL %s (%s); use an http:// or https:// URL" % (safe_url(url), _short(exc)))
    if isinstance(exc, urllib3.exceptions.HTTPError):
        # the connection broke off while the body was arriving (a reset, a body that cannot be decoded)
        return ApiError("the answer broke off (%s); the request may or may not have been processed" % _short(exc),
                        retryable=True, ambiguous=True)
    if isinstance(exc, OSError) and not isinstance(exc, requests.exceptions.RequestException):
        # what requests does not wrap, such as a CA bundle (ca_path) that vanished after the option
        # checks: not worth retrying, and not known to be unsent
        return ApiError("request failed (%s)" % _short(exc), retryable=False, ambiguous=True)
    return ApiError("request failed (%s)" % _short(exc), retryable=True, ambiguous=True)


#: the reasons urllib3 buries deep in its long wrapper texts: a TLS verdict, an OS error
REASON_RES = (re.compile(r"\[SSL: [A-Z_]+\][^)\]'\"(]+"), re.compile(r"\[Errno -?\d+\] [^)\]'\"]+"))


def _short(exc: Exception) -> str:
    """The reason of a transport error in a few words (``[Errno 111] Connection refused``,
    ``[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ...``), else the text, shortened."""
    text = _one_line(str(exc))
    for pattern in REASON_RES:
        found = pattern.findall(text)
        if found:
            return found[-1].strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
