"""The token service (``POST /connect/token``, OAuth 2.0 client credentials) and bearer checks on the API.

Tokens live in the plug-in state (``state["tokens"]``) with their expiry on the sandbox clock, so they
survive a restart with the state file and expire when the clock is advanced.
"""

import base64
import binascii
import json
import secrets
import uuid

from flask import Response, request

from .hyperion import ApiError

CPS_SCOPE = "sec.cps.certificates"


def oauth_error(code, description, status=400):
    body = {"error": code, "error_description": description}
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def identity_id(client_id):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "certops-sandbox:edgecast:" + client_id))


def _basic_credentials():
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    if ":" not in decoded:
        return None, None
    client_id, secret = decoded.split(":", 1)
    return client_id, secret


def issue_token(plugin):
    """Handle ``POST /connect/token``."""
    if request.method != "POST":
        return oauth_error("invalid_request", "the token endpoint takes POST", 405)
    if not request.mimetype == "application/x-www-form-urlencoded":
        return oauth_error("invalid_request", "the body must be application/x-www-form-urlencoded")
    form = request.form
    grant_type = form.get("grant_type")
    if not grant_type:
        return oauth_error("invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return oauth_error("unsupported_grant_type", "only client_credentials is supported")
    client_id, secret = _basic_credentials()
    if client_id is None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
    clients = plugin.config.get("clients", {})
    client = clients.get(client_id) if client_id else None
    if client is None or not secret or not secrets.compare_digest(str(client.get("secret", "")), secret):
        return oauth_error("invalid_client", "unknown client or wrong secret")
    requested = (form.get("scope") or "").split()
    if not requested:
        return oauth_error("invalid_scope", "scope is required")
    allowed = set(client.get("scopes", []))
    if any(scope not in allowed for scope in requested):
        return oauth_error("invalid_scope", "the client may not request scope %r"
                           % " ".join(s for s in requested if s not in allowed))
    lifetime = int(plugin.config.get("token_lifetime", 300))
    now = plugin.sandbox.clock.now()
    token = "sbx_" + secrets.token_urlsafe(32)
    store = plugin.sandbox.store
    with store.lock:
        tokens = plugin.state["tokens"]
        for stale in [key for key, item in tokens.items() if item["expires_at"] <= now]:
            del tokens[stale]
        tokens[token] = {"client_id": client_id, "scope": " ".join(requested), "issued_at": now,
                         "expires_at": now + lifetime}
        store.mark_dirty()
    body = {"access_token": token, "expires_in": lifetime, "token_type": "Bearer", "scope": " ".join(requested)}
    return Response(json.dumps(body), status=200, content_type="application/json; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def unauthorized(description):
    return ApiError("unauthorized", description=description,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def authenticate(plugin, now):
    """The token record of the request, or raise 401 / 403 (call with the store lock held)."""
    token = bearer_token()
    if token is None:
        raise ApiError("unauthorized", description="missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    record = plugin.state["tokens"].get(token)
    if record is None:
        raise unauthorized("unknown bearer token")
    if record["expires_at"] <= now:
        raise unauthorized("the bearer token has expired")
    if CPS_SCOPE not in record["scope"].split():
        raise ApiError("forbidden", description="the token lacks the %s scope" % CPS_SCOPE)
    return record


def expire_presented_token(plugin, now):
    """Expire the bearer token of the current request (fault kind ``expired_token``)."""
    token = bearer_token()
    store = plugin.sandbox.store
    with store.lock:
        record = plugin.state["tokens"].get(token) if token else None
        if record is not None:
            record["expires_at"] = min(record["expires_at"], now)
            store.mark_dirty()
    return unauthorized("the bearer token has expired").response()
