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
import contextlib
import datetime
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
import urllib.parse

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

    @contextlib.contextmanager
    def unlimited(self, provider):
        """Seeding is set-up, and faster than SoftLayer's 50 requests a second: the sandbox's limit is
        lifted for it and put back before anything is measured."""
        if provider != "softlayer":
            yield
            return
        limit = self.box.control("GET", "/config")["softlayer"]["rate_limit"]
        self.box.control("PATCH", "/config", {"softlayer": {"rate_limit": 0}})
        try:
            yield
        finally:
            self.box.control("PATCH", "/config", {"softlayer": {"rate_limit": limit}})

    def place(self, provider, tag, delays):
        """One order per delay (None: the sandbox's default lifecycle); returns [(id, approval wall time)]."""
        made = []
        with self.unlimited(provider):
            for delay in delays:
                key, at = getattr(self, provider)(tag, delay)
                made.append((key, None if delay is None else at + delay))
        return made

    def bulk(self, provider, tag, count, workers=8):
        """Place ``count`` orders with the sandbox's default lifecycle, ``workers`` at a time, through
        the provider APIs (no read-back: B6 lists the account, it needs no ids). SoftLayer's CSRs come
        from the control API 500 at a time, one distinct common name per order."""
        with self.unlimited(provider):
            return self._bulk(provider, tag, count, workers)

    def _bulk(self, provider, tag, count, workers):
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
        allowed = allowed_latency(delay)
        if not seen:
            # no successful read of the order at or after its planned approval: the wait ended
            # without seeing it (a timeout or an error, in outs), which is a miss, not a crash
            rows.append({"approved_after_s": delay, "latency_s": None, "allowed_s": allowed, "met": False,
                         "note": "no successful read after the approval"})
            continue
        latency = min(seen) - approved_at
        rows.append({"approved_after_s": delay, "latency_s": round(latency, 3), "allowed_s": allowed, "met": latency <= allowed})
    return {"rows": rows, "met": all(r["met"] for r in rows)}


def allowed_latency(age):
    """The B3 bound on detection latency for an order approved ``age`` seconds into its wait: the
    poll schedule's rule (plugins/module_utils/_wait.py, PollSchedule: polls every ``min_interval``
    of 1 s at first, then every ``fraction`` 0.1 of the time already waited), so an order approved
    after ``age`` s is seen within max(1 s, 10% of ``age``) (5 s -> 1 s, 30 s -> 3 s, 120 s -> 12 s).
    The schedule's 30 s cap only makes polls closer than this bound."""
    return max(1.0, 0.1 * age)


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
                         "rate_limited": statuses.get("429", 0) + sum(1 for e in log if e.get("fault") or e.get("rate_limited")),
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


