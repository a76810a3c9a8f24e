# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The generic info runner with a small provider over scripted HTTP, and the wait options."""

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils import _budget, _http, _runner, _wait
from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import (
    Change,
    InfoProvider,
    OptionError,
    OrderProvider,
    Vocabulary,
    parse,
)
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    WaitSpec,
    http_client,
    map_bounded,
    run_info,
    run_order,
    transport_argument_spec,
    wait_argument_spec,
)
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail, FakeTime

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


@pytest.fixture(autouse=True)
def fake_time(monkeypatch):
    clock = FakeTime()
    for module in (_wait, _http, _budget):
        monkeypatch.setattr(module, "time", clock)
    return clock


class ToyProvider(InfoProvider):
    """A provider whose API is GET statuses and GET orders/<id> (status ids resolved by name)."""

    def __init__(self, module, budget):
        super().__init__(module, budget)
        self.http = http_client(module, BASE, budget)
        self._names = None

    @property
    def names(self):
        if self._names is None:
            self._names = dict((s["id"], s["name"]) for s in self.http.get("statuses").data)
        return self._names

    def check_options(self):
        if any(i <= 0 for i in self.params.get("ids") or []):
            raise OptionError("ids are positive")

    def catalogue(self):
        return {"statuses": [{"id": k, "name": v} for k, v in sorted(self.names.items())]}

    def vocabulary(self, asked=()):
        return Vocabulary([self.names[k] for k in sorted(self.names)], ["Canceled"])

    def statuses(self, obj):
        return [obj["status"]]

    def passed(self, obj):
        return []

    def describe(self, obj):
        return obj["status"]

    def _get(self, key):
        raw = self.http.get("orders/%s" % key).data
        return {"id": raw["id"], "status": self.names[raw["statusId"]]}

    def lookup(self):
        keys = self.params["ids"]
        return list(zip(keys, map_bounded(self._get, keys)))

    def read(self, keys):
        return dict(zip(keys, map_bounded(self._get, keys)))

    def poll(self, keys):
        return self.read(keys)

    def complete(self, keys, objects):
        return objects


class LifecycleToy(ToyProvider):
    """The toy with a lifecycle: Pending, then Approved; Canceled ends it. Its orders carry a phase,
    and a part (``items``, a status per item) whose statuses ``fail_on`` matches."""

    PHASE = {"Pending": "action_required", "Approved": "issued", "Canceled": "canceled"}
    selectors = ("ids",)

    def _get(self, key):
        raw = self.http.get("orders/%s" % key).data
        status = self.names[raw["statusId"]]
        return {"id": raw["id"], "status": status, "phase": self.PHASE[status], "items": raw.get("items", [])}

    def vocabulary(self, asked=()):
        return Vocabulary([], ["Canceled"], {"order statuses": list(self.names.values()), "item statuses": ["Blocked"]})

    def passed(self, obj):
        return ["Pending"] if obj["status"] == "Approved" else []

    def parts(self, obj):
        return list(obj["items"])

    def advice(self, obj):
        return "Unblock its items" if "Blocked" in obj["items"] else ""


def run(args, provider=ToyProvider):
    spec = dict(ids=dict(type="list", elements="int", required=True))
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec(info=True))
    with patch_module_args(args):
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        with pytest.raises((Exit, Fail)) as outcome:
            run_info(module, provider)
    return outcome.type is Exit, outcome.value.args[0]


def script(http, *statuses_per_order):
    http.get(BASE + "statuses", json=CATALOGUE)
    for key, statuses in statuses_per_order:
        for status_id in statuses:
            http.get(BASE + "orders/%s" % key, json={"id": key, "statusId": status_id})


def test_info_returns_catalogue_and_orders_without_waiting(http):
    script(http, (1, [7]), (2, [8]))
    ok, result = run({"ids": [1, 2]})
    assert ok and result["changed"] is False
    assert result["statuses"] == CATALOGUE
    assert result["orders"] == [{"id": 1, "status": "Pending"}, {"id": 2, "status": "Approved"}]
    assert "wait" not in result


