# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record when each task starts and ends (wall clock) into the JSON file named by BENCH_TIMES."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = """
name: bench_timer
type: aggregate
short_description: task start and end times for the benchmarks
description: Writes a JSON list of tasks with their start and end times to the file named by E(BENCH_TIMES).
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.tasks.append({"name": task.get_name(), "start": time.time(), "end": None, "failed": False})

    def _done(self, result, failed=False, skipped=False):
        if self.tasks:
            self.tasks[-1]["end"] = time.time()
            self.tasks[-1]["failed"] = self.tasks[-1]["failed"] or failed
            self.tasks[-1]["skipped"] = skipped

    def v2_runner_on_ok(self, result):
        self._done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._done(result, skipped=True)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCH_TIMES")
        if path:
            with open(path, "w") as handle:
                json.dump(self.tasks, handle)
