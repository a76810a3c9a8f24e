# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pieces of a scripted SoftLayer REST conversation both module tests use; they register on
``http``, the strict ``responses.RequestsMock`` of the fixture of that name (tests/unit/plugins/conftest.py)."""

BASE = "https://sl.example.test/rest/v3.1/"
KEY = "0123456789abcdef-secret-api-key"
CONN = {"username": "SL1", "api_key": KEY, "endpoint_url": BASE}
STATUSES = [
    {"id": 50, "name": "Pending CA Approval", "description": "waiting"},
    {"id": 43, "name": "Approved", "description": "approved"},
    {"id": 49, "name": "Complete", "description": "done"},
    {"id": 51, "name": "Canceled", "description": "canceled"},
]
REQ = BASE + "SoftLayer_Security_Certificate_Request/"
LIST = REQ + "getSslCertificateRequests.json"


def catalogue(http):
    """The status catalogue every run reads first."""
    http.get(BASE + "SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json", json=STATUSES)


def account(http):
    """The account id, which every list call needs (a read by order id does not)."""
    http.get(BASE + "SoftLayer_Account/getObject.json", json={"id": 123456})


def calls(http, fragment, method=None):
    """The recorded calls whose URL contains ``fragment``."""
    return [c for c in http.calls if fragment in c.request.url and (method is None or c.request.method == method)]
