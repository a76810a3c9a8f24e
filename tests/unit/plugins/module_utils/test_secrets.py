# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No credential leaves a task, in any form, whatever the provider echoes back.

The module tests run a module in-process against a hostile provider over real HTTP on 127.0.0.1
whose error bodies echo what the client sent: the ``Authorization`` header (HTTP Basic, or the bearer
token it issued a moment before), the token request's form body, and the credentials decoded from
them. Before the redaction in the HTTP seam, every one of these forms came back in ``msg`` and
``provider_message`` of the failed task, and only the raw option values were in the module's
``no_log_values`` (the set Ansible masks its output with).
"""

import base64
import json
import secrets
import threading
from urllib.parse import parse_qs, quote, quote_plus

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.module_utils.testing import patch_module_args

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._http import ApiError, HttpClient, RetryPolicy, Secrets
from ansible_collections.certops.orders.plugins.module_utils._runner import (
    CreateCall,
    create_once,
    http_client,
    secrets_of,
    send_once,
    transport_argument_spec,
)
from ansible_collections.certops.orders.plugins.module_utils._runner import warn as runner_warn
from ansible_collections.certops.orders.plugins.modules import edgecast_cert_order as ec_order_module
from ansible_collections.certops.orders.plugins.modules import edgecast_cert_order_status_info as ec_info_module
from ansible_collections.certops.orders.plugins.modules import softlayer_cert_order_status_info as sl_info_module
from ansible_collections.certops.orders.tests.unit.plugins.hostile import Answer, Hostile
from ansible_collections.certops.orders.tests.unit.plugins.support import Exit, Fail

SL_USER = "SL-user"
# characters that URL encoding, form encoding and base64 each turn into something else
SL_KEY = "sl-k3y+/ &=" + secrets.token_hex(8)
EC_ID = "ec-client"
EC_SECRET = "ec-s3cr+t/ &=" + secrets.token_hex(8)
EC_TOKEN = "tok." + secrets.token_hex(16)


def basic_value(user, key):
    return base64.b64encode(("%s:%s" % (user, key)).encode()).decode()


SL_FORMS = {"api_key": SL_KEY, "Basic header value": basic_value(SL_USER, SL_KEY), "URL-encoded api_key": quote(SL_KEY),
            "form-encoded api_key": quote_plus(SL_KEY)}
EC_SECRET_FORMS = {"client_secret": EC_SECRET, "URL-encoded client_secret": quote(EC_SECRET),
                   "form-encoded client_secret": quote_plus(EC_SECRET)}


class Ran:
    """The module instances a test ran, their results and their warnings."""

    def __init__(self):
        self.modules = []
        self.warnings = []

    def no_log_values(self):
        assert len(self.modules) == 1
        return self.modules[0].no_log_values


@pytest.fixture
def ran(monkeypatch):
    seen = Ran()

    def exit_json(self, **kwargs):
        seen.modules.append(self)
        raise Exit(kwargs)

    def fail_json(self, **kwargs):
        seen.modules.append(self)
        raise Fail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: seen.warnings.append(msg))
    return seen


def run(main, args):
    with patch_module_args(args):
        with pytest.raises((Exit, Fail)) as outcome:
            main()
    return outcome.type is Exit, outcome.value.args[0]


def leaks(text, forms):
    return sorted(label for label, value in forms.items() if value in text)


def echoed(double):
    """Everything the double sent back, so that a test can show the secrets really were echoed."""
    return "".join(a.body.decode("utf-8") for a in double.answers)


# -- SoftLayer: the Basic header and the key decoded from it -------------------------------------------
def softlayer_echo(as_json):
    def answer(request):
        header = request.headers.get("Authorization", "")
        pair = base64.b64decode(header.split(" ", 1)[1]).decode() if header.startswith("Basic ") else ""
        key = pair.split(":", 1)[-1]
        text = "Access denied. Authorization: %s; credentials %s; key %s / %s" % (header, pair, quote(key), quote_plus(key))
        if as_json:
            # a coded business-rule 500: final at once
            return Answer(500, {"error": text, "code": "SoftLayer_Exception_Public", "headers": request.headers})
        return Answer(500, ("<html><body><pre>%s</pre></body></html>" % text).encode())

    return answer


@pytest.mark.parametrize("as_json", [True, False], ids=["json-error", "html-error"])
def test_a_softlayer_error_echoing_the_basic_header_leaks_no_form_of_the_key(ran, as_json):
    with Hostile(softlayer_echo(as_json)) as double:
        ok, result = run(sl_info_module.main, dict(username=SL_USER, api_key=SL_KEY, endpoint_url=double.url, order_id=1,
                                                   retries=0))
    assert set(leaks(echoed(double), SL_FORMS)) == set(SL_FORMS), "the double did not echo the secrets"
    assert not ok and result["http_status"] == 500 and "Access denied. Authorization: Basic ********" in result["msg"]
    text = json.dumps(result) + json.dumps(ran.warnings)
    assert leaks(text, SL_FORMS) == [], text
    assert set(SL_FORMS.values()) <= ran.no_log_values()


# -- Edgecast: the token request's form body, and the bearer token it issued ---------------------------
def token_refused(request):
    if request.path.startswith("/connect/token"):
        form = request.body.decode()
        secret = parse_qs(form)["client_secret"][0]
        return Answer(400, {"error": "invalid_request",
                            "error_description": "cannot read %s; client_secret %s (%s)" % (form, secret, quote(secret))})
    return Answer(404, {"error": "unexpected request"})


def test_a_token_error_echoing_the_form_body_leaks_no_form_of_the_client_secret(ran):
    with Hostile(token_refused) as double:
        ok, result = run(ec_info_module.main, dict(client_id=EC_ID, client_secret=EC_SECRET, api_url=double.url,
                                                   ids_url=double.url, retries=0))
    assert double.paths() == ["/connect/token"]
    assert set(leaks(echoed(double), EC_SECRET_FORMS)) == set(EC_SECRET_FORMS), "the double did not echo the secrets"
    assert not ok and result["http_status"] == 400 and result["provider_code"] == "invalid_request"
    assert "client_secret=********" in result["msg"] and "client_secret ******** (********)" in result["provider_message"]
    text = json.dumps(result) + json.dumps(ran.warnings)
    assert leaks(text, EC_SECRET_FORMS) == [], text
    assert set(EC_SECRET_FORMS.values()) <= ran.no_log_values()


def bearer_echo(request):
    if request.path.startswith("/connect/token"):
        return Answer(200, {"access_token": EC_TOKEN, "token_type": "Bearer", "expires_in": 300})
    return Answer(500, {"@type": "Error", "code": "internal_error", "status_code": 500, "title": "Internal Error",
                        "description": "request was %s %s with headers %s" % (
                            request.method, request.path, json.dumps(request.headers))})


def test_a_cps_error_echoing_the_bearer_token_leaks_neither_the_token_nor_the_secret(ran):
    forms = dict(EC_SECRET_FORMS, **{"bearer token": EC_TOKEN})
    with Hostile(bearer_echo) as double:
        ok, result = run(ec_order_module.main, dict(client_id=EC_ID, client_secret=EC_SECRET, api_url=double.url,
                                                    ids_url=double.url, retries=0, label="echo"))
    assert double.paths() == ["/connect/token", "/sec/cps/v2.0/certificates"]
    assert EC_TOKEN in echoed(double), "the double did not echo the token"
    assert not ok and result["http_status"] == 500 and "Bearer ********" in result["msg"]
    text = json.dumps(result) + json.dumps(ran.warnings)
    assert leaks(text, forms) == [], text
    assert set(forms.values()) <= ran.no_log_values()


# -- credentials in a URL option --------------------------------------------------------------------------
PASSWORD = "url-pw-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def idle_double():
    """A provider no test here should reach (one for all of them: each stop costs half a second)."""
    with Hostile(lambda request: Answer(500, {"error": "no request was expected"})) as double:
        yield double


@pytest.mark.parametrize("userinfo", ["someone:%s@" % PASSWORD, "someone@", ":%s@" % PASSWORD],
                         ids=["user-and-password", "user", "password"])
@pytest.mark.parametrize("provider, option", [("softlayer", "endpoint_url"), ("edgecast", "api_url"),
                                              ("edgecast", "ids_url")])
def test_a_url_option_with_user_info_is_refused_before_any_request(ran, idle_double, provider, option, userinfo):
    # before, the request went out: requests sent the URL's user info as HTTP Basic credentials in place
    # of the bearer token (Edgecast), or dropped it without a word (SoftLayer: the configured key won)
    double = idle_double
    url = double.url.replace("http://", "http://" + userinfo)
    if provider == "softlayer":
        main, args = sl_info_module.main, dict(username=SL_USER, api_key=SL_KEY, endpoint_url=url, order_id=1,
                                               retries=0)
    else:
        main, args = ec_info_module.main, dict(client_id=EC_ID, client_secret=EC_SECRET, api_url=double.url,
                                               ids_url=double.url, retries=0)
        args[option] = url
    ok, result = run(main, args)
    assert double.requests == []
    assert not ok and result["msg"].startswith("%s must not contain user info" % option), result["msg"]
    expected = "username and api_key" if provider == "softlayer" else "client_id and client_secret"
    assert "put credentials in %s, not in the URL" % expected in result["msg"]
    assert PASSWORD not in json.dumps(result) and "someone" not in json.dumps(result)
    if PASSWORD in userinfo:
        assert PASSWORD in ran.no_log_values()  # Ansible masks it where it shows the options (-vvvv)


# ids that do not hold the (random) password: xdist workers must collect the same test names
@pytest.mark.parametrize("value", ["ftp://someone:%s@files.example.test/" % PASSWORD, "someone:%s@api.example.test" % PASSWORD],
                         ids=["ftp-url", "no-scheme"])
def test_a_url_option_that_is_no_http_url_is_refused_without_echoing_a_password(ran, value):
    # before, the message quoted the whole value
    ok, result = run(ec_info_module.main, dict(client_id=EC_ID, client_secret=EC_SECRET, api_url=value,
                                               ids_url="https://ids.example.test"))
    assert not ok and result["msg"].startswith("api_url must")
    assert PASSWORD not in json.dumps(result)


# older ansible-core adds the module's arguments to its output always, newer when the controller asks for them
INVOCATION = {"_ansible_inject_invocation": True} if "inject_invocation" in PASS_VARS else {}


def test_the_real_ansible_output_masks_the_echo_and_the_url_password(monkeypatch, capsys):
    """Without patched exits: the JSON Ansible prints, ``invocation`` (the module's arguments) included.
    Before, Ansible masked the raw key only: the Basic header value and the encoded keys were printed,
    and so was the password in the URL option."""
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: None)
    outputs = []
    with Hostile(softlayer_echo(True)) as double:
        for endpoint in (double.url, double.url.replace("http://", "http://someone:%s@" % PASSWORD)):
            with patch_module_args(dict(INVOCATION, username=SL_USER, api_key=SL_KEY, endpoint_url=endpoint, order_id=1,
                                        retries=0)):
                with pytest.raises(SystemExit):
                    sl_info_module.main()
            outputs.append(json.loads(capsys.readouterr().out))
    echo, refused = outputs
    assert echo["failed"] and echo["http_status"] == 500 and "Basic ********" in echo["msg"]
    assert refused["failed"] and "must not contain user info" in refused["msg"] and len(double.requests) == 1
    assert "someone:********@" in refused["invocation"]["module_args"]["endpoint_url"]
    text = json.dumps(outputs)
    assert leaks(text, dict(SL_FORMS, password=PASSWORD)) == [], text


# -- the registry and the redaction (before, there was neither: every text went out as the provider sent it) ---
def test_each_registered_form_of_a_secret_is_redacted():
    registry = Secrets()
    registry.register(EC_SECRET)
    for form in (EC_SECRET, quote(EC_SECRET), quote(EC_SECRET, safe=""), quote_plus(EC_SECRET)):
        assert registry.redact("before %s after" % form) == "before ******** after", form
    assert registry.redact(json.dumps({"echo": 'say "%s"' % "q\"uote"})) == json.dumps({"echo": 'say "%s"' % "q\"uote"})
    registry.register('q"uote\\')
    assert registry.redact(json.dumps({"echo": 'q"uote\\'})) == json.dumps({"echo": "********"})  # JSON-escaped


def test_the_basic_header_value_of_a_pair_is_redacted_and_so_is_the_key_alone():
    registry = Secrets()
    registry.register_basic(SL_USER, SL_KEY)
    header = "Authorization: Basic %s" % basic_value(SL_USER, SL_KEY)
    assert registry.redact(header) == "Authorization: Basic ********"
    assert registry.redact("key=%s" % quote_plus(SL_KEY)) == "key=********"
    latin = Secrets()
    latin.register_basic("user", "kéy")  # requests sends latin-1, other clients UTF-8: both are known
    for encoding in ("latin-1", "utf-8"):
        assert latin.redact(base64.b64encode("user:kéy".encode(encoding)).decode()) == "********"


def test_a_bearer_token_is_redacted_everywhere_in_a_json_like_value():
    registry = Secrets()
    registry.register(EC_TOKEN)
    body = {"headers": {"Authorization": "Bearer " + EC_TOKEN}, EC_TOKEN: [EC_TOKEN, ("x", EC_TOKEN)], "n": 5, "z": None}
    assert registry.redact(body) == {"headers": {"Authorization": "Bearer ********"},
                                     "********": ["********", ("x", "********")], "n": 5, "z": None}


def test_the_longest_form_is_replaced_first_so_no_tail_of_a_secret_remains():
    registry = Secrets()
    registry.register("abc123")
    registry.register("abc123-longer-secret")
    assert registry.redact("x abc123-longer-secret y abc123 z") == "x ******** y ******** z"


def test_registration_feeds_the_sink_once_per_new_form_and_ignores_empty_values():
    fed = []
    registry = Secrets(sink=fed.append)
    registry.register("", None)
    assert fed == [] and registry.forms == frozenset() and registry.redact("text") == "text"
    registry.register("a b")
    registry.register("a b")
    assert fed == [{"a b", "a%20b", "a+b"}] and registry.forms == {"a b", "a%20b", "a+b"}


def test_registration_from_many_threads_loses_nothing():
    registry = Secrets()
    values = ["token-%03d-%s" % (i, secrets.token_hex(4)) for i in range(200)]
    barrier = threading.Barrier(8)

    def worker(part):
        barrier.wait()
        for value in part:
            registry.register(value)

    threads = [threading.Thread(target=worker, args=(values[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert registry.redact(" ".join(values)) == " ".join(["********"] * len(values))


def test_a_non_json_error_page_is_redacted_before_it_is_cut(http):
    # the snippet keeps 200 characters: a token starting at 195, cut first, left a prefix no redaction knows
    page = "<html>" + "x" * 189 + EC_TOKEN + "</html>"
    http.get("https://api.example.test/x", status=502, body=page)
    seam = HttpClient("https://api.example.test/", retry=RetryPolicy(retries=0))
    seam.secrets.register(EC_TOKEN)
    with pytest.raises(ApiError) as err:
        seam.get("x")
    assert EC_TOKEN[:5] not in str(err.value) and str(err.value).endswith("x" * 189 + "*****")


def test_every_text_of_a_provider_error_is_redacted(http):
    echo = "Bearer " + EC_TOKEN
    http.get("https://api.example.test/x", status=400, json={"code": "bad_" + EC_TOKEN, "title": echo, "more": [echo]})
    seam = HttpClient("https://api.example.test/", retry=RetryPolicy(retries=0))
    seam.secrets.register(EC_TOKEN)
    with pytest.raises(ApiError) as err:
        seam.get("x")
    exc = err.value
    assert exc.code == "bad_********" and exc.provider_message == "Bearer ********"
    assert exc.body == {"code": "bad_********", "title": "Bearer ********", "more": ["Bearer ********"]}
    assert EC_TOKEN not in str(exc) and EC_TOKEN not in repr(exc.args) and EC_TOKEN not in json.dumps(exc.to_result())


# -- the runners' gates --------------------------------------------------------------------------------------
def module_with(**params):
    spec = dict(transport_argument_spec(), api_key=dict(type="str", no_log=True))
    with patch_module_args(params):
        return basic.AnsibleModule(argument_spec=spec)


def test_the_module_registry_starts_with_the_no_log_options_and_feeds_no_log_values(ran):
    module = module_with(api_key=SL_KEY)
    registry = secrets_of(module)
    assert secrets_of(module) is registry
    assert registry.redact(quote_plus(SL_KEY)) == "********" and quote_plus(SL_KEY) in module.no_log_values
    registry.register(EC_TOKEN)
    assert EC_TOKEN in module.no_log_values


def test_warnings_of_send_once_and_create_once_are_redacted(ran):
    # an error raised outside the seam (here: by hand) still leaves no secret in a warning
    module = module_with(api_key=SL_KEY)

    def send():
        raise ApiError("POST x failed: HTTP 500: echo %s" % SL_KEY, status=500, ambiguous=True)

    send_once(module, send, lambda: True, "the cancel")
    create_once(module, None, CreateCall("the order", send, lambda answer: (1, answer), lambda: {"id": 1},
                                         lambda found: found["id"], lambda found: "order 1", "look for it"))
    runner_warn(module, "plain %s" % quote(SL_KEY))
    assert len(ran.warnings) == 3 and all("echo ********" in w for w in ran.warnings[:2]), ran.warnings
    assert leaks(json.dumps(ran.warnings), SL_FORMS) == []


def test_a_proxy_password_is_registered(ran):
    # proxy_url is not a no_log option: before, nothing masked its password
    module = module_with(proxy_url="http://proxy-user:%s@proxy.example.test:3128" % PASSWORD)
    http_client(module, "https://api.example.test/", Budget(None, 30))
    assert PASSWORD in module.no_log_values and basic_value("proxy-user", PASSWORD) in module.no_log_values
