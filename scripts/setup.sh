#!/usr/bin/env bash
# Set up everything on a fresh machine (idempotent; a rerun takes a few seconds):
#  .venv        the newest Python found (3.13, 3.12, then 3.11) with the newest ansible-core it allows,
#               the development tools, and the provider sandbox (sandbox/, installed editable);
#  .venv-floor  Python 3.11 with ansible-core 2.19, the requires_ansible floor, for sanity and units;
#  ~/.ansible/test/cache  the offline get-pip stand-in ansible-test needs for each pinned pip.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
CACHE="$HOME/.ansible/test/cache"
PIP=(--disable-pip-version-check --quiet)

make_venv() {  # make_venv DIR PYTHON PIP-ARGS...: venv, packages, get-pip stand-in
  local dir=$1 py=$2 pipver
  shift 2
  [ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
  "$dir/bin/pip" install "${PIP[@]}" "$@"
  pipver=$(grep -oP "pip='\K[0-9.]+" "$dir"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py)
  mkdir -p "$CACHE/pip-wheels"
  ls "$CACHE/pip-wheels/pip-$pipver-"*.whl >/dev/null 2>&1 ||
    "$dir/bin/pip" download "${PIP[@]}" --no-deps -d "$CACHE/pip-wheels" "pip==$pipver"
  cp scripts/get_pip_standin.py "$CACHE/get_pip_${pipver//./_}.py"
}

PY_FLOOR=$(find_python 3.11) || { echo "setup: Python 3.11 is required (it is the image's python3)" >&2; exit 1; }
if PY_MAIN=$(find_python 3.13 || find_python 3.12); then
  :
else
  echo "setup: no working python3.13 or python3.12; the main venv uses Python 3.11 (ansible-core 2.19)" >&2
  PY_MAIN=$PY_FLOOR
fi

echo "setup: .venv from $PY_MAIN"
make_venv .venv "$PY_MAIN" -r requirements-dev.txt ansible-core
echo "setup: .venv-floor from $PY_FLOOR (ansible-core 2.19)"
make_venv .venv-floor "$PY_FLOOR" -r tests/unit/requirements.txt pytest pytest-xdist pytest-mock 'ansible-core>=2.19,<2.20'
# galaxy-importer (tests/reliability/test_galaxy_importer.py) apart: it pins attrs and ansible-lint
echo "setup: .venv-importer from $PY_MAIN (galaxy-importer)"
[ -x .venv-importer/bin/python ] || "$PY_MAIN" -m venv .venv-importer
.venv-importer/bin/pip install "${PIP[@]}" galaxy-importer

# the version from the installed package, not `ansible --version | head -n 1`: head closes the pipe
# while ansible is still writing, and ansible then dies with a BrokenPipe traceback
core_version() { "$1/bin/python" -c 'from ansible.release import __version__; print(__version__)'; }
echo "setup: ansible-core $(core_version .venv) on Python $(venv_pyver .venv); floor: ansible-core $(core_version .venv-floor) on Python $(venv_pyver .venv-floor)"

# Debian's Chromium and ChromeDriver, for the look at the docs site (scripts/docs.sh); about 30 s the
# first time, nothing once both are there
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "setup: installing Debian's chromium and chromium-driver"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
