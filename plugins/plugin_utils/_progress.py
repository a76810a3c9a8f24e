# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Long waits a person can watch (private: not for use outside this collection).

A module cannot write to the controller's output while it runs: Ansible shows its result when it
ends. So the action plugin of each module runs a wait in slices of ``wait_progress`` seconds: each
slice is one module call that waits at most that long (told by the ``CERTOPS_WAIT_SLICE``
environment variable, see ``module_utils/_runner.wait_slice``) and returns what it saw; between
slices the plugin prints each status change and one line with the time waited, the polls and the
orders per status, then starts the next slice with what is left of the task's ``wait_timeout``.

- The first slice is the module the task names. An order module's later slices are its info module,
  reading the order by id: a slice never repeats what the order module did (place, renew, resend).
- The budget stays one: each slice gets what is left of ``wait_timeout`` since the task started, and
  the poll schedule, the polls and the history go on where the previous slice stopped.
- The result is the one a single call returns: ``changed``, ``diff`` and the order module's own keys
  from the first slice, the last-seen order from the last one, ``wait`` over all slices.
- Check mode (which never waits), ``async`` (Ansible runs the module in the background; poll it with
  ``async_status``), ``wait_progress: 0`` and tasks without ``wait_for`` run the module once, as
  Ansible's own action plugin does.
