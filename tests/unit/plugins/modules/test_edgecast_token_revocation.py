# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Waits that survive revoked tokens: ``edgecast_cert_order_status_info`` over real HTTP on 127.0.0.1
against a token service and CPS double that revokes the presented token at random.

The double issues numbered tokens from ``/connect/token``. Each read of a certificate's status with
a valid token is, with probability ``rate``, refused with 401 and the token revoked (every later
request with it is refused too); otherwise it answers ``Processing``, and ``Active`` from the
certificate's ACTIVE_AFTER-th answered read on. The draws are seeded and keyed by path and the
number of the read, so a run is the same every time.

Before the fix a request renewed its token once and took a second 401 as final, so a read failed
with probability ``rate`` squared: run on the code before, 0, 1 and 2 of these 6 waits (about 60
status reads each) failed at 2%, 5% and 10%. Now a request renews twice and fails only on a third
refusal in a row, ``rate`` cubed per read: about one read in a thousand at 10%, a risk the bound on
renewals accepts (over 20 seeds of this test, 4 of 120 waits at 10% still failed, none at 2% or 5%;
the seed here is the first one tried).

Time is the fake clock of ``modules/conftest.py``: the waiter's pauses take no real time, so a wait
can poll sixty times and the test still takes about a second; the HTTP is real.
"""

import json
import random
import re
import threading
from collections import Counter
from urllib.parse import parse_qs

import pytest

from ansible_collections.certops.orders.plugins.modules.edgecast_cert_order_status_info import main
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (  # pylint: disable=unused-import
    CERTIFICATE_STATUSES,
    ORDER_STATUSES,
    cert_node,
    collection,
    error,
    module_exits,
    patch_exits,
    run,
    status_node,
)

#: answered status reads after which a certificate is Active (polls of one wait: about 4 x 15)
ACTIVE_AFTER = 15
WAITS = 6
CERTS_PER_WAIT = 4
SEED = 1
STATUS = re.compile(r"^/sec/cps/v2\.0/certificates/(\d+)/status$")
CERTIFICATE = re.compile(r"^/sec/cps/v2\.0/certificates/(\d+)$")
UNAUTHORIZED = error("unauthorized", 401, "You are not authorized to access this resource")


class RevokingCps:
    """``answer(request)`` of a token service and the CPS reads of a wait (see the module docstring)."""

    def __init__(self, rate, seed=SEED):
        self.rate = rate
        self.seed = seed
        self.lock = threading.Lock()  # the server answers on several threads
        self.issued = 0
        self.revoked = set()
        self.draws = Counter()  # path -> status reads with a valid token so far
        self.answered = Counter()  # certificate id -> status reads answered
        self.refused = 0  # 401s of any cause
        self.streak = Counter()  # path -> revocations in a row on that path
        self.longest_streak = 0

    def revokes(self, path):
        """Whether this read revokes the token it presents (seeded by path and read number)."""
        self.draws[path] += 1
        return random.Random("%d %s %d" % (self.seed, path, self.draws[path])).random() < self.rate

    def __call__(self, request):
        path = request.path.split("?")[0]
        with self.lock:
            if path == "/connect/token":
                form = parse_qs(request.body.decode())
                assert request.method == "POST" and form["grant_type"] == ["client_credentials"]
                self.issued += 1
                return Answer(body={"access_token": "tok-%d" % self.issued, "expires_in": 300,
                                    "token_type": "Bearer", "scope": "sec.cps.certificates"})
            headers = dict((k.lower(), v) for k, v in request.headers.items())
            bearer = headers.get("authorization", "")
            tokens = ["Bearer tok-%d" % n for n in range(1, self.issued + 1)]
            if bearer not in tokens or bearer in self.revoked:
                self.refused += 1
                return Answer(401, UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            found = STATUS.match(path)
            if found:
                if self.revokes(path):
                    self.revoked.add(bearer)
                    self.refused += 1
                    self.streak[path] += 1
                    self.longest_streak = max(self.longest_streak, self.streak[path])
                    return Answer(401, UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
                self.streak[path] = 0
                cert_id = int(found.group(1))
                self.answered[cert_id] += 1
                return Answer(body=status_node(cert_id, "Active" if self.answered[cert_id] >= ACTIVE_AFTER else "Processing"))
            found = CERTIFICATE.match(path)
            if found:
                cert_id = int(found.group(1))
                return Answer(body=cert_node(cert_id, "cert_%d" % cert_id, issued=True))
            for name, names in (("order-statuses", ORDER_STATUSES), ("certificate-statuses", CERTIFICATE_STATUSES)):
                if path == "/sec/cps/v2.0/appendix/%s" % name:
                    return Answer(body=collection("/v2.0/appendix/%s" % name, [{"name": n, "id": i} for i, n in enumerate(names, 1)]))
            return Answer(404, error("not_found", 404, "no such resource"))


@pytest.mark.parametrize("rate", [0.02, 0.05, 0.10])
def test_waits_succeed_while_a_share_of_status_reads_revoke_the_token(module_exits, rate):
    cps = RevokingCps(rate)
    failed = []
    with Hostile(cps) as double:
        for wait in range(WAITS):
            ids = [1000 * (wait + 1) + n for n in range(CERTS_PER_WAIT)]  # each wait its own draws
            ok, result = run(main, {"api_url": double.url, "ids_url": double.url, "certificate_ids": ids,
                                    "wait_for": ["Active"], "wait_sleep": 1, "wait_timeout": 3600, "timeout": 5})
            if not ok:
                failed.append(result["msg"])
                continue
            assert [(c["id"], c["status"]) for c in result["certificates"]] == [(i, "Active") for i in ids]
    assert failed == [], "%d of %d waits failed: %s" % (len(failed), WAITS, json.dumps(failed, indent=1))
    revocations = len(cps.revoked)
    assert sum(cps.answered.values()) == WAITS * CERTS_PER_WAIT * ACTIVE_AFTER  # every poll until Active, none lost
    # one new token per revocation: the first of each run, then one for every revoked token
    assert cps.issued == WAITS + revocations
    assert cps.refused == revocations  # reads are sequential: nobody else presented a revoked token
    assert revocations >= rate * WAITS * CERTS_PER_WAIT * ACTIVE_AFTER / 3  # the double did revoke
    if rate >= 0.05:
        # some read was refused right after a renewal and succeeded on the second one
        assert cps.longest_streak == 2
