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
- one place where errors become ``fail_json`` (no tracebacks, no secrets).

The runners talk to a provider only through the contract in ``_contract``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget, BudgetError, check_time_options
from ansible_collections.certops.orders.plugins.module_utils._contract import (
    InfoProvider,
    OptionError,
    OrderProvider,
    Provider,
    TaskFailed,
)
from ansible_collections.certops.orders.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    Auth,
    HttpClient,
    RetryPolicy,
)
from ansible_collections.certops.orders.plugins.module_utils._wait import (
    OUTCOME_DONE,
    OUTCOME_FAILED,
    PollSchedule,
    Waiter,
    WaitResult,
)

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
    )


def wait_argument_spec() -> dict:
    """The wait options (doc fragment ``certops.orders._wait``)."""
    return dict(
        wait_for=dict(type="list", elements="str"),
        wait_timeout=dict(type="int", default=600),
        wait_sleep=dict(type="int", default=30),
        fail_on=dict(type="list", elements="str"),
    )


def check_url(option: str, value: str | None, example: str) -> None:
    """Raise :class:`OptionError` unless ``value`` is an http:// or https:// URL with a host (checked
    before any request, so that no credential goes to a URL that was never meant)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError("%s must be an http:// or https:// URL, such as %s; got %r" % (option, example, value))


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
    """An :class:`HttpClient` from the transport options and the task's budget; warns once when TLS
    checks are off. ``options`` are the provider's own :class:`HttpClient` arguments."""
    params = module.params
    check_ca_path(params)
    if not params["validate_certs"]:
        module.warn("validate_certs is false: the provider's TLS certificate is not verified. Use this "
                    "only against a test endpoint; set ca_path to trust a private CA instead.")
    return HttpClient(
        base_url, validate_certs=params["validate_certs"], ca_path=params["ca_path"], proxy_url=params["proxy_url"],
        auth=auth, retry=RetryPolicy(retries=params["retries"]), user_agent="certops.orders", budget=budget,
        **options)


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
            module.warn("%s failed without a clear answer (%s), but a read afterwards shows it took effect; it was "
                        "not repeated" % (what, exc.msg))
            return None
        exc.msg = "%s; it was not repeated (the call changes state, and nothing read afterwards shows that it " \
                  "took effect)" % exc.msg
        raise


def search(find: Callable, budget: Budget, sleep: float, at_least: float = 0) -> tuple:
    """Call ``find()`` (an object or None) until it finds something or the budget ends, pacing the
    calls like a wait (at most ``sleep`` seconds apart); the budget lasts ``at_least`` seconds for
    this search. Returns ``(object or None, seconds searched)``."""
    with budget.at_least(at_least):
        waiter = Waiter(fetch=lambda keys: {"object": find()}, is_done=lambda obj: obj is not None,
                        is_failed=lambda obj: False, describe=lambda obj: "found" if obj else "not found yet",
                        budget=budget, schedule=PollSchedule(max_interval=sleep))
        result = waiter.run(["object"])
    return (result.objects.get("object") if result.outcome == OUTCOME_DONE else None), result.elapsed


class Created:
    """What :func:`create_once` settled: ``answer`` is the create call's answer, or None when the call
    failed without a clear answer and ``found`` (the object a read found afterwards) stands in."""

    def __init__(self, answer: Any = None, found: Any = None) -> None:
        self.answer = answer
        self.found = found


def create_once(module: AnsibleModule, send: Callable[[], Any], find: Callable[[], Any], what: str,
                not_found: str | Callable[[], str], describe: Callable[[Any], str]) -> Created:
    """The one create-once routine of every provider: send the call that creates (and costs) an
    order exactly once, never retried. When it fails without a clear answer (a timeout, a reset, a
    5xx), ``find()`` looks for what the call would have made (it may search for a while, see
    :func:`search`): found, the task warns (naming it with ``describe(found)``) and goes on with it;
    not found, the failure stands with ``not_found`` (a text, or a callable returning one: what the
    user should do, since the order may exist) appended.
    """
    try:
        return Created(answer=send())
    except ApiError as exc:
        if not exc.ambiguous:
            raise
        found = find()
        if found is None:
            exc.msg = "%s; %s" % (exc.msg, not_found() if callable(not_found) else not_found)
            raise
        module.warn("%s failed without a clear answer (%s), but %s exists now: the request was processed, and it "
                    "was not sent again" % (what, exc.msg, describe(found)))
        return Created(found=found)


