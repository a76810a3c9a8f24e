#!/usr/bin/env python3
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How many CPS status reads a second the sandbox answers on this machine, whoever asks.

B7P (``wait_reads: every_pending``, 1,000 certificates) asks for one status read per pending
certificate in every round of the poll schedule, and the schedule's first rounds are 1 s apart:
about 1,000 reads a second while nearly all are pending. This drives the sandbox with plain
``http.client`` keep-alive connections on 1 to 32 threads (a client far lighter than any module)
for a few seconds each and reports the reads answered per second, so that B7P's early misses can be
told apart from the module's own pace. Run through ``bench/run.sh``'s environment:

    CERTOPS_WORK=/tmp/bench-work bash -c 'source scripts/lib.sh && source .venv/bin/activate && ansible_env &&
        python bench/capacity.py --out bench/results/capacity.json'
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import Seeder  # noqa: E402  (run.py imports the sandbox harness)
from certops_sandbox.harness import SandboxProcess, cleanup, workdir  # noqa: E402


def drive(base, token, ids, threads, seconds):
    """Status reads answered 200 per second with ``threads`` threads reading ``ids`` round robin."""
    url = urllib.parse.urlsplit(base)
    stop = time.monotonic() + seconds
    counts = [0] * threads
    failures = [0] * threads

    def worker(index):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {"Authorization": "Bearer " + token}
        position = index
        while time.monotonic() < stop:
            conn.request("GET", "%s/v2.0/certificates/%d/status" % (url.path, ids[position % len(ids)]), headers=headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status == 200:
                counts[index] += 1
            else:
                failures[index] += 1
            position += threads
        conn.close()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    took = time.monotonic() - started
    return {"threads": threads, "reads": sum(counts), "failed": sum(failures), "seconds": round(took, 2),
            "reads_per_s": round(sum(counts) / took, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", default="1,2,4,8,16,32")
    parser.add_argument("--out", help="also write the JSON report to this file (bench/results/capacity.json)")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    work = workdir("certops-bench-capacity-")
    box = SandboxProcess(work, settings={}).start()
    try:
        seeder = Seeder(box)
        seeder.bulk("edgecast", "cap", args.certificates)
        ids = sorted(o["id"] for o in box.control("GET", "/orders/edgecast", timeout=120))
        base = seeder.v["sandbox_edgecast_cps_base"]
        rows = [drive(base, seeder.token(), ids, int(n), args.seconds) for n in args.threads.split(",")]
    finally:
        box.stop()
        cleanup(work)
    report = json.dumps({"when": time.strftime("%Y-%m-%d %H:%M"), "machine_cpus": os.cpu_count(), "certificates": len(ids),
                         "load_before": round(load, 2), "seconds_each": args.seconds, "rows": rows}, indent=1)
    print(report)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(report + "\n")


if __name__ == "__main__":
    main()
