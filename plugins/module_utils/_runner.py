# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Provider-neutral module plumbing (private: not for use outside this collection).

- the shared argument specs (transport and wait options) matching the doc fragments;
- the provider-neutral ``phase`` vocabulary;
- wait options checked against the provider's status catalogue, and the one place a wait turns
  into a module result;
- one place where errors become ``fail_json`` (no tracebacks, no secrets);
- a bounded worker pool for fetching many orders at once;
- :func:`run_info`, the generic runner behind every ``*_status_info`` module.

A provider plugs in through a :class:`Provider` subclass in its own package
(``_softlayer``, ``_edgecast``); the module files only declare documentation and call a runner.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.certops.orders.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    HttpClient,
    RetryPolicy,
)
from ansible_collections.certops.orders.plugins.module_utils._wait import (
    OUTCOME_DONE,
    OUTCOME_FAILED,
    PollSchedule,
    Waiter,
)

#: The provider-neutral phase reported beside every provider status.
PHASES = ("pending", "action_required", "issued", "failed", "canceled", "deleted")

DEFAULT_WORKERS = 8


class OptionError(Exception):
    """Bad module input detected before (or instead of) a provider call."""


class TaskFailed(Exception):
    """A failure that is neither bad input nor a failed HTTP call (for example a placed order whose
    record did not show up in time); ``partial_result`` may carry what already happened."""

    def __init__(self, msg, partial_result=None):
        super(TaskFailed, self).__init__(msg)
        self.partial_result = partial_result


def transport_argument_spec():
    """Options every provider connection shares (doc fragment ``certops.orders._transport``)."""
    return dict(
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="int", default=30),
        proxy_url=dict(type="str"),
        retries=dict(type="int", default=4),
    )


def wait_argument_spec():
    """The wait options (doc fragment ``certops.orders._wait``)."""
    return dict(
        wait_for=dict(type="list", elements="str"),
        wait_timeout=dict(type="int", default=600),
        wait_sleep=dict(type="int", default=30),
        fail_on=dict(type="list", elements="str"),
    )


