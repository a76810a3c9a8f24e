# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The modules' documentation against the modules: every nested return value documents its keys,
every key a real run returns is documented (runs against the provider sandbox, in-process), and
every SEE ALSO entry points at something that exists."""

import glob
import importlib
import os
import re

import pytest
import requests
import yaml

from ansible_collections.certops.orders.plugins.modules import (
    edgecast_cert_order,
    edgecast_cert_order_status_info,
    softlayer_cert_order,
    softlayer_cert_order_status_info,
)

MODULES = {
    "edgecast_cert_order": edgecast_cert_order,
    "edgecast_cert_order_status_info": edgecast_cert_order_status_info,
    "softlayer_cert_order": softlayer_cert_order,
    "softlayer_cert_order_status_info": softlayer_cert_order_status_info,
}
COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
#: keys Ansible itself documents for every module (the common return values), not the module's RETURN
COMMON_KEYS = {"changed", "failed", "msg", "warnings", "deprecations", "invocation", "skipped"}


def docs(name):
    module = MODULES[name]
    return yaml.safe_load(module.DOCUMENTATION), yaml.safe_load(module.RETURN)


# -- 1. nested return values document their keys -------------------------------------------------------
def lacking_contains(spec, path=""):
    """The paths of the return values (at any depth) that are a dict, or a list of dicts, without
    ``contains`` describing their keys."""
    found = []
    for key, value in (spec or {}).items():
        here = "%s.%s" % (path, key) if path else key
        nested = value.get("type") == "dict" or (value.get("type") == "list" and value.get("elements") == "dict")
        if nested and not value.get("contains"):
            found.append(here)
        found.extend(lacking_contains(value.get("contains"), here))
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_nested_return_value_documents_its_keys(name):
    lacking = lacking_contains(docs(name)[1])
    assert not lacking, "return values without contains: %s" % ", ".join(lacking)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_return_value_says_when_it_is_returned_and_has_a_description(name):
    def missing(spec, path="", top=True):
        found = []
        for key, value in (spec or {}).items():
            here = "%s.%s" % (path, key) if path else key
            if not value.get("description") or (top and not value.get("returned")) or not value.get("type"):
                found.append(here)
            found.extend(missing(value.get("contains"), here, top=False))
        return found

    assert missing(docs(name)[1]) == []


def test_the_contains_check_finds_a_nested_value_without_contains():
    spec = yaml.safe_load("""
wait:
  type: dict
  contains:
    history: {type: list, elements: dict, description: x}
    polls: {type: int, description: x}
items: {type: list, elements: str, description: x}
""")
    assert lacking_contains(spec) == ["wait.history"]


# -- 2. no key of a real result is left undocumented ---------------------------------------------------
def undocumented(value, spec, path=""):
    """The paths (``a.b[].c``) of the keys in ``value`` that ``spec`` (RETURN, or a ``contains``) does
    not document. ``raw`` values (provider bodies sent as they are) are not looked into."""
    found = []
    if not isinstance(value, dict):
        return found
    for key, item in value.items():
        here = "%s.%s" % (path, key) if path else key
        if not path and key in COMMON_KEYS:
            continue
        doc = (spec or {}).get(key)
        if doc is None:
            found.append(here)
            continue
        if doc.get("type") == "raw":
            continue
        if isinstance(item, dict):
            found.extend(undocumented(item, doc.get("contains") or {}, here))
        elif isinstance(item, list):
            for element in item:
                found.extend(undocumented(element, doc.get("contains") or {}, here + "[]"))
    return sorted(set(found))


def test_the_key_check_finds_an_undocumented_key_at_any_depth():
    spec = yaml.safe_load("""
wait:
  type: dict
  contains:
    history:
      type: list
      elements: dict
      contains:
        id: {type: int}
