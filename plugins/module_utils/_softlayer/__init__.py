# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""IBM Cloud Classic Infrastructure (SoftLayer) certificate orders (private to certops.orders).

The layout every provider package shares (docs/docsite/rst/architecture.rst):

- ``client``: the connection options, credentials (options, environment, ``~/.softlayer``), HTTP
  Basic auth, SoftLayer's error conventions and the REST v3.1 calls;
- ``models``: pydantic models of the provider's records and the modules' result shapes, and the CSR
  helpers (``csr_identity``: common name, DNS names and DER digest, read with cryptography);
- ``statuses``: the status vocabulary and its phase map;
- ``provider``: the provider contract, implemented for the two modules.
"""
