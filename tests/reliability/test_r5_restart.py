"""R5 restart: the sandbox is restarted with its state file in the middle of a wait, and the wait completes.

For each provider one order that issues some seconds later (``sbx-t<N>`` marker) is placed and
waited for by ``ansible-playbook`` in the background; once the sandbox's request log shows the wait
polling, the sandbox is restarted on the same port with the same state file. The playbook must
end with the issued status, the same order id, one order at the provider, and polls on both sides
of the restart.
"""

import json
import os
import subprocess
import time

import pytest

from certops_sandbox.harness import BIN, ROOT, Playbooks

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "playbooks", "r5_restart.yml")

PROVIDERS = {
    # approved 12 s after the request appears (3 s after placeOrder), Complete 4 s later
    "softlayer": {"name": "r5-sbx-t12.example.com", "issued": "Complete", "key": "commonName", "obj": "order",
                  "poll": "/SoftLayer_Security_Certificate_Request/%s/getObject", "min_polls": 2},
    # Active 15 s after creation; the create reads the status once before the wait polls it
    "edgecast": {"name": "r5-sbx-t15", "issued": "Active", "key": "certificate_label", "obj": "certificate",
                 "poll": "/sec/cps/v2.0/certificates/%s/status", "min_polls": 3},
}


def polls_of(box, provider, spec, order_id):
    log = box.control("GET", "/requests?provider=%s" % provider)["requests"]
    path = spec["poll"] % order_id
    return [e for e in log if e["method"] == "GET" and path in e["path"]]


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_r5_wait_survives_restart(provider, sandbox_factory, collections_path, tmp_path, capsys):
    """Restart the sandbox (same port, same state file) while the module waits: the wait completes."""
    spec = PROVIDERS[provider]
    box = sandbox_factory(state_file=str(tmp_path / "sandbox-state.json"))
    runner = Playbooks(collections_path, str(tmp_path), box)
    out = str(tmp_path / "result.json")
    extra = dict(box.vars, r5_provider=provider, r5_name=spec["name"], r5_out=out)
    vars_path = runner.write("vars.json", json.dumps(extra))
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(ROOT, "playbooks", "inventory", "hosts.yml"),
            PLAYBOOK, "-e", "@" + vars_path]
    log_path = str(tmp_path / "playbook.log")
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(argv, env=runner.env(), stdout=log, stderr=subprocess.STDOUT, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 120
        while True:  # until the wait is polling the order
            assert proc.poll() is None, "the playbook ended before its wait polled (see %s)" % log_path
            assert time.monotonic() < deadline, "the wait never started polling"
            orders = box.control("GET", "/orders/%s" % provider)
            if orders and orders[0]["id"] is not None and len(polls_of(box, provider, spec, orders[0]["id"])) >= spec["min_polls"]:
                break
            time.sleep(0.2)
        before = orders[0]
        polls_before = polls_of(box, provider, spec, before["id"])
        restart_started = time.time()
        box.restart(pause=1)
        restart_done = time.time()
        proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with open(log_path, encoding="utf-8") as handle:
        output = handle.read()
    after_orders = box.control("GET", "/orders/%s" % provider)
    polls_after = polls_of(box, provider, spec, before["id"])
    assert os.path.exists(out), "the playbook did not hand over its result: %s" % output[-3000:]
    with open(out, encoding="utf-8") as handle:
        result = json.load(handle)
    obj = result.get(spec["obj"]) or {}
    wait = result.get("wait") or {}
    history = wait.get("history") or []
    with capsys.disabled():
        print("\nR5 %s: order %s was %r at the restart (%.1f s outage, %d polls before); result: failed=%s status=%s "
              "polls=%s elapsed=%s; %d polls after; history %s; msg=%s" % (
                  provider, before["id"], before["status"], restart_done - restart_started, len(polls_before),
                  result.get("failed"), obj.get("status"), wait.get("polls"), wait.get("elapsed"), len(polls_after),
                  [(h["status"], h["elapsed"]) for h in history], result.get("msg")))

    assert before["status"] != spec["issued"], "the order was issued before the restart: the test proves nothing"
    assert "Traceback" not in output and "MODULE FAILURE" not in output, output[-3000:]
    assert not result.get("failed"), "the wait did not survive the restart: %s" % result.get("msg")
    assert proc.returncode == 0, output[-3000:]
    assert obj.get("status") == spec["issued"], obj
    assert obj.get("id") == before["id"], (obj, before)
    assert len(after_orders) == 1 and after_orders[0][spec["key"]] == spec["name"], after_orders
    assert after_orders[0]["id"] == before["id"] and after_orders[0]["status"] == spec["issued"], after_orders
    # the wait polled before the restart and went on polling the restarted sandbox; the status was not
    # issued at the restart, so the issued status in the history was seen from the restarted sandbox
    assert len(polls_before) >= spec["min_polls"] and len(polls_after) >= 1, (polls_before, polls_after)
    assert history and history[-1]["status"].split(" / ")[0] == spec["issued"], history
    assert wait.get("polls", 0) >= len(polls_after) + 1, (wait, len(polls_before), len(polls_after))
