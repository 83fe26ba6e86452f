"""Starts the local stack for end-to-end tests and talks to it over HTTP.

The stack runs in a temporary state directory on ports of its own, so tests
never touch a developer's running stack.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STACK = os.path.join(ROOT, "deploy", "local", "stack")

PORTS = {
    "TOCSIN_HTTP_PORT": "18000",
    "TOCSIN_GATEWAY_PORT": "18081",
    "TOCSIN_DATA_PORT": "18051",
    "TOCSIN_SCHEDULER_PORT": "18052",
    "TOCSIN_PG_PORT": "18433",
    "TOCSIN_GATEWAY_METRICS_PORT": "19081",
    "TOCSIN_DATA_METRICS_PORT": "19051",
    "TOCSIN_SCHEDULER_METRICS_PORT": "19052",
}


class Stack:
    def __init__(self, ports=None, env=None):
        self.state = tempfile.mkdtemp(prefix="tocsin-e2e-")
        os.chmod(self.state, 0o755)
        self.env = dict(os.environ)
        self.env.update(PORTS)
        self.env.update(ports or {})
        self.env.update(env or {})
        self.env["TOCSIN_STATE_DIR"] = self.state
        self.env.setdefault("TOCSIN_BUILD_DIR", "build/debug")
        # Room for the whole suite on one key; the limit test uses its own.
        self.env["TOCSIN_API_RATE_BURST"] = "300"
        self.info = None

    def run(self, *args, check=True, env=None, timeout=600):
        return subprocess.run([STACK, *args], env=env or self.env, check=check,
                              capture_output=True, text=True, timeout=timeout)

    def start(self):
        out = self.run("start", check=False)
        if out.returncode != 0:
            raise RuntimeError("stack start failed:\n" + out.stdout + out.stderr
                               + self.logs())
        with open(os.path.join(self.state, "stack.json")) as f:
            self.info = json.load(f)
        return out

    def stop(self):
        return self.run("stop", check=False)

    def destroy(self):
        """Stops and removes the stack. Fails (AssertionError) if a service's
        log holds a sanitizer report: the e2e suite runs the ASan/UBSan
        build, and a fault found while stopping (a use after free in a
        destructor, a leak) would otherwise pass unseen."""
        self.run("stop", check=False)
        reports = self.sanitizer_reports()
        self.run("purge", check=False)
        shutil.rmtree(self.state, ignore_errors=True)
        if reports:
            raise AssertionError("sanitizer reports in the services' logs:\n"
                                 + "\n".join(reports))

    SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                         "runtime error:", "WARNING: ThreadSanitizer")

    def sanitizer_reports(self):
        """Each log's text from its first sanitizer report on (up to 6 KB)."""
        found = []
        for name, text in self.log_texts():
            starts = [text.find(m) for m in self.SANITIZER_MARKERS if m in text]
            if starts:
                found.append(f"--- {name}\n" + text[min(starts):][:6000])
        return found

    def log_texts(self):
        """(name, whole text) of each log file of the stack."""
        logs = os.path.join(self.state, "logs")
        if not os.path.isdir(logs):
            return
        for name in sorted(os.listdir(logs)):
            try:
                with open(os.path.join(logs, name), errors="replace") as f:
                    yield name, f.read()
            except OSError:
                pass

    def logs(self):
        return "\n".join(f"--- {name}\n" + text[-4000:]
                         for name, text in self.log_texts())

    def ctl(self, *args):
        out = subprocess.run([self.binary("ctl"), *args], env=self.env, check=True,
                             capture_output=True, text=True, timeout=60)
        return out.stdout

    def pid(self, service):
        with open(os.path.join(self.state, "run", service + ".pid")) as f:
            return int(f.read().strip())

    def sql(self, query):
        """Runs SQL on the stack's database (for setting data up)."""
        with open(os.path.join(self.state, "secrets", "db_password")) as f:
            password = f.read().strip()
        env = dict(self.env, PGPASSWORD=password)
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", self.env["TOCSIN_PG_PORT"], "-U",
             "tocsin", "-d", "tocsin", "-Atqc", query],
            env=env, check=True, capture_output=True, text=True, timeout=60)
        return out.stdout.strip()

    def request(self, method, path, body=None, headers=None, base=None,
                context=None):
        url = (base or self.info["base_url"]) + path
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30, context=context) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def api(self, method, path, payload=None, key=None, raw=None):
        headers = {}
        if key is not None:
            headers["X-Api-Key"] = key
        body = raw if raw is not None else (
            json.dumps(payload) if payload is not None else None)
        status, hdrs, data = self.request(method, path, body, headers)
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = data
        return status, doc

    def ping(self, path, method="GET", body=None):
        return self.request(method, path, body, base=self.info["ping_base"])

    def metrics(self, service):
        """The Prometheus text of one service's internal /metrics."""
        with urllib.request.urlopen(self.info["metrics"][service], timeout=10) as r:
            return r.read().decode()

    def binary(self, service):
        names = {"data": "services/data/tocsin-data",
                 "scheduler": "services/scheduler/tocsin-scheduler",
                 "gateway": "services/web-gateway/tocsin-gateway",
                 "ctl": "tocsinctl/tocsinctl"}
        return os.path.join(ROOT, self.env["TOCSIN_BUILD_DIR"], names[service])

    def start_scheduler(self, instance, port, extra=None):
        """Starts one more scheduler replica against the stack's data service
        (the caller stops it). Returns the Popen."""
        env = dict(self.env)
        env.update({
            "TOCSIN_INTERNAL_TOKEN": "",
            "TOCSIN_INTERNAL_TOKEN_FILE": os.path.join(self.state, "secrets", "internal_token"),
            "TOCSIN_DATA_ADDR": self.info["data_addr"],
            "TOCSIN_SCHEDULER_LISTEN": "127.0.0.1:%d" % port,
            "TOCSIN_SCHEDULER_METRICS_LISTEN": "",
            "SITE_ROOT": self.info["base_url"],
            "TOCSIN_INSTANCE": instance,
        })
        env.update(extra or {})
        with open(os.path.join(self.state, "logs", instance + ".log"), "ab") as log:
            return subprocess.Popen([self.binary("scheduler")], env=env,
                                    stdout=log, stderr=subprocess.STDOUT)

    def new_project(self, name):
        """A fresh project (keys as JSON) so tests do not see each other's."""
        return json.loads(self.ctl("project", "create", name))


def wait_until(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
