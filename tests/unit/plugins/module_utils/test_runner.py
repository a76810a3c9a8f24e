# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The generic info runner with a small provider over scripted HTTP, and the wait options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import responses

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils import _runner, _wait
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail, FakeTime
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    Change,
    OptionError,
    Provider,
    WaitSpec,
    http_client,
    map_bounded,
    run_info,
    run_order,
    transport_argument_spec,
    wait_argument_spec,
)

BASE = "https://provider.test/api/"
CATALOGUE = [{"id": 7, "name": "Pending"}, {"id": 8, "name": "Approved"}, {"id": 9, "name": "Canceled"}]


@pytest.fixture(autouse=True)
def patch_exits(monkeypatch):
    def exit_json(self, **kwargs):
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


@pytest.fixture
def fake_time(monkeypatch):
    clock = FakeTime()
    monkeypatch.setattr(_wait, "time", clock)
    return clock


class ToyProvider(Provider):
    """A provider whose API is GET statuses and GET orders/<id> (status ids resolved by name)."""

    def __init__(self, module):
        super(ToyProvider, self).__init__(module)
        self.http = http_client(module, BASE)
        self.names = dict((s["id"], s["name"]) for s in self.http.get("statuses").data)

    def catalogue(self):
        return {"statuses": [{"id": k, "name": v} for k, v in sorted(self.names.items())]}

    def vocabulary(self):
        return [self.names[k] for k in sorted(self.names)]

    def default_fail_on(self):
        return ["Canceled"]

    def _get(self, key):
        raw = self.http.get("orders/%s" % key).data
        return {"id": raw["id"], "status": self.names[raw["statusId"]]}

    def select(self):
        keys = self.module.params["ids"]
        return list(zip(keys, map_bounded(self._get, keys)))

    def fetch(self, keys):
        return dict(zip(keys, map_bounded(self._get, keys)))


def run(args):
    spec = dict(ids=dict(type="list", elements="int", required=True))
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec())
    with patch_module_args(args):
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        with pytest.raises((Exit, Fail)) as outcome:
            run_info(module, ToyProvider)
    return outcome.type is Exit, outcome.value.args[0]


def script(*statuses_per_order):
    responses.get(BASE + "statuses", json=CATALOGUE)
    for key, statuses in statuses_per_order:
        for status_id in statuses:
            responses.get(BASE + "orders/%s" % key, json={"id": key, "statusId": status_id})


@responses.activate
def test_info_returns_catalogue_and_orders_without_waiting():
    script((1, [7]), (2, [8]))
    ok, result = run({"ids": [1, 2]})
    assert ok and result["changed"] is False
    assert result["statuses"] == CATALOGUE
    assert result["orders"] == [{"id": 1, "status": "Pending"}, {"id": 2, "status": "Approved"}]
    assert "wait" not in result


@responses.activate
def test_wait_polls_until_every_order_reaches_the_target(fake_time):
    script((1, [7, 7, 8]), (2, [8]))
    ok, result = run({"ids": [1, 2], "wait_for": ["Approved"]})
    assert ok
    assert [o["status"] for o in result["orders"]] == ["Approved", "Approved"]
    assert result["wait"]["polls"] == 2
    assert [h["status"] for h in result["wait"]["history"] if h["id"] == 1] == ["Pending", "Approved"]
    json.dumps(result)  # plain JSON types only


@responses.activate
def test_failure_status_fails_the_task_early_with_the_last_seen_orders(fake_time):
    script((1, [7, 9]))
    ok, result = run({"ids": [1], "wait_for": ["Approved"]})
    assert not ok
    assert "reached the failure status Canceled" in result["msg"]
    assert result["orders"] == [{"id": 1, "status": "Canceled"}]
    assert result["wait"]["polls"] == 1


@responses.activate
def test_empty_fail_on_waits_through_failure_statuses(fake_time):
    script((1, [9, 8]))
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "fail_on": []})
    assert ok and result["orders"][0]["status"] == "Approved"


@responses.activate
def test_timeout_fails_with_the_last_seen_order_and_history(fake_time):
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders/1", json={"id": 1, "statusId": 7})
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "wait_timeout": 20, "wait_sleep": 5})
    assert not ok
    assert result["msg"].startswith("Timed out after 20.0s")
    assert "1 Pending" in result["msg"]
    assert result["orders"] == [{"id": 1, "status": "Pending"}]
    assert result["wait"]["elapsed"] == 20.0 and result["wait"]["polls"] >= 5


@responses.activate
def test_unknown_wait_status_lists_the_valid_names():
    script()
    ok, result = run({"ids": [1], "wait_for": ["Aproved"]})
    assert not ok
    assert result["msg"] == "wait_for has unknown status name 'Aproved'; valid names are: Pending, Approved, Canceled"


