"""Static catalogue data: statuses, server types, packages, SSL items and prices.

Values whose comment names a public source (SLDN, Terraform) come from it; the others are invented
for the sandbox (the product was retired in 2024 and the real catalogue is unknown).
"""

# The names are SLDN's; no public source lists the ids: 50, 43 and 49 are read from Terraform's delete logic
# (43 and 49 may be swapped) and 51 is invented, so clients match on names only. Descriptions are invented.
STATUSES = [
    {"id": 50, "name": "Pending CA Approval",
     "description": "Order submitted and waiting for approval by the Certificate Authority"},
    {"id": 43, "name": "Approved",
     "description": "Certificate Authority approved the request; fulfillment email sent"},
    {"id": 49, "name": "Complete", "description": "Payment processed; order complete"},
    {"id": 51, "name": "Canceled",
     "description": "Order canceled by the customer or rejected by the Certificate Authority"},
]
STATUS_BY_ID = {s["id"]: s for s in STATUSES}
STATUS_BY_NAME = {s["name"]: s for s in STATUSES}
PENDING, APPROVED, COMPLETE, CANCELED = 50, 43, 49, 51

# The apacheapachessl record is from an SLDN PHP example; the other ids and values are invented.
SERVER_TYPES = [
    {"id": 1, "name": "aol", "value": 1, "description": "AOL"},
    {"id": 2, "name": "apacheapachessl", "value": 22, "description": "Apache + ApacheSSL"},
    {"id": 3, "name": "apache2", "value": 2, "description": "Apache 2"},
    {"id": 4, "name": "apacheopenssl", "value": 23, "description": "Apache + OpenSSL"},
    {"id": 5, "name": "apacheraven", "value": 24, "description": "Apache + Raven"},
    {"id": 6, "name": "iis", "value": 3, "description": "Microsoft IIS 5.x and later"},
    {"id": 7, "name": "nginx", "value": 4, "description": "Nginx"},
    {"id": 8, "name": "tomcat", "value": 5, "description": "Tomcat"},
    {"id": 9, "name": "other", "value": 99, "description": "Other"},
]
SERVER_TYPE_BY_ID = {s["id"]: s for s in SERVER_TYPES}
SERVER_TYPE_NAMES = {s["name"] for s in SERVER_TYPES}

SSL_PACKAGE_TYPE = "ADDITIONAL_SERVICES_SSL_CERTIFICATE"
SSL_CATEGORY = {"id": 1090, "name": "SSL Certificate", "categoryCode": "ssl_certificate"}

PACKAGE_TYPES = {
    "ADDITIONAL_SERVICES_SSL_CERTIFICATE": {"id": 31, "keyName": "ADDITIONAL_SERVICES_SSL_CERTIFICATE",
                                            "name": "Additional Services - SSL Certificate"},
    "ADDITIONAL_SERVICES": {"id": 11, "keyName": "ADDITIONAL_SERVICES", "name": "Additional Services"},
    "VIRTUAL_SERVER_INSTANCE": {"id": 1, "keyName": "VIRTUAL_SERVER_INSTANCE", "name": "Virtual Server Instance"},
    "BARE_METAL_CPU": {"id": 2, "keyName": "BARE_METAL_CPU", "name": "Bare Metal CPU"},
}