# -- B7: one task waits for many orders approved over minutes ----------------------------------------
def read_ids(entry, provider):
    """The order ids a successful request of the sandbox log read: Edgecast reads one certificate
    per request (``.../certificates/<id>`` or ``.../certificates/<id>/status``); SoftLayer reads one
    request by id (``SoftLayer_Security_Certificate_Request/<id>/...``) or many in one list call,
    whose ids are the ``in`` operation of its ``objectFilter`` (query parameter)."""
    if entry["status"] >= 300:
        return set()
    path = entry["path"]
    if provider == "edgecast":
        match = re.search(r"/v2\.0/certificates/(\d+)(?:/status)?$", path)
        return {int(match.group(1))} if match else set()
    match = re.search(r"/SoftLayer_Security_Certificate_Request/(\d+)/", path)
    if match:
        return {int(match.group(1))}
    if "getSslCertificateRequests" not in path:
        return set()
    raw = urllib.parse.parse_qs(entry.get("query") or "").get("objectFilter")
    if not raw:
        return set()
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("operation") == "in":
                for option in node.get("options") or []:
                    if option.get("name") == "data":
                        found.update(int(v) for v in option.get("value") or [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(raw[0]))
    return found


def detection(log, provider, approvals):
    """Per order, when the task first saw it approved, from the sandbox's request log (``t``: the
    sandbox clock when the answer was logged; ``ms``: how long the request took) and the approval
    times (``approvals``: {id: sandbox clock time}, from the sandbox's order records).

    The sandbox applies due transitions when a request arrives (app.py, before_request), so the
    first read of an order that *started* at or after its approval is the first to answer it
    approved; the task sees it when that answer arrives (``t``). The age at approval counts from the
    task's first read of any order (``wait_start``): an order approved before it is seen by the
    first read, and no schedule could see it earlier, so it is reported apart and not held to the
    bound. The bound (:func:`allowed_latency`) holds the poll's start, not the provider's answer
    time: the schedule decides when a poll is sent."""
    reads = [(e["t"] - e.get("ms", 0.0) / 1000.0, e["t"], read_ids(e, provider)) for e in sorted(log, key=lambda e: e["seq"])]
    reads = [r for r in reads if r[2]]
    wait_start = reads[0][0] if reads else None
    rows = []
    for key, approved in sorted(approvals.items(), key=lambda kv: kv[1]):
        seen = next(((start, end) for start, end, ids in reads if key in ids and start >= approved), None)
        if seen is None:
            rows.append({"id": key, "approved_at": approved, "seen": False, "met": False})
            continue
        early = approved < wait_start
        age = max(0.0, approved - wait_start)
        allowed = allowed_latency(age)
        rows.append({"id": key, "approved_at": approved, "seen": True, "age_s": round(age, 3),
                     "latency_s": round(seen[1] - approved, 3), "poll_after_s": round(seen[0] - approved, 3),
                     "allowed_s": round(allowed, 3), "before_first_read": early,
                     "met": early or seen[0] - approved <= allowed})
    return {"wait_start": wait_start, "rows": rows}


def percentile(values, share):
    """The nearest-rank percentile (``share`` 0.95: p95) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, int(math.ceil(share * len(ordered))) - 1)]


def approval_times(box, provider, made):
    """{id: sandbox clock time of the approval} from the sandbox's order records: SoftLayer plans
    ``approveAt`` when the request appears; a CPS certificate with ``sbx-t<N>`` is Active N seconds
    after it was created (its lifecycle's steps are scaled to add up to N: edgecast/lifecycle.py)."""
    records = {o["id"]: o for o in box.control("GET", "/orders/%s" % provider, timeout=120)}
    times = {}
    for key, delay in made:
        record = records[key]
        if provider == "softlayer":
            times[key] = record["approveAt"]
        else:
            created = datetime.datetime.strptime(record["created"], "%Y-%m-%dT%H:%M:%S.%fZ")
            times[key] = created.replace(tzinfo=datetime.timezone.utc).timestamp() + delay
    return times


def b7(collections_path, settings, provider, cfg, wait_reads=None):
    """Wait for many orders that the sandbox approves over minutes, in ONE task of the status module
    (``order_ids`` / ``certificate_ids`` and ``wait_for``): requests per order, per-order detection
    latency against the B3 bound, the task's wall time. A sandbox of its own: its clock is frozen
    while the orders are placed (so every order starts its life at the same instant, however long
    seeding takes) and runs again just before the playbook starts; the approvals are spread evenly
    over the span after that instant, in shuffled order (as B2). No uri loop at this size.
    ``wait_reads``: the CPS module's option of that name (row B7P runs ``every_pending``, B7 the
    default)."""
    work = workdir("certops-bench-b7-")
    box = SandboxProcess(work, settings=settings).start()
    try:
        runner = Runner(box, collections_path, work)
        seeder = Seeder(box)
        delays = staggered(cfg.b7_orders, 0, cfg.b7_span, 7)
        t0 = time.time()
        box.control("POST", "/clock/freeze", {"frozen": True})
        try:
            made = [(key, delay) for (key, _), delay in zip(seeder.place(provider, "b7", delays), delays)]
        finally:
            box.control("POST", "/clock/freeze", {"frozen": False})
        seeded_s = time.time() - t0
        approvals = approval_times(box, provider, made)
        saved = os.path.join(work, "b7-wait.json")
        try:
            extra = {"bench_wait_for": WAIT_FOR[provider], "bench_wait_timeout": cfg.b7_wait_timeout, "bench_out": saved}
            if wait_reads:
                extra["bench_wait_reads"] = wait_reads
            out = runner.run(provider, "ours", [key for key, _ in made], extra)
        except RuntimeError as exc:
            # a task that fails is the row's finding: keep its message, and let the other rows run
            failed = re.findall(r'"msg": "([^"]*)"', str(exc))
            return {"orders": len(made), "span_s": cfg.b7_span, "seed_s": round(seeded_s, 1), "met": False,
                    "error": (failed[-1] if failed else str(exc)[-300:]), "target": "0 orders over the B3 bound"}
        with open(saved) as handle:
            waited = json.load(handle)
    finally:
        box.stop()
        cleanup(work)
    return b7_row(provider, cfg, out, approvals, waited, seeded_s)


def every_pending_each_round(rows, horizon=None):
    """The status reads a waiter would make that read every pending order in every round of the
    poll schedule (one poll every max(1 s, 10% of the time waited), at most 30 s apart), for the
    orders of ``rows`` approved ``age_s`` seconds after the first read: what holding the B3 bound
    for each order costs a provider without a bulk status read (CPS)."""
    ages = sorted(r["age_s"] if r["seen"] and not r["before_first_read"] else 0.0 for r in rows)
    end = max(ages) if horizon is None else horizon
    t, total = 0.0, 0
    while True:
        total += sum(1 for age in ages if age > t) or (1 if t == 0 else 0)
        if t >= end:
            return total
        t += min(30.0, max(1.0, 0.1 * t))


def b7_row(provider, cfg, out, approvals, waited, seeded_s=None):
    """B7's figures from a run (``out`` of :meth:`Runner.run`, the module's ``wait`` summary)."""
    seen = detection(out["log"], provider, approvals)
    rows = seen["rows"]
    held = [r for r in rows if r["seen"] and not r["before_first_read"]]
    # the latency figures are those of the orders the schedule answers for (approved after the first read)
    latencies = [r["latency_s"] for r in held]
    # Edgecast's history says "<status> / <order status>"
    in_history = {h["id"] for h in waited.get("history", []) if h["status"].split(" / ")[0] in DONE[provider]}
    over = [r for r in rows if not r["met"]]
    # when the task had seen every order done, after the last approval: what a wait for all of them
    # answers for (for CPS, which reads one certificate at a time, the figure that matters)
    seen_rows = [r for r in rows if r["seen"]]
    last = None
    if seen_rows and len(seen_rows) == len(rows):
        last = round(max(r["approved_at"] + r["latency_s"] for r in seen_rows) - max(r["approved_at"] for r in rows), 3)
    return {
        "orders": len(approvals), "span_s": cfg.b7_span, "all_seen_after_last_approval_s": last,
        "every_pending_each_round_requests": every_pending_each_round(rows), "seed_s": None if seeded_s is None else round(seeded_s, 1),
        "ours_s": round(out["seconds"], 2), "requests": out["requests"],
        "requests_per_order": round(out["requests"] / float(len(approvals)), 2), "calls": out["calls"],
        "polls": waited.get("polls"), "detected": sum(1 for r in rows if r["seen"]),
        "approved_in_module_history": len(in_history & set(approvals)),
        "before_first_read": sum(1 for r in rows if r["seen"] and r["before_first_read"]),
        "latency_s": {"median": round(statistics.median(latencies), 3), "p95": round(percentile(latencies, 0.95), 3),
                      "max": round(max(latencies), 3)} if latencies else None,
        "held_to_bound": len(held), "over_bound": len(over),
        "over_bound_worst": sorted(({k: r.get(k) for k in ("id", "age_s", "latency_s", "poll_after_s", "allowed_s")}
                                    for r in over), key=lambda r: -(r["latency_s"] or 1e9))[:10],
        "per_order": [{k: r.get(k) for k in ("id", "age_s", "latency_s", "poll_after_s", "allowed_s", "before_first_read", "met")}
                      for r in rows],
        "uri": "not run: a uri loop over this many orders for %d s is not run at this size" % cfg.b7_span,
        "target": "0 orders over the B3 bound max(1 s, 10% of the age at approval)",
        "met": not over and all(r["seen"] for r in rows),
    }


# -- R1 at scale: the soak test with 1,000 orders per provider ----------------------------------------
ROOT = os.path.dirname(HERE)
SOAK_TEST = "tests/reliability/test_r1_soak.py::test_r1_soak"


def r1(collections_path, cfg):
    """Run the R1 soak test (tests/reliability/test_r1_soak.py) with ``cfg.r1_layout`` hosts and
    orders per host for each provider, through pytest as scripts/test.sh runs it (the staged
    collection, a JSON report in a directory of its own), and return its figures per provider.
    The test starts its own sandbox, with its faults (20%) and short lifecycles."""
    (sl_hosts, sl_per), (ec_hosts, ec_per) = cfg.r1_layout
    out_dir = workdir("certops-bench-r1-")
    env = dict(os.environ, CERTOPS_STAGE=collections_path, CERTOPS_RELIABILITY_OUT=out_dir,
               CERTOPS_SOAK_SL_HOSTS=str(sl_hosts), CERTOPS_SOAK_SL_PER_HOST=str(sl_per),
               CERTOPS_SOAK_EC_HOSTS=str(ec_hosts), CERTOPS_SOAK_EC_PER_HOST=str(ec_per))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (os.path.join(ROOT, "sandbox"), env.get("PYTHONPATH")) if p)
    t0 = time.time()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", SOAK_TEST],
                              env=env, capture_output=True, text=True, cwd=ROOT)
        path = os.path.join(out_dir, "r1_soak.json")
        if not os.path.exists(path):
            raise RuntimeError("the R1 soak wrote no report (rc %d):\n%s\n%s" % (done.returncode, done.stdout[-4000:], done.stderr[-2000:]))
        with open(path) as handle:
            soak = json.load(handle)
    finally:
        cleanup(out_dir)
    return r1_rows(soak, done.returncode == 0, time.time() - t0, done.stdout[-2000:] if done.returncode else None)


