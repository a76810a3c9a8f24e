"""The EXAMPLES of the four modules, run as ansible-playbook runs them, so that they cannot rot.

Each module's EXAMPLES block is read from the module file and must be a YAML list of tasks (what
``ansible-doc`` shows and users copy into their ``tasks:``), never a play. The test wraps the block,
as it is, in a play (``hosts: localhost``, ``gather_facts: false``) and runs it against a sandbox
process of its own:

- credentials and endpoints come from the environment (``SL_*``, ``EDGECAST_*``); the examples name
  no endpoint, so without the environment they would talk to the real providers. A dead proxy for
  everything but the loopback makes any call that escaped the sandbox fail instead of reaching out;
- the placeholders the examples use are provided: the ``vault_*`` credentials, ``org`` and
  ``ops_contact``, and the CSR files in the play's directory (``/_sandbox/csr``);
- the one third-party module (``community.dns.hetzner_dns_record_set``) is a stand-in with the real
  module's options, which records the record sets it is given instead of calling Hetzner;
- an example that needs an order in a given state gets it from the sandbox control API, by a task of
  the test inserted before it (``PREPARE``): the sandbox's durations are set so that nothing moves on
  its own (no race with its clock), and a wait the example shows ends at once because the test moved
  the order there first. The example text is never changed.

Every example task must run (not be skipped) and none may fail; a few results are checked against
the sandbox, so an example that "runs" but does something else than its name says is caught too.
A second test runs ``ansible-lint --profile production`` on the same blocks.
"""

import ast
import json
import os
import re
import subprocess

import pytest
import yaml
from ansible.vars.reserved import get_reserved_names

from certops_sandbox.harness import BIN, ROOT, Playbooks

HERE = os.path.dirname(os.path.abspath(__file__))
CALLBACKS = os.path.join(HERE, "callback_plugins")
MODULES = ("edgecast_cert_order", "edgecast_cert_order_status_info", "softlayer_cert_order",
           "softlayer_cert_order_status_info")
#: keys that make a list entry a play rather than a task
PLAY_KEYS = {"hosts", "tasks", "pre_tasks", "post_tasks", "roles", "handlers", "import_playbook", "gather_facts"}

# What the SoftLayer examples call ``org`` and ``ops_contact`` (the same values as their literal example).
ORG = {"name": "Example Corp", "phone": "+1 555 0100",
       "address": {"line1": "1 Main St", "city": "Dallas", "state": "TX", "postal_code": "75001", "country_code": "US"}}
OPS_CONTACT = {"first_name": "Ada", "last_name": "Lovelace", "title": "Operations", "email": "ops@example.com",
               "phone": "+1 555 0101"}

# Sandbox settings per provider: the steps the examples wait for or act on do not happen on their own.
# DCV completes only on the example's dcv_check, a renewal stays pending until the example cancels it,
# and the CA approves a SoftLayer order only when the test forces it.
EDGECAST_HOLD = {"edgecast.dcv_seconds": 86400, "edgecast.renewal_seconds": 86400}
SOFTLAYER_HOLD = {"softlayer.approve_after": 86400}


def _force(provider, order_id, status):
    # fixed task names: a loop variable in a name is rendered before the loop and warns
    return ("- name: 'Test preparation: %(provider)s order is %(status)s'\n"
            "  ansible.builtin.uri:\n"
            "    url: \"{{ sandbox_control_url }}/orders/%(provider)s/%(id)s/status\"\n"
            "    method: POST\n"
            "    body_format: json\n"
            "    body: {status: %(status)s}\n"
            % {"provider": provider, "id": order_id, "status": status})


def _expires_in(provider, order_id, days):
    return ("- name: 'Test preparation: %(provider)s certificate expires in %(days)d days'\n"
            "  ansible.builtin.uri:\n"
            "    url: \"{{ sandbox_control_url }}/orders/%(provider)s/%(id)s/expiration\"\n"
            "    method: POST\n"
            "    body_format: json\n"
            "    body: {days: %(days)d}\n"
            % {"provider": provider, "id": order_id, "days": days})


def _each(task, items):
    return task + "  loop: \"%s\"\n" % items


