# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Edgecast CPS v2.0 wire: connection options, the OAuth token, error conventions and the calls
(private: not for use outside this collection).

Every path is relative to ``<api_url>/sec/cps``. Reads are retried by the HTTP seam; the create POST
never is (a 401 is repeated after a new token, because the gateway refused it unprocessed).
PATCH calls with the same body are idempotent; every other write (cancel, delete, renew,
retrigger, DCV check, organization change) is sent once, and callers re-read the status after an
ambiguous failure instead of repeating it. A write is a :class:`Call`, built here and sent by
:meth:`CpsClient.send`, so the request log a module returns shows exactly what went on the wire.

The token: one :class:`TokenAuth` per module run fetches it from ``<ids_url>/connect/token`` on the
first call, reuses it until shortly before it expires, and fetches a new one when the API answers
401 (the HTTP seam then repeats the request, and renews at most twice per request: see
``_http.MAX_RENEWALS``). Worker threads share one token, numbered by a generation: a request
remembers the generation it sent, and a 401 fetches a new token only while that generation is still
the current one, so a burst of 401s from several threads on the same token fetches one new token,
not one each. Token fetches go through the same HTTP seam, so they count against the task's budget.
The client secret and every token issued are registered with the seam's :class:`Secrets`, so that
an error that echoes the token request's body or an ``Authorization`` header shows neither.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError, Paging, parse
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError, Applied, HttpClient
from ansible_collections.certops.orders.plugins.module_utils._runner import check_url, http_client, secrets_of

DEFAULT_API_URL = "https://api.vdms.io"
DEFAULT_IDS_URL = "https://id.vdms.io"


#: the environment variables the credentials fall back to
CREDENTIAL_ENV = {"client_id": "EDGECAST_CLIENT_ID", "client_secret": "EDGECAST_CLIENT_SECRET"}


def connection_argument_spec() -> dict:
    """The connection options (doc fragment ``certops.orders._edgecast``). The credentials are not
    ``required``: they often come from ``module_defaults`` or the environment, which linters cannot
    see, so :func:`connect` checks them instead, naming both places to set them."""
    return dict(
        client_id=dict(type="str", fallback=(env_fallback, [CREDENTIAL_ENV["client_id"]])),
        client_secret=dict(type="str", no_log=True, fallback=(env_fallback, [CREDENTIAL_ENV["client_secret"]])),
        scope=dict(type="str", default="sec.cps.certificates"),
        api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["EDGECAST_API_URL"])),
        ids_url=dict(type="str", default=DEFAULT_IDS_URL, fallback=(env_fallback, ["EDGECAST_IDS_URL"])),
    )


#: Where CPS lives below the API gateway.
CPS_PATH = "/sec/cps"
#: The largest page CPS serves (and the default).
PAGE_SIZE = 20
#: The most list pages read in one listing (10,000 certificates): a provider still offering pages
#: after that is looping, and the listing fails instead of returning part of the list.
MAX_PAGES = 500
#: The certificate list.
LIST_PATH = "/v2.0/certificates"


def _models() -> ModuleType:
    """The pydantic models, imported on first use (a task that fails on its options never loads them)."""
    from ansible_collections.certops.orders.plugins.module_utils._edgecast import models

    return models


def parse_error(body: Any) -> tuple[str | None, str | None]:
    """``(code, message)`` from a Hyperion error body or an OAuth 2.0 token-service error; a body of
    another shape gives ``(None, None)``, and the failure is reported by its HTTP status."""
    if not isinstance(body, dict):
        return None, None
    error = _models().error_body(body)
    if error.error is not None and "code" not in body:  # RFC 6749 section 5.2
        return error.error, error.error_description or error.error
    parts = [p for p in (error.title, error.description) if p]
    message = ": ".join(parts) if parts else None
    details = ["%s: %s" % (d.source, d.description) if d.source else d.description
               for d in error.details or [] if d is not None and d.description is not None]
    if details:
        message = "%s (%s)" % (message, "; ".join(details)) if message else "; ".join(details)
    if message is None:
        message = error.message
    return error.code, message


def cps_base(api_url: str) -> str:
    return api_url.rstrip("/") + CPS_PATH


def certificate_path(cert_id: int | None) -> str:
    """The path of a certificate; ``{id}`` stands for the id of one not created yet (check mode)."""
    return "/v2.0/certificates/%s" % ("{id}" if cert_id is None else int(cert_id))


CREATE_PATH = "/v2.0/certificates/cdnprovided"


