"""Pings under faults: while clients ping, tocsin-data is killed (SIGKILL)
and started again, then PostgreSQL restarts. Every ping answered OK must be
in the database, no request may hang past its deadline, and the stack must
recover by itself."""
import http.client
import os
import signal
import subprocess
import threading
import time
import unittest

from stack import Stack, wait_until

PORTS = {"TOCSIN_HTTP_PORT": "18400", "TOCSIN_GATEWAY_PORT": "18481",
         "TOCSIN_DATA_PORT": "18451", "TOCSIN_SCHEDULER_PORT": "18452",
         "TOCSIN_PG_PORT": "18833", "TOCSIN_GATEWAY_METRICS_PORT": "19481",
         "TOCSIN_DATA_METRICS_PORT": "19451",
         "TOCSIN_SCHEDULER_METRICS_PORT": "19452"}
ENV = {"TOCSIN_RATE_LIMITS": "off", "TOCSIN_RPC_DEADLINE": "2s",
       "TOCSIN_NGINX_ACCESS_LOG": "off"}

CLIENTS = 8
SECONDS = 8.0


class PingFaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(ports=PORTS, env=ENV)
        cls.stack.start()

    @classmethod
    def tearDownClass(cls):
        cls.stack.destroy()

    def pgdata(self):
        # The stack keeps PostgreSQL's files next to its log.
        log = os.path.realpath(os.path.join(self.stack.state, "logs", "postgres.log"))
        return os.path.join(os.path.dirname(log), "pg")

    def restart_postgres(self):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                text=True).stdout.strip() or "/usr/lib/postgresql/15/bin"
        if not os.path.exists(os.path.join(bindir, "pg_ctl")):
            bindir = "/usr/lib/postgresql/15/bin"
        log = os.path.join(os.path.dirname(self.pgdata()), "postgres.log")
        cmd = [os.path.join(bindir, "pg_ctl"), "-D", self.pgdata(), "-l", log,
               "restart", "-m", "fast", "-w", "-t", "60"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        # No pipes: the new server would hold them open.
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=90)

    def test_acknowledged_pings_survive_crashes_and_restarts(self):
        key = self.stack.info["api_key"]
        uuids = []
        for i in range(CLIENTS):
            status, doc = self.stack.api("POST", "/api/v3/checks/",
                                         {"name": "fault %d" % i}, key=key)
            self.assertEqual(status, 201, doc)
            uuids.append(doc["ping_url"].rsplit("/", 1)[1])
        port = int(PORTS["TOCSIN_HTTP_PORT"])
        stop = time.monotonic() + SECONDS
        ok = [0] * CLIENTS
        sent = [0] * CLIENTS
        codes = {}
        slowest = [0.0]
        lock = threading.Lock()

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop:
                started = time.monotonic()
                sent[i] += 1
                try:
                    conn.request("GET", "/ping/" + uuids[i])
                    resp = conn.getresponse()
                    body = resp.read()
                    code = resp.status
                except (OSError, http.client.HTTPException) as e:
                    code = "conn: " + type(e).__name__
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                took = time.monotonic() - started
                with lock:
                    codes[code] = codes.get(code, 0) + 1
                    slowest[0] = max(slowest[0], took)
                if code == 200 and body == b"OK":
                    ok[i] += 1
                elif code != 200:
                    time.sleep(0.02)  # Retry-After is 1 s; keep the load on.

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        os.kill(self.stack.pid("data"), signal.SIGKILL)
        time.sleep(1.0)
        self.stack.start()  # Starts only what is down: tocsin-data.
        time.sleep(1.0)
        self.restart_postgres()
        for t in threads:
            t.join()
        print("\nanswers:", codes, "slowest %.2f s" % slowest[0])

        # While data or PostgreSQL was away the gateway said so (503), and no
        # request waited much past the 2 s deadline.
        self.assertGreater(codes.get(503, 0) + codes.get(429, 0), 0, codes)
        self.assertLess(slowest[0], 6.0)
        self.assertEqual(set(codes) - {200, 503, 429}, set(), codes)

        # Everything answered OK is stored; nothing beyond what was sent.
        for i, u in enumerate(uuids):
            n = int(self.stack.sql("SELECT n_pings FROM checks WHERE id = '%s'" % u))
            self.assertGreaterEqual(n, ok[i], (u, n, ok[i], sent[i]))
            self.assertLessEqual(n, sent[i], (u, n, ok[i], sent[i]))

        # And it recovered by itself.
        def pings_ok():
            status, _, body = self.stack.request(
                "GET", "/" + uuids[0], base=self.stack.info["ping_base"])
            return status == 200
        self.assertTrue(wait_until(pings_ok, 10, 0.2))


if __name__ == "__main__":
    unittest.main()
