"""Small HTTP helpers for the reliability tests: a fake provider with broken answers, a recording proxy.

``FakeProvider`` answers every request under ``/<route>/`` with the canned answer of that route (HTML
error pages, empty bodies) so that ``endpoint_url`` / ``api_url`` / ``ids_url`` can point at a provider
that misbehaves in ways the sandbox's fault kinds do not cover (they always answer JSON errors).

``RecordingProxy`` forwards every request to the sandbox unchanged and records the bearer tokens the
token service hands out and the ``Authorization`` headers clients present (for the secret grep).
"""

import http.client
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HTML_500 = (b"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n"
            b"<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>\n")
HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
            b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
HTML_403 = (b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
            b"<p>You don't have permission to access this resource. Reference #18.5c3f1b2</p></body></html>\n")
HTML_200 = (b"<!DOCTYPE html><html><head><title>Network login</title></head>"
            b"<body><form action=\"/login\">Sign in to use this network</form></body></html>\n")

#: route -> (status, content type or None, body)
ROUTES = {
    "html500": (500, "text/html; charset=utf-8", HTML_500),
    "html502": (502, "text/html", HTML_502),
    "html403": (403, "text/html", HTML_403),
    "html200": (200, "text/html", HTML_200),
    "empty401": (401, None, b""),
    "empty404": (404, None, b""),
    "empty500": (500, None, b""),
    "empty503": (503, None, b""),
}


def closed_port():
    """A loopback TCP port nobody listens on (bound, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class _Server:
    """A ThreadingHTTPServer on 127.0.0.1 in a daemon thread."""

    def __init__(self, handler):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.url = "http://127.0.0.1:%d" % self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.lock = threading.Lock()

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""


class _FakeHandler(_Quiet):
    def _answer(self):
        self._body()
        owner = self.server.owner
        route = self.path.lstrip("/").split("/", 1)[0]
        status, ctype, body = ROUTES.get(route, (418, "text/plain", b"unknown fake route\n"))
        with owner.lock:
            owner.requests.append({"method": self.command, "path": self.path, "route": route, "status": status})
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer


class FakeProvider(_Server):
    """``url + "/html500/"`` and so on: every request under a route gets that route's answer."""

    def __init__(self):
        super().__init__(_FakeHandler)
        self.requests = []

    def route(self, name):
        if name not in ROUTES:
            raise KeyError("unknown fake route %r; valid: %s" % (name, ", ".join(ROUTES)))
        return "%s/%s/" % (self.url, name)


class _ProxyHandler(_Quiet):
    HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host",
           "content-length"}

    def _forward(self):
        owner = self.server.owner
        body = self._body()
        headers = {k: v for k, v in self.headers.items() if k.lower() not in self.HOP}
        auth = self.headers.get("Authorization")
        upstream = urllib.parse.urlsplit(owner.upstream)
        conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            # the upstream dropped the connection (fault "reset"): drop ours too
            self.close_connection = True
            return
        finally:
            conn.close()
        with owner.lock:
            owner.requests.append({"method": self.command, "path": self.path, "status": resp.status,
                                   "authorization": auth})
            if self.path.split("?", 1)[0].rstrip("/").endswith("/connect/token") and resp.status == 200:
                try:
                    token = json.loads(data.decode("utf-8")).get("access_token")
                except (ValueError, AttributeError):
                    token = None
                if token:
                    owner.issued_tokens.append(token)
        self.send_response(resp.status)
        for key, value in resp.getheaders():
            if key.lower() not in self.HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


class RecordingProxy(_Server):
    """A transparent reverse proxy to ``upstream`` (an http:// origin) that keeps every issued token."""

    def __init__(self, upstream):
        super().__init__(_ProxyHandler)
        self.upstream = upstream
        self.requests = []
        self.issued_tokens = []

    def presented_bearers(self):
        with self.lock:
            return sorted({r["authorization"].split(" ", 1)[1].strip() for r in self.requests
                           if (r["authorization"] or "").lower().startswith("bearer ")})
