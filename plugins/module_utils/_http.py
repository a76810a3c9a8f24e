# -*- coding: utf-8 -*-
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
- turns every failure into one :class:`ApiError` carrying the HTTP status, method, URL, and the
  provider's code and message, with no secret in it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import random
import re
import time
import traceback

try:
    import requests
    import requests.adapters
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

try:
    from urllib.parse import urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by the requirements anyway
    from urlparse import urlsplit, urlunsplit  # type: ignore

RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])
MAX_RETRY_AFTER = 60.0


class ApiError(Exception):
    """A failed provider call.

    ``status`` is the HTTP status (None when no answer arrived), ``code`` and ``provider_message``
    come from the provider's error body, ``ambiguous`` is true when the request may have been
    processed although no usable answer arrived (timeouts, resets, 5xx, broken bodies).
    """

    def __init__(self, msg, status=None, method=None, url=None, code=None, provider_message=None,
                 body=None, ambiguous=False, retryable=False, attempts=1):
        super(ApiError, self).__init__(msg)
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

    def __str__(self):
        if self.method and self.url and self.url not in self.msg:
            return "%s %s: %s" % (self.method, self.url, self.msg)
        return self.msg

    def to_result(self):
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


def safe_url(url):
    """``url`` without user info (a password in a URL must never reach a message)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def join_url(base, path):
    if path.startswith(("http://", "https://")):
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        seconds = email.utils.mktime_tz(parsed) - (time.time() if now is None else now)
    return max(0.0, seconds)


class RetryPolicy:
    """Bounded retries with full-jitter exponential backoff; ``Retry-After`` wins when given."""

    def __init__(self, retries=4, backoff=0.5, backoff_cap=10.0, jitter=True, rng=None):
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.backoff_cap = float(backoff_cap)
        self.jitter = jitter
        self._rng = rng or random.Random()

    def delay(self, attempt, retry_after=None):
        """Seconds to sleep before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(float(retry_after), MAX_RETRY_AFTER)
        ceiling = min(self.backoff_cap, self.backoff * (2 ** (attempt - 1)))
        if not self.jitter:
            return ceiling
        return self._rng.uniform(ceiling / 2.0, ceiling)


def default_error_parser(body):
    """(code, message) from a JSON error body, for providers without a parser of their own."""
    if isinstance(body, dict):
        code = body.get("code") or body.get("error_code")
        message = body.get("error") or body.get("message") or body.get("title") or body.get("description")
        return (code if isinstance(code, str) else None, message if isinstance(message, str) else None)
    return None, None


class Response:
    """What a successful call returns: status, headers and the decoded JSON body (or None)."""

    def __init__(self, status, headers, data, url):
        self.status = status
        self.headers = headers
        self.data = data
        self.url = url