@responses.activate
def test_provider_error_is_reported_with_status_code_message_and_request():
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders/404", status=404, json={"code": "ObjectNotFound", "error": "Unable to find object with id of '404'."})
    ok, result = run({"ids": [404]})
    assert not ok
    assert result["http_status"] == 404 and result["provider_code"] == "ObjectNotFound"
    assert result["http_url"] == BASE + "orders/404" and result["http_method"] == "GET"
    assert "Unable to find object with id of '404'." in result["msg"]


@responses.activate
def test_validate_certs_false_warns():
    script((1, [8]))
    with patch_module_args({"ids": [1], "validate_certs": False}):
        spec = dict(ids=dict(type="list", elements="int"))
        spec.update(transport_argument_spec())
        spec.update(wait_argument_spec())
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        warnings = []
        module.warn = warnings.append
        with pytest.raises(Exit):
            run_info(module, ToyProvider)
    assert len(warnings) == 1 and "validate_certs is false" in warnings[0]
    assert responses.calls[0].request.req_kwargs["verify"] is False


def test_missing_requests_is_reported_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(_runner, "HAS_REQUESTS", False)
    monkeypatch.setattr(_runner, "REQUESTS_IMPORT_ERROR", "Traceback: no requests")
    ok, result = run({"ids": [1]})
    assert not ok and "Failed to import the required Python library (requests)" in result["msg"]


@pytest.mark.parametrize("params,message", [
    ({"wait_for": None, "fail_on": ["Canceled"]}, "fail_on only applies together with wait_for"),
    ({"wait_for": ["Approved"], "fail_on": ["Nope"]}, "fail_on has unknown status name 'Nope'"),
    ({"wait_for": ["Approved"], "wait_timeout": -1}, "wait_timeout must be 0 or more"),
    ({"wait_for": ["Approved"], "wait_sleep": 0}, "wait_sleep must be at least 1"),
])
def test_wait_spec_rejects_bad_input(params, message):
    full = {"wait_for": None, "fail_on": None, "wait_timeout": 600, "wait_sleep": 30}
    full.update(params)
    with pytest.raises(OptionError) as err:
        WaitSpec.from_params(full, ["Pending", "Approved", "Canceled"], ["Canceled"])
    assert message in str(err.value)


def test_wait_spec_defaults_and_overlap():
    params = {"wait_for": ["Approved", "Canceled"], "fail_on": None, "wait_timeout": 600, "wait_sleep": 30}
    spec = WaitSpec.from_params(params, ["Pending", "Approved", "Canceled"], ["Canceled"])
    assert spec.failures == frozenset() and spec.reached(["Canceled"])
    assert WaitSpec.from_params(dict(params, wait_for=None), ["Pending"], []) is None


def test_map_bounded_keeps_order_and_raises_the_first_error():
    assert map_bounded(lambda x: x * 2, range(20), workers=4) == [x * 2 for x in range(20)]

    def boom(x):
        if x == 3:
            raise ValueError("bad 3")
        return x

    with pytest.raises(ValueError):
        map_bounded(boom, range(10), workers=4)


class ToyOrders(ToyProvider):
    """Places an order with POST orders (never retried), or finds the one already there."""

    item_key = "order"

    def select(self):
        return []

    def ensure(self):
        name = self.module.params["name"]
        existing = self.http.get("orders", params={"name": name}).data
        if existing:
            order = {"id": existing[0]["id"], "status": self.names[existing[0]["statusId"]]}
            return Change(False, before=order, after=order, keys=[order["id"]], objects={order["id"]: order},
                          result={"order": order})
        after = {"name": name, "status": "Pending"}
        if self.module.check_mode:
            return Change(True, before=None, after=after, result={"order": after})
        placed = self.http.post("orders", json_body={"name": name}).data
        order = {"id": placed["id"], "status": self.names[placed["statusId"]]}
        return Change(True, before=None, after=order, keys=[order["id"]], objects={order["id"]: order},
                      result={"order": order, "receipt": {"orderId": placed["id"]}})


def run_order_module(args, check_mode=False, diff=False):
    spec = dict(name=dict(type="str", required=True), ids=dict(type="list", elements="int"))
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec())
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        with pytest.raises((Exit, Fail)) as outcome:
            run_order(module, ToyOrders)
    return outcome.type is Exit, outcome.value.args[0]


@responses.activate
def test_order_runner_places_once_waits_and_reports_diff(fake_time):
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders", json=[])
    responses.post(BASE + "orders", json={"id": 5, "statusId": 7})
    responses.get(BASE + "orders/5", json={"id": 5, "statusId": 8})
    ok, result = run_order_module({"name": "www", "wait_for": ["Approved"]}, diff=True)
    assert ok and result["changed"] is True
    assert result["order"] == {"id": 5, "status": "Approved"}
    assert result["receipt"] == {"orderId": 5}
    assert result["diff"] == {"before": None, "after": {"id": 5, "status": "Pending"}}
    assert result["wait"]["polls"] == 1
    assert [c.request.method for c in responses.calls].count("POST") == 1


