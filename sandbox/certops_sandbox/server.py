"""Run the sandbox: in a background thread (tests, benchmarks) or in the foreground (CLI)."""


import ssl
import tempfile
import threading

from werkzeug.serving import make_server

from .app import create_app
from .tls import make_tls_files


class SandboxServer:
    """A running sandbox on loopback. ``url`` is its origin, ``ca_path`` the throwaway CA (TLS only).

    Use as a context manager, or call ``start()`` and ``stop()``.
    """

    def __init__(self, host="127.0.0.1", port=0, tls=False, tls_dir=None, state_file=None,
                 config=None, seed=None):
        self.app = create_app(config=config, state_file=state_file, seed=seed)
        self.sandbox = self.app.config["SANDBOX"]
        self.tls_files = None
        context = None
        if tls:
            self.tls_files = make_tls_files(tls_dir or tempfile.mkdtemp(prefix="certops-sandbox-tls-"))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_files["cert"], self.tls_files["key"])
        self._server = make_server(host, port, self.app, threaded=True, ssl_context=context)
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_port
        scheme = "https" if tls else "http"
        shown = "[%s]" % host if ":" in host else host
        self.url = "%s://%s:%d" % (scheme, shown, self.port)
        self.sandbox.base_url = self.url
        self._thread = None

    @property
    def ca_path(self):
        return self.tls_files["ca"] if self.tls_files else None

    def urls(self):
        """The provider URLs and sandbox credentials, as the CLI prints them."""
        info = {"url": self.url, "control": self.url + "/_sandbox", "ca_path": self.ca_path}
        for name, plugin in self.sandbox.plugins.items():
            info[name] = plugin.describe(self.url)
        return info

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="certops-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sandbox.store.save(force=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


