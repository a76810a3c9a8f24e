# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounds on everything the provider controls, against a hostile provider over real HTTP on 127.0.0.1.

A provider decides how many pages a list has, how fast its status line and headers arrive and how
large its answers are. Each test below plays one hostile answer and checks that the task ends with a
clean failure naming the call and the reason, quickly, and without taking the host's memory. What
the code did before is said in each test: it hung, crashed, or grew without end.
"""

import datetime
import ipaddress
import resource
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError
from ansible_collections.certops.orders.plugins.module_utils._edgecast import client as cps
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError, HttpClient, RetryPolicy
from ansible_collections.certops.orders.plugins.module_utils._runner import check_transport_options
from ansible_collections.certops.orders.plugins.module_utils._softlayer import client as sl
from ansible_collections.certops.orders.plugins.modules import edgecast_cert_order_status_info as edgecast_info
from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order_status_info as softlayer_info
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile
from ansible_collections.certops.orders.tests.unit.plugins.module_utils.test_runner import patch_exits  # noqa: F401 pylint: disable=unused-import
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (
    CERTIFICATE_STATUSES,
    ORDER_STATUSES,
    cert_node,
    collection,
)
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail

MIB = 1024 * 1024

# -- SoftLayer ----------------------------------------------------------------------------------------
STATUS_PATH = "/SoftLayer_Security_Certificate_Request_Status/getSslRequestStatuses.json"
ACCOUNT_PATH = "/SoftLayer_Account/getObject.json"
LIST_PATH = "/SoftLayer_Security_Certificate_Request/getSslCertificateRequests.json"
ORDER_PATH = "/SoftLayer_Security_Certificate_Request/1/getObject.json"
STATUSES = [{"id": 50, "name": "Pending CA Approval"}, {"id": 51, "name": "Approved"}]


def sl_request(request_id):
    return {"id": request_id, "commonName": "www%d.example.com" % request_id, "statusId": 50}


def result_limit(path):
    """``(offset, limit)`` of a list request's ``resultLimit``."""
    query = path.split("?", 1)[1] if "?" in path else ""
    for pair in query.split("&"):
        if pair.startswith("resultLimit="):
            offset, limit = pair.split("=", 1)[1].replace("%2C", ",").split(",")
            return int(offset), int(limit)
    return None


def softlayer(listing=None, order=None):
    """The status catalogue and the account; ``listing(offset, limit)`` answers the list call and
    ``order(n)`` the n-th getObject of order 1."""
    orders = []

    def answer(request):
        path = request.path.split("?")[0]
        if path == STATUS_PATH:
            return Answer(body=STATUSES)
        if path == ACCOUNT_PATH:
            return Answer(body={"id": 1234})
        if path == LIST_PATH and listing is not None:
            return listing(*result_limit(request.path))
        if path == ORDER_PATH and order is not None:
            orders.append(1)
            return order(len(orders) - 1)
        return Answer(404, {"error": "no such call", "code": "SoftLayer_Exception_NotFound"})

    return answer


def run(module, args):
    started = time.monotonic()
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as outcome:
            module.main()
    return outcome.type is Exit, outcome.value.args[0], time.monotonic() - started


def run_softlayer(double, **options):
    return run(softlayer_info, dict(username="SL1", api_key="k3y", endpoint_url=double.url, **options))


def test_a_softlayer_list_that_repeats_its_first_page_fails_on_the_second():
    # every offset answers the same 100 requests, with no total: before, the loop never ended
    same = [sl_request(i) for i in range(1, 101)]
    with Hostile(softlayer(listing=lambda offset, limit: Answer(body=same))) as double:
        ok, result, took = run_softlayer(double, wait_timeout=30)
    assert not ok
    assert ("getSslCertificateRequests answered at resultLimit=100,100 the same 100 items (the same ids) as at "
            "resultLimit=0,100: the provider ignores the position asked for") in result["msg"]
    assert double.paths().count(LIST_PATH) == 2
    assert took < 10, took


