"""The REST layer: URL forms, authentication, parameters, masks, filters, resultLimit, quirks.

URL forms (SLDN's, and those the softlayer-go and -java clients send), under ``/rest/v3.1/`` and ``/rest/v3/``::

    {Service}/{method}[.json]                  static methods
    {Service}/{id}/{method}[.json]             instance methods
    {Service}/{id}[.json]                      GET: getObject (softlayer-go / java form)
    {Service}/{id}/{Relation}[.json]           get-stripped getter (softlayer-java): Status -> getStatus
    {Service}/{method}/{p1}/{p2}[.json]        simple parameters as path segments (when no body)

Parameters come from the body's ``parameters`` array on POST/PUT; a GET's body is ignored.
"""

import json
import re

from flask import Blueprint, Response, current_app, g, request

from . import dates, filters, masks
from . import errors as err
from . import services as svc
from .errors import SLError

_SUFFIX = re.compile(r"^(.*)\.(json|xml|txt)$")
IMPLICIT = {"GET": "getObject", "POST": "createObject", "PUT": "editObject", "DELETE": "deleteObject"}
EXTRA_KEY = "sandboxUnknownProperty"


class Ctx:
    """Per-request context handed to getters and service methods."""

    def __init__(self, plugin, account, now, options):
        self.plugin = plugin
        self.account = account
        self.now = now
        self.options = options

    @staticmethod
    def fmt(ts):
        return dates.fmt(ts)

    def render(self, entity_cls, record, tree, default_relations=()):
        from . import entities

        return masks.render(entities.get(entity_cls), record, tree, self, self.options, default_relations)


def json_response(value, status=200, headers=None):
    response = Response(json.dumps(value, separators=(",", ":")), status=status, content_type="application/json")
    for key, header_value in (headers or {}).items():
        response.headers[key] = header_value
    return response


def error_response(error):
    return json_response(error.body(), status=error.status)


def parse_result_limit(text):
    """``offset,limit`` or ``limit`` -> (offset, limit); None when absent or malformed."""
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) == 1:
        return 0, max(0, numbers[0])
    if len(numbers) == 2:
        return max(0, numbers[0]), max(0, numbers[1])
    return None


def authenticate(config, header):
    """``(account id, API user name)`` of the caller for an ``Authorization`` header (HTTP Basic or
    Bearer), or raise the 401. The IBM Cloud API key and the bearer token stand for the main user
    (``username``): the rate limit counts them with that user's classic-key requests."""
    header = header or ""
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
        if token and token == config.get("bearer_token"):
            return int(config["account_id"]), config.get("username")
        raise SLError(401, err.PUBLIC, "Invalid API token.")
    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise SLError(401, err.PUBLIC, "No valid authentication headers found.")
    username, password = auth.username or "", auth.password or ""
    if username == "apikey":
        if password and password == config.get("ibm_cloud_api_key"):
            return int(config["account_id"]), config.get("username")
        raise SLError(401, err.PUBLIC, "Invalid API token.")
    if username and username == config.get("username") and password == config.get("api_key"):
        return int(config["account_id"]), username
    for user in config.get("extra_users") or []:
        if username and username == user.get("username") and password == user.get("api_key"):
            return int(user["account_id"]), username
    raise SLError(401, err.PUBLIC, "Invalid API token.")


def make_blueprint(plugin):
    bp = Blueprint("softlayer", __name__)
    table = svc.build()

    def api(rest):
        return dispatch(plugin, table, rest)

    verbs = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    bp.add_url_rule("/rest/v3.1/", "root_v31", lambda: dispatch(plugin, table, ""), methods=verbs)
    bp.add_url_rule("/rest/v3.1/<path:rest>", "api_v31", api, methods=verbs)
    bp.add_url_rule("/rest/v3/", "root_v3", lambda: dispatch(plugin, table, ""), methods=verbs)
    bp.add_url_rule("/rest/v3/<path:rest>", "api_v3", api, methods=verbs)
    return bp


def dispatch(plugin, table, rest):
    try:
        return _dispatch(plugin, table, rest)
    except SLError as error:
        return error_response(error)
    except Exception:  # a sandbox bug: still answer with the API's {"error", "code"} body, never an HTML page
        current_app.logger.exception("SoftLayer sandbox: unexpected error on %s %s", request.method, request.path)
        return json_response(dict(err.INTERNAL_ERROR_BODY), status=500)


