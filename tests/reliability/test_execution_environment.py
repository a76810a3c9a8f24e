"""The execution environment files: the collection's dependency declaration
(``meta/execution-environment.yml`` with ``meta/ee-requirements.txt``) and the complete definition a
user builds an image from (``extensions/ee/execution-environment.yml``).

- Every third-party module the plugins import is a requirement, and every requirement is imported
  (read with ``ast``), in ``meta/ee-requirements.txt`` and ``requirements.txt`` alike.
- ``ansible-builder introspect`` (the command the image build runs on the installed collections)
  finds every requirement in the collection installed from the built tarball.
- ``ansible-builder create`` turns the user's definition into a build context that copies the
  tarball, installs it, introspects it, and installs ansible-core (at the collection's
  requires_ansible floor or later) and ansible-runner. No image is built: there is no container engine here.
"""

import ast
import glob
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from certops_sandbox.harness import BIN, ROOT

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*([<>=!~][^#;]*)?")


def requirements(path):
    """{normalised name: specifier} of a pip requirements file (comments and options skipped)."""
    found = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("-"):
                continue
            match = REQUIREMENT.match(line)
            assert match, "unreadable requirement %r in %s" % (line, path)
            found[_normalise(match.group(1))] = (match.group(2) or "").strip()
    return found


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports():
    """{distribution name: [files]} for every import in plugins/ that is neither the standard
    library nor Ansible (relative imports are the collection's own)."""
    distributions = importlib.metadata.packages_distributions()
    found = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True)):
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("__future__", "ansible", "ansible_collections"):
                    continue
                assert top in distributions, "%s imports %s, which no installed distribution provides" % (path, top)
                for dist in distributions[top]:
                    found.setdefault(_normalise(dist), []).append(os.path.relpath(path, ROOT))
    return found


def builder():
    """ansible-builder from this venv (requirements-dev.txt), else from PATH."""
    path = os.path.join(BIN, "ansible-builder")
    path = path if os.path.exists(path) else shutil.which("ansible-builder")
    assert path, "ansible-builder is not installed: run scripts/setup.sh (requirements-dev.txt lists it)"
    return path


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", ROOT, "--output-path", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    (path,) = glob.glob(str(out / "certops-orders-*.tar.gz"))
    return path


def test_every_third_party_import_is_a_requirement_and_back():
    imported = third_party_imports()
    assert {"requests", "pydantic", "cryptography", "urllib3"} <= set(imported), imported
    for name in ("meta/ee-requirements.txt", "requirements.txt"):
        declared = requirements(os.path.join(ROOT, name))
        assert set(imported) == set(declared), (name, sorted(imported), sorted(declared))
    # one set of version floors for the controller and the execution environment
    assert requirements(os.path.join(ROOT, "meta/ee-requirements.txt")) == requirements(os.path.join(ROOT, "requirements.txt"))


def test_the_collection_declares_its_requirements_for_ansible_builder():
    with open(os.path.join(ROOT, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        meta = yaml.safe_load(handle)
    # ansible-builder resolves the path from the collection root when it introspects a collection
    assert meta["dependencies"] == {"python": "meta/ee-requirements.txt"}
    assert os.path.isfile(os.path.join(ROOT, meta["dependencies"]["python"]))


def test_introspection_of_the_installed_tarball_names_every_requirement(tarball, tmp_path):
    collections = tmp_path / "collections"
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--no-deps", "--force",
                    "-p", str(collections), tarball], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pip = tmp_path / "requirements.txt"
    # what the builder stage of the image runs on /usr/share/ansible/collections
    run = subprocess.run([builder(), "introspect", "--write-pip", str(pip), str(collections)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    introspected = requirements(str(pip))
    assert introspected == requirements(os.path.join(ROOT, "meta/ee-requirements.txt")), pip.read_text()
    assert "from collection certops.orders" in pip.read_text()


def test_ansible_builder_create_makes_a_build_context(tarball, tmp_path):
    definition_dir = tmp_path / "ee"
    shutil.copytree(os.path.join(ROOT, "extensions", "ee"), str(definition_dir))
    shutil.copy(tarball, str(definition_dir))
    context = tmp_path / "context"
    run = subprocess.run([builder(), "create", "-f", str(definition_dir / "execution-environment.yml"),
                          "-c", str(context), "--output-filename", "Containerfile"],
                         capture_output=True, text=True, timeout=300, cwd=str(definition_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    containerfile = (context / "Containerfile").read_text()
    # the tarball is in the context, and the galaxy stage installs it where introspection looks
    assert os.path.isfile(str(context / "_build" / "collections" / os.path.basename(tarball)))
    assert "COPY _build /build" in containerfile
    assert re.search(r"^RUN ansible-galaxy collection install .*-p /usr/share/ansible/collections "
                     r"/build/collections/certops-orders-\*\.tar\.gz$", containerfile, re.M), containerfile
    assert "COPY --from=galaxy /usr/share/ansible /usr/share/ansible" in containerfile
    assert "introspect.py introspect" in containerfile and "--write-pip" in containerfile
    # ansible-core at the collection's floor or later, and ansible-runner (AWX runs jobs with it)
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        floor = yaml.safe_load(handle)["requires_ansible"].lstrip(">=")
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile, re.M).group(1).split()
    assert sorted(refs) == sorted(["ansible-core>=%s" % ".".join(floor.split(".")[:2]), "ansible-runner"]), refs
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile
