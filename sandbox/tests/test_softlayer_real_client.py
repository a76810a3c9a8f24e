"""The vendor's own client, softlayer-python (``SoftLayer`` on PyPI, REST transport), against the sandbox,
used the way its users use it: ``create_client_from_env`` (arguments or a config file), ``client[service].method``
and ``client.call`` with ``mask``, ``filter``, ``limit``, ``offset`` and ``iter=True``.

Every assertion checks a fact written in the team's SoftLayer reference (shared/providers/softlayer.md, cited
below by section title) or in vendor source (repository and path), never a value read back from the
sandbox's own catalogue, config or documentation: package, item and price ids are looked up through the API
as Terraform does, orders are placed here under names chosen here, and only those are counted. The clock is
frozen (conftest.py) and moved on with the control API until the documented next state is reached, so no
assertion depends on the sandbox's own timings either.

softlayer-python's REST transport turns an error into ``SoftLayerAPIError(<HTTP status>, <body's error>)`` and
drops the body's ``code`` (softlayer/softlayer-python: SoftLayer/transports/rest.py). The ``Wire`` recorder
(a response hook on the client's own requests session) keeps each answer so that the documented code can be
checked on the same call.
"""

import datetime
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

# the real client (requirements-dev.txt): a missing one must fail, not skip
import SoftLayer
from SoftLayer import transports
from SoftLayer.managers import OrderingManager
from certops_sandbox.softlayer.plugin import DEFAULT_CONFIG

REQ = "SoftLayer_Security_Certificate_Request"
STATUS = "SoftLayer_Security_Certificate_Request_Status"
CONTAINER_TYPE = "SoftLayer_Container_Product_Order_Security_Certificate"
SSL_PACKAGE_TYPE = "ADDITIONAL_SERVICES_SSL_CERTIFICATE"
ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")

# reference, "Decisions for this project" (status ids and names): exactly these four, names spelled as SLDN
# spells them ("Canceled", one "l"); clients map ids to names once per run and match on names
DOCUMENTED_STATUSES = {50: "Pending CA Approval", 43: "Approved", 49: "Complete", 51: "Canceled"}
# reference, "Schemas": SoftLayer_Security_Certificate_Request
REQUEST_LOCALS = {"id", "accountId", "approverEmailAddress", "certificateSigningRequest", "commonName", "createDate",
                  "modifyDate", "effectiveDate", "expirationDate", "statusId", "technicalContactEmailAddress"}
REQUEST_RELATIONS = {"account", "order", "orderItem", "status"}
# reference, "Schemas": SoftLayer_Container_Product_Order_Receipt
RECEIPT_KEYS = {"orderId", "orderDate", "orderDetails", "placedOrder", "quote", "externalPaymentCheckoutUrl",
                "externalPaymentToken", "paypalCheckoutUrl", "paypalToken"}
# reference, "Schemas": SoftLayer_Billing_Order local keys
BILLING_ORDER_LOCALS = {"id", "accountId", "userRecordId", "createDate", "modifyDate", "orderApprovalDate", "status",
                        "orderTotalAmount", "orderTotalOneTime", "orderTotalRecurring", "orderTotalSetupAmount",
                        "orderTypeId", "orderQuoteId", "presaleEventId"}
# Terraform's look-ups (IBM-Cloud/terraform-provider-ibm: ibm/service/classicinfrastructure/resource_ibm_ssl_certificate.go,
# through softlayer-go helpers/product/product.go), as the reference's "Catalogue: package and items" quotes them
TF_PACKAGE_MASK = "id,name,description,isActive,type[keyName]"
TF_ITEMS_MASK = "id,capacity,description,units,keyName,prices[id,locationGroupId,categories[id,name,categoryCode]]"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_csr(common_name):
    """A CSR as a user brings it: PEM, RSA-2048, the name as CN."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Slpy Test Corp")])
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(_KEY, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def documented_container(common_name, package_id, price_id):
    """The container of the reference's sample body ("Sample bodies", verifyOrder / placeOrder)."""
    return {
        "complexType": CONTAINER_TYPE,
        "packageId": package_id,
        "quantity": 1,
        "prices": [{"id": price_id}],
        "certificateSigningRequest": make_csr(common_name),
        "serverType": "apache2",
        "orderApproverEmailAddress": "admin@example.com",
        "renewalFlag": False,
        "organizationInformation": {
            "organizationName": "Slpy Test Corp", "phoneNumber": "+1 555 0100",
            "address": {"addressLine1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001",
                        "countryCode": "US"}},
        "technicalContact": {
            "firstName": "Ada", "lastName": "Lovelace", "title": "Ops", "emailAddress": "ops@example.com",
            "phoneNumber": "+1 555 0101", "organizationName": "Slpy Test Corp"},
    }