request: {type: list, elements: dict, contains: {body: {type: raw}}}
""")
    result = {"changed": True, "wait": {"history": [{"id": 1}, {"id": 2, "status": "x"}], "polls": 1},
              "request": [{"body": {"anything": 1}}], "extra": None}
    assert undocumented(result, spec) == ["extra", "wait.history[].status", "wait.polls"]


try:
    from certops_sandbox import SandboxServer
except ImportError:  # the unit tests run with the sandbox on PYTHONPATH (scripts/lib.sh)
    SandboxServer = None


@pytest.fixture(scope="module")
def sandbox_server():
    if SandboxServer is None:
        # the floor lane's venv (the oldest ansible-core) has no sandbox installed; the main lane,
        # whose venv installs it, runs these tests
        pytest.skip("certops_sandbox is not installed in this interpreter (the ansible-core floor lane)")
    server = SandboxServer(seed=4321).start()
    yield server
    server.stop()


class Sandbox:
    """The in-process sandbox, reset, with its clock frozen (only ``advance`` moves it)."""

    def __init__(self, server):
        self.info = server.urls()
        self.control = server.url + "/_sandbox"
        self.http = requests.Session()
        self.call("POST", "/reset")
        self.call("POST", "/clock/freeze", json={"frozen": True})

    def call(self, method, path, **kwargs):
        answer = self.http.request(method, self.control + path, timeout=30, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def force(self, provider, ident, status):
        return self.call("POST", "/orders/%s/%s/status" % (provider, ident), json={"status": status})

    def softlayer(self, **args):
        sl = self.info["softlayer"]
        return dict(username=sl["username"], api_key=sl["api_key"], endpoint_url=sl["endpoint_url"], **args)

    def edgecast(self, **args):
        ec = self.info["edgecast"]
        return dict(client_id=ec["client_id"], client_secret=ec["client_secret"], api_url=ec["api_url"],
                    ids_url=ec["ids_url"], **args)


@pytest.fixture
def sandbox(sandbox_server):
    return Sandbox(sandbox_server)


ORGANIZATION = {"name": "Example Corp", "phone": "+1 555 0100", "fax": "+1 555 0199",
                "address": {"line1": "1 Main St", "line2": "Suite 2", "city": "Dallas", "state": "TX",
                            "postal_code": "75001", "country_code": "US"}}
CONTACT = {"first_name": "Ada", "last_name": "Lovelace", "title": "Operations", "email": "ops@example.com",
           "phone": "+1 555 0101"}


def softlayer_runs(sandbox, run_module):
    """(module name, ok, result) of the SoftLayer modules through an order's life, failures included."""
    sandbox.call("PATCH", "/config", json={"softlayer": {"request_delay": 0}})
    cn = "docs-ret-sl.example.com"
    csr = sandbox.call("POST", "/csr", json={"common_name": cn})["csr"]
    order = dict(common_name=cn, csr=csr, item_key_name="SSL_CERTIFICATE_RAPIDSSL_1_YEAR", server_type="nginx",
                 approver_email="admin@example.com", organization=ORGANIZATION, technical_contact=CONTACT)
    runs = []

    def run(name, args, **kwargs):
        ok, result = run_module(MODULES[name].main, args, **kwargs)
        runs.append((name, ok, result))
        return result

    run("softlayer_cert_order", sandbox.softlayer(**order), check_mode=True, diff=True)
    placed = run("softlayer_cert_order", sandbox.softlayer(wait_for=["Pending CA Approval"], **order), diff=True)
    req_id = placed["order"]["id"]
    run("softlayer_cert_order", sandbox.softlayer(order_id=req_id, resend_email="approver"), diff=True)
    sandbox.force("softlayer", req_id, "Approved")
    run("softlayer_cert_order", sandbox.softlayer(wait_for=["Approved"], **order), diff=True)
    run("softlayer_cert_order_status_info", sandbox.softlayer(order_ids=[req_id], wait_for=["issued"]))
    run("softlayer_cert_order_status_info", sandbox.softlayer(common_name=cn, expiring_within_days=3650))
    # failures: an unknown order id, a wait that fails on the order's status
    run("softlayer_cert_order", sandbox.softlayer(order_id=1, state="canceled"))
    failing_wait = dict(order_ids=[req_id], wait_for=["Complete"], fail_on=["Approved"])
    run("softlayer_cert_order_status_info", sandbox.softlayer(**failing_wait))
    # a read that fails after its retries reports how often it was sent
    sandbox.call("POST", "/faults", json={"kind": "http_500", "provider": "softlayer",
                                          "path": "getSslRequestStatuses", "count": 100})
    # (the status catalogue is cached by an earlier run: these runs turn the cache off to read it)
    run("softlayer_cert_order_status_info", sandbox.softlayer(order_ids=[req_id], retries=1, catalogue_cache_max_age=0))
    run("softlayer_cert_order", sandbox.softlayer(order_id=req_id, retries=1, catalogue_cache_max_age=0))
    sandbox.call("DELETE", "/faults")
    # a second order, canceled
    cn2 = "docs-ret-sl2.example.com"
    csr2 = sandbox.call("POST", "/csr", json={"common_name": cn2})["csr"]
    second = dict(order, common_name=cn2, csr=csr2, approver_email="admin@example.com")
    second_id = run("softlayer_cert_order", sandbox.softlayer(**second))["order"]["id"]
    run("softlayer_cert_order", sandbox.softlayer(order_id=second_id, state="canceled"), diff=True)
    return runs


