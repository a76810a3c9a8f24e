"""The SoftLayer plug-in over real HTTP: URL forms, auth, masks, filters, paging, errors, services,
the order lifecycle, markers, control actions, faults, quirks and the state file. Expectations follow
the SoftLayer API where its behaviour is documented, and the sandbox's own choices (docs/softlayer.md)
where it is not. The vendor's own client (softlayer-python) is run against the sandbox in
test_softlayer_real_client.py."""

import base64
import concurrent.futures
import datetime
import json
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from certops_sandbox import SandboxServer
from certops_sandbox.softlayer.plugin import DEFAULT_CONFIG

USER = DEFAULT_CONFIG["username"]
API_KEY = DEFAULT_CONFIG["api_key"]
IBM_KEY = DEFAULT_CONFIG["ibm_cloud_api_key"]
TOKEN = DEFAULT_CONFIG["bearer_token"]
ACCOUNT = DEFAULT_CONFIG["account_id"]
OTHER = DEFAULT_CONFIG["extra_users"][0]
DELAY = DEFAULT_CONFIG["request_delay"]  # seconds from placeOrder until the request appears
APPROVE = DEFAULT_CONFIG["approve_after"]  # seconds from the request appearing until the CA approves it
COMPLETE = DEFAULT_CONFIG["complete_after"]  # seconds from approval until the request is Complete
# The sandbox clock is frozen in these tests (conftest.py): only control.advance moves it, and each
# transition is checked half a second before and half a second after its scheduled time.

REQ = "SoftLayer_Security_Certificate_Request"
STATUS = "SoftLayer_Security_Certificate_Request_Status"
STATUSES = [(50, "Pending CA Approval"), (43, "Approved"), (49, "Complete"), (51, "Canceled")]
ISO_OFFSET = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"

_EC_KEY = ec.generate_private_key(ec.SECP256R1())


def make_csr(common_name, key=None):
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                   x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp")]))
    csr = builder.sign(key or _EC_KEY, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def container(common_name="www.example.com", **overrides):
    domain = common_name.split(".", 1)[1] if common_name.count(".") >= 2 else common_name
    body = {
        "complexType": "SoftLayer_Container_Product_Order_Security_Certificate",
        "packageId": 210,
        "quantity": 1,
        "prices": [{"id": 1836}],
        "certificateSigningRequest": make_csr(common_name),
        "serverType": "apache2",
        "orderApproverEmailAddress": "admin@" + domain,
        "renewalFlag": False,
        "organizationInformation": {
            "organizationName": "Example Corp", "phoneNumber": "+1 555 0100",
            "address": {"addressLine1": "1 Main St", "city": "Dallas", "state": "TX",
                        "postalCode": "75001", "countryCode": "US"}},
        "technicalContact": {
            "firstName": "Ada", "lastName": "Lovelace", "title": "Ops", "emailAddress": "ops@example.com",
            "phoneNumber": "+1 555 0101", "organizationName": "Example Corp"},
    }
    body.update(overrides)
    return body


class SL:
    """A thin REST client for the sandbox's SoftLayer API."""

    def __init__(self, url, auth=(USER, API_KEY), version="v3.1"):
        self.base = "%s/rest/%s/" % (url, version)
        self.http = requests.Session()
        self.http.auth = auth

    def get(self, path, **params):
        return self.http.get(self.base + path, params=params or None, timeout=10)

    def post(self, path, *parameters, **params):
        return self.http.post(self.base + path, params=params or None, json={"parameters": list(parameters)},
                              timeout=10)

    def place(self, common_name="www.example.com", **overrides):
        response = self.post("SoftLayer_Product_Order/placeOrder.json", container(common_name, **overrides), False)
        assert response.status_code == 200, response.text
        return response.json()

    def requests_for_order(self, order_id, mask="id"):
        order_filter = {"securityCertificateRequest": {"order": {"id": {"operation": str(order_id)}}}}
        response = self.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask=mask,
                             objectFilter=json.dumps(order_filter))
        assert response.status_code == 200, response.text
        return response.json()

    def request(self, request_id, mask=None):
        params = {"objectMask": mask} if mask else {}
        response = self.get("%s/%s/getObject.json" % (REQ, request_id), **params)
        assert response.status_code == 200, response.text
        return response.json()

    def place_and_appear(self, control, common_name="www.example.com", **overrides):
        """Place an order, advance the clock past request_delay; return (order id, request id)."""
        receipt = self.place(common_name, **overrides)
        control.advance(DELAY)
        rows = self.requests_for_order(receipt["orderId"])
        assert len(rows) == 1
        return receipt["orderId"], rows[0]["id"]


@pytest.fixture
def sl(sandbox):
    return SL(sandbox.url)


def status_of(sl, request_id):
    return sl.request(request_id)["statusId"]


def assert_error(response, status, code, text=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "code"}
    assert body["code"] == code
    if text is not None:
        assert text in body["error"]
    return body


# -- URL forms, status catalogue --------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    STATUS + "/getSslRequestStatuses.json",
    STATUS + "/getSslRequestStatuses",
    STATUS + "/SslRequestStatuses.json",
])
@pytest.mark.parametrize("version", ["v3.1", "v3"])
def test_status_catalogue_is_d1_in_every_url_form(sandbox, path, version):
    response = SL(sandbox.url, version=version).get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["SoftLayer-Total-Items"] == "4"
    body = response.json()
    assert [(s["id"], s["name"]) for s in body] == STATUSES
    assert all(set(s) == {"id", "name", "description"} and s["description"] for s in body)


@pytest.mark.parametrize("path", ["50/getObject.json", "50/getObject", "50.json", "50"])
def test_status_get_object_forms(sl, path):
    response = sl.get(STATUS + "/" + path)
    assert response.status_code == 200
    assert response.json()["name"] == "Pending CA Approval"
    assert "SoftLayer-Total-Items" not in response.headers


def test_status_mask_and_unknown_status(sl):
    assert sl.get(STATUS + "/51/getObject.json", objectMask="mask[name]").json() == {"name": "Canceled"}
    assert_error(sl.get(STATUS + "/52/getObject.json"), 404, "SoftLayer_Exception_ObjectNotFound",
                 "Unable to find object with id of '52'.")


def test_trailing_slash_and_post_for_parameterless_calls(sl):
    assert len(sl.http.get(sl.base + STATUS + "/getSslRequestStatuses/", timeout=5).json()) == 4
    assert len(sl.post(STATUS + "/getSslRequestStatuses.json").json()) == 4


def test_unknown_service_method_verb_and_format(sl):
    assert_error(sl.get("SoftLayer_Nope/getObject.json"), 500, "SoftLayer_Exception_Public", "Service does not exist")
    assert_error(sl.get(REQ + "/getNothing.json"), 500, "SoftLayer_Exception_Public",
                 'Function ("getNothing") is not a valid method for this service.')
    # a capitalised segment that is no get-stripped getter is reported as sent (the API's unknown-method text)
    assert_error(sl.get(REQ + "/5/CancelSslOrder.json"), 500, "SoftLayer_Exception_Public",
                 'Function ("CancelSslOrder") is not a valid method for this service.')
    assert_error(sl.http.post(sl.base + REQ, json={}, timeout=5), 500, "SoftLayer_Exception_Public",
                 'Function ("createObject") is not a valid method for this service.')
    assert_error(sl.http.patch(sl.base + STATUS + "/getSslRequestStatuses.json", timeout=5), 400,
                 "SoftLayer_Exception_WebService_BadRequest", "Bad request")
    assert_error(sl.http.put(sl.base + STATUS + "/getSslRequestStatuses.json", timeout=5), 400,
                 "SoftLayer_Exception_WebService_BadRequest")
    assert_error(sl.get(STATUS + "/getSslRequestStatuses.xml"), 400, "SoftLayer_Exception_WebService_BadRequest")
    bad_json = sl.http.post(sl.base + "SoftLayer_Product_Order/verifyOrder.json", data="{nope",
                            headers={"Content-Type": "application/json"}, timeout=5)
    assert_error(bad_json, 400, "SoftLayer_Exception_WebService_BadRequest")
    assert_error(sl.get(REQ + "/getObject.json"), 500, "SoftLayer_Exception_Public", "needs an object id")


# -- authentication ------------------------------------------------------------------------------------

def test_auth_failures_are_401_with_the_reference_body(sandbox):
    url = sandbox.url + "/rest/v3.1/" + STATUS + "/getSslRequestStatuses.json"
    for auth in [(USER, "wrong"), ("nobody", API_KEY), ("apikey", "wrong"), ("apikey", API_KEY), (USER, IBM_KEY)]:
        response = requests.get(url, auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"error": "Invalid API token.", "code": "SoftLayer_Exception_Public"}
    missing = requests.get(url, timeout=5)
    assert_error(missing, 401, "SoftLayer_Exception_Public", "No valid authentication headers found.")
    bad_bearer = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad_bearer.status_code == 401 and bad_bearer.json()["error"] == "Invalid API token."


