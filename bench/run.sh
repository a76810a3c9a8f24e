#!/usr/bin/env bash
# Run the benchmarks (bench/run.py) against a sandbox on loopback, with the collection staged as
# scripts/test.sh stages it. Writes bench/results/latest.md and latest.json (quick.* with --quick).
# Run scripts/setup.sh first.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
[ -x .venv/bin/ansible-playbook ] || { echo "run scripts/setup.sh first" >&2; exit 1; }
source .venv/bin/activate
ansible_env
STAGE="$WORK/bench-stage"
COLL="$STAGE/ansible_collections/certops/orders"
stage_collection
python bench/run.py --collections-path "$STAGE" "$@"
