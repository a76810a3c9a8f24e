#!/usr/bin/env bash
# Run every check against a staged copy of the collection and a running provider sandbox.
# Prints one line per step and ends with "N passed, N failed" (steps). Run scripts/setup.sh first.
#
# CERTOPS_LOAD=N runs the whole suite beside N busy-loop processes (one per core is a bad day on a
# shared CI machine): the tests must pass the same way, since none of them may race a clock.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .venv/bin/ansible-test ] || { echo "run scripts/setup.sh first"; echo "0 passed, 1 failed"; exit 1; }
source .venv/bin/activate
ansible_env
PYVER=$(venv_pyver .venv)
FLOOR_PYVER=$(venv_pyver .venv-floor 2>/dev/null || echo none)
passed=0; failed=0; summary=()
step() {  # step NAME COMMAND...: run, time and count one step
  local name=$1 t0 rc; shift
  echo "=== $name"
  t0=$(date +%s)
  "$@"; rc=$?
  local secs=$(( $(date +%s) - t0 ))
  if [ $rc -eq 0 ]; then passed=$((passed+1)); summary+=("ok     ${secs}s  $name"); else failed=$((failed+1)); summary+=("FAILED ${secs}s  $name"); echo "=== $name FAILED (exit $rc)"; fi
}
skip() { echo "=== $1 skipped: $2"; summary+=("skip       $1 ($2)"); }
in_coll() { (cd "$COLL" && "$@"); }
floor() { (source "$ROOT/.venv-floor/bin/activate" && cd "$COLL" && "$@"); }
LOAD_PIDS=()
start_load() {  # start_load N: N busy loops, each its own process, stopped by PID when the run ends
  local i
  for i in $(seq 1 "$1"); do
    "$ROOT/.venv/bin/python" -c 'while True: pass' &
    LOAD_PIDS+=("$!")
  done
  echo "=== synthetic CPU load: ${#LOAD_PIDS[@]} busy loops (PIDs ${LOAD_PIDS[*]})"
}
stop_load() {
  [ ${#LOAD_PIDS[@]} -eq 0 ] && return 0
  kill "${LOAD_PIDS[@]}" 2>/dev/null
  wait "${LOAD_PIDS[@]}" 2>/dev/null
  LOAD_PIDS=()
}
trap 'stop_sandbox; stop_load' EXIT
LOAD=${CERTOPS_LOAD:-0}
case "$LOAD" in
  ''|*[!0-9]*) echo "CERTOPS_LOAD must be a number of busy-loop processes (for example 2), got '$LOAD'"; echo "0 passed, 1 failed"; exit 1 ;;
esac
[ "$LOAD" -gt 0 ] && start_load "$LOAD"

have_targets() { compgen -G "$ROOT/tests/integration/targets/*/tasks/main.yml" >/dev/null; }
have_scenarios() { compgen -G "$ROOT/extensions/molecule/*/molecule.yml" >/dev/null; }

integration() {  # the sandbox variables reach every target through integration_config.yml
  cp "$WORK/sandbox_vars.yml" "$COLL/tests/integration/integration_config.yml" &&
    in_coll ansible-test integration --local --python "$PYVER" --color no
}

molecule_all() {
  (export SANDBOX_VARS="$WORK/sandbox_vars.yml"; cd "$ROOT" && molecule reset >/dev/null 2>&1; molecule test --all)
}

docs_lint() { in_coll antsibull-docs lint-collection-docs --plugin-docs .; }

# R1-R5: playbooks against sandboxes the tests start themselves (faults, TLS, restarts)
# (the soak's counts land in $WORK/reliability/r1_soak.json)
reliability() {
  mkdir -p "$WORK/reliability" &&
    CERTOPS_STAGE="$STAGE" CERTOPS_RELIABILITY_OUT="$WORK/reliability" python -m pytest -q -p no:cacheprovider tests/reliability
}

# the benchmark harness at small sizes, so it cannot rot (no timing is asserted here)
bench_quick() { python bench/run.py --quick --collections-path "$STAGE" --out "$WORK/bench-quick"; }

build_install_run() {
  rm -rf "$WORK/dist" "$WORK/installed" &&
    ansible-galaxy collection build "$ROOT" --force --output-path "$WORK/dist" >/dev/null &&
    ansible-galaxy collection install "$WORK"/dist/certops-orders-*.tar.gz -p "$WORK/installed" --no-deps --force >/dev/null &&
    ANSIBLE_COLLECTIONS_PATH="$WORK/installed" ansible-galaxy collection list certops.orders &&
    ANSIBLE_COLLECTIONS_PATH="$WORK/installed" ansible-playbook -i playbooks/inventory/hosts.yml playbooks/demo.yml -e "@$WORK/sandbox_vars.yml"
}

step stage          stage_collection
step sanity         in_coll ansible-test sanity --local --python "$PYVER" --color no
step units          in_coll ansible-test units --local --python "$PYVER" --color no
if [ -x .venv-floor/bin/ansible-test ]; then
  step sanity-2.19  floor ansible-test sanity --local --python "$FLOOR_PYVER" --color no
  step units-2.19   floor ansible-test units --local --python "$FLOOR_PYVER" --color no
else
  skip "floor lane" "no .venv-floor"
fi
step sandbox-tests  python -m pytest -q -p no:cacheprovider sandbox/tests
step sandbox-start  start_sandbox
if have_targets; then step integration integration; else skip integration "no targets yet"; fi
if have_scenarios; then step molecule molecule_all; else skip molecule "no scenarios yet"; fi
step reliability    reliability
step bench-quick    bench_quick
step ansible-lint   ansible-lint --profile production --nocolor
step docs-lint      docs_lint
step docs-site      bash scripts/docs.sh --test   # the site built (no warning but offline intersphinx) and looked at in Chromium
step build-install-run build_install_run
stop_sandbox
stop_load

echo "=== summary"
[ "$LOAD" -gt 0 ] && echo "(run beside $LOAD busy-loop processes: CERTOPS_LOAD=$LOAD)"
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
