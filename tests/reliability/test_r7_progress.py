"""R7: long waits a person can watch. Real ansible-playbook processes against a sandbox process; the
test reads the playbook's output as it comes and moves the order on only after a progress line
showed it waiting, so nothing here races a clock.

What must hold: status changes and periodic lines on the controller's output at default verbosity,
and the task's result the same as one module call returns (the order module's receipt and
``changed`` from its first slice, the last-seen order, one wait history over every slice).
"""

import json
import os
import re
import select
import subprocess
import time

from certops_sandbox.harness import BIN

SOFTLAYER = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Order and wait for the approval
      certops.orders.softlayer_cert_order:
        endpoint_url: "{{ sandbox_softlayer_endpoint_url }}"
        username: "{{ sandbox_softlayer_username }}"
        api_key: "{{ sandbox_softlayer_api_key }}"
        common_name: "{{ r7_cn }}"
        csr: "{{ r7_csr }}"
        item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        server_type: nginx
        approver_email: admin@example.com
        organization:
          name: Example Corp
          phone: "+1 555 0100"
          address: {line1: 1 Main St, city: Dallas, state: TX, postal_code: "75001", country_code: US}
        technical_contact: {first_name: Ada, last_name: Lovelace, title: Ops, email: ops@example.com, phone: "+1 555 0101"}
        wait_for: [Approved]
        wait_timeout: 600
        wait_sleep: 1
        wait_progress: 2
      register: r7_result
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ r7_result | to_json }}"
        dest: "{{ r7_out }}"
        mode: "0600"
"""

EDGECAST = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/certops.orders.edgecast:
      client_id: "{{ sandbox_edgecast_client_id }}"
      client_secret: "{{ sandbox_edgecast_client_secret }}"
      api_url: "{{ sandbox_edgecast_api_url }}"
      ids_url: "{{ sandbox_edgecast_ids_url }}"
  tasks:
    - name: Create the certificate
      certops.orders.edgecast_cert_order:
        label: "{{ r7_label }}"
        validation_type: DV
        dcv_method: DnsTxtToken
        domains: [{name: "{{ r7_label }}.example.com"}]
      register: r7_created
    - name: Wait until it is issued
      certops.orders.edgecast_cert_order_status_info:
        certificate_id: "{{ r7_created.certificate.id }}"
        wait_for: [Active]
        wait_timeout: 600
        wait_sleep: 1
        wait_progress: 2
      register: r7_result
    - name: Keep the result for the test
      ansible.builtin.copy:
        content: "{{ r7_result | to_json }}"
        dest: "{{ r7_out }}"
        mode: "0600"
"""


def _start(playbooks, name, text, extra):
    path = playbooks.write(name, text)
    vars_path = os.path.join(playbooks.workdir, "r7-vars-%d.json" % time.monotonic_ns())
    merged = dict(playbooks.sandbox.vars)
    merged.update(extra)
    with open(vars_path, "w", encoding="utf-8") as handle:
        json.dump(merged, handle)
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local", path, "-e", "@" + vars_path]
    return subprocess.Popen(argv, env=playbooks.env({"CERTOPS_JOURNAL_DIR": os.path.join(playbooks.workdir, "journal")}),
                            cwd=playbooks.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_until(process, pattern, lines, limit=90):
    """Lines of the playbook's output until one matches ``pattern`` (returned as a match); the
    limit only stops a broken run from hanging the suite."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if not ready:
            assert process.poll() is None, "the playbook ended before %r:\n%s" % (pattern, "".join(lines))
            continue
        line = process.stdout.readline()
        if not line:
            assert False, "the playbook ended before %r:\n%s" % (pattern, "".join(lines))
        lines.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError("no line matched %r within %ds:\n%s" % (pattern, limit, "".join(lines)))


def _finish(process, lines):
    rest, _ = process.communicate(timeout=300)
    lines.append(rest)
    return "".join(lines)


def test_an_order_wait_shows_progress_and_returns_one_result(sandbox, playbooks, tmp_path):
    cn = "r7-%d-sbx-stall.example.com" % os.getpid()  # sbx-stall: only the test approves it
    csr = sandbox.control("POST", "/csr", {"common_name": cn})["csr"]
    out = str(tmp_path / "softlayer.json")
    lines = []
    process = _start(playbooks, "r7-softlayer.yml", SOFTLAYER, {"r7_cn": cn, "r7_csr": csr, "r7_out": out})
    change = _read_until(process, r"Order and wait for the approval: order (\d+) is Pending CA Approval \(after ", lines)
    # a periodic line after a later slice: the info module goes on with the order by id
    _read_until(process, r"Order and wait for the approval: waiting for Approved, \d+s of 10m00s, \d+ polls; "
                         r"1 Pending CA Approval", lines)
    _read_until(process, r"waiting for Approved, \d+s of 10m00s, \d+ polls; 1 Pending CA Approval", lines)
    order_id = int(change.group(1))
    sandbox.control("POST", "/orders/softlayer/%d/status" % order_id, {"status": "Approved"})
    output = _finish(process, lines)
    assert process.returncode == 0, output
    assert re.search(r"order %d is Approved \(after " % order_id, output), output
    with open(out, encoding="utf-8") as handle:
        result = json.load(handle)
    assert result["changed"] is True and result["receipt"]["order_id"] > 0  # from the first slice
    assert result["order"]["id"] == order_id and result["order"]["status"] == "Approved"
    assert [h["status"] for h in result["wait"]["history"]] == ["Pending CA Approval", "Approved"]
    assert result["wait"]["polls"] >= 3 and "_certops_wait_continue" not in result
    assert "FAILED" not in output and "Traceback" not in output
    # one order: the slices after the first never ordered again
    assert len([o for o in sandbox.control("GET", "/orders/softlayer") if o.get("commonName") == cn]) == 1


def test_an_info_wait_shows_progress_and_returns_one_result(sandbox, playbooks, tmp_path):
    label = "r7-%d-sbx-stall" % os.getpid()
    out = str(tmp_path / "edgecast.json")
    lines = []
    process = _start(playbooks, "r7-edgecast.yml", EDGECAST, {"r7_label": label, "r7_out": out})
    change = _read_until(process, r"Wait until it is issued: certificate (\d+) is ", lines)
    _read_until(process, r"Wait until it is issued: waiting for Active, \d+s of 10m00s, \d+ polls; 1 ", lines)
    cert_id = int(change.group(1))
    sandbox.control("POST", "/orders/edgecast/%d/status" % cert_id, {"status": "Active"})
    output = _finish(process, lines)
    assert process.returncode == 0, output
    assert re.search(r"certificate %d is Active / Issued \(after " % cert_id, output), output
    with open(out, encoding="utf-8") as handle:
        result = json.load(handle)
    assert result["changed"] is False and result["certificates"][0]["status"] == "Active"
    assert result["certificates"][0]["target_cname"]  # the last slice read the certificate whole
    statuses = [h["status"] for h in result["wait"]["history"]]
    assert statuses[-1] == "Active / Issued" and len(statuses) == len(set(statuses))
    assert "_certops_wait_continue" not in result
