"""Benchmarks B1-B6: the certops.orders modules against the ansible.builtin.uri playbooks users write.

Run through bench/run.sh (it stages the collection). Every scenario runs against a sandbox this
script starts on loopback, for both providers (B5), and writes bench/results/latest.md and
latest.json. Request counts come from the sandbox's request log; times from a callback that
stamps each task's start and end. ``--quick`` uses small sizes and one repetition so CI can run
the harness without asserting any timing. B6 (status of every order of an account at 1,000 and
10,000 orders) runs in a sandbox of its own per provider and draws bench/results/b6_scale.png.
"""

import argparse
import collections
import concurrent.futures
import glob
import json
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import threading
import time

import requests

from certops_sandbox.harness import Playbooks, SandboxProcess, cleanup, workdir

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYS = os.path.join(HERE, "playbooks")
PROVIDERS = ("softlayer", "edgecast")
#: the status each provider's orders reach when "approved", and what else counts as past it
DONE = {"softlayer": ["Approved", "Complete"], "edgecast": ["Active"]}
WAIT_FOR = {"softlayer": ["Approved"], "edgecast": ["Active"]}
#: the baseline's until loop: poll each order every URI_DELAY seconds (a common, fair choice:
#: shorter multiplies requests, longer adds latency), for up to URI_WAIT seconds
URI_DELAY = 5
URI_WAIT = 90


# -- seeding orders straight through the providers' APIs -------------------------------------------
class Seeder:
    """Places orders through the sandbox's provider APIs (fast, outside the measured playbooks)."""

    def __init__(self, box):
        self.box = box
        self.v = box.vars
        self.http = requests.Session()
        self.serial = 0
        self._token = None
        self._token_at = 0.0

    def csr(self, common_name):
        return self.box.control("POST", "/csr", {"common_name": common_name})["csr"]

    def name(self, tag, delay):
        self.serial += 1
        marker = "-sbx-t%d" % delay if delay is not None else ""
        return "%s-%d%s.bench.example.com" % (tag, self.serial, marker)

    def softlayer(self, tag, delay=None):
        """Place one order; returns (request id, wall time it was placed)."""
        cn = self.name(tag, delay)
        container = {
            "complexType": "SoftLayer_Container_Product_Order_Security_Certificate", "packageId": 210,
            "quantity": 1, "prices": [{"id": 1836}], "certificateSigningRequest": self.csr(cn),
            "serverType": "apache2", "orderApproverEmailAddress": "admin@bench.example.com", "renewalFlag": False,
            "organizationInformation": {"organizationName": "Bench Corp", "phoneNumber": "+1 555 0100", "address": {
                "addressLine1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001", "countryCode": "US"}},
            "technicalContact": {"firstName": "Ada", "lastName": "Lovelace", "title": "Ops", "emailAddress": "ops@bench.example.com",
                                 "phoneNumber": "+1 555 0101", "organizationName": "Bench Corp"},
        }
        base = self.v["sandbox_softlayer_endpoint_url"]
        auth = (self.v["sandbox_softlayer_username"], self.v["sandbox_softlayer_api_key"])
        placed = self.http.post(base + "SoftLayer_Product_Order/placeOrder.json", json={"parameters": [container]}, auth=auth)
        placed.raise_for_status()
        at = time.time()
        order_filter = {"securityCertificateRequest": {"order": {"id": {"operation": str(placed.json()["orderId"])}}}}
        rows = self.http.post(base + "SoftLayer_Security_Certificate_Request/getSslCertificateRequests.json", auth=auth,
                              json={"parameters": [self.v["sandbox_softlayer_account_id"]]},
                              params={"objectMask": "mask[id]", "objectFilter": json.dumps(order_filter)})
        rows.raise_for_status()
        if len(rows.json()) != 1:
            raise RuntimeError("the sandbox should list the request at once (bench sets request_delay 0): %s" % rows.text)
        return rows.json()[0]["id"], at

    def token(self):
        # CPS tokens last 300 s; a benchmark run lasts longer
        if self._token is None or time.monotonic() - self._token_at > 240:
            self._token_at = time.monotonic()
            answer = self.http.post(self.v["sandbox_edgecast_token_url"], data={
                "grant_type": "client_credentials", "client_id": self.v["sandbox_edgecast_client_id"],
                "client_secret": self.v["sandbox_edgecast_client_secret"], "scope": "sec.cps.certificates"})
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return self._token

    def edgecast(self, tag, delay=None):
        """Create one DV certificate request; returns (id, wall time it was created)."""
        domain = self.name(tag, delay)
        body = {"certificate_label": domain.split(".")[0], "certificate_authority": "DigiCert", "validation_type": "DV",
                "dcv_method": "DnsTxtToken", "domains": [{"name": domain, "is_common_name": True}]}
        answer = self.http.post(self.v["sandbox_edgecast_cps_base"] + "/v2.0/certificates/cdnprovided", json=body,
                                headers={"Authorization": "Bearer " + self.token()})
        answer.raise_for_status()
        return answer.json()["id"], time.time()

    def place(self, provider, tag, delays):
        """One order per delay (None: the sandbox's default lifecycle); returns [(id, approval wall time)]."""
        made = []
        for delay in delays:
            key, at = getattr(self, provider)(tag, delay)
            made.append((key, None if delay is None else at + delay))
        return made

    def bulk(self, provider, tag, count, workers=8):
        """Place ``count`` orders with the sandbox's default lifecycle, ``workers`` at a time, through
        the provider APIs (no read-back: B6 lists the account, it needs no ids). SoftLayer's CSRs come
        from the control API 500 at a time, one distinct common name per order."""
        local = threading.local()

        def session():
            if not hasattr(local, "http"):
                local.http = requests.Session()
            return local.http

        if provider == "edgecast":
            self.token()  # once, before the threads share it

            def one(serial):
                body = {"certificate_label": "%s-%d" % (tag, serial), "certificate_authority": "DigiCert", "validation_type": "DV",
                        "dcv_method": "DnsTxtToken", "domains": [{"name": "%s-%d.bench.example.com" % (tag, serial), "is_common_name": True}]}
                session().post(self.v["sandbox_edgecast_cps_base"] + "/v2.0/certificates/cdnprovided", json=body,
                               headers={"Authorization": "Bearer " + self._token}).raise_for_status()
        else:
            base = self.v["sandbox_softlayer_endpoint_url"]
            auth = (self.v["sandbox_softlayer_username"], self.v["sandbox_softlayer_api_key"])
            csrs = {}

            def one(serial):
                container = {
                    "complexType": "SoftLayer_Container_Product_Order_Security_Certificate", "packageId": 210, "quantity": 1,
                    "prices": [{"id": 1836}], "certificateSigningRequest": csrs.pop(serial), "serverType": "apache2",
                    "orderApproverEmailAddress": "admin@bench.example.com", "renewalFlag": False,
                    "organizationInformation": {"organizationName": "Bench Corp", "phoneNumber": "+1 555 0100", "address": {
                        "addressLine1": "1 Main St", "city": "Dallas", "state": "TX", "postalCode": "75001", "countryCode": "US"}},
                    "technicalContact": {"firstName": "Ada", "lastName": "Lovelace", "title": "Ops", "emailAddress": "ops@bench.example.com",
                                         "phoneNumber": "+1 555 0101", "organizationName": "Bench Corp"}}
                session().post(base + "SoftLayer_Product_Order/placeOrder.json", json={"parameters": [container]},
                               auth=auth).raise_for_status()
        start = self.serial
        self.serial += count
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for first in range(start, start + count, 500):
                batch = list(range(first, min(first + 500, start + count)))
                if provider == "softlayer":
                    made = self.box.control("POST", "/csr", {"common_name": "%s-%d-{n}.bench.example.com" % (tag, first),
                                                           "count": len(batch)},
                                            timeout=120)["csrs"]
                    csrs.update((serial, item["csr"]) for serial, item in zip(batch, made))
                list(pool.map(one, batch))


