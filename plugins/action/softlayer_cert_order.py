# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs softlayer_cert_order, showing the progress of long waits: after the first slice, the wait goes on
with softlayer_cert_order_status_info for the order's id (plugin_utils/_progress)."""

from __future__ import annotations

from ansible_collections.certops.orders.plugins.plugin_utils._progress import ProgressAction


class ActionModule(ProgressAction):
    ITEM_KEY = "order"
    FOLLOW = {"module": "certops.orders.softlayer_cert_order_status_info", "id_option": "order_id", "package": "_softlayer",
              "info_class": "SoftLayerInfo", "result_key": "orders"}
