# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-ins for the property tests, which run hundreds of examples per test: a module with
parameters and no process around it, an HTTP seam that answers from a table, and a requests
session that answers one scripted body (a strict ``responses`` mock per example would be slower
and is what the other tests use)."""

import copy
import json
import re

from requests.structures import CaseInsensitiveDict

from ansible_collections.certops.orders.plugins.module_utils._http import Response, Secrets


class FakeModule:
    """What a provider uses of ``AnsibleModule``: params (the spec's defaults, then ``given``), warn, check_mode."""

    def __init__(self, spec, **given):
        self.params = dict((name, option.get("default")) for name, option in spec.items())
        self.params.update(given)
        self.check_mode = False
        self._diff = False
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


class FakeSeam:
    """Stands in for ``HttpClient``: every call is answered from ``answers`` by ``key(method, path)``.

    An answer is a body, or a callable ``answer(n)`` taking the 1-based count of calls with that key.
    Each call gets its own deep copy, so nothing the code does to one answer leaks into the next.
    """

    def __init__(self, answers, key, headers=None):
        self.answers = answers
        self.key = key
        self.headers = headers or {}
        self.calls = []
        self.secrets = Secrets()  # the token hook registers every token it gets, as with the real seam

    def request(self, method, path, params=None, json_body=None, form=None, idempotent=None, headers=None,
                use_auth=True, **kwargs):
        key = self.key(method, path)
        self.calls.append(key)
        answer = self.answers[key]
        body = answer(self.calls.count(key)) if callable(answer) else answer
        return Response(200, dict(self.headers), copy.deepcopy(body), path)

    def get(self, path, params=None, **kwargs):
        return self.request("GET", path, params=params, **kwargs)


def softlayer_key(method, path):
    """``Service::method`` of a SoftLayer REST path (``Service[/id]/method.json``)."""
    parts = path.split("?")[0].split("/")
    return "%s::%s" % (parts[0], parts[-1][:-len(".json")] if parts[-1].endswith(".json") else parts[-1])


def cps_key(method, path):
    """``METHOD /path`` of a CPS call, each number in the path replaced by ``{id}``."""
    return "%s %s" % (method, re.sub(r"/-?\d+", "/{id}", path.split("?")[0]))


class _Raw:
    def __init__(self, content):
        self.content = content

    def read1(self, size, decode_content=True):
        piece, self.content = self.content[:size], self.content[size:]
        return piece


class _Answer:
    """What ``HttpClient`` reads of a ``requests.Response`` opened with ``stream=True``."""

    def __init__(self, status, content, headers):
        self.status_code = status
        self.headers = CaseInsensitiveDict(headers)
        self.raw = _Raw(content)
        self.encoding = "utf-8"

    def close(self):
        pass


class OneAnswerSession:
    """A ``requests.Session`` that answers every request with one status, JSON body and headers."""

    def __init__(self, status, body, headers=None):
        self.status = status
        self.content = json.dumps(body).encode("utf-8")
        self.headers = headers or {}
        self.requests = 0

    def request(self, method, url, **kwargs):
        self.requests += 1
        return _Answer(self.status, self.content, self.headers)

    def close(self):
        pass
