# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SoftLayer REST v3.1 calls behind the certificate-order modules.

URLs take SLDN's form ``{Service}[/{id}]/{method}.json``; parameters travel as
``{"parameters": [...]}`` in a POST body; masks, filters and ``resultLimit`` as query parameters.
Reads, ``verifyOrder`` and ``validateCsr`` are retried by the HTTP seam; ``placeOrder``,
``cancelSslOrder`` and ``resendEmail`` never are (decision D5).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading

STATUS = "SoftLayer_Security_Certificate_Request_Status"
REQUEST = "SoftLayer_Security_Certificate_Request"
SERVER_TYPE = "SoftLayer_Security_Certificate_Request_ServerType"
PACKAGE = "SoftLayer_Product_Package"
ORDER = "SoftLayer_Product_Order"
ACCOUNT = "SoftLayer_Account"

SSL_PACKAGE_TYPE = "ADDITIONAL_SERVICES_SSL_CERTIFICATE"
FALLBACK_PACKAGE_TYPE = "ADDITIONAL_SERVICES"
CONTAINER_TYPE = "SoftLayer_Container_Product_Order_Security_Certificate"
PAGE_SIZE = 100
ID_CHUNK = 100

# Every local property the modules report, plus the billing order's id (relational, so masked).
REQUEST_MASK = ("mask[id,commonName,statusId,approverEmailAddress,technicalContactEmailAddress,"
                "createDate,modifyDate,effectiveDate,expirationDate,order[id]]")
REQUEST_MASK_WITH_CSR = REQUEST_MASK[:-1] + ",certificateSigningRequest]"


def as_list(data):
    """SoftLayer may answer a one-element list with the bare object (decision D4)."""
    if data is None:
        return []
    if isinstance(data, list):
        return data
    return [data]


def request_filter(**leaves):
    """An objectFilter under the ``securityCertificateRequest`` root from ``name=operation`` pairs."""
    return {"securityCertificateRequest": leaves}


def equals(value):
    return {"operation": value}


def one_of(values):
    return {"operation": "in", "options": [{"name": "data", "value": list(values)}]}


class SoftLayerApi:
    """Thin, typed-by-convention wrapper over :class:`HttpClient`; safe to share between threads."""

    def __init__(self, http):
        self.http = http
        self._account_id = None
        self._lock = threading.Lock()

    # -- the one call --------------------------------------------------------------------------
    def call(self, service, method, obj_id=None, parameters=None, mask=None, object_filter=None,
             limit=None, idempotent=True):
        """Call ``service::method`` and return ``(data, total_items)``."""
        path = service + ("/%s" % obj_id if obj_id is not None else "") + "/%s.json" % method
        query = {}
        if mask:
            query["objectMask"] = mask
        if object_filter:
            query["objectFilter"] = json.dumps(object_filter, separators=(",", ":"))
        if limit:
            query["resultLimit"] = "%d,%d" % limit
        if parameters is None:
            response = self.http.request("GET", path, params=query or None, idempotent=idempotent)
        else:
            response = self.http.request("POST", path, params=query or None,
                                         json_body={"parameters": list(parameters)}, idempotent=idempotent)
        total = response.headers.get("SoftLayer-Total-Items")
        return response.data, int(total) if total and total.isdigit() else None

    def get(self, service, method, obj_id=None, **kwargs):
        return self.call(service, method, obj_id, **kwargs)[0]

    # -- catalogues ----------------------------------------------------------------------------
    def request_statuses(self):
        return as_list(self.get(STATUS, "getSslRequestStatuses"))

    def server_types(self):
        return as_list(self.get(SERVER_TYPE, "getAllObjects", mask="mask[id,name,description]"))

    def ssl_items(self):
        """``(package_id, items)`` of the SSL certificate package (Terraform's lookup, §6.6)."""
        for package_type in (SSL_PACKAGE_TYPE, FALLBACK_PACKAGE_TYPE):
            packages = as_list(self.get(
                PACKAGE, "getAllObjects", mask="mask[id,name,isActive,type[keyName]]",
                object_filter={"type": {"keyName": equals(package_type)}}))
            packages = [p for p in packages if isinstance(p, dict) and "OUTLET" not in str(p.get("name", "")).upper()]
            for package in packages:
                items = as_list(self.get(PACKAGE, "getItems", package["id"],
                                         mask="mask[id,keyName,description,capacity,units,prices[id,locationGroupId]]"))
                if any(str(item.get("keyName", "")).startswith("SSL_CERTIFICATE") for item in items):
                    return package["id"], items
        return None, []

    # -- account and requests -------------------------------------------------------------------
    def account_id(self):
        with self._lock:
            if self._account_id is None:
                self._account_id = self.get(ACCOUNT, "getObject", mask="mask[id]")["id"]
            return self._account_id

    def get_request(self, request_id, mask=REQUEST_MASK):
        return self.get(REQUEST, "getObject", request_id, mask=mask)

    def list_requests(self, object_filter=None, mask=REQUEST_MASK):
        """Every request of the account matching ``object_filter``, following ``resultLimit`` pages."""
        account = self.account_id()
        found = []
        offset = 0
        while True:
            data, total = self.call(REQUEST, "getSslCertificateRequests", parameters=[account], mask=mask,
                                    object_filter=object_filter, limit=(offset, PAGE_SIZE))
            page = as_list(data)
            found.extend(page)
            offset += len(page)
            if len(page) < PAGE_SIZE or (total is not None and offset >= total):
                return found

    def requests_by_id(self, ids):
        """``{id: request}`` for ``ids`` in one filtered list call per chunk of 100 ids."""
        found = {}
        ids = list(ids)
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start:start + ID_CHUNK]
            for item in self.list_requests(request_filter(id=one_of(chunk))):
                if isinstance(item, dict) and item.get("id") in chunk:
                    found[item["id"]] = item
        return found

    def requests_for_order(self, billing_order_id, mask=REQUEST_MASK):
        """The requests a billing order created (Terraform passes the id as a string, §5.2)."""
        return self.list_requests(request_filter(order={"id": equals(str(billing_order_id))}), mask=mask)

    # -- ordering (verifyOrder has no side effect; placeOrder is never retried) ------------------
    def verify_order(self, container):
        return self.get(ORDER, "verifyOrder", parameters=[container], idempotent=True)

    def place_order(self, container):
        return self.get(ORDER, "placeOrder", parameters=[container, False], idempotent=False)

    # -- actions with side effects (never retried; callers re-read after an ambiguous failure) ---
    def cancel(self, request_id):
        return self.get(REQUEST, "cancelSslOrder", request_id, idempotent=False)

    def resend_email(self, request_id, email_type):
        return self.get(REQUEST, "resendEmail", request_id, parameters=[email_type], idempotent=False)