def test_auth_schemes_that_work(sandbox):
    url = sandbox.url + "/rest/v3.1/SoftLayer_Account/getObject.json"
    for kwargs in [{"auth": (USER, API_KEY)}, {"auth": ("apikey", IBM_KEY)},
                   {"headers": {"Authorization": "Bearer " + TOKEN}},
                   {"headers": {"Authorization": "Basic " + base64.b64encode(
                       ("%s:%s" % (USER, API_KEY)).encode()).decode()}}]:
        response = requests.get(url, params={"objectMask": "mask[id]"}, timeout=5, **kwargs)
        assert response.status_code == 200, kwargs
        assert response.json() == {"id": ACCOUNT}
    other = requests.get(url, params={"objectMask": "id"}, auth=(OTHER["username"], OTHER["api_key"]), timeout=5)
    assert other.json() == {"id": OTHER["account_id"]}


def test_changed_credentials_apply_at_once(sandbox, control):
    control.configure(softlayer={"api_key": "rotated"})
    url = sandbox.url + "/rest/v3.1/SoftLayer_Account/getObject.json"
    assert requests.get(url, auth=(USER, API_KEY), timeout=5).status_code == 401
    assert requests.get(url, auth=(USER, "rotated"), timeout=5).status_code == 200


# -- account, server types, catalogue -----------------------------------------------------------------

def test_account_get_object_and_attributes(sl):
    account = sl.get("SoftLayer_Account/getObject.json").json()
    assert account["id"] == ACCOUNT and account["companyName"] and "attributes" not in account
    assert sl.get("SoftLayer_Account/%d/getObject.json" % ACCOUNT).json()["id"] == ACCOUNT
    assert sl.get("SoftLayer_Account.json").json()["id"] == ACCOUNT
    assert_error(sl.get("SoftLayer_Account/%d/getObject.json" % OTHER["account_id"]), 404,
                 "SoftLayer_Exception_ObjectNotFound")
    attributes = sl.get("SoftLayer_Account/getAttributes.json")
    assert attributes.headers["SoftLayer-Total-Items"] == str(len(attributes.json()))
    assert attributes.json()[0]["accountId"] == ACCOUNT
    masked = sl.get("SoftLayer_Account/getObject.json", objectMask="mask[id,attributes[value,accountAttributeType[keyName]]]")
    assert set(masked.json()) == {"id", "attributes"}
    assert masked.json()["attributes"][0]["accountAttributeType"]["keyName"]


def test_server_types(sl):
    response = sl.get("SoftLayer_Security_Certificate_Request_ServerType/getAllObjects.json")
    types = response.json()
    assert response.headers["SoftLayer-Total-Items"] == str(len(types))
    names = {t["name"] for t in types}
    assert {"apache2", "apacheopenssl", "apacheapachessl"} <= names
    assert {"description": "Apache + ApacheSSL", "id": 2, "name": "apacheapachessl", "value": 22} in types
    assert sl.get("SoftLayer_Security_Certificate_Request_ServerType/2.json").json()["name"] == "apacheapachessl"
    limited = sl.get("SoftLayer_Security_Certificate_Request_ServerType/getAllObjects.json", resultLimit="1,2")
    assert [t["id"] for t in limited.json()] == [t["id"] for t in types[1:3]]


def test_package_lookup_the_terraform_way(sl):
    ssl_filter = json.dumps({"type": {"keyName": {"operation": "ADDITIONAL_SERVICES_SSL_CERTIFICATE"}}})
    response = sl.get("SoftLayer_Product_Package/getAllObjects.json", objectFilter=ssl_filter,
                      objectMask="id,name,description,isActive,type[keyName]", resultLimit="0,1")
    packages = response.json()
    assert len(packages) == 1 and response.headers["SoftLayer-Total-Items"] == "1"
    assert packages[0]["type"] == {"keyName": "ADDITIONAL_SERVICES_SSL_CERTIFICATE"}
    assert set(packages[0]) == {"id", "name", "description", "isActive", "type"}
    everything = sl.get("SoftLayer_Product_Package/getAllObjects.json").json()
    assert len(everything) > 1 and all("type" not in p for p in everything)

    items = sl.get("SoftLayer_Product_Package/%d/getItems.json" % packages[0]["id"],
                   objectMask="id,capacity,description,units,keyName,prices[id,locationGroupId,categories[id,name,categoryCode]]")
    by_key = {i["keyName"]: i for i in items.json()}
    rapid = by_key["SSL_CERTIFICATE_RAPIDSSL_1_YEAR"]
    assert rapid["id"] == 964 and rapid["description"] == "RapidSSL - 1 year"
    assert rapid["prices"][0]["id"] == 1836 and rapid["prices"][0]["locationGroupId"] is None  # the default price
    assert rapid["prices"][0]["categories"][0]["categoryCode"]
    assert "SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR" in by_key
    default_items = sl.get("SoftLayer_Product_Package/0/getItems.json").json()
    assert default_items[0]["prices"][0]["setupFee"] == "19"  # items come with prices; decimals as strings
    prices = sl.get("SoftLayer_Product_Package/210/getItemPrices.json").json()
    assert {"id": 1836, "itemId": 964} == {k: prices[0][k] for k in ("id", "itemId")}
    assert sl.get("SoftLayer_Product_Package/46/getItems.json").json() == []
    assert sl.get("SoftLayer_Product_Package/210.json", objectMask="mask[id,type[keyName]]").json() == {
        "id": 210, "type": {"keyName": "ADDITIONAL_SERVICES_SSL_CERTIFICATE"}}
    assert sl.get("SoftLayer_Product_Package/0/getType.json").json()["keyName"] == "ADDITIONAL_SERVICES"
    assert_error(sl.get("SoftLayer_Product_Package/999/getItems.json"), 404, "SoftLayer_Exception_ObjectNotFound")


def test_default_prices_carry_a_null_location_group(sl):
    """The default price of an item is the one whose locationGroupId is null, and the API sends the null
    (softlayer/githubio_source: content/article/catalog.md, getItems with and without a mask). softlayer-python's
    ordering manager, behind `slcli order place`, reads price['locationGroupId'] without a default
    (softlayer/softlayer-python: SoftLayer/managers/ordering.py, get_item_price_id). Before the fix the sandbox
    left the unset property out, and the ordering manager failed with KeyError: 'locationGroupId'."""
    slcli_mask = "id, description, capacity, itemCategory, keyName, prices[categories], softwareDescription[id,referenceCode]"
    for params in ({}, {"objectMask": slcli_mask}, {"objectMask": "prices[id,locationGroupId]"}):
        items = sl.get("SoftLayer_Product_Package/210/getItems.json", **params).json()
        prices = [price for item in items for price in item["prices"]]
        assert prices and all(price["locationGroupId"] is None for price in prices), params
    prices = sl.get("SoftLayer_Product_Package/210/getItemPrices.json").json()
    assert prices and all("locationGroupId" in price and price["locationGroupId"] is None for price in prices)
    # a mask that names other local properties still trims it away
    trimmed = sl.get("SoftLayer_Product_Package/210/getItems.json", objectMask="prices[id]").json()
    assert {tuple(price) for item in trimmed for price in item["prices"]} == {("id",)}


# -- static helpers of SoftLayer_Security_Certificate_Request --------------------------------------------

def test_validate_csr(sl):
    def validate(csr, months=12, item=964, server="apache2"):
        return sl.post(REQ + "/validateCsr.json", csr, months, item, server)

    ok = validate(make_csr("www.example.com"))
    assert ok.status_code == 200 and ok.text.strip() == "true"
    assert validate(make_csr("www-sbx-badcsr.example.com")).json() is False
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    assert validate(make_csr("www.example.com", key=weak)).json() is False
    assert validate("not a csr").json() is False
    assert validate(make_csr("www.example.com"), months=13).json() is False
    assert_error(validate(make_csr("www.example.com"), item=1836), 500, "SoftLayer_Exception_InvalidValue")
    assert_error(validate(make_csr("www.example.com"), server="gopher"), 500, "SoftLayer_Exception_InvalidValue")
    assert_error(sl.post(REQ + "/validateCsr.json", "x"), 500, "SoftLayer_Exception_Public", "parameters")


def test_administrator_email_domains_and_prefixes(sl):
    domains = sl.post(REQ + "/getAdministratorEmailDomains.json", "www.example.com")
    assert domains.json() == ["www.example.com", "example.com"]
    assert domains.headers["SoftLayer-Total-Items"] == "2"
    assert sl.post(REQ + "/getAdministratorEmailDomains.json", "a.b.shop.example.co.uk").json() == [
        "a.b.shop.example.co.uk", "b.shop.example.co.uk", "shop.example.co.uk", "example.co.uk"]
    prefixes = sl.get(REQ + "/getAdministratorEmailPrefixes.json").json()
    assert prefixes == ["admin", "administrator", "hostmaster", "root", "webmaster", "mailmaster"]


