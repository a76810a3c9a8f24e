"""R3: no secret appears in the output of a playbook run at -vvvv, in results, warnings or exceptions.

The demo (``playbooks/demo.yml``, all four modules) and ``playbooks/r3_secret_failures.yml`` (wrong credentials,
provider errors, a wait through injected ``expired_token`` faults, errors on SoftLayer calls, and
``echo_request`` faults: errors whose text repeats the request's ``Authorization`` header and body) run at
``-vvvv`` against a sandbox with a state file, through ``RecordingProxy`` (a transparent proxy that keeps every
bearer token the token service issues and every ``Authorization`` header presented). The combined stdout and
stderr of both runs and the dumped results are then searched for every form of every credential: the SoftLayer
API keys (right, wrong and the echoed one) raw, URL-encoded and form-encoded, the HTTP Basic header values, the
Edgecast client secrets (right, wrong, echoed and the scope-less client's) raw, URL-encoded and form-encoded,
and every issued bearer token. The test first proves the secrets are real, were used and were echoed, so the
search can fail.

The sandbox keeps tokens only in its state (``store.data["edgecast"]["tokens"]``, not in the control API)
and drops expired ones when it issues the next, so the proxy is the complete record; the state file's tokens
must be a subset of it.
"""

import base64
import json
import os
import secrets
import urllib.parse

import pytest

from certops_sandbox.harness import ROOT, Playbooks, SandboxProcess, cleanup, workdir
from http_fakes import RecordingProxy

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(ROOT, "playbooks", "demo.yml")
FAILURES = os.path.join(HERE, "playbooks", "r3_secret_failures.yml")


def _basic(user, password):
    return base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


@pytest.fixture(scope="module")
def r3_runs(collections_path, tmp_path_factory):
    """Both playbooks at -vvvv through the recording proxy; the outputs, results, secrets and sandbox records."""
    tmp = str(tmp_path_factory.mktemp("r3"))
    where = workdir("certops-reliability-r3-")
    box = SandboxProcess(where, state_file=os.path.join(where, "state.json"))
    try:
        box.start()
        with RecordingProxy(box.info["url"]) as proxy:
            routed = {"sandbox_softlayer_endpoint_url": proxy.url + "/rest/v3.1/",
                      "sandbox_edgecast_api_url": proxy.url, "sandbox_edgecast_ids_url": proxy.url}
            # the echoed credentials hold characters that URL encoding, form encoding and base64 each change
            extra = dict(routed, r3_wrong_api_key="wrong-sl-key-" + secrets.token_hex(16),
                         r3_wrong_client_secret="wrong-ec-secret-" + secrets.token_hex(16),
                         r3_echo_api_key="echo-sl-k3y+/ &=" + secrets.token_hex(16),
                         r3_echo_client_secret="echo-ec-s3cr+t/ &=" + secrets.token_hex(16),
                         r3_suffix=secrets.token_hex(4), r3_results_path=os.path.join(tmp, "r3-results.json"))
            books = Playbooks(collections_path, tmp, box)
            demo = books.run(DEMO, extra_vars=routed, verbosity=4, timeout=600)
            failures = books.run(FAILURES, extra_vars=extra, verbosity=4, timeout=600)
            for name, proc in (("demo", demo), ("failures", failures)):  # kept in the pytest tmp dir to look at
                with open(os.path.join(tmp, "r3-%s-output.txt" % name), "w", encoding="utf-8") as handle:
                    handle.write(proc.stdout + proc.stderr)
            issued = list(proxy.issued_tokens)
            presented = proxy.presented_bearers()
            basic_headers = sorted({r["authorization"] for r in proxy.requests
                                    if (r["authorization"] or "").startswith("Basic ")})
        with open(box.state_file, encoding="utf-8") as handle:
            state_tokens = sorted(json.load(handle)["edgecast"]["tokens"])
        results_text = ""
        if os.path.exists(extra["r3_results_path"]):
            with open(extra["r3_results_path"], encoding="utf-8") as handle:
                results_text = handle.read()
        v = box.vars
        secret_values = {
            "softlayer api_key": v["sandbox_softlayer_api_key"],
            "softlayer Basic header value": _basic(v["sandbox_softlayer_username"], v["sandbox_softlayer_api_key"]),
            "softlayer wrong api_key": extra["r3_wrong_api_key"],
            "softlayer wrong Basic header value": _basic(v["sandbox_softlayer_username"], extra["r3_wrong_api_key"]),
            "edgecast client_secret": v["sandbox_edgecast_client_secret"],
            "edgecast client Basic value": _basic(v["sandbox_edgecast_client_id"], v["sandbox_edgecast_client_secret"]),
            "edgecast scope-less client_secret": v["sandbox_edgecast_forbidden_client_secret"],
            "edgecast wrong client_secret": extra["r3_wrong_client_secret"],
            "softlayer echoed api_key": extra["r3_echo_api_key"],
            "softlayer echoed Basic header value": _basic(v["sandbox_softlayer_username"], extra["r3_echo_api_key"]),
            "edgecast echoed client_secret": extra["r3_echo_client_secret"],
            "edgecast echoed client Basic value": _basic(v["sandbox_edgecast_client_id"], extra["r3_echo_client_secret"]),
        }
        for label in [label for label in secret_values if label.endswith(("api_key", "client_secret"))]:
            secret_values[label + " URL-encoded"] = urllib.parse.quote(secret_values[label])
            secret_values[label + " URL-encoded, '/' too"] = urllib.parse.quote(secret_values[label], safe="")
            secret_values[label + " form-encoded"] = urllib.parse.quote_plus(secret_values[label])
        for index, token in enumerate(sorted(set(issued) | set(state_tokens))):
            secret_values["edgecast bearer token #%d" % index] = token
        yield {
            "demo": demo, "failures": failures, "results_text": results_text, "secrets": secret_values,
            "issued": issued, "presented": presented, "state_tokens": state_tokens, "basic_headers": basic_headers,
            "requests": box.control("GET", "/requests")["requests"], "vars": v, "extra": extra,
            "outputs": {"demo.yml -vvvv": demo.stdout + demo.stderr,
                        "r3_secret_failures.yml -vvvv": failures.stdout + failures.stderr,
                        "r3_secret_failures.yml registered results": results_text},
        }
    finally:
        box.stop()
        cleanup(box.workdir)


