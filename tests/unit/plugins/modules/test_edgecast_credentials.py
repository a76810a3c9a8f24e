# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Edgecast credentials are not required by the argument spec (module_defaults and the environment
supply them, which linters cannot see), so the modules check them before any request, naming both the
options and the environment variables."""

from urllib.parse import parse_qs

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.certops.orders.plugins.doc_fragments._edgecast import ModuleDocFragment
from ansible_collections.certops.orders.plugins.module_utils._edgecast.client import connection_argument_spec
from ansible_collections.certops.orders.plugins.module_utils._edgecast.provider import info_module_args, order_module_args
from ansible_collections.certops.orders.plugins.modules import edgecast_cert_order, edgecast_cert_order_status_info

API = "https://api.test"
IDS = "https://ids.test"
TOKEN_URL = IDS + "/connect/token"
RUNS = {
    "order": (edgecast_cert_order.main, {"label": "cdn_example_com"}),
    "info": (edgecast_cert_order_status_info.main, {"label": "cdn_example_com"}),
}


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch):
    for name in ("EDGECAST_CLIENT_ID", "EDGECAST_CLIENT_SECRET", "EDGECAST_API_URL", "EDGECAST_IDS_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("module", sorted(RUNS))
def test_missing_credentials_fail_before_any_request_naming_options_and_environment(http, run_module, module):
    main, args = RUNS[module]
    ok, result = run_module(main, dict(args, api_url=API, ids_url=IDS))
    assert not ok and result["changed"] is False
    assert result["msg"] == (
        "missing client_id and client_secret: set the module option(s) (for every task at once with module_defaults "
        "for group/certops.orders.edgecast) or the environment (EDGECAST_CLIENT_ID / EDGECAST_CLIENT_SECRET)")
    assert len(http.calls) == 0


@pytest.mark.parametrize("given, missing, variable", [
    ({"client_id": "ci-client"}, "client_secret", "EDGECAST_CLIENT_SECRET"),
    ({"client_secret": "s3cr3t-value"}, "client_id", "EDGECAST_CLIENT_ID"),
])
def test_one_missing_credential_is_named_alone(http, run_module, given, missing, variable):
    main, args = RUNS["order"]
    ok, result = run_module(main, dict(args, api_url=API, ids_url=IDS, **given))
    assert not ok
    assert result["msg"].startswith("missing %s: " % missing) and result["msg"].endswith("(%s)" % variable)
    assert "s3cr3t-value" not in str(result)
    assert len(http.calls) == 0


def test_an_empty_credential_is_still_refused_as_empty(http, run_module):
    main, args = RUNS["info"]
    ok, result = run_module(main, dict(args, api_url=API, ids_url=IDS, client_id=" ", client_secret="s3cr3t-value"))
    assert not ok and result["msg"] == "client_id must not be empty"
    assert len(http.calls) == 0


def test_the_environment_supplies_the_credentials(http, run_module, monkeypatch):
    """With both variables set and no option, the module gets as far as the token request, which
    carries the environment's client id (the token service refuses it here, ending the task)."""
    monkeypatch.setenv("EDGECAST_CLIENT_ID", "env-client")
    monkeypatch.setenv("EDGECAST_CLIENT_SECRET", "env-secret")
    http.post(TOKEN_URL, status=400, json={"error": "invalid_client"})
    main, args = RUNS["info"]
    ok, result = run_module(main, dict(args, api_url=API, ids_url=IDS, retries=0))
    assert not ok and "missing" not in result["msg"] and "invalid_client" in str(result)
    sent = parse_qs(http.calls[0].request.body)
    assert sent["client_id"] == ["env-client"] and sent["client_secret"] == ["env-secret"]
    assert "env-secret" not in str(result)


def test_docs_and_argument_spec_agree_that_the_credentials_are_not_required():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    spec = connection_argument_spec()
    for name in ("client_id", "client_secret"):
        assert not options[name].get("required") and not spec[name].get("required")
    assert spec["client_secret"]["no_log"] is True


@pytest.mark.parametrize("module_args", [order_module_args, info_module_args])
def test_a_task_without_credentials_passes_argument_validation(module_args):
    """What a linter's module-argument check (ansible-lint's args rule) sees of a task whose credentials come
    from module_defaults or the environment: the task's own options only, which must validate."""
    spec = module_args()
    validator = ArgumentSpecValidator(spec["argument_spec"], mutually_exclusive=spec.get("mutually_exclusive"))
    result = validator.validate({"label": "cdn_example_com"})
    assert result.error_messages == []
