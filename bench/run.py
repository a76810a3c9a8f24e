"""Benchmarks B1-B5: the certops.orders modules against the ansible.builtin.uri playbooks users write.

Run through bench/run.sh (it stages the collection). Every scenario runs against a sandbox this
script starts on loopback, for both providers (B5), and writes bench/results/latest.md and
latest.json. Request counts come from the sandbox's request log; times from a callback that
stamps each task's start and end. ``--quick`` uses small sizes and one repetition so CI can run
the harness without asserting any timing.
"""

import argparse
import collections
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

    def run(self, provider, variant, ids, extra=None, rss=False):
        """Run ``<provider>_<variant>.yml``; returns seconds of the measured tasks, requests, log."""
        tag = "%d-%d" % (threading.get_ident(), time.monotonic_ns())
        times = os.path.join(self.work, "times-%s.json" % tag)
        rss_log = os.path.join(self.work, "rss-%s.log" % tag)
        for path in (times, rss_log):
            if os.path.exists(path):
                os.remove(path)
        env = {"BENCH_TIMES": times, "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
               "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins")}
        if rss:
            env.update(BENCH_RSS_LOG=rss_log)
        extra_vars = {"bench_ids": ids, "bench_done": DONE[provider]}
        extra_vars.update(extra or {})
        if rss:  # the inventory pins ansible_playbook_python; an extra var beats it
            extra_vars["ansible_python_interpreter"] = self.rss_python
        since = self.seq()
        done = self.plays.run(os.path.join(PLAYS, "%s_%s.yml" % (provider, variant)), extra_vars, env=env)
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
    """One status query for one order (status name included): ours vs uri, wall time of the task."""
    [(key, _)] = seeder.place(provider, "b1", [None])
    rows = {"ours": [], "uri": []}
    requests_made, calls = {}, {}
    for _ in range(cfg.reps):
        for variant in ("ours", "uri"):  # interleaved, so drift hits both alike
            out = runner.run(provider, variant, [key])
            rows[variant].append(out["seconds"])
            requests_made[variant] = out["requests"]
            calls[variant] = out["calls"]
    ratio = statistics.median(rows["ours"]) / statistics.median(rows["uri"])
    return {"ours_s": spread(rows["ours"]), "uri_s": spread(rows["uri"]), "ratio": round(ratio, 3),
            "requests": requests_made, "calls": calls, "target": "<= 1.0", "met": ratio <= 1.0}


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
    sched = report["results"].get("schedule")
    if sched:
        out.append("| B3 poll schedule over a %d s wait (fake clock) | both | %d requests | - | - | %s | %s |" % (
            sched["wait_s"], sched["requests"], sched["target"], "yes" if sched["met"] else "**no**"))
    out += ["", "Baselines: `bench/playbooks/*_uri.yml` (%s); ours: `bench/playbooks/*_ours.yml`." % (
        report["results"].get("softlayer", {}).get("B2", {}).get("uri_loop", "uri loops")),
        "B2 approvals: %d orders, approval delays spread evenly over %d-%d s after creation in shuffled order." % (
            cfg["b2_orders"], cfg["b2_first"], cfg["b2_last"]), ""]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition (CI: the harness works)")
    parser.add_argument("--only", default="B1,B2,B3,B4", help="comma list of rows (B5 = both providers, always)")
    parser.add_argument("--providers", default=",".join(PROVIDERS))
    parser.add_argument("--reps", type=int)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--collections-path", required=True)
    parser.add_argument("--merge", action="store_true", help="keep the rows of an earlier report that this run does not redo")
    cfg = parser.parse_args(argv)
    quick = cfg.quick
    cfg.reps = cfg.reps or (1 if quick else 3)
    cfg.b2_orders, cfg.b2_first, cfg.b2_last = (5, 2, 6) if quick else (50, 3, 30)
    cfg.b3_delays = [3] if quick else [5, 30, 120]
    cfg.b4_orders = 10 if quick else 200
    cfg.rss_orders = 3 if quick else 20
    only = set(cfg.only.split(","))

    work = workdir("certops-bench-")
    settings = {"softlayer.request_delay": 0}
    box = SandboxProcess(work, settings=settings).start()
    report = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.platform(terse=True),
              "python": platform.python_version(), "cpus": os.cpu_count(),
              "ansible_core": subprocess.run([sys.executable, "-c", "import ansible.release as r; print(r.__version__)"],
                                             capture_output=True, text=True).stdout.strip(),
              "config": {k: v for k, v in vars(cfg).items() if k not in ("out", "collections_path")}, "results": {}}
    name = "quick" if quick else "latest"
    os.makedirs(cfg.out, exist_ok=True)
    if cfg.merge and os.path.exists(os.path.join(cfg.out, name + ".json")):
        with open(os.path.join(cfg.out, name + ".json")) as handle:
            report["results"] = json.load(handle)["results"]

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
            for row, fn in (("B1", b1), ("B2", b2), ("B3", b3), ("B4", b4)):
                if row in only:
                    t0 = time.time()
                    results[row] = fn(runner, seeder, provider, cfg)
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
    if not quick and os.path.abspath(cfg.out) == os.path.join(HERE, "results"):
        # the README shows the latest full report; bench/readme.py writes it so nobody copies figures
        import readme
        readme.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