# Test tasks inserted before the example of that name (keys must match an example, or the test fails).
PREPARE = {
    "edgecast_cert_order": {
        # the renewal example says "when it expires within 45 days": make it so, so that it renews
        "Renew the certificate when it expires within 45 days (a no-op otherwise)":
            _expires_in("edgecast", "{{ cdn_cert.certificate.id }}", 20),
    },
    "edgecast_cert_order_status_info": {
        "Wait until all of them are issued and deployed, and stop at once if the CA rejects any of them":
            _each(_force("edgecast", "{{ item }}", "Active"), "{{ new_certs.results | map(attribute='certificate.id') | list }}"),
        "Every issued certificate of the account that expires within 30 days":
            _expires_in("edgecast", "{{ new_certs.results[0].certificate.id }}", 10),
    },
    "softlayer_cert_order": {
        "Wait up to a day for the CA's approval, polling every 5 minutes at most":
            _force("softlayer", "{{ www_order.order.id }}", "Approved"),
    },
    "softlayer_cert_order_status_info": {
        "Wait until the CA approved all of them":
            _each(_force("softlayer", "{{ item }}", "Approved"), "{{ placed.results | map(attribute='order.id') | list }}"),
        "Certificates that expire within 30 days (expired ones too), to renew them":
            _expires_in("softlayer", "{{ placed.results[0].order.id }}", 10),
    },
}

# Orders some examples act on without creating them, placed before the examples run.
SEED = {
    "edgecast_cert_order_status_info": """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A DV request waiting for its DCV
      certops.orders.edgecast_cert_order:
        label: cdn_example_com
        validation_type: DV
        dcv_method: DnsTxtToken
        domains: [{name: cdn.example.com, is_common_name: true}, {name: static.example.com}]
        wait_for: [DomainControlValidation]
""",
    "softlayer_cert_order": """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A shop.example.com order the CA has not approved
      certops.orders.softlayer_cert_order:
        common_name: shop.example.com
        csr: "{{ lookup('ansible.builtin.file', 'shop.example.com.csr') }}"
        item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        server_type: nginx
        approver_email: admin@example.com
        organization: "{{ org }}"
        technical_contact: "{{ ops_contact }}"
""",
    "softlayer_cert_order_status_info": """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: The www.example.com order the first example reads by id
      certops.orders.softlayer_cert_order:
        common_name: www.example.com
        csr: "{{ lookup('ansible.builtin.file', 'www.example.com.csr') }}"
        item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        server_type: nginx
        approver_email: admin@example.com
        organization: "{{ org }}"
        technical_contact: "{{ ops_contact }}"
""",
}

# A stand-in for community.dns.hetzner_dns_record_set. Its options are the real module's:
# ansible-collections/community.dns plugins/module_utils/_module/record_set.py
# (create_module_argument_spec), plugins/module_utils/_options.py (bulk and TXT options) and the
# Hetzner token of plugins/module_utils/_hetzner/api.py (required, alias api_token, from
# HETZNER_DNS_TOKEN). It writes what it was given to EXAMPLES_DNS_RECORDS instead of calling Hetzner.
DNS_STUB = '''#!/usr/bin/python
DOCUMENTATION = """
module: hetzner_dns_record_set
short_description: Test stand-in, records the record set it is given
description: [Test stand-in.]
author: [certops.orders tests]
options: {}
"""
import json
import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

TYPES = ["A", "AAAA", "NS", "MX", "CNAME", "RP", "TXT", "SOA", "HINFO", "SRV", "DANE", "TLSA", "DS", "CAA"]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            hetzner_token=dict(type="str", required=True, no_log=True, aliases=["api_token"],
                               fallback=(env_fallback, ["HETZNER_DNS_TOKEN"])),
            state=dict(type="str", required=True, choices=["present", "absent"]),
            zone_name=dict(type="str", aliases=["zone"]),
            zone_id=dict(type="str"),
            record=dict(type="str"),
            prefix=dict(type="str"),
            ttl=dict(type="int"),
            type=dict(type="str", required=True, choices=TYPES),
            value=dict(type="list", elements="str"),
            on_existing=dict(type="str", default="replace", choices=["replace", "keep_and_fail", "keep_and_warn", "keep"]),
            bulk_operation_threshold=dict(type="int", default=2),
            txt_transformation=dict(type="str", default="unquoted", choices=["api", "quoted", "unquoted"]),
            txt_character_encoding=dict(type="str", default="decimal", choices=["decimal", "octal"]),
        ),
        required_one_of=[("zone_name", "zone_id"), ("record", "prefix")],
        mutually_exclusive=[("zone_name", "zone_id"), ("record", "prefix")],
        required_if=[("state", "present", ["value"])],
        supports_check_mode=True,
    )
    params = dict((k, module.params[k]) for k in ("state", "zone_name", "record", "prefix", "type", "value"))
    if not module.check_mode:
        with open(os.environ["EXAMPLES_DNS_RECORDS"], "a") as handle:
            handle.write(json.dumps(params) + "\\n")
    module.exit_json(changed=True, zone_id="stub")


if __name__ == "__main__":
    main()
'''


