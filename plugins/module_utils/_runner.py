# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Provider-neutral module plumbing (private: not for use outside this collection).

- the shared argument specs (transport and wait options) matching the doc fragments;
- :func:`start`: requirements, the time options checked once, the task's :class:`Budget`, the
  provider built and its option checks run, all before the first request;
- the wait options checked against the provider's vocabulary, and the one place a wait turns
  into a module result;
- :func:`send_once` and :func:`create_once`: calls that change state are sent once, and an unclear
  answer is settled by reading, never by sending again;
- :func:`run_info` and :func:`run_order`, the generic runners behind every module;
- one place where errors become ``fail_json`` (no tracebacks, no secrets), and one where warnings
  are issued: both redact every credential of the run (:func:`secrets_of`).

The runners talk to a provider only through the contract in ``_contract``.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget, BudgetError, check_time_options
from ansible_collections.certops.orders.plugins.module_utils._catalogue import catalogue_cache_argument_spec
from ansible_collections.certops.orders.plugins.module_utils._contract import (
    FINAL_PHASES,
    PHASES_PASSED,
    Change,
    InfoProvider,
    OptionError,
    OrderProvider,
    PARSE_ERRORS,
    Provider,
    TaskFailed,
)
from ansible_collections.certops.orders.plugins.module_utils._http import (
    DEFAULT_MAX_RESPONSE_SIZE,
    HAS_REQUESTS,
    MAX_RESPONSE_SIZE,
    MIN_RESPONSE_SIZE,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    Auth,
    HttpClient,
    RetryPolicy,
    Secrets,
)
from ansible_collections.certops.orders.plugins.module_utils._journal import DEFAULT_DIR, ENV, Entry, Journal
from ansible_collections.certops.orders.plugins.module_utils._wait import (
    CONTINUE_KEY,
    SLICE_ENV,
    OUTCOME_DONE,
    OUTCOME_FAILED,
    OUTCOME_SLICE,
    PollSchedule,
    Slice,
    Waiter,
    WaitResult,
)


def wait_slice() -> Slice | None:
    """The slice this module call waits, from :data:`SLICE_ENV`; None (wait to the end) when it is
    not set or cannot be read."""
    import json

    text = os.environ.get(SLICE_ENV)
    if not text:
        return None
    try:
        data = json.loads(text)
        part = Slice(data["seconds"], data.get("waited", 0), data.get("polls", 0))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return part if part.seconds > 0 else None


DEFAULT_WORKERS = 8

_T = TypeVar("_T")
_R = TypeVar("_R")
_P = TypeVar("_P", bound=Provider)


def transport_argument_spec() -> dict:
    """Options every provider connection shares (doc fragment ``certops.orders._transport``)."""
    return dict(
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=30),
        proxy_url=dict(type="str"),
        retries=dict(type="int", default=4),
        max_response_size=dict(type="int", default=DEFAULT_MAX_RESPONSE_SIZE),
        **catalogue_cache_argument_spec()
    )


def check_transport_options(params: dict) -> None:
    """Raise :class:`OptionError` for a ``max_response_size`` no answer can honour (checked at task
    start, beside the time options, before any request)."""
    value = params.get("max_response_size")
    if value is not None and not MIN_RESPONSE_SIZE <= value <= MAX_RESPONSE_SIZE:
        raise OptionError("max_response_size must be between %d and %d bytes (1 KiB to 1 GiB), got %s"
                          % (MIN_RESPONSE_SIZE, MAX_RESPONSE_SIZE, value))


#: ``wait_match``: a status the order has passed satisfies the wait, or only the status it is in
WAIT_MATCHES = ("lifecycle", "exact")


def wait_argument_spec(info: bool = False) -> dict:
    """The wait options (doc fragment ``certops.orders._wait``; ``info``: also the options of a wait
    for a selection, ``certops.orders._wait.info``)."""
    spec = dict(
        wait_for=dict(type="list", elements="str"),
        wait_timeout=dict(type="int", default=600),
        wait_sleep=dict(type="int", default=30),
        fail_on=dict(type="list", elements="str"),
        wait_match=dict(type="str", choices=list(WAIT_MATCHES)),
        wait_progress=dict(type="int", default=60),
    )
    if info:
        spec.update(allow_empty=dict(type="bool"))
    return spec


_SECRETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SECRETS_LOCK = threading.Lock()


def journal_argument_spec() -> dict:
    """The order journal's option (doc fragment ``certops.orders._journal``), for modules that order."""
    return dict(journal_dir=dict(type="path", fallback=(env_fallback, [ENV])))


def secrets_of(module: AnsibleModule) -> Secrets:
    """The credentials registry of a module run (one per module object, made on first use).

    It starts with the values of the module's ``no_log`` options, and every form registered later (an
    HTTP Basic pair, an encoded secret, a bearer token) also goes into ``module.no_log_values``: the
    set Ansible masks results, warnings and the shown module arguments with, ``-vvvv`` included.
    """
    with _SECRETS_LOCK:
        found = _SECRETS.get(module)
        if found is not None:
            return found
        no_log = getattr(module, "no_log_values", None)
        found = _SECRETS[module] = Secrets(sink=no_log.update if isinstance(no_log, set) else None)
        found.register(*sorted(no_log if isinstance(no_log, set) else ()))  # before another thread can use it
        return found


def warn(module: AnsibleModule, text: str) -> None:
    """The one way module_utils warn: ``text`` redacted (it may quote a provider's error)."""
    module.warn(secrets_of(module).redact(text))


def _shown(value: str) -> str:
    """``value`` for an error message: whatever precedes an ``@`` (user info) masked."""
    head, at, tail = str(value).rpartition("@")
    if not at:
        return repr(value)
    scheme, slashes, _userinfo = head.partition("//")
    return repr("%s***@%s" % (scheme + slashes if slashes else "", tail))


def check_url(option: str, value: str | None, example: str, credentials: str = "the credential options",
              secrets: Secrets | None = None) -> None:
    """Raise :class:`OptionError` unless ``value`` is an http:// or https:// URL with a host and no
    user info (checked before any request, so that no credential goes to a URL that was never meant).

    User info is refused because requests would send it as HTTP Basic credentials in place of a bearer
    token, or drop it without a word; ``credentials`` names the options they belong in. A password found there is
    registered with ``secrets`` (it is in the module's arguments, which Ansible may show), and no
    message repeats it.
    """
    try:
        parts = urlsplit(value or "")
        password = parts.password
    except ValueError as exc:
        raise OptionError("%s must be an http:// or https:// URL, such as %s; %s (got %s)" % (
            option, example, exc, _shown(value)))
    if "@" in parts.netloc:
        if secrets is not None and password:
            secrets.register(password, unquote(password))
        raise OptionError("%s must not contain user info ('user:password@'): put credentials in %s, not in the "
                          "URL; got %s" % (option, credentials, _shown(value)))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError("%s must be an http:// or https:// URL, such as %s; got %s" % (option, example, _shown(value)))


def check_ca_path(params: dict) -> None:
    """Raise :class:`OptionError` when ``ca_path`` is set but cannot be read. requests would raise a
    bare OSError on the first request instead, outside its own exceptions (a traceback); with
    ``validate_certs=false`` the file is not used, so it is not checked."""
    path = params.get("ca_path")
    if not path or not params.get("validate_certs", True):
        return
    if not os.path.exists(path):
        raise OptionError("ca_path %s does not exist: give the PEM file of the CA certificates that signed the "
                          "provider endpoint's certificate (nothing was sent)" % path)
    if not os.access(path, os.R_OK):
        raise OptionError("ca_path %s cannot be read by the user running the task (nothing was sent)" % path)