def check_url(option, value, example):
    """Raise :class:`OptionError` unless ``value`` is an http:// or https:// URL with a host (checked
    before any request, so that no credential goes to a URL that was never meant)."""
    try:
        from urllib.parse import urlsplit
    except ImportError:  # pragma: no cover - Python 2
        from urlparse import urlsplit  # type: ignore
    parts = urlsplit(value or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionError("%s must be an http:// or https:// URL, such as %s; got %r" % (option, example, value))


def installed(name):
    """Whether ``name`` can be imported, without importing it: a library that only some code paths
    use (pydantic) is imported where it is used, not on every module start."""
    try:
        from importlib.util import find_spec
    except ImportError:  # pragma: no cover - Python 2
        return False
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def check_requirements(module, extra=()):
    """Fail with ``missing_required_lib`` when requests (or an ``extra`` library) is missing.

    ``extra`` holds ``(name, has_it, import_traceback)`` triples from the provider packages.
    """
    libs = [("requests", HAS_REQUESTS, REQUESTS_IMPORT_ERROR)] + list(extra)
    for name, present, error in libs:
        if not present:
            module.fail_json(msg=missing_required_lib(name), exception=error)


def http_client(module, base_url, auth=None, **options):
    """An :class:`HttpClient` from the transport options; warns once when TLS checks are off.

    ``options`` are the provider's own :class:`HttpClient` arguments (``error_parser``,
    ``retryable_codes``, ``classify``, ``body_error``, ``headers``).
    """
    params = module.params
    if params["timeout"] <= 0:
        raise OptionError("timeout must be a positive number of seconds, got %s" % params["timeout"])
    if params["retries"] < 0:
        raise OptionError("retries must be 0 or more, got %s" % params["retries"])
    if not params["validate_certs"]:
        module.warn("validate_certs is false: the provider's TLS certificate is not verified. Use this "
                    "only against a test endpoint; set ca_path to trust a private CA instead.")
    return HttpClient(
        base_url, timeout=params["timeout"], validate_certs=params["validate_certs"],
        ca_path=params["ca_path"], proxy_url=params["proxy_url"], auth=auth,
        retry=RetryPolicy(retries=params["retries"]), user_agent="certops.orders", **options)


def map_bounded(func, items, workers=DEFAULT_WORKERS):
    """``[func(item) for item in items]`` on at most ``workers`` threads; the first error is raised."""
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        return [func(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(func, items))


def send_once(module, send, took_effect, what):
    """Send a call that changes state, exactly once, and return its answer.

    When it fails without a clear answer (``ApiError.ambiguous``), ``took_effect()`` (a read; None
    when the caller reconciles by itself) decides instead of a second send: True warns and carries
    on (returning None); otherwise the failure stands and says the call was not repeated.
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


def selected_ids(one, many):
    """The ids an info module's ``<x>_id`` / ``<x>_ids`` options select, each once, in the order
    given; None when neither is set (an empty list selects nothing)."""
    if one is None and many is None:
        return None
    return list(dict.fromkeys([one] if one is not None else many))


def read_ids(one, many, read, bulk=None):
    """``[(id, object)]`` for the ids of :func:`selected_ids`, or None: by ``bulk(ids)``
    (``{id: object}``) when the API reads many at once, else by ``read(id)`` on the bounded pool."""
    ids = selected_ids(one, many)
    if ids is None:
        return None
    if bulk is not None and len(ids) > 1:
        found = bulk(ids)
        return [(i, found[i]) for i in ids]
    return list(zip(ids, map_bounded(read, ids)))


def check_names(option, names, valid):
    """Raise :class:`OptionError` naming the status names of ``option`` not in ``valid``, and the valid ones."""
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise OptionError("%s has unknown status name%s %s; valid names are: %s" % (
            option, "s" if len(unknown) > 1 else "", ", ".join(repr(n) for n in unknown), ", ".join(valid)))


class WaitSpec:
    """Target and failure status names, checked against the provider's vocabulary."""

    def __init__(self, targets, failures, timeout, sleep):
        self.targets = frozenset(targets)
        self.failures = frozenset(failures)
        self.timeout = timeout
        self.sleep = sleep

    @classmethod
    def from_params(cls, params, vocabulary, default_fail_on):
        """None when ``wait_for`` is not set; raises :class:`OptionError` on bad input.

        ``vocabulary`` and ``default_fail_on`` are lists, or callables returning them: a callable
        is only called when a wait is asked for, so a provider fetches its catalogue only then.
        """
        wait_for = params.get("wait_for")
        fail_on = params.get("fail_on")
        if not wait_for:
            if fail_on:
                raise OptionError("fail_on only applies together with wait_for")
            return None
        valid = list(vocabulary() if callable(vocabulary) else vocabulary)
        check_names("wait_for", wait_for, valid)
        check_names("fail_on", fail_on or [], valid)
        if fail_on is None:
            fail_on = default_fail_on() if callable(default_fail_on) else default_fail_on
        failures = set(fail_on) - set(wait_for)
        if params["wait_timeout"] < 0:
            raise OptionError("wait_timeout must be 0 or more seconds, got %s" % params["wait_timeout"])
        if params["wait_sleep"] < 1:
            raise OptionError("wait_sleep must be at least 1 second, got %s" % params["wait_sleep"])
        return cls(wait_for, failures, params["wait_timeout"], params["wait_sleep"])

    def reached(self, names):
        return bool(self.targets.intersection(names))

    def failed(self, names):
        return bool(self.failures.intersection(names))


class Provider:
    """What a provider package supplies to the generic runners.

    A subclass is built once per module run with the module; it owns the provider's API client.
    """

    #: result key holding the selected objects of an info module (``orders``, ``certificates``)
    result_key = "orders"
    #: result key holding the one object an order module manages (``order``, ``certificate``)
    item_key = "order"
    #: what one object is called in messages
    noun = "order"
    #: extra ``(name, present, traceback)`` library checks
    requirements = ()

    def __init__(self, module):
        self.module = module

    def catalogue(self):
        """Result keys that every run returns (the provider's status catalogues)."""
        return {}

    def vocabulary(self):
        """Status names accepted by ``wait_for`` and ``fail_on``."""
        raise NotImplementedError

    def default_fail_on(self):
        """The provider's terminal failure statuses."""
        return []

    def select(self):
        """The objects the module's options select, as ``[(key, object), ...]``."""
        raise NotImplementedError

    def fetch(self, keys):
        """``{key: object}`` for ``keys`` (concurrently where it helps)."""
        raise NotImplementedError

    #: True when the API has no bulk read: the waiter then polls the pending objects one at a time
    #: (see :class:`Waiter`) instead of reading every pending object each round
    sequential_polls = False
    #: set by the runners before ``select()``: whether the task will wait (a provider may then
    #: select keys with None objects, or objects with just what the wait needs, and read the rest
    #: in ``finish()``)
    waiting = False

    def probe(self, keys):
        """``{key: object}`` with what a poll needs (the statuses); by default a full ``fetch``."""
        return self.fetch(keys)

    def finish(self, keys, objects):
        """The full objects to return after a wait, from the last-seen ones (``{key: object}``,
        which may lack keys that the wait never read)."""
        return objects

    def statuses(self, obj):
        """The status names an object is in (one per provider vocabulary)."""
        return [obj.get("status")]

    def describe(self, obj):
        """The status text for the wait history."""
        return " / ".join(str(s) for s in self.statuses(obj) if s is not None)


class WaitFailed(Exception):
    """A wait that ended in a failure status or a timeout; ``result`` is the :class:`WaitResult`."""

    def __init__(self, msg, result):
        super(WaitFailed, self).__init__(msg)
        self.result = result


def wait_for(provider, spec, keys, initial):
    """Run the waiter for ``keys``; returns the :class:`WaitResult` when every key is done.

    Raises :class:`WaitFailed` on a failure status or a timeout, and :class:`ApiError` (with the
    partial ``wait_result`` attached) when polling itself fails.
    """
    waiter = Waiter(
        fetch=provider.probe,
        is_done=lambda obj: spec.reached(provider.statuses(obj)),
        is_failed=lambda obj: spec.failed(provider.statuses(obj)),
        describe=provider.describe,
        timeout=spec.timeout,
        schedule=PollSchedule(max_interval=spec.sleep),
        sequential=provider.sequential_polls,
    )
    result = waiter.run(keys, initial=dict((k, o) for k, o in initial.items() if o is not None))
    result.objects = provider.finish(keys, result.objects)
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
                      if k in result.objects))
    raise WaitFailed(msg, result)