# -- verifyOrder / placeOrder --------------------------------------------------------------------------

def test_verify_order_echoes_the_container_with_totals(sl, control):
    response = sl.post("SoftLayer_Product_Order/verifyOrder.json", container())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["complexType"] == "SoftLayer_Container_Product_Order_Security_Certificate"
    assert body["validityMonths"] == 12 and body["packageId"] == 210 and body["quantity"] == 1
    price = body["prices"][0]
    assert price["id"] == 1836 and price["setupFee"] == "19" and price["item"]["keyName"] == "SSL_CERTIFICATE_RAPIDSSL_1_YEAR"
    assert body["proratedOrderTotal"] == "19" and body["postTaxRecurring"] == "0"
    assert "orderId" not in body and "placedOrder" not in body
    assert body["orderApproverEmailAddress"] == "admin@example.com"
    two_years = sl.post("SoftLayer_Product_Order/verifyOrder.json", container(prices=[{"id": 1839}], validityMonths=12))
    assert two_years.json()["validityMonths"] == 24  # from the product, not the container
    wrapped = sl.post("SoftLayer_Product_Order/verifyOrder.json",
                      {"orderContainers": [container(packageId=0)], "quoteName": "x"})
    assert wrapped.status_code == 200 and wrapped.json()["orderContainers"][0]["validityMonths"] == 12
    assert control.orders("softlayer") == []  # verifyOrder has no side effects


