# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SoftLayer wire: connection options, credentials, error conventions and the REST v3.1 calls.

Credentials come from the module options, then the environment (``SL_*``, ``IAAS_CLASSIC_*``,
``SOFTLAYER_*``, first set wins), then the ``[softlayer]`` section of ``~/.softlayer`` as
softlayer-python reads it. The literal username ``apikey`` (an IBM Cloud API key) is plain HTTP
Basic too.

SoftLayer answers business-rule failures with HTTP 500 and a ``SoftLayer_Exception_*`` code, and
its rate limit with HTTP 500 and ``SoftLayer_Exception_WebService_RateLimitExceeded``: only the
rate limit and bare internal errors are transient.

URLs take SLDN's form ``{Service}[/{id}]/{method}.json``; parameters travel as
``{"parameters": [...]}`` in a POST body; masks, filters and ``resultLimit`` as query parameters.
Reads, ``verifyOrder`` and ``validateCsr`` are retried by the HTTP seam; ``placeOrder``,
``cancelSslOrder`` and ``resendEmail`` never are: each changes something at the provider (and
``placeOrder`` costs money), so an unclear answer is settled by reading, not by sending again.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError, Paging, parse
from ansible_collections.certops.orders.plugins.module_utils._http import Applied, HttpClient, Response, Secrets
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    check_url,
    http_client,
    map_bounded,
    secrets_of,
    transport_argument_spec,
)

if TYPE_CHECKING:  # the models import pydantic: they are loaded on first use (see _models)
    from ansible_collections.certops.orders.plugins.module_utils._softlayer.models import CatalogueItem, CertificateRequest

DEFAULT_ENDPOINT = "https://api.softlayer.com/rest/v3.1/"
CONFIG_FILE = "~/.softlayer"

ENV = {
    "username": ["SL_USERNAME", "IAAS_CLASSIC_USERNAME", "SOFTLAYER_USERNAME"],
    "api_key": ["SL_API_KEY", "IAAS_CLASSIC_API_KEY", "SOFTLAYER_API_KEY"],
    "endpoint_url": ["SL_ENDPOINT_URL", "IAAS_CLASSIC_ENDPOINT_URL", "SOFTLAYER_ENDPOINT_URL"],
}

RATE_LIMIT = "SoftLayer_Exception_WebService_RateLimitExceeded"
INTERNAL_ERROR = "Internal Error"
#: Requests a second this client starts at most. SoftLayer refuses more than 50 a second per API
#: user ("Rate limit of 50 requests for every 1 second(s) exceeded.", observed in softlayer/softlayer-go
#: #75 and softlayer/softlayer-python #884). The provider counts when requests arrive, not when they
#: leave: a request delayed on the way (a slow connect, a thread scheduled late) lands closer to the
#: next ones than it was sent, so 45 keeps five requests of slack inside every second. Ten may go at
#: once (a short task is not slowed), the rest 1/35 s apart (see ``RateLimiter``). The pace is one
#: run's: tasks running at the same time with the same user share the provider's 50 without knowing
#: of each other, and a refused read is retried (see ``classify``).
MAX_RATE = 45
BURST = 10


