"""End-to-end: backups through the running services (tocsinctl -> scheduler
-> data service -> pg_dump), proved, listed, restored into a fresh
PostgreSQL cluster by a second data service, and a scheduler killed
mid-backup leaves no partial file under a final name."""
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import re
import time
import unittest
import urllib.request

from stack import ROOT, Stack, wait_until

PORTS = {
    "TOCSIN_HTTP_PORT": "18600",
    "TOCSIN_GATEWAY_PORT": "18681",
    "TOCSIN_DATA_PORT": "18651",
    "TOCSIN_SCHEDULER_PORT": "18652",
    "TOCSIN_PG_PORT": "18633",
    "TOCSIN_GATEWAY_METRICS_PORT": "19681",
    "TOCSIN_DATA_METRICS_PORT": "19651",
    "TOCSIN_SCHEDULER_METRICS_PORT": "19652",
}
S3_PORT = "18690"
S3_DIR = os.path.join(ROOT, "tests", "e2e", "s3")
FRESH_PG_PORT = "18634"
FRESH_DATA_PORT = "18661"
COMMON = os.path.join(ROOT, "deploy", "local", "lib", "common.sh")
TABLES = ["projects", "api_keys", "checks", "pings", "flips", "channels",
          "check_channels", "notifications"]


def bash(script, *args):
    return subprocess.run(["bash", "-c", f'source "{COMMON}"; ' + script, "-", *args],
                          check=True, capture_output=True, text=True, timeout=300)


class BackupTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A local S3-compatible server (npm's s3rver) for off-site copies.
        if not os.path.isdir(os.path.join(S3_DIR, "node_modules", "s3rver")):
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                           cwd=S3_DIR, check=True, timeout=600)
        cls.s3_data = tempfile.mkdtemp(prefix="tocsin-s3-")
        cls.s3_log = open(os.path.join(cls.s3_data, "..", os.path.basename(cls.s3_data) + ".log"), "w")
        cls.s3 = subprocess.Popen(
            [os.path.join(S3_DIR, "node_modules", ".bin", "s3rver"), "-d", cls.s3_data,
             "-a", "127.0.0.1", "-p", S3_PORT, "--configure-bucket", "offsite"],
            stdout=cls.s3_log, stderr=subprocess.STDOUT)
        cls.stack = Stack(ports=PORTS, env={
            "BACKUP_S3_ENDPOINT": "http://127.0.0.1:" + S3_PORT,
            "BACKUP_S3_BUCKET": "offsite", "BACKUP_S3_ACCESS_KEY": "S3RVER",
            "BACKUP_S3_SECRET_KEY": "S3RVER", "BACKUP_S3_PREFIX": "copies/",
            # Keep only the newest: rotation shows on both sides at once.
            "TOCSIN_BACKUP_KEEP_DAILY": "0", "TOCSIN_BACKUP_KEEP_WEEKLY": "0",
            "TOCSIN_BACKUP_KEEP_MONTHLY": "0"})
        cls.stack.start()
        cls.key = cls.stack.info["api_key"]
        cls.backups = os.path.join(cls.stack.state, "backups")

    @classmethod
    def tearDownClass(cls):
        cls.stack.destroy()
        cls.s3.terminate()
        cls.s3.wait(timeout=30)
        cls.s3_log.close()
        shutil.rmtree(cls.s3_data, ignore_errors=True)

    def s3_keys(self):
        url = f"http://127.0.0.1:{S3_PORT}/offsite?list-type=2&prefix=copies/"
        with urllib.request.urlopen(url, timeout=30) as r:
            return sorted(re.findall(r"<Key>([^<]+)</Key>", r.read().decode()))

    def s3_get(self, key):
        with urllib.request.urlopen(f"http://127.0.0.1:{S3_PORT}/offsite/{key}",
                                    timeout=30) as r:
            return r.read()

    def table_digests(self, port, password):
        """A digest of every row of each main table, per table."""
        out = {}
        env = dict(os.environ, PGPASSWORD=password)
        for t in TABLES:
            q = (f"SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) "
                 f"FROM {t} x")
            out[t] = subprocess.run(
                ["psql", "-h", "127.0.0.1", "-p", port, "-U", "tocsin", "-d", "tocsin",
                 "-Atqc", q], env=env, check=True, capture_output=True, text=True,
                timeout=60).stdout.strip()
        return out

    def test_1_backup_prove_list_and_restore_into_a_fresh_cluster(self):
        status, c = self.stack.api("POST", "/api/v3/checks/", {"name": "db dump"},
                                   key=self.key)
        self.assertEqual(status, 201)
        for body in ("started", "x" * 5000, "done \u2713"):
            status, _, _ = self.stack.ping("/" + c["uuid"], method="POST", body=body)
            self.assertEqual(status, 200)

        out = self.stack.ctl("backup", "now")
        name = out.split("\t")[0]
        self.assertRegex(name, r"^tocsin-\d{8}T\d{6}Z(-\d+)?\.dump$")
        self.assertIn("schema version", out)
        path = os.path.join(self.backups, name)
        with open(path, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"PGDMP"))
        with open(path + ".sha256") as f:
            self.assertEqual(f.read(), f"{hashlib.sha256(data).hexdigest()}  {name}\n")
        self.assertIn("not proven yet", self.stack.ctl("backup", "list"))

        out = self.stack.ctl("job", "run", "prove-backups")
        self.assertIn(name + " proven", out)
        first = self.stack.ctl("backup", "list").splitlines()[0].split("\t")
        self.assertEqual(first[0], name)
        self.assertTrue(first[3].startswith("proven"), first)

        # Reported in the health document (through the scheduler's
        # heartbeat) and in the scheduler's metrics.
        def health_backups():
            status, doc = self.stack.api("GET", "/health")
            return (doc or {}).get("components", {}).get("backups", {})
        self.assertTrue(wait_until(lambda: health_backups().get("status") == "ok", 15),
                        health_backups())
        self.assertEqual(health_backups()["newest"]["name"], name)
        self.assertIn('tocsin_backup_newest_proof{state="proven"} 1',
                      self.stack.metrics("scheduler"))

        # The live database holds projects: restoring needs --force.
        ctl = os.path.join(ROOT, self.stack.env["TOCSIN_BUILD_DIR"], "tocsinctl", "tocsinctl")
        refused = subprocess.run([ctl, "backup", "restore", name], env=self.stack.env,
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("project(s)", refused.stderr)

        # A fresh cluster with its own data service; tocsinctl streams the
        # file from here (the FILE form of restore).
        work = tempfile.mkdtemp(prefix="tocsin-restore-")
        os.chmod(work, 0o755)
        pgdir = bash('d=$(shared_dir "$1"); echo "$d"', work).stdout.strip()
        data_proc = None
        try:
            bash('ensure_secret "$1/pw" 24; mkdir -p "$2"; '
                 'pg_cluster_up "$2/pg" "$3" tocsin "$1/pw" "$2/pg.log"; '
                 'pg_ensure_db "$3" tocsin "$1/pw" tocsin', work, pgdir, FRESH_PG_PORT)
            with open(os.path.join(work, "pw")) as f:
                fresh_pw = f.read().strip()
            env = dict(self.stack.env)
            env.update({"DB_HOST": "127.0.0.1", "DB_PORT": FRESH_PG_PORT, "DB_NAME": "tocsin",
                        "DB_USER": "tocsin", "DB_PASSWORD": "",
                        "DB_PASSWORD_FILE": os.path.join(work, "pw"),
                        "TOCSIN_DATA_LISTEN": "127.0.0.1:" + FRESH_DATA_PORT,
                        "TOCSIN_DATA_METRICS_LISTEN": "",
                        "TOCSIN_OBJECT_DIR": os.path.join(work, "objects"),
                        "TOCSIN_INTERNAL_TOKEN": "",
                        "TOCSIN_INTERNAL_TOKEN_FILE": os.path.join(
                            self.stack.state, "secrets", "internal_token")})
            with open(os.path.join(work, "data.log"), "w") as log:
                data_proc = subprocess.Popen([self.stack.binary("data")], env=env,
                                             stdout=log, stderr=subprocess.STDOUT)
            ctl_env = dict(self.stack.env, TOCSIN_DATA_ADDR="127.0.0.1:" + FRESH_DATA_PORT)
            wait_until(lambda: subprocess.run([ctl, "health", "data"], env=ctl_env,
                                              capture_output=True).returncode == 0, 60)
            out = subprocess.run([ctl, "backup", "restore", path], env=ctl_env,
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertIn("restored", out.stdout)
            with open(os.path.join(self.stack.state, "secrets", "db_password")) as f:
                live_pw = f.read().strip()
            # Exactly the same rows (nothing was written to the live
            # database since the dump but heartbeats, which are not compared).
            live = self.table_digests(PORTS["TOCSIN_PG_PORT"], live_pw)
            restored = self.table_digests(FRESH_PG_PORT, fresh_pw)
            self.assertEqual(restored, live)
            # The 5000-byte body was an object; it came back with the restore.
            digest = hashlib.sha256(b"x" * 5000).hexdigest()
            with open(os.path.join(work, "objects", digest[:2], digest), "rb") as f:
                self.assertEqual(f.read(), b"x" * 5000)
            self.assertIn("(1 body objects)", out.stdout)
        finally:
            if data_proc:
                data_proc.terminate()
                data_proc.wait(timeout=30)
            bash('pg_cluster_down "$1/pg"', pgdir)
            shutil.rmtree(work, ignore_errors=True)
            if pgdir != work:
                shutil.rmtree(pgdir, ignore_errors=True)

    def test_2_killed_scheduler_leaves_no_partial_backup(self):
        # Enough rows that the dump takes a moment.
        self.stack.sql(
            "INSERT INTO pings (check_id, n, created, kind, body) "
            "SELECT c.id, 100000 + g, now(), 'success', convert_to(repeat(md5(g::text), 30), 'UTF8') "
            "FROM checks c, generate_series(1, 60000) g LIMIT 60000")
        pid = self.stack.pid("scheduler")
        ctl = os.path.join(ROOT, self.stack.env["TOCSIN_BUILD_DIR"], "tocsinctl", "tocsinctl")
        call = subprocess.Popen([ctl, "backup", "now"], env=self.stack.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Kill as soon as a temporary file appears (or after a moment).
        deadline = time.monotonic() + 10
        writing = False
        while time.monotonic() < deadline and not writing:
            writing = any(n.startswith(".tmp-") for n in os.listdir(self.backups))
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        _, err = call.communicate(timeout=60)
        # The kill landed mid-backup (the case this test is about).
        self.assertTrue(writing)
        self.assertNotEqual(call.returncode, 0, err)
        # Whatever is under a final name is complete: its checksum matches.
        for n in os.listdir(self.backups):
            if n.endswith(".dump"):
                with open(os.path.join(self.backups, n), "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                with open(os.path.join(self.backups, n + ".sha256")) as f:
                    self.assertEqual(f.read().split()[0], digest, n)
        self.stack.start()  # Restarts the scheduler, which cleans up.
        left = [n for n in os.listdir(self.backups) if n.startswith(".tmp-")]
        self.assertEqual(left, [])
        listed = self.stack.ctl("backup", "list")
        for line in listed.splitlines():
            self.assertTrue(os.path.exists(os.path.join(self.backups, line.split("\t")[0])))


    def test_3_proven_backups_are_copied_off_site_with_the_same_rotation(self):
        names = []
        for _ in range(2):
            names.append(self.stack.ctl("backup", "now").split("\t")[0])
            out = self.stack.ctl("job", "run", "prove-backups")
            self.assertIn(names[-1] + " proven", out)
            self.assertIn("copied off site", out)
            time.sleep(1.1)  # Distinct names (they carry the second).
        listed = self.stack.ctl("backup", "list").splitlines()
        self.assertEqual(len(listed), 1, listed)  # Keep-newest rotation here...
        self.assertTrue(listed[0].startswith(names[-1]) and listed[0].endswith("copied off site"))
        keys = self.s3_keys()
        base = names[-1][:-len(".dump")]
        # ...and there: only the newest copy, whole.
        self.assertIn("copies/" + names[-1], keys)
        self.assertIn("copies/" + names[-1] + ".sha256", keys)
        self.assertIn("copies/" + base + ".json", keys)
        self.assertFalse([k for k in keys if names[0][:-5] in k], keys)
        with open(os.path.join(self.backups, names[-1]), "rb") as f:
            self.assertEqual(self.s3_get("copies/" + names[-1]), f.read())
        # The body objects went along.
        objects = [k for k in keys if k.startswith(f"copies/{base}.objects/")]
        self.assertTrue(objects)
        for k in objects:
            self.assertEqual(hashlib.sha256(self.s3_get(k)).hexdigest(), k.rsplit("/", 1)[1])


if __name__ == "__main__":
    unittest.main()
