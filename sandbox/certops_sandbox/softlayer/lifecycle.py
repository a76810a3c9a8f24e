"""Orders and certificate requests on the sandbox clock: Pending CA Approval, Approved, Complete, Canceled.

State (``store.data["softlayer"]``, plain JSON)::

    {"seq": {"order": N, "item": N, "request": N, "quote": N},
     "orders": {"<orderId>": order},           # SoftLayer_Billing_Order plus the schedule
     "requests": {"<requestId>": request},     # SoftLayer_Security_Certificate_Request
     "active": ["<orderId>", ...],             # orders with a transition still to come
     "next_due": <clock time of the earliest one> | null}

An order's schedule is fixed in absolute clock times when it is placed (or when a status is
forced): ``request_at`` (the request record appears, some seconds after placeOrder),
``approve_at`` (the CA approves, or rejects with the sbx-reject marker; None for sbx-stall) and
``complete_at``. ``tick(now)`` applies every transition that is due, with the dates of the
schedule rather than of the moment it runs, so clock jumps and restarts from a state file land
where an uninterrupted run would be.
"""

from . import catalog, dates, ordering

ORDER_ID_START = 31999001
ORDER_ITEM_ID_START = 700111222
REQUEST_ID_START = 987654
QUOTE_ID_START = 4400001


def initial_state():
    return {"seq": {"order": ORDER_ID_START - 1, "item": ORDER_ITEM_ID_START - 1,
                    "request": REQUEST_ID_START - 1, "quote": QUOTE_ID_START - 1},
            "orders": {}, "requests": {}, "active": [], "next_due": None}


def ensure(state):
    """Fill in missing keys (a state file written by an older sandbox, or a hand-edited one)."""
    fresh = initial_state()
    for key, value in fresh.items():
        state.setdefault(key, value)
    for key, value in fresh["seq"].items():
        state["seq"].setdefault(key, value)
    return state


def next_id(state, kind):
    state["seq"][kind] += 1
    return state["seq"][kind]


def create_order(state, ctx, details, now, config):
    """A placed order: the Billing_Order now, the request ``request_delay`` seconds later."""
    item, price = details["item"], details["price"]
    order_id = next_id(state, "order")
    item_id = next_id(state, "item")
    kind, approve_override = ordering.outcome(details["commonName"])
    delay = max(0.0, float(config.get("request_delay", 0)))
    approve_after = float(approve_override if approve_override is not None else config.get("approve_after", 0))
    complete_after = float(config.get("complete_after", 0))
    setup = price["setupFee"]
    container = details["container"]
    order = {
        "id": order_id,
        "accountId": ctx.account["id"],
        "userRecordId": ctx.account["userId"],
        "createDate": now,
        "modifyDate": now,
        "orderApprovalDate": None,
        "status": "PENDING_AUTO_APPROVAL",
        "orderTypeId": 4,
        "orderTotalAmount": setup,
        "orderTotalOneTime": setup,
        "orderTotalRecurring": "0",
        "orderTotalSetupAmount": setup,
        "packageId": details["packageId"],
        "validityMonths": item["validityMonths"],
        "commonName": details["commonName"],
        "container": container,
        "orderDetails": details["processed"],
        "item": {
            "id": item_id, "orderId": order_id, "packageId": details["packageId"],
            "itemId": item["id"], "itemPriceId": str(price["id"]), "description": item["description"],
            "categoryCode": catalog.SSL_CATEGORY["categoryCode"], "setupFee": setup,
            "recurringFee": price["recurringFee"], "oneTimeFee": price["oneTimeFee"],
            "laborFee": price["laborFee"], "hourlyRecurringFee": price["hourlyRecurringFee"],
            "quantity": 1, "orderApprovalDate": None,
        },
        "outcome": kind,
        "durations": {"approve_after": approve_after, "complete_after": complete_after},
        "schedule": {"request_at": now + delay, "approve_at": None, "complete_at": None},
        "requestId": None,
    }
    _plan_from_pending(order, now + delay)
    state["orders"][str(order_id)] = order
    _activate(state, order)
    return order


def _plan_from_pending(order, pending_since):
    """Schedule approval (or rejection) and completion for a request pending since ``pending_since``."""
    schedule = order["schedule"]
    if order["outcome"] == "stall":
        schedule["approve_at"] = None
        schedule["complete_at"] = None
        return
    schedule["approve_at"] = pending_since + order["durations"]["approve_after"]
    if order["outcome"] == "reject":
        schedule["complete_at"] = None
    else:
        schedule["complete_at"] = schedule["approve_at"] + order["durations"]["complete_after"]