def test_a_softlayer_list_that_never_ends_stops_after_max_pages():
    # every page is full and new, and no total is sent: before, the loop followed it for ever (and
    # kept every item). Now it reads MAX_PAGES pages, the documented most, and says what to do.
    def listing(offset, limit):
        return Answer(body=[sl_request(i) for i in range(offset + 1, offset + limit + 1)])

    with Hostile(softlayer(listing=listing)) as double:
        ok, result, took = run_softlayer(double, wait_timeout=60)
    assert not ok
    assert sl.MAX_PAGES == 500
    assert ("getSslCertificateRequests still offered more items after 500 pages (50000 items), the most this module "
            "reads from one list; select fewer orders") in result["msg"]
    assert double.paths().count(LIST_PATH) == 500
    assert took < 30, took


# How a SoftLayer list is paged. softlayer-python's iter_call (softlayer/softlayer-python, SoftLayer/API.py)
# asks resultLimit=offset,limit pages and stops at a page shorter than the limit or once its count reaches
# the SoftLayer-Total-Items header; its REST transport (SoftLayer/transports/rest.py) reads a missing
# header as 0, so it stops after the first page then. The module stops at a short (or empty) page only:
# the header is the provider's word, and a wrong one must not cut the list (a cut list makes the order
# module miss an existing order and place it again).
def rows_by_offset(rows, total=None):
    """A listing that honours resultLimit: ``rows[offset:offset + limit]``, with ``total`` as the header if given."""
    headers = {} if total is None else {"SoftLayer-Total-Items": str(total)}
    return lambda offset, limit: Answer(body=rows[offset:offset + limit], headers=headers)


def listed(double, **options):
    ok, result, took = run_softlayer(double, wait_timeout=30, **options)
    assert ok, result
    assert took < 10, took
    return [o["id"] for o in result["orders"]], [result_limit(r.path) for r in double.requests if r.path.startswith(LIST_PATH)]


def test_a_softlayer_list_without_a_total_is_followed_to_its_short_page():
    # (a) no SoftLayer-Total-Items header, 250 requests: 100, 100, then 50, which ends the list
    everything = [sl_request(i) for i in range(1, 251)]
    with Hostile(softlayer(listing=rows_by_offset(everything))) as double:
        ids, limits = listed(double)
    assert ids == list(range(1, 251)) and limits == [(0, 100), (100, 100), (200, 100)]


def test_a_softlayer_list_without_a_total_that_fills_its_last_page_ends_on_the_empty_page():
    everything = [sl_request(i) for i in range(1, 201)]
    with Hostile(softlayer(listing=rows_by_offset(everything))) as double:
        ids, limits = listed(double)
    assert ids == list(range(1, 201)) and limits == [(0, 100), (100, 100), (200, 100)]


@pytest.mark.parametrize("count, total, calls", [(150, None, 2), (150, 150, 2), (100, 100, 2), (30, None, 1)])
def test_a_softlayer_list_that_ignores_result_limit_answers_its_whole_list_once(count, total, calls):
    # (b) every answer holds every request whatever resultLimit asks, as a method SLDN's metadata does
    # not flag "limitable" may (getSslCertificateRequests: softlayer/githubio_source,
    # data/sldn_metadata.json). The second answer repeats the first, so the first was the whole list
    # when it held more than asked or as many as the total says. Before, 150 requests with no total
    # failed ("ignores the page size"), and before that the loop never ended (46,670 calls in 60 s).
    everything = [sl_request(i) for i in range(1, count + 1)]
    headers = {} if total is None else {"SoftLayer-Total-Items": str(total)}
    with Hostile(softlayer(listing=lambda offset, limit: Answer(body=everything, headers=headers))) as double:
        ids, limits = listed(double)
    assert ids == list(range(1, count + 1)) and limits == [(0, 100), (count, 100)][:calls]