# -- running one playbook ---------------------------------------------------------------------------
class Runner:
    def __init__(self, box, collections_path, work):
        self.box = box
        self.work = work
        self.plays = Playbooks(collections_path, work, box)
        self.rss_python = os.path.join(work, "rss-python")
        with open(self.rss_python, "w") as handle:
            handle.write(RSS_WRAPPER % {"python": sys.executable})
        os.chmod(self.rss_python, 0o755)

    def seq(self):
        return self.box.control("GET", "/stats")["last_seq"]

    def run(self, provider, variant, ids, extra=None, rss=False, playbook=None, env_extra=None):
        """Run ``<provider>_<variant>.yml`` (or ``playbook``); returns seconds of the measured tasks,
        requests, log."""
        tag = "%d-%d" % (threading.get_ident(), time.monotonic_ns())
        times = os.path.join(self.work, "times-%s.json" % tag)
        rss_log = os.path.join(self.work, "rss-%s.log" % tag)
        for path in (times, rss_log):
            if os.path.exists(path):
                os.remove(path)
        env = {"BENCH_TIMES": times, "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
               "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
               # the status-catalogue cache as users have it (on, a day), in the bench's work dir
               "CERTOPS_CATALOGUE_CACHE_DIR": os.path.join(self.work, "catalogues"),
               "CERTOPS_CATALOGUE_CACHE_MAX_AGE": "86400"}
        if rss:
            env.update(BENCH_RSS_LOG=rss_log)
        env.update(env_extra or {})
        extra_vars = {"bench_ids": ids, "bench_done": DONE[provider]}
        extra_vars.update(extra or {})
        if rss:  # the inventory pins ansible_playbook_python; an extra var beats it
            extra_vars["ansible_python_interpreter"] = self.rss_python
        since = self.seq()
        done = self.plays.run(os.path.join(PLAYS, playbook or "%s_%s.yml" % (provider, variant)), extra_vars, env=env)
        if done.returncode != 0:
            raise RuntimeError("%s_%s failed:\n%s\n%s" % (provider, variant, done.stdout[-4000:], done.stderr[-2000:]))
        log = self.box.control("GET", "/requests?since=%d&provider=%s" % (since, provider))["requests"]
        with open(times) as handle:
            tasks = [t for t in json.load(handle) if t["name"].startswith("measure:") and not t.get("skipped")]
        calls = collections.Counter("%s %s" % (e["method"], re.sub(r"/\d+", "/{id}", e["path"])) for e in log)
        outcome = {"calls": dict(calls), "seconds": max(t["end"] for t in tasks) - min(t["start"] for t in tasks),
                   "end": max(t["end"] for t in tasks), "start": min(t["start"] for t in tasks),
                   "requests": len(log), "log": log}
        if rss:
            with open(rss_log) as handle:
                outcome["rss_kib"] = max(int(line) for line in handle if line.strip())
        return outcome


