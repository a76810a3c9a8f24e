"""Edgecast CPS v2.0 and its token service for the sandbox."""

from flask import Blueprint, jsonify

from ..core import ProviderPlugin


class EdgecastPlugin(ProviderPlugin):
    name = "edgecast"
    prefixes = ("/connect/", "/sec/cps/")

    def blueprint(self):
        bp = Blueprint("edgecast", __name__)

        @bp.route("/sec/cps/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
        def api(rest):
            return jsonify({"@type": "Error", "code": "not_found", "title": "not implemented", "status_code": 404}), 404

        return bp