def test_a_softlayer_list_that_ignores_the_limit_but_not_the_offset_is_followed_from_its_last_item():
    # a page larger than asked: the next offset is the item after its last one, and an empty page ends it
    everything = [sl_request(i) for i in range(1, 251)]
    with Hostile(softlayer(listing=lambda offset, limit: Answer(body=everything[offset:offset + 150]))) as double:
        ids, limits = listed(double)
    assert ids == list(range(1, 251)) and limits == [(0, 100), (150, 100), (250, 100)]


@pytest.mark.parametrize("total", [1000, 251, 100, 50, 0])
def test_a_softlayer_list_with_a_wrong_total_is_followed_to_its_short_page(total):
    # (c) the header counts too many (1000, 251: the short page still ends the list) or too few (100,
    # 50, 0). Before, a total of 100, 50 or 0 ended the listing after its first page: 100 of 250
    # requests, in silence.
    everything = [sl_request(i) for i in range(1, 251)]
    with Hostile(softlayer(listing=rows_by_offset(everything, total))) as double:
        ids, limits = listed(double)
    assert ids == list(range(1, 251)) and limits == [(0, 100), (100, 100), (200, 100)]


# -- Edgecast ---------------------------------------------------------------------------------------
def edgecast(listing):
    """A token, the two status catalogues, and ``listing(page)`` for ``GET /v2.0/certificates``."""

    def answer(request):
        path = request.path.split("?")[0]
        if path == "/connect/token":
            return Answer(body={"access_token": "tok", "expires_in": 300, "token_type": "Bearer"})
        if path == "/sec/cps/v2.0/appendix/order-statuses":
            return Answer(body=collection(path, [{"name": n, "id": i} for i, n in enumerate(ORDER_STATUSES, 1)]))
        if path == "/sec/cps/v2.0/appendix/certificate-statuses":
            return Answer(body=collection(path, [{"name": n, "id": i} for i, n in enumerate(CERTIFICATE_STATUSES, 1)]))
        if path == "/sec/cps/v2.0/certificates":
            page = [p.split("=", 1)[1] for p in request.path.split("?", 1)[1].split("&") if p.startswith("page=")]
            return listing(int(page[0]))
        return Answer(404, {"code": "not_found", "title": "Not Found"})

    return answer


def run_edgecast(double, **options):
    url = double.url.rstrip("/")
    return run(edgecast_info, dict(client_id="ci", client_secret="s3cr3t", api_url=url, ids_url=url, **options))


@pytest.mark.parametrize("body, field", [
    ([cert_node(1)], "(the body): Input should be a valid dictionary"),
    (None, "(the body): Input should be a valid dictionary"),
    ({"items": [1, 2]}, "items.0: Input should be a valid dictionary"),
    ({"items": [], "total_items": "many"}, "total_items: Input should be a valid integer"),
    ({"items": [], "@links": ["next"]}, "@links: Input should be a valid dictionary"),
])
def test_a_cps_list_that_is_not_a_collection_fails_naming_the_call_and_the_field(body, field):
    # before, a bare list crashed the module (AttributeError: 'list' object has no attribute 'get'),
    # null was read as an empty list, and items of the wrong type were skipped in silence
    with Hostile(edgecast(lambda page: Answer(body=body))) as double:
        ok, result, _took = run_edgecast(double, domain="*.example.com")
    assert not ok
    assert result["msg"].startswith("GET /v2.0/certificates answered with a body this module cannot read: ")
    assert field in result["msg"]


def test_a_cps_list_that_ignores_page_size_fails_on_its_first_page():
    # before, 25 items with a total of 50 were followed to page 2 (and on, as long as the total said so)
    items = [cert_node(i) for i in range(1, 26)]
    with Hostile(edgecast(lambda page: Answer(body=collection("/v2.0/certificates", items, 50)))) as double:
        ok, result, _took = run_edgecast(double, domain="*.example.com")
    assert not ok
    assert "GET /v2.0/certificates answered 25 items at page=1, where at most 20 were asked for" in result["msg"]
    assert double.paths().count("/sec/cps/v2.0/certificates") == 1


