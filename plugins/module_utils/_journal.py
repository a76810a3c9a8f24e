# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The order journal: what makes "never order twice" hold across runs (private to certops.orders).

An order module that may create an order holds a lock for the order's *identity* (provider,
endpoint, account, and the normalised name: SoftLayer's common name and CSR digest, a CPS label)
from before it looks the order up until the order is placed and visible. Before the call that
places the order it writes an *intent* to the journal and flushes it to disk; after the provider's
answer it records the order id (or drops the intent when the provider clearly refused).

So:

- two runs on one host with the same identity (two pipelines; several inventory hosts delegating to
  localhost without ``run_once``) take turns: the second one finds the order the first one placed;
- a run killed between the call and its answer (``kill -9``, an OOM kill, a lost controller) leaves
  an open intent; the next run does not post but looks for the order at the provider, within the
  time the provider needs to show a new order, and fails with instructions while it cannot decide.

What it cannot do: see runs on other hosts. Run order tasks on one controller (``delegate_to:
localhost`` with ``run_once``, or one AWX job per identity); separate controllers can each place an
order. The lock is ``fcntl.flock`` on a file per identity: it holds across processes and forks on
one host, and on local file systems (not across NFS clients).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError

#: where the journal lives unless ``journal_dir`` or ``CERTOPS_JOURNAL_DIR`` say otherwise
DEFAULT_DIR = "~/.ansible/certops_orders/journal"
ENV = "CERTOPS_JOURNAL_DIR"
#: how often a run waiting for another run's lock looks again
LOCK_POLL = 0.2

#: the call is about to be sent, or was sent and its answer is unknown
INTENT = "intent"
#: the provider's answer named the order, which is not visible yet
PLACED = "placed"
#: the order is visible at the provider
DONE = "done"


class Identity:
    """What makes two orders the same order, as the provider means it (no secret in it)."""

    def __init__(self, provider: str, endpoint: str, account: str, **name: str) -> None:
        self.fields = {"provider": provider, "endpoint": endpoint.rstrip("/"), "account": account}
        self.fields.update(name)

    @property
    def key(self) -> str:
        text = json.dumps(self.fields, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def describe(self) -> str:
        return ", ".join("%s=%s" % (k, v) for k, v in self.fields.items() if k not in ("provider", "endpoint"))


class Entry:
    """The journal's record of one identity, while the lock on it is held."""

    def __init__(self, path: str, identity: Identity) -> None:
        self.path = path
        self.identity = identity
        self.record = self._load()

    def _load(self) -> dict | None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                record = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise OptionError("the order journal entry %s cannot be read (%s); move it away after checking at the "
                              "provider that no order for %s is pending" % (self.path, exc, self.identity.describe()))
        return record if isinstance(record, dict) else None

    @property
    def unsettled(self) -> dict | None:
        """The record of an earlier run whose order was never seen at the provider (its call's answer
        is unknown, or the answer named an order that had not shown up yet), or None."""
        return self.record if self.record and self.record.get("state") in (INTENT, PLACED) else None

    @property
    def since(self) -> float:
        """When the unsettled call was sent (0 when unknown)."""
        since = (self.record or {}).get("since")
        return float(since) if isinstance(since, (int, float)) else 0.0

    def _write(self, record: dict) -> None:
        """Write, flush and fsync a new version, then rename it over the old one (a crash leaves one or
        the other, never half a file)."""
        temporary = "%s.%d.tmp" % (self.path, os.getpid())
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(record, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        directory = os.open(os.path.dirname(self.path), os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.record = record

    def intend(self) -> None:
        """Record that the order-placing call is about to be sent (call before sending it)."""
        self._write({"state": INTENT, "identity": self.identity.fields, "since": time.time(), "pid": os.getpid(),
                     "host": socket.gethostname()})

    def placed(self, order_id) -> None:
        """Record the order the provider's answer named (it may take a while to become visible)."""
        self._write(dict(self.record or {"identity": self.identity.fields}, state=PLACED, order_id=order_id))

    def done(self, order_id) -> None:
        """Record that the order is visible at the provider (placed by this run or found for an earlier one)."""
        self._write(dict(self.record or {"identity": self.identity.fields}, state=DONE, order_id=order_id,
                         seen=time.time()))

    def drop(self) -> None:
        """Forget an intent whose call the provider clearly refused (nothing was placed)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.record = None

    def describe(self) -> str:
        """What the unsettled record says, for messages."""
        record = self.unsettled or {}
        when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(self.since)) if self.since else "?"
        if record.get("state") == PLACED:
            outcome = "the provider answered with order %s, which was not visible yet" % record.get("order_id")
        else:
            outcome = "its answer was never recorded"
        return "a run on %s (pid %s) sent the order for %s at %s and %s (journal entry %s)" % (
            record.get("host", "?"), record.get("pid", "?"), self.identity.describe(), when, outcome, self.path)


class Journal:
    """The journal directory. Nothing is created before a run that may order asks for a lock."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(os.path.expanduser(directory))

    @contextlib.contextmanager
    def hold(self, identity: Identity, budget: Budget) -> Iterator[Entry]:
        """Lock ``identity`` (waiting for another run at most as long as the budget allows) and yield
        its :class:`Entry`; the lock is released when the block ends, however it ends."""
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            descriptor = os.open(os.path.join(self.directory, identity.key + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise OptionError("the order journal directory %s cannot be used (%s); set journal_dir (or %s) to a "
                              "writable directory on this host" % (self.directory, exc.strerror or exc, ENV))
        try:
            self._lock(descriptor, identity, budget)
            yield Entry(os.path.join(self.directory, identity.key + ".json"), identity)
        finally:
            os.close(descriptor)  # closing the only descriptor releases the flock

    def _lock(self, descriptor: int, identity: Identity, budget: Budget) -> None:
        import fcntl

        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
            if not budget.room_for(LOCK_POLL):
                raise OptionError(
                    "another run on this host is placing or checking the order for %s and held its lock until %s ran "
                    "out; nothing was ordered. Run order tasks for one identity one at a time (run_once, or one job "
                    "per identity), or raise wait_timeout" % (identity.describe(), budget.describe()))
            time.sleep(LOCK_POLL)
