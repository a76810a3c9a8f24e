"""Hyperion conventions for CPS replies: JSON nodes, collections with paging links, errors, dates."""

import datetime
import json
import math
import re

from flask import Response

JSON_TYPE = "application/json; charset=utf-8"
ZERO_DATE = "0001-01-01T00:00:00Z"

# the Hyperion error codes the sandbox uses, with their HTTP status and default title
ERRORS = {
    "invalid_input": (400, "One or more properties were empty or invalid"),
    "unauthorized": (401, "You are not authorized to access this resource"),
    "forbidden": (403, "User or client does not have the correct oauth2 scopes"),
    "not_found": (404, "The requested resource was not found"),
    "method_not_allowed": (405, "The method is not allowed for this resource"),
    "invalid_operation": (409, "The operation is not allowed in the current state"),
    "rate_limit_reached": (429, "Rate limit reached"),
    "internal_error": (500, "An internal error occurred"),
    "bad_gateway": (502, "Bad gateway"),
    "service_unavailable": (503, "Service unavailable"),
}


class ApiError(Exception):
    """Raised by handlers; turned into a Hyperion error reply by the route wrapper (Api.serve)."""

    def __init__(self, code, title=None, details=None, description=None, headers=None):
        super().__init__(title or code)
        self.code = code
        self.title = title
        self.details = details or []
        self.description = description
        self.headers = headers or {}

    def response(self):
        return error(self.code, self.title, self.details, self.description, self.headers)


def pointer(*tokens, base=""):
    """An RFC 6901 JSON Pointer: ``base`` (a pointer, "" for the document) followed by ``tokens``, each
    escaped (``~`` as ``~0``, then ``/`` as ``~1``); integers are array indexes."""
    parts = [str(token).replace("~", "~0").replace("/", "~1") for token in tokens]
    return base + "".join("/" + part for part in parts)


def query_source(name):
    """The ``source`` of an error about the query parameter ``name``: ``/<name>``.

    The vendor's ErrorDetail ``source`` is a JSON Pointer into the request (Edgio/hyperion
    schema/error-detail.json: "Represents a JSON Pointer [RFC6901]", at least one character), and the
    query string is not a JSON document. The sandbox reads the query parameters as a flat JSON object
    ``{name: value}`` and points into it. That is unambiguous because no CPS endpoint takes both a JSON
    body and query parameters, and it reads like the body pointers in a client that prints
    ``source: description`` (``/page_size: page_size must be a positive integer``). A prefix such as
    ``/query/page`` would look like a body field named ``query``, and CPS has a query parameter of that
    very name. Path segments (a non-integer id) get no ``source``: the description names them.
    """
    return pointer(name)


def is_pointer(source):
    """Whether ``source`` is a JSON Pointer with at least one reference token (RFC 6901: each token
    after a ``/``, with ``~`` only as ``~0`` or ``~1``)."""
    return (isinstance(source, str) and source.startswith("/")
            and all(re.fullmatch(r"(?:[^~]|~[01])*", token) for token in source[1:].split("/")))


def detail(source, description):
    """One ErrorDetail. ``source`` is a JSON Pointer into the request body (or, for a query parameter,
    :func:`query_source`); None or "" (the whole body: Hyperion requires a non-empty ``source``, and the
    description says what is wrong with the body) leaves it out. Anything else is a sandbox bug."""
    item = {"@type": "ErrorDetail"}
    if source:
        if not is_pointer(source):
            raise ValueError("ErrorDetail source %r is not a JSON Pointer" % (source,))
        item["source"] = source
    item["description"] = description
    return item


def json_response(body, status=200, headers=None):
    response = Response(json.dumps(body, separators=(",", ":")), status=status, content_type=JSON_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def empty_response():
    """204 with an empty body, the content type and ``Cache-Control: private``, as in the docs' samples."""
    return Response(b"", status=204, headers={"Content-Type": JSON_TYPE, "Cache-Control": "private"})


def error(code, title=None, details=None, description=None, headers=None):
    status, default_title = ERRORS[code]
    body = {"@type": "Error", "code": code, "title": title or default_title, "status_code": status}
    if description:
        body["description"] = description
    body["details"] = list(details or [])
    return json_response(body, status, headers)


def invalid(details, title=None):
    """Raise 400 invalid_input with ``details`` (a list of ErrorDetail or (source, description) pairs)."""
    items = [d if isinstance(d, dict) else detail(*d) for d in details]
    raise ApiError("invalid_input", title, items)


def refuse(description, title=None):
    """Raise 409 invalid_operation."""
    raise ApiError("invalid_operation", title or "The operation is not allowed in the current state",
                   [detail(None, description)])


def iso(timestamp):
    """A clock time as ``YYYY-MM-DDThh:mm:ss.ffffffZ`` (None stays None)."""
    if timestamp is None:
        return None
    moment = datetime.datetime.fromtimestamp(float(timestamp), datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def collection(node_id, items, total=None, links=None, headers=None):
    body = {"@id": node_id, "@type": "Collection"}
    if links:
        body["@links"] = links
    body["items"] = items
    body["total_items"] = len(items) if total is None else total
    return json_response(body, headers=headers)


def page_links(base, page, size, total, extra):
    """``@links`` for a paged collection: first and last always, previous/next only when they exist."""
    last = max(1, int(math.ceil(total / float(size))))

    def href(number):
        query = "page=%d&page_size=%d" % (number, size)
        for key, value in extra:
            query += "&%s=%s" % (key, value)
        return {"href": "%s?%s" % (base, query)}

    links = {"first": href(1)}
    if page > 1:
        links["previous"] = href(min(page - 1, last))
    if page < last:
        links["next"] = href(page + 1)
    links["last"] = href(last)
    return links