def installed(name: str) -> bool:
    """Whether ``name`` can be imported, without importing it: a library that only some code paths
    use (pydantic) is imported where it is used, not on every module start."""
    from importlib.util import find_spec

    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def http_client(module: AnsibleModule, base_url: str, budget: Budget, auth: Auth | None = None, **options: Any) -> HttpClient:
    """An :class:`HttpClient` from the transport options and the task's budget, redacting with the
    run's :func:`secrets_of`; warns once when TLS checks are off. ``options`` are the provider's own
    :class:`HttpClient` arguments."""
    params = module.params
    check_ca_path(params)
    secrets = secrets_of(module)
    if not params["validate_certs"]:
        warn(module, "validate_certs is false: the provider's TLS certificate is not verified. Use this "
                     "only against a test endpoint; set ca_path to trust a private CA instead.")
    if params["proxy_url"]:
        # a proxy's credentials belong in its URL; a proxy error that echoes them must not show them
        try:
            proxy = urlsplit(params["proxy_url"])
            user, password = proxy.username, proxy.password
        except ValueError:
            user = password = None
        if password:
            secrets.register(password, unquote(password))
            secrets.register_basic(unquote(user or ""), unquote(password))
    return HttpClient(
        base_url, validate_certs=params["validate_certs"], ca_path=params["ca_path"], proxy_url=params["proxy_url"],
        auth=auth, retry=RetryPolicy(retries=params["retries"]), user_agent="certops.orders", budget=budget,
        secrets=secrets, max_response_size=params["max_response_size"], **options)