def terraform_container(common_name, package_id, price_id, validity_months):
    """The container Terraform's ibm_ssl_certificate builds (resource_ibm_ssl_certificate.go,
    buildSSLProductOrderContainer) for a user who gives only the required arguments.

    softlayer-go sends every field the provider set, and the provider sets every address and contact
    field from the schema: an optional block the user left out (tech_address, administrative_contact,
    billing_contact, org_fax_number, ...) arrives as empty strings, not as a missing key. It also sends
    the deprecated serverCount and validityMonths, and renewalFlag defaults to true.
    """
    def address(**given):
        blank = {"addressLine1": "", "addressLine2": "", "city": "", "countryCode": "", "postalCode": "", "state": ""}
        blank.update(given)
        return blank

    def contact(**given):
        blank = {"address": address(), "emailAddress": "", "firstName": "", "lastName": "", "organizationName": "",
                 "phoneNumber": "", "faxNumber": "", "title": ""}
        blank.update(given)
        return blank

    return {
        "complexType": CONTAINER_TYPE,  # softlayer-go's SetComplexType adds it (services/product.go, VerifyOrder)
        "packageId": package_id,
        "prices": [{"id": price_id}],
        "quantity": 1,
        "administrativeContact": contact(),
        "billingContact": contact(),
        "certificateSigningRequest": make_csr(common_name),
        "orderApproverEmailAddress": "admin@example.com",
        "organizationInformation": {
            "address": address(addressLine1="1 Main St", city="Dallas", countryCode="US", postalCode="75001", state="TX"),
            "organizationName": "Slpy Test Corp", "phoneNumber": "+1 555 0100", "faxNumber": ""},
        "renewalFlag": True,
        "serverCount": 1,
        "serverType": "apache2",
        "technicalContact": contact(emailAddress="ops@example.com", firstName="Ada", lastName="Lovelace",
                                    organizationName="Slpy Test Corp", phoneNumber="+1 555 0101", title="Ops"),
        "validityMonths": validity_months,
    }


