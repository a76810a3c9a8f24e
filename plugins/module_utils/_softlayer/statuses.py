# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SoftLayer certificate request status names, their phases, and what the modules derive from them
(private: not for use outside this collection).

The names are SoftLayer's documented ones; the ids behind them come from the catalogue at run time.
No pydantic here: every module start imports this.
"""

from __future__ import annotations

PENDING = "Pending CA Approval"
APPROVED = "Approved"
COMPLETE = "Complete"
CANCELED = "Canceled"

#: provider-neutral phase of each documented status name (docs/docsite/rst/guide_waiting.rst)
PHASES = {PENDING: "action_required", APPROVED: "issued", COMPLETE: "issued", CANCELED: "canceled"}
#: statuses an order has passed on its way to a status (docs/docsite/rst/guide_waiting.rst, "Which statuses
#: satisfy a wait"): waiting for Approved accepts Complete, and both follow the CA's approval
PASSED = {APPROVED: (PENDING,), COMPLETE: (PENDING, APPROVED)}
#: the default ``fail_on``: a canceled order never goes on
FAILURES = (CANCELED,)
#: statuses in which each e-mail can be resent: the approver's before approval, the fulfillment after
RESEND_STATUSES = {"approver": (PENDING,), "fulfillment": (APPROVED, COMPLETE)}


def passed(status: str | None) -> list[str]:
    """The names an order in ``status`` has left behind on its lifecycle."""
    return list(PASSED.get(status, ()))
