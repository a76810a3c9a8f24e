# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Runs edgecast_cert_order, showing the progress of long waits: after the first slice, the wait goes on
with edgecast_cert_order_status_info for the certificate's id (plugin_utils/_progress)."""

from __future__ import annotations

from ansible_collections.certops.orders.plugins.plugin_utils._progress import ProgressAction


class ActionModule(ProgressAction):
    ITEM_KEY = "certificate"
    NOUN = "certificate"
    FOLLOW = {"module": "certops.orders.edgecast_cert_order_status_info", "id_option": "certificate_id", "package": "_edgecast",
              "info_class": "EdgecastInfo", "result_key": "certificates"}
