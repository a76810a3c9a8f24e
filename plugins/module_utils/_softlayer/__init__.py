# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IBM Cloud Classic Infrastructure (SoftLayer) certificate orders (private to certops.orders).

- ``connection``: the connection options, credentials (options, environment, ``~/.softlayer``),
  HTTP Basic auth and SoftLayer's error conventions;
- ``api``: the REST v3.1 calls the modules make;
- ``models``: pydantic models of the provider's records and the modules' result shapes;
- ``provider``: the :class:`Provider` classes behind the two modules.
"""
