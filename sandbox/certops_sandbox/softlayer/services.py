"""The services and methods the sandbox serves: status catalogue, certificate requests, ordering, catalogue, account.

A method's function takes ``(ctx, obj, params)``: ``obj`` is the record named by the URL's id (None
for static methods) and ``params`` the validated parameter list. It returns either records of the
method's ``entity`` (rendered with the objectMask by the REST layer) or plain JSON data.
"""

from . import catalog, lifecycle, ordering
from . import entities as E
from .errors import invalid_value, not_found, public

EMAIL_TYPES = ("ApproverEmail", "FulfillmentEmail")


class Param:
    def __init__(self, name, kind, required=True):
        self.name = name
        self.kind = kind
        self.required = required


class Method:
    def __init__(self, func, static=False, params=(), entity=None, many=False, roots=(),
                 default_relations=(), mutates=False):
        self.func = func
        self.static = static
        self.params = params
        self.entity = entity
        self.many = many
        self.roots = roots
        self.default_relations = default_relations
        self.mutates = mutates


class Service:
    #: SoftLayer_Account: no id means the caller's own account
    current_object = False

    def __init__(self, name, lookup, methods):
        self.name = name
        self.lookup = lookup
        self.methods = methods


def convert_params(method, name, raw):
    """Check the count and coerce the types of ``raw`` (body parameters or URL segments)."""
    values = []
    required = sum(1 for p in method.params if p.required)
    if len(raw) < required:
        raise public("Invalid number of parameters for %s: %d expected, %d given."
                     % (name, required, len(raw)))
    for index, param in enumerate(method.params):
        value = raw[index] if index < len(raw) else None
        values.append(_coerce(name, param, value))
    return values


def _coerce(method_name, param, value):
    if param.kind == "container":
        return value  # any value: ordering.verify reports a bad container as SoftLayer_Exception_Order (HTTP 500)
    if value is None:
        if param.required:
            raise invalid_value("Parameter %s of %s is required." % (param.name, method_name))
        return None
    if param.kind == "int":
        if isinstance(value, bool):
            raise invalid_value("Parameter %s of %s must be an integer." % (param.name, method_name))
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise invalid_value("Parameter %s of %s must be an integer." % (param.name, method_name))
    if param.kind == "string":
        if isinstance(value, (dict, list, bool)):
            raise invalid_value("Parameter %s of %s must be a string." % (param.name, method_name))
        return str(value)
    if param.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, str)) and str(value).strip().lower() in ("1", "0", "true", "false"):
            return str(value).strip().lower() in ("1", "true")
        raise invalid_value("Parameter %s of %s must be a boolean." % (param.name, method_name))
    if param.kind == "object":
        if not isinstance(value, dict):
            raise invalid_value("Parameter %s of %s must be an object." % (param.name, method_name))
        return value
    return value


# -- SoftLayer_Security_Certificate_Request_Status ------------------------------------------------

def _status_lookup(ctx, object_id):
    status = catalog.STATUS_BY_ID.get(int(object_id))
    if status is None:
        raise not_found(object_id)
    return status


def _status_service():
    return Service("SoftLayer_Security_Certificate_Request_Status", _status_lookup, {
        "getObject": Method(lambda ctx, obj, p: obj, entity=E.RequestStatus),
        "getSslRequestStatuses": Method(lambda ctx, obj, p: list(catalog.STATUSES), static=True,
                                        entity=E.RequestStatus, many=True,
                                        roots=("sslRequestStatuses", "securityCertificateRequestStatus")),
    })


# -- SoftLayer_Security_Certificate_Request -------------------------------------------------------

def _request_lookup(ctx, object_id):
    request = ctx.plugin.state["requests"].get(str(int(object_id)))
    if request is None or request["accountId"] != ctx.account["id"]:
        raise not_found(object_id)
    return request


def _order_of(ctx, request):
    return ctx.plugin.state["orders"][str(request["orderId"])]


