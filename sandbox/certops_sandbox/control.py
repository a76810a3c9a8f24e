"""Control API under ``/_sandbox``: state, clock, forced statuses, faults, config, request log, reset.

| method and path                                   | what it does                                            |
|---------------------------------------------------|---------------------------------------------------------|
| GET    /_sandbox/health                           | ``{"ok": true}``                                         |
| GET    /_sandbox/state                            | clock, config, every order of both providers             |
| GET    /_sandbox/orders/<provider>                | that provider's orders                                   |
| POST   /_sandbox/orders/<provider>/<id>/status    | ``{"status": NAME}``: force a status now                 |
| POST   /_sandbox/orders/<provider>/<id>/expiration| ``{"days": N}`` or ``{"date": ISO}``: move an issued     |
|                                                   | certificate's expiration (N days from the clock's now)   |
| POST   /_sandbox/clock/advance                    | ``{"seconds": N}``: move the clock forward               |
| POST   /_sandbox/clock/freeze                     | ``{"frozen": true|false}``: stop or restart the clock    |
| GET    /_sandbox/config                           | the running config                                       |
| PATCH  /_sandbox/config                           | deep-merge ``{provider: {key: value}}`` into the config  |
| GET    /_sandbox/faults                           | the fault rules with their counters                      |
| POST   /_sandbox/faults                           | add one rule (object) or several (list)                  |
| DELETE /_sandbox/faults                           | remove every rule                                        |
| GET    /_sandbox/requests?since=SEQ&provider=NAME | the request log (``last_seq`` to page on)               |
| GET    /_sandbox/stats?since=SEQ                  | request counts by provider, method, status and fault     |
| POST   /_sandbox/reset                            | empty state, default config, no faults, clock at zero    |
|                                                   | and running (unfrozen)                                   |
| POST   /_sandbox/csr                              | ``{"common_name": CN, "sans": [...], "count": N}``: fresh |
|                                                   | PEM CSRs for tests (``csr``, or ``csrs`` when ``count``)  |
"""

import collections

from flask import Blueprint, jsonify, request

from .csr import make_csr
from .faults import FaultError


def _error(status, message):
    response = jsonify({"error": message})
    response.status_code = status
    return response