def examples_of(module):
    """The EXAMPLES string of a module file, read without importing it."""
    with open(os.path.join(ROOT, "plugins", "modules", module + ".py"), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["EXAMPLES"]:
            return ast.literal_eval(node.value)
    raise AssertionError("%s has no EXAMPLES" % module)


def split_tasks(text):
    """The block's top-level tasks as (name, text) pairs, each text exactly as in the module."""
    chunks = re.split(r"^(?=- )", text.strip("\n") + "\n", flags=re.M)
    tasks = []
    for chunk in chunks:
        if not chunk.strip():
            continue
        loaded = yaml.safe_load(chunk)
        assert isinstance(loaded, list) and len(loaded) == 1, chunk
        tasks.append((loaded[0].get("name"), chunk.rstrip("\n") + "\n"))
    return tasks


def task_names(tasks):
    """Every task name of a loaded task list, inner tasks of blocks included (blocks themselves are not run)."""
    names = []
    for task in tasks:
        if "block" in task:
            names += task_names(task["block"] + task.get("rescue", []) + task.get("always", []))
        else:
            names.append(task["name"])
    return names


def indent(text, spaces):
    return "".join((" " * spaces + line) if line.strip() else line for line in text.splitlines(True))


def wrap(module, prepare=None):
    """The module's examples as the tasks of one play, with the test's preparation tasks before the examples that need them."""
    prepare = dict(prepare or {})
    body = []
    for name, chunk in split_tasks(examples_of(module)):
        if name in prepare:
            body.append(indent(prepare.pop(name), 4))
        body.append(indent(chunk, 4))
    assert not prepare, "preparation for examples that do not exist (renamed?): %s" % sorted(prepare)
    return ("- name: Examples of certops.orders.%s\n  hosts: localhost\n  gather_facts: false\n  tasks:\n" % module
            + "\n".join(body))


def write_dns_stub(base):
    path = os.path.join(base, "ansible_collections", "community", "dns", "plugins", "modules")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "hetzner_dns_record_set.py"), "w", encoding="utf-8") as handle:
        handle.write(DNS_STUB)
    meta = os.path.join(base, "ansible_collections", "community", "dns", "meta")
    os.makedirs(meta, exist_ok=True)
    with open(os.path.join(meta, "runtime.yml"), "w", encoding="utf-8") as handle:
        handle.write("---\nrequires_ansible: '>=2.15.0'\n")
    return base


