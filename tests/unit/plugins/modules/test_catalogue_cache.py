# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The status-catalogue cache, over strict scripted conversations: what a task asks the provider
for when the cache is cold, warm, stale, broken or off (each test has its own cache directory, see
``tests/unit/plugins/conftest.py``)."""

import json
import os
import time

from ansible_collections.certops.orders.plugins.module_utils import _catalogue
from ansible_collections.certops.orders.plugins.modules import edgecast_cert_order_status_info as cps_info
from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order_status_info as sl_info
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (  # pylint: disable=unused-import
    CONNECTION,
    CPS,
    appendix,
    cert_node,
    module_exits,
    next_run,
    patch_exits,
    run,
    status_node,
    token,
)
from ansible_collections.certops.orders.tests.unit.plugins.modules.softlayer_conversation import (
    CONN,
    REQ,
    STATUSES,
    calls,
    catalogue,
)

STATUS_CALL = "getSslRequestStatuses"


def order(req_id, status_id):
    return {"id": req_id, "commonName": "cache.example.com", "statusId": status_id,
            "createDate": "2023-11-02T09:14:27-06:00", "order": {"id": 31999001}}


def get(http, req_id, status_id):
    http.get(REQ + "%s/getObject.json" % req_id, json=order(req_id, status_id))


def files(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def sl_file(directory):
    [name] = [f for f in files(directory) if f.startswith("softlayer-")]
    return os.path.join(directory, name)


def test_a_second_task_reads_one_order_with_one_request(http, run_module, catalogue_cache):
    catalogue(http)
    get(http, 7, 50)
    ok, first = run_module(sl_info.main, dict(CONN, order_id=7))
    assert ok and len(http.calls) == 2 and first["orders"][0]["status"] == "Pending CA Approval"
    with open(sl_file(str(catalogue_cache))) as handle:
        stored = json.load(handle)
    assert stored["entries"] == STATUSES and stored["catalogue"] == "request-statuses"
    # no credential and no endpoint in the file or its name (the name hashes the endpoint)
    text = json.dumps(stored) + " ".join(files(str(catalogue_cache)))
    assert CONN["api_key"] not in text and "example.test" not in text
    http.reset()
    get(http, 7, 43)
    ok, second = run_module(sl_info.main, dict(CONN, order_id=7))
    assert ok and [c.request.url.split("/")[-1].split("?")[0] for c in http.calls] == ["getObject.json"]
    assert second["statuses"] == STATUSES and second["orders"][0]["status"] == "Approved"


def test_a_status_the_cached_catalogue_lacks_reads_it_again_once(http, run_module, warnings, catalogue_cache):
    old = [s for s in STATUSES if s["id"] != 49]
    http.get(CONN["endpoint_url"] + "SoftLayer_Security_Certificate_Request_Status/%s.json" % STATUS_CALL, json=old)
    get(http, 7, 50)
    assert run_module(sl_info.main, dict(CONN, order_id=7))[0]
    http.reset()
    get(http, 7, 49)  # Complete: added by the provider after the cache was written
    catalogue(http)
    ok, result = run_module(sl_info.main, dict(CONN, order_id=7))
    assert ok and result["orders"][0]["status"] == "Complete" and result["statuses"] == STATUSES
    assert len(calls(http, STATUS_CALL)) == 1 and not warnings
    with open(sl_file(str(catalogue_cache))) as handle:
        assert json.load(handle)["entries"] == STATUSES  # rewritten with what the provider said


def test_a_status_name_the_cached_catalogue_lacks_reads_it_again_before_refusing(http, run_module, catalogue_cache):
    catalogue(http)
    get(http, 7, 50)
    assert run_module(sl_info.main, dict(CONN, order_id=7))[0]
    http.reset()
    catalogue(http)  # one more read, and the name is still unknown: then it is refused
    ok, result = run_module(sl_info.main, dict(CONN, order_id=7, wait_for=["Shipped"]))
    assert not ok and "Shipped" in result["msg"] and "Pending CA Approval" in result["msg"]
    assert len(calls(http, STATUS_CALL)) == 1 and not calls(http, "getObject")


def test_an_old_or_broken_cache_file_is_read_again_and_rewritten(http, run_module, catalogue_cache):
    catalogue(http)
    get(http, 7, 50)
    assert run_module(sl_info.main, dict(CONN, order_id=7))[0]
    path = sl_file(str(catalogue_cache))
    for broken in ('{"version": 1, "written": %f, "entries": [{"id": 50}]}' % (time.time() - 86401),  # a day old
                   "{not json", '{"version": 99, "written": %f, "entries": [1]}' % time.time(),
                   '{"version": 1, "written": %f, "entries": []}' % time.time(),
                   # entries of the wrong shape: a text id, no name, a number for a description
                   '{"version": 1, "written": %f, "entries": [{"id": "50", "name": "A"}]}' % time.time(),
                   '{"version": 1, "written": %f, "entries": [{"id": 50}]}' % time.time(),
                   '{"version": 1, "written": %f, "entries": [{"id": 50, "name": "A", "description": 5}]}' % time.time(),
                   '{"version": 1, "written": %f, "entries": [1]}' % (time.time() + 3600)):  # from the future
        with open(path, "w") as handle:
            handle.write(broken)
        http.reset()
        catalogue(http)
        get(http, 7, 50)
        ok, result = run_module(sl_info.main, dict(CONN, order_id=7))
        assert ok and result["statuses"] == STATUSES and len(calls(http, STATUS_CALL)) == 1, broken
        with open(path) as handle:
            assert json.load(handle)["entries"] == STATUSES


def test_max_age_zero_neither_reads_nor_writes_and_a_shorter_age_is_honoured(http, run_module, catalogue_cache):
    for _n in range(2):
        catalogue(http)
        get(http, 7, 50)
        assert run_module(sl_info.main, dict(CONN, order_id=7, catalogue_cache_max_age=0))[0]
        assert len(calls(http, STATUS_CALL)) == 1 and files(str(catalogue_cache)) == []
        http.reset()
    catalogue(http)
    get(http, 7, 50)
    assert run_module(sl_info.main, dict(CONN, order_id=7))[0]
    http.reset()
    with open(sl_file(str(catalogue_cache))) as handle:
        stored = json.load(handle)
    stored["written"] -= 120
    with open(sl_file(str(catalogue_cache)), "w") as handle:
        json.dump(stored, handle)
    catalogue(http)
    get(http, 7, 50)
    assert run_module(sl_info.main, dict(CONN, order_id=7, catalogue_cache_max_age=60))[0]
    assert len(calls(http, STATUS_CALL)) == 1


def test_a_bad_max_age_fails_before_any_request(http, run_module):
    for age in (-1, 7 * 86400 + 1):
        ok, result = run_module(sl_info.main, dict(CONN, order_id=7, catalogue_cache_max_age=age))
        assert not ok and "catalogue_cache_max_age must be between 0 (no cache) and 604800" in result["msg"]
        assert str(age) in result["msg"]
    assert len(http.calls) == 0


def test_an_unwritable_cache_directory_costs_only_the_request(http, run_module, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    for _n in range(2):
        catalogue(http)
        get(http, 7, 50)
        ok, result = run_module(sl_info.main, dict(CONN, order_id=7, catalogue_cache_dir=str(blocker / "sub")))
        assert ok and result["orders"][0]["status"] == "Pending CA Approval"
        http.reset()


def test_an_endpoint_has_its_own_files(http, run_module, catalogue_cache):
    """Two provider instances (a test endpoint beside production) never share a catalogue."""
    catalogue(http)
    get(http, 7, 50)
    assert run_module(sl_info.main, dict(CONN, order_id=7))[0]
    http.reset()
    other = "https://other.example.test/rest/v3.1/"
    http.get(other + "SoftLayer_Security_Certificate_Request_Status/%s.json" % STATUS_CALL, json=STATUSES[:2])
    http.get(other + "SoftLayer_Security_Certificate_Request/7/getObject.json", json=order(7, 43))
    ok, result = run_module(sl_info.main, dict(CONN, order_id=7, endpoint_url=other))
    assert ok and result["statuses"] == STATUSES[:2]
    assert len([f for f in files(str(catalogue_cache)) if f.startswith("softlayer-")]) == 2


def test_cps_takes_both_catalogues_from_the_cache_and_reads_them_again_for_an_unknown_wait_name(
        http, module_exits, catalogue_cache):
    token(http)
    appendix(http)
    http.get(CPS + "/v2.0/certificates/11605", json=cert_node())
    http.get(CPS + "/v2.0/certificates/11605/status", json=status_node())
    ok, first = run(cps_info.main, {"certificate_id": 11605})
    assert ok and len([f for f in files(str(catalogue_cache)) if f.startswith("edgecast-")]) == 2
    next_run(http)
    token(http)
    http.get(CPS + "/v2.0/certificates/11605", json=cert_node())
    http.get(CPS + "/v2.0/certificates/11605/status", json=status_node())
    ok, second = run(cps_info.main, {"certificate_id": 11605})
    assert ok and second["order_statuses"] == first["order_statuses"]
    assert not [c for c in http.calls if "/appendix/" in c.request.url]
    next_run(http)
    # a name none of the catalogues has: the part catalogues are read, then the cached ones again
    token(http)
    appendix(http, parts=True)
    ok, result = run(cps_info.main, {"certificate_id": 11605, "wait_for": ["Shipped"]})
    assert not ok and "Shipped" in result["msg"]
    appendix_calls = [c.request.url.rsplit("/", 1)[1] for c in http.calls if "/appendix/" in c.request.url]
    assert sorted(appendix_calls) == ["certificate-statuses", "domain-statuses", "order-statuses", "validation-statuses"]


def test_the_cache_keeps_what_it_was_given_and_expires_it(tmp_path):
    now = [1000.0]
    cache = _catalogue.CatalogueCache(str(tmp_path / "c"), 60, "softlayer", "https://x.test/", clock=lambda: now[0])
    assert cache.load("s") is None
    cache.store("s", [{"id": 1, "name": "A"}])
    cache.store("empty", [])
    assert cache.load("s") == [{"id": 1, "name": "A"}] and cache.load("empty") is None
    assert oct(os.stat(str(tmp_path / "c")).st_mode & 0o777) == "0o700"
    now[0] += 60
    assert cache.load("s") == [{"id": 1, "name": "A"}]
    now[0] += 1
    assert cache.load("s") is None
    # the same endpoint with or without a trailing slash is one instance
    again = _catalogue.CatalogueCache(str(tmp_path / "c"), 60, "softlayer", "https://x.test", clock=lambda: 1000.0)
    assert again.path("s") == cache.path("s")