#: an interpreter for ansible_python_interpreter that runs the module in a child and logs its peak RSS
RSS_WRAPPER = """#!%(python)s
import os, resource, subprocess, sys
code = subprocess.call([%(python)r] + sys.argv[1:])
with open(os.environ["BENCH_RSS_LOG"], "a") as log:
    log.write("%%d\\n" %% resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def spread(values):
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3),
            "runs": [round(v, 3) for v in values]}


# -- the scenarios ---------------------------------------------------------------------------------
def b1(runner, seeder, provider, cfg):
    """One status query for one order (status name included): ours vs uri vs the ping floor (one
    ansible.builtin.ping task), wall time of the task; then where a module's start goes (imports)."""
    [(key, _)] = seeder.place(provider, "b1", [None])
    # the floor of a module that reads one order through requests and does nothing else (SoftLayer's
    # one GET; bench/playbooks/library/bench_requests_get.py): what ours cannot go below
    variants = {"ours": None, "uri": None, "ping": "ping.yml"}
    if provider == "softlayer":
        variants["requests"] = "floor.yml"
    rows = dict((variant, []) for variant in variants)
    requests_made, calls = {}, {}
    # one unmeasured run of each first: a pipeline's tasks find Ansible's module cache and our
    # status-catalogue cache warm (a cold catalogue cache adds its requests once a day)
    cold = runner.run(provider, "ours", [key])
    for variant, playbook in variants.items():
        if variant != "ours":
            runner.run(provider, variant, [key], playbook=playbook)
    for _ in range(cfg.reps):
        for variant, playbook in variants.items():  # interleaved, so drift hits all alike
            out = runner.run(provider, variant, [key], playbook=playbook)
            rows[variant].append(out["seconds"])
            requests_made[variant] = out["requests"]
            calls[variant] = out["calls"]
    ratio = statistics.median(rows["ours"]) / statistics.median(rows["uri"])
    ping_ratio = statistics.median(rows["ours"]) / statistics.median(rows["ping"])
    floor = {}
    if rows.get("requests"):
        floor = {"requests_floor_s": spread(rows["requests"]),
                 "floor_of_uri": round(statistics.median(rows["requests"]) / statistics.median(rows["uri"]), 3),
                 "floor_of_ping": round(statistics.median(rows["requests"]) / statistics.median(rows["ping"]), 3)}
    return {"ours_s": spread(rows["ours"]), "uri_s": spread(rows["uri"]), "ping_s": spread(rows["ping"]), **floor,
            "ratio": round(ratio, 3), "ping_ratio": round(ping_ratio, 3), "requests": requests_made, "calls": calls,
            "cold_cache": {"seconds": round(cold["seconds"], 3), "requests": cold["requests"]},
            "target": "<= 0.9", "ping_target": "<= 1.15", "met": ratio <= 0.9 and ping_ratio <= 1.15,
            "imports": import_profile(runner, provider, key)}


#: the imports B1 reports by name (cumulative ms under ``python -X importtime``); our module_utils is
#: the provider package the module imports first
NAMED_IMPORTS = ("ansible.module_utils.basic", "requests", "pydantic", "cryptography")