def r1_rows(soak, passed, wall_s, tail=None):
    """{provider: row} from the soak test's JSON report (its figures, nothing recomputed)."""
    rows = {}
    tracebacks = sum(soak["tracebacks"].values())
    for provider in PROVIDERS:
        part = soak[provider]
        layout = soak["layout"][provider]
        ok = (part["duplicates"] == 0 and part["orders_at_provider"] == part["orders_requested"]
              and not part["wrong_final_statuses"] and not part["tasks_not_succeeded"] and not tracebacks)
        rows[provider] = {
            "orders": part["orders_requested"], "orders_at_provider": part["orders_at_provider"],
            "duplicates": part["duplicates"], "wrong_final_statuses": part["wrong_final_statuses"],
            "final_statuses": part["final_statuses"], "tasks_not_succeeded": len(part["tasks_not_succeeded"]),
            "task_reruns": part["task_reruns"], "requests": part["requests"],
            "fault_rate_configured": soak["fault_rate_configured"], "fault_rate_observed": part["fault_rate_observed"],
            "faults_fired": sum(part["faults_fired"].values()),
            "ambiguous_processed": part["placing_posts"]["ambiguous_processed"],
            "hosts": layout["hosts"], "orders_per_host": layout["orders_per_host"], "forks": soak["forks"],
            "run_s": soak["duration_s"], "wall_s": round(wall_s, 1), "tracebacks": tracebacks,
            "test_passed": passed, "test_output_tail": tail,
            "target": "0 duplicates, every order issued, no traceback", "met": ok and passed,
        }
    return rows


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
        for key in ("B7", "B7P"):
            if key not in r:
                continue
            x = r[key]
            label = "B7 wait for %d orders approved over %d s, one task" % (x["orders"], x["span_s"])
            if key == "B7P":
                label += ", wait_reads=every_pending"
            if "error" in x:
                out.append("| %s | %s | the task failed: %s | not run at this size | - "
                           "| 0 over max(1 s, 10%% of the age at approval) | **no** |" % (label, provider, x["error"].replace("|", "/")))
                continue
            lat = x["latency_s"] or {"median": float("nan"), "p95": float("nan"), "max": float("nan")}
            out.append("| %s (task s; requests; detection latency) | %s | "
                       "%.0f s, %d req (%.2f per order) | not run at this size | latency median %.2f s, p95 %.2f s, max %.2f s; "
                       "%d of %d detected; %d over the B3 bound (%d approved before the first read); all seen %s s after "
                       "the last approval; a waiter reading every pending order each round: %s status reads | 0 over "
                       "max(1 s, 10%% of the age at approval) | %s |" % (
                           label, provider, x["ours_s"], x["requests"], x["requests_per_order"],
                           lat["median"], lat["p95"], lat["max"], x["detected"], x["orders"], x["over_bound"],
                           x["before_first_read"], x.get("all_seen_after_last_approval_s", "-"),
                           x.get("every_pending_each_round_requests", "-"), "yes" if x["met"] else "**no**"))
        if "R1" in r:
            x = r["R1"]
            out.append("| R1 soak at scale: %d orders, %.0f%% faults (%d hosts x %d, %d forks) | %s | %d at the provider, "
                       "%d duplicates, final %s, %d tasks failed for good | - | observed fault rate %.3f, %d requests, "
                       "%d task re-runs, %.0f s | %s | %s |" % (
                           x["orders"], 100 * x["fault_rate_configured"], x["hosts"], x["orders_per_host"], x["forks"],
                           provider, x["orders_at_provider"], x["duplicates"],
                           ", ".join("%s %d" % kv for kv in sorted(x["final_statuses"].items())), x["tasks_not_succeeded"],
                           x["fault_rate_observed"], x["requests"], x["task_reruns"], x["run_s"], x["target"],
                           "yes" if x["met"] else "**no**"))
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
    if any("B7" in report["results"].get(p, {}) for p in PROVIDERS):
        out.append("B7: orders placed through the provider APIs into a sandbox of its own whose clock stands still while "
                   "they are placed, approvals spread evenly over the span after that instant in shuffled order, then one "
                   "task of the status module with the ids and wait_for; latency = the answer of the first read that "
                   "started after the approval, minus the approval (sandbox log and order records), over the orders approved "
                   "after the task's first read; the bound holds the "
                   "poll's start and counts the age from the task's first read (an order approved before it is seen by "
                   "that read). No `uri` loop is run at this size (B2 compares one at 50 orders).")
    if any("R1" in report["results"].get(p, {}) for p in PROVIDERS):
        out.append("R1 at scale: `tests/reliability/test_r1_soak.py::test_r1_soak` run by the bench command with the "
                   "layout above (CI runs it with 100 orders per provider); figures from its JSON report.")
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
    parser.add_argument("--only", help="comma list of rows (B5 = both providers, always); default B1,B2,B3,B4,B6, and "
                                       "B7 too with --quick (20 orders over 20 s): a full run does B7 (about 12 min per "
                                       "provider at 1,000 orders) and R1 (the soak at 1,000 orders per provider, never "
                                       "in --quick) only when named here, e.g. --only B7,R1 --merge")
    parser.add_argument("--providers", default=",".join(PROVIDERS))
    parser.add_argument("--reps", type=int)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--collections-path")
    parser.add_argument("--plot-only", action="store_true", help="redraw the B6 plot from the saved report, run nothing")
    parser.add_argument("--b6-sizes", help="comma list of B6's order counts (default 1000,10000; --quick 50,200)")
    parser.add_argument("--b7-orders", type=int, help="B7's order count (default 1000; --quick 20)")
    parser.add_argument("--b7-span", type=int, help="B7: approvals spread over this many seconds (default 600; --quick 20)")
    parser.add_argument("--r1-layout", default="40x25,20x50",
                        help="R1: SoftLayer and Edgecast hosts x orders per host (default 40x25,20x50: 1,000 orders each)")
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
    cfg.b7_orders = cfg.b7_orders or (20 if quick else 1000)
    cfg.b7_span = cfg.b7_span if cfg.b7_span is not None else 20 if quick else 600
    cfg.b7_wait_timeout = cfg.b7_span + 300  # a wide margin: a wait that ends by timing out is a finding, not noise
    try:
        cfg.r1_layout = [tuple(int(n) for n in part.split("x")) for part in cfg.r1_layout.split(",")]
        assert len(cfg.r1_layout) == 2 and all(len(p) == 2 and min(p) > 0 for p in cfg.r1_layout)
    except (ValueError, AssertionError):
        parser.error("--r1-layout takes two HOSTSxORDERS pairs, SoftLayer's then Edgecast's (e.g. 40x25,20x50)")
    cfg.only = cfg.only or ("B1,B2,B3,B4,B6,B7,B7P" if quick else "B1,B2,B3,B4,B6")
    only = set(cfg.only.split(","))
    unknown = only - {"B1", "B2", "B3", "B4", "B6", "B7", "B7P", "R1"}
    if unknown:
        parser.error("--only: unknown rows %s (B1-B4, B6, B7, B7P, R1; B5 is both providers, always)" % ", ".join(sorted(unknown)))
    if quick and "R1" in only:
        parser.error("R1 is not part of --quick: the soak at scale runs in a full bench run (--only R1)")

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
            for row, fn in (("B1", b1), ("B2", b2), ("B3", b3), ("B4", b4), ("B6", None), ("B7", None), ("B7P", None)):
                if row == "B7P" and provider != "edgecast":
                    continue  # SoftLayer's waits always read every pending order: B7 is that row
                if row in ("B7", "B7P") and row in only:
                    t0 = time.time()
                    load = os.getloadavg()[0]
                    results[row] = b7(cfg.collections_path, settings, provider, cfg,
                                      wait_reads="every_pending" if row == "B7P" else None)
                    results[row].update(measured=time.strftime("%Y-%m-%d %H:%M"), load_before=round(load, 2))
                    print("%s %s: %.0f s %s" % (provider, row, time.time() - t0, json.dumps(
                        {k: v for k, v in results[row].items() if k not in ("calls", "per_order")})), flush=True)
                    save()
                elif row == "B6" and row in only:
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
        if "R1" in only:
            t0 = time.time()
            load = os.getloadavg()[0]
            for provider, row in r1(cfg.collections_path, cfg).items():
                row.update(measured=time.strftime("%Y-%m-%d %H:%M"), load_before=round(load, 2))
                report["results"].setdefault(provider, {})["R1"] = row
            print("R1: %.0f s %s" % (time.time() - t0, json.dumps({p: report["results"][p]["R1"] for p in PROVIDERS})), flush=True)
            save()
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