# SSL items live in the ADDITIONAL_SERVICES_SSL_CERTIFICATE package (softlayer-go, Terraform); the 2015 SLDN examples
# order them from package 0 (additional services), which holds the same items here.
SSL_PACKAGE_ID = 210
PACKAGES = [
    {"id": 0, "keyName": "ADDITIONAL_PRODUCTS", "name": "Additional Products",
     "description": "Additional services, including SSL certificates", "isActive": 1,
     "type": "ADDITIONAL_SERVICES", "ssl": True},
    {"id": 46, "keyName": "CLOUD_SERVER", "name": "Cloud Server", "description": "Cloud Server",
     "isActive": 1, "type": "VIRTUAL_SERVER_INSTANCE", "ssl": False},
    {"id": 200, "keyName": "BARE_METAL_SERVER", "name": "Bare Metal Server", "description": "Bare Metal Server",
     "isActive": 1, "type": "BARE_METAL_CPU", "ssl": False},
    {"id": SSL_PACKAGE_ID, "keyName": "SSL_CERTIFICATES", "name": "SSL Certificates",
     "description": "SSL certificates ordered from a Certificate Authority", "isActive": 1,
     "type": SSL_PACKAGE_TYPE, "ssl": True},
]
PACKAGE_BY_ID = {p["id"]: p for p in PACKAGES}
SSL_PACKAGE_IDS = {p["id"] for p in PACKAGES if p["ssl"]}


def _item(item_id, key_name, description, years, price_id, setup_fee):
    return {
        "id": item_id, "keyName": key_name, "description": description,
        "capacity": str(years), "units": "YEAR" if years == 1 else "YEARS",
        "itemCategoryId": SSL_CATEGORY["id"], "validityMonths": 12 * years,
        "price": {"id": price_id, "itemId": item_id, "setupFee": setup_fee, "recurringFee": "0",
                  "oneTimeFee": "0", "laborFee": "0", "hourlyRecurringFee": "0"},
    }


# 964 / 1836 / "19" for RapidSSL 1 year are from a 2015 SLDN PHP example; the rest are invented
# following the SSL_CERTIFICATE_<PRODUCT>_<N>_YEAR pattern.
SSL_ITEMS = [
    _item(964, "SSL_CERTIFICATE_RAPIDSSL_1_YEAR", "RapidSSL - 1 year", 1, 1836, "19"),
    _item(965, "SSL_CERTIFICATE_RAPIDSSL_2_YEAR", "RapidSSL - 2 years", 2, 1837, "38"),
    _item(966, "SSL_CERTIFICATE_QUICKSSL_PREMIUM_1_YEAR", "QuickSSL Premium - 1 year", 1, 1838, "49"),
    _item(967, "SSL_CERTIFICATE_QUICKSSL_PREMIUM_2_YEAR", "QuickSSL Premium - 2 years", 2, 1839, "89"),
    _item(968, "SSL_CERTIFICATE_TRUE_BUSINESSID_1_YEAR", "True BusinessID - 1 year", 1, 1840, "149"),
    _item(969, "SSL_CERTIFICATE_TRUE_BUSINESSID_EV_1_YEAR", "True BusinessID with EV - 1 year", 1, 1841, "299"),
]
ITEM_BY_ID = {i["id"]: i for i in SSL_ITEMS}
PRICE_BY_ID = {i["price"]["id"]: i["price"] for i in SSL_ITEMS}
ITEM_BY_PRICE_ID = {i["price"]["id"]: i for i in SSL_ITEMS}


def package_items(package_id):
    package = PACKAGE_BY_ID.get(package_id)
    return list(SSL_ITEMS) if package and package["ssl"] else []


# The mailboxes named in the SLDN Python example (the real list is unknown).
ADMIN_EMAIL_PREFIXES = ["admin", "administrator", "hostmaster", "root", "webmaster", "mailmaster"]

# Two-label public suffixes the domain walk stops at (a small stand-in for the public suffix list).
_TWO_LABEL_SUFFIXES = {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp",
                       "co.nz", "com.br", "com.cn", "co.in", "co.za", "com.mx", "co.kr"}


def admin_email_domains(common_name):
    """``www.shop.example.com`` -> ``[www.shop.example.com, shop.example.com, example.com]``."""
    name = str(common_name or "").strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    labels = [label for label in name.split(".") if label]
    if len(labels) < 2:
        return []
    floor = 3 if ".".join(labels[-2:]) in _TWO_LABEL_SUFFIXES else 2
    if len(labels) < floor:
        return []
    return [".".join(labels[index:]) for index in range(0, len(labels) - floor + 1)]