class Call:
    """One write, as sent and as the module's ``request`` log shows it."""

    def __init__(self, method: str, path: str, body: dict | list | None = None, params: dict | None = None,
                 idempotent: bool = False) -> None:
        self.method = method
        self.path = path
        self.body = body
        self.params = params
        self.idempotent = idempotent

    def as_result(self) -> dict:
        path = self.path + ("?" + urlencode(self.params) if self.params else "")
        return {"method": self.method, "path": path, "body": self.body}


def create_call(body: dict) -> Call:
    """The new request: sent once, never retried (it orders a certificate)."""
    return Call("POST", CREATE_PATH, body)


def update_call(cert_id: int, body: dict) -> Call:
    return Call("PATCH", certificate_path(cert_id), body, idempotent=True)


def notifications_call(cert_id: int | None, items: list) -> Call:
    """``items`` each carry ``enabled``, false included. The Go SDK leaves ``enabled: false`` out (its
    EmailNotification tags it omitempty), so CPS must read a missing ``enabled`` as false; but the docs
    and the Terraform provider call ``enabled`` required, and an explicit false means the same to a CPS
    of either reading, so the module never relies on the omission."""
    return Call("PATCH", certificate_path(cert_id) + "/notifications", items, idempotent=True)


def organization_call(cert_id: int, organization: dict) -> Call:
    return Call("PUT", certificate_path(cert_id) + "/organization", organization)


def cancel_call(cert_id: int, apply: bool = True) -> Call:
    """The cancel; ``apply=False`` is CPS's preview, which names the action a cancel would take and
    changes nothing (so it may be repeated like a read)."""
    return Call("PUT", certificate_path(cert_id) + "/cancel", params={"apply": "true" if apply else "false"},
                idempotent=not apply)


def delete_call(cert_id: int) -> Call:
    return Call("DELETE", certificate_path(cert_id))


def renew_call(cert_id: int) -> Call:
    return Call("PUT", certificate_path(cert_id) + "/renew")


def retrigger_call(cert_id: int) -> Call:
    return Call("PUT", certificate_path(cert_id) + "/retrigger")


def dcv_check_call(cert_id: int) -> Call:
    return Call("PUT", "/v2.0/dcv/certificates/%d/check" % int(cert_id))


def dcv_token_call(cert_id: int, domain_ids: list[int]) -> Call:
    """A new DCV token for the domains (answers a Collection of DomainDcvToken); sent once, as it
    replaces the token a DNS record may already carry."""
    params = {"domain_ids": ",".join(str(int(i)) for i in domain_ids)} if domain_ids else None
    return Call("PUT", "/v2.0/dcv/certificates/%d/token" % int(cert_id), params=params)


def dcv_resend_call(cert_id: int) -> Call:
    """The CA's DCV e-mail again (204); sent once: a repeat would send another e-mail."""
    return Call("POST", "/v2.0/dcv/certificates/%d/emails/resend" % int(cert_id))


