# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The Edgecast CPS connection (private fragment); use together with certops.orders._transport.
    DOCUMENTATION = r"""
options:
  client_id:
    description:
      - The client id of a REST API (OAuth 2.0) client from the VDMS Identity dashboard.
      - If not set, the value of the E(EDGECAST_CLIENT_ID) environment variable is used.
      - Required, from this option or the environment; when neither gives it, the task fails before any request
        and names both. Set it once for every task with C(module_defaults) for C(group/certops.orders.edgecast).
    type: str
  client_secret:
    description:
      - The secret of that client.
      - If not set, the value of the E(EDGECAST_CLIENT_SECRET) environment variable is used.
      - The module fetches one access token per run and reuses it until shortly before it expires;
        when the API refuses a token (HTTP 401), it fetches a new one and repeats the request. A request
        refused three times in a row (after two new tokens) fails.
      - A wrong secret fails the task with the token service's answer (HTTP status and OAuth error).
      - Required, from this option or the E(EDGECAST_CLIENT_SECRET) environment variable, like O(client_id).
    type: str
  scope:
    description:
      - The OAuth scope to request. CPS needs V(sec.cps.certificates).
    type: str
    default: sec.cps.certificates
  api_url:
    description:
      - The base URL of the API gateway; the CPS API is below C(<api_url>/sec/cps).
      - If not set, the value of the E(EDGECAST_API_URL) environment variable is used, and if that is
        not set either, the default.
      - A URL with user info (C(user:password@)) is refused; credentials belong in O(client_id) and
        O(client_secret).
    type: str
    default: https://api.vdms.io
  ids_url:
    description:
      - The base URL of the identity (token) service; tokens come from C(<ids_url>/connect/token).
      - If not set, the value of the E(EDGECAST_IDS_URL) environment variable is used, and if that is
        not set either, the default.
      - A URL with user info (C(user:password@)) is refused, as for O(api_url).
    type: str
    default: https://id.vdms.io
"""