@responses.activate
def test_order_runner_check_mode_writes_nothing_and_does_not_wait():
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders", json=[])
    ok, result = run_order_module({"name": "www", "wait_for": ["Approved"]}, check_mode=True)
    assert ok and result["changed"] is True and "wait" not in result
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_order_runner_is_idempotent():
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders", json=[{"id": 5, "statusId": 8}])
    ok, result = run_order_module({"name": "www"})
    assert ok and result["changed"] is False and result["order"]["id"] == 5


@responses.activate
def test_order_runner_reports_the_placed_order_when_the_wait_fails(fake_time):
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders", json=[])
    responses.post(BASE + "orders", json={"id": 6, "statusId": 7})
    responses.get(BASE + "orders/6", json={"id": 6, "statusId": 9})
    ok, result = run_order_module({"name": "www", "wait_for": ["Approved"]})
    assert not ok and result["changed"] is True
    assert result["order"] == {"id": 6, "status": "Canceled"} and result["receipt"] == {"orderId": 6}
    assert "failure status Canceled" in result["msg"]


@responses.activate
def test_order_runner_ambiguous_post_is_not_repeated():
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.get(BASE + "orders", json=[])
    responses.post(BASE + "orders", status=502, body="<html>Bad Gateway</html>")
    ok, result = run_order_module({"name": "www"})
    assert not ok and result["http_status"] == 502 and result["http_method"] == "POST"
    assert [c.request.method for c in responses.calls].count("POST") == 1


class HalfDone(ToyOrders):
    """Places the order, then fails a follow-up call: the failure keeps what was done."""

    def ensure(self):
        placed = self.http.post("orders", json_body={"name": self.module.params["name"]}).data
        try:
            self.http.get("orders/%s/extras" % placed["id"])
        except _runner.ApiError as exc:
            exc.partial_result = {"changed": True, "order": {"id": placed["id"]}}
            raise
        raise AssertionError("the follow-up call should fail")


@responses.activate
def test_order_runner_failure_after_a_change_reports_the_partial_result():
    responses.get(BASE + "statuses", json=CATALOGUE)
    responses.post(BASE + "orders", json={"id": 8, "statusId": 7})
    responses.get(BASE + "orders/8/extras", status=400, json={"message": "no extras"})
    spec = dict(name=dict(type="str", required=True))
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec())
    with patch_module_args({"name": "www"}):
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        with pytest.raises(Fail) as outcome:
            run_order(module, HalfDone)
    result = outcome.value.args[0]
    assert result["changed"] is True and result["order"] == {"id": 8}
    assert result["http_status"] == 400 and "no extras" in result["msg"]


def test_read_ids_reads_each_id_once_in_order_and_an_empty_list_selects_nothing():
    seen = []

    def read(key):
        seen.append(key)
        return {"id": key}

    assert _runner.read_ids(None, None, read) is None
    assert _runner.read_ids(None, [], read) == []
    assert _runner.read_ids(None, [3, 1, 3], read) == [(3, {"id": 3}), (1, {"id": 1})]
    assert _runner.read_ids(7, None, read) == [(7, {"id": 7})]
    assert sorted(seen) == [1, 3, 7]


class Module:
    def __init__(self):
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


def test_send_once_never_sends_twice_and_lets_a_read_settle_an_unclear_answer():
    sent = []

    def send():
        sent.append(1)
        raise _runner.ApiError("no answer", ambiguous=True)

    module = Module()
    assert _runner.send_once(module, send, lambda: True, "PUT /x") is None
    assert len(sent) == 1 and "took effect; it was not repeated" in module.warnings[0]
    with pytest.raises(_runner.ApiError) as err:
        _runner.send_once(module, send, lambda: False, "PUT /x")
    assert len(sent) == 2 and "it was not repeated" in str(err.value)
    with pytest.raises(_runner.ApiError) as err:  # the caller reconciles: the error is untouched
        _runner.send_once(module, send, None, "POST /x")
    assert str(err.value) == "no answer"


def test_send_once_does_not_read_after_a_clear_refusal():
    def send():
        raise _runner.ApiError("refused", status=409)

    with pytest.raises(_runner.ApiError):
        _runner.send_once(Module(), send, lambda: pytest.fail("read after a clear refusal"), "PUT /x")


def test_wait_spec_asks_for_the_vocabulary_only_when_waiting():
    params = {"wait_for": None, "fail_on": None, "wait_timeout": 60, "wait_sleep": 5}
    assert WaitSpec.from_params(params, lambda: pytest.fail("catalogue read without a wait"), list) is None
    spec = WaitSpec.from_params(dict(params, wait_for=["Approved"]), lambda: ["Pending", "Approved", "Canceled"],
                                lambda: ["Canceled"])
    assert spec.targets == {"Approved"} and spec.failures == {"Canceled"}