class CpsClient:
    """One method per CPS call; answers are the decoded JSON bodies (None for 204)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _get(self, path: str, params: dict | None = None) -> Any:
        return self.http.get(path, params=params).data

    # -- reads -----------------------------------------------------------------------------
    def appendix(self, name: str) -> Any:
        return self._get("/v2.0/appendix/%s" % name)

    def certificates(self, query: str | None = None) -> list[dict]:
        """Every item of ``GET /v2.0/certificates`` (optionally filtered), following pages of
        :data:`PAGE_SIZE` until an empty page, the ``total_items`` count, or a short last page, at most
        :data:`MAX_PAGES` of them (see :class:`Paging` for what ends a listing with an error). Each
        item is an object with an integer ``id``; an answer that is not such a Collection (a bare
        list, null, fields of the wrong type) fails naming the call and the field."""
        models = _models()  # loads pydantic
        paging = Paging("GET %s" % LIST_PATH, PAGE_SIZE, MAX_PAGES, "use a more specific label or domain")
        items = []
        response = None
        for number in paging.pages():
            params = {"page": number + 1, "page_size": PAGE_SIZE}
            if query:
                params["query"] = query
            response = self.http.get(LIST_PATH, params=params)
            page = parse(models.certificate_page, response.data, "GET %s" % LIST_PATH)
            batch = page.items or []
            paging.check(batch, "page=%d" % (number + 1), page.total_items, response)
            items.extend(batch)
            if not batch:
                return items
            if page.total_items is not None:
                if len(items) >= page.total_items:
                    return items
            elif "next" not in (page.links or {}) and len(batch) < PAGE_SIZE:
                return items
        raise paging.exhausted(len(items), response)

    def certificate(self, cert_id: int) -> Any:
        return self._get(certificate_path(cert_id))

    def status(self, cert_id: int) -> Any:
        return self._get(certificate_path(cert_id) + "/status")

    def dcv(self, cert_id: int, domain_ids: list[int]) -> Any:
        params = {"domain_ids": ",".join(str(i) for i in domain_ids)} if domain_ids else None
        return self._get("/v2.0/dcv/certificates/%d" % int(cert_id), params=params)

    def notifications(self, cert_id: int) -> Any:
        return self._get(certificate_path(cert_id) + "/notifications")

    # -- writes ----------------------------------------------------------------------------
    def send(self, call: Call) -> Any:
        """Send a write; the decoded answer (None for an empty one)."""
        return self.http.request(call.method, call.path, params=call.params, json_body=call.body,
                                 idempotent=call.idempotent).data


def connect(module: AnsibleModule, budget: Budget) -> CpsClient:
    """A :class:`CpsClient` over one HTTP seam (no request is made: the token is fetched on the first call)."""
    params = module.params
    missing = [name for name in ("client_id", "client_secret") if params[name] is None]
    if missing:
        raise OptionError("missing %s: set the module option(s) (for every task at once with module_defaults for "
                          "group/certops.orders.edgecast) or the environment (%s)"
                          % (" and ".join(missing), " / ".join(CREDENTIAL_ENV[name] for name in missing)))
    for name in ("client_id", "client_secret", "scope", "api_url", "ids_url"):
        if not (params[name] or "").strip():
            raise OptionError("%s must not be empty" % name)
    secrets = secrets_of(module)
    for name, example in (("api_url", DEFAULT_API_URL), ("ids_url", DEFAULT_IDS_URL)):
        check_url(name, params[name], example, credentials="client_id and client_secret", secrets=secrets)
    http = http_client(module, cps_base(params["api_url"]), budget, error_parser=parse_error)
    http.auth = TokenAuth(http, params["ids_url"].rstrip("/") + "/connect/token", params["client_id"],
                          params["client_secret"], params["scope"])
    return CpsClient(http)


#: Seconds before ``expires_in`` runs out at which a cached token is no longer used.
EXPIRY_MARGIN = 30.0


class TokenAuth:
    """The HTTP seam's auth hook: ``apply(headers)`` adds the bearer token and returns its generation,
    ``renew(generation)`` replaces the token if that generation is still the current one."""

    def __init__(self, http: HttpClient, token_url: str, client_id: str, client_secret: str, scope: str,
                 margin: float = EXPIRY_MARGIN, clock: Callable[[], float] | None = None) -> None:
        self.http = http
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.margin = float(margin)
        self.clock = clock or time.monotonic
        self.fetches = 0
        # one token for every thread; the generation counts the tokens fetched (0: none yet)
        self._lock = threading.Lock()
        self._token = None
        self._generation = 0
        self._expires_at = 0.0
        # the secret travels form-encoded in the token request; some token services take it as HTTP Basic
        http.secrets.register_basic(client_id, client_secret)

    def apply(self, headers: dict) -> Applied:
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._fetch()
            token, generation = self._token, self._generation
        headers["Authorization"] = "Bearer " + token
        return Applied(generation)

    def renew(self, generation: int) -> bool:
        """After a 401 on the token of ``generation``: fetch a new token unless another thread already
        replaced that one (the lock makes the others wait for the fetch and then find it done).
        True: a token newer than ``generation`` is there to repeat the request with."""
        with self._lock:
            if self._generation <= generation:
                self._fetch()
            return self._generation > generation

    def _fetch(self) -> None:
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
        try:
            answer = parse(_models().token_answer, response.data, "the token service")
        except ApiError as exc:
            raise ApiError("%s: %s" % (what, exc.msg), status=response.status, method="POST", url=response.url)
        token = answer.access_token
        if token:
            self.http.secrets.register(token)  # before anything can fail with it in a message
        else:
            raise ApiError("%s: the answer carries no access_token" % what, status=response.status,
                           method="POST", url=response.url)
        lifetime = answer.expires_in
        if lifetime is None or not math.isfinite(lifetime) or lifetime <= 0:
            lifetime = 300.0  # none, or none that makes sense: the service's usual lifetime
        self._token = token
        self._generation += 1
        self._expires_at = self.clock() + max(0.0, lifetime - min(self.margin, lifetime / 2.0))
        self.fetches += 1
