# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The SoftLayer client stays under SoftLayer's rate limit over real HTTP, in real time.

The provider sandbox runs in-process with its default limit (50 requests per API user in any
second, refused with HTTP 500 ``SoftLayer_Exception_WebService_RateLimitExceeded``; reference
shared/providers/softlayer.md D2). A listing of 1,200 orders read in pages of 10 (121 requests in
a row, which the sandbox answers far faster than 50 a second) and 150 reads on 8 threads through
``map_bounded`` must each make no request the sandbox refuses, and return every order. The sandbox's
request log is the witness: it marks each refused request. No time is faked here: the pacing is
the subject.
"""

import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._runner import map_bounded
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl
from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order_status_info as info

certops_sandbox = pytest.importorskip("certops_sandbox")  # PYTHONPATH has sandbox/ in every check
from certops_sandbox import SandboxServer  # noqa: E402
from certops_sandbox.csr import make_csr  # noqa: E402
from certops_sandbox.softlayer import lifecycle, ordering, rest  # noqa: E402

ORDERS = 1200
LIMIT = 50


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed=4242) as running:
        yield running


@pytest.fixture(scope="module")
def seeded(server):
    """1,200 orders of the main account, written into the sandbox's state directly (placing them
    through the API would take longer than the test): their requests exist at once."""
    box = server.sandbox
    plugin = box.plugins["softlayer"]
    box.update_config({"softlayer": {"request_delay": 0}})
    config = plugin.config
    assert config["rate_limit"] == LIMIT  # the default: the test runs against the documented limit
    template = {
        "complexType": sl.CONTAINER_TYPE, "packageId": 210, "quantity": 1, "prices": [{"id": 1836}],
        "certificateSigningRequest": make_csr("rl-pacing.example.com", []), "serverType": "apache2",
        "orderApproverEmailAddress": "admin@example.com", "renewalFlag": False,
        "organizationInformation": {"organizationName": "Pacing Corp", "phoneNumber": "+1 555 0100", "address": {
            "addressLine1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001", "countryCode": "US"}},
        "technicalContact": {"firstName": "Ada", "lastName": "Lovelace", "title": "Ops", "emailAddress": "ops@example.com",
                             "phoneNumber": "+1 555 0101", "organizationName": "Pacing Corp"}}
    _price, details = ordering.verify(template, config)
    now = box.clock.now()
    ctx = rest.Ctx(plugin, plugin.account_record(config["account_id"]), now, {})
    names = {}
    with box.store.lock:
        for index in range(ORDERS):
            name = "rl-pacing-%04d.example.com" % index
            order = lifecycle.create_order(plugin.state, ctx, dict(details, commonName=name), now, config)
            names[order["id"]] = name
        box.store.mark_dirty()
    box.tick()
    ids = sorted(r["id"] for r in plugin.state["requests"].values())
    assert len(ids) == ORDERS
    return ids


def conn(server):
    info_ = server.urls()["softlayer"]
    return {"username": info_["username"], "api_key": info_["api_key"], "endpoint_url": info_["endpoint_url"]}


def fresh_window(server):
    """Empty the sandbox's count of the last second: each test is about one client's own pace, and a
    new client knows nothing of the requests another made just before it (two runs back to back
    with one user can together exceed the limit; a refused read is then retried)."""
    server.sandbox.plugins["softlayer"].rate_limiter.clear()


def log_since(server, seq):
    return server.sandbox.log.entries(since=seq, provider="softlayer")


def test_a_listing_of_1200_orders_in_121_pages_is_never_refused(server, seeded, monkeypatch, capsys):
    monkeypatch.setattr(sl, "PAGE_SIZE", 10)  # 121 pages: more than two seconds' worth of requests
    fresh_window(server)
    mark = server.sandbox.log.last_seq
    with patch_module_args(conn(server)):
        with pytest.raises(SystemExit) as ended:
            info.main()
    result = json.loads(capsys.readouterr().out)
    assert ended.value.code == 0, result.get("msg")
    assert sorted(order["id"] for order in result["orders"]) == seeded
    log = log_since(server, mark)
    pages = [e for e in log if "getSslCertificateRequests" in e["path"]]
    assert len(pages) == ORDERS // 10 + 1
    assert [e for e in log if e["rate_limited"]] == []
    assert all(e["status"] == 200 for e in log)


def test_reads_on_eight_threads_through_map_bounded_are_never_refused(server, seeded):
    with patch_module_args(conn(server)):
        module = AnsibleModule(argument_spec=sl.connection_argument_spec())
    api = sl.SoftLayerApi(sl.connect(module, Budget(None, 30)))
    assert api.http.limiter is not None and api.http.limiter.max_rate == sl.MAX_RATE
    wanted = seeded[:150]
    fresh_window(server)
    mark = server.sandbox.log.last_seq
    found = map_bounded(api.get_request, wanted, workers=8)
    assert [request.id for request in found] == wanted
    log = log_since(server, mark)
    assert [(e["status"], e["rate_limited"]) for e in log if e["status"] != 200] == []
    assert len(log) == len(wanted)  # one read each: nothing refused and retried