def control_blueprint(sandbox):
    bp = Blueprint("sandbox_control", __name__)

    def plugin_or_404(provider):
        plugin = sandbox.plugins.get(provider)
        if plugin is None:
            return None, _error(404, "unknown provider %r; valid: %s" % (provider, ", ".join(sandbox.plugins)))
        return plugin, None

    @bp.get("/health")
    def health():
        return jsonify({"ok": True, "clock": sandbox.clock.now(), "frozen": sandbox.clock.frozen})

    @bp.get("/state")
    def state():
        sandbox.tick()
        with sandbox.store.lock:
            orders = {name: p.orders() for name, p in sandbox.plugins.items()}
        return jsonify(dict(sandbox.clock_info(), config=sandbox.config, orders=orders,
                            faults=sandbox.faults.rules()))

    @bp.get("/orders/<provider>")
    def orders(provider):
        plugin, err = plugin_or_404(provider)
        if err:
            return err
        sandbox.tick()
        with sandbox.store.lock:
            return jsonify(plugin.orders())

    @bp.post("/orders/<provider>/<order_id>/status")
    def force(provider, order_id):
        plugin, err = plugin_or_404(provider)
        if err:
            return err
        body = request.get_json(silent=True) or {}
        if "status" not in body:
            return _error(400, "body must be {\"status\": NAME}")
        sandbox.tick()
        try:
            with sandbox.store.lock:
                result = plugin.force_status(order_id, body["status"])
                sandbox.store.mark_dirty()
        except KeyError:
            return _error(404, "no %s order %s" % (provider, order_id))
        except ValueError as exc:
            return _error(400, str(exc))
        return jsonify(result)

    @bp.post("/orders/<provider>/<order_id>/expiration")
    def expiration(provider, order_id):
        # Tests of "expires within N days" set the date they need instead of advancing the clock by
        # months (which would move every other order of the shared sandbox too)
        plugin, err = plugin_or_404(provider)
        if err:
            return err
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or len(set(body) & {"days", "date"}) != 1 or set(body) - {"days", "date"}:
            return _error(400, "body must be {\"days\": N} (days from the sandbox clock's now, negative for an "
                               "expired certificate) or {\"date\": ISO 8601 date-time}")
        sandbox.tick()
        try:
            with sandbox.store.lock:
                result = plugin.set_expiration(order_id, body)
                sandbox.store.mark_dirty()
        except KeyError:
            return _error(404, "no %s order %s" % (provider, order_id))
        except NotImplementedError as exc:
            return _error(400, str(exc) or "%s has no expiration control" % provider)
        except ValueError as exc:
            return _error(409 if getattr(exc, "conflict", False) else 400, str(exc))
        return jsonify(result)

    @bp.post("/clock/advance")
    def advance():
        body = request.get_json(silent=True) or {}
        try:
            seconds = float(body.get("seconds", 0))
        except (TypeError, ValueError):
            return _error(400, "seconds must be a number")
        if seconds < 0:
            return _error(400, "the clock only moves forward")
        sandbox.advance(seconds)
        return jsonify(sandbox.clock_info())

    @bp.post("/clock/freeze")
    def freeze():
        # A frozen clock only moves with /clock/advance, so a test can check a status just before
        # and just after a duration without racing real time (a busy machine is slow, not wrong).
        # Unfreezing goes on from the frozen instant: the clock does not jump by the time it stood.
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or set(body) != {"frozen"} or not isinstance(body["frozen"], bool):
            return _error(400, "body must be the JSON object {\"frozen\": true} or {\"frozen\": false} "
                               "(Content-Type: application/json)")
        sandbox.freeze(body["frozen"])
        return jsonify(sandbox.clock_info())

    @bp.get("/config")
    def get_config():
        return jsonify(sandbox.config)

    @bp.patch("/config")
    def patch_config():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or set(body) - set(sandbox.plugins) - {"seed"}:
            return _error(400, "body must be {provider: {key: value}} with provider in %s" % ", ".join(sandbox.plugins))
        return jsonify(sandbox.update_config(body))

    @bp.get("/faults")
    def list_faults():
        return jsonify({"rules": sandbox.faults.rules(), "fired_total": sandbox.faults.fired_total})

    @bp.post("/faults")
    def add_faults():
        body = request.get_json(silent=True)
        specs = body if isinstance(body, list) else [body]
        try:
            rules = [sandbox.faults.add(spec).as_dict() for spec in specs]
        except (FaultError, TypeError, ValueError) as exc:
            return _error(400, str(exc))
        return jsonify({"rules": rules}), 201

    @bp.delete("/faults")
    def clear_faults():
        sandbox.faults.clear()
        return jsonify({"rules": []})

    @bp.get("/requests")
    def requests_log():
        since = request.args.get("since", default=0, type=int)
        entries = sandbox.log.entries(since=since, provider=request.args.get("provider"))
        return jsonify({"last_seq": sandbox.log.last_seq, "requests": entries})

    @bp.get("/stats")
    def stats():
        since = request.args.get("since", default=0, type=int)
        entries = sandbox.log.entries(since=since)
        counts = collections.Counter()
        for e in entries:
            counts["total"] += 1
            counts["provider:%s" % e.get("provider")] += 1
            counts["%s %s" % (e.get("provider"), e["method"])] += 1
            counts["status:%s" % e["status"]] += 1
            if e.get("fault"):
                counts["fault:%s" % e["fault"]] += 1
            if e.get("rate_limited"):
                counts["rate_limited"] += 1
        return jsonify({"last_seq": sandbox.log.last_seq, "counts": dict(counts)})

    @bp.post("/csr")
    def csr():
        body = request.get_json(silent=True) or {}
        common_name = body.get("common_name")
        sans = body.get("sans") or []
        if not isinstance(common_name, str) or not common_name or not isinstance(sans, list):
            return _error(400, "give common_name (a string) and optionally sans (a list of names) and count")
        if "count" not in body:
            return jsonify({"csr": make_csr(common_name, sans, body.get("email"), body.get("organization"))})
        count = body.get("count")
        if not isinstance(count, int) or not 1 <= count <= 500:
            return _error(400, "count must be an integer from 1 to 500")
        # with a count, each CSR gets a distinct common name: "{n}" in common_name is the index
        names = [common_name.replace("{n}", str(i)) for i in range(count)]
        return jsonify({"csrs": [{"common_name": n, "csr": make_csr(n, sans)} for n in names]})

    @bp.post("/reset")
    def reset():
        sandbox.reset()
        sandbox.log.clear()
        return jsonify({"ok": True})

    return bp
