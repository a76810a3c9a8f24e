# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A poll round's chunks of 100 ids are read at once, over real HTTP.

The double (tests/unit/plugins/hostile.py) holds every filtered list call at a barrier until all
three chunks of 250 ids have arrived: a client that read the chunks one after another would leave
the first call waiting alone, the barrier would break after its timeout and the double would answer
HTTP 500 to each of them. No time is measured: the overlap is the witness.
"""

import json
import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile

IDS = list(range(7001, 7251))  # 250 ids: chunks of 100, 100 and 50


def fail(message):
    return Answer(500, {"error": message, "code": "SoftLayer_Exception_Public"})


class ChunkedProvider:
    """Answers the account id, and the first page of each ``in`` filter on ids with those rows once
    ``parties`` list calls are in flight together (a later page is empty)."""

    def __init__(self, parties):
        self.barrier = threading.Barrier(parties, timeout=20)
        self.filters = []
        self.lock = threading.Lock()

    def __call__(self, seen):
        url = urlsplit(seen.path)
        if url.path.endswith("SoftLayer_Account/getObject.json"):
            return Answer(200, {"id": 123456})
        if not url.path.endswith("getSslCertificateRequests.json"):
            return fail("unexpected call %s" % url.path)
        query = parse_qs(url.query)
        leaf = json.loads(query["objectFilter"][0])["securityCertificateRequest"]["id"]
        ids = leaf["options"][0]["value"]
        offset = int(query["resultLimit"][0].split(",")[0])
        if offset:
            return Answer(200, [])  # a chunk of 100 fills its first page: the client asks for the next
        with self.lock:
            self.filters.append(ids)
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            return fail("the chunk of %d ids was read alone" % len(ids))
        rows = [{"id": i, "commonName": "chunk-%d.example.com" % i, "statusId": 50} for i in ids]
        return Answer(200, rows)


@pytest.mark.parametrize("sizes", [[100, 100, 50]])
def test_a_round_of_250_ids_reads_its_three_chunks_at_once(sizes):
    double = ChunkedProvider(parties=len(sizes))
    with Hostile(double) as provider:
        with patch_module_args({"username": "SL1", "api_key": "k" * 16, "endpoint_url": provider.url + "rest/v3.1/"}):
            module = AnsibleModule(argument_spec=sl.connection_argument_spec())
        api = sl.SoftLayerApi(sl.connect(module, Budget(None, 60)))
        found = api.requests_by_id(IDS)
    assert sorted(found) == IDS
    assert sorted(len(ids) for ids in double.filters) == sorted(sizes)
    assert sorted(i for ids in double.filters for i in ids) == IDS
    # the account id is read once, before the chunks go out together
    assert provider.paths().count("/rest/v3.1/SoftLayer_Account/getObject.json") == 1


def test_one_chunk_needs_no_thread_and_keeps_its_single_call():
    double = ChunkedProvider(parties=1)
    with Hostile(double) as provider:
        with patch_module_args({"username": "SL1", "api_key": "k" * 16, "endpoint_url": provider.url + "rest/v3.1/"}):
            module = AnsibleModule(argument_spec=sl.connection_argument_spec())
        api = sl.SoftLayerApi(sl.connect(module, Budget(None, 60)))
        found = api.requests_by_id(IDS[:40])
    assert sorted(found) == IDS[:40]
    assert [len(ids) for ids in double.filters] == [40]
