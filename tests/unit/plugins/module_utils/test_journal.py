# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The order journal: records on disk, and a lock per identity that holds across processes and forks."""

import json
import multiprocessing
import os
import time

import pytest

from ansible_collections.certops.orders.plugins.module_utils._budget import Budget
from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError
from ansible_collections.certops.orders.plugins.module_utils._journal import Identity, Journal

IDENTITY = Identity("softlayer", "https://sl.example.test/rest/v3.1/", "SL1", common_name="www.example.com",
                    csr_sha256="ab" * 32)


def test_an_entry_goes_from_intent_to_placed_to_done_and_is_on_disk_at_each_step(tmp_path):
    journal = Journal(str(tmp_path))
    with journal.hold(IDENTITY, Budget(10)) as entry:
        assert entry.record is None and entry.unsettled is None
        entry.intend()
        on_disk = json.loads(open(entry.path).read())
        assert on_disk["state"] == "intent" and on_disk["pid"] == os.getpid() and on_disk["identity"]["account"] == "SL1"
        assert entry.unsettled is not None and abs(entry.since - time.time()) < 5
        entry.placed(31999001)
        assert json.loads(open(entry.path).read())["state"] == "placed" and entry.unsettled is not None
        entry.done(987654)
        assert json.loads(open(entry.path).read())["order_id"] == 987654 and entry.unsettled is None
    with journal.hold(IDENTITY, Budget(10)) as again:  # a later run reads what the first one wrote
        assert again.record["state"] == "done"
        again.drop()
        assert not os.path.exists(again.path)
    assert os.listdir(str(tmp_path)) == [IDENTITY.key + ".lock"]  # no temporary file left behind


def test_the_identity_key_ignores_nothing_that_matters_and_holds_no_secret():
    other_csr = Identity("softlayer", "https://sl.example.test/rest/v3.1", "SL1", common_name="www.example.com",
                         csr_sha256="cd" * 32)
    same = Identity("softlayer", "https://sl.example.test/rest/v3.1", "SL1", common_name="www.example.com",
                    csr_sha256="ab" * 32)
    assert IDENTITY.key == same.key != other_csr.key  # a trailing slash on the endpoint does not matter


def _hold_for(directory, seconds, started):
    with Journal(directory).hold(IDENTITY, Budget(30)):
        started.set()
        time.sleep(seconds)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_second_process_waits_for_the_lock_and_gives_up_when_its_budget_ends(tmp_path, method):
    context = multiprocessing.get_context(method)
    started = context.Event()
    holder = context.Process(target=_hold_for, args=(str(tmp_path), 2.0, started))
    holder.start()
    try:
        assert started.wait(30)
        began = time.monotonic()
        with pytest.raises(OptionError) as err:
            with Journal(str(tmp_path)).hold(IDENTITY, Budget(0.5)):
                pass
        assert "another run on this host is placing or checking the order for account=SL1" in str(err.value)
        with Journal(str(tmp_path)).hold(IDENTITY, Budget(30)):
            waited = time.monotonic() - began
        assert waited >= 1.0, waited  # it had to wait for the holder to finish
    finally:
        holder.join(30)


def test_an_unusable_directory_is_a_clear_failure(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OptionError) as err:
        with Journal(str(blocker / "journal")).hold(IDENTITY, Budget(5)):
            pass
    assert "cannot be used" in str(err.value) and "journal_dir" in str(err.value)


def test_a_damaged_entry_is_a_clear_failure_not_a_crash(tmp_path):
    journal = Journal(str(tmp_path))
    (tmp_path / (IDENTITY.key + ".json")).write_text("{half")
    with pytest.raises(OptionError) as err:
        with journal.hold(IDENTITY, Budget(5)):
            pass
    assert "cannot be read" in str(err.value) and "common_name=www.example.com" in str(err.value)
