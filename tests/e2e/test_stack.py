"""End-to-end: the local stack driven over HTTP through nginx."""
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import stat
import tempfile
import time
import unittest
import uuid

from receivers import HttpReceiver
from stack import ROOT, Stack, wait_until

HTTPS_PORT = "18443"


class StackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # HTTPS on as well (TOCSIN_TLS=on), with SITE_ROOT kept on plain HTTP
        # so every other test talks HTTP as before.
        cls.stack = Stack(env={"TOCSIN_TLS": "on", "TOCSIN_HTTPS_PORT": HTTPS_PORT,
                               "SITE_ROOT": "http://127.0.0.1:18000",
                               "TOCSIN_PG_SHARED_BUFFERS": "96MB",
                               "TOCSIN_PG_MAX_WAL_SIZE": "512MB"})
        cls.stack.start()
        cls.key = cls.stack.info["api_key"]
        cls.ro_key = cls.stack.info["api_key_readonly"]

    @classmethod
    def tearDownClass(cls):
        cls.stack.destroy()

    def create(self, **fields):
        status, doc = self.stack.api("POST", "/api/v3/checks/", fields, key=self.key)
        self.assertEqual(status, 201, doc)
        return doc

    def data_log(self):
        """The data service's log lines so far, as JSON objects."""
        with open(os.path.join(self.stack.state, "logs", "data.log")) as f:
            return [json.loads(line) for line in f if line.startswith("{")]

    def get(self, ident, key=None):
        status, doc = self.stack.api("GET", f"/api/v3/checks/{ident}", key=key or self.key)
        self.assertEqual(status, 200, doc)
        return doc

    def test_stack_json(self):
        path = os.path.join(self.stack.state, "stack.json")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        info = self.stack.info
        for k in ("base_url", "ping_base", "data_addr", "scheduler_addr", "project",
                  "api_key", "api_key_readonly", "ping_key"):
            self.assertTrue(info.get(k), k)
        self.assertFalse(info["base_url"].endswith("/"))
        self.assertEqual(info["ping_base"], info["base_url"] + "/ping")
        out = self.stack.run("status")
        self.assertEqual(out.returncode, 0, out.stdout)

    def test_postgres_sizes_from_the_environment(self):
        self.assertEqual(self.stack.sql("SHOW shared_buffers"), "96MB")
        self.assertEqual(self.stack.sql("SHOW max_wal_size"), "512MB")
        for var in ("TOCSIN_PG_SHARED_BUFFERS", "TOCSIN_PG_MAX_WAL_SIZE"):
            for bad in ("lots", "0MB", "1TB", "1GB -c fsync=off"):
                out = self.stack.run("start", check=False, timeout=120,
                                     env=dict(self.stack.env, **{var: bad}))
                self.assertNotEqual(out.returncode, 0, bad)
                self.assertIn(var + " must be", out.stderr, bad)
        # Other sizes while PostgreSQL runs: said, not silently ignored.
        out = self.stack.run("start", check=False, timeout=120,
                             env=dict(self.stack.env, TOCSIN_PG_SHARED_BUFFERS="128MB",
                                      TOCSIN_PG_MAX_WAL_SIZE="1GB"))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("already running with shared_buffers 96MB; 128MB applies once it restarts",
                      out.stderr)
        self.assertIn("already running with max_wal_size 512MB; 1GB applies once it restarts",
                      out.stderr)
        out = self.stack.run("start", check=False, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertNotIn("already running with", out.stderr)
        self.assertEqual(self.stack.sql("SHOW shared_buffers"), "96MB")
        self.assertEqual(self.stack.sql("SHOW max_wal_size"), "512MB")

    def test_a_start_from_another_build_dir_is_refused_while_ours_runs(self):
        # Same state and ports, other binaries: their processes could not
        # listen, and readiness checks would pass against ours. The start
        # must fail, say why, and leave the running stack alone.
        other = tempfile.mkdtemp(prefix="tocsin-other-build-")
        self.addCleanup(shutil.rmtree, other, True)
        build = os.path.join(ROOT, self.stack.env["TOCSIN_BUILD_DIR"])
        for name in ("data", "scheduler", "gateway", "ctl"):
            src = self.stack.binary(name)
            dst = os.path.join(other, os.path.relpath(src, build))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        before = {name: self.stack.pid(name) for name in ("data", "scheduler", "gateway")}
        out = self.stack.run("start", check=False, timeout=120,
                             env=dict(self.stack.env, TOCSIN_BUILD_DIR=other))
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("is in use by another process", out.stderr)
        after = {name: self.stack.pid(name) for name in ("data", "scheduler", "gateway")}
        self.assertEqual(before, after)
        doc = self.create(name="after the refused start")
        status, _, body = self.stack.ping("/" + doc["uuid"])
        self.assertEqual((status, body), (200, b"OK"))

    def test_https_with_the_local_certificate(self):
        c = self.create(name="over tls")
        cert = os.path.join(self.stack.state, "tls", "cert.pem")
        ctx = ssl.create_default_context(cafile=cert)  # Verifies "localhost".
        base = "https://localhost:" + HTTPS_PORT
        status, headers, body = self.stack.request("GET", "/ping/" + c["uuid"],
                                                   base=base, context=ctx)
        self.assertEqual((status, body), (200, b"OK"))
        self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
        # The local certificate is self-signed: no HSTS to stick to localhost.
        self.assertNotIn("Strict-Transport-Security", headers)
        self.assertEqual(self.get(c["uuid"])["n_pings"], 1)

    def test_static_files_served_by_nginx(self):
        with open(os.path.join(ROOT, "web", "static", "favicon.svg"), "rb") as f:
            content = f.read()
        fingerprinted = "favicon.%s.svg" % hashlib.sha256(content).hexdigest()[:12]
        status, headers, body = self.stack.request("GET", "/static/" + fingerprinted)
        self.assertEqual((status, body), (200, content))
        self.assertIn("max-age=31536000", headers.get("Cache-Control", ""))
        self.assertEqual(headers.get("Content-Type"), "image/svg+xml")
        self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
        self.assertIn("frame-ancestors 'none'", headers.get("Content-Security-Policy", ""))
        status, headers, body = self.stack.request("GET", "/static/favicon.svg")
        self.assertEqual((status, body), (200, content))
        self.assertIn("max-age=3600", headers.get("Cache-Control", ""))
        status, _, body = self.stack.request("GET", "/static/manifest.json")
        self.assertEqual(json.loads(body)["favicon.svg"], fingerprinted)
        status, _, _ = self.stack.request("GET", "/static/no-such-file.js")
        self.assertEqual(status, 404)
        # nginx serves them from the exported directory: the gateway itself
        # has no such route.
        status, _, _ = self.stack.request("GET", "/static/" + fingerprinted,
                                          base="http://127.0.0.1:18081")
        self.assertEqual(status, 404)

    def test_create_ping_and_read_back(self):
        c = self.create(name="Backups", tags="prod www", timeout=3600, grace=60)
        self.assertEqual(c["status"], "new")
        self.assertEqual(c["n_pings"], 0)
        self.assertIsNone(c["last_ping"])
        self.assertEqual(c["ping_url"], self.stack.info["ping_base"] + "/" + c["uuid"])
        self.assertEqual(c["update_url"],
                         self.stack.info["base_url"] + "/api/v3/checks/" + c["uuid"])
        self.assertEqual(c["timeout"], 3600)
        self.assertNotIn("schedule", c)

        status, headers, body = self.stack.ping("/" + c["uuid"])
        self.assertEqual((status, body), (200, b"OK"))
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        self.assertEqual(headers.get("Ping-Body-Limit"), "10000")

        after = self.get(c["uuid"])
        self.assertEqual(after["status"], "up")
        self.assertEqual(after["n_pings"], 1)
        self.assertIsNotNone(after["last_ping"])
        self.assertRegex(after["last_ping"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        self.assertIsNotNone(after["next_ping"])

        status, _, body = self.stack.ping("/" + c["uuid"], method="HEAD")
        self.assertEqual((status, body), (200, b""))
        status, _, _ = self.stack.ping("/" + c["uuid"], method="POST", body="log line")
        self.assertEqual(status, 200)
        self.assertEqual(self.get(c["uuid"])["n_pings"], 3)
        stored = self.stack.sql(
            f"SELECT convert_from(body, 'UTF8') FROM pings WHERE check_id = '{c['uuid']}' AND n = 3")
        self.assertEqual(stored, "log line")

        status, _, _ = self.stack.ping("/" + c["uuid"] + "/start")
        self.assertEqual(status, 200)
        self.assertTrue(self.get(c["uuid"])["started"])
        status, _, _ = self.stack.ping("/" + c["uuid"] + "/fail")
        self.assertEqual(status, 200)
        failed = self.get(c["uuid"])
        self.assertEqual(failed["status"], "down")
        self.assertFalse(failed["started"])
        self.assertIsNone(failed["next_ping"])

        status, doc = self.stack.api("GET", "/api/v3/checks/", key=self.key)
        self.assertEqual(status, 200)
        self.assertIn(c["uuid"], [x["uuid"] for x in doc["checks"]])
        status, doc = self.stack.api("GET", "/api/v3/checks/?tag=prod&tag=www", key=self.key)
        self.assertIn(c["uuid"], [x["uuid"] for x in doc["checks"]])
        status, doc = self.stack.api("GET", "/api/v3/checks/?tag=nope", key=self.key)
        self.assertNotIn(c["uuid"], [x["uuid"] for x in doc["checks"]])

    def test_large_body_is_cut_to_the_limit(self):
        c = self.create(name="big")
        status, headers, _ = self.stack.ping("/" + c["uuid"], method="POST", body="x" * 50000)
        self.assertEqual(status, 200)
        # Cut to PING_BODY_LIMIT; above 1 KiB it is kept as an object file.
        row = self.stack.sql("SELECT body_size, body IS NULL, body_object IS NOT NULL "
                             f"FROM pings WHERE check_id = '{c['uuid']}'")
        self.assertEqual(row, "10000|t|t")
        status, _, body = self.stack.request(
            "GET", f"/api/v3/checks/{c['uuid']}/pings/1/body", headers={"X-Api-Key": self.key})
        self.assertEqual((status, body), (200, b"x" * 10000))
        status, _, _ = self.stack.ping("/" + c["uuid"], method="POST", body="x" * 2_000_000)
        self.assertEqual(status, 413)

    def test_refused_body_gets_its_answer_not_a_reset(self):
        # Straight to the gateway (nginx refuses such bodies itself): the
        # 413 goes out while the client is still sending the body; closing
        # with that unread would reset the connection, and the client would
        # see the reset instead of the answer.
        c = self.create(name="refused body")
        sock = socket.create_connection(
            ("127.0.0.1", int(self.stack.env["TOCSIN_GATEWAY_PORT"])), timeout=10)
        sock.sendall(("POST /ping/%s HTTP/1.1\r\nHost: x\r\n"
                      "Content-Length: 2000000\r\n\r\n" % c["uuid"]).encode())
        error = None
        try:
            sock.sendall(b"x" * 65536)
            time.sleep(0.3)
            sock.sendall(b"x" * 65536)
        except OSError as e:
            error = e
        answer = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError as e:
            error = error or e
        sock.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"), (answer[:200], error))
        self.assertIsNone(error)

    def test_ping_from_a_client_that_half_closes_is_answered(self):
        # The request, then shutdown(SHUT_WR), as `nc -N` does: nginx used
        # to record the ping but answer nothing (499).
        c = self.create(name="half-close")
        port = int(self.stack.env["TOCSIN_HTTP_PORT"])
        for i in range(3):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(f"GET /ping/{c['uuid']} HTTP/1.1\r\nHost: x\r\n"
                         "Connection: close\r\n\r\n".encode())
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
            sock.close()
            self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])
            self.assertTrue(answer.endswith(b"\r\n\r\nOK"), answer[-200:])
        self.assertEqual(self.get(c["uuid"])["n_pings"], 3)

    def test_ping_errors(self):
        status, _, body = self.stack.ping("/" + str(uuid.uuid4()))
        self.assertEqual((status, body), (404, b"not found"))
        c = self.create(name="codes")
        status, _, _ = self.stack.ping("/" + c["uuid"] + "/256")
        self.assertEqual(status, 400)
        status, _, _ = self.stack.ping("/" + c["uuid"] + "?rid=not-a-uuid")
        self.assertEqual(status, 400)
        self.assertEqual(self.get(c["uuid"])["n_pings"], 0)
        status, _, _ = self.stack.ping("/" + c["uuid"] + "/0")
        self.assertEqual(status, 200)
        status, _, _ = self.stack.ping("/" + c["uuid"] + "/3")
        self.assertEqual(status, 200)
        self.assertEqual(self.get(c["uuid"])["status"], "down")
        status, _, _ = self.stack.ping("/" + c["uuid"], method="DELETE")
        self.assertEqual(status, 405)

    def test_auth_and_validation(self):
        status, doc = self.stack.api("GET", "/api/v3/checks/")
        self.assertEqual((status, doc), (401, {"error": "missing api key"}))
        status, doc = self.stack.api("GET", "/api/v3/checks/", key="nope")
        self.assertEqual((status, doc), (401, {"error": "wrong api key"}))
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"name": "x"}, key=self.ro_key)
        self.assertEqual(status, 401)
        # api_key in the body works for POST.
        status, doc = self.stack.api("POST", "/api/v3/checks/",
                                     {"api_key": self.key, "name": "body-key"})
        self.assertEqual(status, 201, doc)
        c = doc
        ro = self.get(c["uuid"], key=self.ro_key)
        for hidden in ("uuid", "ping_url", "update_url", "pause_url", "resume_url", "channels"):
            self.assertNotIn(hidden, ro)
        self.assertEqual(len(ro["unique_key"]), 40)
        self.assertEqual(self.get(ro["unique_key"], key=self.ro_key)["name"], "body-key")
        status, doc = self.stack.api("GET", f"/api/v3/checks/{uuid.uuid4()}", key=self.key)
        self.assertEqual(status, 404)
        for bad, why in (('{"name": ', "broken JSON"), ('{"timeout": 10}', "range"),
                         ('{"timeout": "60"}', "type"), ('[1, 2]', "not an object"),
                         ('{"schedule": "61 * * * *"}', "cron"),
                         ('{"schedule": "* * * * *", "tz": "Nowhere/City"}', "tz"),
                         ('{"timeout": 1e999}', "huge number")):
            status, doc = self.stack.api("POST", "/api/v3/checks/", key=self.key, raw=bad)
            self.assertEqual(status, 400, why)
            self.assertIn("error", doc, why)

    def test_hostile_encodings_get_4xx_or_safe_storage(self):
        status, doc = self.stack.api("POST", "/api/v3/checks/", key=self.key,
                                     raw='{"name": "a\\u0000b"}')
        self.assertEqual(status, 400, doc)
        status, doc = self.stack.api("POST", "/api/v3/checks/", key=self.key,
                                     raw=b'{"name": "\xff\xfe"}')
        self.assertEqual(status, 400, doc)
        status, doc = self.stack.api("GET", "/api/v3/checks/%ff", key=self.key)
        self.assertEqual(status, 404, doc)
        status, doc = self.stack.api("GET", "/api/v3/checks/?slug=%ff%00", key=self.key)
        self.assertEqual((status, doc), (200, {"checks": []}))
        status, doc = self.stack.api("GET", "/api/v3/checks/?tag=%ff", key=self.key)
        self.assertEqual((status, doc), (200, {"checks": []}))
        status, doc = self.stack.api("GET", "/api/v3/checks/?tag=%ff", key="wrong")
        self.assertEqual(status, 401)
        status, doc = self.stack.api("GET", "/api/v3/checks/", key="bad\xffkey")
        self.assertEqual((status, doc), (401, {"error": "wrong api key"}))
        c = self.create(name="odd agent")
        status, _, _ = self.stack.request(
            "GET", "/" + c["uuid"], headers={"User-Agent": "bad \xff\xfe agent"},
            base=self.stack.info["ping_base"])
        self.assertEqual(status, 200)
        stored = self.stack.sql(f"SELECT user_agent FROM pings WHERE check_id = '{c['uuid']}'")
        self.assertEqual(stored, "bad \ufffd\ufffd agent")
        status, _, _ = self.stack.request(
            "GET", "/" + c["uuid"], headers={"X-Forwarded-For": "999.1.1.1, ::::, junk"},
            base=self.stack.info["ping_base"])
        self.assertEqual(status, 200)
        # Very long slugs and tags, dot-segments: 4xx, never 5xx.
        key = self.stack.info["ping_key"]
        status, _, _ = self.stack.ping(f"/{key}/{'a' * 150}?create=1")
        self.assertEqual(status, 404)
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"tags": "t" * 10000},
                                     key=self.key)
        self.assertEqual(status, 400, doc)
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"slug": "s" * 101},
                                     key=self.key)
        self.assertEqual(status, 400, doc)
        for path in ("/ping/%2e%2e/%2e%2e", "/ping/..%2f..%2fetc/passwd",
                     "/api/v3/checks/%2e%2e", "/api/v3/checks/..%2F"):
            status, _, _ = self.stack.request("GET", path, headers={"X-Api-Key": self.key})
            self.assertIn(status, (400, 404), path)
        # Values long enough that an error quoting them would exceed gRPC's
        # 8 KiB metadata limit: still 400, with the quote cut short (before,
        # 429 "received initial metadata size exceeds limit", and other
        # requests on the same connection to data failed with it).
        c = self.create(name="long values")
        for body, paths in (
                ({"name": "x", "channels": "y" * 9000}, ("/", f"/{c['uuid']}")),
                ({"name": "x", "schedule": "* * * * *", "tz": "Z" * 9000},
                 ("/", f"/{c['uuid']}")),
                ({"name": "x", "unique": ["q" * 9000]}, ("/",))):  # Creation only.
            for path in paths:
                path = "/api/v3/checks" + path
                status, doc = self.stack.api("POST", path, body, key=self.key)
                self.assertEqual(status, 400, (path, list(body), str(doc)[:200]))
                self.assertLess(len(doc["error"]), 1100, (path, list(body)))
        status, _, _ = self.stack.ping("/" + c["uuid"])
        self.assertEqual(status, 200)

    def test_cron_check_and_unique_upsert(self):
        c = self.create(name="nightly", schedule="15 5 * * *", tz="Europe/Riga")
        self.assertEqual((c["schedule"], c["tz"]), ("15 5 * * *", "Europe/Riga"))
        self.assertNotIn("timeout", c)
        status, doc = self.stack.api("POST", "/api/v3/checks/",
                                     {"name": "nightly", "tags": "again", "unique": ["name"]},
                                     key=self.key)
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc["uuid"], c["uuid"])
        self.assertEqual(doc["tags"], "again")

    def test_late_check_goes_down_on_its_own(self):
        c = self.create(name="late", timeout=60, grace=60)
        status, _, _ = self.stack.ping("/" + c["uuid"])
        self.assertEqual(status, 200)
        # Set the data up as if the ping had come 118 s ago: the deadline
        # (timeout + grace = 120 s) is 2 s away. The rule is untouched.
        self.stack.sql(
            "UPDATE checks SET last_ping = last_ping - interval '118 seconds', "
            "alert_after = alert_after - interval '118 seconds', "
            "alert_floor = alert_after - interval '118 seconds' "
            f"WHERE id = '{c['uuid']}'")
        deadline = float(self.stack.sql(
            f"SELECT extract(epoch FROM alert_after) FROM checks WHERE id = '{c['uuid']}'"))
        flip = wait_until(lambda: self.stack.sql(
            "SELECT extract(epoch FROM created) FROM flips "
            f"WHERE check_id = '{c['uuid']}' AND new_status = 'down'"), timeout=30)
        self.assertTrue(flip, "the check did not go down within 30 s\n" + self.stack.logs())
        lag = float(flip) - deadline
        print(f"\n  late-check detection lag: {lag * 1000:.0f} ms after the deadline")
        self.assertGreaterEqual(lag, 0)
        self.assertLess(lag, 10, "detected far too late")
        self.assertEqual(self.get(c["uuid"])["status"], "down")
        self.assertEqual(self.stack.sql(
            "SELECT status FROM checks WHERE id = '" + c["uuid"] + "'"), "down")

    def test_update_pause_resume_delete(self):
        c = self.create(name="lifecycle", tags="keep me", timeout=3600)
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}",
                                     {"name": "renamed", "timeout": 120}, key=self.key)
        self.assertEqual(status, 200, doc)
        self.assertEqual((doc["name"], doc["timeout"], doc["tags"]), ("renamed", 120, "keep me"))
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}",
                                     {"timeout": 1}, key=self.key)
        self.assertEqual(status, 400)
        self.assertEqual(self.get(c["uuid"])["timeout"], 120)  # unchanged
        status, _ = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}", {"name": "x"},
                                   key=self.ro_key)
        self.assertEqual(status, 401)
        status, _ = self.stack.api("POST", f"/api/v3/checks/{uuid.uuid4()}", {}, key=self.key)
        self.assertEqual(status, 404)

        self.assertEqual(self.stack.ping("/" + c["uuid"])[0], 200)
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}/pause", key=self.key,
                                     raw="")
        self.assertEqual((status, doc["status"]), (200, "paused"))
        self.assertEqual(self.stack.ping("/" + c["uuid"])[0], 200)
        self.assertEqual(self.get(c["uuid"])["status"], "up")  # a ping un-pauses
        self.stack.api("POST", f"/api/v3/checks/{c['uuid']}", {"manual_resume": True}, key=self.key)
        self.stack.api("POST", f"/api/v3/checks/{c['uuid']}/pause", key=self.key, raw="")
        self.assertEqual(self.stack.ping("/" + c["uuid"])[0], 200)
        self.assertEqual(self.get(c["uuid"])["status"], "paused")  # manual resume: ignored
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}/resume", key=self.key,
                                     raw="")
        self.assertEqual((status, doc["status"], doc["last_ping"]), (200, "new", None))
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}/resume", key=self.key,
                                     raw="")
        self.assertEqual(status, 409, doc)

        status, doc = self.stack.api("DELETE", f"/api/v3/checks/{c['uuid']}", key=self.key)
        self.assertEqual((status, doc["uuid"]), (200, c["uuid"]))
        status, _ = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}", key=self.key)
        self.assertEqual(status, 404)
        self.assertEqual(self.stack.ping("/" + c["uuid"])[0], 404)
        status, _ = self.stack.api("DELETE", f"/api/v3/checks/{c['uuid']}", key=self.key)
        self.assertEqual(status, 404)

    def test_pings_bodies_and_flips(self):
        c = self.create(name="history", timeout=3600)
        rid = str(uuid.uuid4())
        self.stack.ping(f"/{c['uuid']}/start?rid={rid}")
        self.stack.ping(f"/{c['uuid']}?rid={rid.upper()}", method="POST", body="all done")
        self.stack.ping(f"/{c['uuid']}/fail")
        status, doc = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}/pings/", key=self.key)
        self.assertEqual(status, 200, doc)
        pings = doc["pings"]
        self.assertEqual([p["type"] for p in pings], ["fail", "success", "start"])
        self.assertEqual([p["n"] for p in pings], [3, 2, 1])
        self.assertEqual(pings[1]["rid"], rid)
        self.assertIn("duration", pings[1])
        self.assertRegex(pings[0]["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
        self.assertIsNone(pings[0]["body_url"])
        self.assertTrue(pings[1]["body_url"].endswith(f"/api/v3/checks/{c['uuid']}/pings/2/body"))
        for field in ("scheme", "remote_addr", "method", "ua"):
            self.assertIn(field, pings[0])
        self.assertEqual(pings[0]["remote_addr"], "127.0.0.1")
        status, headers, body = self.stack.request(
            "GET", f"/api/v3/checks/{c['uuid']}/pings/2/body", headers={"X-Api-Key": self.key})
        self.assertEqual((status, body), (200, b"all done"))
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        for n in ("1", "99", "abc"):
            status, _, _ = self.stack.request(
                "GET", f"/api/v3/checks/{c['uuid']}/pings/{n}/body", headers={"X-Api-Key": self.key})
            self.assertEqual(status, 404, n)
        status, _ = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}/pings/", key=self.ro_key)
        self.assertEqual(status, 401)

        status, doc = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}/flips/", key=self.key)
        self.assertEqual(status, 200, doc)
        self.assertEqual([f["up"] for f in doc["flips"]], [0, 1])
        self.assertRegex(doc["flips"][0]["timestamp"], r"\+00:00$")
        ro = self.get(c["uuid"], key=self.ro_key)
        status, doc2 = self.stack.api("GET", f"/api/v3/checks/{ro['unique_key']}/flips/?seconds=3600",
                                      key=self.ro_key)
        self.assertEqual((status, doc2), (200, doc))
        status, doc = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}/flips/?start=4102444800",
                                     key=self.key)
        self.assertEqual((status, doc), (200, {"flips": []}))
        for bad in ("seconds=abc", "start=-5", "end=1e9", "seconds=0"):
            status, _ = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}/flips/?{bad}", key=self.key)
            self.assertEqual(status, 400, bad)

    def test_oncalendar_schedule_and_status_endpoint(self):
        c = self.create(name="calendar", schedule="Mon..Fri *-*-* 09:00\n12:00 Europe/Riga",
                        tz="America/New_York")
        self.assertEqual(c["schedule"], "Mon..Fri *-*-* 09:00\n12:00 Europe/Riga")
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"schedule": "Mon 25:00"},
                                     key=self.key)
        self.assertEqual(status, 400)
        self.assertIn("hour", doc["error"])
        status, _, body = self.stack.request("GET", "/api/v3/status/")
        self.assertEqual((status, body), (200, b"OK"))
        status, headers, _ = self.stack.request("OPTIONS", "/api/v3/checks/")
        self.assertEqual(status, 204)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        self.assertIn("X-Api-Key", headers.get("Access-Control-Allow-Headers"))

    def test_channels_listed_and_assigned(self):
        project = self.stack.info["project"]
        ids = [str(uuid.uuid4()), str(uuid.uuid4())]
        # Integrations are created by the alerting work; set two up directly.
        self.stack.sql(
            "INSERT INTO channels (id, project_id, name, kind) VALUES "
            f"('{ids[0]}', '{project}', 'Email Alice', 'email'), "
            f"('{ids[1]}', '{project}', 'Ops hook', 'webhook')")
        status, doc = self.stack.api("GET", "/api/v3/channels/", key=self.key)
        self.assertEqual(status, 200, doc)
        listed = {c["id"]: c for c in doc["channels"]}
        self.assertEqual(listed[ids[0]], {"id": ids[0], "name": "Email Alice", "kind": "email"})
        c = self.create(name="with channels", channels="*")
        self.assertEqual(sorted(c["channels"].split(",")), sorted(ids))
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}",
                                     {"channels": "Ops hook"}, key=self.key)
        self.assertEqual((status, doc["channels"]), (200, ids[1]))
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}",
                                     {"channels": ids[0].upper()}, key=self.key)
        self.assertEqual(doc["channels"], ids[0])
        status, doc = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}",
                                     {"channels": "Nobody"}, key=self.key)
        self.assertEqual(status, 400)
        self.assertIn("invalid channel identifier", doc["error"])
        self.assertEqual(self.get(c["uuid"])["channels"], ids[0])  # unchanged
        status, _ = self.stack.api("POST", f"/api/v3/checks/{c['uuid']}",
                                   {"channels": ""}, key=self.key)
        self.assertEqual(self.get(c["uuid"])["channels"], "")
        status, _ = self.stack.api("GET", "/api/v3/channels/", key=self.ro_key)
        self.assertEqual(status, 401)
        self.stack.sql(f"DELETE FROM channels WHERE id IN ('{ids[0]}', '{ids[1]}')")

    def test_prometheus_metrics(self):
        c = self.create(name="metric me", tags="metrics-tag")
        self.stack.ping(f"/{c['uuid']}/fail")
        project = self.stack.info["project"]
        status, headers, body = self.stack.request(
            "GET", f"/projects/{project}/metrics/{self.ro_key}")
        self.assertEqual(status, 200, body)
        text = body.decode()
        self.assertIn("# TYPE hc_check_up gauge", text)
        self.assertIn('hc_check_up{name="metric me", tags="metrics-tag", unique_key="', text)
        self.assertIn('hc_tag_up{tag="metrics-tag"} 0', text)
        self.assertRegex(text, r"hc_checks_total \d+")
        self.assertRegex(text, r"hc_checks_down_total [1-9]\d*")
        # The key selects the project, whatever UUID the path names.
        status, _, body2 = self.stack.request(
            "GET", f"/projects/{uuid.uuid4()}/metrics/", headers={"Authorization": f"Bearer {self.ro_key}"})
        self.assertEqual(status, 200)
        self.assertIn("hc_checks_total", body2.decode())
        status, _, _ = self.stack.request("GET", f"/projects/{project}/metrics/{self.key}")
        self.assertEqual(status, 403)
        status, _, _ = self.stack.request("GET", f"/projects/{project}/metrics/{'x' * 32}")
        self.assertEqual(status, 403)
        status, _, _ = self.stack.request("GET", f"/projects/{project}/metrics/short")
        self.assertEqual(status, 400)
        status, _, _ = self.stack.request("GET", f"/projects/{project}/metrics/")
        self.assertEqual(status, 400)

    def test_rate_limits(self):
        c = self.create(name="flood")
        answers = []
        for _ in range(600):
            status, headers, _ = self.stack.ping("/" + c["uuid"])
            answers.append(status)
            if status == 429:
                self.assertGreaterEqual(int(headers["Retry-After"]), 1)
                break
        self.assertIn(429, answers, "600 quick pings to one check were never limited")
        # A limited ping records nothing.
        self.assertEqual(self.get(c["uuid"])["n_pings"], answers.count(200))
        # Other checks are not affected.
        other = self.create(name="calm")
        self.assertEqual(self.stack.ping("/" + other["uuid"])[0], 200)

        fresh = json.loads(self.stack.ctl("project", "create", "limits"))
        for i in range(3000):
            status, doc = self.stack.api("GET", "/api/v3/checks/", key=fresh["api_key"])
            if status == 429:
                self.assertEqual(doc, {"error": "rate limit exceeded"})
                break
            self.assertEqual(status, 200)
        else:
            self.fail("3000 quick API calls with one key were never limited")
        # Another key is not affected.
        status, _ = self.stack.api("GET", "/api/v3/checks/", key=self.key)
        self.assertEqual(status, 200)

    def test_api_v1_and_v2(self):
        status, c = self.stack.api("POST", "/api/v2/checks/",
                                   {"name": "Nightly Job #2", "slug": "ignored"}, key=self.key)
        self.assertEqual(status, 201, c)
        self.assertEqual(c["slug"], "nightly-job-2")
        self.assertTrue(c["update_url"].endswith("/api/v2/checks/" + c["uuid"]))
        self.stack.ping(f"/{c['uuid']}/start")
        status, v1 = self.stack.api("GET", f"/api/v1/checks/{c['uuid']}", key=self.key)
        self.assertEqual((status, v1["status"]), (200, "started"))
        self.assertNotIn("started", v1)
        self.assertTrue(v1["pause_url"].endswith(f"/api/v1/checks/{c['uuid']}/pause"))
        status, v2 = self.stack.api("GET", f"/api/v2/checks/{c['uuid']}", key=self.key)
        self.assertEqual((v2["status"], v2["started"]), ("new", True))
        status, v1 = self.stack.api("POST", f"/api/v1/checks/{c['uuid']}",
                                    {"name": "Renamed Job"}, key=self.key)
        self.assertEqual((status, v1["slug"]), (200, "renamed-job"))
        status, doc = self.stack.api("GET", "/api/v1/checks/", key=self.key)
        self.assertIn(c["uuid"], [x["uuid"] for x in doc["checks"]])
        status, doc = self.stack.api("GET", f"/api/v2/checks/{c['uuid']}/flips/", key=self.key)
        self.assertEqual(status, 200)
        status, _ = self.stack.api("GET", "/api/v4/checks/", key=self.key)
        self.assertEqual(status, 404)

    def test_badges(self):
        bad = self.create(name="badge down", tags="badgetag")
        self.stack.ping(f"/{bad['uuid']}/fail")
        ok = self.create(name="badge up", tags="badgeok")
        self.stack.ping(f"/{ok['uuid']}")
        status, doc = self.stack.api("GET", "/api/v3/badges/", key=self.ro_key)
        self.assertEqual(status, 200, doc)
        badges = doc["badges"]
        self.assertIn("*", badges)
        self.assertEqual(list(badges["badgetag"].keys()),
                         ["svg", "svg3", "json", "json3", "shields", "shields3"])
        base = self.stack.info["base_url"]
        def fetch(url):
            return self.stack.request("GET", url[len(base):])
        status, headers, body = fetch(badges["badgetag"]["svg"])
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("image/svg+xml"))
        self.assertIn(b"badgetag: down", body)
        status, _, body = fetch(badges["badgeok"]["json3"])
        self.assertEqual(json.loads(body), {"status": "up", "total": 1, "grace": 0, "down": 0})
        status, _, body = fetch(badges["badgeok"]["shields"])
        self.assertEqual(json.loads(body)["color"], "success")
        # A changed tag or signature finds nothing.
        forged = badges["badgeok"]["svg"].replace("badgeok", "badgetag")
        self.assertEqual(fetch(forged)[0], 404)
        # The check's own badge URL works too.
        status, _, body = fetch(bad["badge_url"])
        self.assertEqual(status, 200)
        self.assertIn(b"badge down: down", body)
        self.assertEqual(self.stack.request("GET", f"/b/2/{uuid.uuid4()}.svg")[0], 404)
        status, _ = self.stack.api("GET", "/api/v3/badges/")
        self.assertEqual(status, 401)
        # The all-checks badge: documented URL form, labelled with SITE_NAME.
        self.assertNotIn("/*.", badges["*"]["svg"])
        status, _, body = fetch(badges["*"]["svg"])
        self.assertEqual(status, 200)
        self.assertIn(b"Tocsin: down", body)
        status, _, body = fetch(badges["*"]["json3"])
        self.assertEqual(json.loads(body)["status"], "down")

    def test_check_filters_through_http(self):
        c = self.create(name="post only", methods="POST")
        self.assertEqual(self.stack.ping("/" + c["uuid"])[0:3:2], (200, b"OK"))
        got = self.get(c["uuid"])
        self.assertEqual((got["n_pings"], got["status"]), (1, "new"))  # ignored
        self.stack.ping("/" + c["uuid"], method="POST")
        self.assertEqual(self.get(c["uuid"])["status"], "up")
        status, pings = self.stack.api("GET", f"/api/v3/checks/{c['uuid']}/pings/", key=self.key)
        self.assertEqual([p["type"] for p in pings["pings"]], ["success", "ign"])

        k = self.create(name="keywords", filter_http_body=True,
                        success_kw="BACKUP OK, ALL GOOD", failure_kw="ERROR")
        self.stack.ping("/" + k["uuid"], method="POST", body="... ALL GOOD ...")
        self.assertEqual(self.get(k["uuid"])["status"], "up")
        self.stack.ping("/" + k["uuid"], method="POST", body="ERROR: disk full")
        self.assertEqual(self.get(k["uuid"])["status"], "down")
        self.stack.ping("/" + k["uuid"], method="POST", body="nothing to see")
        self.assertEqual(self.get(k["uuid"])["status"], "down")  # ignored
        self.stack.ping(f"/{k['uuid']}/log", method="POST", body="BACKUP OK")
        self.assertEqual(self.get(k["uuid"])["status"], "down")  # log never changes status
        status, pings = self.stack.api("GET", f"/api/v3/checks/{k['uuid']}/pings/", key=self.key)
        self.assertEqual([p["type"] for p in pings["pings"]], ["log", "ign", "fail", "success"])

    def test_edge_headers_and_json_access_log(self):
        for path in ("/api/v3/checks/", "/no/such/page"):
            status, headers, _ = self.stack.request(
                "GET", path, headers={"X-Api-Key": self.key})
            self.assertIn(status, (200, 404))
            self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff", path)
            self.assertEqual(headers.get("X-Frame-Options"), "DENY", path)
            self.assertIn("frame-ancestors 'none'", headers.get("Content-Security-Policy", ""))
            self.assertIn("Referrer-Policy", headers)
        # Big JSON answers are compressed for clients that ask.
        status, headers, _ = self.stack.request(
            "GET", "/api/v3/checks/", headers={"X-Api-Key": self.key,
                                                "Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        log = os.path.join(self.stack.state, "logs", "nginx-access.log")
        with open(log) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        self.assertTrue(any(l["uri"] == "/no/such/page" and l["status"] == 404
                            for l in lines))

    def test_webhooks_to_private_addresses_are_refused_by_default(self):
        # This stack runs with INTEGRATIONS_ALLOW_PRIVATE_IPS unset (False).
        receiver = HttpReceiver(18227)
        try:
            p = self.stack.new_project("ssrf")
            key = p["api_key"]
            for url in (receiver.base + "/direct", "http://localhost:18227/named"):
                status, doc = self.stack.api("POST", "/api/v3/channels/", {
                    "kind": "webhook", "url_down": url}, key=key)
                self.assertEqual(status, 201, doc)
            status, doc = self.stack.api("POST", "/api/v3/checks/",
                                         {"name": "ssrf", "channels": "*"}, key=key)
            uuid = doc["ping_url"].rsplit("/", 1)[1]
            self.stack.ping(f"/{uuid}/fail")

            def finished():
                status, doc = self.stack.api(
                    "GET", f"/api/v3/checks/{uuid}/notifications/", key=key)
                ns = doc["notifications"]
                return ns if len(ns) == 2 and all(
                    n["state"] == "failed" for n in ns) else None
            ns = wait_until(finished, 20, 0.2)
            self.assertIsNotNone(ns)
            for n in ns:
                self.assertEqual(len(n["log"]), 1)  # Not retried.
                self.assertIn("refused", n["log"][0]["detail"])
                self.assertIn("INTEGRATIONS_ALLOW_PRIVATE_IPS", n["log"][0]["detail"])
            self.assertEqual(receiver.requests, [])
        finally:
            receiver.close()

    def test_zz_data_warns_at_start_when_postgres_is_small_for_its_checks(self):
        # 96MB of buffers serve about 9,800 checks at 10 KB each, 512MB of
        # WAL about 6,500 at 80 KB (deploy/README.md).
        def warnings(what="shared_buffers are small"):
            return [l for l in self.data_log() if what in l["msg"]]

        self.assertEqual(warnings(), [])  # Started with a few checks.
        self.assertEqual(warnings("max_wal_size is small"), [])
        project = self.stack.info["project"]
        self.stack.sql(
            "INSERT INTO checks (id, project_id, unique_key, badge_key, name, tags) "
            f"SELECT gen_random_uuid(), '{project}', md5(i::text || 'many'), "
            "gen_random_uuid(), 'many ' || i, 'many' FROM generate_series(1, 10000) i; "
            "ANALYZE checks")
        try:
            pid = self.stack.pid("data")
            os.kill(pid, signal.SIGTERM)
            self.assertTrue(wait_until(lambda: not os.path.exists(f"/proc/{pid}"),
                                       timeout=15), "data did not stop")
            self.stack.start()
            got = warnings()
            self.assertEqual(len(got), 1, got)
            self.assertEqual(got[0]["level"], "warning")
            self.assertEqual(got[0]["shared_buffers_mb"], 96)
            self.assertGreaterEqual(got[0]["checks"], 10000)
            self.assertGreaterEqual(got[0]["suggested_shared_buffers_mb"], 98)
            self.assertIn("deploy/README.md", got[0]["msg"])
            got = warnings("max_wal_size is small")
            self.assertEqual(len(got), 1, got)
            self.assertEqual(got[0]["max_wal_size_mb"], 512)
            self.assertGreaterEqual(got[0]["checks"], 10000)
            self.assertEqual(got[0]["suggested_max_wal_size_mb"], 1024)
        finally:
            self.stack.sql("DELETE FROM checks WHERE tags = 'many'; ANALYZE checks")
        c = self.create(name="after the warning")
        self.assertEqual(self.stack.ping("/" + c["uuid"])[0], 200)

    def test_zz_restart_one_service_and_keep_data(self):
        c = self.create(name="survivor")
        os.kill(self.stack.pid("gateway"), signal.SIGTERM)
        wait_until(lambda: self.stack.run("status", check=False).returncode != 0, timeout=15)
        self.assertNotEqual(self.stack.run("status", check=False).returncode, 0)
        data_pid = self.stack.pid("data")
        out = self.stack.start()
        self.assertIn("data: already running", out.stderr)
        self.assertIn("gateway: starting", out.stderr)
        self.assertEqual(self.stack.pid("data"), data_pid)
        self.assertEqual(self.stack.ping("/" + c["uuid"])[0], 200)
        # A full stop and start keeps the data and the keys.
        def stopped_lines():
            return [l for l in self.data_log() if l["msg"] == "stopped"]

        stopped_before = len(stopped_lines())
        info = dict(self.stack.info)
        self.assertEqual(self.stack.stop().returncode, 0)
        self.assertNotEqual(self.stack.run("status", check=False).returncode, 0)
        self.stack.start()
        self.assertEqual(self.stack.info["api_key"], info["api_key"])
        self.assertEqual(self.get(c["uuid"])["n_pings"], 1)
        self.assertEqual(len(stopped_lines()), stopped_before + 1)


if __name__ == "__main__":
    unittest.main()