def parse_importtime(text):
    """The figures of ``-X importtime`` output (``text``): total import ms, the named imports'
    cumulative ms, our module_utils' (outermost ones, with what they import, and their own
    modules' self time) and the six biggest top-level imports."""
    rows = []  # (depth, name, self us, cumulative us)
    for line in text.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$", line)
        if match:
            rows.append((len(match.group(3)) // 2, match.group(4), int(match.group(1)), int(match.group(2))))
    cumulative = {}
    for _depth, name, _self, total in rows:
        cumulative.setdefault(name, total)  # a module is imported (and timed) once

    def is_ours(name):
        return name.startswith("ansible_collections.certops.orders.plugins.module_utils.")

    # -X importtime prints each import after the ones it caused, indented one step deeper: rebuild
    # the tree to add up our module_utils where no other of ours imported them (the provider at
    # start, models.py later when the first answer is parsed), each with what it pulled in
    pending, outermost = {}, []
    for depth, name, _own, total in rows:
        children = pending.pop(depth + 1, [])
        pending.setdefault(depth, []).append((name, total, children))
    stack = list(pending.get(0, []))
    while stack:
        name, total, children = stack.pop()
        if is_ours(name):
            outermost.append((name, total))
        else:
            stack.extend(children)
    ours = [r for r in rows if is_ours(r[1])]
    top = sorted((r for r in rows if r[0] == 0 and not r[1].startswith("ansible_collections.certops.orders.plugins.modules")),
                 key=lambda r: -r[3])[:6]
    return {"total_ms": round(sum(r[2] for r in rows) / 1000.0, 1),
            "named_ms": {name: (round(cumulative[name] / 1000.0, 1) if name in cumulative else None) for name in NAMED_IMPORTS},
            "ours": {"outermost": {name: round(total / 1000.0, 1) for name, total in outermost},
                     "cumulative_ms": round(sum(total for _name, total in outermost) / 1000.0, 1),
                     "self_ms": round(sum(r[2] for r in ours) / 1000.0, 1)},
            "top_level": [{"name": r[1], "cumulative_ms": round(r[3] / 1000.0, 1)} for r in top]}


def import_profile(runner, provider, key, reps=3):
    """Where the start of one module run goes: run ``<provider>_ours.yml`` once keeping Ansible's
    remote files (``ANSIBLE_KEEP_REMOTE_FILES``), then run the AnsiballZ file it left, as Ansible
    runs it (the same interpreter, the module's arguments inside), ``reps`` times plain for the wall
    time of a module process and once under ``PYTHONPROFILEIMPORTTIME`` (``-X importtime``, which
    the wrapper's child processes inherit) for the imports. Returns the cumulative milliseconds of
    the named imports and of the collection's own module_utils, and the biggest top-level imports."""
    remote = os.path.join(runner.work, "ansible-remote")
    before = set(glob.glob(os.path.join(remote, "*", "AnsiballZ_*.py")))
    runner.run(provider, "ours", [key], env_extra={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    made = sorted(set(glob.glob(os.path.join(remote, "*", "AnsiballZ_%s_*.py" % provider))) - before)
    if len(made) != 1:
        return {"error": "expected one kept AnsiballZ file, found %d" % len(made)}
    env = dict(os.environ, **runner.plays.env())
    walls = []
    for _ in range(reps):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, made[0]], env=env, capture_output=True, check=True, cwd=runner.work)
        walls.append(time.perf_counter() - t0)
    done = subprocess.run([sys.executable, made[0]], env=dict(env, PYTHONPROFILEIMPORTTIME="1"), capture_output=True, text=True,
                          check=True, cwd=runner.work)
    return dict(parse_importtime(done.stderr), module_process_s=spread(walls),
                how="AnsiballZ file kept by ANSIBLE_KEEP_REMOTE_FILES, run with PYTHONPROFILEIMPORTTIME=1 (-X importtime)")


def staggered(n, first, last, seed):
    """n approval delays spread evenly over [first, last] s, in a shuffled (seeded) order."""
    delays = [first + int(round((last - first) * k / max(1, n - 1))) for k in range(n)]
    random.Random(seed).shuffle(delays)
    return delays


def b2(runner, seeder, provider, cfg):
    """Wait for n orders approved at staggered times: time past the last approval and requests."""
    rows = {"ours": [], "uri": []}
    reqs = {"ours": [], "uri": []}
    spans, calls = [], {}
    for rep in range(cfg.reps):
        for variant in ("ours", "uri"):
            made = seeder.place(provider, "b2", staggered(cfg.b2_orders, cfg.b2_first, cfg.b2_last, rep))
            ids = [key for key, _ in made]
            last = max(at for _, at in made)
            extra = {"bench_wait_for": WAIT_FOR[provider], "bench_wait_timeout": 300,
                     "bench_delay": URI_DELAY, "bench_retries": int(math.ceil(URI_WAIT / float(URI_DELAY)))}
            out = runner.run(provider, variant, ids, extra)
            rows[variant].append(out["end"] - last)
            reqs[variant].append(out["requests"])
            calls[variant] = out["calls"]
            spans.append((min(at for _, at in made) - out["start"], last - out["start"]))
    t_ratio = statistics.median(rows["ours"]) / statistics.median(rows["uri"])
    r_ratio = statistics.median(reqs["ours"]) / float(statistics.median(reqs["uri"]))
    return {"orders": cfg.b2_orders, "approvals_after_start_s": [round(min(s[0] for s in spans), 1), round(max(s[1] for s in spans), 1)],
            "ours_past_last_s": spread(rows["ours"]), "uri_past_last_s": spread(rows["uri"]),
            "ours_requests": spread(reqs["ours"]), "uri_requests": spread(reqs["uri"]),
            "time_ratio": round(t_ratio, 3), "request_ratio": round(r_ratio, 3), "calls": calls,
            "uri_loop": "loop over the orders, until approved, delay %d s, retries %d" % (URI_DELAY, math.ceil(URI_WAIT / float(URI_DELAY))),
            "target": "time <= 0.1, requests <= 0.5", "met": t_ratio <= 0.1 and r_ratio <= 0.5}


def b3(runner, seeder, provider, cfg):
    """Detection latency for one order approved after each delay, all waited for at once."""
    made = seeder.place(provider, "b3", cfg.b3_delays)
    threads, outs = [], {}

    def wait_one(index, key):
        outs[index] = runner.run(provider, "ours", [key], {"bench_wait_for": WAIT_FOR[provider], "bench_wait_timeout": 600})

    for index, (key, _) in enumerate(made):
        threads.append(threading.Thread(target=wait_one, args=(index, key)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    log = runner.box.control("GET", "/requests?provider=%s" % provider)["requests"]
    rows = []
    for delay, (key, approved_at) in zip(cfg.b3_delays, made):
        seen = [e["t"] for e in log if e["t"] >= approved_at and "/%s/" % key in e["path"] + "/" and e["status"] < 300]
        allowed = max(1.0, 0.1 * delay)
        if not seen:
            # no successful read of the order at or after its planned approval: the wait ended
            # without seeing it (a timeout or an error, in outs), which is a miss, not a crash
            rows.append({"approved_after_s": delay, "latency_s": None, "allowed_s": allowed, "met": False,
                         "note": "no successful read after the approval"})
            continue
        latency = min(seen) - approved_at
        rows.append({"approved_after_s": delay, "latency_s": round(latency, 3), "allowed_s": allowed, "met": latency <= allowed})
    return {"rows": rows, "met": all(r["met"] for r in rows)}


def schedule_requests(collections_path):
    """Polls the waiter makes over a 10-minute wait for one order that never finishes (fake clock)."""
    sys.path.insert(0, collections_path)
    from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
    from ansible_collections.certops.orders.plugins.module_utils._wait import PollSchedule, Waiter

    now = [0.0]
    calls = []

    def fetch(keys):
        calls.append(now[0])
        return {k: "pending" for k in keys}

    waiter = Waiter(fetch, lambda o: False, lambda o: False, str, budget=Budget(600, clock=lambda: now[0]),
                    schedule=PollSchedule(), sleep=lambda s: now.__setitem__(0, now[0] + s))
    result = waiter.run(["one"], initial={"one": "pending"})
    return {"wait_s": 600, "polls": result.polls, "requests_per_poll": 1, "requests": result.polls + 1,
            "target": "<= 60", "met": result.polls + 1 <= 60}


def b4(runner, seeder, provider, cfg):
    """Status of n orders in one task against a loop of uri tasks; peak RSS of each module process."""
    made = seeder.place(provider, "b4", [None] * cfg.b4_orders)
    ids = [key for key, _ in made]
    rows = {"ours": [], "uri": []}
    reqs = {}
    for _ in range(cfg.reps):
        for variant in ("ours", "uri"):
            out = runner.run(provider, variant, ids)
            rows[variant].append(out["seconds"])
            reqs[variant] = out["requests"]
    rss = {variant: runner.run(provider, variant, ids[: cfg.rss_orders if variant == "uri" else None], rss=True)["rss_kib"]
           for variant in ("ours", "uri")}
    speedup = statistics.median(rows["uri"]) / statistics.median(rows["ours"])
    return {"orders": cfg.b4_orders, "ours_s": spread(rows["ours"]), "uri_s": spread(rows["uri"]), "requests": reqs,
            "speedup": round(speedup, 1), "peak_rss_kib": rss, "target": ">= 40x", "met": speedup >= 40}


#: SoftLayer's documented rate limit (/work/shared/providers/softlayer.md D2; sandbox/docs/softlayer.md,
#: the ``softlayer_rate_limit`` fault): 50 requests for every second. CPS documents none.
RATE_LIMITS = {"softlayer": 50, "edgecast": None}


def peak_rate(log):
    """The most requests the log shows within any one second (a sliding window over their times)."""
    times = sorted(e["t"] for e in log)
    best, low = 0, 0
    for high, t in enumerate(times):
        while t - times[low] >= 1.0:
            low += 1
        best = max(best, high - low + 1)
    return best


def peak_in_whole_seconds(log):
    """The most requests the log shows within one whole second of the clock (a fixed window, the
    kinder reading of "50 requests for every 1 second")."""
    counts = collections.Counter(int(e["t"]) for e in log)
    return max(counts.values()) if counts else 0


def b6(collections_path, settings, provider, cfg):
    """Status of every order of an account at growing sizes, in one task without a selector: time,
    requests, peak RSS of the module process, and the request rate against the provider's limit.
    A sandbox of its own per provider, so the account holds exactly the orders seeded here (earlier
    rows' orders would change the count, and CPS listings stop at 10,000 certificates)."""
    work = workdir("certops-bench-b6-")
    box = SandboxProcess(work, settings=settings).start()
    try:
        runner = Runner(box, collections_path, work)
        seeder = Seeder(box)
        rows = []
        for size in cfg.b6_sizes:
            t0 = time.time()
            seeder.bulk(provider, "b6", size - len(box.control("GET", "/orders/%s" % provider)))
            seeded_s = time.time() - t0
            runs = []
            for _ in range(cfg.b6_reps):
                runs.append(runner.run(provider, "all", [], {"bench_count": size}))
            rss = runner.run(provider, "all", [], {"bench_count": size}, rss=True)["rss_kib"]
            log = [e for out in runs for e in out["log"]]
            statuses = collections.Counter(str(e["status"]) for e in log)
            limit = RATE_LIMITS[provider]
            peak = max(peak_rate(out["log"]) for out in runs)
            peak_fixed = max(peak_in_whole_seconds(out["log"]) for out in runs)
            rows.append({"orders": size, "seed_s": round(seeded_s, 1), "ours_s": spread([o["seconds"] for o in runs]),
                         "requests": runs[-1]["requests"], "calls": runs[-1]["calls"], "peak_rss_kib": rss,
                         "peak_requests_per_s": peak, "peak_requests_in_whole_second": peak_fixed, "rate_limit_per_s": limit,
                         "rate_limited": statuses.get("429", 0) + sum(1 for e in log if e.get("fault")),
                         "statuses": dict(statuses), "over_limit": bool(limit and peak > limit)})
            print("  B6 %s %d orders: seeded in %.0f s, %s" % (provider, size, seeded_s, json.dumps(
                {k: v for k, v in rows[-1].items() if k not in ("calls", "statuses")})), flush=True)
    finally:
        box.stop()
        cleanup(work)
    small, big = rows[0], rows[-1]
    per = 1000.0 / (big["orders"] - small["orders"])
    largest_rss = big["peak_rss_kib"] / 1024.0
    return {"rows": rows, "slope_per_1000": {"seconds": round((big["ours_s"]["median"] - small["ours_s"]["median"]) * per, 3),
                                             "requests": round((big["requests"] - small["requests"]) * per, 1)},
            "workers": "%s orders seeded through the provider APIs, 8 at a time" % provider,
            "target": "peak RSS <= 150 MiB at %d orders, no rate limit breached" % big["orders"],
            "met": largest_rss <= 150 and not any(r["over_limit"] or r["rate_limited"] for r in rows)}


def uri_extrapolation(b6_result, b4_result):
    """The uri loop at B6's sizes, extrapolated linearly from B4's measured run (an extrapolation:
    nobody ran a uri loop over 10,000 orders)."""
    per_s = b4_result["uri_s"]["median"] / b4_result["orders"]
    per_req = b4_result["requests"]["uri"] / float(b4_result["orders"])
    return {"from": "B4: %d orders, %.1f s, %d requests" % (b4_result["orders"], b4_result["uri_s"]["median"], b4_result["requests"]["uri"]),
            "rows": [{"orders": r["orders"], "seconds": round(per_s * r["orders"], 1), "requests": int(round(per_req * r["orders"])),
                      "speedup": round(per_s * r["orders"] / r["ours_s"]["median"], 1)} for r in b6_result["rows"]],
            "seconds_per_1000": round(per_s * 1000, 1), "peak_rss_kib": b4_result["peak_rss_kib"]["uri"]}


# -- report ----------------------------------------------------------------------------------------
def fmt(s):
    return "%.2f (%.2f-%.2f)" % (s["median"], s["min"], s["max"])


def markdown(report):
    cfg = report["config"]
    out = ["# certops.orders benchmarks", "",
           "%s; %s, Python %s, ansible-core %s, %d CPUs; %d repetitions; medians (min-max); "
           "request counts from the sandbox's log." % (report["when"], report["machine"], report["python"],
                                                       report["ansible_core"], report["cpus"], cfg["reps"]), "",
           "| Row | Provider | Ours | `uri` baseline | Result | Target | Met |", "|---|---|---|---|---|---|---|"]
    for provider in PROVIDERS:
        r = report["results"].get(provider, {})
        if "B1" in r:
            x = r["B1"]
            if "ping_s" in x:
                floor = ""
                if "requests_floor_s" in x:
                    floor = "; requests floor %s s (%.2f of uri, %.2f of ping)" % (
                        fmt(x["requests_floor_s"]), x["floor_of_uri"], x["floor_of_ping"])
                cold = ""
                if "cold_cache" in x:
                    cold = " (cold catalogue cache: %.2f s, %d req)" % (x["cold_cache"]["seconds"], x["cold_cache"]["requests"])
                out.append("| B1 one status query (task s; `uri` and the `ping` floor) | %s | %s s, %d req%s | uri %s s, %d req; "
                           "ping %s s%s | %.2f of uri, %.2f of ping | %s of uri, %s of ping | %s |" % (
                               provider, fmt(x["ours_s"]), x["requests"]["ours"], cold, fmt(x["uri_s"]), x["requests"]["uri"],
                               fmt(x["ping_s"]), floor, x["ratio"], x["ping_ratio"], x["target"], x["ping_target"],
                               "yes" if x["met"] else "**no**"))
            else:  # a report from before the ping floor
                out.append("| B1 one status query (task s) | %s | %s s, %d req | %s s, %d req | ratio %.2f | %s | %s |" % (
                    provider, fmt(x["ours_s"]), x["requests"]["ours"], fmt(x["uri_s"]), x["requests"]["uri"], x["ratio"],
                    x["target"], "yes" if x["met"] else "**no**"))
        if "B2" in r:
            x = r["B2"]
            out.append("| B2 wait for %d orders (s past the last approval; requests) | %s | %s s; %s req | %s s; %s req | "
                       "time %.2f, requests %.2f | %s | %s |" % (
                           x["orders"], provider, fmt(x["ours_past_last_s"]), fmt(x["ours_requests"]), fmt(x["uri_past_last_s"]),
                           fmt(x["uri_requests"]), x["time_ratio"], x["request_ratio"], x["target"], "yes" if x["met"] else "**no**"))
        if "B3" in r:
            for row in r["B3"]["rows"]:
                latency = "not seen" if row["latency_s"] is None else "%.2f s" % row["latency_s"]
                out.append("| B3 detection latency, approved after %d s | %s | %s | - | - | <= %.0f s | %s |" % (
                    row["approved_after_s"], provider, latency, row["allowed_s"], "yes" if row["met"] else "**no**"))
        if "B4" in r:
            x = r["B4"]
            out.append("| B4 status of %d orders (task s; peak RSS of a module process) | %s | %s s, %d req, %.1f MiB | "
                       "%s s, %d req, %.1f MiB | %.1fx faster | %s | %s |" % (
                           x["orders"], provider, fmt(x["ours_s"]), x["requests"]["ours"], x["peak_rss_kib"]["ours"] / 1024.0,
                           fmt(x["uri_s"]), x["requests"]["uri"], x["peak_rss_kib"]["uri"] / 1024.0, x["speedup"], x["target"],
                           "yes" if x["met"] else "**no**"))
        if "B6" in r:
            x = r["B6"]
            extra = {e["orders"]: e for e in (x.get("uri_extrapolated") or {}).get("rows", [])}
            for row in x["rows"]:
                uri = extra.get(row["orders"])
                limit = ("peak %d req in any 1 s, %s in a whole second (limit %d/s)" % (
                    row["peak_requests_per_s"], row.get("peak_requests_in_whole_second", "-"), row["rate_limit_per_s"])
                         if row["rate_limit_per_s"] else "peak %d req/s (no documented limit)" % row["peak_requests_per_s"])
                out.append("| B6 status of %d orders, no selector (task s; peak RSS of the module) | %s | %s s, %d req, %.1f MiB | %s | "
                           "%s; %s, %d rate-limited | <= 150 MiB at the largest size, no rate limit hit | %s |" % (
                               row["orders"], provider, fmt(row["ours_s"]), row["requests"], row["peak_rss_kib"] / 1024.0,
                               "%.0f s, %d req (extrapolated)" % (uri["seconds"], uri["requests"]) if uri else "-",
                               "%.0fx faster" % uri["speedup"] if uri else "-", limit, row["rate_limited"],
                               ("yes" if row["peak_rss_kib"] <= 150 * 1024 and not (row["over_limit"] or row["rate_limited"]) else "**no**")))
            uri_slope = (x.get("uri_extrapolated") or {}).get("seconds_per_1000")
            out.append("| B6 slope per 1,000 orders (%d to %d) | %s | %.2f s, %.0f req | %s | - | - | - |" % (
                x["rows"][0]["orders"], x["rows"][-1]["orders"], provider, x["slope_per_1000"]["seconds"],
                x["slope_per_1000"]["requests"], "%.0f s (extrapolated)" % uri_slope if uri_slope else "-"))
    sched = report["results"].get("schedule")
    if sched:
        out.append("| B3 poll schedule over a %d s wait (fake clock) | both | %d requests | - | - | %s | %s |" % (
            sched["wait_s"], sched["requests"], sched["target"], "yes" if sched["met"] else "**no**"))
    out += ["", "Baselines: `bench/playbooks/*_uri.yml` (%s); ours: `bench/playbooks/*_ours.yml`." % (
        report["results"].get("softlayer", {}).get("B2", {}).get("uri_loop", "uri loops")),
        "B2 approvals: %d orders, approval delays spread evenly over %d-%d s after creation in shuffled order." % (
            cfg["b2_orders"], cfg["b2_first"], cfg["b2_last"])]
    starts = ["%s %s" % (p, import_line(report["results"][p]["B1"]["imports"])) for p in PROVIDERS
              if "imports" in report["results"].get(p, {}).get("B1", {})]
    dates = collections.defaultdict(set)
    for provider in PROVIDERS:
        for row, x in sorted(report["results"].get(provider, {}).items()):
            if "measured" in x:
                dates[x["measured"]].add("%s %s%s" % (provider, row, "" if x.get("load_before") is None else " (load %.1f)" % x["load_before"]))
    if len(dates) > 1:  # a merged report: say which rows come from which run
        out.append("Rows measured on: %s (load: the 1-minute load average when the row started)." % "; ".join(
            "%s %s" % (when, ", ".join(sorted(rows))) for when, rows in sorted(dates.items())))
    if starts:
        out.append("Module start (one AnsiballZ run of the status module; cumulative ms under `python -X importtime`): %s." % "; ".join(starts))
    if any("B6" in report["results"].get(p, {}) for p in PROVIDERS):
        out.append("B6: orders seeded through the provider APIs into a sandbox of its own; the `uri` figures are a linear "
                   "extrapolation of B4's measured `uri` loop, not a run; rate limits from the request log (SoftLayer documents "
                   "50 requests a second, CPS none; the sandbox enforces none itself). Plot of time and peak RSS against order "
                   "count: `bench/results/b6_scale.png`.")
    out.append("")
    return "\n".join(out)


def import_line(x):
    if "error" in x:
        return x["error"]
    named = ", ".join("%s %s" % (n, "%.0f" % x["named_ms"][n] if x["named_ms"][n] is not None else "not imported") for n in NAMED_IMPORTS)
    return ("process %.2f s, imports %.0f ms: our module_utils %.0f with what they import (%.0f in their own modules, "
            "pydantic model classes built at import included), %s") % (
        x["module_process_s"]["median"], x["total_ms"], x["ours"]["cumulative_ms"], x["ours"]["self_ms"], named)


def plot(report, path):
    """B6 against order count: task time and peak RSS, ours for each provider and the uri loop
    (extrapolated from B4). Needs matplotlib (requirements-dev.txt); without it, says so and skips."""
    try:
        import matplotlib
        import matplotlib.ticker
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is not installed (pip install -r requirements-dev.txt, then bench/run.py --plot-only)")
        return None
    fig, (t_ax, m_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for provider, colour in zip(PROVIDERS, ("tab:blue", "tab:orange")):
        x = report["results"].get(provider, {}).get("B6")
        if not x:
            continue
        sizes = [r["orders"] for r in x["rows"]]
        t_ax.plot(sizes, [r["ours_s"]["median"] for r in x["rows"]], "o-", color=colour, label="%s: certops.orders" % provider)
        m_ax.plot(sizes, [r["peak_rss_kib"] / 1024.0 for r in x["rows"]], "o-", color=colour, label="%s: certops.orders" % provider)
        uri = x.get("uri_extrapolated")
        if uri:
            t_ax.plot(sizes, [r["seconds"] for r in uri["rows"]], "s--", color=colour, alpha=0.6,
                      label="%s: uri loop (extrapolated from B4)" % provider)
            m_ax.plot(sizes, [uri["peak_rss_kib"] / 1024.0] * len(sizes), "s--", color=colour, alpha=0.6,
                      label="%s: uri, per module process (B4)" % provider)
    m_ax.axhline(150, color="grey", linestyle=":", label="target 150 MiB")
    t_ax.set(xscale="log", yscale="log", xlabel="orders", ylabel="task seconds", title="B6 status of every order: time")
    m_ax.set(xscale="log", xlabel="orders", ylabel="peak RSS (MiB)", title="B6: peak RSS of a module process")
    t_ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _pos: "{:g}".format(v)))
    m_ax.set_ylim(bottom=0)
    sizes = sorted({r["orders"] for p in PROVIDERS for r in report["results"].get(p, {}).get("B6", {}).get("rows", [])})
    for ax in (t_ax, m_ax):
        ax.set_xticks(sizes, ["{:,}".format(n) for n in sizes])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("certops.orders B6, %s (%s)" % (report["when"], "quick" if report["config"].get("quick") else "full"), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition (CI: the harness works)")
    parser.add_argument("--only", default="B1,B2,B3,B4,B6", help="comma list of rows (B5 = both providers, always)")
    parser.add_argument("--providers", default=",".join(PROVIDERS))
    parser.add_argument("--reps", type=int)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--collections-path")
    parser.add_argument("--plot-only", action="store_true", help="redraw the B6 plot from the saved report, run nothing")
    parser.add_argument("--b6-sizes", help="comma list of B6's order counts (default 1000,10000; --quick 50,200)")
    parser.add_argument("--merge", action="store_true", help="keep the rows of an earlier report that this run does not redo")
    cfg = parser.parse_args(argv)
    quick = cfg.quick
    name = "quick" if quick else "latest"
    if cfg.plot_only:
        with open(os.path.join(cfg.out, name + ".json")) as handle:
            drawn = plot(json.load(handle), os.path.join(cfg.out, "b6_scale.png" if not quick else "quick_b6_scale.png"))
        print("plot: %s" % drawn if drawn else "no B6 plot drawn")
        return 0 if drawn else 1
    if not cfg.collections_path:
        parser.error("--collections-path is required (bench/run.sh gives it)")
    cfg.reps = cfg.reps or (1 if quick else 3)
    cfg.b2_orders, cfg.b2_first, cfg.b2_last = (5, 2, 6) if quick else (50, 3, 30)
    cfg.b3_delays = [3] if quick else [5, 30, 120]
    cfg.b4_orders = 10 if quick else 200
    cfg.rss_orders = 3 if quick else 20
    cfg.b6_sizes = [int(n) for n in cfg.b6_sizes.split(",")] if cfg.b6_sizes else [50, 200] if quick else [1000, 10000]
    if len(cfg.b6_sizes) < 2 or cfg.b6_sizes != sorted(set(cfg.b6_sizes)):
        parser.error("--b6-sizes takes two or more growing order counts (the slope needs two)")
    cfg.b6_reps = 1 if quick else 2
    only = set(cfg.only.split(","))

    work = workdir("certops-bench-")
    settings = {"softlayer.request_delay": 0}
    box = SandboxProcess(work, settings=settings).start()
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.platform(terse=True),
              "python": platform.python_version(), "cpus": os.cpu_count(),
              "ansible_core": subprocess.run([sys.executable, "-c", "import ansible.release as r; print(r.__version__)"],
                                             capture_output=True, text=True).stdout.strip(),
              "config": {k: v for k, v in vars(cfg).items() if k not in ("out", "collections_path")}, "results": {}}
    os.makedirs(cfg.out, exist_ok=True)
    if cfg.merge and os.path.exists(os.path.join(cfg.out, name + ".json")):
        with open(os.path.join(cfg.out, name + ".json")) as handle:
            earlier = json.load(handle)
        report["results"] = earlier["results"]
        for provider in PROVIDERS:  # rows kept from the earlier run say when they were measured
            for row in report["results"].get(provider, {}).values():
                row.setdefault("measured", earlier["when"])

    def save():  # after every row, so that a late failure keeps what was measured
        with open(os.path.join(cfg.out, name + ".json"), "w") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
        with open(os.path.join(cfg.out, name + ".md"), "w") as handle:
            handle.write(markdown(report))

    try:
        runner = Runner(box, cfg.collections_path, work)
        seeder = Seeder(box)
        for provider in cfg.providers.split(","):
            results = report["results"].setdefault(provider, {})
            for row, fn in (("B1", b1), ("B2", b2), ("B3", b3), ("B4", b4), ("B6", None)):
                if row == "B6" and row in only:
                    t0 = time.time()
                    load = os.getloadavg()[0]
                    results[row] = b6(cfg.collections_path, settings, provider, cfg)
                    results[row].update(measured=time.strftime("%Y-%m-%d %H:%M"), load_before=round(load, 2))
                    if "B4" in results:
                        results[row]["uri_extrapolated"] = uri_extrapolation(results[row], results["B4"])
                    print("%s B6: %.0f s %s" % (provider, time.time() - t0, json.dumps(results[row]["slope_per_1000"])), flush=True)
                    save()
                elif row in only:
                    t0 = time.time()
                    load = os.getloadavg()[0]
                    results[row] = fn(runner, seeder, provider, cfg)
                    results[row].update(measured=time.strftime("%Y-%m-%d %H:%M"), load_before=round(load, 2))
                    print("%s %s: %.0f s %s" % (provider, row, time.time() - t0,
                                                json.dumps({k: v for k, v in results[row].items() if k != "calls"})), flush=True)
                    save()
        if "B3" in only:
            report["results"]["schedule"] = schedule_requests(cfg.collections_path)
    finally:
        box.stop()
        cleanup(work)
    save()
    print(markdown(report))
    if any("B6" in report["results"].get(p, {}) for p in PROVIDERS):
        drawn = plot(report, os.path.join(cfg.out, "b6_scale.png" if not quick else "quick_b6_scale.png"))
        if drawn:
            print("plot: %s" % drawn)
    if not quick and os.path.abspath(cfg.out) == os.path.join(HERE, "results"):
        # the README shows the latest full report; bench/readme.py writes it so nobody copies figures
        import readme
        readme.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
