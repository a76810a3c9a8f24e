"""Turn the sandbox's info JSON into the YAML variables playbooks and tests use (sandbox_*)."""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as handle:
    info = json.load(handle)

flat = {"sandbox_url": info["url"], "sandbox_control_url": info["control"], "sandbox_ca_path": info.get("ca_path")}
for provider in ("softlayer", "edgecast"):
    for key, value in (info.get(provider) or {}).items():
        flat["sandbox_%s_%s" % (provider, key)] = value
# JSON is valid YAML; keys sorted for stable diffs
print(json.dumps(flat, indent=2, sort_keys=True))
