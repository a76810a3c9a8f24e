"""R6: never order twice when the run itself goes wrong: a kill -9 between placeOrder and its answer,
and two runs at once for the same order. Real ansible-playbook processes against a sandbox process.

Before the order journal both broke: the killed run's order was placed again by the next run, and
two runs that looked the order up at the same time each placed one.
"""

import json
import os
import signal
import subprocess
import time

from certops_sandbox.harness import BIN

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Place the order (once)
      certops.orders.softlayer_cert_order:
        endpoint_url: "{{ sandbox_softlayer_endpoint_url }}"
        username: "{{ sandbox_softlayer_username }}"
        api_key: "{{ sandbox_softlayer_api_key }}"
        common_name: "{{ r6_cn }}"
        csr: "{{ r6_csr }}"
        item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        server_type: nginx
        approver_email: admin@example.com
        organization:
          name: Example Corp
          phone: "+1 555 0100"
          address: {line1: 1 Main St, city: Dallas, state: TX, postal_code: "75001", country_code: US}
        technical_contact: {first_name: Ada, last_name: Lovelace, title: Ops, email: ops@example.com, phone: "+1 555 0101"}
        wait_timeout: 120
        wait_sleep: 2
      register: r6_result
      ignore_errors: true
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ r6_result | to_json }}"
        dest: "{{ r6_out }}"
        mode: "0600"
"""


def _module_pids():
    """The PIDs of running softlayer_cert_order module processes (ansible's AnsiballZ wrapper and its child)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name, "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        if b"AnsiballZ_softlayer_cert_order" in cmdline:
            found.append(int(name))
    return found


def _orders_for(sandbox, common_name):
    return [o for o in sandbox.control("GET", "/orders/softlayer") if o.get("commonName") == common_name]


def _start(playbooks, path, extra, journal):
    """ansible-playbook in its own process group (so that a kill reaches the module process too)."""
    vars_path = os.path.join(playbooks.workdir, "r6-vars-%d.json" % time.monotonic_ns())
    merged = dict(playbooks.sandbox.vars)
    merged.update(extra)
    with open(vars_path, "w", encoding="utf-8") as handle:
        json.dump(merged, handle)
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path, "-e", "@" + vars_path]
    return subprocess.Popen(argv, env=playbooks.env({"CERTOPS_JOURNAL_DIR": journal}), cwd=playbooks.workdir,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _result(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_a_run_killed_after_placeorder_is_not_ordered_again(sandbox, playbooks, tmp_path):
    cn = "r6-kill.example.com"
    csr = sandbox.control("POST", "/csr", {"common_name": cn})["csr"]
    journal = str(tmp_path / "journal")
    # the request record shows up 15 s after placeOrder (SoftLayer documents no bound; Terraform waits up to
    # ten minutes), so a next run that looks once without the journal does not see it and orders again
    sandbox.control("PATCH", "/config", {"softlayer": {"request_delay": 15}})
    # the provider processes placeOrder at once and answers half a minute later: long enough to kill the run
    sandbox.control("POST", "/faults", {"kind": "latency", "provider": "softlayer", "path": "placeOrder",
                                        "when": "after", "latency": 30, "count": 1})
    path = playbooks.write("r6.yml", PLAYBOOK)
    first = _start(playbooks, path, {"r6_cn": cn, "r6_csr": csr, "r6_out": str(tmp_path / "first.json")}, journal)
    deadline = time.monotonic() + 120
    while not _orders_for(sandbox, cn):
        assert first.poll() is None, "the run ended before placing the order:\n%s" % first.stdout.read()
        assert time.monotonic() < deadline, "placeOrder never reached the sandbox"
        time.sleep(0.2)
    # kill -9 the module process by its PID (ansible runs it in a session of its own, so killing the
    # playbook's process group alone would leave it running), then the playbook
    victims = _module_pids()
    assert victims, "no module process to kill"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(30)

    second_out = str(tmp_path / "second.json")
    second = _start(playbooks, path, {"r6_cn": cn, "r6_csr": csr, "r6_out": second_out}, journal)
    output, _ = second.communicate(timeout=300)
    result = _result(second_out)
    assert not result.get("failed"), "%s\n%s" % (result, output[-3000:])
    orders = _orders_for(sandbox, cn)
    assert len(orders) == 1, orders
    assert result["changed"] is False and result["order"]["id"] == orders[0]["id"]
    (entry,) = [os.path.join(journal, f) for f in os.listdir(journal) if f.endswith(".json")]
    with open(entry, encoding="utf-8") as handle:
        assert json.load(handle)["state"] == "done"  # the intent the killed run left was settled
    flat = " ".join(output.split())  # the warning is printed, wrapped, not registered
    assert "its answer was never recorded" in flat and "not ordered again" in flat, output[-3000:]


def test_two_runs_at_once_place_one_order(sandbox, playbooks, tmp_path):
    cn = "r6-twice.example.com"
    csr = sandbox.control("POST", "/csr", {"common_name": cn})["csr"]
    journal = str(tmp_path / "journal")
    # a slow placeOrder (processed after a second) lets both runs look the order up before either one
    # exists: without the lock each run then places its own
    sandbox.control("POST", "/faults", {"kind": "latency", "provider": "softlayer", "path": "placeOrder",
                                        "latency": 1.5, "count": 2})
    path = playbooks.write("r6.yml", PLAYBOOK)
    outs = [str(tmp_path / ("run%d.json" % i)) for i in range(2)]
    runs = [_start(playbooks, path, {"r6_cn": cn, "r6_csr": csr, "r6_out": out}, journal) for out in outs]
    logs = [run.communicate(timeout=300)[0] for run in runs]
    results = [_result(out) for out in outs]
    for result, log in zip(results, logs):
        assert not result.get("failed"), "%s\n%s" % (result, log[-3000:])
    orders = _orders_for(sandbox, cn)
    assert len(orders) == 1, orders
    assert sorted(r["changed"] for r in results) == [False, True]
    assert {r["order"]["id"] for r in results} == {orders[0]["id"]}