def test_runs_completed(r3_runs):
    """Both playbooks ran to the end (their failure cases use ignore_errors) and dumped their results."""
    for name in ("demo", "failures"):
        proc = r3_runs[name]
        assert proc.returncode == 0, "%s failed (rc %s):\n%s" % (name, proc.returncode, (proc.stdout + proc.stderr)[-5000:])
    assert r3_runs["results_text"], "the failure playbook dumped no results"


def test_failure_cases_failed_as_intended(r3_runs):
    """Each failure case took the path it is there for, so its output is in the grep."""
    results = json.loads(r3_runs["results_text"])
    assert results["sl_wrong_key"]["failed"] and results["sl_wrong_key"]["http_status"] == 401
    assert results["sl_500"]["failed"] and results["sl_500"]["http_status"] == 500 and results["sl_500"]["attempts"] == 2
    assert results["sl_expired"]["failed"] and results["sl_expired"]["http_status"] == 401
    assert results["sl_refused"]["failed"] and results["sl_refused"]["provider_code"] == "SoftLayer_Exception_Order"
    assert results["ec_wrong_secret"]["failed"] and results["ec_wrong_secret"]["provider_code"] == "invalid_client"
    assert results["ec_forbidden"]["failed"] and results["ec_forbidden"]["http_status"] == 403
    assert not results["ec_create"].get("failed") and results["ec_create"].get("warnings"), results["ec_create"]
    assert not results["ec_wait"].get("failed"), results["ec_wait"]
    assert results["ec_wait"]["certificates"][0]["status"] == "DomainControlValidation"
    fired = {(r["kind"], r["path"]): r["fired"] for r in results["faults_after_wait"]["rules"]}
    assert all(count == 1 for count in fired.values()), fired
    assert results["ec_wait_expired"]["failed"] and results["ec_wait_expired"]["http_status"] == 401
    # the echoes: each error repeated the request, and what came back is masked
    echo = results["sl_echo"]
    assert echo["failed"] and echo["http_status"] == 500 and "Authorization: Basic ********;" in echo["msg"], echo
    echo = results["ec_echo_token"]
    assert echo["failed"] and echo["provider_code"] == "invalid_request" and "client_secret=********" in echo["msg"], echo
    echo = results["ec_echo_bearer"]
    assert echo["failed"] and echo["http_status"] == 500 and "Authorization: Bearer ********;" in echo["msg"], echo


