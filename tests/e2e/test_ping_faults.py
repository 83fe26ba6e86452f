"""Pings under faults: while clients ping, tocsin-data is killed (SIGKILL)
and started again, then PostgreSQL restarts; PostgreSQL crashes (a backend
killed, then an immediate stop); and gateway and data are
stopped with SIGTERM (graceful shutdown). Every ping answered OK must be in
the database, no request may hang past its deadline or be cut off, and the
stack must recover by itself."""
import http.client
import os
import re
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
       "TOCSIN_NGINX_ACCESS_LOG": "off",
       # Room for about ten pings with 100 KB bodies (bodiless pings take
       # about 100 bytes: the count bound, 5,000, comes first for them).
       "PING_BODY_LIMIT": "100000", "TOCSIN_GATEWAY_MAX_PENDING_PING_BYTES": "1048576"}

CLIENTS = 8
SECONDS = 8.0


class LoadTestCase(unittest.TestCase):
    """Pings under load, and what to check afterwards; each subclass starts
    its own stack in setUpClass."""
    stack = None

    @classmethod
    def tearDownClass(cls):
        if cls.stack:
            cls.stack.destroy()

    def pgdata(self):
        # The stack keeps PostgreSQL's files next to its log.
        log = os.path.realpath(os.path.join(self.stack.state, "logs", "postgres.log"))
        return os.path.join(os.path.dirname(log), "pg")

    def pglog(self):
        return os.path.join(os.path.dirname(self.pgdata()), "postgres.log")

    def restart_postgres(self, mode="fast"):
        """pg_ctl restart; mode "immediate" is a crash: no shutdown
        checkpoint, connections cut mid-transaction, recovery from the WAL
        at start."""
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                text=True).stdout.strip() or "/usr/lib/postgresql/15/bin"
        if not os.path.exists(os.path.join(bindir, "pg_ctl")):
            bindir = "/usr/lib/postgresql/15/bin"
        cmd = [os.path.join(bindir, "pg_ctl"), "-D", self.pgdata(), "-l", self.pglog(),
               "restart", "-m", mode, "-w", "-t", "60"]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        # No pipes: the new server would hold them open.
        subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=90)

    def make_checks(self, label):
        key = self.stack.info["api_key"]
        uuids = []
        for i in range(CLIENTS):
            status, doc = self.stack.api("POST", "/api/v3/checks/",
                                         {"name": "%s %d" % (label, i)}, key=key)
            self.assertEqual(status, 201, doc)
            uuids.append(doc["ping_url"].rsplit("/", 1)[1])
        return uuids

    def load(self, port, uuids, during):
        """CLIENTS clients ping over keep-alive connections for SECONDS while
        `during()` runs. Returns per-client OKs and requests sent, answers
        by outcome, the slowest request, and when each OK came (monotonic
        clock). Outcomes: HTTP statuses; "refused" (no connection: the
        request was never sent); "idle-closed" (a kept-alive connection
        the server had closed while idle: HTTP clients retry those, and so
        do these); "cut" (a fresh connection failed after the request was
        sent: reset or closed with no answer)."""
        stop = time.monotonic() + SECONDS
        ok = [0] * CLIENTS
        sent = [0] * CLIENTS
        codes = {}
        slowest = [0.0]
        ok_times = []
        lock = threading.Lock()

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            reused = False  # A request was answered on this connection.
            while time.monotonic() < stop:
                started = time.monotonic()
                body, code = b"", None
                if conn.sock is None:
                    reused = False
                    try:
                        conn.connect()
                    except ConnectionRefusedError:
                        code = "refused"
                    except OSError as e:
                        code = "connect: " + type(e).__name__
                if code is None:
                    sent[i] += 1
                    try:
                        conn.request("GET", "/ping/" + uuids[i])
                        resp = conn.getresponse()
                        body = resp.read()
                        code = resp.status
                        reused = not resp.will_close
                    except (OSError, http.client.HTTPException) as e:
                        code = "idle-closed" if reused else "cut: " + type(e).__name__
                        conn.close()
                took = time.monotonic() - started
                with lock:
                    codes[code] = codes.get(code, 0) + 1
                    slowest[0] = max(slowest[0], took)
                    if code == 200 and body == b"OK":
                        ok_times.append(time.monotonic())
                if code == 200 and body == b"OK":
                    ok[i] += 1
                elif code not in (200, "idle-closed"):
                    time.sleep(0.02)  # Retry-After is 1 s; keep the load on.
            conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        try:
            during()
        finally:
            for t in threads:
                t.join()
        print("\nanswers:", codes, "slowest %.2f s" % slowest[0])
        return ok, sent, codes, slowest[0], ok_times

    def assert_stored(self, uuids, ok, sent):
        """Everything answered OK is stored; nothing beyond what was sent."""
        for i, u in enumerate(uuids):
            n = int(self.stack.sql("SELECT n_pings FROM checks WHERE id = '%s'" % u))
            self.assertGreaterEqual(n, ok[i], (u, n, ok[i], sent[i]))
            self.assertLessEqual(n, sent[i], (u, n, ok[i], sent[i]))

    @staticmethod
    def timed_ping(port, uuid, body=None):
        """One ping through nginx on a connection of its own: ((status, or
        the exception's name; Retry-After), seconds taken)."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.monotonic()
        try:
            conn.request("POST" if body else "GET", "/ping/" + uuid, body=body)
            resp = conn.getresponse()
            resp.read()
            outcome = (resp.status, resp.getheader("Retry-After"))
        except (OSError, http.client.HTTPException) as e:
            outcome = (type(e).__name__, None)
        finally:
            conn.close()
        return outcome, time.monotonic() - started

    def pings_while_data_hangs(self, uuid, count, spacing, hang=None, body=None):
        """`count` pings through nginx, `spacing` seconds apart, each on a
        connection of its own, with tocsin-data stopped (SIGSTOP) until they
        are all answered or, with `hang`, for that many seconds. Returns
        ((status, Retry-After), seconds taken) for each."""
        port = int(PORTS["TOCSIN_HTTP_PORT"])
        results = []
        lock = threading.Lock()

        def ping(delay):
            time.sleep(delay)
            result = self.timed_ping(port, uuid, body)
            with lock:
                results.append(result)

        data = self.stack.pid("data")
        threads = [threading.Thread(target=ping, args=(spacing * i,)) for i in range(count)]
        os.kill(data, signal.SIGSTOP)
        try:
            for t in threads:
                t.start()
            if hang is None:
                for t in threads:
                    t.join()
            else:
                time.sleep(hang)
        finally:
            os.kill(data, signal.SIGCONT)
        for t in threads:
            t.join()
        return sorted(results, key=lambda r: r[1])

    def gateway_pings_counter(self, name):
        """A tocsin_pings_<name>_total{where="gateway"} counter's value now."""
        m = re.search(rf'^tocsin_pings_{name}_total\{{where="gateway"\}} (\d+)',
                      self.stack.metrics("gateway"), re.M)
        return int(m.group(1)) if m else 0

    def assert_recovers(self, uuid):
        def pings_ok():
            status, _, _ = self.stack.request(
                "GET", "/" + uuid, base=self.stack.info["ping_base"])
            return status == 200
        self.assertTrue(wait_until(pings_ok, 10, 0.2))

    @staticmethod
    def ok_rate(ok_times, start, end):
        """OKs per second that came in [start, end) (monotonic clock)."""
        return sum(1 for x in ok_times if start <= x < end) / (end - start)

    def wait_exit(self, pid, timeout):
        def gone():
            try:
                os.kill(pid, 0)
                return False
            except ProcessLookupError:
                return True
        return wait_until(gone, timeout, 0.05)


class PingFaultTest(LoadTestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(ports=PORTS, env=ENV)
        cls.stack.start()

    def test_acknowledged_pings_survive_crashes_and_restarts(self):
        uuids = self.make_checks("fault")

        def faults():
            time.sleep(1.5)
            os.kill(self.stack.pid("data"), signal.SIGKILL)
            time.sleep(1.0)
            self.stack.start()  # Starts only what is down: tocsin-data.
            time.sleep(1.0)
            self.restart_postgres()

        ok, sent, codes, slowest, _ = self.load(int(PORTS["TOCSIN_HTTP_PORT"]), uuids,
                                                faults)
        # While data or PostgreSQL was away the gateway said so (503), and no
        # request waited much past the 2 s deadline.
        self.assertGreater(codes.get(503, 0) + codes.get(429, 0), 0, codes)
        self.assertLess(slowest, 6.0)
        self.assertEqual(set(codes) - {200, 503, 429}, set(), codes)
        self.assert_stored(uuids, ok, sent)
        self.assert_recovers(uuids[0])

    def test_acknowledged_pings_survive_postgres_crashes(self):
        # Two ways PostgreSQL crashes under load: one backend killed (as by
        # the OOM killer: the server ends every connection and recovers by
        # itself, nobody restarts it), then the whole server stopped at once
        # and started (as after a power cut). Commits in flight at the crash
        # are of unknown outcome to data: those pings must not be answered
        # OK, and may or may not be stored.
        uuids = self.make_checks("crash")

        def backend_of_data():
            return int(self.stack.sql(
                "SELECT pid FROM pg_stat_activity WHERE usename = 'tocsin' "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND application_name NOT LIKE 'psql%' ORDER BY pid LIMIT 1"))

        def faults():
            time.sleep(1.5)
            os.kill(backend_of_data(), signal.SIGKILL)
            time.sleep(2.5)
            self.restart_postgres("immediate")

        ok, sent, codes, slowest, _ = self.load(int(PORTS["TOCSIN_HTTP_PORT"]), uuids,
                                                faults)
        self.assertGreater(codes.get(503, 0) + codes.get(429, 0), 0, codes)
        self.assertLess(slowest, 6.0)
        self.assertEqual(set(codes) - {200, 503, 429}, set(), codes)
        self.assertGreater(sum(ok), 0)
        self.assert_stored(uuids, ok, sent)
        self.assert_recovers(uuids[0])
        # Both crashes are in PostgreSQL's log: the test did what it says.
        with open(self.pglog(), errors="replace") as f:
            text = f.read()
        self.assertIn("was terminated by signal 9", text)
        self.assertIn("received immediate shutdown request", text)

    def test_hung_data_pings_wait_no_longer_than_their_deadline(self):
        # tocsin-data hangs (SIGSTOP): two calls get stuck, and the pings
        # that come meanwhile queue behind them in the gateway. A ping's
        # deadline (2 s here) counts from its arrival, so none of them waits
        # for the stuck calls and then a whole deadline more (about 4 s).
        uuid = self.make_checks("deadline")[0]
        expired_before = self.gateway_pings_counter("expired")
        results = self.pings_while_data_hangs(uuid, 16, 0.03)
        print("\nanswers while data hung:", results)
        self.assertEqual(len(results), 16)
        for (status, _), took in results:
            self.assertIn(status, (503, 504), results)
            # Before, the queued ones waited for the stuck calls and were
            # sent again, until keep-alive closed the connection (2.2-2.6 s).
            self.assertLess(took, 2.4, results)
        # Those left with too little of their time were not sent at all.
        self.assertGreater(self.gateway_pings_counter("expired"), expired_before)
        self.assert_recovers(uuid)

    def test_pending_ping_bytes_are_bounded(self):
        # While tocsin-data hangs, pings with large bodies pile up in the
        # gateway: beyond TOCSIN_GATEWAY_MAX_PENDING_PING_BYTES (1 MiB here)
        # the rest are refused at once with 429 and Retry-After, long before
        # the count bound (5,000) would; those kept are answered once data is
        # back.
        uuid = self.make_checks("bytes")[0]
        rejected_before = self.gateway_pings_counter("rejected")
        results = self.pings_while_data_hangs(uuid, 30, 0.01, hang=1.0, body=b"b" * 100_000)
        print("\nanswers with 100 KB bodies while data hung:", results)
        self.assertEqual(len(results), 30)
        refused = [took for (status, retry), took in results if status == 429]
        for (status, retry), took in results:
            if status == 429:
                self.assertEqual(retry, "1", results)
        self.assertLess(max(refused, default=0), 1.0, results)
        kept = len(results) - len(refused)
        # Those kept waited for data and were recorded once it was back.
        self.assertTrue(all(status == 200 for (status, _), _ in results if status != 429),
                        results)
        self.assertGreaterEqual(kept, 5, results)
        self.assertLessEqual(kept, 11, results)
        self.assertEqual(self.gateway_pings_counter("rejected") - rejected_before, len(refused))
        self.assert_recovers(uuid)

    def test_sigterm_drains_gateway_and_data_under_load(self):
        # The gateway, straight (nginx would hide a cut-off behind a 502):
        # after SIGTERM every request it had, or that was on its way, is
        # answered (with Connection: close), then connections are refused.
        uuids = self.make_checks("drain")
        gateway = self.stack.pid("gateway")
        exited = []

        def stop_gateway():
            time.sleep(1.5)
            os.kill(gateway, signal.SIGTERM)
            exited.append(self.wait_exit(gateway, 15))

        ok, sent, codes, _, _ = self.load(int(PORTS["TOCSIN_GATEWAY_PORT"]), uuids,
                                          stop_gateway)
        self.assertEqual(exited, [True], "the gateway did not stop in 15 s")
        self.assertGreater(codes.get(200, 0), 0, codes)
        self.assertGreater(codes.get("refused", 0), 0, codes)  # It did stop.
        self.assertEqual(set(codes) - {200, "refused", "idle-closed"}, set(), codes)
        # Exactly the pings answered OK are stored: no request the gateway
        # took was left unanswered (an idle connection it closed carried
        # none).
        for i, u in enumerate(uuids):
            n = int(self.stack.sql("SELECT n_pings FROM checks WHERE id = '%s'" % u))
            self.assertEqual(n, ok[i], (u, n, ok[i], sent[i], codes))
        self.stack.start()  # The gateway again.

        # The data service, through nginx: what it had is committed and
        # answered; while it is away the gateway answers 503 at once.
        uuids = self.make_checks("drain-data")
        data = self.stack.pid("data")

        def stop_data():
            time.sleep(1.5)
            os.kill(data, signal.SIGTERM)
            exited.append(self.wait_exit(data, 15))
            self.stack.start()

        ok, sent, codes, slowest, _ = self.load(int(PORTS["TOCSIN_HTTP_PORT"]), uuids,
                                                stop_data)
        self.assertEqual(exited, [True, True], "tocsin-data did not stop in 15 s")
        self.assertEqual(set(codes) - {200, 503, 429}, set(), codes)
        self.assertLess(slowest, 6.0)
        self.assert_stored(uuids, ok, sent)
        self.assert_recovers(uuids[0])


class TwoDataReplicasTest(LoadTestCase):
    """The gateway balances over two tocsin-data replicas. One hangs
    (SIGSTOP) under load for a while, then one is killed (SIGKILL) and stays
    down: no acknowledged ping is lost, and the other takes the load."""
    PORTS = {"TOCSIN_HTTP_PORT": "18401", "TOCSIN_GATEWAY_PORT": "18482",
             "TOCSIN_DATA_PORT": "18453", "TOCSIN_SCHEDULER_PORT": "18454",
             "TOCSIN_PG_PORT": "18834", "TOCSIN_GATEWAY_METRICS_PORT": "19482",
             "TOCSIN_DATA_METRICS_PORT": "19453",
             "TOCSIN_SCHEDULER_METRICS_PORT": "19454"}

    @classmethod
    def setUpClass(cls):
        cls.stack = Stack(ports=cls.PORTS, env=dict(ENV, TOCSIN_DATA_REPLICAS="2"))
        cls.stack.start()

    def test_a_lone_ping_does_not_wait_for_a_slow_call(self):
        # A call waits on a replica (its check's row is locked). A ping that
        # comes just after it is held back for a larger batch, and with no
        # more traffic to send it, the gateway's timer does after 10 ms: the
        # call goes to the other replica and is answered at once, not when
        # the slow call ends.
        slow, other = self.make_checks("lone")[:2]
        port = int(self.PORTS["TOCSIN_HTTP_PORT"])

        def ping(uuid):
            (status, _), took = self.timed_ping(port, uuid)
            return status, took

        for uuid in (slow, other, slow, other):  # Both replicas in use.
            self.assertEqual(ping(uuid)[0], 200)
        locker = threading.Thread(target=self.stack.sql, args=(
            "BEGIN; SELECT 1 FROM checks WHERE id = '%s' FOR UPDATE; "
            "SELECT pg_sleep(1.5); COMMIT;" % slow,))
        locker.start()
        time.sleep(0.3)
        held = []
        first = threading.Thread(target=lambda: held.append(ping(slow)))
        first.start()
        time.sleep(0.003)
        status, took = ping(other)
        first.join()
        locker.join()
        print("\nthe ping behind the slow call: %d in %.3f s; the slow one: %s"
              % (status, took, held))
        self.assertEqual(status, 200)
        self.assertLess(took, 0.6)
        self.assertEqual(held[0][0], 200)  # Once the lock went.
        self.assertGreater(held[0][1], 0.8)

    def test_killing_one_replica_loses_nothing_and_the_other_takes_the_load(self):
        uuids = self.make_checks("replicas")
        killed = []

        def kill_one():
            time.sleep(2.0)
            killed.append(time.monotonic())
            os.kill(self.stack.pid("data2"), signal.SIGKILL)

        ok, sent, codes, slowest, ok_times = self.load(
            int(self.PORTS["TOCSIN_HTTP_PORT"]), uuids, kill_one)
        self.assertEqual(set(codes) - {200, 503, 429}, set(), codes)
        self.assertLess(slowest, 6.0)
        self.assert_stored(uuids, ok, sent)
        # Both replicas had work before the kill; afterwards the survivor
        # answers at a rate like the one before (from a second after it).
        t = killed[0]
        before = self.ok_rate(ok_times, t - 1.5, t)
        after = self.ok_rate(ok_times, t + 1.0, t + SECONDS - 3.5)
        print("OK/s before the kill %.0f, after %.0f" % (before, after))
        self.assertGreater(after, 0.3 * before, (before, after, codes))
        with open(os.path.join(self.stack.state, "logs", "data2.log")) as f:
            self.assertIn("serving", f.read())

    def test_a_hung_replica_holds_up_few_pings_and_the_other_takes_the_load(self):
        # SIGSTOP: the process hangs with its connections open (as in a
        # long stall of its disk or host), so nothing fails fast.
        uuids = self.make_checks("hung")
        stopped = []

        def hang_one():
            time.sleep(2.0)
            stopped.append(time.monotonic())
            os.kill(self.stack.pid("data2"), signal.SIGSTOP)
            time.sleep(SECONDS - 2.5)
            os.kill(self.stack.pid("data2"), signal.SIGCONT)

        try:
            ok, sent, codes, slowest, ok_times = self.load(
                int(self.PORTS["TOCSIN_HTTP_PORT"]), uuids, hang_one)
        finally:
            os.kill(self.stack.pid("data2"), signal.SIGCONT)
        # 504: a ping whose call hung until the deadline (not acknowledged).
        self.assertEqual(set(codes) - {200, 503, 504, 429}, set(), codes)
        self.assert_stored(uuids, ok, sent)
        t = stopped[0]
        before = self.ok_rate(ok_times, t - 1.5, t)
        # Keep-alive finds the hung connection in about 2.5 s (MakeChannel)
        # and the other replica takes the load; without it nothing flows
        # until the process runs again (SIGCONT at t + 5.5 s).
        after = self.ok_rate(ok_times, t + 4.0, t + 5.5)
        # For the log: the first quarter second with a third of the rate.
        first = next((w / 4 for w in range(22) if self.ok_rate(
            ok_times, t + w / 4, t + (w + 1) / 4) >= before / 3), None)
        print("OK/s before the hang %.0f, 4-5.5 s after it %.0f; a third of "
              "the rate again after %s s" % (before, after, first))
        self.assertGreater(after, 0.3 * before, (before, after, codes))
        self.assertLess(slowest, 4.0, codes)
        self.assert_recovers(uuids[0])


if __name__ == "__main__":
    unittest.main()