class HttpClient:
    """The HTTP seam. One instance per module run; safe to share between worker threads.

    ``auth`` is an object with ``apply(headers)`` (add credentials to a request's headers and
    return None, or return a ``(user, password)`` pair for HTTP Basic) and ``renew()`` (return True when it obtained fresh
    credentials after a 401, so the request may be repeated once). ``error_parser(body)``
    returns the provider's ``(code, message)`` from a decoded error body; ``retryable_codes`` lists
    provider codes that make any answer retryable for reads (5xx and 429 are retryable anyway).
    ``classify(status, code, message, retryable)`` may overrule that verdict for a provider whose
    business-rule failures come as HTTP 500; ``body_error(data)`` returns ``(code, message)`` when a
    2xx answer's body is really an error (treated as a retryable failure with that status);
    ``refusal_codes`` lists provider codes of 5xx answers that say the request was refused before it
    was processed (a rate limit), so that they are not ambiguous for a call that changes state.
    """

    def __init__(self, base_url, timeout=30, validate_certs=True, ca_path=None, proxy_url=None,
                 auth=None, retry=None, error_parser=None, user_agent="certops.orders",
                 headers=None, pool_size=16, sleep=None, session=None, retryable_codes=(),
                 classify=None, body_error=None, refusal_codes=()):
        if not HAS_REQUESTS:
            raise RuntimeError("requests is required")
        self.base_url = base_url
        self.timeout = timeout
        self.verify = (ca_path or True) if validate_certs else False
        self.proxies = {"http": proxy_url, "https": proxy_url} if proxy_url else None
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.error_parser = error_parser or default_error_parser
        self.retryable_codes = frozenset(retryable_codes)
        self.refusal_codes = frozenset(refusal_codes)
        self.classify = classify
        self.body_error = body_error
        self.sleep = sleep or time.sleep
        self.headers = {"User-Agent": user_agent, "Accept": "application/json"}
        self.headers.update(headers or {})
        self.session = session or requests.Session()
        if session is None:
            adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)

    # -- public API --------------------------------------------------------------------------
    def get(self, path, params=None, **kwargs):
        return self.request("GET", path, params=params, idempotent=True, **kwargs)

    def post(self, path, json_body=None, idempotent=False, **kwargs):
        return self.request("POST", path, json_body=json_body, idempotent=idempotent, **kwargs)

    def request(self, method, path, params=None, json_body=None, form=None, idempotent=None,
                headers=None, use_auth=True, expect_json=True, allow_status=()):
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
            try:
                response = self._send(method, url, params, json_body, form, headers, use_auth)
            except ApiError as exc:  # transport failure, already described
                if exc.url is not None:  # the auth hook's own request failed: described and retried already
                    raise
                exc.url, exc.method, exc.attempts = shown_url, method, attempt
                if idempotent and exc.retryable and attempt <= self.retry.retries:
                    self.sleep(self.retry.delay(attempt))
                    continue
                raise
            status = response.status_code
            if status == 401 and use_auth and self.auth is not None and not renewed and self.auth.renew():
                # fresh credentials: the gateway refused the request before processing it
                renewed = True
                attempt -= 1
                continue
            if 200 <= status < 300 or status in allow_status:
                try:
                    data = self._decode(response, expect_json)
                except ValueError as exc:
                    if idempotent and attempt <= self.retry.retries:
                        self.sleep(self.retry.delay(attempt))
                        continue
                    raise ApiError("the provider's answer is not valid JSON (%s)" % exc, status=status,
                                   method=method, url=shown_url, ambiguous=True, retryable=True, attempts=attempt)
                inside = self.body_error(data) if self.body_error is not None else None
                if inside is None:
                    return Response(status, response.headers, data, shown_url)
                if idempotent and attempt <= self.retry.retries:
                    self.sleep(self.retry.delay(attempt))
                    continue
                code, message = inside
                raise ApiError("%s %s failed: HTTP %s with an error body%s: %s" % (
                    method, shown_url, status, " %s" % code if code else "", message), status=status,
                    method=method, url=shown_url, code=code, provider_message=message, body=data,
                    ambiguous=True, retryable=True, attempts=attempt)
            error = self._error(response, method, shown_url, attempt)
            if idempotent and error.retryable and attempt <= self.retry.retries:
                self.sleep(self.retry.delay(attempt, parse_retry_after(response.headers.get("Retry-After"))))
                continue
            raise error

    def close(self):
        self.session.close()

    # -- internals --------------------------------------------------------------------------
    def _send(self, method, url, params, json_body, form, extra_headers, use_auth):
        headers = dict(self.headers)
        headers.update(extra_headers or {})
        basic = None
        if use_auth and self.auth is not None:
            basic = self.auth.apply(headers)
        try:
            return self.session.request(
                method, url, params=params, json=json_body, data=form, headers=headers, auth=basic,
                timeout=self.timeout, verify=self.verify, proxies=self.proxies, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            raise ApiError("TLS verification failed talking to the provider (%s); set ca_path to the CA "
                           "that signed the endpoint's certificate, or validate_certs=false for a test "
                           "endpoint" % _short(exc), retryable=False)
        except requests.exceptions.ConnectTimeout:
            raise ApiError("timed out connecting to the provider after %ss" % self.timeout,
                           retryable=True, ambiguous=False)
        except requests.exceptions.Timeout:
            raise ApiError("no answer from the provider within %ss; the request may or may not have been "
                           "processed" % self.timeout, retryable=True, ambiguous=True)
        except requests.exceptions.ProxyError as exc:
            raise ApiError("the proxy refused or failed the connection (%s)" % _short(exc), retryable=True)
        except requests.exceptions.ConnectionError as exc:
            ambiguous = "refused" not in str(exc).lower() and "name or service" not in str(exc).lower()
            raise ApiError("connection to the provider failed (%s)" % _short(exc), retryable=True,
                           ambiguous=ambiguous)
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise ApiError("invalid URL %s (%s); use an http:// or https:// URL" % (safe_url(url), _short(exc)))
        except requests.exceptions.RequestException as exc:
            raise ApiError("request failed (%s)" % _short(exc), retryable=True, ambiguous=True)

    @staticmethod
    def _decode(response, expect_json):
        if not response.content:
            return None
        if not expect_json:
            return response.text
        return json.loads(response.content.decode(response.encoding or "utf-8"))

    def _error(self, response, method, url, attempt):
        status = response.status_code
        body = None
        text = None
        try:
            body = json.loads(response.content.decode("utf-8")) if response.content else None
        except ValueError:
            text = response.text[:200].strip() if response.content else None
        code, message = self.error_parser(body) if body is not None else (None, None)
        retryable = status in RETRY_STATUSES or (status >= 500 and status != 501) or code in self.retryable_codes
        if self.classify is not None:
            retryable = bool(self.classify(status, code, message, retryable))
        if message is None:
            message = ("non-JSON answer: %s" % _one_line(text)) if text else (
                "empty answer" if not response.content else "unrecognised error body")
        msg = "%s %s failed: HTTP %s%s: %s" % (method, url, status, " %s" % code if code else "", message)
        return ApiError(msg, status=status, method=method, url=url, code=code, provider_message=message,
                        body=body if isinstance(body, (dict, list)) else None, retryable=retryable,
                        ambiguous=status >= 500 and retryable and code not in self.refusal_codes, attempts=attempt)


#: the reasons urllib3 buries deep in its long wrapper texts: a TLS verdict, an OS error
REASON_RES = (re.compile(r"\[SSL: [A-Z_]+\][^)\]'\"(]+"), re.compile(r"\[Errno -?\d+\] [^)\]'\"]+"))


def _short(exc):
    """The reason of a transport error in a few words (``[Errno 111] Connection refused``,
    ``[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ...``), else the text, shortened."""
    text = _one_line(str(exc))
    for pattern in REASON_RES:
        found = pattern.findall(text)
        if found:
            return found[-1].strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _one_line(text):
    return " ".join(str(text).split())
