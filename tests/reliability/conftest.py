"""Reliability tests (issue R1-R5): playbooks run with ansible-playbook against sandbox processes.

Not collection content (galaxy.yml build_ignore), run by scripts/test.sh with the collection it
staged (``CERTOPS_STAGE``); on their own they stage a copy first.
"""

import os

import pytest

from certops_sandbox.harness import Playbooks, SandboxProcess, cleanup, stage_collection, workdir


@pytest.fixture(scope="session")
def collections_path(tmp_path_factory):
    staged = os.environ.get("CERTOPS_STAGE")
    if staged and os.path.isdir(os.path.join(staged, "ansible_collections", "certops", "orders")):
        return staged
    return stage_collection(str(tmp_path_factory.mktemp("stage")))


@pytest.fixture
def sandbox_factory():
    """start_sandbox(**SandboxProcess options) -> a started SandboxProcess, stopped after the test."""
    started = []

    def start(**options):
        box = SandboxProcess(workdir("certops-reliability-"), **options).start()
        started.append(box)
        return box

    yield start
    for box in started:
        box.stop()
        cleanup(box.workdir)


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory()


@pytest.fixture
def playbooks(collections_path, sandbox, tmp_path):
    return Playbooks(collections_path, str(tmp_path), sandbox)