def _get_requests(ctx, obj, params):
    account_id = params[0]
    if account_id != ctx.account["id"]:
        raise not_found(account_id)
    requests = [r for r in ctx.plugin.state["requests"].values() if r["accountId"] == account_id]
    requests.sort(key=lambda r: r["id"])
    return requests


def _cancel(ctx, request, params):
    if request["statusId"] != catalog.PENDING:
        status = catalog.STATUS_BY_ID[request["statusId"]]["name"]
        raise public("Only orders in Pending CA Approval status can be canceled (the request is %s)." % status)
    lifecycle.cancel(ctx.plugin.state, request, _order_of(ctx, request), ctx.now)
    return True


def _resend(ctx, request, params):
    email_type = params[0]
    if email_type not in EMAIL_TYPES:
        raise invalid_value("Invalid email type. Valid email types are: %s" % ", ".join(EMAIL_TYPES))
    status = request["statusId"]
    if email_type == "ApproverEmail" and status != catalog.PENDING:
        raise public("The approver email can only be re-sent while the request is Pending CA Approval.")
    if email_type == "FulfillmentEmail" and status not in (catalog.APPROVED, catalog.COMPLETE):
        raise public("The fulfillment email can only be re-sent once the certificate is Approved or Complete.")
    request["emails"].append({"type": email_type, "at": ctx.now, "by": "resendEmail"})
    return True


def _validate_csr(ctx, obj, params):
    csr, validity_months, item_id, server_type = params
    item = catalog.ITEM_BY_ID.get(item_id)
    if item is None:
        raise invalid_value("Invalid item id %s: not an SSL certificate item." % item_id)
    if server_type not in catalog.SERVER_TYPE_NAMES:
        raise invalid_value("Invalid server type %r." % server_type)
    if validity_months <= 0 or validity_months % 12:
        return False
    return ordering.inspect_csr(csr).problem is None


def _email_domains(ctx, obj, params):
    common_name = params[0].strip()
    if not common_name:
        raise invalid_value("A common name is required.")
    return catalog.admin_email_domains(common_name)


def _previous_order_data(ctx, request, params):
    return ordering.previous_order_data(_order_of(ctx, request))


def _request_service():
    request_entity = E.CertificateRequest
    return Service("SoftLayer_Security_Certificate_Request", _request_lookup, {
        "getObject": Method(lambda ctx, obj, p: obj, entity=request_entity),
        "getSslCertificateRequests": Method(
            _get_requests, static=True, params=(Param("accountId", "int"),), entity=request_entity, many=True,
            roots=("securityCertificateRequest", "securityCertificateRequests", "sslCertificateRequests")),
        "cancelSslOrder": Method(_cancel, mutates=True),
        "resendEmail": Method(_resend, params=(Param("emailType", "string"),), mutates=True),
        "validateCsr": Method(_validate_csr, static=True, params=(
            Param("csr", "string"), Param("validityMonths", "int"), Param("itemId", "int"),
            Param("serverType", "string"))),
        "getAdministratorEmailDomains": Method(_email_domains, static=True, params=(Param("commonName", "string"),)),
        "getAdministratorEmailPrefixes": Method(lambda ctx, obj, p: list(catalog.ADMIN_EMAIL_PREFIXES), static=True),
        "getPreviousOrderData": Method(_previous_order_data),
        "getStatus": Method(lambda ctx, obj, p: catalog.STATUS_BY_ID[obj["statusId"]], entity=E.RequestStatus),
        "getOrder": Method(lambda ctx, obj, p: _order_of(ctx, obj), entity=E.BillingOrder),
        "getOrderItem": Method(lambda ctx, obj, p: _order_of(ctx, obj)["item"], entity=E.BillingOrderItem),
        "getAccount": Method(lambda ctx, obj, p: ctx.plugin.account_record(obj["accountId"]), entity=E.Account),
    })


# -- SoftLayer_Security_Certificate_Request_ServerType --------------------------------------------

def _server_type_lookup(ctx, object_id):
    server_type = catalog.SERVER_TYPE_BY_ID.get(int(object_id))
    if server_type is None:
        raise not_found(object_id)
    return server_type


