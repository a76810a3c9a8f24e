"""Helpers shared by the Edgecast CPS tests (imported by the other test_edgecast_* modules)."""

import pytest
import requests

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
SCOPE = "sec.cps.certificates"
JSON_TYPE = "application/json; charset=utf-8"

ORGANIZATION = {
    "company_name": "Acme Widgets Inc.", "company_address": "1 Main Street", "city": "Springfield",
    "state": "IL", "zip_code": "62701", "country": "US", "organizational_unit": "Web",
    "contact_first_name": "Alex", "contact_last_name": "Smith", "contact_email": "alex@acme.example",
    "contact_phone": "555-0100", "contact_title": "CTO", "additional_contacts": [],
}
EV_CONTACT = {"first_name": "Eve", "last_name": "Approver", "email": "eve@acme.example", "phone": "555-0101",
              "title": "CFO", "contact_type": "EVApprover"}


def token_request(url, **form):
    data = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "scope": SCOPE}
    data.update(form)
    data = {key: value for key, value in data.items() if value is not None}
    return requests.post(url + "/connect/token", data=data, timeout=10)


class Cps:
    """A minimal CPS client over real HTTP (on a 401 it renews its token once and repeats the request once)."""

    def __init__(self, url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, scope=SCOPE):
        self.url = url
        self.client = (client_id, client_secret, scope)
        self.http = requests.Session()
        self.token = None

    def get_token(self):
        client_id, secret, scope = self.client
        response = token_request(self.url, client_id=client_id, client_secret=secret, scope=scope)
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        return self.token

    def call(self, method, path, renew=True, **kwargs):
        if self.token is None:
            self.get_token()
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        headers.update(kwargs.pop("headers", {}))
        response = self.http.request(method, self.url + "/sec/cps" + path, headers=headers, timeout=10, **kwargs)
        if response.status_code == 401 and renew:
            self.get_token()
            return self.call(method, path, renew=False, **kwargs)
        return response

    def get(self, path, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.call("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.call("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.call("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.call("DELETE", path, **kwargs)

    def create(self, label, validation_type="DV", dcv_method="DnsTxtToken", domains=None, expect=201, **extra):
        body = {"certificate_label": label, "certificate_authority": "DigiCert",
                "validation_type": validation_type, "dcv_method": dcv_method,
                "domains": domains or [{"name": "%s.example.com" % label.lower().replace("_", "-"),
                                        "is_common_name": True}]}
        if validation_type in ("OV", "EV") and "organization" not in extra:
            body["organization"] = dict(ORGANIZATION)
            if validation_type == "EV":
                body["organization"]["additional_contacts"] = [dict(EV_CONTACT)]
        body.update(extra)
        response = self.post("/v2.0/certificates/cdnprovided", json=body)
        assert response.status_code == expect, response.text
        return response.json()

    def status(self, cert_id):
        response = self.get("/v2.0/certificates/%d/status" % cert_id)
        assert response.status_code == 200, response.text
        return response.json()

    def cert(self, cert_id):
        response = self.get("/v2.0/certificates/%d" % cert_id)
        assert response.status_code == 200, response.text
        return response.json()


def assert_error(response, status, code, source=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["@type"] == "Error" and body["code"] == code and body["status_code"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["details"], list)
    if source is not None:
        assert source in [d.get("source") for d in body["details"]], body
        assert all(d["@type"] == "ErrorDetail" for d in body["details"])
    return body


def assert_empty(response):
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.headers["Cache-Control"] == "private"


@pytest.fixture
def cps(sandbox):
    return Cps(sandbox.url)


@pytest.fixture
def slow(control):
    """Long phases (100 s) that tests step through with ``control.advance`` on the frozen clock."""
    control.configure(edgecast={"processing_seconds": 100, "dcv_seconds": 100, "other_validation_seconds": 100,
                                "deployment_seconds": 100, "dcv_check_seconds": 10, "timeout_seconds": 100,
                                "change_queue_seconds": 100, "renewal_seconds": 100, "reissue_seconds": 100,
                                "org_update_seconds": 100})
    return control