def test_a_cps_list_that_repeats_its_first_page_fails_on_the_second():
    # before, the same 20 certificates came back twice (and a third time) until the total of 45 was
    # reached: the label search then saw duplicates
    items = [cert_node(i) for i in range(1, 21)]
    with Hostile(edgecast(lambda page: Answer(body=collection("/v2.0/certificates", items, 45)))) as double:
        ok, result, _took = run_edgecast(double, domain="*.example.com")
    assert not ok
    assert ("GET /v2.0/certificates answered at page=2 the same 20 items (the same ids) as at page=1"
            in result["msg"])
    assert double.paths().count("/sec/cps/v2.0/certificates") == 2


def test_a_cps_list_that_never_ends_fails_after_max_pages_instead_of_returning_part_of_it():
    # before, the listing stopped after 500 pages in silence and the module went on with a partial list
    def listing(page):
        items = [cert_node(i, label="c%d" % i) for i in range((page - 1) * 20 + 1, page * 20 + 1)]
        return Answer(body=collection("/v2.0/certificates", items, 10 ** 9))

    with Hostile(edgecast(listing)) as double:
        ok, result, took = run_edgecast(double, domain="*.example.com", wait_timeout=60)
    assert not ok and cps.MAX_PAGES == 500
    assert ("GET /v2.0/certificates still offered more items after 500 pages (10000 items), the most this module "
            "reads from one list; use a more specific label or domain") in result["msg"]
    assert double.paths().count("/sec/cps/v2.0/certificates") == 500
    assert took < 30, took


# -- the whole answer within the budget -----------------------------------------------------------------
def test_a_status_line_and_headers_trickled_one_byte_a_second_end_at_the_hard_end():
    # each byte comes within the 2 s read timeout, so only the budget can stop it. Before, the
    # socket timeout was the only bound and the task read the ~70 bytes of the head for ~70 s.
    trickled = Answer(body=sl_request(1), head_trickle=1.0)
    with Hostile(softlayer(order=lambda n: trickled)) as double:
        ok, result, took = run_softlayer(double, order_id=1, wait_timeout=3, timeout=2)
    assert not ok
    assert ("the task's time budget (wait_timeout=3s) ran out while the answer's status line and headers were "
            "arriving; the request may or may not have been processed") in result["msg"]
    assert double.paths().count(ORDER_PATH) == 1  # not retried: the budget is spent
    assert took < 3 + 2 + 3, took


def test_the_watchdog_ends_an_attempt_at_the_hard_end_as_ambiguous_and_final():
    with Hostile(lambda request: Answer(body={"ok": True}, head_trickle=0.5)) as double:
        seam = HttpClient(double.url, budget=Budget(1, 1), retry=RetryPolicy(retries=3), sleep=lambda s: None)
        started = time.monotonic()
        with pytest.raises(ApiError) as caught:
            seam.get("x")
        took = time.monotonic() - started
    assert caught.value.ambiguous and not caught.value.retryable and caught.value.attempts == 1
    assert "ran out while the answer's status line and headers were arriving" in str(caught.value)
    assert 1.5 < took < 1 + 1 + 2, took  # the hard end is 2 s away: not before it, not long after


