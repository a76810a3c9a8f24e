# -*- coding: utf-8 -*-
# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SoftLayer connection: options, credentials, HTTP Basic auth and error conventions.

Credentials come from the module options, then the environment (``SL_*``, ``IAAS_CLASSIC_*``,
``SOFTLAYER_*``, first set wins), then the ``[softlayer]`` section of ``~/.softlayer`` as
softlayer-python reads it. The literal username ``apikey`` (an IBM Cloud API key) is plain HTTP
Basic too.

SoftLayer answers business-rule failures with HTTP 500 and a ``SoftLayer_Exception_*`` code, and
its rate limit with HTTP 500 and ``SoftLayer_Exception_WebService_RateLimitExceeded``: only the
rate limit and bare internal errors are transient.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.certops.orders.plugins.module_utils._runner import (
    OptionError,
    check_url,
    http_client,
    transport_argument_spec,
)

DEFAULT_ENDPOINT = "https://api.softlayer.com/rest/v3.1/"
CONFIG_FILE = "~/.softlayer"

ENV = {
    "username": ["SL_USERNAME", "IAAS_CLASSIC_USERNAME", "SOFTLAYER_USERNAME"],
    "api_key": ["SL_API_KEY", "IAAS_CLASSIC_API_KEY", "SOFTLAYER_API_KEY"],
    "endpoint_url": ["SL_ENDPOINT_URL", "IAAS_CLASSIC_ENDPOINT_URL", "SOFTLAYER_ENDPOINT_URL"],
}

RATE_LIMIT = "SoftLayer_Exception_WebService_RateLimitExceeded"
INTERNAL_ERROR = "Internal Error"


def connection_argument_spec():
    """The connection options (doc fragment ``certops.orders._softlayer``) plus the transport ones."""
    spec = dict(
        username=dict(type="str", fallback=(env_fallback, ENV["username"])),
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ENV["api_key"])),
        endpoint_url=dict(type="str", fallback=(env_fallback, ENV["endpoint_url"])),
    )
    spec.update(transport_argument_spec())
    return spec


def read_config_file(path=CONFIG_FILE):
    """The ``[softlayer]`` section of softlayer-python's config file, or ``{}``."""
    try:
        from configparser import ConfigParser, Error
    except ImportError:  # pragma: no cover - Python 2
        from ConfigParser import ConfigParser, Error  # type: ignore
    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        return {}
    parser = ConfigParser()
    try:
        parser.read(path)
    except Error as exc:
        raise OptionError("%s is not a valid INI file (%s); fix it or set username and api_key"
                          % (path, " ".join(str(exc).split())))
    if not parser.has_section("softlayer"):
        return {}
    return dict((key, value.strip()) for key, value in parser.items("softlayer") if value.strip())


class Credentials:
    """The resolved username, API key and REST endpoint, and where they came from."""

    def __init__(self, username, api_key, endpoint_url, source):
        self.username = username
        self.api_key = api_key
        self.endpoint_url = endpoint_url
        self.source = source


def resolve_credentials(params, config_path=CONFIG_FILE):
    """Options and environment first (the argument spec applied them), then ``~/.softlayer``."""
    username, api_key, endpoint = params.get("username"), params.get("api_key"), params.get("endpoint_url")
    source = "options"
    if not (username and api_key) or not endpoint:
        config = read_config_file(config_path)
        if not (username or api_key) and config.get("username") and config.get("api_key"):
            username, api_key, source = config["username"], config["api_key"], config_path
        endpoint = endpoint or config.get("endpoint_url")
    if not username or not api_key:
        missing = " and ".join(name for name, value in (("username", username), ("api_key", api_key)) if not value)
        raise OptionError(
            "missing %s: set the module option(s), the environment (%s / %s) or the [softlayer] section of %s. "
            "For an IBM Cloud API key use the username 'apikey'"
            % (missing, ", ".join(ENV["username"]), ", ".join(ENV["api_key"]), config_path))
    endpoint = endpoint or DEFAULT_ENDPOINT
    check_url("endpoint_url", endpoint, DEFAULT_ENDPOINT)
    if "/xmlrpc" in endpoint:
        raise OptionError("endpoint_url %s is an XML-RPC endpoint; only the REST API is supported, such as %s"
                          % (endpoint, DEFAULT_ENDPOINT))
    if not endpoint.endswith("/"):
        endpoint += "/"
    return Credentials(username, api_key, endpoint, source)


class BasicAuth:
    """HTTP Basic with the username (or ``apikey``) and the API key; nothing to renew."""

    def __init__(self, username, api_key):
        self._pair = (username, api_key)

    def apply(self, headers):
        return self._pair

    def renew(self):
        return False


def parse_error(body):
    """SoftLayer's error body is ``{"error": message, "code": "SoftLayer_Exception_..."}``."""
    if isinstance(body, dict):
        code, message = body.get("code"), body.get("error")
        return (code if isinstance(code, str) else None, message if isinstance(message, str) else None)
    return None, None


def classify(status, code, message, retryable):
    """Only the rate limit and bare internal errors are transient; other coded 500s are final."""
    if code == RATE_LIMIT:
        return True
    if status == 500 and code:
        return message == INTERNAL_ERROR
    return retryable


def body_error(data):
    """A 2xx answer that is SoftLayer's error body, or empty, is a failure (as softlayer-go treats it)."""
    if data is None:
        return None, "empty answer"
    if isinstance(data, dict) and "error" in data and set(data) <= {"error", "code"}:
        return parse_error(data)
    return None


def connect(module, config_path=CONFIG_FILE):
    """An :class:`HttpClient` for the REST API from the module's options."""
    creds = resolve_credentials(module.params, config_path)
    return http_client(module, creds.endpoint_url, auth=BasicAuth(creds.username, creds.api_key),
                       error_parser=parse_error, classify=classify, body_error=body_error, refusal_codes=(RATE_LIMIT,),
                       headers={"Content-Type": "application/json"})