DV_DOMAIN = "docs-ret-dv.example.com"


def edgecast_runs(sandbox, run_module):
    """(module name, ok, result) of the Edgecast modules through a certificate's life."""
    sandbox.call("PATCH", "/config", json={"edgecast": {"processing_seconds": 1, "dcv_seconds": 3600}})
    runs = []

    def run(name, args, **kwargs):
        ok, result = run_module(MODULES[name].main, args, **kwargs)
        runs.append((name, ok, result))
        return result

    dv = dict(label="docs-ret-dv", description="docs", validation_type="DV", dcv_method="DnsTxtToken",
              domains=[{"name": DV_DOMAIN, "is_common_name": True}, {"name": "www." + DV_DOMAIN}],
              notifications=[{"notification_type": "CertificateExpiring", "enabled": True,
                              "emails": ["ops@example.com"]}])
    run("edgecast_cert_order", sandbox.edgecast(**dv), check_mode=True, diff=True)
    cert_id = run("edgecast_cert_order", sandbox.edgecast(wait_for=["Processing"], **dv), diff=True)["certificate"]["id"]
    sandbox.call("POST", "/clock/advance", json={"seconds": 2})
    run("edgecast_cert_order", sandbox.edgecast(action="regenerate_dcv_token", wait_for=["DomainControlValidation"],
                                                **dv), diff=True)
    run("edgecast_cert_order_status_info", sandbox.edgecast(label=dv["label"], wait_for=["DomainControlValidation"]))
    sandbox.force("edgecast", cert_id, "Active")
    run("edgecast_cert_order", sandbox.edgecast(action="renew", renew_within_days=3650, **dv), diff=True)
    run("edgecast_cert_order_status_info", sandbox.edgecast(certificate_ids=[cert_id], expiring_within_days=3650))
    run("edgecast_cert_order", sandbox.edgecast(state="canceled", **dv), diff=True)
    run("edgecast_cert_order", sandbox.edgecast(state="absent", **dv), diff=True)
    # an OV certificate with an organization and its contacts; a change refused by its status
    ov = dict(label="docs-ret-ov", validation_type="OV", dcv_method="Email",
              domains=[{"name": "docs-ret-ov.example.com"}],
              organization={"company_name": "Docs Ret Co.", "company_address": "1 Main St", "city": "Dallas",
                            "company_address2": "Suite 2", "organizational_unit": "Operations",
                            "contact_title": "CEO",
                            "state": "TX", "zip_code": "75001", "country": "US", "contact_first_name": "Pat",
                            "contact_last_name": "Doe", "contact_email": "pat@example.com",
                            "contact_phone": "111-111-1111", "additional_contacts": [
                                {"first_name": "Sam", "last_name": "Roe", "email": "sam@example.com",
                                 "phone": "111-111-1112", "title": "CTO", "contact_type": "TechnicalContact"}]})
    ov_id = run("edgecast_cert_order", sandbox.edgecast(**ov), diff=True)["certificate"]["id"]
    moved = dict(ov, organization=dict(ov["organization"], city="Austin"))
    run("edgecast_cert_order", sandbox.edgecast(**moved), diff=True)  # refused: not issued yet
    sandbox.force("edgecast", ov_id, "Active")
    run("edgecast_cert_order", sandbox.edgecast(**moved), diff=True)
    # e-mail DCV: the recipients while the request is in DomainControlValidation
    email = dict(label="docs-ret-email", validation_type="DV", dcv_method="Email",
                 domains=[{"name": "docs-ret-email.example.com"}])
    email_id = run("edgecast_cert_order", sandbox.edgecast(**email))["certificate"]["id"]
    sandbox.force("edgecast", email_id, "DomainControlValidation")
    run("edgecast_cert_order", sandbox.edgecast(**email))
    run("edgecast_cert_order_status_info", sandbox.edgecast(label=email["label"]))
    # a request the CA rejected carries its error
    sandbox.force("edgecast", email_id, "Rejected")
    run("edgecast_cert_order", sandbox.edgecast(**email))
    run("edgecast_cert_order_status_info", sandbox.edgecast(label=email["label"]))
    run("edgecast_cert_order_status_info", sandbox.edgecast(certificate_id=424242))
    # a read that fails after its retries reports how often it was sent
    sandbox.call("POST", "/faults", json={"kind": "http_500", "provider": "edgecast", "path": "/appendix/",
                                          "count": 100})
    run("edgecast_cert_order_status_info", sandbox.edgecast(label=dv["label"], retries=1, catalogue_cache_max_age=0))
    sandbox.call("POST", "/faults", json={"kind": "http_500", "provider": "edgecast", "method": "GET",
                                          "path": "/v2.0/certificates$", "count": 100})
    run("edgecast_cert_order", sandbox.edgecast(retries=1, **email))
    sandbox.call("DELETE", "/faults")
    return runs


