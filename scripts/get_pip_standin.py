"""Offline stand-in for ansible-test's get-pip bootstrap script (installs pip from a PyPI wheel).

ansible-test creates venvs without pip and downloads a get-pip script from a host these machines
cannot reach; scripts/setup.sh copies this file to ~/.ansible/test/cache/get_pip_<version>.py
next to a pip wheel downloaded from PyPI.
"""
import glob
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
wheels = sorted(glob.glob(os.path.join(here, "pip-wheels", "pip-*.whl")))
if not wheels:
    sys.exit("get-pip stand-in: no pip wheel in %s/pip-wheels" % here)
# get-pip.py options that `pip install` does not know
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.path.insert(0, wheels[-1])
from pip._internal.cli.main import main as pip_main  # noqa: E402

sys.exit(pip_main(["install", "--find-links", os.path.join(here, "pip-wheels")] + args))
