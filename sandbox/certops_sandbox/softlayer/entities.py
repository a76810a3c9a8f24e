"""The SoftLayer data types the sandbox serves: local properties (returned by default) and
relational properties (returned only when masked), as the SLDN API metadata lists them.

A getter takes ``(record, ctx)``; ``ctx`` is the per-request context (``ctx.plugin``,
``ctx.account``, ``ctx.now``). Records are the plug-in's plain JSON state or catalogue dicts;
times are floats, formatted here.
"""

from . import catalog, dates


def _key(name):
    return lambda record, ctx: record.get(name)


def _date(name):
    return lambda record, ctx: dates.fmt(record.get(name))


class Entity:
    type_name = ""
    #: True when the reference lists the type's properties in full: unknown mask properties fail
    strict = False
    #: local properties sent as null when unset (the others are left out)
    null_locals = frozenset()

    def __init__(self):
        self.locals = self.local_properties()
        self.local_names = {name for name, _ in self.locals}
        self._local_map = dict(self.locals)
        self.relations = self.relational_properties()

    def local_properties(self):
        return []

    def relational_properties(self):
        return {}

    def local(self, name, record, ctx):
        getter = self._local_map.get(name)
        return getter(record, ctx) if getter else None


_CACHE = {}


def get(cls):
    """One instance per entity class (they are stateless)."""
    entity = _CACHE.get(cls)
    if entity is None:
        entity = _CACHE[cls] = cls()
    return entity


def ref(cls):
    return lambda: get(cls)


class RequestStatus(Entity):
    type_name = "SoftLayer_Security_Certificate_Request_Status"
    strict = True

    def local_properties(self):
        return [("id", _key("id")), ("name", _key("name")), ("description", _key("description"))]


class ServerType(Entity):
    type_name = "SoftLayer_Security_Certificate_Request_ServerType"
    strict = True

    def local_properties(self):
        return [("id", _key("id")), ("name", _key("name")), ("value", _key("value")),
                ("description", _key("description"))]


class CertificateRequest(Entity):
    type_name = "SoftLayer_Security_Certificate_Request"
    strict = True

    def local_properties(self):
        return [
            ("id", _key("id")),
            ("accountId", _key("accountId")),
            ("approverEmailAddress", _key("approverEmailAddress")),
            ("certificateSigningRequest", _key("certificateSigningRequest")),
            ("commonName", _key("commonName")),
            ("createDate", _date("createDate")),
            ("effectiveDate", _date("effectiveDate")),
            ("expirationDate", _date("expirationDate")),
            ("modifyDate", _date("modifyDate")),
            ("statusId", _key("statusId")),
            ("technicalContactEmailAddress", _key("technicalContactEmailAddress")),
        ]

    def relational_properties(self):
        return {
            "account": (ref(Account), lambda r, ctx: ctx.plugin.account_record(r["accountId"]), False),
            "order": (ref(BillingOrder), lambda r, ctx: ctx.plugin.order_record(r["orderId"]), False),
            "orderItem": (ref(BillingOrderItem),
                          lambda r, ctx: (ctx.plugin.order_record(r["orderId"]) or {}).get("item"), False),
            "status": (ref(RequestStatus), lambda r, ctx: catalog.STATUS_BY_ID.get(r["statusId"]), False),
        }


class BillingOrder(Entity):
    type_name = "SoftLayer_Billing_Order"

    def local_properties(self):
        return [
            ("id", _key("id")),
            ("accountId", _key("accountId")),
            ("createDate", _date("createDate")),
            ("modifyDate", _date("modifyDate")),
            ("orderApprovalDate", _date("orderApprovalDate")),
            ("orderQuoteId", _key("orderQuoteId")),
            ("orderTotalAmount", _key("orderTotalAmount")),
            ("orderTotalOneTime", _key("orderTotalOneTime")),
            ("orderTotalRecurring", _key("orderTotalRecurring")),
            ("orderTotalSetupAmount", _key("orderTotalSetupAmount")),
            ("orderTypeId", _key("orderTypeId")),
            ("presaleEventId", _key("presaleEventId")),
            ("status", _key("status")),
            ("userRecordId", _key("userRecordId")),
        ]

    def relational_properties(self):
        items = lambda r, ctx: [r["item"]] if r.get("item") else []  # noqa: E731
        return {
            "items": (ref(BillingOrderItem), items, True),
            "orderTopLevelItems": (ref(BillingOrderItem), items, True),
            "account": (ref(Account), lambda r, ctx: ctx.plugin.account_record(r["accountId"]), False),
        }


