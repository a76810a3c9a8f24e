"""The README's measured figures, written from ``bench/results/latest.json`` by the bench command.

The README shows the figures in two places that the bench command rewrites after a full run: the
"Why this instead of `uri` loops" summary and the results table of the Benchmarks section. Each sits
between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` markers, so nobody copies a number by
hand and a test can tell when the README no longer shows the latest report.

    python bench/readme.py            # rewrite the README from bench/results/latest.json
    python bench/readme.py --check    # exit 1 when the README does not show it
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
README = os.path.join(ROOT, "README.md")
LATEST = os.path.join(HERE, "results", "latest.json")
NAMES = {"softlayer": "SoftLayer", "edgecast": "Edgecast CPS"}


def _pair(report, row):
    return [(NAMES[p], report["results"][p][row]) for p in NAMES if row in report["results"].get(p, {})]


def why(report):
    """The summary: what a pipeline gains over the `uri` loops users write, in measured figures."""
    # a merged report holds rows of several runs: name each run's date (the table says which rows)
    days = sorted({x["measured"][:10] for p in NAMES for x in report["results"].get(p, {}).values() if "measured" in x})
    when = " and ".join(days) if len(days) > 1 else report["when"]
    lines = ["Measured by `bench/run.sh` on %s (%s, %d CPUs), against the `uri` playbooks an experienced user "
             "writes for the same job (median of %d runs; requests from the sandbox's log):"
             % (when, report["machine"], report["cpus"], report["config"]["reps"]), ""]
    for name, x in _pair(report, "B4"):
        lines.append("- **Status of %d orders in one task**, %s: %.2f s and %d requests, where a `uri` loop takes "
                     "%.1f s and %d requests (%.0fx faster)." % (
                         x["orders"], name, x["ours_s"]["median"], x["requests"]["ours"], x["uri_s"]["median"],
                         x["requests"]["uri"], x["speedup"]))
    for name, x in _pair(report, "B2"):
        lines.append("- **Waiting for %d orders**, %s: the task ends %.1f s after the last approval, the `until` loop "
                     "%.1f s after it; %d requests against %d." % (
                         x["orders"], name, x["ours_past_last_s"]["median"], x["uri_past_last_s"]["median"],
                         x["ours_requests"]["median"], x["uri_requests"]["median"]))
    for name, x in _pair(report, "B6"):
        big = x["rows"][-1]
        uri = {r["orders"]: r for r in (x.get("uri_extrapolated") or {}).get("rows", [])}.get(big["orders"])
        lines.append("- **Status of every order of an account**, %s: %d orders in %.1f s and %d requests, peak RSS %.0f MiB%s." % (
            name, big["orders"], big["ours_s"]["median"], big["requests"], big["peak_rss_kib"] / 1024.0,
            "; a `uri` loop would take about %.0f s (extrapolated from B4, not run)" % uri["seconds"] if uri else ""))
    for key, how in (("B7", ""), ("B7P", " with `wait_reads: every_pending`")):
        for name, x in [(n, x) for n, x in _pair(report, key) if "error" not in x]:
            lines.append("- **Waiting for %d orders approved over %d s in one task**, %s%s: %.2f requests per order, "
                         "detection latency median %.2f s (p95 %.2f s), %d orders over the B3 bound." % (
                             x["orders"], x["span_s"], name, how, x["requests_per_order"], x["latency_s"]["median"],
                             x["latency_s"]["p95"], x["over_bound"]))
    for name, x in _pair(report, "B1"):
        floor = "; one `ping` task, the floor of any module, takes %.2f s (ratio %.2f)" % (
            x["ping_s"]["median"], x["ping_ratio"]) if "ping_s" in x else ""
        lines.append("- **One status query**, %s: %.2f s against %.2f s (ratio %.2f)%s." % (
            name, x["ours_s"]["median"], x["uri_s"]["median"], x["ratio"], floor))
    return "\n".join(lines)


def table(report):
    """The results table, as bench/results/latest.md has it (without its title)."""
    sys.path.insert(0, HERE)
    from run import markdown  # noqa: E402  (run.py imports the sandbox harness; only needed here)
    return markdown(report).split("\n", 2)[2].strip()


SECTIONS = {"why": why, "table": table}


def render(text, report):
    """``text`` with every bench section replaced; raises ValueError when a marker pair is missing."""
    for name, make in SECTIONS.items():
        pattern = re.compile(r"(<!-- bench:%s -->\n).*?(\n<!-- /bench:%s -->)" % (name, name), re.S)
        if not pattern.search(text):
            raise ValueError("README.md lacks the <!-- bench:%s --> ... <!-- /bench:%s --> markers" % (name, name))
        body = make(report)
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the README does not show the report")
    parser.add_argument("--report", default=LATEST)
    parser.add_argument("--readme", default=README)
    args = parser.parse_args(argv)
    with open(args.report, encoding="utf-8") as handle:
        report = json.load(handle)
    with open(args.readme, encoding="utf-8") as handle:
        text = handle.read()
    wanted = render(text, report)
    if args.check:
        if wanted != text:
            print("%s does not show %s: run python bench/readme.py" % (args.readme, args.report))
            return 1
        return 0
    if wanted != text:
        with open(args.readme, "w", encoding="utf-8") as handle:
            handle.write(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
