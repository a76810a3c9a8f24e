# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # HTTP transport options every provider connection shares (private fragment).
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Whether to verify the provider's TLS certificate.
      - Set to V(false) only for test endpoints; the task then warns.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file with the CA certificates to trust for the provider's endpoint, instead of the
        system's bundle.
      - A path that does not exist or cannot be read fails the task before any request (unless
        O(validate_certs=false), which does not use it).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer, from 1 to 3600; cut to what is left of the task's time
        budget (O(wait_timeout)).
    type: int
    default: 30
  proxy_url:
    description:
      - The HTTP(S) proxy to use, for example V(http://proxy.example.com:3128).
      - When not set, the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables apply.
    type: str
  retries:
    description:
      - How many times a read or another idempotent call is repeated after a connection error,
        a timeout, throttling (honouring C(Retry-After)) or a server error, with jittered
        exponential backoff.
      - Calls that place an order are never repeated automatically.
      - From 0 to 100; a retry only starts when its pause ends before O(wait_timeout) runs out.
    type: int
    default: 4
  max_response_size:
    description:
      - The largest answer, in bytes, that the task reads from the provider, from 1024 (1 KiB) to
        1073741824 (1 GiB). The default is 64 MiB.
      - An answer whose C(Content-Length) is larger is refused before its body is read, and one
        that grows past it while arriving is abandoned; either way the task fails, naming the size,
        and the call is not repeated. Real answers are far smaller, so a larger one comes from a faulty or
        hostile endpoint.
    type: int
    default: 67108864
  catalogue_cache_dir:
    description:
      - The directory where the provider's status catalogues are kept between tasks, one JSON file
        per provider endpoint and catalogue, so that a task does not read them from the provider
        every time.
      - When not set, E(CERTOPS_CATALOGUE_CACHE_DIR) is used, and without it
        C(~/.ansible/certops_orders/catalogues) on the host that runs the module.
      - Deleting the files or the directory is always safe; the next task reads the catalogues again.
      - A cached catalogue that lacks a status the provider reports or a status name the task asks for
        is read again from the provider before the status is reported unknown or the name refused.
    type: path
  catalogue_cache_max_age:
    description:
      - How many seconds a cached status catalogue is used, from 0 to 604800 (a week); older files
        are read again from the provider and rewritten.
      - V(0) turns the cache off, both reading and writing.
      - When not set, E(CERTOPS_CATALOGUE_CACHE_MAX_AGE) is used, and without it 86400 (a day).
    type: int
"""