# -- waiting ----------------------------------------------------------------------------------------
class WaitSpec:
    """Target and failure status names, checked against the provider's vocabulary."""

    def __init__(self, targets: Iterable[str], failures: Iterable[str], sleep: float) -> None:
        self.targets = frozenset(targets)
        self.failures = frozenset(failures)
        self.sleep = sleep

    @classmethod
    def from_params(cls, params: dict, provider: Provider) -> WaitSpec | None:
        """None when ``wait_for`` is not set; raises :class:`OptionError` for unknown names. The
        provider's vocabulary (a catalogue request) is only read when a wait is asked for."""
        wait_for = params.get("wait_for")
        if not wait_for:
            return None
        vocabulary = provider.vocabulary()
        fail_on = params.get("fail_on")
        check_names("wait_for", wait_for, vocabulary.names)
        check_names("fail_on", fail_on or [], vocabulary.names)
        if fail_on is None:
            fail_on = vocabulary.failures
        return cls(wait_for, set(fail_on) - set(wait_for), params["wait_sleep"])

    def reached(self, names: Iterable[str | None]) -> bool:
        return bool(self.targets.intersection(names))

    def failed(self, names: Iterable[str | None]) -> bool:
        return bool(self.failures.intersection(names))


class WaitFailed(Exception):
    """A wait that ended in a failure status or a timeout; ``result`` is the :class:`WaitResult`."""

    def __init__(self, msg: str, result: WaitResult) -> None:
        super().__init__(msg)
        self.result = result


def wait_for(provider: Provider, spec: WaitSpec, keys: list[Hashable], initial: dict) -> WaitResult:
    """Run the waiter for ``keys``; returns the :class:`WaitResult` when every key is done.

    Raises :class:`WaitFailed` on a failure status or a timeout, and :class:`ApiError` (with the
    partial ``wait_result`` attached) when polling itself fails.
    """
    waiter = Waiter(
        fetch=provider.poll,
        is_done=lambda obj: spec.reached(provider.statuses(obj)),
        is_failed=lambda obj: spec.failed(provider.statuses(obj)),
        describe=provider.describe,
        budget=provider.budget,
        schedule=PollSchedule(max_interval=spec.sleep),
        sequential=not provider.reads_in_bulk,
    )
    result = waiter.run(keys, initial=dict((k, o) for k, o in initial.items() if o is not None))
    result.objects = provider.complete(keys, result.objects)
    if result.outcome == OUTCOME_DONE:
        return result
    if result.outcome == OUTCOME_FAILED:
        bad = result.failed_keys[0]
        msg = "%s %s reached the failure status %s after %.1fs (%d polls); waited for %s" % (
            provider.noun.capitalize(), bad, provider.describe(result.objects[bad]), result.elapsed,
            result.polls, ", ".join(sorted(spec.targets)))
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
    if isinstance(exc, ApiError):
        result = exc.to_result()
        result.update(extra)
        module.fail_json(msg=str(exc), **result)
    module.fail_json(msg=str(exc), **extra)


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
        if params.get("fail_on") and not params.get("wait_for"):
            raise OptionError("fail_on only applies together with wait_for")
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
        if spec is not None and keys:
            waited = wait_for(provider, spec, keys, objects)
            objects, result["wait"] = waited.objects, waited.summary()
        else:
            unread = [key for key in keys if key not in objects]
            objects.update(provider.read(unread) if unread else {})
        result[provider.result_key] = [objects[k] for k in keys]
    except WaitFailed as exc:
        found, summary = _waited(keys, exc.result)
        module.fail_json(msg=str(exc), wait=summary, **{provider.result_key: found})
    except (ApiError, OptionError, TaskFailed) as exc:
        extra = {}
        partial = getattr(exc, "wait_result", None)
        if partial is not None:
            found, extra["wait"] = _waited(keys, partial)
            extra[provider.result_key] = found
        fail(module, exc, **extra)
    module.exit_json(**result)


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
        existing = provider.find()
        if module.params["state"] == "present":
            change = provider.create() if existing is None else provider.update(existing)
        else:
            change = provider.remove(existing)
        result.update(change.result)
        result["changed"] = change.changed
        if module._diff:
            result["diff"] = {"before": change.before, "after": change.after}
        keys = change.keys
        if spec is not None and keys and not module.check_mode:
            waited = wait_for(provider, spec, keys, change.objects)
            result[provider.item_key] = waited.objects[keys[0]]
            result["wait"] = waited.summary()
    except WaitFailed as exc:
        # the change happened: report it with the last-seen object
        found, result["wait"] = _waited(keys, exc.result)
        result[provider.item_key] = found[0] if found else result.get(provider.item_key)
        result["msg"] = str(exc)
        module.fail_json(**result)
    except (ApiError, OptionError, TaskFailed) as exc:
        result.update(provider.progress())
        partial = getattr(exc, "wait_result", None)
        if partial is not None:
            found, result["wait"] = _waited(keys, partial)
            result[provider.item_key] = found[0] if found else result.get(provider.item_key)
        fail(module, exc, **result)
    module.exit_json(**result)
