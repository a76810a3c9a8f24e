# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one HTTP seam of certops.orders (private: not for use outside this collection).

Every provider client talks HTTP through :class:`HttpClient`, a thin layer over a
``requests.Session`` that:

- joins paths to a base URL and passes ``timeout``, ``verify`` (``validate_certs`` / ``ca_path``)
  and proxies on *every* request (``Session.verify`` alone is overridden by ``REQUESTS_CA_BUNDLE``);
- applies an auth hook, and lets it renew credentials once on a 401;
- retries reads and idempotent calls, never anything else, on connection errors, timeouts,
  throttling, 5xx other than 501, and answers whose JSON is broken, with jittered exponential
  backoff that honours ``Retry-After``;
- takes every attempt's timeout and every pause from the task's :class:`Budget`: no retry starts
  after the deadline, no attempt runs past the hard end, a body still trickling in at the hard end
  is abandoned, and a ``Retry-After`` longer than what is left fails the call at once;
- turns every failure into one :class:`ApiError` carrying the HTTP status, method, URL, and the
  provider's code and message, with no secret in it.
"""

from __future__ import annotations

import email.utils
import json
import math
import random
import re
import time
import traceback
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any, Protocol

try:
    import requests
    import requests.adapters
    import urllib3.exceptions
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

from urllib.parse import urlsplit, urlunsplit

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget

RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
#: bytes read at a time from an answer, between two looks at the clock
CHUNK = 65536


def _sleep(seconds: float) -> None:
    # looked up at call time, so that tests can replace this module's ``time``
    time.sleep(seconds)


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
    """What a successful call returns: status, headers and the decoded JSON body (or None)."""

    def __init__(self, status: int, headers: Mapping[str, str], data: Any, url: str) -> None:
        self.status = status
        self.headers = headers
        self.data = data
        self.url = url


class Auth(Protocol):
    """What :class:`HttpClient` expects of its ``auth`` hook (see there); for type checking only."""

    def apply(self, headers: dict) -> tuple[str, str] | None: ...

    def renew(self) -> bool: ...


class HttpClient:
    """The HTTP seam. One instance per module run; safe to share between worker threads.

    ``auth`` is an object with ``apply(headers)`` (add credentials to a request's headers and
    return None, or return a ``(user, password)`` pair for HTTP Basic) and ``renew()`` (return True
    when it obtained fresh credentials after a 401, so the request may be repeated once).
    ``error_parser(body)`` returns the provider's ``(code, message)`` from a decoded error body;
    ``retryable_codes`` lists provider codes that make any answer retryable for reads (5xx and 429
    are retryable anyway). ``classify(status, code, message, retryable)`` may overrule that verdict
    for a provider whose business-rule failures come as HTTP 500; ``body_error(data)`` returns
    ``(code, message)`` when a 2xx answer's body is really an error (treated as a retryable failure
    with that status); ``refusal_codes`` lists provider codes of 5xx answers that say the request was
    refused before it was processed (a rate limit), so that they are not ambiguous for a call that
    changes state. ``budget`` is the task's :class:`Budget` (none: no time limit).
    """

    def __init__(self, base_url: str, timeout: float = 30, validate_certs: bool = True, ca_path: str | None = None,
                 proxy_url: str | None = None, auth: Auth | None = None, retry: RetryPolicy | None = None,
                 error_parser: Callable[[Any], tuple[str | None, str | None]] | None = None,
                 user_agent: str = "certops.orders", headers: dict | None = None, pool_size: int = 16,
                 sleep: Callable[[float], None] | None = None, session: requests.Session | None = None,
                 retryable_codes: Iterable[str] = (), classify: Callable[[int, str | None, str | None, bool], bool] | None = None,
                 body_error: Callable[[Any], tuple[str | None, str | None] | None] | None = None,
                 refusal_codes: Iterable[str] = (), budget: Budget | None = None) -> None:
        if not HAS_REQUESTS:
            raise RuntimeError("requests is required")
        self.base_url = base_url
        self.budget = budget or Budget(None, timeout)
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
        self.headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self.headers.update(headers or {})
        self.session = session or requests.Session()
        if session is None:
            adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
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
        renewed = False
        while True:
            attempt += 1
            retry_after = None
            try:
                response, body = self._send(method, url, params, json_body, form, headers, use_auth)
            except ApiError as exc:  # transport failure, already described
                if exc.url is not None:  # the auth hook's own request failed: described and retried already
                    raise
                exc.url, exc.method, exc.attempts = shown_url, method, attempt
                error = exc
            else:
                status = response.status_code
                if status == 401 and use_auth and self.auth is not None and not renewed and self.auth.renew():
                    # fresh credentials: the gateway refused the request before processing it
                    renewed = True
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
                            return Response(status, response.headers, data, shown_url)
                        code, message = inside
                        error = ApiError("%s %s failed: HTTP %s with an error body%s: %s" % (
                            method, shown_url, status, " %s" % code if code else "", message), status=status,
                            method=method, url=shown_url, code=code, provider_message=message, body=data,
                            ambiguous=True, retryable=True, attempts=attempt)
                else:
                    error = self._error(response, body, method, shown_url, attempt)
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if not (idempotent and error.retryable and attempt <= self.retry.retries):
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
              extra_headers: dict | None, use_auth: bool) -> tuple[requests.Response, bytes]:
        """One attempt: ``(response, body bytes)``. The body is read in chunks, so that an answer that
        trickles in is abandoned at the budget's hard end instead of holding the task."""
        timeout = self.budget.attempt_timeout()
        if timeout is None:
            raise ApiError("not sent: %s is spent" % self.budget.describe(), retryable=False)
        headers = dict(self.headers)
        headers.update(extra_headers or {})
        basic = None
        if use_auth and self.auth is not None:
            basic = self.auth.apply(headers)
        try:
            response = self.session.request(
                method, url, params=params, json=json_body, data=form, headers=headers, auth=basic,
                timeout=(timeout, timeout), verify=self.verify, proxies=self.proxies, allow_redirects=False,
                stream=True)
            try:
                return response, self._read_body(response)
            finally:
                response.close()
        except requests.exceptions.SSLError as exc:
            raise ApiError("TLS verification failed talking to the provider (%s); set ca_path to the CA "
                           "that signed the endpoint's certificate, or validate_certs=false for a test "
                           "endpoint" % _short(exc), retryable=False)
        except requests.exceptions.ConnectTimeout:
            raise ApiError("timed out connecting to the provider after %gs" % timeout,
                           retryable=True, ambiguous=False)
        except (requests.exceptions.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            reason = "no answer from the provider within %gs" % timeout if isinstance(
                exc, requests.exceptions.Timeout) else "the answer broke off (%s)" % _short(exc)
            raise ApiError("%s; the request may or may not have been processed" % reason,
                           retryable=True, ambiguous=True)
        except requests.exceptions.ProxyError as exc:
            raise ApiError("the proxy refused or failed the connection (%s)" % _short(exc), retryable=True)
        except requests.exceptions.ConnectionError as exc:
            if "timed out" in str(exc).lower():  # a read timeout while the body streams in
                raise ApiError("no answer from the provider within %gs; the request may or may not have been "
                               "processed" % timeout, retryable=True, ambiguous=True)
            ambiguous = "refused" not in str(exc).lower() and "name or service" not in str(exc).lower()
            raise ApiError("connection to the provider failed (%s)" % _short(exc), retryable=True,
                           ambiguous=ambiguous)
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise ApiError("invalid URL %s (%s); use an http:// or https:// URL" % (safe_url(url), _short(exc)))
        except requests.exceptions.RequestException as exc:
            raise ApiError("request failed (%s)" % _short(exc), retryable=True, ambiguous=True)
        except urllib3.exceptions.ReadTimeoutError:
            # the body stopped arriving for longer than the timeout (requests wraps only the wait for the headers)
            raise ApiError("no answer from the provider within %gs while the answer was arriving; the request may or may "
                           "not have been processed" % timeout, retryable=True, ambiguous=True)
        except urllib3.exceptions.HTTPError as exc:
            # the connection broke off while the body was arriving (fewer bytes than Content-Length, a reset)
            raise ApiError("the answer broke off (%s); the request may or may not have been processed" % _short(exc),
                           retryable=True, ambiguous=True)
        except OSError as exc:
            # what requests does not wrap, such as a CA bundle (ca_path) that vanished after the option
            # checks: not worth retrying, and not known to be unsent
            raise ApiError("request failed (%s)" % _short(exc), retryable=False, ambiguous=True)

    def _read_body(self, response: requests.Response) -> bytes:
        """The body, read as it arrives (``read1``: whatever one receive gives) with a look at the
        clock after each piece; a body still arriving at the budget's hard end is abandoned."""
        raw = response.raw
        pieces = iter(lambda: raw.read1(CHUNK, decode_content=True), b"") if hasattr(raw, "read1") else \
            response.iter_content(CHUNK)  # urllib3 1.x: fills each chunk before the clock is read
        chunks = []
        for piece in pieces:
            chunks.append(piece)
            if self.budget.clock() >= self.budget.hard_end:
                raise ApiError("the answer was still arriving when %s ran out; the request may or may not have been "
                               "processed" % self.budget.describe(), retryable=False, ambiguous=True)
        return b"".join(chunks)

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
            text = content[:200].decode("utf-8", errors="replace").strip() if content else None
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
