# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # The SoftLayer connection options (private fragment; use with certops.orders._transport).
    DOCUMENTATION = r"""
options:
  username:
    description:
      - The IBM Cloud Classic Infrastructure (SoftLayer) API username, or the literal V(apikey) to
        authenticate with an IBM Cloud API key in O(api_key).
      - When not set, the first of the environment variables E(SL_USERNAME), E(IAAS_CLASSIC_USERNAME)
        and E(SOFTLAYER_USERNAME) is used; when neither this option, O(api_key) nor those variables
        are set, the C(username) key of the C([softlayer]) section of C(~/.softlayer) (the
        softlayer-python configuration file).
    type: str
  api_key:
    description:
      - The classic infrastructure API key of O(username), or an IBM Cloud API key when O(username)
        is V(apikey).
      - When not set, the first of E(SL_API_KEY), E(IAAS_CLASSIC_API_KEY) and E(SOFTLAYER_API_KEY),
        then the C(api_key) key of C(~/.softlayer) (see O(username)).
    type: str
  endpoint_url:
    description:
      - The REST endpoint of the API.
      - When not set, the first of E(SL_ENDPOINT_URL), E(IAAS_CLASSIC_ENDPOINT_URL) and
        E(SOFTLAYER_ENDPOINT_URL), then the C(endpoint_url) key of C(~/.softlayer), then
        V(https://api.softlayer.com/rest/v3.1/) (use V(https://api.service.softlayer.com/rest/v3.1/)
        on the private network).
      - Only REST endpoints are supported, not XML-RPC.
      - A URL with user info (C(user:password@)) is refused; credentials belong in O(username) and O(api_key).
    type: str
notes:
  - Every call authenticates with HTTP Basic, as SoftLayer's REST API expects.
  - Reads are retried on SoftLayer's rate limit (HTTP 500 C(SoftLayer_Exception_WebService_RateLimitExceeded)),
    internal errors and dropped connections. C(placeOrder), C(cancelSslOrder) and C(resendEmail) are
    never repeated automatically.
"""
