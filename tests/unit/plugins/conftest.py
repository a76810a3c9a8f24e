# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one HTTP mock of the module and module_utils tests (``modules/conftest.py`` adds fake time and exits)."""

import pytest
import responses


@pytest.fixture
def http():
    """A started ``responses.RequestsMock`` in strict mode: a request nobody registered fails, and
    at teardown so does a registered answer that no request used.

    Strict, because a scripted conversation is a claim about which requests the code makes: an
    answer registered "just in case", or left over after the code stopped asking for it, would
    otherwise pass silently and hide a changed (or broken) request sequence. To check that a
    request was not made, assert on ``http.calls``.
    """
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def journal_dir(tmp_path, monkeypatch):
    """Every test gets its own order journal (modules read ``CERTOPS_JOURNAL_DIR``), so no test sees
    another's intents, and none writes to the home directory."""
    path = tmp_path / "journal"
    monkeypatch.setenv("CERTOPS_JOURNAL_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def catalogue_cache(tmp_path, monkeypatch):
    """Every test gets its own status-catalogue cache (modules read ``CERTOPS_CATALOGUE_CACHE_DIR``):
    a module's first run in a test reads the catalogues from the provider, as a first run anywhere
    does, and no test writes to the home directory."""
    path = tmp_path / "catalogues"
    monkeypatch.setenv("CERTOPS_CATALOGUE_CACHE_DIR", str(path))
    monkeypatch.delenv("CERTOPS_CATALOGUE_CACHE_MAX_AGE", raising=False)
    return path