def map_bounded(func: Callable[[_T], _R], items: Iterable[_T], workers: int = DEFAULT_WORKERS) -> list[_R]:
    """``[func(item) for item in items]`` on at most ``workers`` threads; the first error is raised."""
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        return [func(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(func, items))


def selected_ids(one: int | None, many: list[int] | None) -> list | None:
    """The ids an info module's ``<x>_id`` / ``<x>_ids`` options select, each once, in the order
    given; None when neither is set (an empty list selects nothing)."""
    if one is None and many is None:
        return None
    return list(dict.fromkeys([one] if one is not None else many))


def selection(params: dict, options: Iterable[str], noun: str) -> str:
    """The selecting options that are set, as a user wrote them (for messages)."""
    given = ["%s=%r" % (name, params[name]) for name in options if params.get(name) is not None]
    return ", ".join(given) if given else "no selector (every %s of the account)" % noun


def check_names(option: str, names: list[str], valid: list[str]) -> None:
    """Raise :class:`OptionError` naming the status names of ``option`` not in ``valid``, and the valid ones."""
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise OptionError("%s has unknown status name%s %s; valid names are: %s" % (
            option, "s" if len(unknown) > 1 else "", ", ".join(repr(n) for n in unknown), ", ".join(valid)))


# -- calls that change state ------------------------------------------------------------------------
def send_once(module: AnsibleModule, send: Callable[[], Any], took_effect: Callable[[], bool] | None, what: str) -> Any:
    """Send a call that changes state, exactly once, and return its answer.

    When it fails without a clear answer (``ApiError.ambiguous``), ``took_effect()`` (a read; None
    when nothing can tell) decides instead of a second send: True warns and carries on (returning
    None); otherwise the failure stands and says the call was not repeated.
    """
    try:
        return send()
    except ApiError as exc:
        if not exc.ambiguous or took_effect is None:
            raise
        if took_effect():
            warn(module, "%s failed without a clear answer (%s), but a read afterwards shows it took effect; it was "
                         "not repeated" % (what, exc.msg))
            return None
        exc.msg = "%s; it was not repeated (the call changes state, and nothing read afterwards shows that it " \
                  "took effect)" % exc.msg
        raise


def search(find: Callable, budget: Budget, sleep: float, at_least: float = 0, within: float | None = None) -> tuple:
    """Call ``find()`` (an object or None) until it finds something or the budget ends, pacing the
    calls like a wait (at most ``sleep`` seconds apart). ``at_least``: the budget lasts at least that
    many seconds more for this search; ``within``: the search lasts that long, whatever the budget
    says. Returns ``(object or None, seconds searched)``."""
    hold = budget.window(within) if within is not None else budget.at_least(at_least)
    with hold:
        waiter = Waiter(fetch=lambda keys: {"object": find()}, is_done=lambda obj: obj is not None,
                        is_failed=lambda obj: False, describe=lambda obj: "found" if obj else "not found yet",
                        budget=budget, schedule=PollSchedule(max_interval=sleep))
        result = waiter.run(["object"])
    return (result.objects.get("object") if result.outcome == OUTCOME_DONE else None), result.elapsed


class Created:
    """What :func:`create_once` settled: ``answer`` is what ``CreateCall.read`` made of the provider's
    answer, or None when the answer was unclear and ``found`` (what a read found afterwards) stands in."""

    def __init__(self, answer: Any = None, found: Any = None) -> None:
        self.answer = answer
        self.found = found


class CreateCall:
    """The call that creates (and costs) an order, as :func:`create_once` needs it.

    ``send()`` sends it; ``read(answer)`` returns ``(order id, result)`` from a clear answer and raises
    :class:`ApiError` when the answer cannot be read; ``find()`` looks for what the call would have
    made (an object or None; it may search a while); ``id_of(found)`` and ``describe(found)`` name
    what it found; ``not_found`` (a text, or a callable returning one) tells the user what to check
    when nothing was found; ``what`` names the call in messages.
    """

    def __init__(self, what: str, send: Callable, read: Callable, find: Callable, id_of: Callable,
                 describe: Callable, not_found) -> None:
        self.what = what
        self.send = send
        self.read = read
        self.find = find
        self.id_of = id_of
        self.describe = describe
        self.not_found = not_found


def create_once(module, entry: Entry | None, call: CreateCall) -> Created:
    """The one create-once routine of every provider.

    The intent goes to the journal (``entry``; None in check mode) and to disk before the call is sent;
    the call is sent exactly once and never retried. A clear answer records the order id. An answer
    that says nothing clear (a timeout, a reset, a 5xx, or a 2xx whose receipt cannot be read) is
    settled by ``call.find()``: found, the task warns and goes on with it (the id is recorded);
    not found, the task fails saying what to check, and the intent stays open so that no later run
    posts again before the order could have shown up. A clear refusal drops the intent.
    """
    if entry is not None:
        entry.intend()
    try:
        answer = call.send()
    except ApiError as exc:
        if not exc.ambiguous:
            if entry is not None:
                entry.drop()
            raise
        return _settle(module, entry, call, exc, accepted=False)
    try:
        order_id, result = call.read(answer)
    except ApiError as exc:
        return _settle(module, entry, call, exc, accepted=True)
    except (LookupError, *PARSE_ERRORS) as exc:  # a reader that trips over the shape: still unreadable
        return _settle(module, entry, call, ApiError("unexpected answer (%s)" % type(exc).__name__), accepted=True)
    if entry is not None:
        entry.placed(order_id)
    return Created(answer=result)


def _settle(module, entry: Entry | None, call: CreateCall, exc: ApiError, accepted: bool) -> Created:
    """After an unclear answer: find the order instead of sending again."""
    found = call.find()
    not_found = call.not_found() if callable(call.not_found) else call.not_found
    if found is None:
        if accepted:  # the provider answered 2xx: something was placed, and the task must say so
            raise TaskFailed("%s was accepted (HTTP 2xx) but its answer cannot be read (%s), and %s" % (
                call.what, exc.msg, not_found), changed=True)
        exc.msg = "%s; %s" % (exc.msg, not_found)
        raise exc
    if entry is not None:
        entry.done(call.id_of(found))
    warn(module, "%s %s (%s), but %s exists now: the request was processed, and it was not sent again" % (
        call.what, "was accepted but its answer cannot be read" if accepted else "failed without a clear answer",
        exc.msg, call.describe(found)))
    return Created(found=found)


# -- waiting ----------------------------------------------------------------------------------------
class WaitSpec:
    """What a wait waits for, checked against the provider's vocabulary, and how it judges an object.

    Status names are matched along the lifecycle: an object that has passed a target (an issued
    certificate, when the target is domain validation) has reached it, unless ``exact``; then a
    target already passed fails at once, since the object does not go back. ``failures`` end the
    wait when the object or one of its parts (a domain) is in one of them. An object in a final phase
    (failed, canceled, deleted) that has not reached a target never will: the wait ends at once,
    whatever ``failures`` says.
    """

    def __init__(self, targets: Iterable[str], failures: Iterable[str], sleep: float, exact: bool = False) -> None:
        self.targets = frozenset(targets)
        self.failures = frozenset(failures)
        self.sleep = sleep
        self.exact = exact

    @classmethod
    def from_params(cls, params: dict, provider: Provider) -> WaitSpec | None:
        """None when ``wait_for`` is not set; raises :class:`OptionError` for unknown names. The
        provider's vocabulary (a catalogue request) is only read when a wait is asked for."""
        wait_for = params.get("wait_for")
        if not wait_for:
            return None
        fail_on = params.get("fail_on")
        vocabulary = provider.vocabulary(list(wait_for) + list(fail_on or []))
        vocabulary.check("wait_for", wait_for)
        vocabulary.check("fail_on", fail_on or [])
        if fail_on is None:
            fail_on = vocabulary.failures
        return cls(wait_for, set(fail_on) - set(wait_for), params["wait_sleep"],
                   exact=params.get("wait_match") == "exact")

    @staticmethod
    def current(provider: Provider, obj: dict) -> set:
        return set(provider.statuses(obj)) | {obj.get("phase")}

    @staticmethod
    def behind(provider: Provider, obj: dict) -> set:
        return set(provider.passed(obj)) | set(PHASES_PASSED.get(obj.get("phase"), ()))

    def reached(self, provider: Provider, obj: dict) -> bool:
        names = self.current(provider, obj)
        if not self.exact:
            names |= self.behind(provider, obj)
        return bool(self.targets.intersection(names))

    def failure(self, provider: Provider, obj: dict) -> str | None:
        """Why the wait for ``obj`` has failed, or None while it has not."""
        current = self.current(provider, obj)
        hit = self.failures.intersection(current | set(provider.parts(obj)))
        if hit:
            return "reached the failure status %s" % ", ".join(sorted(hit))
        if self.reached(provider, obj):
            return None
        phase = obj.get("phase")
        if phase in FINAL_PHASES:
            return "ended its lifecycle (phase %s), so it can no longer reach %s" % (phase, ", ".join(sorted(self.targets)))
        passed = self.targets.intersection(self.behind(provider, obj)) if self.exact else ()
        if passed:
            return ("has already passed %s, and wait_match=exact accepts only the status it is in (the default, "
                    "wait_match=lifecycle, accepts a status it has passed)" % ", ".join(sorted(passed)))
        return None


class WaitFailed(Exception):
    """A wait that ended in a failure status or a timeout; ``result`` is the :class:`WaitResult`."""

    def __init__(self, msg: str, result: WaitResult) -> None:
        super().__init__(msg)
        self.result = result


def wait_for(provider: Provider, spec: WaitSpec, keys: list[Hashable], initial: dict) -> WaitResult:
    """Run the waiter for ``keys``; returns the :class:`WaitResult` when every key is done, or when
    the slice the action plugin asked for ended first (``result.sliced``).

    Raises :class:`WaitFailed` on a failure status or a timeout, and :class:`ApiError` (with the
    partial ``wait_result`` attached) when polling itself fails.
    """
    waiter = Waiter(
        fetch=provider.poll,
        is_done=lambda obj: spec.reached(provider, obj),
        is_failed=lambda obj: spec.failure(provider, obj) is not None,
        describe=provider.describe,
        budget=provider.budget,
        schedule=PollSchedule(max_interval=spec.sleep),
        sequential=not provider.polls_every_pending,
    )
    result = waiter.run(keys, initial=dict((k, o) for k, o in initial.items() if o is not None), part=wait_slice())
    # judged on what the wait saw (the complete read that follows may be a moment later)
    bad = result.failed_keys[0] if result.outcome == OUTCOME_FAILED else None
    seen = result.objects.get(bad)
    if result.outcome == OUTCOME_SLICE:
        return result  # what the polls saw is enough for a progress line; the last slice reads the rest
    result.objects = provider.complete(keys, result.objects)
    if result.outcome == OUTCOME_DONE:
        return result
    if result.outcome == OUTCOME_FAILED:
        obj = seen
        msg = "%s %s %s after %.1fs (%d polls): it is %s; waited for %s" % (
            provider.noun.capitalize(), bad, spec.failure(provider, obj), result.elapsed, result.polls,
            provider.describe(obj), ", ".join(sorted(spec.targets)))
        advice = provider.advice(obj)
        if advice:
            msg += ". %s" % advice
    else:
        msg = "Timed out after %.1fs (%d polls) waiting for %s %s to reach %s; last seen: %s" % (
            result.elapsed, result.polls, provider.noun + ("s" if len(result.pending_keys) > 1 else ""),
            ", ".join(str(k) for k in result.pending_keys), ", ".join(sorted(spec.targets)),
            "; ".join("%s %s" % (k, provider.describe(result.objects[k])) for k in result.pending_keys
                      if k in result.objects) or "nothing (no poll got an answer)")
        if result.last_error is not None:
            msg += "; the last poll failed: %s" % result.last_error
    raise WaitFailed(msg, result)


def _waited(keys: list, wait_result: WaitResult) -> tuple:
    """The last-seen objects of ``keys`` (in order) and the ``wait`` summary of a wait result."""
    return [wait_result.objects[k] for k in keys if k in wait_result.objects], wait_result.summary()


# -- the runners --------------------------------------------------------------------------------------
def fail(module: AnsibleModule, exc: Exception, **extra: Any) -> None:
    """The one place an exception becomes a failed task (no traceback, no secret)."""
    result = exc.to_result() if isinstance(exc, ApiError) else {}
    result.update(extra)
    result["msg"] = str(exc)
    fail_with(module, result)


def fail_with(module: AnsibleModule, result: dict) -> None:
    """Fail the task with ``result`` (which has ``msg``), every credential of the run redacted."""
    module.fail_json(**secrets_of(module).redact(result))


def exit_with(module: AnsibleModule, result: dict) -> None:
    """End the task with ``result``, every credential of the run redacted (results quote provider data)."""
    module.exit_json(**secrets_of(module).redact(result))


def start(module: AnsibleModule, provider_class: type[_P]) -> _P:
    """Everything a task checks before its first request: libraries, the time options, options that
    only the user can get wrong (shared and the provider's own); then the task's budget starts."""
    libs = [("requests", HAS_REQUESTS, REQUESTS_IMPORT_ERROR)] + list(provider_class.requirements)
    for name, present, error in libs:
        if not present:
            module.fail_json(msg=missing_required_lib(name), exception=error)
    params = module.params
    try:
        check_time_options(params)
        check_transport_options(params)
        progress = params.get("wait_progress")
        if progress is not None and not 0 <= progress <= 3600:
            raise OptionError("wait_progress must be between 0 and 3600 seconds (0: no progress lines), got %s" % progress)
        for option in ("fail_on", "wait_match", "allow_empty"):
            if params.get(option) is not None and not params.get("wait_for"):
                raise OptionError("%s only applies together with wait_for" % option)
        provider = provider_class(module, Budget.for_task(params))
        provider.check_options()
    except (BudgetError, OptionError, ApiError) as exc:
        fail(module, exc, changed=False)
    return provider


def run_info(module: AnsibleModule, provider_class: type[InfoProvider]) -> None:
    """The generic ``*_status_info`` runner: catalogue, lookup, then a wait or a read, then the result."""
    provider = start(module, provider_class)
    result = dict(changed=False)
    keys = []
    try:
        result.update(provider.catalogue())
        spec = WaitSpec.from_params(module.params, provider)
        selected = provider.lookup()
        keys = [key for key, _obj in selected]
        objects = dict((key, obj) for key, obj in selected if obj is not None)
        if spec is not None and not keys and not module.params.get("allow_empty"):
            raise TaskFailed("wait_for: %s selected no %ss, so there is nothing to wait for; check the selection, or "
                             "set allow_empty=true when an empty selection is expected" % (
                                 selection(module.params, provider.selectors, provider.noun), provider.noun))
        if spec is not None and keys:
            waited = wait_for(provider, spec, keys, objects)
            objects, result["wait"] = waited.objects, waited.summary()
            if waited.sliced:
                result[CONTINUE_KEY] = True
        else:
            unread = [key for key in keys if key not in objects]
            objects.update(provider.read(unread) if unread else {})
        # a slice of a wait that reads one object at a time can end before it read the later ones:
        # the slice reports what it saw (the last slice reads every one)
        result[provider.result_key] = [objects[k] for k in keys if k in objects]
        result.update(provider.catalogue())  # as read again if a cached copy lacked a status
    except WaitFailed as exc:
        found, summary = _waited(keys, exc.result)
        fail_with(module, {"msg": str(exc), "wait": summary, provider.result_key: found})
    except (ApiError, OptionError, TaskFailed) as exc:
        extra = {}
        partial = getattr(exc, "wait_result", None)
        if partial is not None:
            found, extra["wait"] = _waited(keys, partial)
            extra[provider.result_key] = found
        fail(module, exc, **extra)
    exit_with(module, result)


def _present(module, provider: OrderProvider, entry: Entry | None) -> Change:
    """``state=present``: update the order that exists, or create it once. An unsettled journal record
    for the identity (an earlier run sent the create call and never saw the order) is settled first,
    by looking for that order at the provider, never by sending again."""
    existing = provider.find()
    if entry is not None and entry.unsettled is not None:
        existing = _reconcile(module, provider, entry, existing)
    change = provider.create(entry) if existing is None else provider.update(existing)
    if entry is not None and change.keys and (entry.record or {}).get("state") != "done":
        entry.done(change.keys[0])
    return change


def _reconcile(module, provider: OrderProvider, entry: Entry, existing):
    """The order of an earlier run's unsettled create call: found (now or within the provider's record
    window), or None once that window has passed without it (that call placed nothing, so ordering is
    safe); while it may still appear, the task fails and orders nothing."""
    import time

    what = entry.describe()
    left = entry.since + provider.record_window - time.time()
    if existing is None and left > 0:
        existing, _spent = search(provider.find, provider.budget, module.params["wait_sleep"],
                                  within=min(left, provider.budget.remaining()))
    if existing is not None:
        entry.done(provider.order_id(existing))
        warn(module, "%s; the order was found now, so it was not ordered again" % what)
        return existing
    left = entry.since + provider.record_window - time.time()
    if left > 0:
        raise TaskFailed("%s. Nothing was ordered: the order may still appear. Run the task again after %ds, or look "
                         "the order up first (the status_info module); if you are sure no order was placed, delete %s"
                         % (what, max(1, int(left)), entry.path))
    warn(module, "%s; no such order appeared within %ds, so that call placed nothing, and the order is placed now"
         % (what, provider.record_window))
    entry.drop()
    return None


def run_order(module: AnsibleModule, provider_class: type[OrderProvider]) -> None:
    """The generic order runner: find the order, then create, update or remove it (or predict that in
    check mode), then the optional wait follows the objects the change names; diff mode reports the
    states before and after. A failure after something changed reports ``provider.progress()``."""
    provider = start(module, provider_class)
    result = dict(changed=False)
    keys = []
    try:
        result.update(provider.catalogue())
        spec = WaitSpec.from_params(module.params, provider)
        if module.params["state"] == "present" and not module.check_mode and provider.identity() is not None:
            journal = Journal(module.params["journal_dir"] or DEFAULT_DIR)
            with journal.hold(provider.identity(), provider.budget) as entry:
                change = _present(module, provider, entry)
        elif module.params["state"] == "present":
            change = _present(module, provider, None)
        else:
            change = provider.remove(provider.find())
        result.update(change.result)
        result["changed"] = change.changed
        if module._diff:
            result["diff"] = {"before": change.before, "after": change.after}
        keys = change.keys
        if spec is not None and keys and not module.check_mode:
            waited = wait_for(provider, spec, keys, change.objects)
            result[provider.item_key] = waited.objects[keys[0]]
            result["wait"] = waited.summary()
            if waited.sliced:
                result[CONTINUE_KEY] = True
        result.update(provider.catalogue())  # as read again if a cached copy lacked a status
    except WaitFailed as exc:
        # the change happened: report it with the last-seen object
        found, result["wait"] = _waited(keys, exc.result)
        result[provider.item_key] = found[0] if found else result.get(provider.item_key)
        result["msg"] = str(exc)
        fail_with(module, result)
    except (ApiError, OptionError, TaskFailed) as exc:
        result.update(provider.progress())
        result["changed"] = result["changed"] or getattr(exc, "changed", False)
        partial = getattr(exc, "wait_result", None)
        if partial is not None:
            found, result["wait"] = _waited(keys, partial)
            result[provider.item_key] = found[0] if found else result.get(provider.item_key)
        fail(module, exc, **result)
    exit_with(module, result)