def _next_event(state, order):
    """The clock time of the order's next transition, or None."""
    schedule = order["schedule"]
    if order["requestId"] is None:
        return schedule["request_at"]
    request = state["requests"].get(str(order["requestId"]))
    if request is None:
        return None
    status = request["statusId"]
    if status == catalog.PENDING:
        return schedule["approve_at"]
    if status == catalog.APPROVED:
        return schedule["complete_at"]
    return None


def _activate(state, order):
    due = _next_event(state, order)
    key = str(order["id"])
    if due is None:
        return
    if key not in state["active"]:
        state["active"].append(key)
    if state["next_due"] is None or due < state["next_due"]:
        state["next_due"] = due


def tick(state, now):
    """Apply every transition due at ``now``; returns True when something changed."""
    if state["next_due"] is None or now < state["next_due"]:
        return False
    changed = False
    orders = state["orders"]
    # request records appear in the order of their due times, so ids follow creation order
    appearing = sorted((orders[k] for k in state["active"]
                        if k in orders and orders[k]["requestId"] is None
                        and orders[k]["schedule"]["request_at"] <= now),
                       key=lambda o: (o["schedule"]["request_at"], o["id"]))
    for order in appearing:
        _create_request(state, order)
        changed = True
    remaining, next_due = [], None
    for key in state["active"]:
        order = orders.get(key)
        if order is None:
            continue
        changed = _advance(state, order, now) or changed
        due = _next_event(state, order)
        if due is not None:
            remaining.append(key)
            next_due = due if next_due is None else min(next_due, due)
    state["active"] = remaining
    state["next_due"] = next_due
    return changed


def _create_request(state, order):
    at = order["schedule"]["request_at"]
    request_id = next_id(state, "request")
    container = order["container"]
    technical = container.get("technicalContact") or {}
    request = {
        "id": request_id,
        "accountId": order["accountId"],
        "approverEmailAddress": container.get("orderApproverEmailAddress"),
        "certificateSigningRequest": container.get("certificateSigningRequest"),
        "commonName": order["commonName"],
        "createDate": at,
        "modifyDate": at,
        "effectiveDate": None,
        "expirationDate": None,
        "statusId": catalog.PENDING,
        "technicalContactEmailAddress": technical.get("emailAddress"),
        "orderId": order["id"],
        "history": [{"statusId": catalog.PENDING, "at": at, "by": "order"}],
        "emails": [{"type": "ApproverEmail", "at": at, "by": "order"}],
    }
    state["requests"][str(request_id)] = request
    order["requestId"] = request_id
    # the Billing_Order is approved when the request is handed to the CA (invented vocabulary)
    order["status"] = "APPROVED"
    order["orderApprovalDate"] = at
    order["modifyDate"] = at
    order["item"]["orderApprovalDate"] = at
    return request


def _advance(state, order, now):
    if order["requestId"] is None:
        return False
    request = state["requests"].get(str(order["requestId"]))
    if request is None:
        return False
    schedule = order["schedule"]
    changed = False
    if request["statusId"] == catalog.PENDING and schedule["approve_at"] is not None and schedule["approve_at"] <= now:
        if order["outcome"] == "reject":
            set_status(request, order, catalog.CANCELED, schedule["approve_at"], "ca-rejected")
        else:
            set_status(request, order, catalog.APPROVED, schedule["approve_at"], "ca")
        changed = True
    if request["statusId"] == catalog.APPROVED and schedule["complete_at"] is not None and schedule["complete_at"] <= now:
        set_status(request, order, catalog.COMPLETE, schedule["complete_at"], "billing")
        changed = True
    return changed


def set_status(request, order, status_id, at, by):
    request["statusId"] = status_id
    request["modifyDate"] = at
    if status_id in (catalog.APPROVED, catalog.COMPLETE) and request.get("effectiveDate") is None:
        request["effectiveDate"] = at
        request["expirationDate"] = dates.expiration_for(at, order["validityMonths"])
        request["emails"].append({"type": "FulfillmentEmail", "at": at, "by": by})
    request["history"].append({"statusId": status_id, "at": at, "by": by})