def documented_paths(spec, path=""):
    paths = set()
    for key, value in (spec or {}).items():
        here = "%s.%s" % (path, key) if path else key
        paths.add(here)
        inner = value.get("contains")
        paths |= documented_paths(inner, here + ("[]" if value.get("type") == "list" else ""))
    return paths


def returned_paths(value, path=""):
    """The paths of the keys of ``value`` that hold something (not null, not empty)."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            here = "%s.%s" % (path, key) if path else key
            if item not in (None, [], {}):
                paths.add(here)
            paths |= returned_paths(item, here)
    elif isinstance(value, list):
        for element in value:
            paths |= returned_paths(element, path + "[]")
    return paths


#: documented values the runs below do not return: an organization chosen by its id (the runs give the
#: fields), and the CPS contact ids, which only the state before the task has
NOT_EXERCISED = {
    "edgecast_cert_order": {"diff.before.organization.id", "diff.after.organization.id",
                            "diff.after.organization.additional_contacts[].id"},
}


@pytest.mark.parametrize("provider", ["softlayer", "edgecast"])
def test_no_key_of_a_real_result_is_left_undocumented(provider, sandbox, run_module):
    runs = (softlayer_runs if provider == "softlayer" else edgecast_runs)(sandbox, run_module)
    assert any(not ok for _name, ok, _result in runs), "the runs should include failures"
    seen = {}
    reached = {}
    for name, _ok, result in runs:
        for path in undocumented(result, docs(name)[1]):
            seen.setdefault(name, set()).add(path)
        reached.setdefault(name, set()).update(returned_paths(result))
    # the runs are worth something only when they return (nearly) every documented value
    for name in reached:
        never = documented_paths(docs(name)[1]) - reached[name] - NOT_EXERCISED.get(name, set())
        assert not never, "%s: the runs never return %s" % (name, ", ".join(sorted(never)))
    assert not seen, "undocumented return keys:\n" + "\n".join(
        "%s: %s" % (name, path) for name in sorted(seen) for path in sorted(seen[name]))


# -- 3. SEE ALSO points at real targets ----------------------------------------------------------------
def rst_labels():
    labels = set()
    for path in glob.glob(os.path.join(COLLECTION, "docs", "docsite", "rst", "*.rst")):
        with open(path, encoding="utf-8") as handle:
            labels.update(re.findall(r"^\.\. _([^:]+):\s*$", handle.read(), re.M))
    return labels


def module_exists(fqcn):
    namespace, name, module = fqcn.split(".")
    if (namespace, name) == ("certops", "orders"):
        return os.path.exists(os.path.join(COLLECTION, "plugins", "modules", module + ".py"))
    if (namespace, name) == ("ansible", "builtin"):
        return importlib.util.find_spec("ansible.modules." + module) is not None
    raise AssertionError("seealso names a module of another collection (%s); add a check for it" % fqcn)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_seealso_entry_points_at_a_real_target(name):
    entries = docs(name)[0]["seealso"]
    labels = rst_labels()
    assert entries
    for entry in entries:
        if "module" in entry:
            assert module_exists(entry["module"]), entry
        elif "ref" in entry:
            assert entry["ref"] in labels, entry
            assert entry.get("description"), entry
        else:
            assert set(entry) == {"name", "link", "description"}, entry
            assert entry["link"].startswith("https://"), entry


def test_the_guides_define_the_labels_seealso_uses():
    assert "ansible_collections.certops.orders.docsite.guide_renewal" in rst_labels()
    assert not module_exists("certops.orders.no_such_module")
