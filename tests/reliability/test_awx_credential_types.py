"""The AWX / Ansible Automation Platform credential types shipped in ``extensions/awx/credential_types``.

Each file must be accepted by AWX's credential_types endpoint, and the environment AWX derives from a
credential of that type must be all a job needs to run the collection's modules. What AWX does is
taken from its source (ansible/awx, awx/main/fields.py ``CredentialTypeInputField`` and
``CredentialTypeInjectorField`` for the validation; awx/main/models/credential/__init__.py
``CredentialType.inject_credential`` for the rendering): the field schema below restates the keys
and types it allows; injector templates are checked with StrictUndefined against the defined fields;
a job's environment is rendered in an ImmutableSandboxedEnvironment with only the inputs that are
set and not empty (so an empty optional field is undefined and renders as an empty string).

The environment is then the only source of credentials for a playbook run against a sandbox
process (HOME points to an empty directory, so no ``~/.softlayer`` either): an order and a read per
provider succeed with it, and fail with a wrong secret (the sandbox answers 401), so the injected
variables are what the modules used.
"""

import importlib
import json
import os
import re
import sys

import jinja2
import jinja2.meta
import jinja2.sandbox
import pytest
import yaml

from certops_sandbox.harness import ROOT

TYPES_DIR = os.path.join(ROOT, "extensions", "awx", "credential_types")
PROVIDERS = ("softlayer", "edgecast")
# the variables a credential must provide, the secret fields, and the fields whose empty value must
# become the module's default URL (the module_utils constant named)
EXPECTED = {
    "softlayer": {"required": {"username", "api_key"}, "secret": {"api_key"},
                  "defaults": {"endpoint_url": ("_softlayer.client", "DEFAULT_ENDPOINT")}},
    "edgecast": {"required": {"client_id", "client_secret"}, "secret": {"client_secret"},
                 "defaults": {"api_url": ("_edgecast.client", "DEFAULT_API_URL"),
                              "ids_url": ("_edgecast.client", "DEFAULT_IDS_URL")}},
}
# awx/main/fields.py CredentialTypeInputField.schema: the keys a field may have
FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime", "default"}
NAME = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
# variables the credential's holders must never be able to set through it (besides ANSIBLE_*)
PROVIDER_PREFIXES = ("SL_", "IAAS_CLASSIC_", "SOFTLAYER_", "EDGECAST_", "CERTOPS_")


