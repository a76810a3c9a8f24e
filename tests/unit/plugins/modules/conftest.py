# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run modules in-process: exit/fail become exceptions, time is fake, warnings are recorded."""

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils import _budget, _http, _wait
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail, FakeTime


@pytest.fixture(autouse=True)
def fake_time(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(_wait, "time", clock)
    monkeypatch.setattr(_http, "time", clock)
    monkeypatch.setattr(_budget, "time", clock)
    return clock


@pytest.fixture(autouse=True)
def warnings(monkeypatch):
    seen = []

    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: seen.append(msg))
    return seen


@pytest.fixture
def run_module():
    """``run_module(main, args, check_mode=False, diff=False)`` -> ``(ok, result)``."""

    def run(main, args, check_mode=False, diff=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
        with patch_module_args(args):
            with pytest.raises((Exit, Fail)) as outcome:
                main()
        return outcome.type is Exit, outcome.value.args[0]

    return run