@pytest.mark.parametrize("change, text", [
    ({"complexType": "SoftLayer_Container_Product_Order"}, "complexType"),
    ({"complexType": None}, "complexType"),
    ({"packageId": 46}, "does not sell SSL"),
    ({"packageId": 12345}, "Invalid package"),
    ({"prices": [{"id": 999}]}, "Price # 999"),
    ({"prices": [{"id": 1836}, {"id": 1837}]}, "exactly one price"),
    ({"prices": []}, "prices"),
    ({"quantity": 2}, "quantity"),
    ({"certificateSigningRequest": "garbage"}, "Unable to decode"),
    ({"certificateSigningRequest": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----"}, "private key"),
    ({"serverType": "gopher"}, "serverType"),
    ({"serverType": None}, "serverType is required"),
    ({"orderApproverEmailAddress": "ops@example.com"}, "mailboxes"),
    ({"orderApproverEmailAddress": "admin@example.org"}, "domain"),
    ({"orderApproverEmailAddress": "admin"}, "not an email"),
    ({"organizationInformation": None}, "organizationInformation is required"),
    ({"organizationInformation": {"organizationName": "X", "phoneNumber": "1", "address": {
        "addressLine1": "1", "city": "Dallas", "postalCode": "1", "countryCode": "USA", "state": "TX"}}}, "countryCode"),
    ({"technicalContact": {"firstName": "Ada"}}, "technicalContact.lastName"),
    ({"renewalFlag": "yes"}, "renewalFlag"),
])
def test_invalid_orders_fail_with_exception_order(sl, control, change, text):
    bad = container(**change)
    if change.get("complexType", "") is None or change.get("serverType", "") is None:
        bad = {k: v for k, v in bad.items() if v is not None}
    for method in ("verifyOrder", "placeOrder"):
        params = [bad] if method == "verifyOrder" else [bad, False]
        assert_error(sl.post("SoftLayer_Product_Order/%s.json" % method, *params), 500, "SoftLayer_Exception_Order", text)
    assert control.orders("softlayer") == []


def test_blank_optional_blocks_count_as_missing(sl, control):
    """Terraform's ibm_ssl_certificate (IBM-Cloud/terraform-provider-ibm:
    ibm/service/classicinfrastructure/resource_ibm_ssl_certificate.go, buildSSLProductOrderContainer) sends every
    contact and address field through softlayer-go, so a technical contact without tech_address carries an address
    of empty strings, and the unset administrative and billing contacts come as objects of empty strings. A missing
    technical address means the organization's (the reference's order container schema). Before the fix the
    sandbox refused such an order with "technicalContact.address.addressLine1 is required."."""
    blank_address = {"addressLine1": "", "addressLine2": "", "city": "", "countryCode": "", "postalCode": "", "state": ""}
    blank_contact = {"address": blank_address, "emailAddress": "", "firstName": "", "lastName": "", "organizationName": "",
                     "phoneNumber": "", "faxNumber": "", "title": ""}
    terraform = container(administrativeContact=blank_contact, billingContact=blank_contact, serverCount=1,
                          validityMonths=12, renewalFlag=True)
    terraform["technicalContact"] = dict(terraform["technicalContact"], address=blank_address, faxNumber="")
    terraform["organizationInformation"] = dict(terraform["organizationInformation"], faxNumber="")
    terraform["organizationInformation"]["address"] = dict(terraform["organizationInformation"]["address"], addressLine2="")
    verified = sl.post("SoftLayer_Product_Order/verifyOrder.json", terraform)
    assert verified.status_code == 200, verified.text
    receipt = sl.place(**{k: v for k, v in terraform.items() if k != "certificateSigningRequest"})
    assert receipt["placedOrder"]["id"] == receipt["orderId"]
    # an address with some fields given is still checked in full
    half = dict(terraform, technicalContact=dict(terraform["technicalContact"], address=dict(blank_address, city="Dallas")))
    assert_error(sl.post("SoftLayer_Product_Order/verifyOrder.json", half), 500, "SoftLayer_Exception_Order",
                 "technicalContact.address.addressLine1 is required")


def test_malformed_order_parameters(sl, control):
    for body in ([["not", "an", "object"]], ["container"], [None], [None, False]):  # invalid container
        for method in ("verifyOrder", "placeOrder"):
            assert_error(sl.post("SoftLayer_Product_Order/%s.json" % method, *body), 500, "SoftLayer_Exception_Order")
    assert_error(sl.post("SoftLayer_Product_Order/verifyOrder.json", ["x"]), 500, "SoftLayer_Exception_Order")
    assert_error(sl.post("SoftLayer_Product_Order/placeOrder.json"), 500, "SoftLayer_Exception_Public", "parameters")
    assert_error(sl.post("SoftLayer_Product_Order/placeOrder.json", container(), "maybe"), 500,
                 "SoftLayer_Exception_InvalidValue", "saveAsQuote")
    assert control.orders("softlayer") == []


def test_odd_values_get_the_error_body_never_a_crash(sl, control):
    # every error is the API's {"error", "code"} object, whatever the client sends
    for change in ({"serverType": ["apache2"]}, {"serverType": {"name": "apache2"}}, {"packageId": 1e400},
                   {"prices": [{"id": 1e400}]}):
        raw = json.dumps({"parameters": [container(**change), False]}).replace("Infinity", "1e400")
        response = sl.http.post(sl.base + "SoftLayer_Product_Order/placeOrder.json", data=raw,
                                headers={"Content-Type": "application/json"}, timeout=5)
        assert_error(response, 500, "SoftLayer_Exception_Order")
    sl.place_and_appear(control)
    for spec in ({"createDate": {"operation": "isDate", "options": [{"name": "date", "value": [1e300]}]}},
                 {"id": {"operation": "orderBy", "options": [{"name": "sortOrder", "value": [1e400]}]}}):
        response = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id",
                           objectFilter=json.dumps(spec).replace("Infinity", "1e400"))
        assert response.status_code == 200, response.text
    assert control.orders("softlayer")[0]["commonName"] == "www.example.com"


def test_an_unexpected_sandbox_error_still_answers_the_error_body(sl, monkeypatch):
    from certops_sandbox.softlayer import catalog

    def broken(common_name):
        raise RuntimeError("sandbox bug")

    monkeypatch.setattr(catalog, "admin_email_domains", broken)
    response = sl.post(REQ + "/getAdministratorEmailDomains.json", "www.example.com")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal Error", "code": "SoftLayer_Exception_Public"}


@pytest.mark.parametrize("common_name", ["www-sbx-invalid.example.com", "SBX-INVALID.example.com",
                                         "www-sbx-badcsr.example.com"])
def test_invalid_markers_fail_verify_and_place(sl, control, common_name):
    for method, params in (("verifyOrder", [container(common_name)]), ("placeOrder", [container(common_name), False])):
        assert_error(sl.post("SoftLayer_Product_Order/%s.json" % method, *params), 500, "SoftLayer_Exception_Order")
    assert control.orders("softlayer") == []


def test_marker_needs_a_whole_dash_separated_part(sl):
    # "nosbx-invalid" and "sbx-invalidx" are not markers; a marker in a later label is ignored
    for name in ("nosbx-invalid.example.com", "sbx-invalidx.example.com", "www.sbx-invalid.example.com"):
        domain_admin = "admin@" + name.split(".", 1)[1]
        response = sl.post("SoftLayer_Product_Order/verifyOrder.json",
                           container(name, orderApproverEmailAddress=domain_admin))
        assert response.status_code == 200, (name, response.text)


def test_place_order_receipt_and_delayed_request(sl, control):
    receipt = sl.place()
    assert set(receipt) == {"orderId", "orderDate", "orderDetails", "placedOrder"}
    assert receipt["placedOrder"]["id"] == receipt["orderId"]
    assert receipt["placedOrder"]["accountId"] == ACCOUNT
    item = receipt["placedOrder"]["items"][0]
    assert item["itemId"] == 964 and item["itemPriceId"] == "1836" and item["setupFee"] == "19"
    assert receipt["orderDetails"]["validityMonths"] == 12
    assert "requestId" not in json.dumps(receipt) and "securityCertificateRequest" not in json.dumps(receipt)
    assert __import__("re").match(ISO_OFFSET, receipt["orderDate"])
    # the request appears request_delay ("a few seconds": 3 s by default) after placeOrder, not with it
    assert DELAY >= 2
    assert sl.requests_for_order(receipt["orderId"]) == []
    control.advance(DELAY - 0.5)
    assert sl.requests_for_order(receipt["orderId"]) == []
    control.advance(1)
    rows = sl.requests_for_order(receipt["orderId"])
    assert len(rows) == 1 and set(rows[0]) == {"id"}
    request = sl.request(rows[0]["id"])
    assert request["statusId"] == 50 and request["commonName"] == "www.example.com"
    assert request["approverEmailAddress"] == "admin@example.com"
    assert request["technicalContactEmailAddress"] == "ops@example.com"
    assert request["accountId"] == ACCOUNT and request["certificateSigningRequest"].startswith("-----BEGIN")
    assert "effectiveDate" not in request and "expirationDate" not in request
    order = sl.get("%s/%d/getOrder.json" % (REQ, rows[0]["id"])).json()
    assert order["id"] == receipt["orderId"]


def test_request_delay_zero_and_save_as_quote(sl, control):
    control.configure(softlayer={"request_delay": 0})
    receipt = sl.place()
    assert len(sl.requests_for_order(receipt["orderId"])) == 1
    quote = sl.post("SoftLayer_Product_Order/placeOrder.json", container(), True).json()
    assert "quote" in quote and "orderId" not in quote and quote["quote"]["status"] == "PENDING"
    assert len(control.orders("softlayer")) == 1


# -- certificate request methods, instance URL forms -------------------------------------------------------

def test_request_url_forms(sl, control):
    order_id, request_id = sl.place_and_appear(control)
    base = "%s/%d" % (REQ, request_id)
    for path in (base + ".json", base, base + "/getObject.json", base + "/getObject"):
        assert sl.get(path).json()["id"] == request_id, path
    for path in (base + "/getStatus.json", base + "/getStatus", base + "/Status.json", base + "/Status"):
        assert sl.get(path).json() == {"id": 50, "name": "Pending CA Approval",
                                       "description": "Order submitted and waiting for approval by the Certificate Authority"}
    assert sl.get(base + "/Order.json").json()["id"] == order_id
    order_item = sl.get(base + "/getOrderItem.json").json()
    assert order_item["itemId"] == 964 and order_item["description"] == "RapidSSL - 1 year"
    assert sl.get(base + "/OrderItem").json()["id"] == order_item["id"]
    assert sl.get(base + "/getAccount.json").json()["id"] == ACCOUNT
    assert sl.get(base + "/Account.json", objectMask="mask[id]").json() == {"id": ACCOUNT}
    # simple parameters as path segments, which the SLDN REST docs allow
    listed = sl.get(REQ + "/getSslCertificateRequests/%d.json" % ACCOUNT, objectMask="id")
    assert listed.json() == [{"id": request_id}]
    # a GET's body is ignored: the parameter is missing
    ignored = sl.http.get(sl.base + REQ + "/getSslCertificateRequests.json", json={"parameters": [ACCOUNT]}, timeout=5)
    assert_error(ignored, 500, "SoftLayer_Exception_Public")
    assert SL(sl.base.split("/rest/")[0], version="v3").request(request_id)["id"] == request_id


def test_unknown_and_foreign_ids_are_404(sandbox, sl, control):
    _, request_id = sl.place_and_appear(control)
    other = SL(sandbox.url, auth=(OTHER["username"], OTHER["api_key"]))
    for client, rid in ((sl, 1), (other, request_id)):
        for path in ("%s/%d/getObject.json", "%s/%d/cancelSslOrder.json", "%s/%d/getStatus.json",
                     "%s/%d/getPreviousOrderData.json"):
            assert_error(client.get(path % (REQ, rid)), 404, "SoftLayer_Exception_ObjectNotFound",
                         "Unable to find object with id of '%d'." % rid)
    assert_error(other.post(REQ + "/getSslCertificateRequests.json", ACCOUNT), 404, "SoftLayer_Exception_ObjectNotFound")
    assert other.post(REQ + "/getSslCertificateRequests.json", OTHER["account_id"]).json() == []
    other_order = other.place("www.example.org")
    control.advance(DELAY)
    assert [r["id"] for r in sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id").json()] == [request_id]
    mine = other.post(REQ + "/getSslCertificateRequests.json", OTHER["account_id"],
                      objectFilter=json.dumps({"order": {"id": {"operation": other_order["orderId"]}}})).json()
    assert len(mine) == 1 and mine[0]["accountId"] == OTHER["account_id"] and mine[0]["id"] != request_id


def test_cancel(sl, control):
    _, request_id = sl.place_and_appear(control)
    response = sl.get("%s/%d/cancelSslOrder.json" % (REQ, request_id))
    assert response.status_code == 200 and response.text.strip() == "true"
    assert status_of(sl, request_id) == 51
    assert_error(sl.get("%s/%d/cancelSslOrder" % (REQ, request_id)), 500, "SoftLayer_Exception_Public",
                 "Only orders in Pending CA Approval status can be canceled")
    control.advance(100)  # a canceled request is never approved later
    assert status_of(sl, request_id) == 51
    _, approved = sl.place_and_appear(control, "api.example.com")
    control.advance(APPROVE - 0.5)
    assert status_of(sl, approved) == 50
    control.advance(1)
    assert status_of(sl, approved) == 43
    assert_error(sl.post("%s/%d/cancelSslOrder.json" % (REQ, approved)), 500, "SoftLayer_Exception_Public")
    control.advance(COMPLETE - 1)
    assert status_of(sl, approved) == 43
    control.advance(1)
    assert status_of(sl, approved) == 49
    assert_error(sl.get("%s/%d/cancelSslOrder.json" % (REQ, approved)), 500, "SoftLayer_Exception_Public")


def test_resend_email(sl, control):
    _, request_id = sl.place_and_appear(control)
    path = "%s/%d/resendEmail.json" % (REQ, request_id)
    assert sl.post(path, "ApproverEmail").json() is True
    assert_error(sl.post(path, "FulfillmentEmail"), 500, "SoftLayer_Exception_Public")
    body = assert_error(sl.post(path, "SpamEmail"), 500, "SoftLayer_Exception_InvalidValue")
    assert body["error"] == "Invalid email type. Valid email types are: ApproverEmail, FulfillmentEmail"
    assert_error(sl.post(path, "approveremail"), 500, "SoftLayer_Exception_InvalidValue")
    assert_error(sl.post(path), 500, "SoftLayer_Exception_Public")
    control.advance(APPROVE - 0.5)
    assert_error(sl.post(path, "FulfillmentEmail"), 500, "SoftLayer_Exception_Public")  # still pending
    control.advance(1)
    assert sl.post(path, "FulfillmentEmail").json() is True
    assert_error(sl.post(path, "ApproverEmail"), 500, "SoftLayer_Exception_Public")
    emails = control.orders("softlayer")[0]["emails"]
    assert [(e["type"], e["by"]) for e in emails] == [
        ("ApproverEmail", "order"), ("ApproverEmail", "resendEmail"), ("FulfillmentEmail", "ca"),
        ("FulfillmentEmail", "resendEmail")]


def test_previous_order_data(sl, control):
    control.configure(softlayer={"request_delay": 0, "approve_after": 0, "complete_after": 0})
    receipt = sl.place("www.example.com", prices=[{"id": 1839}], packageId=0)
    request_id = sl.requests_for_order(receipt["orderId"])[0]["id"]
    assert status_of(sl, request_id) == 49
    data = sl.get("%s/%d/getPreviousOrderData.json" % (REQ, request_id)).json()
    assert data["complexType"] == "SoftLayer_Container_Product_Order_Security_Certificate"
    assert data["packageId"] == 0 and data["prices"] == [{"id": 1839}] and data["validityMonths"] == 24
    assert data["serverType"] == "apache2" and data["orderApproverEmailAddress"] == "admin@example.com"
    assert data["organizationInformation"]["address"]["city"] == "Dallas" and data["renewalFlag"] is False
    assert data["technicalContact"]["emailAddress"] == "ops@example.com"
    data["renewalFlag"] = True  # the renewal is a new order built from it
    renewal = sl.post("SoftLayer_Product_Order/placeOrder.json", data, False)
    assert renewal.status_code == 200 and renewal.json()["orderId"] != receipt["orderId"]


# -- objectMask --------------------------------------------------------------------------------------------

def test_masks(sl, control):
    order_id, request_id = sl.place_and_appear(control)
    default = sl.request(request_id)
    assert not {"status", "order", "orderItem", "account"} & set(default)
    assert {"id", "accountId", "commonName", "createDate", "modifyDate", "statusId"} <= set(default)
    example = sl.request(request_id, "mask[id,commonName,statusId,status,order[id,status,createDate],"
                                     "orderItem[id,itemId,description]]")
    assert set(example) == {"id", "commonName", "statusId", "status", "order", "orderItem"}
    assert example["status"]["name"] == "Pending CA Approval" and set(example["status"]) == {"id", "name", "description"}
    assert set(example["order"]) == {"id", "status", "createDate"} and example["order"]["id"] == order_id
    assert set(example["orderItem"]) == {"id", "itemId", "description"}
    relational_only = sl.request(request_id, "mask[status,account]")
    assert set(default) < set(relational_only) and relational_only["account"]["id"] == ACCOUNT
    assert sl.request(request_id, "mask[]") == default
    nested = sl.request(request_id, "mask[order[items[id,itemPriceId],account[id]]]")
    assert nested["order"]["items"][0]["itemPriceId"] == "1836" and nested["order"]["account"] == {"id": ACCOUNT}
    assert "status" in nested["order"]  # local properties of a relation come by default
    assert sl.request(request_id, "id,statusId") == {"id": request_id, "statusId": 50}
    assert sl.request(request_id, "[id]") == {"id": request_id}
    assert sl.request(request_id, "id") == {"id": request_id}
    assert sl.request(request_id, "mask[id,status.name]") == {"id": request_id, "status": {"name": "Pending CA Approval"}}
    assert sl.request(request_id, "mask.status.name;mask[id]") == {"id": request_id, "status": {"name": "Pending CA Approval"}}
    assert sl.request(request_id, "mask(SoftLayer_Security_Certificate_Request)[id]") == {"id": request_id}
    assert sl.request(request_id, "filteredMask[id]") == {"id": request_id}
    listed = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="mask[id,status[name]]").json()
    assert listed == [{"id": request_id, "status": {"name": "Pending CA Approval"}}]


def test_mask_errors_answer_as_the_api_does(sl, control):
    # A property the type does not have: HTTP 500, SoftLayer_Exception_WebService_ObjectMask,
    # "Property 'x' not valid for 'SoftLayer_Type'." The code and text: softlayer/softlayer-python
    # issues #568 and #1088 (slcli output); the status over REST: softlayer/softlayer-java issue #42
    # ("(code: SoftLayer_Exception_WebService_ObjectMask, status: 500)") and
    # softlayer/softlayer-python issue #1525 ("SoftLayerAPIError(500): Property 'dal13' not valid for
    # 'SoftLayer_Hardware'."). A mask the parser cannot read: SoftLayer_Exception_Common_Parser
    # (softlayer/softlayer-python pull request #345), HTTP 500 as the API's other exceptions.
    # Before, both were answered with SoftLayer_Exception_Public.
    _, request_id = sl.place_and_appear(control)
    for mask, name, type_name in (("mask[id,certificateAuthorityName]", "certificateAuthorityName", REQ),
                                  ("mask[id,status[name,color]]", "color", STATUS),
                                  ("status.color", "color", STATUS)):
        body = assert_error(sl.get("%s/%d.json" % (REQ, request_id), objectMask=mask), 500,
                            "SoftLayer_Exception_WebService_ObjectMask")
        assert body["error"] == "Property '%s' not valid for '%s'." % (name, type_name)
    for mask in ("mask[id,status[name]", "mask[id]]", "mask[id]x", "mask[id,st-atus]", "mask(SoftLayer_X[id]"):
        assert_error(sl.get("%s/%d.json" % (REQ, request_id), objectMask=mask), 500, "SoftLayer_Exception_Common_Parser")
    # the mask is checked against the return type, not against what was found: an empty list does
    # not hide it (before, a filter that matched nothing answered 200 [])
    nothing = json.dumps({"securityCertificateRequest": {"commonName": {"operation": "nothing.example.com"}}})
    assert sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id", objectFilter=nothing).json() == []
    assert_error(sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="mask[id,bogus]",
                         objectFilter=nothing), 500, "SoftLayer_Exception_WebService_ObjectMask", "'bogus'")
    # types whose property list the reference does not give in full still ignore what they do not know
    assert sl.request(request_id, "mask[id,order[id,bogus]]") == {"id": request_id, "order": {"id": sl.request(
        request_id, "mask[order[id]]")["order"]["id"]}}


