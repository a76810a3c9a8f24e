# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SoftLayer certificate request status names (reference §8) and what the modules derive from them
(private: not for use outside this collection). No pydantic here: every module start imports this."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PENDING = "Pending CA Approval"
APPROVED = "Approved"
COMPLETE = "Complete"
CANCELED = "Canceled"

#: provider-neutral phase of each documented status name (docs/docsite/rst/guide_waiting.rst)
PHASES = {PENDING: "action_required", APPROVED: "issued", COMPLETE: "issued", CANCELED: "canceled"}
#: statuses an order has passed on its way to a status: waiting for Approved accepts Complete
PASSED = {COMPLETE: (APPROVED,)}
