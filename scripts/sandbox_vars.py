"""Turn the sandbox's info JSON into the YAML variables playbooks and tests use (sandbox_*)."""
import json
import sys

from certops_sandbox.harness import sandbox_vars

with open(sys.argv[1], encoding="utf-8") as handle:
    info = json.load(handle)

# JSON is valid YAML; keys sorted for stable diffs
print(json.dumps(sandbox_vars(info), indent=2, sort_keys=True))