"""

from __future__ import annotations

import importlib
import json
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.certops.orders.plugins.module_utils._wait import CONTINUE_KEY, SLICE_ENV

display = Display()

#: the most status-change lines one slice prints (a batch of 1,000 orders would flood the output)
MAX_CHANGE_LINES = 20
DEFAULT_PROGRESS = 60
DEFAULT_TIMEOUT = 600


def _seconds(value) -> str:
    value = int(value)
    return "%dm%02ds" % divmod(value, 60) if value >= 60 else "%ds" % value


def _status(obj: dict) -> str:
    return " / ".join(str(obj[k]) for k in ("status", "order_status") if obj.get(k) is not None) or "unknown"


class ProgressAction(ActionBase):
    """Runs the module, in slices when it waits (see the module docstring)."""

    _supports_check_mode = True
    _supports_async = True

    #: where the selected objects are in the module's result: a list key (``orders``) or an item key
    #: (``order``)
    RESULT_KEY = "orders"
    ITEM_KEY = None
    #: an order module's follower: ``module`` (the info module), ``id_option`` (its option that selects
    #: by id), ``package`` and ``info_class`` (its provider, for its options and selectors; imported only
    #: when a wait goes on, as it loads the HTTP libraries, which a controller need not load for every
    #: task) and ``result_key`` (where its result lists the objects)
    FOLLOW = None
    NOUN = "order"

    _extra_env: dict = {}

    def _compute_environment_string(self, raw_environment_out=None):
        if not self._extra_env:
            return super()._compute_environment_string(raw_environment_out)
        env = {}
        super()._compute_environment_string(env)
        env.update(self._extra_env)
        if isinstance(raw_environment_out, dict):
            raw_environment_out.clear()
            raw_environment_out.update(env)
        return self._connection._shell.env_prefix(**env)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        interval = self._number(args.get("wait_progress"), DEFAULT_PROGRESS)
        wrap_async = self._task.async_val
        if wrap_async or self._task.check_mode or not args.get("wait_for") or not interval or interval < 0:
            result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
            result.pop(CONTINUE_KEY, None)
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        try:
            return merge_hash(result, self._sliced(args, interval, task_vars))
        finally:
            self._extra_env = {}
            self._remove_tmp_path(self._connection._shell.tmpdir)

    @staticmethod
    def _number(value, default):
        if value is None:
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0  # the module refuses it with its own message

    def _sliced(self, args: dict, interval: int, task_vars: dict) -> dict:
        started = time.monotonic()
        deadline = started + max(0, self._number(args.get("wait_timeout"), DEFAULT_TIMEOUT))
        host = (task_vars or {}).get("inventory_hostname", "?")
        first = None
        module, module_args = self._task.action, dict(args)
        history, last = [], {}
        origin, polls = None, 0
        while True:
            now = time.monotonic()
            waited = 0.0 if origin is None else max(0.0, now - origin)
            self._extra_env = {SLICE_ENV: json.dumps({"seconds": interval, "waited": round(waited, 3), "polls": polls})}
            if first is not None:
                # the first slice gets the task's own options, so that the module checks them as given
                # (a negative or malformed wait_timeout is refused with its message, not clamped to 0)
                module_args["wait_timeout"] = max(0, int(deadline - now))
            answer = self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars)
            wait = answer.get("wait") if isinstance(answer.get("wait"), dict) else None
            changes = []
            if wait is not None:
                if origin is None:
                    origin = time.monotonic() - float(wait.get("elapsed") or 0)
                polls = int(wait.get("polls") or 0)
                changes = [h for h in wait.get("history") or [] if last.get(h.get("id"), object()) != h.get("status")]
                for entry in changes:
                    last[entry.get("id")] = entry.get("status")
                history += changes
                wait["history"] = list(history)
            going_on = answer.pop(CONTINUE_KEY, False) and not answer.get("failed")
            if first is None:
                first = answer
            if not going_on:
                self._show_changes(host, changes)
                return self._final(first, answer, module != self._task.action)
            self._show_changes(host, changes)
            self._show(host, answer, wait, deadline - started)
            if module == self._task.action and self.FOLLOW is not None:
                module, module_args = self._follower(args, answer)

    def _objects(self, answer: dict) -> list:
        if self.ITEM_KEY is not None and isinstance(answer.get(self.ITEM_KEY), dict):
            return [answer[self.ITEM_KEY]]
        found = answer.get(self.RESULT_KEY)
        if found is None and self.FOLLOW is not None:
            found = answer.get(self.FOLLOW["result_key"])
        return [o for o in found or [] if isinstance(o, dict)]

    def _show_changes(self, host: str, changes: list) -> None:
        """A line for each status change a slice saw (the first slice: each object's first status)."""
        name = self._task.get_name()
        for entry in changes[:MAX_CHANGE_LINES]:
            display.display("[%s] %s: %s %s is %s (after %s)" % (
                host, name, self.NOUN, entry.get("id"), entry.get("status"), _seconds(entry.get("elapsed") or 0)))
        if len(changes) > MAX_CHANGE_LINES:
            display.display("[%s] %s: ... and %d more status changes" % (host, name, len(changes) - MAX_CHANGE_LINES))

    def _show(self, host: str, answer: dict, wait: dict, budget: float) -> None:
        """The periodic line: time waited, polls, objects per status."""
        name = self._task.get_name()
        counts = {}
        for obj in self._objects(answer):
            counts[_status(obj)] = counts.get(_status(obj), 0) + 1
        display.display("[%s] %s: waiting for %s, %s of %s, %d polls; %s" % (
            host, name, ", ".join(str(n) for n in self._task.args.get("wait_for") or []),
            _seconds(wait.get("elapsed") or 0), _seconds(budget), int(wait.get("polls") or 0),
            ", ".join("%d %s" % (n, status) for status, n in sorted(counts.items())) or "no %ss" % self.NOUN))

    def _follower(self, args: dict, answer: dict) -> tuple:
        """The info module call that goes on with the wait of the order the first slice managed."""
        follow = self.FOLLOW
        provider = importlib.import_module("ansible_collections.certops.orders.plugins.module_utils.%s.provider"
                                           % follow["package"])
        options = provider.info_argument_spec()
        selectors = getattr(provider, follow["info_class"]).selectors
        item = answer.get(self.ITEM_KEY) or {}
        follow_args = dict((k, v) for k, v in args.items() if k in options and k not in selectors)
        follow_args[follow["id_option"]] = item.get("id")
        return follow["module"], follow_args

    def _final(self, first: dict, last: dict, followed: bool) -> dict:
        """The task's result: the first slice's (what the task changed), with the last slice's view of
        the objects, wait and outcome."""
        if first is last:
            return last
        result = dict(first)
        for key in ("wait", "failed", "msg"):
            result.pop(key, None)
            if key in last:
                result[key] = last[key]
        if followed:
            found = last.get(self.FOLLOW["result_key"]) or []
            if found:
                result[self.ITEM_KEY] = found[0]
            for key in ("http_status", "http_method", "http_url", "provider_code", "provider_message"):
                if key in last:
                    result[key] = last[key]
        else:
            result[self.RESULT_KEY] = last.get(self.RESULT_KEY, result.get(self.RESULT_KEY))
        return result
