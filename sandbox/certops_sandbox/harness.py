"""Drive a sandbox process and playbooks against it: shared by bench/ and tests/reliability/.

``SandboxProcess`` runs the ``certops-sandbox`` CLI as a child process (so it can be killed and
restarted with its state file), ``control()`` calls its ``/_sandbox`` API, ``Playbooks`` runs
``ansible-playbook`` with the staged collection and the sandbox variables.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)


def sandbox_vars(info):
    """The ``sandbox_*`` variables playbooks use (the same as scripts/sandbox_vars.py)."""
    flat = {"sandbox_url": info["url"], "sandbox_control_url": info["control"], "sandbox_ca_path": info.get("ca_path")}
    for provider in ("softlayer", "edgecast"):
        for key, value in (info.get(provider) or {}).items():
            flat["sandbox_%s_%s" % (provider, key)] = value
    return flat


class SandboxProcess:
    """``certops-sandbox`` in a child process. ``start()`` waits for its info line; ``restart()``
    stops it and starts it again on the same port with the same arguments (and state file)."""

    def __init__(self, workdir, tls=False, state_file=None, settings=None, faults=None, seed=None, port=0):
        self.workdir = workdir
        self.tls = tls
        self.state_file = state_file
        self.settings = dict(settings or {})
        self.faults = list(faults or [])
        self.seed = seed
        self.port = port
        self.proc = None
        self.info = None
        self.log_path = os.path.join(workdir, "sandbox.log")

    def _argv(self):
        info_file = os.path.join(self.workdir, "sandbox.json")
        argv = [os.path.join(BIN, "certops-sandbox"), "--info-file", info_file, "--port", str(self.port)]
        if self.tls:
            argv += ["--tls", "--tls-dir", os.path.join(self.workdir, "tls")]
        if self.state_file:
            argv += ["--state-file", self.state_file]
        if self.seed is not None:
            argv += ["--seed", str(self.seed)]
        for key, value in self.settings.items():
            argv += ["--set", "%s=%s" % (key, json.dumps(value))]
        for rule in self.faults:
            argv += ["--fault", json.dumps(rule)]
        return argv, info_file

    def start(self, timeout=15):
        argv, info_file = self._argv()
        if os.path.exists(info_file):
            os.remove(info_file)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        # real time: this waits for a child process to start, which the sandbox clock knows nothing of
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(info_file) and os.path.getsize(info_file):
                with open(info_file, encoding="utf-8") as handle:
                    self.info = json.load(handle)
                self.port = int(self.info["url"].rsplit(":", 1)[1])
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("sandbox exited: %s" % self.log_tail())
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("sandbox did not start in %s s: %s" % (timeout, self.log_tail()))

    def log_tail(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return handle.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, pause=0.0):
        self.stop()
        if pause:
            time.sleep(pause)
        return self.start()

    @property
    def vars(self):
        return sandbox_vars(self.info)

    def control(self, method, path, body=None, timeout=30):
        """Call the control API (``path`` after ``/_sandbox``); returns the decoded JSON."""
        url = self.info["control"] + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        context = None
        if self.tls:
            import ssl
            context = ssl.create_default_context(cafile=self.info["ca_path"])
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError("%s %s: %s %s" % (method, path, exc.code, exc.read()[:500]))
        return json.loads(raw) if raw else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def stage_collection(dest):
    """Install the collection from the work tree into ``dest`` (build_ignore applies)."""
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", ROOT, "-p", dest,
                    "--no-deps", "--force"], check=True, stdout=subprocess.DEVNULL)
    return dest


class Playbooks:
    """Run playbooks against a sandbox with the staged collection and this interpreter."""

    def __init__(self, collections_path, workdir, sandbox=None):
        self.collections_path = collections_path
        self.workdir = workdir
        self.sandbox = sandbox

    def env(self, extra=None):
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path,
            "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
            "ANSIBLE_REMOTE_TMP": os.path.join(self.workdir, "ansible-remote"),
            "ANSIBLE_LOCAL_TEMP": os.path.join(self.workdir, "ansible-local"),
            "ANSIBLE_FORCE_COLOR": "0", "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
            # no status-catalogue cache unless a run asks for one: tests count requests and put faults
            # into catalogue reads (and none writes to the home directory)
            "CERTOPS_CATALOGUE_CACHE_DIR": os.path.join(self.workdir, "catalogues"),
            "CERTOPS_CATALOGUE_CACHE_MAX_AGE": "0",
        })
        env.update(extra or {})
        return env

    def write(self, name, text):
        """Write a playbook (or vars file) into the work dir and return its path."""
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def run(self, playbook, extra_vars=None, verbosity=0, env=None, inventory=None, timeout=1800, args=()):
        """Run ``playbook``; returns the CompletedProcess (stdout and stderr as text)."""
        handle, vars_path = tempfile.mkstemp(prefix="vars-", suffix=".json", dir=self.workdir)
        os.close(handle)
        merged = dict(self.sandbox.vars if self.sandbox else {})
        merged.update(extra_vars or {})
        with open(vars_path, "w", encoding="utf-8") as handle:
            json.dump(merged, handle)
        argv = [os.path.join(BIN, "ansible-playbook"), "-i", inventory or os.path.join(ROOT, "playbooks", "inventory", "hosts.yml"),
                playbook, "-e", "@" + vars_path]
        if verbosity:
            argv.append("-" + "v" * verbosity)
        argv += list(args)
        return subprocess.run(argv, env=self.env(env), capture_output=True, text=True, timeout=timeout, cwd=self.workdir)


def workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)
