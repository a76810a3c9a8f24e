# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A floor for B1 (bench only, not part of the collection): the least a module that reads one order
through ``requests`` can do. It imports requests, sends one GET with HTTP Basic and returns the JSON
body, with no option checks, no parsing model, no retries and no catalogue, so that B1 can show
what importing requests and one request cost above the ``ping`` floor."""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(url=dict(type="str", required=True),
                                              username=dict(type="str", required=True),
                                              password=dict(type="str", required=True, no_log=True)))
    import requests

    answer = requests.get(module.params["url"], auth=(module.params["username"], module.params["password"]), timeout=30)
    module.exit_json(changed=False, status=answer.status_code, json=answer.json())


if __name__ == "__main__":
    main()