class Wire:
    """Every HTTP answer the client got, through a response hook on its own requests session."""

    def __init__(self, client):
        self.responses = []
        client.transport.client.hooks["response"].append(self._record)

    def _record(self, response, *args, **kwargs):
        self.responses.append(response)

    def mark(self):
        return len(self.responses)

    def since(self, mark):
        return self.responses[mark:]

    def api_error(self, call, *args, **kwargs):
        """Run a call that must fail; return (HTTP status, error body) after checking both views agree."""
        with pytest.raises(SoftLayer.SoftLayerAPIError) as raised:
            call(*args, **kwargs)
        response = self.responses[-1]
        body = response.json()
        # reference, "Errors and retries" (error body): always a JSON object with the two keys error and code
        assert set(body) == {"error", "code"}, body
        # reference, "What the clients do with errors": softlayer-python REST keeps the HTTP status as faultCode
        # and the body's error as faultString
        assert raised.value.faultCode == response.status_code
        assert raised.value.faultString == body["error"]
        return response.status_code, body


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """softlayer-python reads SL_USERNAME / SL_API_KEY and ~/.softlayer too (SoftLayer/config.py): keep a
    developer's own settings out, so only what a test passes counts. Returns a path for a config file."""
    for name in ("SL_USERNAME", "SL_API_KEY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return str(tmp_path / "softlayer.conf")


@pytest.fixture
def info(sandbox):
    """Endpoint and credentials as the sandbox CLI prints them (what a user copies into their settings)."""
    return sandbox.urls()["softlayer"]


@pytest.fixture
def client(info, isolated):
    return SoftLayer.create_client_from_env(username=info["username"], api_key=info["api_key"],
                                            endpoint_url=info["endpoint_url"], timeout=10, config_file=isolated)


@pytest.fixture
def wire(client):
    return Wire(client)


@pytest.fixture
def names(client):
    """The id -> name map every client builds once per run (reference, decision on status ids and names)."""
    return {s["id"]: s["name"] for s in client[STATUS].getSslRequestStatuses()}


def account_id_of(client):
    # reference, "Listing requests for an account": SoftLayer_Account::getObject with mask[id] returns {"id": ...}
    account = client["SoftLayer_Account"].getObject(mask="mask[id]")
    assert set(account) == {"id"} and isinstance(account["id"], int)
    return account["id"]


def ssl_catalogue(client, key_name):
    """(package id, item id, first price id) for an SSL item, looked up as Terraform does."""
    packages = client["SoftLayer_Product_Package"].getAllObjects(
        mask=TF_PACKAGE_MASK, filter={"type": {"keyName": {"operation": SSL_PACKAGE_TYPE}}}, limit=1)
    assert len(packages) == 1
    package = packages[0]
    # reference, "Conventions: objectMask": a mask naming local properties returns only those at that level
    assert set(package) <= {"id", "name", "description", "isActive", "type"}
    assert package["type"] == {"keyName": SSL_PACKAGE_TYPE}
    items = client["SoftLayer_Product_Package"].getItems(id=package["id"], mask=TF_ITEMS_MASK)
    # Terraform takes the item whose keyName is the user's ssl_type, then that item's first price id
    item = next(i for i in items if i["keyName"] == key_name)
    assert set(item) <= {"id", "capacity", "description", "units", "keyName", "prices"}
    assert isinstance(item["id"], int) and isinstance(item["prices"][0]["id"], int)
    for price in item["prices"]:
        assert set(price) <= {"id", "locationGroupId", "categories"}
    return package["id"], item["id"], item["prices"][0]["id"]


def wait_for_request(client, control, account_id, order_id, mask="id"):
    """Terraform's findSSLByOrderId: poll getSslCertificateRequests filtered by the order id (sent as a string)
    until a row comes back, for up to 10 minutes; here every poll moves the frozen sandbox clock on 3 s, the
    provider's minimum interval. The record may appear some time after placeOrder (reference, decision on the
    late request), so the receipt alone is not enough."""
    order_filter = {"securityCertificateRequest": {"order": {"id": {"operation": str(order_id)}}}}
    for _ in range(200):
        rows = client[REQ].getSslCertificateRequests(account_id, mask=mask, filter=order_filter)
        if rows:
            return rows
        control.advance(3)
    pytest.fail("no certificate request for order %s within 10 minutes of sandbox time" % order_id)


def place(client, control, account_id, common_name, key_name="SSL_CERTIFICATE_RAPIDSSL_1_YEAR"):
    """Place one order for ``common_name`` with the documented container; return (receipt, request id, item id)."""
    package_id, item_id, price_id = ssl_catalogue(client, key_name)
    receipt = client["SoftLayer_Product_Order"].placeOrder(documented_container(common_name, package_id, price_id), False)
    rows = wait_for_request(client, control, account_id, receipt["orderId"])
    assert len(rows) == 1
    return receipt, rows[0]["id"], item_id


def advance_until_not(client, control, request_id, names, status):
    """Move the clock on until the request leaves ``status``; return the new status name."""
    for _ in range(600):
        current = names[client[REQ].getObject(id=request_id, mask="mask[statusId]")["statusId"]]
        if current != status:
            return current
        control.advance(1)
    pytest.fail("request %s still %s after 10 minutes of sandbox time" % (request_id, status))


def parse_date(text):
    # reference, "Conventions: dates": ISO-8601 with a numeric UTC offset
    assert ISO_OFFSET.match(text), text
    return datetime.datetime.fromisoformat(text)


# -- credentials, as users configure the client ----------------------------------------------------------------

def test_client_settings_the_ways_users_give_them(sandbox, info, isolated):
    """Username + API key as arguments and from a config file, the IBM Cloud API key under the literal user
    ``apikey``, and an IAM bearer token (reference, "Authentication": schemes; softlayer/softlayer-python:
    SoftLayer/config.py, SoftLayer/auth.py, SoftLayer/API.py)."""
    endpoint = info["endpoint_url"]
    # reference, "Sandbox contract": the REST base is served under /rest/v3.1/; softlayer-python picks its REST
    # transport because the URL contains /rest (SoftLayer/API.py, _build_transport)
    assert endpoint == sandbox.url + "/rest/v3.1/"
    by_arguments = SoftLayer.create_client_from_env(username=info["username"], api_key=info["api_key"],
                                                    endpoint_url=endpoint, timeout=10, config_file=isolated)
    assert isinstance(by_arguments.transport, transports.RestTransport)
    account_id = account_id_of(by_arguments)

    # docs/config_file.rst: an INI file with a [softlayer] section (username, api_key, endpoint_url, timeout)
    with open(isolated, "w", encoding="utf-8") as handle:
        handle.write("[softlayer]\nusername = %s\napi_key = %s\nendpoint_url = %s\ntimeout = 10\n"
                     % (info["username"], info["api_key"], endpoint))
    by_file = SoftLayer.create_client_from_env(config_file=isolated)
    assert account_id_of(by_file) == account_id

    # an IBM Cloud API key goes as HTTP Basic with the literal user name "apikey"
    ibm = info["ibm_cloud_api_key"]
    assert ibm["username"] == "apikey"
    by_ibm_key = SoftLayer.create_client_from_env(username="apikey", api_key=ibm["api_key"], endpoint_url=endpoint,
                                                  timeout=10, config_file=isolated)
    assert account_id_of(by_ibm_key) == account_id

    # an IAM access token goes as "Authorization: Bearer <token>" (IAMClient.authenticate_with_iam_token)
    by_token = SoftLayer.IAMClient(config_file=isolated, transport=transports.RestTransport(endpoint_url=endpoint, timeout=10))
    by_token.authenticate_with_iam_token(info["bearer_token"])
    assert account_id_of(by_token) == account_id


def test_bad_credentials_are_the_documented_401(info, isolated):
    """reference, "Authentication failures": a bad username / API key pair over REST is HTTP 401 with "Invalid API
    token." (the code is unknown, so not checked); slcli recognises it by the text ``invalid api token``
    (softlayer/softlayer-python: SoftLayer/CLI/core.py). With no credentials: "No valid authentication headers found."."""
    endpoint = info["endpoint_url"]
    for username, api_key in ((info["username"], "not-the-key"), ("apikey", "not-the-ibm-cloud-key"),
                              ("SL000000", info["api_key"])):
        client = SoftLayer.create_client_from_env(username=username, api_key=api_key, endpoint_url=endpoint, timeout=10,
                                                  config_file=isolated)
        status, body = Wire(client).api_error(client["SoftLayer_Account"].getObject, mask="mask[id]")
        assert status == 401 and "invalid api token" in body["error"].lower()

    anonymous = SoftLayer.create_client_from_env(endpoint_url=endpoint, timeout=10, config_file=isolated)
    assert anonymous.auth is None  # nothing to authenticate with: the request goes without Authorization
    status, body = Wire(anonymous).api_error(anonymous["SoftLayer_Account"].getObject)
    assert status == 401 and body["error"] == "No valid authentication headers found."


# -- status catalogue --------------------------------------------------------------------------------------------

def test_status_catalogue(client, wire):
    statuses = client[STATUS].getSslRequestStatuses()
    # reference, decision on status ids and names, and "Schemas": the status type has only the local id (int),
    # name and description (strings)
    assert {s["id"]: s["name"] for s in statuses} == DOCUMENTED_STATUSES
    assert len(statuses) == len(DOCUMENTED_STATUSES)
    for status in statuses:
        assert set(status) == {"id", "name", "description"}
        assert isinstance(status["id"], int) and isinstance(status["description"], str) and status["description"]
        # reference, "Endpoints": SoftLayer_Security_Certificate_Request_Status::getObject returns one of them
        assert client[STATUS].getObject(id=status["id"]) == status
    # reference, "Conventions: resultLimit and paging": every list carries SoftLayer-Total-Items
    assert statuses.total_count == len(statuses)
    assert wire.responses[0].headers["SoftLayer-Total-Items"] == str(len(statuses))
    # a mask naming a local property trims the others (reference, "Conventions: objectMask")
    assert {tuple(s) for s in client[STATUS].getSslRequestStatuses(mask="name")} == {("name",)}


# -- the order sequence, as Terraform runs it --------------------------------------------------------------------

def test_terraform_order_sequence(client, control, wire, names):
    """IBM-Cloud/terraform-provider-ibm: ibm/service/classicinfrastructure/resource_ibm_ssl_certificate.go, run
    through softlayer-python: package and item look-up, validateCsr, verifyOrder, placeOrder, the look-up by
    order id, Read (mask id) and Delete (statusId 50 -> cancelSslOrder).

    Before the sandbox fix this failed at verifyOrder: Terraform sends the technical contact's address (an
    optional block) as empty strings when the user gives none, and the sandbox refused it
    ("technicalContact.address.addressLine1 is required.") instead of using the organization address."""
    # Terraform reads the account id from SoftLayer_Account::getAttributes()[0].accountId
    attributes = client["SoftLayer_Account"].getAttributes()
    account_id = attributes[0]["accountId"]
    assert account_id == account_id_of(client)

    # the Terraform example's ssl_type, ordered with validity_months 24
    key_name, months = "SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR", 24
    package_id, item_id, price_id = ssl_catalogue(client, key_name)
    order = terraform_container("tf.slpy.example.com", package_id, price_id, months)
    # reference, "Endpoints" (validateCsr): csr, validityMonths, itemId (the item, not the price), serverType;
    # the result is a boolean
    assert client[REQ].validateCsr(order["certificateSigningRequest"], months, item_id, "apache2") is True

    verified = client["SoftLayer_Product_Order"].verifyOrder(order)
    # reference, "Sample bodies" and "SoftLayer_Product_Order: verifyOrder and placeOrder": the container comes
    # back with prices and totals filled in, no orderId and no placedOrder; validityMonths is set from the product
    assert verified["complexType"] == CONTAINER_TYPE and verified["packageId"] == package_id
    assert "orderId" not in verified and "placedOrder" not in verified
    assert verified["validityMonths"] == months
    assert [p["id"] for p in verified["prices"]] == [price_id]
    # reference, "Conventions: numbers": decimal amounts are JSON strings
    for key in ("postTaxSetup", "preTaxSetup", "proratedOrderTotal", "postTaxRecurring"):
        assert isinstance(verified[key], str) and float(verified[key]) >= 0, key

    receipt = client["SoftLayer_Product_Order"].placeOrder(order, False)
    # reference, "Schemas": SoftLayer_Container_Product_Order_Receipt; placedOrder.id == orderId
    assert set(receipt) <= RECEIPT_KEYS and {"orderId", "orderDate", "orderDetails", "placedOrder"} <= set(receipt)
    order_id = receipt["orderId"]
    assert isinstance(order_id, int) and receipt["placedOrder"]["id"] == order_id
    assert receipt["placedOrder"]["accountId"] == account_id
    parse_date(receipt["orderDate"])
    assert receipt["orderDetails"]["complexType"] == CONTAINER_TYPE
    assert set(receipt["placedOrder"]) - {"items", "orderTopLevelItems", "account"} <= BILLING_ORDER_LOCALS
    # reference, "Schemas": SoftLayer_Billing_Order_Item; itemPriceId is a decimal, so a string
    placed_items = receipt["placedOrder"]["items"]
    assert [(i["itemId"], int(float(i["itemPriceId"]))) for i in placed_items] == [(item_id, price_id)]
    assert isinstance(placed_items[0]["id"], int) and isinstance(placed_items[0]["itemPriceId"], str)

    rows = wait_for_request(client, control, account_id, order_id)
    # mask "id" on a list: each row is exactly {"id": <int>}
    assert len(rows) == 1 and set(rows[0]) == {"id"} and isinstance(rows[0]["id"], int)
    request_id = rows[0]["id"]
    # reference, decision on the late request: the receipt carries the order id, never the request id
    assert request_id not in _ids_in(receipt)

    # Read: getObject with mask "id"
    assert client[REQ].getObject(id=request_id, mask="id") == {"id": request_id}
    # Delete: statusId 50 means pending, so Terraform cancels; the boolean must be true
    status_id = client[REQ].getObject(id=request_id)["statusId"]
    assert status_id == 50 and names[status_id] == "Pending CA Approval"
    assert client[REQ].cancelSslOrder(id=request_id) is True
    assert names[client[REQ].getObject(id=request_id)["statusId"]] == "Canceled"


def _ids_in(value):
    if isinstance(value, dict):
        return {value.get("id")} | set().union(*(_ids_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_ids_in(v) for v in value)) if value else set()
    return set()


def test_ordering_manager_behind_slcli_order_place(client, control):
    """reference, "What other tools offer users" (softlayer-python / slcli): the generic route is
    ``slcli order place <PACKAGE_KEYNAME> NONE <ITEM_KEYNAMES...> --complex-type
    SoftLayer_Container_Product_Order_Security_Certificate --extras '<json with CSR/contacts>'``. Its manager
    (softlayer/softlayer-python: SoftLayer/managers/ordering.py) finds the package by keyName, takes the item's
    price whose locationGroupId is null (the default price), merges the extras and sends the container inside
    orderContainers.

    Before the sandbox fix the manager failed with KeyError: 'locationGroupId': the sandbox left the null out,
    where the API sends it (softlayer/githubio_source: content/article/catalog.md)."""
    account_id = account_id_of(client)
    # what `slcli order package-list` shows: the package keyName, found here by the documented package type
    package = client["SoftLayer_Product_Package"].getAllObjects(
        mask="id,keyName", filter={"type": {"keyName": {"operation": SSL_PACKAGE_TYPE}}}, limit=1)[0]
    common_name = "slcli.slpy.example.com"
    extras = {key: value for key, value in documented_container(common_name, None, None).items()
              if key not in ("complexType", "packageId", "quantity", "prices")}
    manager = OrderingManager(client)
    args = (package["keyName"], "NONE", ["SSL_CERTIFICATE_RAPIDSSL_1_YEAR"])

    verified = manager.verify_order(*args, complex_type=CONTAINER_TYPE, extras=extras)
    # `slcli order place --verify` prints each price's item keyName and description (SoftLayer/CLI/order/place.py)
    price = verified["orderContainers"][0]["prices"][0]
    assert price["item"]["keyName"] == "SSL_CERTIFICATE_RAPIDSSL_1_YEAR" and isinstance(price["item"]["description"], str)
    assert verified["orderContainers"][0]["complexType"] == CONTAINER_TYPE

    receipt = manager.place_order(*args, complex_type=CONTAINER_TYPE, extras=extras)
    # `slcli order place` prints orderId, orderDate and placedOrder.status
    assert isinstance(receipt["orderId"], int) and isinstance(receipt["placedOrder"]["status"], str)
    parse_date(receipt["orderDate"])
    rows = wait_for_request(client, control, account_id, receipt["orderId"], mask="mask[id,commonName]")
    assert [row["commonName"] for row in rows] == [common_name]


# -- request shapes and masks ------------------------------------------------------------------------------------

def test_request_shape_and_masks(client, control, names):
    account_id = account_id_of(client)
    common_name = "shape.slpy.example.com"
    receipt, request_id, item_id = place(client, control, account_id, common_name)

    plain = client[REQ].getObject(id=request_id)
    # reference, "Conventions: objectMask" and "Schemas": without a mask, the local properties and no relational one
    assert set(plain) <= REQUEST_LOCALS and not set(plain) & REQUEST_RELATIONS
    assert {"id", "accountId", "approverEmailAddress", "certificateSigningRequest", "commonName", "createDate",
            "modifyDate", "statusId", "technicalContactEmailAddress"} <= set(plain)
    # not present on the request: the order's container fields and a local order id ("Schemas", not present)
    assert not {"validityMonths", "serverType", "organizationInformation", "renewalFlag", "orderId"} & set(plain)
    for key in ("id", "accountId", "statusId"):
        assert isinstance(plain[key], int), key
    for key in ("createDate", "modifyDate"):
        parse_date(plain[key])
    assert plain["id"] == request_id and plain["accountId"] == account_id
    assert plain["commonName"] == common_name
    assert plain["approverEmailAddress"] == "admin@example.com"
    assert plain["technicalContactEmailAddress"] == "ops@example.com"
    assert "BEGIN CERTIFICATE REQUEST" in plain["certificateSigningRequest"]
    # reference, "Sample bodies" (getObject): effectiveDate / expirationDate appear once the certificate is issued
    assert names[plain["statusId"]] == "Pending CA Approval"
    assert "effectiveDate" not in plain and "expirationDate" not in plain

    # a mask naming only a relational property keeps the default local properties and adds that relation
    with_status = client[REQ].getObject(id=request_id, mask="status")
    assert set(with_status) == set(plain) | {"status"}
    assert set(with_status["status"]) == {"id", "name", "description"}
    assert (with_status["status"]["id"], with_status["status"]["name"]) == (plain["statusId"], "Pending CA Approval")

    # the reference's own example mask ("Sample bodies", getObject): named locals only, plus the masked relations
    mask = "mask[id,commonName,statusId,status,order[id,status,createDate],orderItem[id,itemId,description]]"
    masked = client[REQ].getObject(id=request_id, mask=mask)
    assert set(masked) == {"id", "commonName", "statusId", "status", "order", "orderItem"}
    assert set(masked["order"]) <= {"id", "status", "createDate"} and masked["order"]["id"] == receipt["orderId"]
    assert set(masked["orderItem"]) <= {"id", "itemId", "description"} and masked["orderItem"]["itemId"] == item_id
    assert set(client[REQ].getObject(id=request_id, mask="mask[account[id]]")) == set(plain) | {"account"}
    assert client[REQ].getObject(id=request_id, mask="mask[id,account[id]]") == {"id": request_id, "account": {"id": account_id}}

    # the relational getters (reference, "Endpoints": getStatus / getOrder / getOrderItem / getAccount)
    assert client[REQ].getStatus(id=request_id)["name"] == "Pending CA Approval"
    billing_order = client[REQ].getOrder(id=request_id)
    assert billing_order["id"] == receipt["orderId"] and set(billing_order) <= BILLING_ORDER_LOCALS
    order_item = client[REQ].getOrderItem(id=request_id)
    assert order_item["itemId"] == item_id and isinstance(order_item["itemPriceId"], str)
    assert client[REQ].getAccount(id=request_id, mask="mask[id]") == {"id": account_id}

    # the same through the list method, with a mask and a filter on the common name
    rows = client[REQ].getSslCertificateRequests(account_id, mask="mask[id,commonName,status[name]]", filter={
        "securityCertificateRequest": {"commonName": {"operation": common_name}}})
    assert rows == [{"id": request_id, "commonName": common_name, "status": {"name": "Pending CA Approval"}}]
    assert rows.total_count == 1


# -- lifecycle ---------------------------------------------------------------------------------------------------

def test_lifecycle_through_the_client(client, control, wire, names):
    """reference, "Status vocabularies and lifecycle": Pending CA Approval -> Approved -> Complete; only pending
    is cancellable; dates appear on approval; getPreviousOrderData for a completed certificate."""
    account_id = account_id_of(client)
    _, request_id, _ = place(client, control, account_id, "life.slpy.example.com")
    # re-sending the approver email while pending (reference, "Which operations are allowed in which status")
    assert client[REQ].resendEmail("ApproverEmail", id=request_id) is True
    # reference, decision on business-rule failures: a bad emailType is HTTP 500 SoftLayer_Exception_InvalidValue
    status, body = wire.api_error(client[REQ].resendEmail, "Postcard", id=request_id)
    assert (status, body["code"]) == (500, "SoftLayer_Exception_InvalidValue")

    assert advance_until_not(client, control, request_id, names, "Pending CA Approval") == "Approved"
    approved = client[REQ].getObject(id=request_id)
    effective, expiration = parse_date(approved["effectiveDate"]), parse_date(approved["expirationDate"])
    # the validity comes from the ordered item (a 1-year RapidSSL item): about twelve months
    assert datetime.timedelta(days=360) < expiration - effective < datetime.timedelta(days=368)
    # cancel only while pending: HTTP 500 SoftLayer_Exception_Public otherwise
    status, body = wire.api_error(client[REQ].cancelSslOrder, id=request_id)
    assert (status, body["code"]) == (500, "SoftLayer_Exception_Public")

    assert advance_until_not(client, control, request_id, names, "Approved") == "Complete"
    assert client[REQ].resendEmail("FulfillmentEmail", id=request_id) is True
    # reference, "Sample bodies" (getPreviousOrderData): the keys of the order container, for a renewal
    previous = client[REQ].getPreviousOrderData(id=request_id)
    assert {"complexType", "packageId", "prices", "certificateSigningRequest", "serverType", "orderApproverEmailAddress",
            "validityMonths", "organizationInformation", "technicalContact", "renewalFlag"} <= set(previous)
    assert previous["complexType"] == CONTAINER_TYPE
    assert previous["orderApproverEmailAddress"] == "admin@example.com" and previous["serverType"] == "apache2"
    # Complete is terminal: a later clock leaves it there
    control.advance(3600)
    assert names[client[REQ].getObject(id=request_id)["statusId"]] == "Complete"


# -- paging ------------------------------------------------------------------------------------------------------

def test_limit_offset_and_iter_call_paging(client, control, wire):
    """reference, "Conventions: resultLimit and paging": resultLimit=offset,limit; SoftLayer-Total-Items is the
    total before limiting; softlayer-python's iter_call pages until a short page or until its running count
    reaches that header (softlayer/softlayer-python: SoftLayer/API.py, iter_call), so paging past the first page
    works only when the header is right."""
    account_id = account_id_of(client)
    mine = [place(client, control, account_id, "p%d.paging.slpy.example.com" % n)[1] for n in range(5)]
    place(client, control, account_id, "elsewhere.slpy.example.com")  # not one of the five: filtered out below
    own = {"securityCertificateRequest": {"commonName": {"operation": "$= .paging.slpy.example.com"}}}

    def sorted_by_id(direction):
        return {"securityCertificateRequest": dict(own["securityCertificateRequest"], id={
            "operation": "orderBy", "options": [{"name": "sort", "value": [direction]}]})}

    by_id = sorted_by_id("ASC")
    mine.sort()

    page = client[REQ].getSslCertificateRequests(account_id, mask="id", filter=by_id, limit=2, offset=2)
    assert [r["id"] for r in page] == mine[2:4] and page.total_count == 5
    beyond = client[REQ].getSslCertificateRequests(account_id, mask="id", filter=by_id, limit=2, offset=10)
    assert list(beyond) == [] and beyond.total_count == 5
    # the reverse order through orderBy DESC (result order is guaranteed only with an orderBy)
    descending = client[REQ].getSslCertificateRequests(account_id, mask="id", filter=sorted_by_id("DESC"))
    assert [r["id"] for r in descending] == mine[::-1]

    mark = wire.mark()
    paged = client.call(REQ, "getSslCertificateRequests", account_id, mask="id", filter=own, iter=True, limit=2)
    # iter_call adds an orderBy on id when the filter has none (SoftLayer/utils.py, fix_filter)
    assert [r["id"] for r in paged] == mine
    calls = wire.since(mark)
    assert [re.search(r"resultLimit=(\d+)%2C(\d+)", r.request.url).groups() for r in calls] == [
        ("0", "2"), ("2", "2"), ("4", "2")]
    assert {r.headers["SoftLayer-Total-Items"] for r in calls} == {"5"}

    # cf_call reads the header from the first page, then fetches the other pages at once
    assert [r["id"] for r in client.cf_call(REQ, "getSslCertificateRequests", account_id, mask="id", filter=by_id,
                                            limit=2)] == mine

    # a page size that divides the total: the header alone ends the loop after the last full page
    mark = wire.mark()
    assert len(client.call(REQ, "getSslCertificateRequests", account_id, mask="id", filter=own, iter=True, limit=5)) == 5
    assert len(wire.since(mark)) == 1


# -- errors ------------------------------------------------------------------------------------------------------

def test_documented_errors(client, control, wire, info, isolated):
    account_id = account_id_of(client)
    # reference, "Errors and retries": an unknown id is HTTP 404 SoftLayer_Exception_ObjectNotFound with this text
    status, body = wire.api_error(client[REQ].getObject, id=1)
    assert (status, body) == (404, {"error": "Unable to find object with id of '1'.",
                                    "code": "SoftLayer_Exception_ObjectNotFound"})
    status, body = wire.api_error(client[REQ].cancelSslOrder, id=1)
    assert (status, body["code"]) == (404, "SoftLayer_Exception_ObjectNotFound")

    # reference, "Sandbox contract" (errors): an id of another account is 404 like an unknown one
    _, request_id, _ = place(client, control, account_id, "mine.slpy.example.com")
    other_user = DEFAULT_CONFIG["extra_users"][0]  # only to log in as the second account
    other = SoftLayer.create_client_from_env(username=other_user["username"], api_key=other_user["api_key"],
                                             endpoint_url=info["endpoint_url"], timeout=10, config_file=isolated)
    assert account_id_of(other) != account_id
    status, body = Wire(other).api_error(other[REQ].getObject, id=request_id)
    assert (status, body["code"]) == (404, "SoftLayer_Exception_ObjectNotFound")
    assert body["error"] == "Unable to find object with id of '%s'." % request_id

    # reference, "Listing requests for an account": SoftLayer_Account has no certificate-request property, so
    # SoftLayer_Account::getSslCertificateRequests is an unknown method (SoftLayer_Exception_Public, this text)
    status, body = wire.api_error(client["SoftLayer_Account"].getSslCertificateRequests)
    assert body == {"code": "SoftLayer_Exception_Public",
                    "error": 'Function ("getSslCertificateRequests") is not a valid method for this service.'}

    # reference, decision on business-rule failures: an invalid container is HTTP 500 SoftLayer_Exception_Order
    package_id, _, price_id = ssl_catalogue(client, "SSL_CERTIFICATE_RAPIDSSL_1_YEAR")
    good = documented_container("bad.slpy.example.com", package_id, price_id)
    all_price_ids = {p["id"] for i in client["SoftLayer_Product_Package"].getItems(id=package_id, mask="prices[id]")
                     for p in i["prices"]}
    broken = [
        {k: v for k, v in good.items() if k != "complexType"},  # the API cannot tell the container's type
        dict(good, prices=[{"id": max(all_price_ids) + 1000}]),  # a price the package does not sell
        {k: v for k, v in good.items() if k != "certificateSigningRequest"},  # required in practice
    ]
    for container in broken:
        for method in ("verifyOrder", "placeOrder"):
            args = (container,) if method == "verifyOrder" else (container, False)
            status, body = wire.api_error(getattr(client["SoftLayer_Product_Order"], method), *args)
            assert (status, body["code"]) == (500, "SoftLayer_Exception_Order"), (method, body)
    # none of them placed an order: no request for that name, even long after
    control.advance(600)
    assert client[REQ].getSslCertificateRequests(account_id, mask="id", filter={
        "securityCertificateRequest": {"commonName": {"operation": "bad.slpy.example.com"}}}) == []

    # reference, "Errors and retries": the rate limit is HTTP 500 (not 429) with its own code and text
    control.fault(kind="softlayer_rate_limit", provider="softlayer", path="getSslRequestStatuses", count=1)
    status, body = wire.api_error(client[STATUS].getSslRequestStatuses)
    assert (status, body) == (500, {"error": "Rate limit of 50 requests for every 1 second(s) exceeded.",
                                    "code": "SoftLayer_Exception_WebService_RateLimitExceeded"})
    assert len(client[STATUS].getSslRequestStatuses()) == 4  # a read may be tried again
