# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""``wait_reads`` of edgecast_cert_order_status_info: how a wait for several certificates reads them.

CPS has no call that returns the status of many certificates: GET /v2.0/certificates/{id}/status is
one request per certificate (Edgio/ec-sdk-go, edgecast/cps/certificate/certificate_client.go,
CertificateGetCertificateStatus; the list's items carry no status: edgecast/cps/models/
cdn_provided_certificate_without_org.go). ``in_order`` (the default) reads the pending certificates one
at a time and ends a round at the first that is not ready; ``every_pending`` reads them all in every
round, concurrently. The scripted tests count each certificate's status reads; the last test proves
over real HTTP that a round's reads are in flight together.
"""

import threading

from ansible_collections.certops.orders.plugins.modules.edgecast_cert_order_status_info import main
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (  # pylint: disable=unused-import
    CERTIFICATE_STATUSES,
    CPS,
    ORDER_STATUSES,
    appendix,
    calls,
    cert_node,
    clock,
    collection,
    error,
    module_exits,
    patch_exits,
    run,
    status_node,
    token,
)

PENDING = dict(status="Processing", order="Pending")
ACTIVE = dict(status="Active", order="Issued", domain_status="Approved")
REJECTED = dict(status="Processing", order="Rejected", error_message="The CA rejected the order")


def statuses(http, cert_id, *states):
    """Answers of one certificate's status reads, in turn (the last one repeats)."""
    for state in states:
        http.get(CPS + "/v2.0/certificates/%d/status" % cert_id, json=status_node(cert_id, **state))


def reads(http, cert_id):
    return len(calls(http, "GET", "/v2.0/certificates/%d/status" % cert_id))


def test_every_pending_ends_the_wait_at_the_first_round_when_a_later_certificate_failed(http, module_exits, clock):
    token(http)
    appendix(http)
    statuses(http, 1, PENDING)
    statuses(http, 2, ACTIVE)
    statuses(http, 3, REJECTED)
    for cert_id in (1, 2, 3):
        http.get(CPS + "/v2.0/certificates/%d" % cert_id, json=cert_node(cert_id, "cert_%d" % cert_id))
    ok, result = run(main, {"certificate_ids": [1, 2, 3], "wait_for": ["Active"], "wait_reads": "every_pending"})
    assert not ok and "3 reached the failure status Rejected" in result["msg"]
    assert clock.now == 0  # the first round saw it: no pause
    assert [reads(http, i) for i in (1, 2, 3)] == [1, 1, 1]
    assert result["wait"]["polls"] == 1
    assert [(c["id"], c["phase"]) for c in result["certificates"]] == [(1, "pending"), (2, "issued"), (3, "failed")]


def test_in_order_does_not_see_a_later_failure_while_an_earlier_certificate_is_pending(http, module_exits, clock):
    """The contrast: the default never gets past certificate 1, so it waits out its time."""
    token(http)
    appendix(http)
    statuses(http, 1, PENDING)
    for cert_id in (1, 2, 3):  # read whole when the wait ends (2 and 3 never polled)
        http.get(CPS + "/v2.0/certificates/%d" % cert_id, json=cert_node(cert_id, "cert_%d" % cert_id))
    http.get(CPS + "/v2.0/certificates/2/status", json=status_node(2, **ACTIVE))
    http.get(CPS + "/v2.0/certificates/3/status", json=status_node(3, **REJECTED))
    ok, result = run(main, {"certificate_ids": [1, 2, 3], "wait_for": ["Active"], "wait_timeout": 20})
    assert not ok and result["msg"].startswith("Timed out after 20.0s"), result["msg"]
    assert "3 Processing / Rejected" in result["msg"]  # the read for the result found what the wait missed
    assert reads(http, 1) == result["wait"]["polls"] > 1
    # 2 and 3 were read only for the result, after the wait
    assert reads(http, 2) == 1 and reads(http, 3) == 1
    assert all(h["id"] == 1 for h in result["wait"]["history"])