def self_signed(folder):
    """A certificate and key for 127.0.0.1 (cryptography comes with ansible-core)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return str(certfile), str(keyfile)


def test_the_watchdog_also_ends_a_trickled_answer_over_tls(tmp_path):
    # over TLS the blocked receive is inside the SSL layer: shutting the socket ends it all the same
    # (before, as over plain HTTP, the task read the trickled head for as long as it lasted)
    certfile, keyfile = self_signed(tmp_path)
    with Hostile(lambda request: Answer(body={"ok": True}, head_trickle=0.5), tls=(certfile, keyfile)) as double:
        assert double.url.startswith("https://")
        seam = HttpClient(double.url, budget=Budget(1, 1), ca_path=certfile, sleep=lambda s: None)
        started = time.monotonic()
        with pytest.raises(ApiError) as caught:
            seam.get("x")
        took = time.monotonic() - started
    assert "ran out while the answer's status line and headers were arriving" in str(caught.value)
    assert not caught.value.retryable and took < 1 + 1 + 2, took


def test_the_watchdog_also_ends_a_trickled_answer_through_an_http_proxy():
    # a proxy gets urllib3's proxy manager, whose pools the seam replaces too (the double plays the proxy)
    with Hostile(lambda request: Answer(body={"ok": True}, head_trickle=0.5)) as proxy:
        seam = HttpClient("http://provider.invalid/", budget=Budget(1, 1), proxy_url=proxy.url, sleep=lambda s: None)
        started = time.monotonic()
        with pytest.raises(ApiError) as caught:
            seam.get("x")
        took = time.monotonic() - started
    assert [r.path for r in proxy.requests] == ["http://provider.invalid/x"]
    assert "ran out while the answer's status line and headers were arriving" in str(caught.value)
    assert took < 1 + 1 + 2, took


def test_a_body_that_stalls_past_the_read_timeout_is_a_clean_timeout():
    # before, urllib3's ReadTimeoutError escaped the seam from the body read (a traceback, not an ApiError)
    with Hostile(lambda request: Answer(body={"ok": "y" * 20}, trickle=3)) as double:
        seam = HttpClient(double.url, timeout=1, retry=RetryPolicy(retries=0))
        with pytest.raises(ApiError) as caught:
            seam.get("x")
    assert "no answer from the provider within 1s" in str(caught.value)
    assert caught.value.ambiguous and caught.value.retryable


# -- the size of an answer --------------------------------------------------------------------------------
def max_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def test_a_200_mb_body_without_length_is_abandoned_at_max_response_size_without_growing_the_process():
    # before, the whole body was read into memory (and joined: twice its size), then retried as
    # broken JSON: the process grew by hundreds of MB
    before = max_rss_mib()
    with Hostile(softlayer(order=lambda n: Answer(stream=200 * MIB, length=False))) as double:
        ok, result, took = run_softlayer(double, order_id=1, max_response_size=MIB)
    grown = max_rss_mib() - before
    assert grown < 100, grown
    assert not ok
    assert "HTTP 200 answer was still arriving after " in result["msg"]
    assert "bytes, more than max_response_size=1048576 bytes allows; it was not read" in result["msg"]
    assert double.paths().count(ORDER_PATH) == 1  # not retried: the next answer would be as large
    assert took < 10, took


def test_a_content_length_above_max_response_size_is_refused_before_the_body_is_read():
    before = max_rss_mib()
    with Hostile(softlayer(order=lambda n: Answer(stream=200 * MIB))) as double:
        ok, result, took = run_softlayer(double, order_id=1, max_response_size=MIB)
    assert not ok
    assert ("HTTP 200 answer announces 209715200 bytes (Content-Length), more than max_response_size=1048576 bytes "
            "allows; it was not read. Raise max_response_size if an answer this large is expected") in result["msg"]
    assert result["http_status"] == 200 and double.paths().count(ORDER_PATH) == 1
    assert max_rss_mib() - before < 100
    assert took < 10, took


@pytest.mark.parametrize("value", [0, 1023, 2 ** 30 + 1, -5])
def test_a_max_response_size_out_of_range_is_refused_with_the_range(value):
    with pytest.raises(OptionError) as caught:
        check_transport_options({"max_response_size": value})
    assert str(caught.value) == ("max_response_size must be between 1024 and 1073741824 bytes (1 KiB to 1 GiB), got %s"
                                 % value)


def test_a_bad_max_response_size_fails_the_task_before_any_request():
    with Hostile(softlayer()) as double:
        ok, result, _took = run_softlayer(double, order_id=1, max_response_size=10)
    assert not ok and result["msg"].startswith("max_response_size must be between 1024 and 1073741824 bytes")
    assert double.requests == []
