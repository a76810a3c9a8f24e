# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile provider on 127.0.0.1: real HTTP, with answers that stall, trickle, throttle or fail.

A test gives :class:`Hostile` a function ``answer(request) -> Answer`` and points a module's
endpoint at ``hostile.url``; every request is recorded with the monotonic time it arrived, so a
test can count its own requests and see the pauses between them.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Answer:
    """What the double sends: ``status``, ``body`` (JSON-encoded unless bytes), ``headers``;
    ``stall`` seconds of silence before the status line; ``trickle`` seconds between body bytes;
    ``cut``: send only that many bytes of the body (Content-Length still says the whole), then close."""

    def __init__(self, status=200, body=None, headers=None, stall=0.0, trickle=0.0, cut=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = dict(headers or {})
        self.stall = stall
        self.trickle = trickle
        self.cut = cut


class Seen:
    def __init__(self, method, path, body, at):
        self.method = method
        self.path = path
        self.body = body
        self.at = at


class Hostile:
    """``with Hostile(answer) as double:`` serves until the block ends (stalls end with it)."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, body, time.monotonic())
                owner.requests.append(seen)
                reply = owner.answer(seen)
                if reply.stall and owner.stopping.wait(reply.stall):
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if reply.cut is not None:
                        self.wfile.write(reply.body[:reply.cut])
                        self.close_connection = True
                        return
                    if not reply.trickle:
                        self.wfile.write(reply.body)
                        return
                    for byte in reply.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if owner.stopping.wait(reply.trickle):
                            return
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self):
        return [r.path.split("?")[0] for r in self.requests]
