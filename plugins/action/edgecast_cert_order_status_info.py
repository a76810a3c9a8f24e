# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs edgecast_cert_order_status_info, showing the progress of long waits (plugin_utils/_progress)."""

from __future__ import annotations

from ansible_collections.certops.orders.plugins.plugin_utils._progress import ProgressAction


class ActionModule(ProgressAction):
    RESULT_KEY = "certificates"
    NOUN = "certificate"