def load(provider):
    with open(os.path.join(TYPES_DIR, provider + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def render_env(credential_type, inputs):
    """The job environment AWX builds from a credential with ``inputs`` (see the module docstring)."""
    namespace = dict((key, value) for key, value in inputs.items() if isinstance(value, bool) or len(value))
    env = jinja2.sandbox.ImmutableSandboxedEnvironment()
    return dict((var, env.from_string(template).render(**namespace))
                for var, template in credential_type["injectors"]["env"].items())


@pytest.fixture(scope="module")
def module_utils(collections_path):
    """The collection's module_utils (from the staged copy), for the environment variable names the
    argument specs fall back to and the default URLs."""
    if collections_path not in sys.path:
        sys.path.insert(0, collections_path)
    base = "ansible_collections.certops.orders.plugins.module_utils."
    return lambda name: importlib.import_module(base + name)


def test_every_file_is_a_credential_type():
    assert sorted(name for name in os.listdir(TYPES_DIR)) == ["edgecast.yml", "softlayer.yml"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schema_as_awx_validates_it(provider):
    ct = load(provider)
    assert set(ct) <= {"name", "description", "kind", "inputs", "injectors"}, set(ct)
    assert ct["kind"] == "cloud" and ct["name"] and "certops.orders" in ct["name"]
    assert set(ct["inputs"]) <= {"fields", "required"}
    fields = ct["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids)), ids
    for field in fields:
        assert set(field) <= FIELD_KEYS, field
        assert NAME.match(field["id"]) and field["id"] != "tower", field
        assert isinstance(field["label"], str) and field["label"], field
        assert field.get("type", "string") == "string", field
        assert isinstance(field.get("secret", False), bool), field
    expected = EXPECTED[provider]
    assert set(ct["inputs"]["required"]) == expected["required"]
    assert set(field["id"] for field in fields if field.get("secret")) == expected["secret"]
    # injectors: environment only, valid names, ASCII values, no Ansible configuration
    assert set(ct["injectors"]) == {"env"}
    for var, template in ct["injectors"]["env"].items():
        assert NAME.match(var) and not var.startswith("ANSIBLE_"), var
        assert template.isascii(), template
        # what AWX checks on save: every name a template uses is a field
        StrictEnv = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
        StrictEnv.from_string(template).render(dict((field_id, "EXAMPLE") for field_id in ids))
        used = jinja2.meta.find_undeclared_variables(StrictEnv.parse(template))
        assert len(used) == 1 and used <= set(ids), (var, used)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_injected_variables_are_the_ones_the_modules_read(provider, module_utils):
    """Each field goes to the first environment variable its module option falls back to, and each
    secret field is a no_log option."""
    ct = load(provider)
    spec = module_utils("_%s.client" % provider).connection_argument_spec()
    injected = {}
    for var, template in ct["injectors"]["env"].items():
        (field,) = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(template))
        injected[field] = var
    assert set(injected) == set(field["id"] for field in ct["inputs"]["fields"])
    for field, var in injected.items():
        fallback = spec[field]["fallback"]
        assert fallback[1][0] == var, (field, fallback)
    for field in EXPECTED[provider]["secret"]:
        assert spec[field].get("no_log") is True, field


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_empty_optional_field_injects_the_default(provider, module_utils):
    """AWX sets every injected variable, an empty field as ''; the modules need a URL there."""
    ct = load(provider)
    required = dict((field, "value-of-%s" % field) for field in EXPECTED[provider]["required"])
    for inputs in (required, dict(required, **dict((field, "") for field in EXPECTED[provider]["defaults"]))):
        env = render_env(ct, inputs)
        for field, (util, constant) in EXPECTED[provider]["defaults"].items():
            var = [v for v, t in ct["injectors"]["env"].items() if field in t][0]
            assert env[var] == getattr(module_utils(util), constant), (var, env[var])
    # and a value that is set wins
    set_all = dict(required, **dict((field, "https://gateway.example.net/") for field in EXPECTED[provider]["defaults"]))
    env = render_env(ct, set_all)
    assert sorted(v for v in env.values() if v == "https://gateway.example.net/") == ["https://gateway.example.net/"] * len(
        EXPECTED[provider]["defaults"])


SOFTLAYER_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Order with the credentials of the environment only
      certops.orders.softlayer_cert_order:
        common_name: "{{ cn }}.example.com"
        csr: "{{ csr }}"
        item_key_name: SSL_CERTIFICATE_RAPIDSSL_1_YEAR
        server_type: nginx
        approver_email: admin@example.com
        organization:
          name: Example Corp
          phone: "+1 555 0100"
          address: {line1: 1 Main St, city: Dallas, state: TX, postal_code: "75001", country_code: US}
        technical_contact: {first_name: Ada, last_name: Lovelace, title: Ops, email: ops@example.com, phone: "+1 555 0101"}
        journal_dir: "{{ journal }}"
      register: placed
    - name: Read it back
      certops.orders.softlayer_cert_order_status_info:
        common_name: "{{ cn }}.example.com"
      register: found
    - name: Keep the results for the test
      ansible.builtin.copy:
        content: "{{ {'placed': placed.order.id, 'found': found.orders | map(attribute='id') | list} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""

EDGECAST_PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Order with the credentials of the environment only
      certops.orders.edgecast_cert_order:
        label: "{{ cn }}"
        validation_type: DV
        dcv_method: DnsTxtToken
        domains: [{name: "{{ cn }}.example.com"}]
        journal_dir: "{{ journal }}"
      register: placed
    - name: Read it back
      certops.orders.edgecast_cert_order_status_info:
        label: "{{ cn }}"
      register: found
    - name: Keep the results for the test
      ansible.builtin.copy:
        content: "{{ {'placed': placed.certificate.id, 'found': found.certificates | map(attribute='id') | list} | to_json }}"
        dest: "{{ out }}"
        mode: "0600"
"""


def _isolate(monkeypatch, tmp_path):
    """No credential may reach the run but the injected ones: drop the provider variables of this
    process and give the run an empty HOME (no ~/.softlayer)."""
    for var in list(os.environ):
        if var.startswith(PROVIDER_PREFIXES):
            monkeypatch.delenv(var)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


def _inputs(provider, sandbox, secret_ok=True, ibm_cloud=False):
    v = sandbox.vars
    if provider == "softlayer":
        username, api_key = v["sandbox_softlayer_username"], v["sandbox_softlayer_api_key"]
        if ibm_cloud:
            username, api_key = v["sandbox_softlayer_ibm_cloud_api_key"]["username"], v["sandbox_softlayer_ibm_cloud_api_key"]["api_key"]
        return {"username": username, "api_key": api_key if secret_ok else "wrong-" + api_key,
                "endpoint_url": v["sandbox_softlayer_endpoint_url"]}
    return {"client_id": v["sandbox_edgecast_client_id"],
            "client_secret": v["sandbox_edgecast_client_secret"] if secret_ok else "wrong-secret",
            "api_url": v["sandbox_edgecast_api_url"], "ids_url": v["sandbox_edgecast_ids_url"]}


def _run(provider, sandbox, playbooks, tmp_path, env, cn):
    out = tmp_path / ("%s.json" % cn)
    extra = {"cn": cn, "journal": str(tmp_path / "journal"), "out": str(out)}
    if provider == "softlayer":
        extra["csr"] = sandbox.control("POST", "/csr", {"common_name": cn + ".example.com"})["csr"]
    play = playbooks.write("%s.yml" % cn, SOFTLAYER_PLAY if provider == "softlayer" else EDGECAST_PLAY)
    run = playbooks.run(play, extra, env=env)
    return run, (json.loads(out.read_text()) if out.exists() else None)


@pytest.mark.parametrize("provider,ibm_cloud", [("softlayer", False), ("softlayer", True), ("edgecast", False)],
                         ids=["softlayer", "softlayer-ibm-cloud-api-key", "edgecast"])
def test_a_job_with_the_injected_environment_orders_and_reads(provider, ibm_cloud, sandbox, playbooks, tmp_path, monkeypatch):
    _isolate(monkeypatch, tmp_path)
    ct = load(provider)
    inputs = _inputs(provider, sandbox, ibm_cloud=ibm_cloud)
    env = render_env(ct, inputs)
    assert set(env) == set(ct["injectors"]["env"])
    cn = "awx-%s%s-sbx-stall" % (provider, "-iam" if ibm_cloud else "")
    run, result = _run(provider, sandbox, playbooks, tmp_path, env, cn)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert result["found"] == [result["placed"]], result
    for field in EXPECTED[provider]["secret"]:
        assert inputs[field] not in output
    # the order reached the sandbox (the sandbox's own record, not the module's word)
    orders = sandbox.control("GET", "/orders/%s" % provider)
    assert [o["id"] for o in orders if o["id"] == result["placed"]] == [result["placed"]]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_secret_in_the_credential_fails_the_job(provider, sandbox, playbooks, tmp_path, monkeypatch):
    """The run above did not succeed thanks to some other source of credentials: the same run with
    a wrong secret in the credential is refused by the sandbox, and orders nothing."""
    _isolate(monkeypatch, tmp_path)
    env = render_env(load(provider), _inputs(provider, sandbox, secret_ok=False))
    before = len(sandbox.control("GET", "/orders/%s" % provider))
    run, result = _run(provider, sandbox, playbooks, tmp_path, env, "awx-%s-wrong-sbx-stall" % provider)
    output = run.stdout + run.stderr
    assert run.returncode != 0 and result is None, output
    # SoftLayer refuses the Basic credentials (401); the token service the client (OAuth 2.0: 400 invalid_client)
    assert {"softlayer": '"http_status": 401', "edgecast": '"provider_code": "invalid_client"'}[provider] in output, output
    assert len(sandbox.control("GET", "/orders/%s" % provider)) == before


def test_the_guide_names_what_the_files_hold():
    """docs/docsite/rst/guide_awx.rst repeats the names (the awx CLI commands spell them out), the
    fields and the variables of each file."""
    with open(os.path.join(ROOT, "docs", "docsite", "rst", "guide_awx.rst"), encoding="utf-8") as handle:
        guide = handle.read()
    for provider in PROVIDERS:
        ct = load(provider)
        assert '--name "%s"' % ct["name"] in guide, ct["name"]
        assert "extensions/awx/credential_types/%s.yml" % provider in guide
        for field in ct["inputs"]["fields"]:
            shown = "**%s**" % field["id"] if field["id"] in ct["inputs"]["required"] else field["id"]
            assert shown in guide, shown
        for var in ct["injectors"]["env"]:
            assert "``%s``" % var in guide, var