def test_secrets_are_real_and_were_used(r3_runs):
    """The searched values are the ones the runs sent: a search for a wrong or empty value could not fail."""
    for label, value in r3_runs["secrets"].items():
        assert isinstance(value, str) and len(value) >= 8, "%s is not a usable search string: %r" % (label, value)
    v = r3_runs["vars"]
    assert r3_runs["secrets"]["softlayer Basic header value"] in [h.split(" ", 1)[1] for h in r3_runs["basic_headers"]]
    assert r3_runs["secrets"]["softlayer wrong Basic header value"] in [h.split(" ", 1)[1] for h in r3_runs["basic_headers"]]
    log = r3_runs["requests"]
    sl_ok = [r for r in log if r["provider"] == "softlayer" and 200 <= r["status"] < 300]
    assert len(sl_ok) >= 10, "too few authenticated SoftLayer calls: %d" % len(sl_ok)
    assert any(r["provider"] == "softlayer" and r["status"] == 401 for r in log)
    token_ok = [r for r in log if r["path"] == "/connect/token" and r["status"] == 200]
    token_refused = [r for r in log if r["path"] == "/connect/token" and r["status"] == 400]
    assert len(token_refused) >= 1, "the wrong client secret never reached the token service"
    issued = r3_runs["issued"]
    assert len(issued) == len(token_ok) and len(set(issued)) == len(issued), (len(issued), len(token_ok))
    assert len(issued) >= 5, "expected new tokens after each expiry, got %d" % len(issued)
    assert set(r3_runs["state_tokens"]) <= set(issued), "the sandbox holds tokens the proxy did not see"
    presented = r3_runs["presented"]
    assert presented and set(presented) <= set(issued), "bearer tokens presented that the proxy did not see issued"
    cps_ok = [r for r in log if r["path"].startswith("/sec/cps/") and 200 <= r["status"] < 300]
    assert len(cps_ok) >= 10, "too few authenticated CPS calls: %d" % len(cps_ok)
    expired = [r for r in log if r.get("fault") == "expired_token" and r["status"] == 401]
    assert len(expired) >= 4, "the expired_token faults did not fire: %s" % expired
    assert v["sandbox_edgecast_client_secret"] != v["sandbox_edgecast_forbidden_client_secret"]
    echoed = [r for r in log if r.get("fault") == "echo_request"]
    assert [(r["provider"], r["status"]) for r in echoed] == [("softlayer", 500), ("edgecast", 400), ("edgecast", 500)], echoed
    assert r3_runs["secrets"]["softlayer echoed Basic header value"] in [h.split(" ", 1)[1] for h in r3_runs["basic_headers"]]
    extra = r3_runs["extra"]
    for value in (extra["r3_echo_api_key"], extra["r3_echo_client_secret"]):  # the encodings differ from the raw value
        assert len({value, urllib.parse.quote(value), urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}) == 4


@pytest.mark.parametrize("where", ["demo.yml -vvvv", "r3_secret_failures.yml -vvvv",
                                   "r3_secret_failures.yml registered results"])
def test_no_secret_in_output(r3_runs, where):
    """No secret, Basic header value or bearer token appears in the output or the results."""
    text = r3_runs["outputs"][where]
    v = r3_runs["vars"]
    if where.endswith("-vvvv"):
        # the search looks at the real -vvvv output of all four modules, run through the recording proxy
        assert "<localhost> EXEC" in text, "not -vvvv output"
        for module in ("softlayer_cert_order", "softlayer_cert_order_status_info", "edgecast_cert_order",
                       "edgecast_cert_order_status_info"):
            assert "AnsiballZ_%s.py" % module in text, "%s did not run" % module
        assert r3_runs["extra"]["sandbox_edgecast_api_url"] in text
    else:
        assert v["sandbox_edgecast_client_id"] in text and "http_url" in text, "not the registered results"
    found = []
    for label, value in r3_runs["secrets"].items():
        at = text.find(value)
        if at >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            found.append("%s in line: %s" % (label, text[line_start:line_end if line_end >= 0 else None][:400]))
    assert not found, "secrets in %s:\n%s" % (where, "\n".join(found))