def cancel(state, request, order, now):
    """cancelSslOrder (already checked to be pending)."""
    set_status(request, order, catalog.CANCELED, now, "customer")
    order["schedule"]["approve_at"] = None
    order["schedule"]["complete_at"] = None


def force(state, order, status_id, now):
    """Control API: put the order's request in ``status_id`` now and re-plan from there.

    Pending re-plans approval (or rejection) from now; Approved sets the certificate dates now and
    plans completion; Complete and Canceled are terminal. A request that has not appeared yet is
    created now.
    """
    if order["requestId"] is None:
        order["schedule"]["request_at"] = now
        _create_request(state, order)
    request = state["requests"][str(order["requestId"])]
    schedule = order["schedule"]
    if status_id == catalog.PENDING:
        request["effectiveDate"] = None
        request["expirationDate"] = None
        request["statusId"] = catalog.PENDING
        request["modifyDate"] = now
        request["history"].append({"statusId": catalog.PENDING, "at": now, "by": "forced"})
        _plan_from_pending(order, now)
    elif status_id == catalog.APPROVED:
        request["effectiveDate"] = None
        set_status(request, order, catalog.APPROVED, now, "forced")
        schedule["approve_at"] = now
        schedule["complete_at"] = now + order["durations"]["complete_after"]
    else:
        set_status(request, order, status_id, now, "forced")
        schedule["approve_at"] = None
        schedule["complete_at"] = None
    if str(order["id"]) not in state["active"]:
        _activate(state, order)
    else:
        due = _next_event(state, order)
        if due is not None and (state["next_due"] is None or due < state["next_due"]):
            state["next_due"] = due
    return request


class NotIssued(ValueError):
    """The order has no certificate (yet) whose expiration could move: a conflict (409)."""

    conflict = True


def set_expiration(state, order, when):
    """Control API: the issued certificate of ``order`` expires at clock time ``when``.

    Only an issued certificate (Approved or Complete, so with dates) has an expiration. An
    ``effectiveDate`` that would fall after the new expiration moves back by the item's validity,
    so the certificate stays a period that starts before it ends. The status, the schedule and
    ``modifyDate`` stay as they are: nothing happened at the CA, the test only needs the date.
    """
    request = state["requests"].get(str(order["requestId"])) if order["requestId"] is not None else None
    if request is None or request["statusId"] not in (catalog.APPROVED, catalog.COMPLETE) \
            or request.get("effectiveDate") is None:
        status = catalog.STATUS_BY_ID[request["statusId"]]["name"] if request else "not appeared yet"
        raise NotIssued("order %s has no issued certificate (its request is %s): force Approved or Complete first"
                        % (order["id"], status))
    request["expirationDate"] = float(when)
    if request["effectiveDate"] >= request["expirationDate"]:
        request["effectiveDate"] = dates.add_months(request["expirationDate"], -int(order["validityMonths"]))
    return request


def describe_order(state, order):
    """One order for the control API (plain data, clock times as numbers and as dates)."""
    request = state["requests"].get(str(order["requestId"])) if order["requestId"] is not None else None
    status = catalog.STATUS_BY_ID.get(request["statusId"]) if request else None
    schedule = order["schedule"]
    return {
        "id": order["requestId"],
        "requestId": order["requestId"],
        "orderId": order["id"],
        "accountId": order["accountId"],
        "commonName": order["commonName"],
        "status": status["name"] if status else None,
        "statusId": request["statusId"] if request else None,
        "orderStatus": order["status"],
        "outcome": order["outcome"],
        "markers": ordering.markers(order["commonName"]),
        "itemKeyName": catalog.ITEM_BY_ID[order["item"]["itemId"]]["keyName"],
        "validityMonths": order["validityMonths"],
        "renewalFlag": bool(order["container"].get("renewalFlag")),
        "placedAt": order["createDate"],
        "requestAt": schedule["request_at"],
        "approveAt": schedule["approve_at"],
        "completeAt": schedule["complete_at"],
        "createDate": dates.fmt(order["createDate"]),
        "effectiveDate": dates.fmt(request["effectiveDate"]) if request else None,
        "expirationDate": dates.fmt(request["expirationDate"]) if request else None,
        "emails": [dict(e, date=dates.fmt(e["at"])) for e in request["emails"]] if request else [],
        "history": [dict(h, status=catalog.STATUS_BY_ID[h["statusId"]]["name"], date=dates.fmt(h["at"]))
                    for h in request["history"]] if request else [],
    }
