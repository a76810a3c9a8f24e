# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The expiry selector of both info modules (private fragment).
    DOCUMENTATION = r"""
options:
  expiring_within_days:
    description:
      - Select only certificates that expire within this many days (0 to 3650), counted from the time
        the task runs; expired certificates are selected too (they have a negative RV(ignore:days_left)).
      - Certificates that are not issued yet have no expiration date and are never selected by it.
      - Applies on top of the other selectors; each returned certificate carries its
        C(expiration_date) and C(days_left) (whole days left, rounded down).
    type: int
"""