def _dispatch(plugin, table, rest):
    config = plugin.config
    account_id, user = authenticate(config, request.headers.get("Authorization"))
    # the rate limit comes before anything else the call would do: a refused call is not processed
    # (no order placed, no quirk counter spent); who is unknown (401) is not counted for anyone
    limit = config.get("rate_limit")
    if not plugin.rate_limiter.admit(user, limit):
        g.rate_limited = True
        raise SLError(500, err.RATE_LIMIT, err.rate_limit_text(limit))
    account = plugin.account_record(account_id)
    quirks = config.get("quirks") or {}
    if plugin.take_error_body_quirk():
        return json_response(dict(err.INTERNAL_ERROR_BODY), status=200)
    if request.method == "PATCH":
        raise err.bad_request()

    segments = [s for s in rest.split("/") if s]
    if segments:
        match = _SUFFIX.match(segments[-1])
        if match:
            segments[-1] = match.group(1)
            if match.group(2) != "json":
                raise err.bad_request("Bad request: the sandbox answers JSON only (.%s requested)." % match.group(2))
    if not segments or segments[0] not in table:
        raise SLError(500, err.PUBLIC, "Service does not exist")
    service = table[segments[0]]
    rest_segments = segments[1:]
    object_id = None
    if rest_segments and rest_segments[0].isdigit():
        object_id = rest_segments.pop(0)
    method_name = rest_segments.pop(0) if rest_segments else IMPLICIT.get(request.method, "getObject")
    url_params = rest_segments
    method = service.methods.get(method_name)
    if method is None and method_name[:1].isupper() and ("get" + method_name) in service.methods:
        method_name = "get" + method_name  # softlayer-java's get-stripped form: Status -> getStatus
        method = service.methods[method_name]
    if method is None:
        raise err.unknown_method(method_name)
    if request.method in ("PUT", "DELETE"):
        raise err.bad_request()

    raw_params = list(url_params)
    if request.method == "POST":
        body = request.get_data(cache=False)
        if body.strip():
            try:
                payload = json.loads(body)
            except ValueError:
                raise err.bad_request("Bad request: the body is not JSON.")
            if isinstance(payload, dict) and "parameters" in payload:
                given = payload["parameters"]
                raw_params = given if isinstance(given, list) else [given]
    params = svc.convert_params(method, method_name, raw_params)

    tree = masks.parse(request.args.get("objectMask"))
    if tree and method.entity is not None:
        from . import entities

        # the mask is a property of the request: checked before the method runs or finds anything
        masks.validate(entities.get(method.entity), tree)
    include_types = request.headers.get("SoftLayer-Include-Types", "").strip().lower() == "true"
    options = masks.RenderOptions(nulls=bool(quirks.get("explicit_nulls")), include_types=include_types)

    with plugin.sandbox.store.lock:
        now = plugin.sandbox.clock.now()
        ctx = Ctx(plugin, account, now, options)
        if method.static:
            obj = None
        elif object_id is None and not service.current_object:
            raise SLError(500, err.PUBLIC, "%s::%s needs an object id: %s/{id}/%s."
                          % (service.name, method_name, service.name, method_name))
        else:
            obj = service.lookup(ctx, object_id)
        result = method.func(ctx, obj, params)
        if method.mutates:
            plugin.sandbox.store.mark_dirty()
        total = None
        if method.entity is not None:
            from . import entities

            entity = entities.get(method.entity)
            if method.many:
                spec = _parse_filter(request.args.get("objectFilter"))
                spec = filters.unwrap(spec, method.roots, entity)
                records = filters.apply(entity, result, spec, ctx, now)
                total = len(records)
                records = _limit(records)
                body = [masks.render(entity, r, tree, ctx, options, method.default_relations) for r in records]
            else:
                body = masks.render(entity, result, tree, ctx, options, method.default_relations)
        else:
            body = result
            if isinstance(body, list):
                total = len(body)
                body = _limit(body)

    headers = {}
    if isinstance(body, list):
        headers["SoftLayer-Total-Items"] = str(total if total is not None else len(body))
        if quirks.get("lone_object") and len(body) == 1:
            body = body[0]
    if quirks.get("extra_keys"):
        body = _add_extra_keys(body)
    return json_response(body, headers=headers)


def _parse_filter(text):
    if not text:
        return None
    try:
        spec = json.loads(text)
    except ValueError:
        return None  # a badly formed filter is ignored, as on the real API
    return spec if isinstance(spec, dict) else None


def _limit(items):
    limit = parse_result_limit(request.args.get("resultLimit"))
    if limit is None:
        return items
    offset, count = limit
    if count == 0:  # softlayer-python sends "offset,0" when only an offset is given
        return items[offset:]
    return items[offset:offset + count]


def _add_extra_keys(value):
    if isinstance(value, dict):
        out = {key: _add_extra_keys(item) for key, item in value.items()}
        out[EXTRA_KEY] = "added by the extra_keys quirk; clients must ignore unknown keys"
        return out
    if isinstance(value, list):
        return [_add_extra_keys(item) for item in value]
    return value