def connection_argument_spec() -> dict:
    """The connection options (doc fragment ``certops.orders._softlayer``) plus the transport ones."""
    spec = dict(
        username=dict(type="str", fallback=(env_fallback, ENV["username"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ENV["api_key"])),
        endpoint_url=dict(type="str", fallback=(env_fallback, ENV["endpoint_url"])),
    )
    spec.update(transport_argument_spec())
    return spec


def read_config_file(path: str = CONFIG_FILE) -> dict[str, str]:
    """The ``[softlayer]`` section of softlayer-python's config file, or ``{}``."""
    from configparser import ConfigParser, Error

    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        return {}
    parser = ConfigParser()
    try:
        parser.read(path)
    except Error as exc:
        raise OptionError("%s is not a valid INI file (%s); fix it or set username and api_key"
                          % (path, " ".join(str(exc).split())))
    if not parser.has_section("softlayer"):
        return {}
    return dict((key, value.strip()) for key, value in parser.items("softlayer") if value.strip())


class Credentials:
    """The resolved username, API key and REST endpoint, and where they came from."""

    def __init__(self, username: str, api_key: str, endpoint_url: str, source: str) -> None:
        self.username = username
        self.api_key = api_key
        self.endpoint_url = endpoint_url
        self.source = source


def resolve_credentials(params: dict, config_path: str = CONFIG_FILE, secrets: Secrets | None = None) -> Credentials:
    """Options and environment first (the argument spec applied them), then ``~/.softlayer``; a
    password wrongly put in the endpoint's URL is registered with ``secrets`` before it is refused."""
    username, api_key, endpoint = params.get("username"), params.get("api_key"), params.get("endpoint_url")
    source = "options"
    if not (username and api_key) or not endpoint:
        config = read_config_file(config_path)
        if not (username or api_key) and config.get("username") and config.get("api_key"):
            username, api_key, source = config["username"], config["api_key"], config_path
        endpoint = endpoint or config.get("endpoint_url")
    if not username or not api_key:
        missing = " and ".join(name for name, value in (("username", username), ("api_key", api_key)) if not value)
        raise OptionError(
            "missing %s: set the module option(s), the environment (%s / %s) or the [softlayer] section of %s. "
            "For an IBM Cloud API key use the username 'apikey'"
            % (missing, ", ".join(ENV["username"]), ", ".join(ENV["api_key"]), config_path))
    endpoint = endpoint or DEFAULT_ENDPOINT
    check_url("endpoint_url", endpoint, DEFAULT_ENDPOINT, credentials="username and api_key", secrets=secrets)
    if "/xmlrpc" in endpoint:
        raise OptionError("endpoint_url %s is an XML-RPC endpoint; only the REST API is supported, such as %s"
                          % (endpoint, DEFAULT_ENDPOINT))
    if not endpoint.endswith("/"):
        endpoint += "/"
    return Credentials(username, api_key, endpoint, source)


class BasicAuth:
    """HTTP Basic with the username (or ``apikey``) and the API key: one generation of credentials,
    never renewed (a 401 is final).

    The key and the header value made from the pair are registered with ``secrets`` at once: an error
    page that echoes the request's ``Authorization`` header shows them.
    """

    def __init__(self, username: str, api_key: str, secrets: Secrets) -> None:
        self._pair = (username, api_key)
        secrets.register_basic(username, api_key)

    def apply(self, headers: dict) -> Applied:
        return Applied(0, self._pair)

    def renew(self, generation: int) -> bool:
        return False


def _models() -> ModuleType:
    """The pydantic models, imported on first use (a task that fails on its options never loads them)."""
    from ansible_collections.certops.orders.plugins.module_utils._softlayer import models

    return models


def parse_error(body: Any) -> tuple[str | None, str | None]:
    """SoftLayer's error body is ``{"error": message, "code": "SoftLayer_Exception_..."}``; a body of
    another shape gives ``(None, None)``, and the failure is reported by its HTTP status."""
    if not isinstance(body, dict):
        return None, None
    error = _models().error_body(body)
    return error.code, error.error


def classify(status: int, code: str | None, message: str | None, retryable: bool) -> bool:
    """Only the rate limit and bare internal errors are transient; other coded 500s are final."""
    if code == RATE_LIMIT:
        return True
    if status == 500 and code:
        return message == INTERNAL_ERROR
    return retryable


def body_error(data: Any) -> tuple[str | None, str | None] | None:
    """A 2xx answer that is SoftLayer's error body, or empty, is a failure (as softlayer-go treats it)."""
    if data is None:
        return None, "empty answer"
    if isinstance(data, dict) and "error" in data and set(data) <= {"error", "code"}:
        return parse_error(data)
    return None


def connect(module: AnsibleModule, budget: Budget, config_path: str = CONFIG_FILE) -> HttpClient:
    """An :class:`HttpClient` for the REST API from the module's options (no request is made)."""
    secrets = secrets_of(module)
    creds = resolve_credentials(module.params, config_path, secrets)
    return http_client(module, creds.endpoint_url, budget, auth=BasicAuth(creds.username, creds.api_key, secrets),
                       error_parser=parse_error, classify=classify, body_error=body_error, refusal_codes=(RATE_LIMIT,),
                       headers={"Content-Type": "application/json"}, max_rate=MAX_RATE, burst=BURST)


STATUS = "SoftLayer_Security_Certificate_Request_Status"
REQUEST = "SoftLayer_Security_Certificate_Request"
SERVER_TYPE = "SoftLayer_Security_Certificate_Request_ServerType"
PACKAGE = "SoftLayer_Product_Package"
ORDER = "SoftLayer_Product_Order"
ACCOUNT = "SoftLayer_Account"

SSL_PACKAGE_TYPE = "ADDITIONAL_SERVICES_SSL_CERTIFICATE"
FALLBACK_PACKAGE_TYPE = "ADDITIONAL_SERVICES"
CONTAINER_TYPE = "SoftLayer_Container_Product_Order_Security_Certificate"
#: Items asked for per list page (``resultLimit``), as softlayer-python's paging asks.
PAGE_SIZE = 100
#: The most list pages read in one listing (50,000 certificate requests): far more than an account
#: holds; a provider still offering pages after that is looping, and the listing fails instead.
MAX_PAGES = 500
ID_CHUNK = 100

# Every local property the modules report, plus the billing order's id and the ordered item
# (relational, so masked): the request record itself holds no item, server type or validity (its
# order item's itemId and item keyName are the only record of what was ordered).
REQUEST_MASK = ("mask[id,commonName,statusId,approverEmailAddress,technicalContactEmailAddress,"
                "createDate,modifyDate,effectiveDate,expirationDate,order[id],orderItem[itemId,item[keyName]]]")
REQUEST_MASK_WITH_CSR = REQUEST_MASK[:-1] + ",certificateSigningRequest]"


def total_items(response: Response) -> int | None:
    """The ``SoftLayer-Total-Items`` count of a list answer (the total before ``resultLimit``), if sent."""
    total = response.headers.get("SoftLayer-Total-Items")
    # ASCII digits only: str.isdigit() also takes digits such as "\u00b2" that int() refuses
    return int(total) if total and total.isascii() and total.isdigit() else None


def as_list(data: Any) -> list:
    """A list answer as a list: SoftLayer may answer a one-element list with the bare object."""
    if data is None:
        return []
    if isinstance(data, list):
        return data
    return [data]


def request_filter(**leaves: dict) -> dict:
    """An objectFilter under the ``securityCertificateRequest`` root from ``name=operation`` pairs."""
    return {"securityCertificateRequest": leaves}


def equals(value: str) -> dict:
    return {"operation": value}


def same_name(name: str) -> dict:
    """A leaf that matches a DNS name in any case: ``_=`` is the filter's case-insensitive equality,
    the form softlayer-python's query_filter gives a plain string (a bare value is exact)."""
    return {"operation": "_= %s" % name}


def one_of(values: Iterable[int]) -> dict:
    return {"operation": "in", "options": [{"name": "data", "value": list(values)}]}


def before_date(when: str) -> dict:
    """A ``lessThanDate`` leaf: the date property is earlier than ``when``. softlayer-python builds
    its date filters this way (softlayer/softlayer-python, SoftLayer/utils.py,
    event_log_filter_less_than_date: option ``date``, an ISO date-time with microseconds and offset)."""
    return {"operation": "lessThanDate", "options": [{"name": "date", "value": [when]}]}


class SoftLayerApi:
    """Thin wrapper over :class:`HttpClient`, safe to share between threads. Reads return what the
    models read (a body of the wrong shape is an :class:`ApiError` naming the call and the field);
    ``call``, ``get`` and the writes return the decoded answer, for the provider to read."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http
        self._account_id = None
        self._lock = threading.Lock()

    # -- the one call --------------------------------------------------------------------------
    def call(self, service: str, method: str, obj_id: int | None = None, parameters: list | None = None, mask: str | None = None,
             object_filter: dict | None = None, limit: tuple[int, int] | None = None, idempotent: bool = True) -> tuple[Any, int | None]:
        """Call ``service::method`` and return ``(data, total_items)``."""
        response = self.send(service, method, obj_id, parameters, mask, object_filter, limit, idempotent)
        return response.data, total_items(response)

    def send(self, service: str, method: str, obj_id: int | None = None, parameters: list | None = None, mask: str | None = None,
             object_filter: dict | None = None, limit: tuple[int, int] | None = None, idempotent: bool = True) -> Response:
        """Call ``service::method`` and return the seam's :class:`Response`."""
        path = service + ("/%s" % obj_id if obj_id is not None else "") + "/%s.json" % method
        query = {}
        if mask:
            query["objectMask"] = mask
        if object_filter:
            query["objectFilter"] = json.dumps(object_filter, separators=(",", ":"))
        if limit:
            query["resultLimit"] = "%d,%d" % limit
        if parameters is None:
            return self.http.request("GET", path, params=query or None, idempotent=idempotent)
        return self.http.request("POST", path, params=query or None, json_body={"parameters": list(parameters)},
                                 idempotent=idempotent)

    def get(self, service: str, method: str, obj_id: int | None = None, **kwargs: Any) -> Any:
        return self.call(service, method, obj_id, **kwargs)[0]

    # -- catalogues ----------------------------------------------------------------------------
    def request_statuses(self) -> list:
        return as_list(self.get(STATUS, "getSslRequestStatuses"))

    def server_type_names(self) -> list[str]:
        """The names of the server-type catalogue."""
        return parse(_models().server_type_names, self.get(SERVER_TYPE, "getAllObjects", mask="mask[id,name,description]"),
                     "%s::getAllObjects" % SERVER_TYPE)

    def ssl_items(self) -> tuple[int | None, list[CatalogueItem]]:
        """``(package_id, items)`` of the SSL certificate package: found by package type, OUTLET
        packages skipped, as Terraform's SSL certificate resource does."""
        models = _models()
        for package_type in (SSL_PACKAGE_TYPE, FALLBACK_PACKAGE_TYPE):
            packages = parse(models.packages, self.get(
                PACKAGE, "getAllObjects", mask="mask[id,name,isActive,type[keyName]]",
                object_filter={"type": {"keyName": equals(package_type)}}), "%s::getAllObjects" % PACKAGE)
            for package in packages:
                if "OUTLET" in (package.name or "").upper():
                    continue
                items = parse(models.catalogue_items, self.get(
                    PACKAGE, "getItems", package.id, mask="mask[id,keyName,description,capacity,units,prices[id,locationGroupId]]"),
                    "%s::getItems" % PACKAGE)
                if any((item.keyName or "").startswith("SSL_CERTIFICATE") for item in items):
                    return package.id, items
        return None, []

    # -- account and requests (read as CertificateRequest models) ------------------------------
    def account_id(self) -> int:
        with self._lock:
            if self._account_id is None:
                self._account_id = parse(_models().account_id, self.get(ACCOUNT, "getObject", mask="mask[id]"),
                                         "%s::getObject" % ACCOUNT)
            return self._account_id

    def get_request(self, request_id: int, mask: str = REQUEST_MASK) -> CertificateRequest:
        return parse(_models().CertificateRequest.model_validate, self.get(REQUEST, "getObject", request_id, mask=mask),
                     "%s::getObject" % REQUEST)

    def list_requests(self, object_filter: dict | None = None, mask: str = REQUEST_MASK) -> list[CertificateRequest]:
        """Every request of the account matching ``object_filter``, following ``resultLimit`` pages of
        :data:`PAGE_SIZE` from the offset after the last item read until a page shorter than asked
        (or empty), at most :data:`MAX_PAGES` of them (see :class:`Paging` for what ends a listing
        with an error, and for a provider that ignores ``resultLimit`` and answers its whole list
        each time). Each page is read as :class:`CertificateRequest` records before the paging
        checks look at its ids.

        The ``SoftLayer-Total-Items`` count never ends the listing by itself. softlayer-python's
        ``iter_call`` (softlayer/softlayer-python, SoftLayer/API.py) stops at a short page or once its
        count reaches the total, and its REST transport (SoftLayer/transports/rest.py) reads a missing
        header as a total of 0, so it stops after one page without the header and trusts one that
        counts too few. Either would cut the list in silence here, and a cut list makes the order
        module miss an existing order and place it again: a short page is the only end. It costs one
        request, an empty page, when the list fills its last page exactly."""
        account = self.account_id()
        paging = Paging("%s::getSslCertificateRequests" % REQUEST, PAGE_SIZE, MAX_PAGES,
                        "select fewer orders (order_ids, common_name or status)", by_offset=True)
        found = []
        offset = 0
        response = None
        for _page in paging.pages():
            response = self.send(REQUEST, "getSslCertificateRequests", parameters=[account], mask=mask,
                                 object_filter=object_filter, limit=(offset, PAGE_SIZE))
            page = parse(_models().request_records, response.data, paging.call)
            if paging.check(page, "resultLimit=%d,%d" % (offset, PAGE_SIZE), total_items(response), response):
                return found  # the first page again: the provider ignores resultLimit, and answered its whole list
            found.extend(page)
            offset += len(page)
            if len(page) < PAGE_SIZE:
                return found
        raise paging.exhausted(len(found), response)

    def requests_by_id(self, ids: Iterable[int]) -> dict[int, CertificateRequest]:
        """``{id: request}`` for ``ids`` in one filtered list call per chunk of 100 ids.

        The chunks are read at once (on :func:`map_bounded`'s threads, paced by the client's rate
        limiter), not one after another: a poll round is one moment in the wait's schedule, and a
        chunk read a second after the first would see its orders a second later than the schedule
        promises (benchmark B7 measured that with 1,000 orders in 10 chunks)."""
        ids = list(ids)
        chunks = [ids[start:start + ID_CHUNK] for start in range(0, len(ids), ID_CHUNK)]
        found = {}
        # each list call needs the account id: account_id() reads it once, under its lock, for all threads
        for chunk, items in zip(chunks, map_bounded(lambda part: self.list_requests(request_filter(id=one_of(part))), chunks)):
            wanted = set(chunk)
            found.update((item.id, item) for item in items if item.id in wanted)
        return found

    def requests_for_order(self, billing_order_id: int, mask: str = REQUEST_MASK) -> list[CertificateRequest]:
        """The requests a billing order created: filtered by the order id as a string, as Terraform's
        resource does (IBM-Cloud/terraform-provider-ibm, resource_ibm_ssl_certificate.go, findSSLByOrderId),
        and then kept only if the row's own ``order.id`` is that order. A provider that ignores the
        filter answers other orders' requests too, and taking one of those for the new order would
        report, wait for and resend e-mails of a request this task did not place."""
        rows = self.list_requests(request_filter(order={"id": equals(str(billing_order_id))}), mask=mask)
        return [row for row in rows if row.order is not None and row.order.id == billing_order_id]

    # -- ordering (validateCsr and verifyOrder have no side effect; placeOrder is never retried) --
    def validate_csr(self, csr: str, validity_months: int, item_id: int, server_type: str) -> Any:
        """``validateCsr(csr, validityMonths, itemId, serverType)``: the CA's verdict on the CSR for
        that item (the product item id, not a price id). A read: retried like one."""
        return self.get(REQUEST, "validateCsr", parameters=[csr, validity_months, item_id, server_type],
                        idempotent=True)

    def verify_order(self, container: dict) -> Any:
        return self.get(ORDER, "verifyOrder", parameters=[container], idempotent=True)

    def place_order(self, container: dict) -> Any:
        return self.get(ORDER, "placeOrder", parameters=[container, False], idempotent=False)

    # -- actions with side effects (never retried; callers re-read after an ambiguous failure) ---
    def cancel(self, request_id: int) -> Any:
        return self.get(REQUEST, "cancelSslOrder", request_id, idempotent=False)

    def resend_email(self, request_id: int, email_type: str) -> Any:
        return self.get(REQUEST, "resendEmail", request_id, parameters=[email_type], idempotent=False)
