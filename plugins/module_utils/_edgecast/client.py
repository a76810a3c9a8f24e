# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Edgecast CPS REST API v2.0 calls over the HTTP seam (private: not for use outside this collection).

Every path is relative to ``<api_url>/sec/cps``. Reads are retried by the seam; the create POST
never is (a 401 is repeated once after a new token, because the gateway refused it unprocessed).
PATCH calls with the same body are idempotent; every other write (cancel, delete, renew,
retrigger, DCV check, organization change) is sent once, and callers re-read the status after an
ambiguous failure instead of repeating it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

#: Where CPS lives below the API gateway.
CPS_PATH = "/sec/cps"
#: The largest page CPS serves (and the default).
PAGE_SIZE = 20
#: Never follow more pages than this (a guard against an API that keeps offering a next page).
MAX_PAGES = 500


def parse_error(body):
    """``(code, message)`` from a Hyperion error body or an OAuth 2.0 token-service error."""
    if not isinstance(body, dict):
        return None, None
    if isinstance(body.get("error"), str) and "code" not in body:  # RFC 6749 section 5.2
        description = body.get("error_description")
        return body["error"], description if isinstance(description, str) and description else body["error"]
    code = body.get("code") if isinstance(body.get("code"), str) else None
    parts = [p for p in (body.get("title"), body.get("description")) if isinstance(p, str) and p]
    message = ": ".join(parts) if parts else None
    details = []
    for detail in body.get("details") or []:
        if not isinstance(detail, dict) or not isinstance(detail.get("description"), str):
            continue
        source = detail.get("source")
        details.append("%s: %s" % (source, detail["description"]) if source else detail["description"])
    if details:
        message = "%s (%s)" % (message, "; ".join(details)) if message else "; ".join(details)
    if message is None:
        message = body.get("message") if isinstance(body.get("message"), str) else None
    return code, message


def cps_base(api_url):
    return api_url.rstrip("/") + CPS_PATH


def certificate_path(cert_id):
    return "/v2.0/certificates/%d" % int(cert_id)


class CpsClient:
    """One method per CPS call; answers are the decoded JSON bodies (None for 204)."""

    def __init__(self, http):
        self.http = http

    def _get(self, path, params=None):
        return self.http.get(path, params=params).data

    # -- reads -----------------------------------------------------------------------------
    def appendix(self, name):
        return self._get("/v2.0/appendix/%s" % name)

    def certificates(self, query=None):
        """Every item of ``GET /v2.0/certificates`` (optionally filtered), following every page."""
        items = []
        page = 1
        while page <= MAX_PAGES:
            params = {"page": page, "page_size": PAGE_SIZE}
            if query:
                params["query"] = query
            data = self._get("/v2.0/certificates", params=params) or {}
            batch = data.get("items") or []
            items.extend(batch)
            total = data.get("total_items")
            links = data.get("@links") or {}
            if not batch:
                break
            if isinstance(total, int):
                if len(items) >= total:
                    break
            elif "next" not in links and len(batch) < PAGE_SIZE:
                break
            page += 1
        return items

    def certificate(self, cert_id):
        return self._get(certificate_path(cert_id))

    def status(self, cert_id):
        return self._get(certificate_path(cert_id) + "/status")

    def dcv(self, cert_id, domain_ids):
        params = {"domain_ids": ",".join(str(i) for i in domain_ids)} if domain_ids else None
        return self._get("/v2.0/dcv/certificates/%d" % int(cert_id), params=params)

    def notifications(self, cert_id):
        return self._get(certificate_path(cert_id) + "/notifications")

    # -- writes ----------------------------------------------------------------------------
    def create(self, body):
        """POST the new request once: never retried (reference D6)."""
        return self.http.post("/v2.0/certificates/cdnprovided", json_body=body, idempotent=False).data

    def update(self, cert_id, body):
        return self.http.request("PATCH", certificate_path(cert_id), json_body=body, idempotent=True).data

    def update_notifications(self, cert_id, items):
        return self.http.request("PATCH", certificate_path(cert_id) + "/notifications", json_body=items,
                                 idempotent=True).data

    def update_organization(self, cert_id, organization):
        return self.http.request("PUT", certificate_path(cert_id) + "/organization", json_body=organization,
                                 idempotent=False).data

    def cancel(self, cert_id):
        self.http.request("PUT", certificate_path(cert_id) + "/cancel", params={"apply": "true"}, idempotent=False)

    def delete(self, cert_id):
        self.http.request("DELETE", certificate_path(cert_id), idempotent=False)

    def renew(self, cert_id):
        self.http.request("PUT", certificate_path(cert_id) + "/renew", idempotent=False)

    def retrigger(self, cert_id):
        self.http.request("PUT", certificate_path(cert_id) + "/retrigger", idempotent=False)

    def dcv_check(self, cert_id):
        self.http.request("PUT", "/v2.0/dcv/certificates/%d/check" % int(cert_id), idempotent=False)
