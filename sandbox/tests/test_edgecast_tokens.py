"""Edgecast token service (/connect/token) and bearer checks on the CPS API."""

import base64

import pytest
import requests

from test_edgecast_support import SCOPE, assert_error, token_request

APPENDIX = "/sec/cps/v2.0/appendix/order-statuses"


def bearer(token):
    return {"Authorization": "Bearer " + token}


def test_client_credentials_token_works_on_the_api(sandbox):
    response = token_request(sandbox.url)
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 300 and body["token_type"] == "Bearer" and body["scope"] == SCOPE
    assert body["access_token"] and response.headers["Cache-Control"] == "no-store"
    assert requests.get(sandbox.url + APPENDIX, headers=bearer(body["access_token"]), timeout=5).status_code == 200
    other = token_request(sandbox.url).json()["access_token"]
    assert other != body["access_token"]


def test_client_credentials_in_basic_auth_header(sandbox):
    basic = base64.b64encode(b"sandbox-client:sandbox-secret").decode()
    response = requests.post(sandbox.url + "/connect/token", data={"grant_type": "client_credentials", "scope": SCOPE},
                             headers={"Authorization": "Basic " + basic}, timeout=5)
    assert response.status_code == 200 and response.json()["access_token"]


@pytest.mark.parametrize("form, error", [
    ({"client_secret": "wrong"}, "invalid_client"),
    ({"client_id": "nobody"}, "invalid_client"),
    ({"client_secret": None}, "invalid_client"),
    ({"grant_type": "password"}, "unsupported_grant_type"),
    ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
    ({"grant_type": None}, "invalid_request"),
    ({"scope": None}, "invalid_scope"),
    ({"scope": "sec.cps.admin"}, "invalid_scope"),
    ({"scope": "sec.cps.certificates ec.rules"}, "invalid_scope"),
    ({"client_id": "sandbox-noscope", "client_secret": "sandbox-noscope-secret"}, "invalid_scope"),
])
def test_token_errors_use_the_oauth_form(sandbox, form, error):
    response = token_request(sandbox.url, **form)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert "access_token" not in response.json()


def test_token_endpoint_wants_a_form_post(sandbox):
    response = requests.post(sandbox.url + "/connect/token", timeout=5,
                             json={"grant_type": "client_credentials", "client_id": "sandbox-client",
                                   "client_secret": "sandbox-secret", "scope": SCOPE})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert requests.get(sandbox.url + "/connect/token", timeout=5).status_code == 405
    assert requests.post(sandbox.url + "/connect/authorize", timeout=5).status_code == 404


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ="},
    {"Authorization": "TOK:whatever"},
])
def test_api_without_a_valid_token_is_unauthorized(sandbox, headers):
    response = requests.get(sandbox.url + APPENDIX, headers=headers, timeout=5)
    body = assert_error(response, 401, "unauthorized")
    assert body["title"] == "You are not authorized to access this resource"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Message" not in body


def test_unknown_paths_also_need_a_token(sandbox):
    assert requests.get(sandbox.url + "/sec/cps/v2.0/nothing", timeout=5).status_code == 401


def test_token_expires_on_the_sandbox_clock(sandbox, control):
    # the clock is frozen (conftest.py): the token lives exactly token_lifetime (300) seconds of it
    token = token_request(sandbox.url).json()["access_token"]
    control.advance(300 - 0.5)
    assert requests.get(sandbox.url + APPENDIX, headers=bearer(token), timeout=5).status_code == 200
    control.advance(1)
    response = requests.get(sandbox.url + APPENDIX, headers=bearer(token), timeout=5)
    assert_error(response, 401, "unauthorized")
    fresh = token_request(sandbox.url).json()["access_token"]
    assert requests.get(sandbox.url + APPENDIX, headers=bearer(fresh), timeout=5).status_code == 200


def test_token_lifetime_is_configurable(sandbox, control):
    control.configure(edgecast={"token_lifetime": 60})
    body = token_request(sandbox.url).json()
    assert body["expires_in"] == 60
    control.advance(60 - 0.5)
    assert requests.get(sandbox.url + APPENDIX, headers=bearer(body["access_token"]), timeout=5).status_code == 200
    control.advance(1)
    assert requests.get(sandbox.url + APPENDIX, headers=bearer(body["access_token"]), timeout=5).status_code == 401


def test_token_without_the_cps_scope_is_forbidden(sandbox):
    response = token_request(sandbox.url, client_id="sandbox-noscope", client_secret="sandbox-noscope-secret",
                             scope="ec.rules")
    assert response.status_code == 200 and response.json()["scope"] == "ec.rules"
    api = requests.get(sandbox.url + "/sec/cps/v2.0/certificates", headers=bearer(response.json()["access_token"]),
                       timeout=5)
    assert_error(api, 403, "forbidden")


def test_describe_gives_urls_and_credentials(sandbox):
    info = sandbox.urls()["edgecast"]
    assert info["api_url"] == sandbox.url and info["ids_url"] == sandbox.url
    assert (info["client_id"], info["client_secret"], info["scope"]) == ("sandbox-client", "sandbox-secret", SCOPE)
    assert token_request(sandbox.url, client_id=info["forbidden_client_id"],
                         client_secret=info["forbidden_client_secret"], scope="ec.rules").status_code == 200


def test_configured_clients_can_be_added(sandbox, control):
    control.configure(edgecast={"clients": {"ci-client": {"secret": "ci-secret", "scopes": [SCOPE]}}})
    assert token_request(sandbox.url, client_id="ci-client", client_secret="ci-secret").status_code == 200
    assert token_request(sandbox.url).status_code == 200
