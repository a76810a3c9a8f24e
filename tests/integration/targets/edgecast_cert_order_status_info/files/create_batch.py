#!/usr/bin/env python
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test setup: create COUNT DV certificates sharing one domain straight through the sandbox's CPS API
(one process instead of COUNT module runs). Prints the new ids as a JSON list.

Usage: create_batch.py IDS_URL API_URL CLIENT_ID CLIENT_SECRET PREFIX DOMAIN COUNT
"""
import json
import sys
import urllib.parse
import urllib.request


def call(url, data=None, headers=None, method=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    with urllib.request.urlopen(request, timeout=30) as answer:  # nosec - loopback sandbox only
        return json.loads(answer.read().decode("utf-8"))


def main():
    ids_url, api_url, client_id, secret, prefix, domain, count = sys.argv[1:8]
    form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "sec.cps.certificates",
                                   "client_id": client_id, "client_secret": secret}).encode()
    token = call(ids_url.rstrip("/") + "/connect/token", form,
                 {"Content-Type": "application/x-www-form-urlencoded"})["access_token"]
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    ids = []
    for number in range(int(count)):
        body = {"certificate_label": "%s-%02d" % (prefix, number), "certificate_authority": "DigiCert",
                "validation_type": "DV", "dcv_method": "DnsTxtToken",
                "domains": [{"name": domain, "is_common_name": True}]}
        node = call(api_url.rstrip("/") + "/sec/cps/v2.0/certificates/cdnprovided",
                    json.dumps(body).encode(), headers, "POST")
        ids.append(node["id"])
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
