"""Alerting end to end: a real stack (nginx, gateway, data, scheduler,
PostgreSQL) delivering to a webhook receiver and an SMTP sink on loopback.

Deadlines are moved with SQL (checks' minimum timeout and grace are a
minute), which is test data set-up; everything after it is the product.
Methods run in name order: the outage test stops the whole stack, so it
comes last.
"""
import email
import email.policy
import json
import os
import signal
import tempfile
import time
import unittest
import urllib.parse

from receivers import HttpReceiver, SmtpSink
from stack import Stack, wait_until

HTTP_PORT = 18226
SMTP_PORT = 18225

ALERT_ENV = {
    "INTEGRATIONS_ALLOW_PRIVATE_IPS": "True",
    "EMAIL_HOST": "127.0.0.1",
    "EMAIL_PORT": str(SMTP_PORT),
    "EMAIL_USE_TLS": "False",
    "DEFAULT_FROM_EMAIL": "alerts@tocsin.test",
    "TOCSIN_ALERT_POLL": "200ms",
    "TOCSIN_ALERT_RETRY_BASE": "300ms",
    "TOCSIN_ALERT_RETRY_MAX": "1s",
    "TOCSIN_ALERT_MAX_ATTEMPTS": "4",
    "TOCSIN_ALERT_LEASE": "5s",
    "TOCSIN_ALERT_HTTP_TIMEOUT": "2s",
    "TOCSIN_ALERT_SMTP_TIMEOUT": "2s",
    "TOCSIN_HEARTBEAT_EVERY": "500ms",
    "TOCSIN_OUTAGE_THRESHOLD": "3s",
    "TOCSIN_DEADLINE_WATCH": "200ms",
    "TOCSIN_REPORTS_EVERY": "1s",
}

PORTS = {"TOCSIN_HTTP_PORT": "18200", "TOCSIN_GATEWAY_PORT": "18281",
         "TOCSIN_DATA_PORT": "18251", "TOCSIN_SCHEDULER_PORT": "18252",
         "TOCSIN_PG_PORT": "18633", "TOCSIN_GATEWAY_METRICS_PORT": "19281",
         "TOCSIN_DATA_METRICS_PORT": "19251",
         "TOCSIN_SCHEDULER_METRICS_PORT": "19252"}


class AlertTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.http = HttpReceiver(HTTP_PORT)
        cls.smtp = SmtpSink(SMTP_PORT)
        cls.stack = Stack(ports=PORTS, env=ALERT_ENV)
        cls.stack.start()
        cls.replicas = []

    @classmethod
    def tearDownClass(cls):
        for p in cls.replicas:
            if p.poll() is None:
                p.kill()
                p.wait()
        cls.stack.destroy()
        cls.http.close()
        cls.smtp.close()

    # ---- helpers ------------------------------------------------------------

    def api(self, method, path, payload=None, key=None):
        return self.stack.api(method, path, payload, key=key)

    def channel(self, key, **fields):
        status, doc = self.api("POST", "/api/v3/channels/", fields, key)
        self.assertEqual(status, 201, doc)
        return doc["id"]

    def check(self, key, **fields):
        fields.setdefault("channels", "*")
        status, doc = self.api("POST", "/api/v3/checks/", fields, key)
        self.assertEqual(status, 201, doc)
        return doc["ping_url"].rsplit("/", 1)[1]

    def make_overdue(self, uuids, grace_s=None, due_in=1):
        """Moves the checks' deadline to `due_in` seconds from now (as if
        their last ping was a period plus a grace ago)."""
        ids = ",".join("'%s'" % u for u in uuids)
        grace = "grace_s" if grace_s is None else str(grace_s)
        self.stack.sql(
            "UPDATE checks SET grace_s = %s, last_ping = now() - "
            "(timeout_s + %s - %d) * interval '1 second', alert_after = now() + "
            "%d * interval '1 second', alert_floor = now() + "
            "%d * interval '1 second' WHERE id IN (%s)"
            % (grace, grace, due_in, due_in, due_in, ids))

    def notifications(self, key, uuid):
        status, doc = self.api("GET", "/api/v3/checks/%s/notifications/" % uuid,
                               key=key)
        self.assertEqual(status, 200, doc)
        return doc["notifications"]

    def settled(self, key, uuid, count):
        """Waits until `count` notifications of the check are finished."""
        def done():
            ns = self.notifications(key, uuid)
            return ns if len(ns) == count and all(
                n["state"] != "pending" for n in ns) else None
        ns = wait_until(done, 30, 0.2)
        self.assertIsNotNone(ns, self.notifications(key, uuid))
        return ns

    # ---- tests ----------------------------------------------------------------

    def test_1_channels_api(self):
        p = self.stack.new_project("channels")
        key, ro = p["api_key"], p["api_key_readonly"]
        status, doc = self.api("POST", "/api/v3/channels/", {
            "name": "ops hook", "kind": "webhook",
            "url_down": self.http.base + "/c1"}, key)
        self.assertEqual(status, 201, doc)
        self.assertEqual(set(doc), {"id", "name", "kind"})
        self.assertEqual((doc["name"], doc["kind"]), ("ops hook", "webhook"))
        cid = doc["id"]
        status, doc = self.api("GET", "/api/v3/channels/", key=key)
        self.assertEqual(doc["channels"], [{"id": cid, "name": "ops hook",
                                            "kind": "webhook"}])
        status, doc = self.api("POST", "/api/v3/channels/" + cid, {
            "name": "renamed", "url_up": self.http.base + "/c1up"}, key)
        self.assertEqual((status, doc["name"]), (200, "renamed"), doc)

        # Bad input: clear 4xx, nothing written.
        bad = [
            {"kind": "carrier-pigeon", "url": "https://x.test/"},
            {"kind": "webhook", "url_down": "https://x.test/", "colour": "red"},
            {"kind": "webhook", "url_down": "ftp://x.test/"},
            {"kind": "webhook"},
            {"kind": "slack"},
            {"kind": 7},
            {"name": "no kind"},
            {"kind": "webhook", "url_down": "https://x.test/",
             "headers_down": {"X-A": "1\r\nX-Injected: 1"}},
        ]
        for body in bad:
            status, doc = self.api("POST", "/api/v3/channels/", body, key)
            self.assertEqual(status, 400, (body, doc))
            self.assertIn("error", doc)
        status, _, _ = self.stack.request("POST", "/api/v3/channels/", "{not json",
                                          {"X-Api-Key": key})
        self.assertEqual(status, 400)
        status, doc = self.api("POST", "/api/v3/channels/", {
            "kind": "webhook", "url_down": "https://x.test/"}, ro)
        self.assertEqual(status, 401, doc)
        status, doc = self.api("POST", "/api/v3/channels/" + cid, {
            "kind": "slack"}, key)
        self.assertEqual(status, 400, doc)
        other = self.stack.new_project("other")
        status, doc = self.api("DELETE", "/api/v3/channels/" + cid,
                               key=other["api_key"])
        self.assertEqual(status, 404, doc)
        status, doc = self.api("GET", "/api/v3/channels/", key=key)
        self.assertEqual(len(doc["channels"]), 1)

        # A check names channels by name; deleting the channel unassigns it.
        status, doc = self.api("POST", "/api/v3/checks/",
                               {"name": "c", "channels": "renamed"}, key)
        self.assertEqual(status, 201, doc)
        status, doc = self.api("DELETE", "/api/v3/channels/" + cid, key=key)
        self.assertEqual((status, doc["id"]), (200, cid))
        status, doc = self.api("DELETE", "/api/v3/channels/" + cid, key=key)
        self.assertEqual(status, 404)

        # tocsinctl reads settings from a file, never the command line.
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"url": "https://chat.example.test/hooks/abc"}, f)
        try:
            out = self.stack.ctl("channel", "create", "--project", p["project"],
                                 "--kind", "slack", "--name", "chat",
                                 "--settings-file", f.name)
        finally:
            os.unlink(f.name)
        made = json.loads(out)
        self.assertEqual((made["kind"], made["name"]), ("slack", "chat"))
        listed = self.stack.ctl("channel", "list", "--project", p["project"])
        self.assertIn(made["id"], listed)

    def test_2_fail_ping_notifies_each_channel_once(self):
        p = self.stack.new_project("fail")
        key = p["api_key"]
        self.channel(
            key, name="hook", kind="webhook",
            url_down=self.http.base + "/t2/$CODE?name=$NAME&tag=$TAG2&st=$STATUS",
            method_down="POST",
            body_down='{"name": $NAME_JSON, "body": $BODY_JSON, "exit": '
                      '$EXITSTATUS, "check": $JSON, "slug": "$SLUG", '
                      '"tags": "$TAGS", "now": "$NOW"}',
            headers_down={"X-Check": "$SLUG", "Content-Type": "application/json"},
            url_up=self.http.base + "/t2up/$CODE")
        self.channel(key, name="mail", kind="email", to="oncall@example.test")
        name = 'Nightly "db" backup & \u00fc'
        uuid = self.check(key, name=name, slug="nightly-db", tags="prod db")
        self.assertEqual(self.stack.ping("/" + uuid)[0], 200)  # new -> up: quiet
        self.assertEqual(
            self.stack.ping("/%s/3" % uuid, "POST", 'disk "full"\n')[0], 200)

        self.assertTrue(wait_until(lambda: self.http.matching("/t2/")
                                   and self.smtp.messages, 15))
        time.sleep(1.5)  # Any duplicate would arrive by now.
        hooks = self.http.matching("/t2/")
        self.assertEqual(len(hooks), 1, hooks)
        mails = [m for m in self.smtp.messages if "oncall@example.test" in m["to"]]
        self.assertEqual(len(mails), 1)

        hook = hooks[0]
        self.assertEqual(hook["method"], "POST")
        path, _, query = hook["path"].partition("?")
        self.assertEqual(path, "/t2/" + uuid)
        self.assertEqual(query, "name=" + urllib.parse.quote(name, safe="")
                         + "&tag=db&st=down")
        self.assertEqual(hook["headers"]["X-Check"], "nightly-db")
        doc = json.loads(hook["body"])
        self.assertEqual(doc["name"], name)
        self.assertEqual(doc["body"], 'disk "full"\n')
        self.assertEqual(doc["exit"], 3)
        self.assertEqual((doc["slug"], doc["tags"]), ("nightly-db", "prod db"))
        self.assertEqual(doc["check"]["name"], name)
        self.assertEqual(doc["check"]["status"], "down")
        self.assertEqual(doc["check"]["ping_url"].rsplit("/", 1)[1], uuid)

        msg = email.message_from_bytes(mails[0]["data"], policy=email.policy.default)
        self.assertIn("DOWN", msg["Subject"])
        self.assertIn(name, msg["Subject"])
        self.assertEqual(mails[0]["from"], "alerts@tocsin.test")
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        self.assertIn(name, text)
        self.assertIn("Nightly &quot;db&quot; backup &amp; \u00fc", html)

        ns = self.settled(key, uuid, 2)
        by_kind = {n["kind"]: n for n in ns}
        self.assertEqual(by_kind["webhook"]["state"], "sent")
        self.assertEqual(by_kind["webhook"]["log"][0]["code"], 200)
        self.assertEqual(by_kind["email"]["state"], "sent")
        self.assertEqual(by_kind["email"]["log"][0]["code"], 250)
        self.assertEqual(by_kind["email"]["log"][0]["outcome"], "ok")

        # Back up: one "up" through each channel.
        self.assertEqual(self.stack.ping("/" + uuid)[0], 200)
        self.assertTrue(wait_until(lambda: self.http.matching("/t2up/"), 15))
        self.assertTrue(wait_until(lambda: len([
            m for m in self.smtp.messages if "oncall@example.test" in m["to"]]) == 2, 15))
        time.sleep(1.5)
        self.assertEqual(len(self.http.matching("/t2up/")), 1)
        ups = [m for m in self.smtp.messages if "oncall@example.test" in m["to"]]
        self.assertEqual(len(ups), 2)
        up = email.message_from_bytes(ups[1]["data"], policy=email.policy.default)
        self.assertIn("UP", up["Subject"])

    def test_3_late_check_goes_down_then_up(self):
        p = self.stack.new_project("late")
        key = p["api_key"]
        self.channel(key, kind="webhook", url_down=self.http.base + "/t3/down/$CODE",
                     url_up=self.http.base + "/t3/up/$CODE")
        uuid = self.check(key, name="late", timeout=60, grace=60)
        self.stack.ping("/" + uuid)
        self.make_overdue([uuid])
        self.assertTrue(wait_until(lambda: self.http.matching("/t3/down/"), 15))
        time.sleep(1)
        self.assertEqual(len(self.http.matching("/t3/down/" + uuid)), 1)
        status, doc = self.api("GET", "/api/v3/checks/" + uuid, key=key)
        self.assertEqual(doc["status"], "down")
        self.stack.ping("/" + uuid)
        self.assertTrue(wait_until(lambda: self.http.matching("/t3/up/"), 15))
        time.sleep(1)
        self.assertEqual(len(self.http.matching("/t3/up/" + uuid)), 1)
        status, doc = self.api("GET", "/api/v3/checks/%s/flips/" % uuid, key=key)
        self.assertEqual([f["up"] for f in doc["flips"]][:3], [1, 0, 1])
        # The latency of those deliveries is exported.
        text = self.stack.metrics("scheduler")
        self.assertIn('tocsin_alert_latency_seconds_count{kind="webhook"}', text)

    def test_4_failed_sends_are_retried_with_back_off(self):
        p = self.stack.new_project("retries")
        key = p["api_key"]
        self.http.script["/t4/flaky"] = [500, 500]
        self.http.always["/t4/gone"] = 404
        self.http.always["/t4/down"] = 503
        for name in ("flaky", "gone", "down"):
            self.channel(key, name=name, kind="webhook",
                         url_down=self.http.base + "/t4/" + name)
        uuid = self.check(key, name="retried")
        self.stack.ping("/%s/fail" % uuid)
        ns = self.settled(key, uuid, 3)
        by_url = {}
        for n in ns:
            by_url[n["channel"]] = n
        status, chans = self.api("GET", "/api/v3/channels/", key=key)
        ids = {c["name"]: c["id"] for c in chans["channels"]}

        flaky = by_url[ids["flaky"]]
        self.assertEqual(flaky["state"], "sent")
        self.assertEqual([a["outcome"] for a in flaky["log"]], ["retry", "retry", "ok"])
        self.assertEqual([a["code"] for a in flaky["log"]], [500, 500, 200])
        times = [r["time"] for r in self.http.matching("/t4/flaky")]
        self.assertEqual(len(times), 3)
        # Back-off: 0.3 s, then 0.6 s at least (lower bounds only).
        self.assertGreaterEqual(times[1] - times[0], 0.25)
        self.assertGreaterEqual(times[2] - times[1], 0.55)

        gone = by_url[ids["gone"]]
        self.assertEqual(gone["state"], "failed")
        self.assertEqual([(a["outcome"], a["code"]) for a in gone["log"]],
                         [("failed", 404)])
        self.assertEqual(len(self.http.matching("/t4/gone")), 1)

        down = by_url[ids["down"]]
        self.assertEqual(down["state"], "failed")
        self.assertEqual([a["outcome"] for a in down["log"]],
                         ["retry", "retry", "retry", "failed"])
        self.assertEqual(len(self.http.matching("/t4/down")), 4)
        self.assertIn("503", down["log"][-1]["detail"])

        # Per channel too.
        status, doc = self.api("GET", "/api/v3/channels/%s/notifications/"
                               % ids["gone"], key=key)
        self.assertEqual((status, len(doc["notifications"])), (200, 1))

    def test_5_replicas_deliver_each_flip_once_and_survive_kill(self):
        self.replicas.append(self.stack.start_scheduler("replica-b", 18253))
        self.replicas.append(self.stack.start_scheduler("replica-c", 18254))
        # Stopped also when an assertion fails (later tests count replicas).
        self.addCleanup(self.stop_replicas)
        p = self.stack.new_project("replicas")
        key = p["api_key"]
        self.channel(key, kind="webhook", url_down=self.http.base + "/t5/a/$CODE")
        self.channel(key, kind="webhook", url_down=self.http.base + "/t5/b/$CODE")
        uuids = [self.check(key, name="r%d" % i, timeout=60, grace=60)
                 for i in range(40)]
        for u in uuids:
            self.stack.ping("/" + u)
        # Three schedulers must be live before the checks go down together.
        self.assertTrue(wait_until(lambda: len([
            i for i in self.health()[1]["components"]["scheduler"]["instances"]
            if i["live"]]) == 3, 15))
        self.make_overdue(uuids)
        self.assertTrue(wait_until(lambda: len(self.http.matching("/t5/")) >= 80, 30))
        time.sleep(2)
        paths = [r["path"] for r in self.http.matching("/t5/")]
        self.assertEqual(len(paths), 80, sorted(paths))
        self.assertEqual(len(set(paths)), 80)
        senders = self.stack.sql(
            "SELECT count(DISTINCT a.sender) FROM notification_attempts a "
            "JOIN notifications n ON n.id = a.notification_id JOIN checks c "
            "ON c.id = n.check_id WHERE c.project_id = '%s'" % p["project"])
        print("\nreplicas that delivered:", senders)

        # Kill -9 a replica while its sends are in flight: nothing is lost.
        self.http.delay["/t6/"] = 1.5
        self.channel(key, kind="webhook", name="slow",
                     url_down=self.http.base + "/t6/$CODE")
        more = [self.check(key, name="k%d" % i, timeout=60, grace=60,
                           channels="slow") for i in range(12)]
        for u in more:
            self.stack.ping("/" + u)
        self.make_overdue(more)
        ids = ",".join("'%s'" % u for u in more)

        def holder():
            out = self.stack.sql(
                "SELECT claimed_by FROM notifications WHERE state = 'pending' "
                "AND (claimed_by LIKE 'replica-b-%%' OR claimed_by LIKE "
                "'replica-c-%%') AND check_id IN "
                "(%s) LIMIT 1" % ids)
            return out or None
        victim = wait_until(holder, 20, 0.05)
        self.assertIsNotNone(victim, "no replica claimed a slow notification")
        proc = self.replicas[0] if victim.startswith("replica-b") else self.replicas[1]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # What the dead replica had claimed and not finished (counted after
        # the kill: it may claim more until the very end).
        in_flight = int(self.stack.sql(
            "SELECT count(*) FROM notifications WHERE claimed_by = '%s' AND "
            "state = 'pending'" % victim))

        def all_sent():
            return self.stack.sql(
                "SELECT count(*) FROM notifications WHERE check_id IN (%s) AND "
                "state = 'sent'" % ids) == str(len(more))
        self.assertTrue(wait_until(all_sent, 40, 0.2),
                        self.stack.sql("SELECT state, claimed_by, attempts FROM "
                                       "notifications WHERE check_id IN (%s)" % ids))
        got = [r["path"] for r in self.http.matching("/t6/")]
        self.assertEqual({g.split("/")[2] for g in got}, set(more))
        # At-least-once: only what the dead replica had in flight may repeat,
        # and attempts that failed (a timeout on a slow machine) after the
        # request had arrived.
        failed = int(self.stack.sql(
            "SELECT count(*) FROM notification_attempts a JOIN notifications n "
            "ON n.id = a.notification_id WHERE n.check_id IN (%s) "
            "AND a.outcome <> 'ok'" % ids))
        self.assertLessEqual(len(got) - len(more), in_flight + failed,
                             (in_flight, failed))

    def stop_replicas(self):
        for proc in self.replicas:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)

    def health(self):
        status, _, body = self.stack.request("GET", "/health")
        return status, json.loads(body)

    def test_6_metrics_and_health_document(self):
        gw = self.stack.metrics("gateway")
        self.assertIn("tocsin_http_requests_total{", gw)
        self.assertIn('route="/ping/{a}"', gw)
        data = self.stack.metrics("data")
        self.assertIn('tocsin_pings_recorded_total{kind="success"}', data)
        self.assertIn('tocsin_flips_total{to="down"}', data)
        self.assertIn("tocsin_grpc_server_handled_total{", data)
        sched = self.stack.metrics("scheduler")
        for name in ('tocsin_notification_attempts_total{kind="webhook",outcome="ok"}',
                     'tocsin_job_runs_total{job="late-checks",outcome="ok"}',
                     'tocsin_job_last_success_timestamp_seconds{job="send-alerts"}',
                     "tocsin_alert_latency_seconds_bucket"):
            self.assertIn(name, sched)

        status, doc = self.health()
        self.assertEqual((status, doc["status"]), (200, "ok"), doc)
        for c in ("database", "gateway", "data", "scheduler", "alerts", "intake"):
            self.assertEqual(doc["components"][c]["status"], "ok", (c, doc))
        # A scheduler that is gone is reported, not silent.
        os.kill(self.stack.pid("scheduler"), signal.SIGTERM)
        absent = wait_until(lambda: self.health()[1]["components"]["scheduler"]
                            ["status"] == "absent", 15, 0.3)
        self.assertTrue(absent)
        self.assertEqual(self.health()[0], 503)
        self.stack.start()
        self.assertTrue(wait_until(lambda: self.health()[0] == 200, 15, 0.3),
                        self.health())

    def test_7_email_report_of_down_checks(self):
        p = self.stack.new_project("reports")
        key = p["api_key"]
        # Reports only: no mail per status change.
        self.channel(key, kind="email", to="reports@example.test",
                     notify_down=False, notify_up=False)
        uuid = self.check(key, name="broken backup")
        self.stack.ping("/%s/fail" % uuid)
        ns = self.settled(key, uuid, 1)
        self.assertEqual(ns[0]["state"], "skipped")
        out = self.stack.ctl("project", "reports", "hourly", "--project", p["project"])
        self.assertIn("first report due", out)
        self.stack.sql("UPDATE projects SET report_next = now() WHERE id = '%s'"
                       % p["project"])

        def reports():
            return [m for m in self.smtp.messages if "reports@example.test" in m["to"]]
        self.assertTrue(wait_until(reports, 20))
        time.sleep(2.5)  # The next one is an hour away: no second mail.
        self.assertEqual(len(reports()), 1)
        msg = email.message_from_bytes(reports()[0]["data"], policy=email.policy.default)
        self.assertIn("1 check is down", msg["Subject"])
        self.assertIn("broken backup", msg.get_body(("plain",)).get_content())
        self.assertIn("broken backup", msg.get_body(("html",)).get_content())
        nxt = self.stack.sql("SELECT extract(epoch FROM report_next - now()) FROM "
                             "projects WHERE id = '%s'" % p["project"])
        self.assertGreater(float(nxt), 3000)

    def test_9_outage_gives_overdue_checks_their_grace_again(self):
        p = self.stack.new_project("outage")
        key = p["api_key"]
        self.channel(key, kind="webhook", url_down=self.http.base + "/t9/$CODE")
        uuid = self.check(key, name="lonely", timeout=60, grace=60)
        self.stack.ping("/" + uuid)
        # Grace 3 s (below the API's minimum: set-up only); it runs out 12 s
        # from now, while the stack is down (a debug build's processes take
        # about 2 s each to exit: the leak check).
        stopped = time.time()
        self.make_overdue([uuid], grace_s=3, due_in=12)
        self.stack.stop()
        self.assertLess(time.time() - stopped, 11, "stop too slow for this set-up")
        # Past the deadline, and past the outage threshold (3 s).
        time.sleep(max(0.0, stopped + 12 + 4 - time.time()))
        self.assertEqual(self.http.matching("/t9/"), [])
        restarted = time.time()
        self.stack.start()
        # The check went overdue while nobody could ping: it gets 3 s again
        # from the first gateway heartbeat, and then alerts (once).
        self.assertTrue(wait_until(lambda: self.http.matching("/t9/"), 30))
        time.sleep(1)
        hits = self.http.matching("/t9/")
        self.assertEqual(len(hits), 1)
        self.assertGreaterEqual(hits[0]["time"], restarted + 3 - 0.5)
        status, doc = self.api("GET", "/api/v3/checks/%s/flips/" % uuid, key=key)
        down_at = doc["flips"][0]
        self.assertEqual(down_at["up"], 0)
        outages = self.stack.sql(
            "SELECT checks_given_grace, extract(epoch FROM ended) FROM outages "
            "ORDER BY id DESC LIMIT 1")
        given, ended = outages.split("|")
        self.assertGreaterEqual(int(given), 1)
        self.assertGreater(float(ended), stopped)
        status, health = self.health()
        self.assertGreaterEqual(health["components"]["intake"]["outages_total"], 1)
        self.assertIn("last_outage", health["components"]["intake"])


if __name__ == "__main__":
    unittest.main()