def test_include_types_header(sl, control):
    _, request_id = sl.place_and_appear(control)
    response = sl.http.get(sl.base + "%s/%d.json" % (REQ, request_id), params={"objectMask": "mask[id,status]"},
                           headers={"SoftLayer-Include-Types": "true"}, timeout=5)
    body = response.json()
    assert body["complexType"] == "SoftLayer_Security_Certificate_Request"
    assert body["status"]["complexType"] == "SoftLayer_Security_Certificate_Request_Status"
    assert "complexType" not in sl.request(request_id)


# -- objectFilter, resultLimit -------------------------------------------------------------------------------

def _five_requests(sl, control):
    names = ["a.example.com", "shop.example.com", "api.example.net", "b.example.com", "Mail.Example.com"]
    orders = [sl.place(name, orderApproverEmailAddress="admin@" + name.split(".", 1)[1].lower())["orderId"]
              for name in names]
    control.advance(DELAY)
    rows = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id,commonName").json()
    return orders, {r["commonName"]: r["id"] for r in rows}


def test_filters(sl, control):
    orders, ids = _five_requests(sl, control)
    sl.get("%s/%d/cancelSslOrder.json" % (REQ, ids["b.example.com"]))

    def run(spec, mask="id,commonName"):
        response = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask=mask,
                           objectFilter=json.dumps(spec))
        assert response.status_code == 200, response.text
        assert response.headers["SoftLayer-Total-Items"] == str(len(response.json()))
        return [r["commonName"] for r in response.json()]

    root = "securityCertificateRequest"
    assert run({root: {"order": {"id": {"operation": orders[1]}}}}) == ["shop.example.com"]
    assert run({root: {"order": {"id": {"operation": str(orders[1])}}}}) == ["shop.example.com"]
    assert run({"order": {"id": {"operation": orders[2]}}}) == ["api.example.net"]  # no root key
    assert run({root: {"id": {"operation": ids["a.example.com"]}}}) == ["a.example.com"]
    assert run({root: {"statusId": {"operation": 51}}}) == ["b.example.com"]
    assert run({root: {"statusId": {"operation": "!= 51"}}}) == [
        "a.example.com", "shop.example.com", "api.example.net", "Mail.Example.com"]
    assert run({root: {"status": {"name": {"operation": "Canceled"}}}}) == ["b.example.com"]
    assert run({root: {"commonName": {"operation": "shop.example.com"}}}) == ["shop.example.com"]
    assert run({root: {"commonName": {"operation": "mail.example.com"}}}) == []
    assert run({root: {"commonName": {"operation": "_= mail.example.com"}}}) == ["Mail.Example.com"]
    assert run({root: {"commonName": {"operation": "$= .net"}}}) == ["api.example.net"]
    assert run({root: {"commonName": {"operation": "^= A"}}}) == ["a.example.com", "api.example.net"]
    assert run({root: {"commonName": {"operation": "*= shop"}}}) == ["shop.example.com"]
    assert run({root: {"commonName": {"operation": "!*= example.com"}}}) == ["api.example.net"]
    assert run({root: {"commonName": {"operation": "~ ^[ab]\\."}}}) == ["a.example.com", "b.example.com"]
    assert run({root: {"id": {"operation": "in", "options": [{"name": "data", "value": [
        ids["a.example.com"], str(ids["api.example.net"])]}]}}}) == ["a.example.com", "api.example.net"]
    assert run({root: {"order": {"id": {"operation": "in", "options": [{"name": "data", "value": orders[3:]}]}}}}) == [
        "b.example.com", "Mail.Example.com"]
    assert run({root: {"effectiveDate": {"operation": "is null"}, "id": {"operation": ids["a.example.com"]}}}) == [
        "a.example.com"]
    assert run({root: {"createDate": {"operation": "> sysdate - 1"}}}) == run({})
    assert run({root: {"createDate": {"operation": "< sysdate - 1"}}}) == []
    today = datetime.datetime.fromtimestamp(control.now())  # the sandbox clock, not the wall clock
    tomorrow = (today + datetime.timedelta(days=2)).strftime("%m/%d/%Y")
    assert len(run({root: {"createDate": {"operation": "lessThanDate", "options": [
        {"name": "date", "value": [tomorrow]}]}}})) == 5
    assert run({root: {"createDate": {"operation": "greaterThanDate", "options": [
        {"name": "date", "value": [tomorrow]}]}}}) == []
    ordered = run({root: {"commonName": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}})
    assert ordered == ["shop.example.com", "Mail.Example.com", "b.example.com", "api.example.net", "a.example.com"]
    by_id_desc = run({"id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}})
    assert by_id_desc == list(reversed(run({})))
    assert run({"or": [{"commonName": {"operation": "a.example.com"}}, {"statusId": {"operation": 51}}]}) == [
        "a.example.com", "b.example.com"]
    # advanced operators: or / and take literal operations in the option "data"
    assert run({root: {"commonName": {"operation": "or", "options": [{"name": "data", "value": [
        "^= shop", "$= .net"]}]}}}) == ["shop.example.com", "api.example.net"]
    assert run({root: {"id": {"operation": "and", "options": [{"name": "data", "value": [
        ">= %d" % ids["shop.example.com"], "<= %d" % ids["api.example.net"]]}]}}}) == [
        "shop.example.com", "api.example.net"]
    assert run({root: {"createDate": {"operation": ">= currentDate - 1"}}}) == run({})
    yesterday = (today - datetime.timedelta(days=2)).strftime("%m/%d/%y")
    assert len(run({root: {"createDate": {"operation": "greaterThanDate", "options": [
        {"name": "date", "value": [yesterday]}]}}})) == 5
    # a rootless key next to the root key (softlayer-python's iter_call adds {"id": orderBy}): both apply
    assert run({root: {"order": {"id": {"operation": str(orders[2])}}},
                "id": {"operation": "orderBy", "options": [{"name": "sort", "value": ["ASC"]}]}}) == ["api.example.net"]
    assert run({root: {"statusId": {"operation": "!= 51"}},
                "commonName": {"operation": "orderBy", "options": [{"name": "sort", "value": ["DESC"]}]}}) == [
        "shop.example.com", "Mail.Example.com", "api.example.net", "a.example.com"]
    # malformed filters and unknown properties are ignored, as on the real API
    everything = run({})
    assert len(everything) == 5
    assert run({root: {"noSuchProperty": {"operation": "x"}}}) == everything
    assert run({"wrongRoot": {"id": {"operation": 1}}}) == everything
    garbage = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id", objectFilter="{not json")
    assert len(garbage.json()) == 5


def test_result_limit_and_total_header(sl, control):
    _, ids = _five_requests(sl, control)
    all_ids = sorted(ids.values())

    def page(limit):
        response = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id", resultLimit=limit)
        assert response.headers["SoftLayer-Total-Items"] == "5"
        return [r["id"] for r in response.json()]

    assert page("0,2") == all_ids[:2]
    assert page("2,2") == all_ids[2:4]
    assert page("4,2") == all_ids[4:]
    assert page("3") == all_ids[:3]
    assert page("10,5") == []
    assert page("3,0") == all_ids[3:]  # a zero limit means "no limit" (softlayer-python sends offset,0)
    encoded = sl.http.post(sl.base + REQ + "/getSslCertificateRequests.json?objectMask=id&resultLimit=1%2C1",
                           json={"parameters": [ACCOUNT]}, timeout=5)
    assert [r["id"] for r in encoded.json()] == all_ids[1:2]
    statuses = sl.get(STATUS + "/getSslRequestStatuses.json", resultLimit="1,2")
    assert [s["id"] for s in statuses.json()] == [43, 49] and statuses.headers["SoftLayer-Total-Items"] == "4"
    prefixes = sl.get(REQ + "/getAdministratorEmailPrefixes.json", resultLimit="0,2")
    assert prefixes.json() == ["admin", "administrator"] and prefixes.headers["SoftLayer-Total-Items"] == "6"
    single = sl.get("%s/%d.json" % (REQ, all_ids[0]), resultLimit="0,1")
    assert single.json()["id"] == all_ids[0] and "SoftLayer-Total-Items" not in single.headers


# -- lifecycle on the sandbox clock --------------------------------------------------------------------------

def test_lifecycle_by_clock_advance(sl, control):
    order_id, request_id = sl.place_and_appear(control)
    created = sl.request(request_id)
    control.advance(APPROVE - 0.5)
    assert status_of(sl, request_id) == 50
    control.advance(1)
    approved = sl.request(request_id)
    assert approved["statusId"] == 43
    effective = datetime.datetime.fromisoformat(approved["effectiveDate"])
    expiration = datetime.datetime.fromisoformat(approved["expirationDate"])
    created_at = datetime.datetime.fromisoformat(created["createDate"])
    assert 3 <= (effective - created_at).total_seconds() <= 5  # approve_after 4 s after the request appeared
    assert (expiration.year, expiration.month) == (effective.year + 1, effective.month)
    assert expiration.strftime("%H:%M:%S") == "23:59:59"
    assert approved["modifyDate"] == approved["effectiveDate"]
    for key in ("createDate", "modifyDate", "effectiveDate", "expirationDate"):
        assert __import__("re").match(ISO_OFFSET, approved[key]), key
    control.advance(COMPLETE - 1)
    assert status_of(sl, request_id) == 43
    control.advance(1)
    complete = sl.request(request_id)
    assert complete["statusId"] == 49 and complete["effectiveDate"] == approved["effectiveDate"]
    order = sl.get("%s/%d/getOrder.json" % (REQ, request_id)).json()
    assert order["status"] == "APPROVED" and order["orderApprovalDate"]
    history = [h["status"] for h in control.orders("softlayer")[0]["history"]]
    assert history == ["Pending CA Approval", "Approved", "Complete"]


def test_one_big_clock_jump_lands_in_the_final_status_with_scheduled_dates(sl, control):
    receipt = sl.place()
    control.advance(3600)
    request_id = sl.requests_for_order(receipt["orderId"])[0]["id"]
    request = sl.request(request_id)
    assert request["statusId"] == 49
    placed = datetime.datetime.fromisoformat(receipt["orderDate"])
    created = datetime.datetime.fromisoformat(request["createDate"])
    effective = datetime.datetime.fromisoformat(request["effectiveDate"])
    assert DELAY - 1 <= (created - placed).total_seconds() <= DELAY + 1  # the schedule's times, not the jump's
    assert DELAY + 3 <= (effective - placed).total_seconds() <= DELAY + 5


def test_two_year_item_sets_a_24_month_expiration(sl, control):
    _, request_id = sl.place_and_appear(control, prices=[{"id": 1839}])
    control.advance(5)
    request = sl.request(request_id)
    effective = datetime.datetime.fromisoformat(request["effectiveDate"])
    expiration = datetime.datetime.fromisoformat(request["expirationDate"])
    assert (expiration.year - effective.year) * 12 + expiration.month - effective.month == 24


def test_lifecycle_by_clock_advance_with_short_durations(sl, control):
    """Sub-second durations on the frozen clock: each transition half-way between two checks."""
    control.configure(softlayer={"request_delay": 0.3, "approve_after": 0.6, "complete_after": 0.6})
    receipt = sl.place()
    control.advance(0.2)
    assert sl.requests_for_order(receipt["orderId"]) == []
    control.advance(0.2)  # 0.4 s: the request appeared at 0.3 s
    request_id = sl.requests_for_order(receipt["orderId"])[0]["id"]
    assert status_of(sl, request_id) == 50
    control.advance(0.4)  # 0.8 s: approval is due at 0.9 s
    assert status_of(sl, request_id) == 50
    control.advance(0.2)  # 1.0 s
    assert status_of(sl, request_id) == 43
    control.advance(0.4)  # 1.4 s: completion is due at 1.5 s
    assert status_of(sl, request_id) == 43
    control.advance(0.2)  # 1.6 s
    assert status_of(sl, request_id) == 49
    order = control.orders("softlayer")[0]
    assert [h["status"] for h in order["history"]] == ["Pending CA Approval", "Approved", "Complete"]
    assert order["requestAt"] - order["placedAt"] == pytest.approx(0.3)
    assert order["completeAt"] - order["approveAt"] == pytest.approx(0.6)


@pytest.mark.real_clock
def test_lifecycle_runs_on_its_own_in_real_time(sl, control):
    """The one real-time smoke test: with the clock running, an order completes without any advance.

    It only checks what a slow machine cannot get wrong: the statuses come in order, the order
    completes before a generous deadline, and not before its durations have really passed.
    """
    control.configure(softlayer={"request_delay": 1, "approve_after": 1, "complete_after": 1})
    started = time.monotonic()  # before placeOrder, so the elapsed time is a lower bound
    receipt = sl.place()
    seen = []
    deadline = started + 60
    while time.monotonic() < deadline:
        rows = sl.requests_for_order(receipt["orderId"], mask="id,statusId")
        status = rows[0]["statusId"] if rows else None
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == 49:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    # in order, ending in Complete; a slow machine may skip a short-lived status between two polls
    assert seen[-1] == 49, seen
    assert seen == [s for s in (None, 50, 43, 49) if s in seen]
    assert elapsed >= 3 - 0.05  # request_delay + approve_after + complete_after of real time


def test_config_changes_apply_to_orders_placed_afterwards(sl, control):
    _, first = sl.place_and_appear(control, "one.example.com")
    control.configure(softlayer={"approve_after": 100})
    _, second = sl.place_and_appear(control, "two.example.com")
    control.advance(10)  # the first has been pending DELAY + 10 s: approved after 4 s, complete 4 s later
    assert status_of(sl, first) == 49 and status_of(sl, second) == 50
    control.advance(100 - 10 - 0.5)
    assert status_of(sl, second) == 50
    control.advance(1)
    assert status_of(sl, second) == 43


# -- markers -----------------------------------------------------------------------------------------------

def test_reject_marker_cancels_when_it_would_have_been_approved(sl, control):
    _, request_id = sl.place_and_appear(control, "www-sbx-reject.example.com")
    control.advance(APPROVE - 0.5)
    assert status_of(sl, request_id) == 50
    control.advance(1)
    request = sl.request(request_id)
    assert request["statusId"] == 51 and "effectiveDate" not in request
    control.advance(100)
    assert status_of(sl, request_id) == 51
    assert control.orders("softlayer")[0]["history"][-1]["by"] == "ca-rejected"


def test_stall_marker_stays_pending(sl, control):
    _, request_id = sl.place_and_appear(control, "Sbx-Stall.example.com")
    control.advance(30 * 86400)
    assert status_of(sl, request_id) == 50
    assert sl.get("%s/%d/cancelSslOrder.json" % (REQ, request_id)).json() is True


def test_timed_markers_stagger_approvals(sl, control):
    _, t12 = sl.place_and_appear(control, "app-sbx-t12.example.com")
    _, t3 = sl.place_and_appear(control, "sbx-t3-web.example.com")
    # t12 appeared DELAY seconds before t3; each check is half a second from a transition
    control.advance(2.5)  # t3 pending 2.5 s, t12 pending DELAY + 2.5 s
    assert (status_of(sl, t12), status_of(sl, t3)) == (50, 50)
    control.advance(1)  # t3 pending 3.5 s
    assert (status_of(sl, t12), status_of(sl, t3)) == (50, 43)
    control.advance(8 - DELAY)  # t12 pending 11.5 s; t3 approved 4.5 s ago, so complete (complete_after 4 s)
    assert (status_of(sl, t12), status_of(sl, t3)) == (50, 49)
    control.advance(1)  # t12 pending 12.5 s
    assert status_of(sl, t12) == 43
    control.advance(COMPLETE - 1)
    assert status_of(sl, t12) == 43
    control.advance(1)
    assert status_of(sl, t12) == 49
    _, rejected = sl.place_and_appear(control, "x-sbx-t2-sbx-reject.example.com")
    control.advance(1.5)
    assert status_of(sl, rejected) == 50
    control.advance(1)
    assert status_of(sl, rejected) == 51
    markers = {o["commonName"]: o["markers"] for o in control.orders("softlayer")}
    assert markers["app-sbx-t12.example.com"] == {"t": 12}
    assert markers["x-sbx-t2-sbx-reject.example.com"] == {"t": 2, "reject": True}


# -- control API: orders and forced statuses ----------------------------------------------------------------

def test_control_orders_and_force_status(sandbox, sl, control):
    receipt = sl.place()
    listed = control.orders("softlayer")
    assert len(listed) == 1 and listed[0]["orderId"] == receipt["orderId"] and listed[0]["requestId"] is None
    assert listed[0]["status"] is None
    # forcing before the request appeared creates it at once
    forced = control.force("softlayer", receipt["orderId"], "Approved")
    assert forced["status"] == "Approved" and forced["requestId"]
    request_id = forced["requestId"]
    request = sl.request(request_id)
    assert request["statusId"] == 43 and request["effectiveDate"]
    control.advance(COMPLETE - 0.5)  # Approved goes on to Complete complete_after later
    assert status_of(sl, request_id) == 43
    control.advance(1)
    assert status_of(sl, request_id) == 49
    assert control.force("softlayer", request_id, "Pending CA Approval")["status"] == "Pending CA Approval"
    assert "effectiveDate" not in sl.request(request_id)
    control.advance(APPROVE - 0.5)  # approval re-planned from the forced Pending
    assert status_of(sl, request_id) == 50
    control.advance(1)
    assert status_of(sl, request_id) == 43
    assert control.force("softlayer", request_id, "Canceled")["statusId"] == 51
    control.advance(100)
    assert status_of(sl, request_id) == 51
    url = sandbox.url + "/_sandbox/orders/softlayer/%s/status"
    unknown_name = requests.post(url % request_id, json={"status": "Cancelled"}, timeout=5)
    assert unknown_name.status_code == 400
    assert "Canceled" in unknown_name.json()["error"] and "Pending CA Approval" in unknown_name.json()["error"]
    assert requests.post(url % 424242, json={"status": "Complete"}, timeout=5).status_code == 404
    state = requests.get(sandbox.url + "/_sandbox/state", timeout=5).json()
    assert state["orders"]["softlayer"][0]["status"] == "Canceled"


def test_force_status_python_api(sandbox, sl, control):
    plugin = sandbox.sandbox.plugins["softlayer"]
    with pytest.raises(KeyError):
        plugin.force_status("777", "Complete")
    _, request_id = sl.place_and_appear(control)
    with pytest.raises(ValueError, match="Pending CA Approval"):
        plugin.force_status(request_id, "Done")
    assert plugin.force_status(str(request_id), "Complete")["status"] == "Complete"


# -- faults ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, status, body", [
    ("rate_limit", 500, {"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
                         "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}),
    ("softlayer_rate_limit", 500, {"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
                                   "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}),
    ("http_500", 500, {"error": "Internal Error", "code": "SoftLayer_Exception_Public"}),
    ("http_502", 502, {"error": "Internal Error", "code": "SoftLayer_Exception_Public"}),
    ("http_503", 503, {"error": "Internal Error", "code": "SoftLayer_Exception_Public"}),
    ("expired_token", 401, {"error": "Expired Token",
                            "code": "SoftLayer_Exception_Account_Authentication_AccessTokenValidation"}),
])
def test_fault_kinds_use_softlayer_shapes(sl, control, kind, status, body):
    control.fault(kind=kind, provider="softlayer", path="getSslRequestStatuses", count=1)
    response = sl.get(STATUS + "/getSslRequestStatuses.json")
    assert response.status_code == status and response.json() == body
    assert sl.get(STATUS + "/getSslRequestStatuses.json").status_code == 200


def test_echo_request_fault_repeats_the_basic_header_and_the_body_in_a_softlayer_error(sl, control):
    control.fault(kind="echo_request", provider="softlayer", path="verifyOrder")
    response = sl.post("SoftLayer_Product_Order/verifyOrder.json", {"marker": "echo-me"})
    body = assert_error(response, 500, "SoftLayer_Exception_Public")
    basic = base64.b64encode(("%s:%s" % (USER, API_KEY)).encode()).decode()
    assert "Authorization: Basic %s" % basic in body["error"] and '"marker": "echo-me"' in body["error"]
    assert control.faults()["rules"][0]["fired"] == 1


def test_expired_token_status_is_configurable(sl, control):
    control.configure(softlayer={"expired_token_status": 500})
    control.fault(kind="expired_token", provider="softlayer")
    response = sl.get(STATUS + "/getSslRequestStatuses.json")
    assert response.status_code == 500
    assert response.json()["code"] == "SoftLayer_Exception_Account_Authentication_AccessTokenValidation"


def test_fault_after_place_order_leaves_an_ambiguous_but_real_order(sl, control):
    control.fault(kind="http_502", provider="softlayer", path="placeOrder", when="after")
    response = sl.post("SoftLayer_Product_Order/placeOrder.json", container(), False)
    assert response.status_code == 502
    orders = control.orders("softlayer")
    assert len(orders) == 1  # the order went through; a client must never retry placeOrder blindly
    control.advance(DELAY)
    rows = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id,commonName",
                   objectFilter=json.dumps({"securityCertificateRequest": {"commonName": {"operation": "www.example.com"}}}))
    assert [r["id"] for r in rows.json()] == [control.orders("softlayer")[0]["requestId"]]


# -- quirk switches, for clients that must parse tolerantly ------------------------------------------------

def test_quirk_lone_object(sl, control):
    _, request_id = sl.place_and_appear(control)
    control.configure(softlayer={"quirks": {"lone_object": True}})
    single = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id")
    assert single.json() == {"id": request_id} and single.headers["SoftLayer-Total-Items"] == "1"
    assert isinstance(sl.get(STATUS + "/getSslRequestStatuses.json").json(), list)
    assert sl.get(STATUS + "/getSslRequestStatuses.json", resultLimit="0,1").json()["id"] == 50


def test_quirk_explicit_nulls(sl, control):
    _, request_id = sl.place_and_appear(control)
    control.configure(softlayer={"quirks": {"explicit_nulls": True}})
    request = sl.request(request_id)
    assert request["effectiveDate"] is None and request["expirationDate"] is None
    assert sl.request(request_id, "mask[id,effectiveDate]") == {"id": request_id, "effectiveDate": None}
    control.configure(softlayer={"quirks": {"explicit_nulls": False}})
    assert "effectiveDate" not in sl.request(request_id)


def test_quirk_extra_keys(sl, control):
    _, request_id = sl.place_and_appear(control)
    control.configure(softlayer={"quirks": {"extra_keys": True}})
    request = sl.request(request_id, "mask[id,status]")
    assert "sandboxUnknownProperty" in request and "sandboxUnknownProperty" in request["status"]
    statuses = sl.get(STATUS + "/getSslRequestStatuses.json").json()
    assert all("sandboxUnknownProperty" in s for s in statuses)


def test_quirk_error_body_200(sl, control):
    control.configure(softlayer={"quirks": {"error_body_200": 2}})
    for _ in range(2):
        response = sl.post("SoftLayer_Product_Order/placeOrder.json", container(), False)
        assert response.status_code == 200
        assert response.json() == {"error": "Internal Error", "code": "SoftLayer_Exception_Public"}
    assert control.orders("softlayer") == []  # the call was not processed
    assert isinstance(sl.get(STATUS + "/getSslRequestStatuses.json").json(), list)
    control.configure(softlayer={"quirks": {"error_body_200": True}})
    for _ in range(3):
        assert sl.get(STATUS + "/getSslRequestStatuses.json").json()["error"] == "Internal Error"


# -- state file, concurrency -------------------------------------------------------------------------------------

def test_restart_with_state_file(tmp_path):
    state_file = str(tmp_path / "sandbox-state.json")
    with SandboxServer(state_file=state_file) as server:
        # frozen, so the restart takes no sandbox time (the state file keeps the clock frozen)
        requests.post(server.url + "/_sandbox/clock/freeze", json={"frozen": True}, timeout=5).raise_for_status()
        sl = SL(server.url)
        receipt = sl.place("www.example.com")
        stalled = sl.place("sbx-stall.example.com")
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": DELAY}, timeout=5)
        request_id = sl.requests_for_order(receipt["orderId"])[0]["id"]
        assert status_of(sl, request_id) == 50
    with open(state_file, encoding="utf-8") as handle:
        saved = json.load(handle)
    assert str(receipt["orderId"]) in saved["softlayer"]["orders"]
    with SandboxServer(state_file=state_file) as server:
        sl = SL(server.url)
        assert status_of(sl, request_id) == 50
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": APPROVE - 0.5}, timeout=5)
        assert status_of(sl, request_id) == 50
        requests.post(server.url + "/_sandbox/clock/advance", json={"seconds": 10}, timeout=5)
        assert status_of(sl, request_id) == 49
        assert sl.requests_for_order(stalled["orderId"], mask="statusId") == [{"statusId": 50}]
        next_receipt = sl.place("api.example.com")
        assert next_receipt["orderId"] == receipt["orderId"] + 2  # ids go on after a restart


def test_concurrent_orders_and_polls(sl, control):
    names = ["host%02d.example.com" % n for n in range(24)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        receipts = list(pool.map(lambda n: sl.place(n), names))
        assert len({r["orderId"] for r in receipts}) == len(names)
        control.advance(DELAY)
        found = list(pool.map(lambda r: sl.requests_for_order(r["orderId"]), receipts))
    request_ids = [rows[0]["id"] for rows in found]
    assert len(set(request_ids)) == len(names)
    listed = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="id")
    assert listed.headers["SoftLayer-Total-Items"] == str(len(names))


# -- expiration control and the expiry filter -------------------------------------------------------

def _expire(sandbox, order_id, body):
    return requests.post("%s/_sandbox/orders/softlayer/%s/expiration" % (sandbox.url, order_id), json=body, timeout=10)


def test_expiration_control_moves_an_issued_certificate_only(sandbox, sl, control):
    order_id, request_id = sl.place_and_appear(control, "www.expiring-1.example.com")
    pending = _expire(sandbox, request_id, {"days": 10})
    assert pending.status_code == 409 and "force Approved or Complete first" in pending.json()["error"]
    control.force("softlayer", request_id, "Approved")
    before = sl.request(request_id)
    now = control.now()
    moved = _expire(sandbox, order_id, {"days": 10.5})  # an order id works as well as a request id
    assert moved.status_code == 200 and moved.json()["expirationDate"] is not None
    after = sl.request(request_id)
    expires = datetime.datetime.fromisoformat(after["expirationDate"]).timestamp()
    assert expires == pytest.approx(now + 10.5 * 86400, abs=1)
    # only the date moved: same status, same effective date, same modifyDate
    assert {k: v for k, v in after.items() if k != "expirationDate"} == \
           {k: v for k, v in before.items() if k != "expirationDate"}
    # an expired certificate: its effective date moves back so that it still starts before it ends
    expired = _expire(sandbox, request_id, {"days": -400}).json()
    assert datetime.datetime.fromisoformat(expired["effectiveDate"]) < datetime.datetime.fromisoformat(
        expired["expirationDate"])
    absolute = _expire(sandbox, request_id, {"date": "2031-05-06T23:59:59-05:00"}).json()
    assert absolute["expirationDate"] == "2031-05-06T23:59:59-05:00"


@pytest.mark.parametrize("body, needle", [
    ({}, "body must be"), ({"days": 1, "date": "2030-01-01"}, "body must be"), ({"days": "ten"}, "days must be"),
    ({"days": True}, "days must be"), ({"date": "soon"}, "date must be an ISO 8601"), ({"when": 1}, "body must be"),
])
def test_expiration_control_refuses_bad_bodies(sandbox, sl, control, body, needle):
    _order, request_id = sl.place_and_appear(control, "www.expiring-2.example.com")
    control.force("softlayer", request_id, "Approved")
    response = _expire(sandbox, request_id, body)
    assert response.status_code == 400 and needle in response.json()["error"]
    assert _expire(sandbox, 1, {"days": 1}).status_code == 404
    assert requests.post(sandbox.url + "/_sandbox/orders/edgecast/1/expiration", json={"days": 1},
                         timeout=10).status_code in (400, 404)


def test_less_than_date_on_expiration_date_in_softlayer_pythons_form(sandbox, sl, control):
    # softlayer-python's lessThanDate (softlayer/softlayer-python, SoftLayer/utils.py,
    # event_log_filter_less_than_date): option "date", an ISO date-time with microseconds and offset
    ids = []
    for index, days in enumerate((5, 40, None)):
        _order, request_id = sl.place_and_appear(control, "www.expiring-f%d.example.com" % index)
        if days is not None:
            control.force("softlayer", request_id, "Approved")
            _expire(sandbox, request_id, {"days": days})
        ids.append(request_id)
    bound = datetime.datetime.fromtimestamp(control.now() + 30 * 86400, datetime.timezone.utc)
    leaf = {"operation": "lessThanDate",
            "options": [{"name": "date", "value": [bound.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00")]}]}
    rows = sl.post(REQ + "/getSslCertificateRequests.json", ACCOUNT, objectMask="mask[id,expirationDate]",
                   objectFilter=json.dumps({"securityCertificateRequest": {"expirationDate": leaf}})).json()
    assert [row["id"] for row in rows] == [ids[0]]  # not the one 40 days out, not the unissued one


def test_validate_csr_is_a_read_that_changes_nothing(sandbox, sl, control):
    # validateCsr(csr, validityMonths, itemId, serverType) takes the product item id (964), not a price id
    # (1836 is refused); as Terraform's resource uses it (IBM-Cloud/terraform-provider-ibm,
    # ibm/service/classicinfrastructure/resource_ibm_ssl_certificate.go)
    before = requests.get(sandbox.url + "/_sandbox/state", timeout=10).json()["orders"]["softlayer"]
    assert sl.post(REQ + "/validateCsr.json", make_csr("www.example.com"), 24, 967, "nginx").json() is True
    assert sl.post(REQ + "/validateCsr.json", make_csr("app-sbx-badcsr.example.com"), 12, 964, "nginx").json() is False
    assert_error(sl.post(REQ + "/validateCsr.json", make_csr("www.example.com"), 12, 1836, "nginx"), 500,
                 "SoftLayer_Exception_InvalidValue", "item")
    assert requests.get(sandbox.url + "/_sandbox/state", timeout=10).json()["orders"]["softlayer"] == before