def test_wait_polls_until_every_order_reaches_the_target(http):
    script(http, (1, [7, 7, 8]), (2, [8]))
    ok, result = run({"ids": [1, 2], "wait_for": ["Approved"]})
    assert ok
    assert [o["status"] for o in result["orders"]] == ["Approved", "Approved"]
    assert result["wait"]["polls"] == 2
    assert [h["status"] for h in result["wait"]["history"] if h["id"] == 1] == ["Pending", "Approved"]
    json.dumps(result)  # plain JSON types only


def test_failure_status_fails_the_task_early_with_the_last_seen_orders(http):
    script(http, (1, [7, 9]))
    ok, result = run({"ids": [1], "wait_for": ["Approved"]})
    assert not ok
    assert "reached the failure status Canceled" in result["msg"]
    assert result["orders"] == [{"id": 1, "status": "Canceled"}]
    assert result["wait"]["polls"] == 1


def test_empty_fail_on_waits_through_failure_statuses(http):
    script(http, (1, [9, 8]))
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "fail_on": []})
    assert ok and result["orders"][0]["status"] == "Approved"


def test_a_status_already_passed_satisfies_the_wait_along_the_lifecycle(http):
    script(http, (1, [8]))
    ok, result = run({"ids": [1], "wait_for": ["Pending"]}, LifecycleToy)
    # the selection read the order already (a wait's polls count the reads after it)
    assert ok and result["orders"][0]["status"] == "Approved" and result["wait"]["polls"] == 0


def test_a_phase_already_passed_satisfies_the_wait(http):
    script(http, (1, [8]))
    ok, result = run({"ids": [1], "wait_for": ["action_required"]}, LifecycleToy)
    assert ok and result["orders"][0]["phase"] == "issued"


def test_exact_matching_fails_at_once_on_a_status_already_passed(http, fake_time):
    script(http, (1, [8]))
    ok, result = run({"ids": [1], "wait_for": ["Pending"], "wait_match": "exact"}, LifecycleToy)
    assert not ok and result["msg"] == (
        "Order 1 has already passed Pending, and wait_match=exact accepts only the status it is in (the default, "
        "wait_match=lifecycle, accepts a status it has passed) after 0.0s (0 polls): it is Approved; waited for Pending")
    assert fake_time.now == 0 and result["orders"][0]["status"] == "Approved"


def test_exact_matching_waits_for_the_status_itself(http):
    script(http, (1, [7, 7, 8]))
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "wait_match": "exact"}, LifecycleToy)
    assert ok and result["wait"]["polls"] == 2


def test_an_order_whose_lifecycle_ended_fails_the_wait_at_once_even_without_fail_on(http, fake_time):
    script(http, (1, [7, 9]))
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "fail_on": []}, LifecycleToy)
    assert not ok and result["msg"].startswith(
        "Order 1 ended its lifecycle (phase canceled), so it can no longer reach Approved after ")
    assert result["wait"]["polls"] == 1 and result["orders"][0]["status"] == "Canceled"


def test_fail_on_matches_a_part_and_the_message_carries_the_providers_advice(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders/1", json={"id": 1, "statusId": 7, "items": ["Ready", "Blocked"]})
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "fail_on": ["Blocked"]}, LifecycleToy)
    assert not ok and result["msg"].startswith("Order 1 reached the failure status Blocked after ")
    assert result["msg"].endswith(": it is Pending; waited for Approved. Unblock its items")