def test_every_pending_reads_each_pending_certificate_in_each_round_and_no_more(http, module_exits, clock):
    token(http)
    appendix(http)
    statuses(http, 1, PENDING, ACTIVE)  # ready at the second round
    statuses(http, 2, PENDING, PENDING, PENDING, ACTIVE)  # ready at the fourth
    statuses(http, 3, ACTIVE)  # ready at once
    for cert_id in (1, 2, 3):
        http.get(CPS + "/v2.0/certificates/%d" % cert_id, json=cert_node(cert_id, "cert_%d" % cert_id, issued=True))
    ok, result = run(main, {"certificate_ids": [1, 2, 3], "wait_for": ["Active"], "wait_reads": "every_pending"})
    assert ok, result["msg"]
    assert [reads(http, i) for i in (1, 2, 3)] == [2, 4, 1]
    assert result["wait"]["polls"] == 4
    assert [c["status"] for c in result["certificates"]] == ["Active", "Active", "Active"]
    # each certificate's change is in the history at the round that saw it
    became = dict((h["id"], h["elapsed"]) for h in result["wait"]["history"] if h["status"].startswith("Active"))
    assert became[3] == 0 and 0 < became[1] < became[2]


def test_in_order_reads_the_same_certificates_with_fewer_requests(http, module_exits, clock):
    """The same lifecycles as above: certificate 2 is polled until ready, 3 only once 2 is."""
    token(http)
    appendix(http)
    statuses(http, 1, PENDING, ACTIVE)
    statuses(http, 2, PENDING, PENDING, PENDING, ACTIVE)
    statuses(http, 3, ACTIVE)
    for cert_id in (1, 2, 3):
        http.get(CPS + "/v2.0/certificates/%d" % cert_id, json=cert_node(cert_id, "cert_%d" % cert_id, issued=True))
    ok, result = run(main, {"certificate_ids": [1, 2, 3], "wait_for": ["Active"]})
    assert ok, result["msg"]
    assert [reads(http, i) for i in (1, 2, 3)] == [2, 4, 1]
    assert result["wait"]["polls"] == 5  # 1 pending, 1 ready and 2 pending, then 2 until ready, then 3


def test_a_bad_wait_reads_fails_naming_the_choices(http, module_exits):
    ok, result = run(main, {"certificate_ids": [1, 2], "wait_for": ["Active"], "wait_reads": "all"})
    assert not ok and "wait_reads" in result["msg"] and "every_pending" in result["msg"] and "in_order" in result["msg"]


class BarrierCps:
    """A token service and CPS that hold each status read until ``parties`` reads are in flight
    together; a read left alone past the barrier's timeout is answered 400 with a clear title, which
    no client retries: the task fails at once and says so."""

    def __init__(self, parties):
        self.barrier = threading.Barrier(parties, timeout=10)
        self.lock = threading.Lock()
        self.alone = 0

    def __call__(self, request):
        path = request.path.split("?")[0]
        if path == "/connect/token":
            return Answer(body={"access_token": "tok-1", "expires_in": 300, "token_type": "Bearer"})
        for name, names in (("order-statuses", ORDER_STATUSES), ("certificate-statuses", CERTIFICATE_STATUSES)):
            if path == "/sec/cps/v2.0/appendix/%s" % name:
                return Answer(body=collection("/v2.0/appendix/%s" % name, [{"name": n, "id": i} for i, n in enumerate(names, 1)]))
        parts = path.rsplit("/", 2)
        if path.endswith("/status"):
            cert_id = int(parts[-2])
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                with self.lock:
                    self.alone += 1
                return Answer(400, error("alone", 400, "status read %d was not in flight with the others" % cert_id))
            return Answer(body=status_node(cert_id, **ACTIVE))
        if path.startswith("/sec/cps/v2.0/certificates/"):
            cert_id = int(parts[-1])
            return Answer(body=cert_node(cert_id, "cert_%d" % cert_id, issued=True))
        return Answer(404, error("not_found", 404, "no such resource"))


def test_every_pending_sends_a_rounds_status_reads_together_over_real_http(module_exits):
    cps = BarrierCps(parties=4)
    with Hostile(cps) as double:
        ok, result = run(main, {"api_url": double.url, "ids_url": double.url, "certificate_ids": [11, 12, 13, 14],
                                "wait_for": ["Active"], "wait_reads": "every_pending", "retries": 0, "timeout": 60})
        status_reads = [p for p in double.paths() if p.endswith("/status")]
    assert ok, result["msg"]
    assert cps.alone == 0
    assert sorted(status_reads) == ["/sec/cps/v2.0/certificates/%d/status" % i for i in (11, 12, 13, 14)]
    assert result["wait"]["polls"] == 1
