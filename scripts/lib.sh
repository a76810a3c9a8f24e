# shellcheck shell=bash
# Shared helpers for scripts/setup.sh, scripts/test.sh, scripts/demo.sh and bench/run.sh.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK="${CERTOPS_WORK:-${TMPDIR:-/tmp}/certops-orders-$(id -u)}"   # outside the work tree
STAGE="$WORK/stage"
COLL="$STAGE/ansible_collections/certops/orders"
PYENV_ROOT=${PYENV_ROOT:-$( (cd "$(dirname "$(command -v pyenv 2>/dev/null || echo /nonexistent/bin/pyenv)")/.." 2>/dev/null && pwd) || echo /nonexistent)}

find_python() {  # find_python 3.13: print the real path of a working python3.13, or fail
  local v=$1 p
  for p in "$(command -v "python$v" 2>/dev/null)" "$PYENV_ROOT"/versions/"$v".*/bin/"python$v"; do
    [ -n "$p" ] && [ -x "$p" ] && "$p" -c 'import sys; print(sys.executable)' 2>/dev/null && return 0
  done
  return 1
}

venv_pyver() {  # venv_pyver DIR: "3.13"
  "$1/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

stage_collection() {  # a fresh copy at $COLL, as ansible-galaxy builds it (build_ignore applies)
  rm -rf "$STAGE" && mkdir -p "$STAGE" &&
    ansible-galaxy collection install "$ROOT" -p "$STAGE" --no-deps --force >/dev/null
}

SANDBOX_PID=
start_sandbox() {  # start_sandbox [extra certops-sandbox args]: background sandbox, $SANDBOX_INFO holds its URLs
  SANDBOX_INFO="$WORK/sandbox.json"
  rm -f "$SANDBOX_INFO"
  mkdir -p "$WORK"
  "$ROOT/.venv/bin/certops-sandbox" --info-file "$SANDBOX_INFO" "$@" >"$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -s "$SANDBOX_INFO" ] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$WORK/sandbox.log" >&2; return 1; }
    sleep 0.1
  done
  [ -s "$SANDBOX_INFO" ] || { echo "sandbox did not start" >&2; return 1; }
  # the variables playbooks, integration targets and molecule use to reach the sandbox
  "$ROOT/.venv/bin/python" "$ROOT/scripts/sandbox_vars.py" "$SANDBOX_INFO" >"$WORK/sandbox_vars.yml"
  echo "sandbox running at $("$ROOT/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$SANDBOX_INFO")"
}

stop_sandbox() {
  if [ -n "$SANDBOX_PID" ]; then
    kill "$SANDBOX_PID" 2>/dev/null
    wait "$SANDBOX_PID" 2>/dev/null
    SANDBOX_PID=
  fi
}

ansible_env() {  # pin the interpreter and keep Ansible's files out of HOME's way
  export ANSIBLE_COLLECTIONS_PATH="$STAGE"
  export ANSIBLE_PYTHON_INTERPRETER="$ROOT/.venv/bin/python"
  export ANSIBLE_REMOTE_TMP="$WORK/ansible-remote"
  export ANSIBLE_LOCAL_TEMP="$WORK/ansible-local"
  # each run of the tests keeps its own order journal (the modules' default is under ~/.ansible)
  export CERTOPS_JOURNAL_DIR="$WORK/journal"
  # and no status-catalogue cache: many tests count a task's requests or put faults into the catalogue
  # reads; the tests of the cache turn it on themselves (bench/run.py turns it on as users have it)
  export CERTOPS_CATALOGUE_CACHE_DIR="$WORK/catalogues" CERTOPS_CATALOGUE_CACHE_MAX_AGE=0
  export ANSIBLE_FORCE_COLOR=0 NO_COLOR=1 ANSIBLE_NOCOLOR=1
}