def _server_type_service():
    return Service("SoftLayer_Security_Certificate_Request_ServerType", _server_type_lookup, {
        "getObject": Method(lambda ctx, obj, p: obj, entity=E.ServerType),
        "getAllObjects": Method(lambda ctx, obj, p: list(catalog.SERVER_TYPES), static=True, entity=E.ServerType,
                                many=True, roots=("securityCertificateRequestServerTypes",)),
    })


# -- SoftLayer_Product_Package ---------------------------------------------------------------------

def _package_lookup(ctx, object_id):
    package = catalog.PACKAGE_BY_ID.get(int(object_id))
    if package is None:
        raise not_found(object_id)
    return package


def _package_service():
    return Service("SoftLayer_Product_Package", _package_lookup, {
        "getObject": Method(lambda ctx, obj, p: obj, entity=E.ProductPackage),
        "getAllObjects": Method(lambda ctx, obj, p: list(catalog.PACKAGES), static=True, entity=E.ProductPackage,
                                many=True, roots=("productPackages", "productPackage")),
        "getItems": Method(lambda ctx, obj, p: catalog.package_items(obj["id"]), entity=E.ProductItem, many=True,
                           roots=("items",), default_relations=("prices",)),
        "getItemPrices": Method(lambda ctx, obj, p: [i["price"] for i in catalog.package_items(obj["id"])],
                                entity=E.ItemPrice, many=True, roots=("itemPrices",)),
        "getType": Method(lambda ctx, obj, p: catalog.PACKAGE_TYPES[obj["type"]], entity=E.PackageType),
    })


# -- SoftLayer_Product_Order -----------------------------------------------------------------------

def _verify_order(ctx, obj, params):
    result, _ = ordering.verify(params[0], ctx.plugin.config)
    return result


def _place_order(ctx, obj, params):
    container, save_as_quote = params
    processed, details = ordering.verify(container, ctx.plugin.config)
    state = ctx.plugin.state
    if save_as_quote:
        quote_id = lifecycle.next_id(state, "quote")
        return {
            "orderDate": ctx.fmt(ctx.now),
            "orderDetails": processed,
            "quote": {"id": quote_id, "accountId": ctx.account["id"], "createDate": ctx.fmt(ctx.now),
                      "modifyDate": ctx.fmt(ctx.now), "name": container.get("quoteName") or "SSL certificate quote",
                      "status": "PENDING"},
        }
    order = lifecycle.create_order(state, ctx, details, ctx.now, ctx.plugin.config)
    placed = ctx.render(E.BillingOrder, order, None, default_relations=("items",))
    return {"orderId": order["id"], "orderDate": ctx.fmt(order["createDate"]),
            "orderDetails": processed, "placedOrder": placed}


def _order_service():
    def no_lookup(ctx, object_id):
        raise not_found(object_id)

    return Service("SoftLayer_Product_Order", no_lookup, {
        # a container that is not an object (null included) is an invalid order, reported by ordering.verify
        "verifyOrder": Method(_verify_order, static=True, params=(Param("orderData", "container"),)),
        "placeOrder": Method(_place_order, static=True, mutates=True,
                             params=(Param("orderData", "container"), Param("saveAsQuote", "bool", required=False))),
    })


# -- SoftLayer_Account -----------------------------------------------------------------------------

def _account_lookup(ctx, object_id):
    if object_id is None:
        return ctx.account
    if int(object_id) != ctx.account["id"]:
        raise not_found(object_id)
    return ctx.account


def _account_service():
    service = Service("SoftLayer_Account", _account_lookup, {
        "getObject": Method(lambda ctx, obj, p: obj, entity=E.Account),
        "getAttributes": Method(lambda ctx, obj, p: ctx.plugin.account_attributes(obj["id"]),
                                entity=E.AccountAttribute, many=True, roots=("attributes",)),
    })
    service.current_object = True
    return service


def build():
    services = [_status_service(), _request_service(), _server_type_service(), _package_service(),
                _order_service(), _account_service()]
    return {service.name: service for service in services}


__all__ = ["build", "convert_params"]
