"""bench/run.py's B1 import profile and B6 scale figures: the arithmetic and the report, on made-up
inputs (the measurements themselves run in bench/run.sh; scripts/test.sh runs the harness --quick)."""

import os
import sys

import pytest

from certops_sandbox.harness import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import run  # noqa: E402  (bench/ is not a package)

OURS = "ansible_collections.certops.orders.plugins.module_utils."
#: -X importtime prints an import after those it caused, one indentation step deeper
IMPORTTIME = """import time: self [us] | cumulative | imported package
import time:       100 |        100 | site
import time:      1000 |       1000 |       urllib3
import time:      2000 |       3000 |     requests
import time:      4000 |       7000 |   %(ours)s_http
import time:       500 |        500 |   %(ours)s_budget
import time:      6000 |      13500 | %(ours)s_edgecast.provider
import time:      3000 |       3000 |     pydantic
import time:      1000 |       1000 |   %(ours)s_edgecast.statuses
import time:      9000 |      13000 | %(ours)s_edgecast.models
import time:       300 |        300 |   %(package)s
import time:       200 |        500 | ansible_collections.certops.orders.plugins.modules
import time:      5000 |      20000 | ansible.module_utils.basic
""" % {"ours": OURS, "package": OURS[:-1]}


def test_importtime_adds_up_our_outermost_module_utils_with_what_they_import():
    got = run.parse_importtime(IMPORTTIME)
    # the provider (with _http, requests, urllib3, _budget) and models.py (with pydantic, statuses),
    # (the empty package under the module is not counted): nested ones of ours are not counted twice
    assert got["ours"]["outermost"] == {OURS + "_edgecast.provider": 13.5, OURS + "_edgecast.models": 13.0}
    assert got["ours"]["cumulative_ms"] == 26.5
    assert got["ours"]["self_ms"] == 4.0 + 0.5 + 6.0 + 1.0 + 9.0
    assert got["named_ms"] == {"ansible.module_utils.basic": 20.0, "requests": 3.0, "pydantic": 3.0, "cryptography": None}
    assert got["total_ms"] == 32.1  # every self time
    assert [t["name"] for t in got["top_level"]][:3] == ["ansible.module_utils.basic", OURS + "_edgecast.provider",
                                                         OURS + "_edgecast.models"]


def test_peak_rate_is_the_most_requests_within_one_second():
    log = [{"t": t} for t in (0.0, 0.2, 0.5, 0.99, 1.0, 1.5, 3.0)]
    assert run.peak_rate(log) == 4  # 0.0-0.99; 1.0 starts a new second for 0.0
    assert run.peak_rate([]) == 0
    assert run.peak_in_whole_seconds(log) == 4  # 0.x; then 1.0 and 1.5


def b6_report():
    rows = [{"orders": n, "seed_s": 1.0, "ours_s": run.spread([s]), "requests": r, "calls": {}, "peak_rss_kib": rss,
             "peak_requests_per_s": 20, "rate_limit_per_s": 50, "rate_limited": 0, "statuses": {"200": r}, "over_limit": False}
            for n, s, r, rss in ((1000, 2.0, 12, 50 * 1024), (10000, 11.0, 102, 90 * 1024))]
    b6 = {"rows": rows, "slope_per_1000": {"seconds": 1.0, "requests": 10.0}, "met": True}
    b4 = {"orders": 200, "uri_s": run.spread([50.0]), "requests": {"uri": 200, "ours": 4}, "peak_rss_kib": {"uri": 39000, "ours": 42000}}
    b6["uri_extrapolated"] = run.uri_extrapolation(b6, b4)
    return {"when": "2026-12-06 21:00", "machine": "Linux", "python": "3.13.0", "ansible_core": "2.21.5", "cpus": 2,
            "config": {"reps": 3, "b2_orders": 50, "b2_first": 3, "b2_last": 30, "quick": False},
            "results": {"softlayer": {"B4": dict(b4, ours_s=run.spread([0.5]), speedup=100.0, target=">= 40x", met=True),
                                      "B6": b6}}}


def test_the_uri_extrapolation_is_linear_in_b4s_measured_loop():
    x = b6_report()["results"]["softlayer"]["B6"]["uri_extrapolated"]
    assert [(r["orders"], r["seconds"], r["requests"], r["speedup"]) for r in x["rows"]] == [
        (1000, 250.0, 1000, 125.0), (10000, 2500.0, 10000, 227.3)]
    assert x["seconds_per_1000"] == 250.0


def test_the_report_shows_each_b6_size_and_the_slope_and_says_what_is_extrapolated():
    text = run.markdown(b6_report())
    assert "| B6 status of 10000 orders, no selector (task s; peak RSS of the module) | softlayer | 11.00 (11.00-11.00) s, " \
           "102 req, 90.0 MiB | 2500 s, 10000 req (extrapolated) | 227x faster; peak 20 req in any 1 s, - in a whole second " \
           "(limit 50/s), 0 rate-limited |" in text
    assert "| B6 slope per 1,000 orders (1000 to 10000) | softlayer | 1.00 s, 10 req | 250 s (extrapolated) |" in text
    assert "linear extrapolation of B4's measured `uri` loop, not a run" in text


def test_a_module_over_150_mib_or_over_the_rate_limit_misses_the_target():
    report = b6_report()
    report["results"]["softlayer"]["B6"]["rows"][-1]["peak_rss_kib"] = 151 * 1024
    line = [x for x in run.markdown(report).splitlines() if "B6 status of 10000" in x][0]
    assert line.endswith("| **no** |")
    report = b6_report()
    report["results"]["softlayer"]["B6"]["rows"][-1]["over_limit"] = True
    line = [x for x in run.markdown(report).splitlines() if "B6 status of 10000" in x][0]
    assert line.endswith("| **no** |")


def test_the_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    path = run.plot(b6_report(), str(tmp_path / "b6.png"))
    with open(path, "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
