# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""edgecast_cert_order_status_info over scripted CPS conversations."""

from datetime import datetime, timedelta, timezone

from responses import matchers

from ansible_collections.certops.orders.plugins.module_utils import _catalogue
from ansible_collections.certops.orders.plugins.module_utils._edgecast import provider
from ansible_collections.certops.orders.plugins.modules.edgecast_cert_order_status_info import main
from ansible_collections.certops.orders.tests.unit.plugins.modules.edgecast_helpers import (  # pylint: disable=unused-import
    CPS,
    ORDER_STATUSES,
    appendix,
    calls,
    cert_node,
    certificate,
    clock,
    collection,
    dcv_node,
    error,
    listing,
    module_exits,
    next_run,
    patch_exits,
    run,
    status_node,
    token,
)


def every_page(http, items, page=1, total=None):
    """A page of the certificate list without a query (no selector lists every certificate)."""
    return http.get(CPS + "/v2.0/certificates", json=collection("/v2.0/certificates", items, total),
                    match=[matchers.query_param_matcher({"page": str(page), "page_size": "20"})])


def expires_in(days):
    return (datetime.now(timezone.utc) + timedelta(days=days, hours=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_without_selection_lists_every_certificate_across_pages(http, module_exits):
    """Before: without a selector the module returned an empty list."""
    token(http)
    appendix(http)
    nodes = [cert_node(11605 + i, "all%d" % i) for i in range(21)]
    every_page(http, nodes[:20], page=1, total=21)
    every_page(http, nodes[20:], page=2, total=21)
    for node in nodes:
        http.get(CPS + "/v2.0/certificates/%d/status" % node["id"], json=status_node(node["id"]))
    ok, result = run(main, {})
    assert ok and result["changed"] is False
    assert [c["id"] for c in result["certificates"]] == [n["id"] for n in nodes]
    assert [s["name"] for s in result["order_statuses"]] == ORDER_STATUSES
    assert result["order_statuses"][0] == {"id": 1, "name": "Pending"} and len(result["order_statuses"]) == 17
    assert [s["name"] for s in result["certificate_statuses"]][-1] == "Deleted"


def _issued(http, cert_id, days, order="Issued"):
    node = cert_node(cert_id, "exp%d" % cert_id, issued=True, expiration_date=expires_in(days))
    http.get(CPS + "/v2.0/certificates/%d/status" % cert_id,
             json=status_node(cert_id, status="Active", order=order, domain_status="Approved", step=5))
    return node


def test_expiring_within_days_selects_by_days_left_and_every_certificate_has_them(http, module_exits):
    token(http)
    appendix(http)
    nodes = [_issued(http, 11605, 10), _issued(http, 11606, 31), _issued(http, 11607, -3, order="Expired"),
             cert_node(11608, "new")]
    http.get(CPS + "/v2.0/certificates/11608/status", json=status_node(11608))
    every_page(http, nodes)
    ok, result = run(main, {"expiring_within_days": 30})
    assert ok
    # expired ones are selected too; one never issued (no expiration) never is
    assert [(c["id"], c["days_left"]) for c in result["certificates"]] == [(11605, 10), (11607, -3)]
    # the list items were read once (no second GET of each certificate)
    assert not calls(http, "GET", "/v2.0/certificates/11605")


def test_status_filters_by_certificate_or_order_status_after_reading(http, module_exits):
    token(http)
    appendix(http)
    nodes = [_issued(http, 11605, 100), _issued(http, 11606, 100, order="PendingRenewal"), cert_node(11607, "new")]
    http.get(CPS + "/v2.0/certificates/11607/status", json=status_node(11607))
    listing(http, "domain_names:*.example.com", nodes)
    ok, result = run(main, {"domain": "*.example.com", "status": ["PendingRenewal", "Processing"]})
    assert ok and [c["id"] for c in result["certificates"]] == [11606, 11607]


def test_unknown_status_names_fail_naming_the_valid_ones_before_listing(http, module_exits):
    token(http)
    appendix(http)
    ok, result = run(main, {"status": ["Active", "Done"]})
    assert not ok and "status has unknown status name 'Done'" in result["msg"]
    assert "Issued" in result["msg"] and "DomainControlValidation" in result["msg"]
    assert not calls(http, "GET", "/v2.0/certificates")


def test_expiring_within_days_out_of_range_fails_before_any_request(http, module_exits):
    ok, result = run(main, {"expiring_within_days": 3651})
    assert not ok and "expiring_within_days must be a number of days from 0 to 3650" in result["msg"]
    assert not http.calls


def test_by_id_reads_certificate_status_and_dcv_token(http, module_exits):
    token(http)
    appendix(http)
    certificate(http, cert_node(), status_node(status="DomainControlValidation", order="Pending", step=2))
    ok, result = run(main, {"certificate_id": 11605})
    assert ok
    (cert,) = result["certificates"]
    assert cert["id"] == 11605 and cert["status"] == "DomainControlValidation" and cert["order_status"] == "Pending"
    assert cert["phase"] == "action_required" and cert["dcv"][0]["token"] == "0a1b2c3d"
    dcv_call = calls(http, "GET", "/v2.0/dcv/certificates/11605")[0]
    assert "domain_ids=21001" in dcv_call.request.url


def test_processing_certificate_has_no_token_and_no_dcv_call(http, module_exits):
    token(http)
    appendix(http)
    certificate(http, cert_node(), status_node())
    ok, result = run(main, {"certificate_id": 11605})
    assert ok and result["certificates"][0]["order_status"] is None
    assert result["certificates"][0]["dcv"][0]["token"] is None
    assert not calls(http, "GET", "/v2.0/dcv/certificates/11605")


def test_many_ids_keep_their_order(http, module_exits):
    token(http)
    appendix(http)
    ids = list(range(11605, 11655))
    for cert_id in ids:
        certificate(http, cert_node(cert_id, "c%d" % cert_id), status_node(cert_id, "Active", "Issued", step=5))
    ok, result = run(main, {"certificate_ids": ids + [11605]})
    assert ok and [c["id"] for c in result["certificates"]] == ids
    assert all(c["phase"] == "issued" for c in result["certificates"])


def test_by_label_matches_exactly_and_uses_the_list_item(http, module_exits):
    token(http)
    appendix(http)
    node = cert_node(label="Web_1")
    listing(http, "certificate_label:web_1", [cert_node(11600, "web_10"), node])
    http.get(CPS + "/v2.0/certificates/11605/status", json=status_node())
    ok, result = run(main, {"label": "web_1"})
    assert ok and [c["id"] for c in result["certificates"]] == [11605]
    assert not calls(http, "GET", "/v2.0/certificates/11605")  # the list item is the certificate


def test_a_label_with_spaces_is_looked_up_and_a_broken_label_fails_as_in_the_order_module(http, module_exits):
    """One label rule for both modules: words of letters, digits, '_' and '-' with single spaces (the vendor's
    Terraform examples use "my certificate 1", Edgio/terraform-provider-edgecast
    examples/data-sources/edgecast_cps_full_workflow/resource.tf). Before, the info module sent any label."""
    token(http)
    appendix(http)
    listing(http, "certificate_label:my certificate 1", [])
    ok, result = run(main, {"label": "my certificate 1"})
    assert ok and result["certificates"] == []
    http.calls.reset()
    ok, result = run(main, {"label": "my label!"})
    assert not ok and "'my label!' is not a CPS certificate label" in result["msg"] and len(http.calls) == 0


def test_unknown_label_selects_nothing(http, module_exits):
    token(http)
    appendix(http)
    listing(http, "certificate_label:nope", [])
    ok, result = run(main, {"label": "nope"})
    assert ok and result["certificates"] == []


def test_by_domain_follows_pages_past_20(http, module_exits):
    token(http)
    appendix(http)
    nodes = [cert_node(11605 + i, "d%d" % i) for i in range(23)]
    listing(http, "domain_names:cdn.example.com", nodes[:20], page=1, total=23)
    listing(http, "domain_names:cdn.example.com", nodes[20:], page=2, total=23)
    for node in nodes:
        http.get(CPS + "/v2.0/certificates/%d/status" % node["id"], json=status_node(node["id"]))
    ok, result = run(main, {"domain": "cdn.example.com"})
    assert ok and len(result["certificates"]) == 23
    assert len(calls(http, "GET", "/v2.0/certificates")) == 2


def test_a_token_dropped_in_the_middle_of_paging_is_renewed_and_paging_goes_on(http, module_exits):
    """The gateway revokes the token between page 1 and page 2 of a domain lookup: page 2 is answered 401 once.
    The lookup renews the token once and asks for page 2 again with the new one, then page 3 follows; it neither
    fails nor starts over from page 1 (a token lasts 300 s and may be revoked at any moment)."""
    token(http, "tok-1")
    token(http, "tok-2")
    appendix(http)
    nodes = [cert_node(11605 + i, "d%d" % i) for i in range(45)]
    query = "domain_names:cdn.example.com"
    listing(http, query, nodes[:20], page=1, total=45)
    http.get(CPS + "/v2.0/certificates", status=401, json={
        "@type": "Error", "code": "unauthorized", "status_code": 401, "title": "You are not authorized to access this resource"},
        match=[matchers.query_param_matcher({"page": "2", "page_size": "20", "query": query})])
    listing(http, query, nodes[20:40], page=2, total=45)
    listing(http, query, nodes[40:], page=3, total=45)
    for node in nodes:
        http.get(CPS + "/v2.0/certificates/%d/status" % node["id"], json=status_node(node["id"]))
    ok, result = run(main, {"domain": "cdn.example.com"})
    assert ok, result["msg"]
    assert [c["id"] for c in result["certificates"]] == [n["id"] for n in nodes]
    pages = [(c.request.params["page"], c.request.headers["Authorization"]) for c in calls(http, "GET", "/v2.0/certificates")]
    assert pages == [("1", "Bearer tok-1"), ("2", "Bearer tok-1"), ("2", "Bearer tok-2"), ("3", "Bearer tok-2")]
    assert len(calls(http, "POST")) == 2  # one renewal


def test_wait_for_an_order_status_polls_until_issued(http, module_exits, clock):
    token(http)
    appendix(http)
    http.get(CPS + "/v2.0/certificates/11605", json=cert_node())
    for state in (status_node(), status_node(status="DomainControlValidation", order="Pending"),
                  status_node(status="Deployment", order="Issued", domain_status="Approved")):
        http.get(CPS + "/v2.0/certificates/11605/status", json=state)
    ok, result = run(main, {"certificate_id": 11605, "wait_for": ["Issued"], "wait_sleep": 5})
    assert ok and result["certificates"][0]["order_status"] == "Issued"
    assert [h["status"] for h in result["wait"]["history"]] == [
        "Processing", "DomainControlValidation / Pending", "Deployment / Issued"]
    assert result["wait"]["polls"] == 3  # a wait by id reads nothing before it: every status read is a poll


def test_a_wait_polls_the_statuses_one_at_a_time_and_reads_each_certificate_once_at_the_end(http, module_exits, clock):
    token(http)
    appendix(http)
    for cert_id in (1, 2):
        http.get(CPS + "/v2.0/certificates/%d" % cert_id, json=dict(cert_node(), id=cert_id))
    # 1: pending at the first read and the first poll, then active; 2: active from the first read on
    for state in (status_node(status="DomainControlValidation", order="Pending"),
                  status_node(status="DomainControlValidation", order="Pending"),
                  status_node(status="Active", order="Issued", domain_status="Approved")):
        http.get(CPS + "/v2.0/certificates/1/status", json=state)
    http.get(CPS + "/v2.0/certificates/2/status", json=status_node(status="Active", order="Issued", domain_status="Approved"))
    ok, result = run(main, {"certificate_ids": [1, 2], "wait_for": ["Active"]})
    assert ok and [c["status"] for c in result["certificates"]] == ["Active", "Active"]
    assert [c["id"] for c in result["certificates"]] == [1, 2]
    assert result["certificates"][0]["label"] and result["certificates"][0]["domains"]
    # no read before the wait: each poll reads 1 until it is active, then 2 (active) in the same round
    assert len(calls(http, "GET", "/v2.0/certificates/1/status")) == 3
    assert len(calls(http, "GET", "/v2.0/certificates/2/status")) == 1
    # the certificates once, at the end; no DCV data for certificates past DCV
    assert len(calls(http, "GET", "/v2.0/certificates/1")) == 1 and len(calls(http, "GET", "/v2.0/certificates/2")) == 1
    assert not calls(http, "GET", "/v2.0/dcv/certificates/1")
    assert result["wait"]["polls"] == 3


def test_ca_rejection_ends_the_wait_early(http, module_exits, clock):
    token(http)
    appendix(http)
    certificate(http, cert_node(), status_node(status="DomainControlValidation", order="Rejected",
                                               error_message="The CA rejected the order"))
    ok, result = run(main, {"certificate_id": 11605, "wait_for": ["Active"]})
    assert not ok and "11605 reached the failure status Rejected after" in result["msg"]
    assert "it is DomainControlValidation / Rejected; waited for Active" in result["msg"]
    assert result["certificates"][0]["phase"] == "failed"
    assert result["certificates"][0]["error_message"] == "The CA rejected the order"
    assert clock.now == 0


def test_unknown_wait_status_lists_every_vocabulary_and_the_phases(http, module_exits):
    token(http)
    appendix(http, parts=True)  # a name outside the request and order statuses: the other catalogues are read
    ok, result = run(main, {"certificate_id": 1, "wait_for": ["Done"]})
    assert not ok and "wait_for has unknown status name 'Done'; valid names are: certificate statuses: Processing, " \
        "DomainControlValidation" in result["msg"]
    for group in ("order statuses: Pending, Issued", "domain statuses: ProvisioningInitiated", "TimedOut",
                  "validation statuses: Unknown, Pending, Rejected, Approved, NA",
                  "phases: pending, action_required, issued, failed, canceled, deleted"):
        assert group in result["msg"]
    assert [c.request.url.rsplit("/", 1)[-1] for c in http.calls] == [
        "token", "order-statuses", "certificate-statuses", "domain-statuses", "validation-statuses"]


def test_domain_and_validation_names_and_phases_are_accepted(http, module_exits, clock):
    token(http)
    appendix(http, parts=True)
    certificate(http, cert_node(), status_node(status="Active", order="Issued"))
    ok, result = run(main, {"certificate_id": 11605, "wait_for": ["Approved", "issued"], "fail_on": ["TimedOut"]})
    assert ok and result["certificates"][0]["status"] == "Active"


def test_default_fail_on_comes_from_the_catalogue(module_exits):
    appendices = {"order-statuses": [{"id": 1, "name": "Rejected"}, {"id": 2, "name": "Canceled"}],
                  "certificate-statuses": [{"id": 1, "name": "Deleted"}]}

    class Fake(provider.EdgecastInfo):
        def __init__(self):  # pylint: disable=super-init-not-called
            self.catalogues = _catalogue.Catalogues(_catalogue.CatalogueCache("/nonexistent", 0, "edgecast", "x"),
                                                    appendices.__getitem__)

    # TimedOut is matched on the domains' own statuses, so it needs no catalogue read
    assert Fake().vocabulary().failures == ["Rejected", "Canceled", "Deleted", "TimedOut"]


def test_forbidden_scope_reports_the_provider_error(http, module_exits):
    token(http)
    http.get(CPS + "/v2.0/appendix/order-statuses", status=403,
             json=error("forbidden", 403, "User or client does not have the correct oauth2 scopes"))
    ok, result = run(main, {})
    assert not ok and result["http_status"] == 403 and result["provider_code"] == "forbidden"
    assert result["http_url"] == CPS + "/v2.0/appendix/order-statuses" and result["http_method"] == "GET"


def test_bad_ids_fail_before_any_request(http, module_exits):
    ok, result = run(main, {"certificate_ids": [5, -1]})
    assert not ok and "positive integers, got -1" in result["msg"]
    assert len(http.calls) == 0


def test_missing_pydantic_is_reported_with_missing_required_lib(http, module_exits, monkeypatch):
    monkeypatch.setattr(provider.EdgecastInfo, "requirements", (("pydantic", False, None),))
    ok, result = run(main, {})
    assert not ok and "Failed to import the required Python library (pydantic)" in result["msg"]
    assert len(http.calls) == 0


# -- what a wait matches: every catalogue, the lifecycle, a timed-out domain -----------------------
CPS_BASE = "https://api.test/sec/cps"


def test_a_timed_out_domain_ends_the_wait_at_once_with_the_retrigger_advice(http, module_exits, clock):
    """The domain statuses are on the certificate (Edgio/ec-sdk-go edgecast/cps/models/domain.go lists
    TimedOut), not in the status reply: the poll reads them when the reply reports an error during
    validation, and the default fail_on has TimedOut."""
    token(http)
    appendix(http)
    timed_out = status_node(status="DomainControlValidation", order="Pending", step=2,
                            error_message="Domain control validation timed out")
    node = cert_node()
    node["domains"][0]["status"] = "TimedOut"
    http.get(CPS_BASE + "/v2.0/certificates/11605/status", json=timed_out)
    http.get(CPS_BASE + "/v2.0/certificates/11605", json=node)   # the poll's read of the domains
    http.get(CPS_BASE + "/v2.0/certificates/11605", json=node)   # the whole read that ends the wait ...
    http.get(CPS_BASE + "/v2.0/dcv/certificates/11605", json=dcv_node())  # ... around the status polled last
    ok, result = run(main, {"certificate_id": 11605, "wait_for": ["Active"]})
    assert not ok and result["msg"].startswith("Certificate 11605 reached the failure status TimedOut after 0.0s (1 polls)")
    assert "it is DomainControlValidation / Pending (domain validation timed out); waited for Active" in result["msg"]
    assert result["msg"].endswith("resubmit the request with certops.orders.edgecast_cert_order action=retrigger")
    assert result["certificates"][0]["domains"][0]["status"] == "TimedOut" and clock.now == 0


def test_a_validation_without_error_is_polled_from_the_status_alone(http, module_exits, clock):
    token(http)
    appendix(http)
    pending = status_node(status="DomainControlValidation", order="Pending", step=2)
    http.get(CPS_BASE + "/v2.0/certificates/11605/status", json=pending)
    certificate(http, cert_node(issued=True), status_node(status="Active", order="Issued", step=5))
    ok, result = run(main, {"certificate_id": 11605, "wait_for": ["Active"]})
    assert ok and result["wait"]["polls"] == 2
    # one status read per poll and one whole read at the end: no certificate read while polling
    assert len(calls(http, "GET", "/v2.0/certificates/11605")) == 1


def test_an_issued_certificate_satisfies_a_wait_for_domain_validation_unless_exact(http, module_exits, clock):
    for exact, expected in ((False, True), (True, False)):
        token(http)
        if not exact:  # the second run takes the catalogues from the cache the first one wrote
            appendix(http)
        certificate(http, cert_node(issued=True), status_node(status="Active", order="Issued", step=5))
        params = {"certificate_id": 11605, "wait_for": ["DomainControlValidation"]}
        if exact:
            params["wait_match"] = "exact"
        ok, result = run(main, params)
        assert ok is expected
        if exact:
            assert "has already passed DomainControlValidation, and wait_match=exact" in result["msg"] and clock.now == 0
        next_run(http)


def test_a_validation_status_all_domains_share_is_a_target(http, module_exits, clock):
    token(http)
    appendix(http, parts=True)
    http.get(CPS_BASE + "/v2.0/certificates/11605/status",
             json=status_node(status="DomainControlValidation", order="Pending", step=2, domain_status="Pending"))
    approved = status_node(status="DomainControlValidation", order="Pending", step=2, domain_status="Approved")
    http.get(CPS_BASE + "/v2.0/certificates/11605/status", json=approved)
    http.get(CPS_BASE + "/v2.0/certificates/11605", json=cert_node())
    http.get(CPS_BASE + "/v2.0/dcv/certificates/11605", json=dcv_node())
    ok, result = run(main, {"certificate_id": 11605, "wait_for": ["Approved"]})
    assert ok and result["wait"]["polls"] == 2
    assert [h["status"] for h in result["wait"]["history"]] == ["DomainControlValidation / Pending"]


def test_a_wait_slice_that_ends_before_a_certificate_was_read_returns_what_it_saw(http, module_exits, clock, monkeypatch):
    """A wait by ids reads the certificates one at a time and stops at the first one not done, so a
    slice (the action plugin's progress lines) can end before a later one was ever read. Before, the
    slice then failed with ``Module failed: 2`` (a KeyError on the unread id)."""
    monkeypatch.setenv("CERTOPS_WAIT_SLICE", '{"seconds": 5, "waited": 0, "polls": 0}')
    token(http)
    appendix(http)
    pending = status_node(status="DomainControlValidation", order="Pending")
    for _n in range(4):  # the polls at 0, 1, 2, 3 and 4 s of the 5-second slice
        http.get(CPS + "/v2.0/certificates/1/status", json=pending)
    http.get(CPS + "/v2.0/certificates/1/status", json=pending)
    ok, result = run(main, {"certificate_ids": [1, 2], "wait_for": ["Active"]})
    assert ok, result.get("msg")
    assert result["_certops_wait_continue"] is True
    assert [c["id"] for c in result["certificates"]] == [1]
    assert not calls(http, "GET", "/v2.0/certificates/2/status")
