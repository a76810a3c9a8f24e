# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The order journal of the modules that place orders (private fragment).
    DOCUMENTATION = r"""
options:
  journal_dir:
    description:
      - The directory of the order journal on the host that runs the task (usually the controller).
      - Before the call that places an order, the module records its intent there and holds a lock for
        the order's identity, so that two runs on this host never place the same order twice, and a run
        killed after the call does not make the next run order again (the next run looks the order up
        instead, and fails with instructions while it may still appear).
      - Runs on different hosts do not see each other's journal; run order tasks on one host
        (C(delegate_to=localhost) with C(run_once=true), or one job per order).
      - Check mode never writes it.
      - The E(CERTOPS_JOURNAL_DIR) environment variable is used when the option is not set, and
        C(~/.ansible/certops_orders/journal) when neither is.
    type: path
"""