def read_events(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.mark.parametrize("module", MODULES)
def test_examples_are_a_list_of_tasks(module):
    """What ansible-doc shows under EXAMPLES goes into a user's ``tasks:``: a list of named tasks,
    no play, and no registered variable with a name Ansible reserves (``order`` is a play keyword)."""
    loaded = yaml.safe_load(examples_of(module))
    assert isinstance(loaded, list) and loaded, module
    reserved = get_reserved_names()
    for task in loaded:
        assert isinstance(task, dict) and task.get("name"), task
        assert not PLAY_KEYS & set(task), "%s: a play among the example tasks: %s" % (module, task["name"])
        for inner in task.get("block", []):
            assert not PLAY_KEYS & set(inner), inner
        assert task.get("register") not in reserved, "%s: register %r is reserved" % (module, task["register"])
    names = task_names(loaded)
    assert len(names) == len(set(names)), "%s: example names must be unique: %s" % (module, names)
    assert len(split_tasks(examples_of(module))) == len(loaded)


def _environment(sandbox, workdir, stub_base, collections_path):
    v = sandbox.vars
    return {
        "SL_USERNAME": v["sandbox_softlayer_username"], "SL_API_KEY": v["sandbox_softlayer_api_key"],
        "SL_ENDPOINT_URL": v["sandbox_softlayer_endpoint_url"],
        "EDGECAST_CLIENT_ID": v["sandbox_edgecast_client_id"],
        "EDGECAST_CLIENT_SECRET": v["sandbox_edgecast_client_secret"],
        "EDGECAST_API_URL": v["sandbox_edgecast_api_url"], "EDGECAST_IDS_URL": v["sandbox_edgecast_ids_url"],
        "CERTOPS_JOURNAL_DIR": os.path.join(workdir, "journal"),
        # nothing may leave the machine: any endpoint the environment did not redirect hits a dead proxy
        "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "HETZNER_DNS_TOKEN": "examples-test-token",
        "EXAMPLES_DNS_RECORDS": os.path.join(workdir, "dns_records.jsonl"),
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([collections_path, stub_base]),
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS, "ANSIBLE_CALLBACKS_ENABLED": "reliability_events",
        "RELIABILITY_EVENTS": os.path.join(workdir, "events.jsonl"),
    }


def _variables(sandbox):
    v = sandbox.vars
    return {"vault_sl_username": v["sandbox_softlayer_username"], "vault_sl_api_key": v["sandbox_softlayer_api_key"],
            "vault_edgecast_client_id": v["sandbox_edgecast_client_id"],
            "vault_edgecast_client_secret": v["sandbox_edgecast_client_secret"],
            "org": ORG, "ops_contact": OPS_CONTACT}


def _by_task(events):
    found = {}
    for event in events:
        found.setdefault(event["task"], []).append(event)
    return found


@pytest.mark.parametrize("module", MODULES)
def test_examples_run_against_the_sandbox(module, sandbox_factory, collections_path, tmp_path):
    box = sandbox_factory(settings=EDGECAST_HOLD if module.startswith("edgecast") else SOFTLAYER_HOLD)
    workdir = str(tmp_path)
    runner = Playbooks(collections_path, workdir, box)
    stub_base = write_dns_stub(str(tmp_path / "stub_collections"))
    env = _environment(box, workdir, stub_base, collections_path)
    extra = _variables(box)
    # the CSR files the examples read with lookup('ansible.builtin.file', ...), next to the play
    for cn in ("www.example.com", "shop.example.com", "api.example.com"):
        (tmp_path / (cn + ".csr")).write_text(box.control("POST", "/csr", {"common_name": cn})["csr"])

    if module in SEED:
        seeded = runner.run(runner.write("seed.yml", SEED[module]), extra, env=dict(env, RELIABILITY_EVENTS=os.devnull))
        assert seeded.returncode == 0, seeded.stdout + seeded.stderr

    playbook = runner.write("examples.yml", wrap(module, PREPARE.get(module)))
    run = runner.run(playbook, extra, env=env, verbosity=int(os.environ.get("EXAMPLES_VERBOSITY", "0")))
    output = run.stdout + run.stderr
    with open(os.path.join(workdir, "examples.log"), "w", encoding="utf-8") as handle:
        handle.write(output)
    assert run.returncode == 0, output
    assert re.search(r"localhost\s*:\s*ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0\s+skipped=0", output), output
    # an example that needs a warning to run (or uses something deprecated) is not one to copy
    assert "[WARNING]" not in output and "[DEPRECATION WARNING]" not in output, output

    events = read_events(env["RELIABILITY_EVENTS"])
    assert not [e for e in events if e["event"] not in ("ok", "item_ok")], output
    ran = _by_task(events)
    expected = task_names(yaml.safe_load(examples_of(module)))
    assert [name for name in expected if name not in ran] == [], "example tasks that did not run:\n" + output
    for name in expected:
        for event in ran[name]:
            assert not event.get("warnings"), (name, event["warnings"])
            assert not event.get("traceback"), (name, event["traceback"])
    CHECKS[module](box, ran, workdir)


def _changed(ran, name):
    return [bool(e.get("changed")) for e in ran[name]]


def _check_edgecast_order(box, ran, workdir):
    certs = dict((c["certificate_label"], c) for c in box.control("GET", "/orders/edgecast"))
    assert certs["cdn_example_com"]["status"] == "Deleted", certs["cdn_example_com"]
    assert certs["shop_example_com"]["status"] == "DomainControlValidation", certs["shop_example_com"]
    with open(os.path.join(workdir, "dns_records.jsonl"), encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    # DV: one TXT token for both domains, a record at each (edgecast_cert_order RETURN certificate.dcv.dns_record)
    assert sorted(r["record"] for r in records) == ["cdn.example.com", "static.example.com"], records
    assert set(r["type"] for r in records) == {"TXT"} and set(r["zone_name"] for r in records) == {"example.com"}
    values = set(tuple(r["value"]) for r in records)
    assert len(values) == 1 and re.match(r"^[0-9a-f]{32}$", list(values)[0][0]), records
    for name in ("Order a DV certificate validated by DNS TXT record, and wait for its DCV token",
                 "A new DCV token, after the old one was lost (publish cdn_dcv.certificate.dcv as above)",
                 "Ask the CA to send the DCV e-mail again",
                 "Renew the certificate when it expires within 45 days (a no-op otherwise)",
                 "Cancel a request the CA is still processing, or a pending renewal of an issued certificate",
                 "Delete an issued certificate (or cancel a pending request)"):
        assert _changed(ran, name) == [True], (name, ran[name])
    assert ran["Ask the CA to check the records now, and wait for the certificate"][0]["certificate"]["order_status"] == "Issued"


def _check_edgecast_info(box, ran, workdir):
    labels = lambda name: sorted(c["label"] for c in ran[name][0]["certificates"])  # noqa: E731
    assert labels("Read every certificate request of the account, and the CPS status catalogues") == ["cdn_example_com"]
    assert labels("Read a certificate request by label") == ["cdn_example_com"]
    assert labels("Every issued certificate of the account that expires within 30 days") == ["img_example_com"]
    assert labels("Every certificate of a domain, across all pages") == ["api_example_com", "cdn_example_com", "img_example_com"]
    renewed = ran["Renew each of them"]
    assert [(e["item"], e["changed"]) for e in renewed] == [("img_example_com", True)], renewed
    certs = dict((c["certificate_label"], c) for c in box.control("GET", "/orders/edgecast"))
    assert certs["img_example_com"]["order_status"] in ("AwaitingRenewal", "PendingRenewal"), certs["img_example_com"]


def _check_softlayer_order(box, ran, workdir):
    orders = dict((o["commonName"], o) for o in box.control("GET", "/orders/softlayer"))
    assert len(orders) == 2, orders  # the preview placed nothing, the order was placed once
    assert orders["shop.example.com"]["status"] == "Canceled", orders["shop.example.com"]
    assert orders["www.example.com"]["status"] in ("Approved", "Complete"), orders["www.example.com"]
    preview = ran["Show what would be ordered for www.example.com, without ordering"][0]
    assert preview["receipt"]["placed"] is False and preview["changed"] is True, preview
    for name in ("Ask the CA to send the approval e-mail again", "Resend the certificate itself",
                 "Cancel the order for a CSR while the CA has not approved it yet"):
        assert _changed(ran, name) == [True], (name, ran[name])


def _check_softlayer_info(box, ran, workdir):
    first = ran["Read one order (credentials from SL_USERNAME / SL_API_KEY)"][0]["orders"]
    assert [(o["id"], o["common_name"], o["status"]) for o in first] == [(987654, "www.example.com", "Pending CA Approval")]
    names = lambda name: sorted(o["common_name"] for o in ran[name][0]["orders"])  # noqa: E731
    assert names("Wait until the CA approved all of them") == ["api.example.com", "shop.example.com"]
    assert names("List the orders still waiting for the approver's e-mail") == ["www.example.com"]
    assert names("Certificates that expire within 30 days (expired ones too), to renew them") == ["api.example.com"]
    assert names("Orders for one name, with credentials from a vault") == ["www.example.com"]


CHECKS = {"edgecast_cert_order": _check_edgecast_order, "edgecast_cert_order_status_info": _check_edgecast_info,
          "softlayer_cert_order": _check_softlayer_order, "softlayer_cert_order_status_info": _check_softlayer_info}


def test_examples_are_lint_clean(collections_path, tmp_path):
    """ansible-lint's production profile on every module's examples, each wrapped in a play as users run them."""
    stub_base = write_dns_stub(str(tmp_path / "stub_collections"))
    lint_dir = tmp_path / "lint"
    lint_dir.mkdir()
    files = []
    for module in MODULES:
        path = lint_dir / ("examples_%s.yml" % module)
        path.write_text("---\n" + wrap(module))
        files.append(path.name)
    (lint_dir / ".ansible-lint").write_text("---\nprofile: production\noffline: true\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([collections_path, str(stub_base)]),
               NO_COLOR="1", ANSIBLE_HOME=str(tmp_path / "ansible-home"))
    lint = subprocess.run([os.path.join(BIN, "ansible-lint"), "--profile", "production", "--offline", "--nocolor",
                           "-c", str(lint_dir / ".ansible-lint")] + files,
                          cwd=str(lint_dir), env=env, capture_output=True, text=True, timeout=600)
    assert lint.returncode == 0, lint.stdout + lint.stderr
