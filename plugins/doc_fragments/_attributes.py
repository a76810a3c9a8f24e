# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # Shared attribute blocks (private fragment).

    # Every module.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode with the same arguments, the second run reports no change,
        provided nothing else changed the order in between.
"""

    # Read-only modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
    details:
      - This action does not modify state.
"""

    # Modules that place, change or cancel orders (each module adds the details of its own actions
    # that always report a change).
    ORDER_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

    ACTIONGROUP_SOFTLAYER = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/certops.orders.softlayer) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - certops.orders.softlayer
"""

    ACTIONGROUP_EDGECAST = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/certops.orders.edgecast) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - certops.orders.edgecast
"""
