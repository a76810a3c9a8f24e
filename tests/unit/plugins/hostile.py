# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile provider on 127.0.0.1: real HTTP, with answers that stall, trickle, throttle or fail.

A test gives :class:`Hostile` a function ``answer(request) -> Answer`` and points a module's
endpoint at ``hostile.url``; every request is recorded with its headers, its body and the monotonic
time it arrived, so a test can count its own requests and see the pauses between them, and an answer
can echo what the client sent (as a careless provider's error page does). The server answers on
several threads at once: an ``answer`` that keeps state must guard it with a lock.
"""

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Answer:
    """What the double sends: ``status``, ``body`` (JSON-encoded unless bytes), ``headers``;
    ``stall`` seconds of silence before the status line; ``trickle`` seconds between body bytes;
    ``head_trickle`` seconds between the bytes of the status line and headers; ``stream`` bytes of a
    body made up as it is sent (never held in memory: for answers of hundreds of MB) instead of
    ``body``, announced by ``Content-Length`` unless ``length`` is false (then the end of the body is
    the end of the connection); ``cut``: send only that many bytes of the body (Content-Length still
    says the whole), then close."""

    def __init__(self, status=200, body=None, headers=None, stall=0.0, trickle=0.0, head_trickle=0.0, stream=None,
                 length=True, cut=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = dict(headers or {})
        self.stall = stall
        self.trickle = trickle
        self.head_trickle = head_trickle
        self.stream = stream
        self.length = length
        self.cut = cut


#: what a streamed body is made of, one chunk at a time
STREAM_CHUNK = b"x" * 65536


class Seen:
    """One request as it arrived: ``headers`` is a dict of the request's headers (names as sent)."""

    def __init__(self, method, path, body, at, headers=None):
        self.method = method
        self.path = path
        self.body = body
        self.at = at
        self.headers = dict(headers or {})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-answer is what these tests play; nothing to print


class Hostile:
    """``with Hostile(answer) as double:`` serves until the block ends (stalls end with it).
    ``tls=(certfile, keyfile)`` serves HTTPS instead."""

    def __init__(self, answer, tls=None):
        self.answer = answer
        self.requests = []
        self.answers = []
        self.stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body may leave in separate writes: without this, Nagle's algorithm holds the
            # body until the client's delayed ACK (about 40 ms an answer on loopback)
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, body, time.monotonic(), self.headers.items())
                owner.requests.append(seen)
                reply = owner.answer(seen)
                owner.answers.append(reply)
                if reply.stall and owner.stopping.wait(reply.stall):
                    return
                size = len(reply.body) if reply.stream is None else reply.stream
                head = ["HTTP/1.1 %d %s" % (reply.status, self.responses.get(reply.status, ("",))[0])]
                head += ["%s: %s" % item for item in reply.headers.items()]
                head.append("Content-Type: application/json")
                if reply.length:
                    head.append("Content-Length: %d" % size)
                else:
                    head.append("Connection: close")
                    self.close_connection = True
                head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
                try:
                    if reply.cut is not None:
                        self.wfile.write(head + reply.body[:reply.cut])
                        self.close_connection = True
                        return
                    if reply.stream is None and not reply.head_trickle and not reply.trickle:
                        self.wfile.write(head + reply.body)  # one write: no wait for the ACK of a first one
                        return
                    if not self._write(head, reply.head_trickle):
                        return
                    if reply.stream is None:
                        self._write(reply.body, reply.trickle)
                        return
                    sent = 0
                    while sent < size:  # bounded by the size asked for
                        piece = STREAM_CHUNK[:size - sent]
                        self.wfile.write(piece)
                        sent += len(piece)
                        if owner.stopping.is_set():
                            return
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _write(self, data, pause):
                """Send ``data`` at once, or a byte at a time ``pause`` seconds apart; False once the double stops."""
                if not pause:
                    self.wfile.write(data)
                    return True
                for byte in data:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if owner.stopping.wait(pause):
                        return False
                return True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.httpd = Server(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = "%s://127.0.0.1:%d/" % (scheme, self.httpd.server_port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def paths(self):
        return [r.path.split("?")[0] for r in self.requests]