class BillingOrderItem(Entity):
    type_name = "SoftLayer_Billing_Order_Item"

    def local_properties(self):
        return [
            ("id", _key("id")),
            ("itemId", _key("itemId")),
            ("itemPriceId", _key("itemPriceId")),
            ("description", _key("description")),
            ("categoryCode", _key("categoryCode")),
            ("setupFee", _key("setupFee")),
            ("recurringFee", _key("recurringFee")),
            ("oneTimeFee", _key("oneTimeFee")),
            ("laborFee", _key("laborFee")),
            ("hourlyRecurringFee", _key("hourlyRecurringFee")),
            ("quantity", _key("quantity")),
            ("parentId", _key("parentId")),
            ("presetId", _key("presetId")),
            ("promoCodeId", _key("promoCodeId")),
            ("orderApprovalDate", _date("orderApprovalDate")),
        ]

    def relational_properties(self):
        return {
            "order": (ref(BillingOrder), lambda r, ctx: ctx.plugin.order_record(r["orderId"]), False),
            "item": (ref(ProductItem), lambda r, ctx: catalog.ITEM_BY_ID.get(r["itemId"]), False),
            "itemPrice": (ref(ItemPrice), lambda r, ctx: catalog.PRICE_BY_ID.get(int(r["itemPriceId"])), False),
            "category": (ref(ItemCategory), lambda r, ctx: catalog.SSL_CATEGORY, False),
            "package": (ref(ProductPackage), lambda r, ctx: catalog.PACKAGE_BY_ID.get(r.get("packageId")), False),
        }


class Account(Entity):
    type_name = "SoftLayer_Account"

    def local_properties(self):
        return [(name, _date(name) if name.endswith("Date") else _key(name)) for name in (
            "id", "accountStatusId", "address1", "brandId", "city", "companyName", "country", "createDate",
            "email", "firstName", "isReseller", "lastName", "modifyDate", "officePhone", "postalCode", "state")]

    def relational_properties(self):
        return {
            "attributes": (ref(AccountAttribute), lambda r, ctx: ctx.plugin.account_attributes(r["id"]), True),
        }


class AccountAttribute(Entity):
    type_name = "SoftLayer_Account_Attribute"

    def local_properties(self):
        return [("id", _key("id")), ("accountId", _key("accountId")),
                ("accountAttributeTypeId", _key("accountAttributeTypeId")), ("value", _key("value"))]

    def relational_properties(self):
        return {"accountAttributeType": (ref(AccountAttributeType), lambda r, ctx: r.get("type"), False)}


class AccountAttributeType(Entity):
    type_name = "SoftLayer_Account_Attribute_Type"

    def local_properties(self):
        return [("id", _key("id")), ("keyName", _key("keyName")), ("name", _key("name")),
                ("description", _key("description"))]


class ProductPackage(Entity):
    type_name = "SoftLayer_Product_Package"

    def local_properties(self):
        return [("id", _key("id")), ("keyName", _key("keyName")), ("name", _key("name")),
                ("description", _key("description")), ("isActive", _key("isActive"))]

    def relational_properties(self):
        return {
            "type": (ref(PackageType), lambda r, ctx: catalog.PACKAGE_TYPES.get(r["type"]), False),
            "items": (ref(ProductItem), lambda r, ctx: catalog.package_items(r["id"]), True),
            "itemPrices": (ref(ItemPrice), lambda r, ctx: [i["price"] for i in catalog.package_items(r["id"])], True),
        }


class PackageType(Entity):
    type_name = "SoftLayer_Product_Package_Type"

    def local_properties(self):
        return [("id", _key("id")), ("keyName", _key("keyName")), ("name", _key("name"))]


class ProductItem(Entity):
    type_name = "SoftLayer_Product_Item"

    def local_properties(self):
        return [("id", _key("id")), ("keyName", _key("keyName")), ("description", _key("description")),
                ("capacity", _key("capacity")), ("units", _key("units")),
                ("itemCategoryId", _key("itemCategoryId"))]

    def relational_properties(self):
        return {
            "prices": (ref(ItemPrice), lambda r, ctx: [r["price"]], True),
            "itemCategory": (ref(ItemCategory), lambda r, ctx: catalog.SSL_CATEGORY, False),
            "categories": (ref(ItemCategory), lambda r, ctx: [catalog.SSL_CATEGORY], True),
        }


class ItemPrice(Entity):
    type_name = "SoftLayer_Product_Item_Price"
    # The default price of an item is the one whose locationGroupId is null, and the API says so explicitly
    # (softlayer/githubio_source: content/article/catalog.md); softlayer-python's ordering manager reads
    # price['locationGroupId'] without a default (SoftLayer/managers/ordering.py, get_item_price_id), so a
    # price without the key breaks `slcli order place`.
    null_locals = frozenset({"locationGroupId"})

    def local_properties(self):
        return [(name, _key(name)) for name in (
            "id", "itemId", "hourlyRecurringFee", "laborFee", "locationGroupId", "oneTimeFee",
            "recurringFee", "setupFee")]

    def relational_properties(self):
        return {
            "item": (ref(ProductItem), lambda r, ctx: catalog.ITEM_BY_ID.get(r["itemId"]), False),
            "categories": (ref(ItemCategory), lambda r, ctx: [catalog.SSL_CATEGORY], True),
        }


class ItemCategory(Entity):
    type_name = "SoftLayer_Product_Item_Category"

    def local_properties(self):
        return [("id", _key("id")), ("name", _key("name")), ("categoryCode", _key("categoryCode"))]
