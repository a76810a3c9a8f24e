"""The documented playbook ``playbooks/renew_expiring.yml`` ("renew everything that expires within
30 days, at both providers"), run as a user runs it: ansible-playbook, credentials and endpoints from
the environment, against a sandbox process of its own (the playbook renews every certificate of the
account, so it must not see other tests' orders).

The certificates' dates are set through the sandbox's control API; nothing waits for its clock.
What must hold: exactly the due certificates are renewed (CPS in place, SoftLayer by a new order
with ``renewalFlag`` and the new CSR), a common name whose newest order is fine is left alone even
when an older order of it expires, check mode predicts and orders nothing, a second run changes
nothing, and a due common name without a CSR fails the run naming the file.
"""

import json
import os
import re

from certops_sandbox.harness import ROOT

PLAYBOOK = os.path.join(ROOT, "playbooks", "renew_expiring.yml")

SEED = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: SoftLayer orders
      certops.orders.softlayer_cert_order:
        common_name: "{{ item.cn }}"
        csr: "{{ item.csr }}"
        item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        server_type: nginx
        approver_email: admin@example.com
        organization:
          name: Example Corp
          phone: "+1 555 0100"
          address: {line1: 1 Main St, city: Dallas, state: TX, postal_code: "75001", country_code: US}
        technical_contact: {first_name: Ada, last_name: Lovelace, title: Ops, email: ops@example.com, phone: "+1 555 0101"}
        wait_for: [Pending CA Approval]
      loop: "{{ seed_softlayer }}"
      loop_control: {label: "{{ item.cn }}"}
      register: seed_softlayer_orders
    - name: CPS certificates
      certops.orders.edgecast_cert_order:
        label: "{{ item }}"
        validation_type: DV
        dcv_method: DnsTxtToken
        domains: [{name: "{{ item }}.example.com"}]
      loop: "{{ seed_edgecast }}"
      register: seed_edgecast_certificates
    - name: Keep the ids for the test
      ansible.builtin.copy:
        content: >-
          {{ {'softlayer': seed_softlayer_orders.results | map(attribute='order') | map(attribute='id') | list,
              'edgecast': seed_edgecast_certificates.results | map(attribute='certificate') | map(attribute='id') | list}
             | to_json }}
        dest: "{{ seed_out }}"
        mode: "0600"
