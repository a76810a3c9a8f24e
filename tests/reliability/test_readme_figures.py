"""The README's benchmark figures are the latest report's: bench/readme.py writes them between
markers after every full bench run, and this test fails when the README was edited by hand or the
report changed without the README."""

import json
import os
import subprocess
import sys

from certops_sandbox.harness import ROOT

READMES = os.path.join(ROOT, "bench", "readme.py")


def test_the_readme_shows_the_latest_report():
    run = subprocess.run([sys.executable, READMES, "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_changed_report_is_noticed(tmp_path):
    """The check compares figures, not only markers: a report with another B4 time fails it."""
    with open(os.path.join(ROOT, "bench", "results", "latest.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    report["results"]["softlayer"]["B4"]["ours_s"]["median"] += 1
    changed = tmp_path / "latest.json"
    changed.write_text(json.dumps(report))
    run = subprocess.run([sys.executable, READMES, "--check", "--report", str(changed)], capture_output=True, text=True)
    assert run.returncode == 1 and "does not show" in run.stdout, run.stdout + run.stderr
    # and rewriting a copy of the README makes it show the new figure
    copy = tmp_path / "README.md"
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        copy.write_text(handle.read())
    subprocess.run([sys.executable, READMES, "--report", str(changed), "--readme", str(copy)], check=True)
    b4 = report["results"]["softlayer"]["B4"]
    assert "%.2f s and %d requests" % (b4["ours_s"]["median"], b4["requests"]["ours"]) in copy.read_text()