def test_a_wait_for_an_empty_selection_fails_unless_allowed(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    ok, result = run({"ids": [], "wait_for": ["Approved"]}, LifecycleToy)
    assert not ok and result["msg"].startswith("wait_for: ids=[] selected no orders, so there is nothing to wait for")
    http.get(BASE + "statuses", json=CATALOGUE)
    ok, result = run({"ids": [], "wait_for": ["Approved"], "allow_empty": True}, LifecycleToy)
    assert ok and result["orders"] == []


def test_timeout_fails_with_the_last_seen_order_and_history(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders/1", json={"id": 1, "statusId": 7})
    ok, result = run({"ids": [1], "wait_for": ["Approved"], "wait_timeout": 20, "wait_sleep": 5})
    assert not ok
    assert result["msg"].startswith("Timed out after 20.0s")
    assert "1 Pending" in result["msg"]
    assert result["orders"] == [{"id": 1, "status": "Pending"}]
    assert result["wait"]["elapsed"] == 20.0 and result["wait"]["polls"] >= 5


def test_unknown_wait_status_lists_the_valid_names(http):
    script(http)
    ok, result = run({"ids": [1], "wait_for": ["Aproved"]})
    assert not ok
    assert result["msg"] == ("wait_for has unknown status name 'Aproved'; valid names are: Pending, Approved, Canceled; "
                             "phases: pending, action_required, issued, failed, canceled, deleted")


def test_provider_error_is_reported_with_status_code_message_and_request(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders/404", status=404, json={"code": "ObjectNotFound", "error": "Unable to find object with id of '404'."})
    ok, result = run({"ids": [404]})
    assert not ok
    assert result["http_status"] == 404 and result["provider_code"] == "ObjectNotFound"
    assert result["http_url"] == BASE + "orders/404" and result["http_method"] == "GET"
    assert "Unable to find object with id of '404'." in result["msg"]


def test_validate_certs_false_warns(http):
    script(http, (1, [8]))
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
    assert http.calls[0].request.req_kwargs["verify"] is False


def test_a_missing_ca_path_fails_before_any_request(http, tmp_path):
    """Before, requests first looked at ca_path while sending the first request and raised a bare
    OSError ("Could not find a suitable TLS CA certificate bundle") that nothing handled: a traceback
    (see test_softlayer_cert_order_status_info for a real HTTPS run). Under this mock a request was made."""
    missing = str(tmp_path / "missing-ca.pem")
    ok, result = run({"ids": [1], "ca_path": missing})
    assert not ok and result["changed"] is False
    assert result["msg"].startswith("ca_path %s does not exist: give the PEM file" % missing)
    assert len(http.calls) == 0


def test_ca_path_is_not_checked_when_certificates_are_not_validated(http, tmp_path):
    script(http, (1, [8]))
    ok, result = run({"ids": [1], "ca_path": str(tmp_path / "missing-ca.pem"), "validate_certs": False})
    assert ok and http.calls[0].request.req_kwargs["verify"] is False


def test_missing_requests_is_reported_with_missing_required_lib(monkeypatch):
    monkeypatch.setattr(_runner, "HAS_REQUESTS", False)
    monkeypatch.setattr(_runner, "REQUESTS_IMPORT_ERROR", "Traceback: no requests")
    ok, result = run({"ids": [1]})
    assert not ok and "Failed to import the required Python library (requests)" in result["msg"]


class Names:
    """Just a vocabulary, for the wait options' checks."""

    def __init__(self, names=("Pending", "Approved", "Canceled"), failures=("Canceled",)):
        self.asked = 0
        self.names, self.failures = names, failures

    def vocabulary(self, asked=()):
        self.asked += 1
        return Vocabulary(list(self.names), list(self.failures))


@pytest.mark.parametrize("params,message", [
    ({"wait_for": None, "fail_on": ["Canceled"]}, "fail_on only applies together with wait_for"),
    ({"wait_for": ["Approved"], "wait_timeout": -1}, "wait_timeout must be between 0 and 2678400 seconds, got -1"),
    ({"wait_for": ["Approved"], "wait_sleep": 0}, "wait_sleep must be between 1 and 3600 seconds, got 0"),
    ({"wait_for": None, "wait_sleep": 0}, "wait_sleep must be between 1 and 3600 seconds, got 0"),
    ({"timeout": 10 ** 12}, "timeout must be between 1 and 3600 seconds, got 1000000000000"),
    ({"timeout": 0}, "timeout must be between 1 and 3600 seconds, got 0"),
    ({"retries": -2}, "retries must be between 0 and 100 retries, got -2"),
])
def test_impossible_options_fail_before_any_request(http, params, message):
    ok, result = run(dict({"ids": [1]}, **params))
    assert not ok and message in result["msg"] and result["changed"] is False
    assert len(http.calls) == 0


def test_provider_option_checks_run_before_any_request(http):
    ok, result = run({"ids": [1, -1], "wait_for": ["Approved"]})
    assert not ok and result["msg"] == "ids are positive" and len(http.calls) == 0


def test_wait_spec_rejects_unknown_names():
    full = {"wait_for": ["Approved"], "fail_on": ["Nope"], "wait_timeout": 600, "wait_sleep": 30}
    with pytest.raises(OptionError) as err:
        WaitSpec.from_params(full, Names())
    assert "fail_on has unknown status name 'Nope'" in str(err.value)


def test_wait_spec_defaults_and_overlap():
    params = {"wait_for": ["Approved", "Canceled"], "fail_on": None, "wait_timeout": 600, "wait_sleep": 30}
    spec = WaitSpec.from_params(params, Names())
    assert spec.failures == frozenset() and spec.targets == frozenset(["Approved", "Canceled"])
    names = Names()
    assert WaitSpec.from_params(dict(params, wait_for=None), names) is None and names.asked == 0


def test_map_bounded_keeps_order_and_raises_the_first_error(http):
    assert map_bounded(lambda x: x * 2, range(20), workers=4) == [x * 2 for x in range(20)]

    def boom(x):
        if x == 3:
            raise ValueError("bad 3")
        return x

    with pytest.raises(ValueError):
        map_bounded(boom, range(10), workers=4)


class ToyOrders(OrderProvider, ToyProvider):
    """Places an order with POST orders (never retried), or finds the one already there."""

    item_key = "order"

    def __init__(self, module, budget):
        super().__init__(module, budget)
        self.placed = None

    def find(self):
        existing = self.http.get("orders", params={"name": self.params["name"]}).data
        return existing[0] if existing else None

    def identity(self):
        return None  # the journal has tests of its own (test_journal.py)

    def order_id(self, existing):
        return existing["id"]

    def update(self, existing):
        order = {"id": existing["id"], "status": self.names[existing["statusId"]]}
        return Change(False, before=order, after=order, keys=[order["id"]], objects={order["id"]: order},
                      result={"order": order})

    def create(self, entry):
        after = {"name": self.params["name"], "status": "Pending"}
        if self.module.check_mode:
            return Change(True, before=None, after=after, result={"order": after})
        created = _runner.create_once(self.module, entry, _runner.CreateCall(
            "POST orders", lambda: self.http.post("orders", json_body={"name": self.params["name"]}).data,
            lambda answer: (answer["id"], answer), self.find, self.order_id, str, "look before running again"))
        placed = created.answer or created.found
        self.placed = {"id": placed["id"]}
        order = {"id": placed["id"], "status": self.names[placed["statusId"]]}
        return Change(True, before=None, after=order, keys=[order["id"]], objects={order["id"]: order},
                      result={"order": order, "receipt": {"orderId": placed["id"]}})

    def remove(self, existing):
        raise AssertionError("not used")

    def progress(self):
        return {"changed": True, "order": self.placed} if self.placed else {}


def run_order_module(args, check_mode=False, diff=False):
    spec = dict(name=dict(type="str", required=True), ids=dict(type="list", elements="int"),
                state=dict(type="str", default="present"))
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec())
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        with pytest.raises((Exit, Fail)) as outcome:
            run_order(module, ToyOrders)
    return outcome.type is Exit, outcome.value.args[0]


def test_order_runner_places_once_waits_and_reports_diff(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders", json=[])
    http.post(BASE + "orders", json={"id": 5, "statusId": 7})
    http.get(BASE + "orders/5", json={"id": 5, "statusId": 8})
    ok, result = run_order_module({"name": "www", "wait_for": ["Approved"]}, diff=True)
    assert ok and result["changed"] is True
    assert result["order"] == {"id": 5, "status": "Approved"}
    assert result["receipt"] == {"orderId": 5}
    assert result["diff"] == {"before": None, "after": {"id": 5, "status": "Pending"}}
    assert result["wait"]["polls"] == 1
    assert [c.request.method for c in http.calls].count("POST") == 1


def test_order_runner_check_mode_writes_nothing_and_does_not_wait(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders", json=[])
    ok, result = run_order_module({"name": "www", "wait_for": ["Approved"]}, check_mode=True)
    assert ok and result["changed"] is True and "wait" not in result
    assert all(c.request.method == "GET" for c in http.calls)


def test_order_runner_is_idempotent(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders", json=[{"id": 5, "statusId": 8}])
    ok, result = run_order_module({"name": "www"})
    assert ok and result["changed"] is False and result["order"]["id"] == 5


def test_order_runner_reports_the_placed_order_when_the_wait_fails(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders", json=[])
    http.post(BASE + "orders", json={"id": 6, "statusId": 7})
    http.get(BASE + "orders/6", json={"id": 6, "statusId": 9})
    ok, result = run_order_module({"name": "www", "wait_for": ["Approved"]})
    assert not ok and result["changed"] is True
    assert result["order"] == {"id": 6, "status": "Canceled"} and result["receipt"] == {"orderId": 6}
    assert "failure status Canceled" in result["msg"]


def test_order_runner_ambiguous_post_is_not_repeated(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders", json=[])
    http.post(BASE + "orders", status=502, body="<html>Bad Gateway</html>")
    ok, result = run_order_module({"name": "www"})
    assert not ok and result["http_status"] == 502 and result["http_method"] == "POST"
    assert [c.request.method for c in http.calls].count("POST") == 1


class HalfDone(ToyOrders):
    """Places the order, then fails a follow-up call: the failure keeps what was done."""

    def create(self, entry):
        placed = self.http.post("orders", json_body={"name": self.params["name"]}).data
        self.placed = {"id": placed["id"]}
        self.http.get("orders/%s/extras" % placed["id"])
        raise AssertionError("the follow-up call should fail")


def test_order_runner_failure_after_a_change_reports_the_partial_result(http):
    http.get(BASE + "statuses", json=CATALOGUE)
    http.get(BASE + "orders", json=[])
    http.post(BASE + "orders", json={"id": 8, "statusId": 7})
    http.get(BASE + "orders/8/extras", status=400, json={"message": "no extras"})
    spec = dict(name=dict(type="str", required=True), state=dict(type="str", default="present"))
    spec.update(transport_argument_spec())
    spec.update(wait_argument_spec())
    with patch_module_args({"name": "www"}):
        module = basic.AnsibleModule(argument_spec=spec, supports_check_mode=True)
        with pytest.raises(Fail) as outcome:
            run_order(module, HalfDone)
    result = outcome.value.args[0]
    assert result["changed"] is True and result["order"] == {"id": 8}
    assert result["http_status"] == 400 and "no extras" in result["msg"]


def test_selected_ids_reads_each_id_once_in_order_and_an_empty_list_selects_nothing():
    assert _runner.selected_ids(None, None) is None
    assert _runner.selected_ids(None, []) == []
    assert _runner.selected_ids(None, [3, 1, 3]) == [3, 1]
    assert _runner.selected_ids(7, None) == [7]


class Module:
    def __init__(self):
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


def test_send_once_never_sends_twice_and_lets_a_read_settle_an_unclear_answer(http):
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


def test_send_once_does_not_read_after_a_clear_refusal(http):
    def send():
        raise _runner.ApiError("refused", status=409)

    with pytest.raises(_runner.ApiError):
        _runner.send_once(Module(), send, lambda: pytest.fail("read after a clear refusal"), "PUT /x")


def test_parse_names_the_endpoint_each_field_path_and_what_was_expected_never_the_value():
    from pydantic import BaseModel

    class Status(BaseModel):
        step: int
        status: str

    with pytest.raises(_runner.ApiError) as err:
        parse(Status.model_validate, {"step": "s3cr3t-not-a-number"}, "GET /v2.0/certificates/5/status")
    msg = str(err.value)
    assert msg.startswith("GET /v2.0/certificates/5/status answered with a body this module cannot read: ")
    assert "step: Input should be a valid integer" in msg and "status: Field required" in msg
    assert "s3cr3t" not in msg
    with pytest.raises(_runner.ApiError) as err:
        parse(Status.model_validate, ["a", "list"], "GET /x")
    assert "(the body): Input should be a valid dictionary" in str(err.value)


def call(send, find, not_found="check first"):
    return _runner.CreateCall("POST /orders", send, lambda answer: (answer["id"], answer), find, lambda o: o["id"], str,
                              not_found)


def test_create_once_sends_once_and_settles_an_unclear_answer_by_reading():
    sent = []

    def send():
        sent.append(1)
        raise _runner.ApiError("POST /orders: no answer", ambiguous=True)

    module = Module()
    created = _runner.create_once(module, None, call(send, lambda: {"id": 9}))
    assert created.answer is None and created.found == {"id": 9} and len(sent) == 1
    assert "POST /orders failed without a clear answer" in module.warnings[0] and "not sent again" in module.warnings[0]
    with pytest.raises(_runner.ApiError) as err:
        _runner.create_once(module, None, call(send, lambda: None, lambda: "it may exist: check"))
    assert len(sent) == 2 and str(err.value) == "POST /orders: no answer; it may exist: check"

    def refused():
        raise _runner.ApiError("HTTP 400", status=400)

    with pytest.raises(_runner.ApiError):
        _runner.create_once(module, None, call(refused, lambda: pytest.fail("read after a clear refusal")))


def test_an_unreadable_2xx_answer_is_a_change_found_by_reading_or_a_failure_that_says_changed():
    # before: a receipt that could not be read failed the task with changed=false, inviting a re-run
    module = Module()
    created = _runner.create_once(module, None, call(lambda: {"no": "id"}, lambda: {"id": 4}))
    assert created.found == {"id": 4} and "was accepted but its answer cannot be read" in module.warnings[0]
    with pytest.raises(_runner.TaskFailed) as err:
        _runner.create_once(module, None, call(lambda: ["not", "a", "receipt"], lambda: None))
    assert err.value.changed is True and "POST /orders was accepted (HTTP 2xx) but its answer cannot be read" in str(err.value)


def test_a_search_paces_itself_and_holds_the_budget_open_only_while_it_runs(fake_time):
    budget = Budget(10, 30)
    found, spent = _runner.search(lambda: None, budget, sleep=5, at_least=60)
    assert found is None and 60 <= spent < 61
    assert all(pause >= 1 for pause in fake_time.sleeps[:-1])  # never a poll without a pause
    assert budget.seconds == 10 and budget.expired()


def test_every_provider_phase_map_speaks_the_contracts_phase_vocabulary():
    from ansible_collections.certops.orders.plugins.module_utils._contract import PHASES
    from ansible_collections.certops.orders.plugins.module_utils._edgecast import statuses as edgecast
    from ansible_collections.certops.orders.plugins.module_utils._softlayer import statuses as softlayer

    used = set(softlayer.PHASES.values()) | set(edgecast.PHASE_BY_STATUS.values()) | set(edgecast.PHASE_BY_ORDER_STATUS.values())
    used |= {edgecast.phase(None, name) for name in edgecast.FAILURES} | {edgecast.phase("Nope", "Nope")}
    assert used == set(PHASES)