def _waited(keys, wait_result):
    """The last-seen objects of ``keys`` (in order) and the ``wait`` summary of a wait result."""
    return [wait_result.objects[k] for k in keys if k in wait_result.objects], wait_result.summary()


def fail(module, exc, **extra):
    """The one place an exception becomes a failed task (no traceback, no secret)."""
    if isinstance(exc, ApiError):
        result = exc.to_result()
        result.update(extra)
        module.fail_json(msg=str(exc), **result)
    module.fail_json(msg=str(exc), **extra)


class Change:
    """What an order module did (or, in check mode, would do).

    ``before``/``after`` are the diff states (plain JSON data, None for absent); ``keys`` and
    ``objects`` are what a wait should follow (empty when there is nothing to wait for);
    ``result`` holds the module's own result keys (for example ``order`` and ``receipt``);
    ``spent`` is how many seconds of the wait budget the change itself used.
    """

    def __init__(self, changed, before=None, after=None, keys=(), objects=None, result=None, spent=0.0):
        self.changed = changed
        self.spent = spent
        self.before = before
        self.after = after
        self.keys = list(keys)
        self.objects = dict(objects or {})
        self.result = dict(result or {})


def run_info(module, provider_class):
    """The generic ``*_status_info`` runner: catalogue, selection, optional wait, result."""
    check_requirements(module, provider_class.requirements)
    try:
        provider = provider_class(module)
        result = dict(changed=False)
        result.update(provider.catalogue())
        spec = WaitSpec.from_params(module.params, provider.vocabulary, provider.default_fail_on)
        provider.waiting = spec is not None
        selected = provider.select()
        keys = [key for key, _obj in selected]
        objects = dict(selected)
        if spec is not None and keys:
            waited = wait_for(provider, spec, keys, objects)
            objects, result["wait"] = waited.objects, waited.summary()
        result[provider.result_key] = [objects[k] for k in keys]
    except WaitFailed as exc:
        found, summary = _waited(keys, exc.result)
        module.fail_json(msg=str(exc), wait=summary, **{provider.result_key: found})
    except (ApiError, OptionError) as exc:
        extra = {}
        partial = getattr(exc, "wait_result", None)
        if partial is not None:
            found, extra["wait"] = _waited(keys, partial)
            extra[provider.result_key] = found
        fail(module, exc, **extra)
    module.exit_json(**result)


def run_order(module, provider_class):
    """The generic order runner: ``provider.ensure()`` places, changes or cancels (or predicts it in
    check mode), then the optional wait follows the objects it names; diff mode reports the states
    before and after.

    The provider class also defines ``item_key`` (the result key of the one object a task
    manages, such as ``order``) and ``ensure()`` returning a :class:`Change`. An exception that
    ``ensure()`` raises after it already changed something carries those result keys as
    ``partial_result`` (for example ``{"changed": True, "order": ...}``); the failed task reports them.
    Seconds ``ensure()`` already spent waiting (``Change.spent``) come off ``wait_timeout``.
    """
    check_requirements(module, provider_class.requirements)
    result = dict(changed=False)
    keys = []
    try:
        provider = provider_class(module)
        result.update(provider.catalogue())
        spec = WaitSpec.from_params(module.params, provider.vocabulary, provider.default_fail_on)
        change = provider.ensure()
        result.update(change.result)
        result["changed"] = change.changed
        if module._diff:
            result["diff"] = {"before": change.before, "after": change.after}
        keys = change.keys
        if spec is not None and keys and not module.check_mode:
            spec.timeout = max(0, spec.timeout - change.spent)  # one budget for the whole task
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
        # what ensure() already did before it failed (for example ``changed`` after a create)
        result.update(getattr(exc, "partial_result", None) or {})
        partial = getattr(exc, "wait_result", None)
        if partial is not None:
            found, result["wait"] = _waited(keys, partial)
            result[provider.item_key] = found[0] if found else result.get(provider.item_key)
        fail(module, exc, **result)
    module.exit_json(**result)
