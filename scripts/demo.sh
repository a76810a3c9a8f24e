#!/usr/bin/env bash
# The main job: stage the collection, start the provider sandbox on loopback, run the demo
# playbooks against it, stop the sandbox. Run scripts/setup.sh first.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .venv/bin/ansible-playbook ] || { echo "run scripts/setup.sh first" >&2; exit 1; }
source .venv/bin/activate
ansible_env
trap 'stop_sandbox' EXIT
stage_collection
start_sandbox "$@"
ansible-playbook -i playbooks/inventory/hosts.yml playbooks/demo.yml -e "@$WORK/sandbox_vars.yml"
