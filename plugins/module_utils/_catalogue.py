# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Status catalogues: read once per run, or from a cache on disk (private to certops.orders).

Every task returns the provider's status catalogues and checks the status names it is given
against them, but the catalogues hardly ever change while each read of them costs a request on
every task (for a one-order status query, as much as the query itself). So a catalogue read from
the provider is also written to a file, one per provider endpoint and catalogue, and later tasks
use the file while it is younger than ``catalogue_cache_max_age``.

The user can see and clear it: the files are plain JSON under ``catalogue_cache_dir`` (by default
next to the order journal), deleting them (or the directory) is always safe, and
``catalogue_cache_max_age=0`` neither reads nor writes the cache.

A cached catalogue can only be stale in one way that matters: a status the provider added since.
So a task that meets a status id or an asked status name its cached catalogue lacks reads the
catalogue from the provider again (once per task) before it reports the status as unknown or
refuses the name. A catalogue that the provider answered empty, or that fails to parse, is never
written; a cache file that cannot be read or parsed is ignored (and later overwritten).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import env_fallback

from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError

#: where catalogues are kept unless ``catalogue_cache_dir`` or its variable says otherwise
DEFAULT_DIR = "~/.ansible/certops_orders/catalogues"
ENV_DIR = "CERTOPS_CATALOGUE_CACHE_DIR"
ENV_MAX_AGE = "CERTOPS_CATALOGUE_CACHE_MAX_AGE"
#: a day: a status a provider adds is found sooner anyway (see the module docstring)
DEFAULT_MAX_AGE = 86400
#: a week is the longest a file is trusted, whatever the option says: a catalogue's descriptions
#: can change without any new status, and the returned catalogue should not lag behind for long
MAX_MAX_AGE = 7 * 86400
#: the format of the files; a file of another version is ignored
VERSION = 1


def catalogue_cache_argument_spec() -> dict:
    """The cache's options (doc fragment ``certops.orders._transport``); the defaults are applied by
    :func:`settings`, so that the variables can stand in for unset options."""
    return dict(catalogue_cache_dir=dict(type="path", fallback=(env_fallback, [ENV_DIR])),
                catalogue_cache_max_age=dict(type="int", fallback=(env_fallback, [ENV_MAX_AGE])))


def settings(params: dict) -> tuple[str, int]:
    """``(directory, max_age)`` from a task's options; raises :class:`OptionError` for a bad age."""
    max_age = params.get("catalogue_cache_max_age")
    max_age = DEFAULT_MAX_AGE if max_age is None else max_age
    if not 0 <= max_age <= MAX_MAX_AGE:
        raise OptionError("catalogue_cache_max_age must be between 0 (no cache) and %d seconds (a week), got %s"
                          % (MAX_MAX_AGE, max_age))
    directory = params.get("catalogue_cache_dir") or os.path.expanduser(DEFAULT_DIR)
    return directory, max_age


class CatalogueCache:
    """The cache files of one provider endpoint."""

    def __init__(self, directory: str, max_age: int, provider: str, endpoint: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.max_age = max_age
        self.clock = clock
        # the endpoint names the provider instance; hashed so that a URL never becomes a file name
        digest = hashlib.sha256(("%s %s" % (provider, endpoint.rstrip("/"))).encode("utf-8")).hexdigest()[:24]
        self.prefix = "%s-%s" % (provider, digest)

    @property
    def enabled(self) -> bool:
        return self.max_age > 0

    def path(self, name: str) -> str:
        return os.path.join(self.directory, "%s-%s.json" % (self.prefix, name))

    def load(self, name: str) -> list | None:
        """The cached entries of catalogue ``name``, or None when there is no fresh, readable file."""
        if not self.enabled:
            return None
        try:
            with open(self.path(name), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        written, entries = data.get("written"), data.get("entries")
        if not isinstance(written, (int, float)) or not isinstance(entries, list) or not entries:
            return None
        # the file is ours, but anything may have changed it: the entries a catalogue needs (a whole
        # number id and a name, as written), or a read from the provider
        if not all(isinstance(e, dict) and isinstance(e.get("id"), int) and not isinstance(e.get("id"), bool)
                   and isinstance(e.get("name"), str) and e["name"] and isinstance(e.get("description"), (str, type(None)))
                   for e in entries):
            return None
        age = self.clock() - written
        # a file from the future (a clock set back) is as untrustworthy as an old one
        return entries if 0 <= age <= self.max_age else None

    def store(self, name: str, entries: list) -> None:
        """Write ``entries`` atomically (a reader never sees half a file); a cache that cannot be
        written only costs the next task a request, so failures are ignored."""
        if not self.enabled or not entries:
            return
        import tempfile  # only a task that read a catalogue from the provider writes one

        body = json.dumps({"version": VERSION, "catalogue": name,
                           "written": self.clock(), "entries": entries}, indent=1, sort_keys=True)
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".%s-" % name, dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(body)
                os.replace(temp, self.path(name))
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass


def for_task(params: dict, provider: str, endpoint: str, fetch: Callable[[str], list]) -> Catalogues:
    """The :class:`Catalogues` of a task, with the cache its options choose."""
    directory, max_age = settings(params)
    return Catalogues(CatalogueCache(directory, max_age, provider, endpoint), fetch)


class Catalogues:
    """The catalogues of one task: each read at most once from the cache and once from the provider.

    ``fetch(name)`` reads catalogue ``name`` from the provider and returns its entries (JSON values).
    """

    def __init__(self, cache: CatalogueCache, fetch: Callable[[str], list]) -> None:
        self.cache = cache
        self.fetch = fetch
        self._entries: dict[str, list] = {}
        self._cached: set[str] = set()

    def get(self, name: str) -> list:
        if name not in self._entries:
            entries = self.cache.load(name)
            if entries is not None:
                self._cached.add(name)
            else:
                entries = self._read(name)
            self._entries[name] = entries
        return self._entries[name]

    def stale(self, name: str) -> bool:
        """Re-read catalogue ``name`` from the provider if this task took it from the cache; True
        when it did (the caller then looks again at what the cached copy lacked)."""
        if name not in self._cached:
            return False
        self._cached.discard(name)
        self._entries[name] = self._read(name)
        return True

    def _read(self, name: str) -> Any:
        entries = self.fetch(name)
        self.cache.store(name, entries)
        return entries