"""


def _environment(sandbox, playbooks):
    v = sandbox.vars
    return {
        "SL_USERNAME": v["sandbox_softlayer_username"], "SL_API_KEY": v["sandbox_softlayer_api_key"],
        "SL_ENDPOINT_URL": v["sandbox_softlayer_endpoint_url"],
        "EDGECAST_CLIENT_ID": v["sandbox_edgecast_client_id"],
        "EDGECAST_CLIENT_SECRET": v["sandbox_edgecast_client_secret"],
        "EDGECAST_API_URL": v["sandbox_edgecast_api_url"], "EDGECAST_IDS_URL": v["sandbox_edgecast_ids_url"],
        "CERTOPS_JOURNAL_DIR": os.path.join(playbooks.workdir, "journal"),
    }


def _recap(output):
    found = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", output)
    assert found, output
    return {"ok": int(found.group(1)), "changed": int(found.group(2)), "failed": int(found.group(3))}


def _seed(sandbox, playbooks, tmp_path, tag):
    """SoftLayer: ``due`` (Complete, 10 days left), ``fine`` (Complete, 200 days), ``renewed`` (an
    old order 5 days from expiry and a newer one with 300 days), ``expired`` (expired 3 days ago).
    CPS: ``due`` (Active, 10 days), ``fine`` (Active, 200 days). ``sbx-stall``: only the test moves
    them."""
    cns = dict((k, "%s-%s-sbx-stall.example.com" % (k, tag)) for k in ("due", "fine", "renewed", "expired"))
    seed = [cns["due"], cns["fine"], cns["renewed"], cns["renewed"], cns["expired"]]
    # the sandbox signs every CSR with one key: the organization tells two CSRs of one name apart
    seed_softlayer = [{"cn": cn, "csr": sandbox.control("POST", "/csr", {"common_name": cn, "organization": "seed %d" % n})["csr"]}
                      for n, cn in enumerate(seed)]
    labels = {"due": "due-%s-sbx-stall" % tag, "fine": "fine-%s-sbx-stall" % tag}
    out = str(tmp_path / "seed.json")
    run = playbooks.run(playbooks.write("seed.yml", SEED), {
        "seed_softlayer": seed_softlayer, "seed_edgecast": [labels["due"], labels["fine"]], "seed_out": out},
        env=_environment(sandbox, playbooks))
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out, encoding="utf-8") as handle:
        ids = json.load(handle)
    sl_ids, ec_ids = ids["softlayer"], ids["edgecast"]
    for order_id, days in zip(sl_ids, (10, 200, 5, 300, -3)):
        sandbox.control("POST", "/orders/softlayer/%d/status" % order_id, {"status": "Complete"})
        sandbox.control("POST", "/orders/softlayer/%d/expiration" % order_id, {"days": days})
    for cert_id, days in zip(ec_ids, (10, 200)):
        sandbox.control("POST", "/orders/edgecast/%d/status" % cert_id, {"status": "Active"})
        sandbox.control("POST", "/orders/edgecast/%d/expiration" % cert_id, {"days": days})
    csr_dir = tmp_path / "csr"
    csr_dir.mkdir()
    # the new keys' CSRs, for the common names the playbook may renew
    for kind in ("due", "expired", "renewed", "fine"):
        (csr_dir / (cns[kind] + ".csr")).write_text(
            sandbox.control("POST", "/csr", {"common_name": cns[kind], "organization": "renewal"})["csr"])
    return cns, labels, str(csr_dir), ec_ids


def _changed_items(output):
    """The loop items a run reported as changed (the playbook's loop labels begin with the name)."""
    return sorted(re.findall(r"^changed: \[localhost\] => \(item=(\S+) \(", output, re.M))


def _softlayer_orders(sandbox, cn):
    return [o for o in sandbox.control("GET", "/orders/softlayer") if o["commonName"] == cn]


def test_the_renewal_playbook_renews_exactly_what_is_due_once(sandbox, playbooks, tmp_path):
    cns, labels, csr_dir, ec_ids = _seed(sandbox, playbooks, tmp_path, "r%d" % os.getpid())
    env = _environment(sandbox, playbooks)
    before = dict((k, len(_softlayer_orders(sandbox, cn))) for k, cn in cns.items())
    assert before == {"due": 1, "fine": 1, "renewed": 2, "expired": 1}

    # check mode: says what it would renew, orders nothing
    checked = playbooks.run(PLAYBOOK, {"renew_csr_dir": csr_dir}, env=env, args=("--check",))
    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    due = sorted([cns["due"], cns["expired"], labels["due"]])
    assert _changed_items(output) == due, output
    assert dict((k, len(_softlayer_orders(sandbox, cn))) for k, cn in cns.items()) == before
    cps = dict((c["id"], c) for c in sandbox.control("GET", "/orders/edgecast"))
    assert cps[ec_ids[0]]["order_status"] == "Issued", cps[ec_ids[0]]

    first = playbooks.run(PLAYBOOK, {"renew_csr_dir": csr_dir}, env=env)
    output = first.stdout + first.stderr
    assert first.returncode == 0, output
    assert _changed_items(output) == due, output
    after = dict((k, _softlayer_orders(sandbox, cn)) for k, cn in cns.items())
    assert dict((k, len(v)) for k, v in after.items()) == {"due": 2, "fine": 1, "renewed": 2, "expired": 2}
    for kind in ("due", "expired"):
        new = max(after[kind], key=lambda o: o["orderId"])
        assert new["renewalFlag"] is True and new["itemKeyName"] == "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", new
    cps = dict((c["id"], c) for c in sandbox.control("GET", "/orders/edgecast"))
    assert cps[ec_ids[0]]["order_status"] in ("AwaitingRenewal", "PendingRenewal"), cps[ec_ids[0]]
    assert cps[ec_ids[1]]["order_status"] == "Issued", cps[ec_ids[1]]

    # a second run finds the renewals (SoftLayer: by common name and CSR; CPS: pending) and changes nothing
    second = playbooks.run(PLAYBOOK, {"renew_csr_dir": csr_dir}, env=env)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    assert _recap(output)["changed"] == 0 and _changed_items(output) == [], output
    assert dict((k, len(_softlayer_orders(sandbox, cn))) for k, cn in cns.items()) == \
        {"due": 2, "fine": 1, "renewed": 2, "expired": 2}


def test_a_due_common_name_without_a_csr_fails_naming_the_file(sandbox, playbooks, tmp_path):
    cns, _labels, csr_dir, _ec_ids = _seed(sandbox, playbooks, tmp_path, "m%d" % os.getpid())
    missing = os.path.join(csr_dir, cns["due"] + ".csr")
    os.remove(missing)
    run = playbooks.run(PLAYBOOK, {"renew_csr_dir": csr_dir}, env=_environment(sandbox, playbooks))
    output = run.stdout + run.stderr
    assert run.returncode != 0 and _recap(output)["failed"] == 1, output
    assert cns["due"] + ".csr" in output, output
    # nothing was ordered for it
    assert len(_softlayer_orders(sandbox, cns["due"])) == 1


def test_the_renewal_guide_shows_the_tested_playbook():
    """The guide's copy of the playbook is the file this module runs, so the docs cannot drift."""
    with open(os.path.join(ROOT, "docs", "docsite", "rst", "guide_renewal.rst"), encoding="utf-8") as handle:
        guide = handle.read()
    blocks = re.findall(r"^\.\. code-block:: yaml\+jinja\n\n((?:  .*\n|\n)+)", guide, re.M)
    shown = ["\n".join(line[2:] for line in block.rstrip("\n").split("\n")) + "\n" for block in blocks]
    with open(PLAYBOOK, encoding="utf-8") as handle:
        assert handle.read() in shown, "docs/docsite/rst/guide_renewal.rst does not show playbooks/renew_expiring.yml"
