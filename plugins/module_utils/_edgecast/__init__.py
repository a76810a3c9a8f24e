# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Edgecast CPS v2.0 certificate requests (private to certops.orders).

The layout every provider package shares (docs/docsite/rst/architecture.rst):

- ``client``: the connection options, the OAuth client-credentials token, CPS's error conventions
  and the API calls;
- ``models``: pydantic models of CPS answers and the modules' flat result dicts;
- ``statuses``: the two status vocabularies and their phase map;
- ``provider``: the provider contract, implemented for the two modules.
"""
