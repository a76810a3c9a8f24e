"""R4 TLS: verification is on by default (the sandbox's throwaway CA is refused without ``ca_path``
and trusted with it), and ``validate_certs: false`` works but warns, for every module."""

import json
import os

import pytest

from certops_sandbox.harness import Playbooks, SandboxProcess, cleanup, workdir

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOK = os.path.join(HERE, "playbooks", "r4_tls.yml")
MODULES = ["sl_info", "sl_order", "ec_info", "ec_order"]


@pytest.fixture(scope="module")
def r4(collections_path, tmp_path_factory):
    """One TLS sandbox, one playbook run: the registered results and the sandbox's orders."""
    box = SandboxProcess(workdir("certops-reliability-"), tls=True).start()
    try:
        tmp = tmp_path_factory.mktemp("r4")
        out = str(tmp / "results.json")
        proc = Playbooks(collections_path, str(tmp), box).run(PLAYBOOK, {"r4_out": out}, timeout=600)
        assert os.path.exists(out), "the playbook did not finish:\n%s\n%s" % (proc.stdout[-4000:], proc.stderr[-2000:])
        with open(out, encoding="utf-8") as handle:
            results = json.load(handle)
        yield {"results": results, "proc": proc, "info": box.info,
               "orders": {p: box.control("GET", "/orders/%s" % p) for p in ("softlayer", "edgecast")}}
    finally:
        box.stop()
        cleanup(box.workdir)


def insecure_warnings(result):
    return [w for w in result.get("warnings") or [] if "validate_certs is false" in w and "not verified" in w]


def test_sandbox_serves_https(r4):
    """The sandbox under test really is HTTPS with its own CA."""
    assert r4["info"]["url"].startswith("https://")
    assert r4["info"]["ca_path"] and os.path.exists(r4["info"]["ca_path"])


@pytest.mark.parametrize("module", MODULES)
def test_verification_on_by_default(r4, module):
    """Without ca_path the module refuses the sandbox's certificate and says why."""
    result = r4["results"][module + "_default"]
    assert result.get("failed") is True, result
    msg = result.get("msg", "")
    assert "TLS verification failed" in msg, msg
    assert "CERTIFICATE_VERIFY_FAILED" in msg or "certificate verify failed" in msg, msg
    assert "ca_path" in msg and "validate_certs" in msg, msg
    assert not insecure_warnings(result), result.get("warnings")


@pytest.mark.parametrize("module", MODULES)
def test_ca_path_trusts_the_sandbox(r4, module):
    """With ca_path the same call succeeds, and without the insecure warning."""
    result = r4["results"][module + "_ca"]
    assert not result.get("failed"), result.get("msg")
    assert not insecure_warnings(result), result.get("warnings")


@pytest.mark.parametrize("module", MODULES)
def test_validate_certs_false_warns(r4, module):
    """validate_certs=false succeeds and warns in the result that the certificate is not verified."""
    result = r4["results"][module + "_insecure"]
    assert not result.get("failed"), result.get("msg")
    assert len(insecure_warnings(result)) == 1, result.get("warnings")


def test_refused_tls_ordered_nothing(r4):
    """The failed runs placed nothing: exactly the one order of the insecure run exists, and the verified
    re-run found it instead of ordering again."""
    results = r4["results"]
    sl = r4["orders"]["softlayer"]
    ec = r4["orders"]["edgecast"]
    assert [o["commonName"] for o in sl] == ["r4-tls.example.com"], sl
    assert [o["certificate_label"] for o in ec] == ["r4-tls"], ec
    assert results["sl_order_insecure"]["changed"] is True
    assert results["sl_order_ca"]["changed"] is False
    assert results["sl_order_ca"]["order"]["id"] == sl[0]["id"] == results["sl_order_insecure"]["order"]["id"]
    assert results["ec_order_insecure"]["changed"] is True
    assert results["ec_order_ca"]["changed"] is False
    assert results["ec_order_ca"]["certificate"]["id"] == ec[0]["id"] == results["ec_order_insecure"]["certificate"]["id"]
