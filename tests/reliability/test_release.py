"""The release bookkeeping is consistent: galaxy.yml's version is the changelog's latest release,
CHANGELOG.rst is what antsibull-changelog generates from changelogs/changelog.yaml, and every
fragment lints (the README's "How a release is cut")."""

import os
import shutil
import subprocess
import sys

import yaml

from certops_sandbox.harness import ROOT

CHANGELOG = os.path.join(os.path.dirname(sys.executable), "antsibull-changelog")


def _version_key(version):
    return tuple(int(part) for part in version.split("."))


def test_galaxy_version_is_the_latest_release():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = yaml.safe_load(handle)["version"]
    with open(os.path.join(ROOT, "changelogs", "changelog.yaml"), encoding="utf-8") as handle:
        releases = yaml.safe_load(handle)["releases"]
    assert releases, "changelogs/changelog.yaml records no release"
    assert version == max(releases, key=_version_key), (version, sorted(releases, key=_version_key))
    assert releases[version].get("changes", {}).get("release_summary"), "release %s has no release_summary" % version


def test_the_changelog_is_generated_and_lints(tmp_path):
    copy = tmp_path / "collection"
    os.makedirs(copy)
    for name in ("galaxy.yml", "CHANGELOG.rst", "changelogs", "plugins", "meta"):
        source = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, str(copy / name))
    lint = subprocess.run([CHANGELOG, "lint"], cwd=str(copy), capture_output=True, text=True)
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    generated = subprocess.run([CHANGELOG, "generate"], cwd=str(copy), capture_output=True, text=True)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    with open(os.path.join(ROOT, "CHANGELOG.rst"), encoding="utf-8") as handle:
        assert (copy / "CHANGELOG.rst").read_text() == handle.read(), "CHANGELOG.rst is not what antsibull-changelog generates"
