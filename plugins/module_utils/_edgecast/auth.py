# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""OAuth 2.0 client-credentials tokens for Edgecast CPS (private: not for use outside this collection).

One :class:`TokenAuth` per module run: it fetches a token from ``<ids_url>/connect/token`` on the
first call, reuses it until shortly before it expires, and fetches a new one when the API answers
401 (the HTTP seam then repeats the request once). It is shared by the worker threads of an info
run, so the token is guarded by a lock and a burst of 401s from several threads fetches one new
token, not one per thread.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time

from ansible_collections.certops.orders.plugins.module_utils._http import ApiError

#: Seconds before ``expires_in`` runs out at which a cached token is no longer used.
EXPIRY_MARGIN = 30.0


class TokenAuth:
    """The HTTP seam's auth hook: ``apply(headers)`` adds the bearer token, ``renew()`` replaces it."""

    def __init__(self, http, token_url, client_id, client_secret, scope, margin=EXPIRY_MARGIN, clock=None):
        self.http = http
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.margin = float(margin)
        self.clock = clock or time.monotonic
        self.fetches = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self._token = None
        self._expires_at = 0.0

    def apply(self, headers):
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._fetch()
            token = self._token
        self._local.used = token
        headers["Authorization"] = "Bearer " + token
        return None

    def renew(self):
        """Fetch a new token after a 401, unless another thread already replaced the one refused."""
        refused = getattr(self._local, "used", None)
        with self._lock:
            if self._token is None or self._token == refused:
                self._fetch()
        return True

    def _fetch(self):
        form = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_id": self.client_id,
            "client_secret": self._secret,
        }
        what = "could not get an access token for client_id %r and scope %r from the token service" % (
            self.client_id, self.scope)
        try:
            response = self.http.request("POST", self.token_url, form=form, use_auth=False, idempotent=True,
                                         headers={"Cache-Control": "no-cache"})
        except ApiError as exc:
            exc.msg = "%s: %s" % (what, exc.msg)
            raise
        data = response.data if isinstance(response.data, dict) else {}
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise ApiError("%s: the answer carries no access_token" % what, status=response.status,
                           method="POST", url=response.url)
        try:
            lifetime = float(data.get("expires_in") or 300)
        except (TypeError, ValueError):
            lifetime = 300.0
        self._token = token
        self._expires_at = self.clock() + max(0.0, lifetime - min(self.margin, lifetime / 2.0))
        self.fetches += 1
