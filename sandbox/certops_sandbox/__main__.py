"""certops-sandbox: serve both providers' APIs on loopback.

    certops-sandbox [--port 8450] [--tls] [--state-file sandbox.json] [--set softlayer.approve_after=3]
                    [--fault '{"kind": "rate_limit", "rate": 0.2}'] [--info-file urls.json]

Prints one JSON line with the URLs and the sandbox credentials, then serves until interrupted.
"""

import argparse
import json
import os
import signal
import sys

from .faults import FaultError
from .server import SandboxServer


def _parse_set(items):
    config = {}
    for item in items:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise SystemExit("--set takes provider.key=value, got %r" % item)
        dotted, raw = item.split("=", 1)
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        node = config
        parts = dotted.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return config


def main(argv=None):
    parser = argparse.ArgumentParser(prog="certops-sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a throwaway CA")
    parser.add_argument("--tls-dir", help="where to write ca.pem, server.pem and server.key")
    parser.add_argument("--state-file", help="JSON file that keeps orders across restarts")
    parser.add_argument("--seed", type=int, help="seed for rate-based fault injection")
    parser.add_argument("--set", action="append", default=[], metavar="PROVIDER.KEY=VALUE",
                        help="override a config value (JSON values allowed), e.g. softlayer.approve_after=2")
    parser.add_argument("--fault", action="append", default=[], metavar="JSON",
                        help="a fault rule to install at start (see certops_sandbox.faults)")
    parser.add_argument("--info-file", help="also write the printed JSON line to this file")
    args = parser.parse_args(argv)

    if not (args.host.startswith("127.") or args.host in ("localhost", "::1")):
        parser.error("the sandbox only binds loopback addresses")
    server = SandboxServer(host=args.host, port=args.port, tls=args.tls, tls_dir=args.tls_dir,
                           state_file=args.state_file, config=_parse_set(args.set), seed=args.seed)
    try:
        for raw in args.fault:
            server.sandbox.faults.add(json.loads(raw))
    except (ValueError, FaultError) as exc:
        parser.error("--fault: %s" % exc)
    line = json.dumps(server.urls())
    if args.info_file:  # written whole before anybody is told the sandbox is up
        tmp = args.info_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(line + "\n")
        os.replace(tmp, args.info_file)
    print(line, flush=True)

    def _stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.sandbox.store.save(force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
