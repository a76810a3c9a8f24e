"""SoftLayer REST v3.1 (certificate requests, catalogue, orders) for the sandbox."""

from flask import Blueprint, jsonify

from ..core import ProviderPlugin


class SoftLayerPlugin(ProviderPlugin):
    name = "softlayer"
    prefixes = ("/rest/v3.1/", "/rest/v3/")

    def blueprint(self):
        bp = Blueprint("softlayer", __name__)

        @bp.route("/rest/v3.1/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
        def api(rest):
            return jsonify({"error": "not implemented", "code": "SoftLayer_Exception_Public"}), 500

        return bp

    def fault_response(self, kind, rule):
        if kind in ("rate_limit", "softlayer_rate_limit"):
            return jsonify({"error": "Rate limit exceeded", "code": "SoftLayer_Exception_WebService_RateLimitExceeded"}), 500
        if kind.startswith("http_"):
            return jsonify({"error": "Internal Error", "code": "SoftLayer_Exception_Public"}), int(kind[5:])
        return None
