# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every task result, retries included, as JSON lines in the file named by RELIABILITY_EVENTS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import threading
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: reliability_events
type: aggregate
short_description: every task result (retries included) for the reliability tests
description:
  - Appends one JSON object per runner event (ok, failed, unreachable, retry, item ok, item failed)
    to the file named by E(RELIABILITY_EVENTS).
requirements:
  - enabled in callbacks_enabled
"""

#: result keys copied as they are (small, JSON types)
KEPT = ("changed", "failed", "attempts", "msg", "http_status", "http_method", "http_url", "provider_code",
        "provider_message", "wait", "receipt")
#: the object an order or info module returns, reduced to what the tests count
OBJECT_KEYS = ("id", "status", "order_status", "common_name", "label", "order_id", "phase")


def _text(value):
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


def _warnings(result, data):
    found = []
    for warning in data.get("warnings") or []:
        found.append(warning if isinstance(warning, str) else _text(warning))
    for warning in getattr(result, "warnings", None) or []:
        event = getattr(warning, "event", None)
        msg = getattr(event, "msg", None) if event is not None else None
        found.append(msg if isinstance(msg, str) else str(warning))
    return list(dict.fromkeys(found))


def _traceback(result, data):
    """The traceback (or module crash) text a result carries, or None.

    A failed task carries ``exception`` even without a traceback ("(traceback unavailable)"): only
    a real traceback or ansible's MODULE FAILURE counts."""
    texts = []
    exception = getattr(result, "exception", None)
    event = getattr(exception, "event", None) if exception is not None else None
    texts.append(getattr(event, "formatted_traceback", None) if event is not None else None)
    for key in ("exception", "module_stderr", "module_stdout", "msg"):
        texts.append(data.get(key))
    for text in texts:
        if isinstance(text, str) and ("Traceback (most recent call last)" in text or "MODULE FAILURE" in text):
            return text
    return None


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._path = os.environ.get("RELIABILITY_EVENTS")
        self._lock = threading.Lock()

    def _record(self, event, result):
        if not self._path:
            return
        data = getattr(result, "result", None)
        if data is None:
            data = getattr(result, "_result", {})
        if "results" in data and event in ("ok", "failed"):
            return  # a loop's summary: its items were recorded one by one
        host = getattr(result, "host", None) or result._host  # ansible-core 2.19+ / older
        task = getattr(result, "task", None) or result._task
        entry = {"time": time.time(), "event": event, "host": host.get_name(), "task": task.get_name(),
                 "action": task.action}
        label = data.get("_ansible_item_label", data.get("item"))
        if label is not None:
            entry["item"] = label if isinstance(label, (str, int)) else _text(label)
        for key in KEPT:
            if key in data:
                entry[key] = data[key]
        for key in ("order", "certificate"):
            obj = data.get(key)
            if isinstance(obj, dict):
                entry[key] = dict((k, obj.get(k)) for k in OBJECT_KEYS if k in obj)
            elif key in data:
                entry[key] = None
        for key in ("orders", "certificates"):
            objs = data.get(key)
            if isinstance(objs, list):
                entry[key] = [dict((k, o.get(k)) for k in OBJECT_KEYS if k in o) for o in objs if isinstance(o, dict)]
        entry["warnings"] = _warnings(result, data)
        entry["traceback"] = _traceback(result, data)
        line = json.dumps(entry, default=str)
        with self._lock:
            with open(self._path, "a") as handle:
                handle.write(line + "\n")

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    def v2_runner_retry(self, result):
        self._record("retry", result)

    def v2_runner_item_on_ok(self, result):
        self._record("item_ok", result)

    def v2_runner_item_on_failed(self, result):
        self._record("item_failed", result)
