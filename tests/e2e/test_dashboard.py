"""End-to-end: the web dashboard through nginx — in Debian's Chromium
(tests/browser/dashboard.mjs: log-in, projects, checks, log-out, axe-core on
every page, screenshots at desktop and phone widths), and its security rules
over plain HTTP (CSRF, sessions scoped to their user, log-in rate limits, no
account enumeration)."""
import http.client
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from receivers import HttpReceiver, SmtpSink
from stack import ROOT, Stack, wait_until

PORTS = {
    "TOCSIN_HTTP_PORT": "18700",
    "TOCSIN_GATEWAY_PORT": "18781",
    "TOCSIN_DATA_PORT": "18751",
    "TOCSIN_SCHEDULER_PORT": "18752",
    "TOCSIN_PG_PORT": "18733",
    "TOCSIN_GATEWAY_METRICS_PORT": "19781",
    "TOCSIN_DATA_METRICS_PORT": "19751",
    "TOCSIN_SCHEDULER_METRICS_PORT": "19752",
}
RECEIVER_PORT = 18726
SMTP_PORT = 18725
BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
SCREENSHOTS = os.path.join(ROOT, "build", "screenshots")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser-like HTTP client: cookies kept, redirects not followed."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, method, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def csrf(self, path):
        _, _, body = self.request("GET", path)
        return re.search(r'name="csrf" value="([^"]+)"', body).group(1)

    def login(self, email, password):
        token = self.csrf("/accounts/login/")
        return self.request("POST", "/accounts/login/",
                            {"csrf": token, "email": email, "password": password})


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = HttpReceiver(RECEIVER_PORT)
        cls.smtp = SmtpSink(SMTP_PORT)
        cls.stack = Stack(ports=PORTS, env={"REGISTRATION_OPEN": "True",
                                            "INTEGRATIONS_ALLOW_PRIVATE_IPS": "True",
                                            "TOCSIN_ALERT_POLL": "200ms",
                                            "EMAIL_HOST": "127.0.0.1",
                                            "EMAIL_PORT": str(SMTP_PORT),
                                            "EMAIL_USE_TLS": "False",
                                            "DEFAULT_FROM_EMAIL": "tocsin@tocsin.test",
                                            "TOCSIN_REPORTS_EVERY": "1s"})
        cls.stack.start()
        cls.base = cls.stack.info["base_url"]
        cls.alice = cls.create_user("alice@example.org", "correct horse battery",
                                    "Browser project")
        cls.bob = cls.create_user("bob@example.org", "another good one", "Bob's")

    @classmethod
    def tearDownClass(cls):
        cls.stack.destroy()
        cls.receiver.close()
        cls.smtp.close()

    # Sessions shared by the tests that only need one: logging in again for
    # each would run into the per-account log-in limit (5 a minute).
    _sessions = {}

    def logged_in(self, who):
        if who not in self._sessions:
            c = Client(self.base)
            status, _, _ = c.login(getattr(self, who)["email"], getattr(self, who)["password"])
            self.assertEqual(status, 303)
            self._sessions[who] = c
        return self._sessions[who]

    @classmethod
    def create_user(cls, email, password, project):
        ctl = os.path.join(ROOT, cls.stack.env["TOCSIN_BUILD_DIR"], "tocsinctl", "tocsinctl")
        out = subprocess.run([ctl, "user", "create", email, "--password-file", "-",
                              "--project-name", project], input=password + "\n",
                             env=cls.stack.env, capture_output=True, text=True,
                             timeout=60, check=True)
        import json
        doc = json.loads(out.stdout)
        doc["password"] = password
        return doc

    def test_browser_flow(self):
        key = self.alice["api_key"]
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"name": "nightly-backup"},
                                     key=key)
        self.assertEqual(status, 201)
        status, _, _ = self.stack.ping("/" + doc["uuid"], method="POST", body=b"backup done")
        self.assertEqual(status, 200)
        if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                           cwd=BROWSER_DIR, check=True, timeout=600)
        os.makedirs(SCREENSHOTS, exist_ok=True)
        env = dict(os.environ, BASE_URL=self.base, EMAIL=self.alice["email"],
                   PASSWORD=self.alice["password"], SCREENSHOTS=SCREENSHOTS,
                   RECEIVER_URL=self.receiver.base)
        out = subprocess.run(["node", os.path.join(BROWSER_DIR, "dashboard.mjs")],
                             env=env, capture_output=True, text=True, timeout=300)
        print("\n" + out.stdout)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(os.path.exists(os.path.join(SCREENSHOTS, "checks-phone.png")))
        # The browser's test notification reached the receiver, as a "down",
        hooks = [r for r in self.receiver.requests if r["path"].startswith("/hook/")]
        # Then the real alert of the check that the browser saw fail.
        self.assertEqual([r["path"] for r in hooks],
                         ["/hook/down/Test%20notification", "/hook/down/live%20one"])

    def test_csrf_is_required(self):
        c = Client(self.base)
        status, _, _ = c.request("POST", "/accounts/login/",
                                 {"email": self.alice["email"], "password": self.alice["password"]})
        self.assertEqual(status, 403)
        status, headers, _ = c.login(self.alice["email"], self.alice["password"])
        self.assertEqual((status, headers["Location"]), (303, "/projects/"))
        # Log-out with a wrong token changes nothing.
        status, _, _ = c.request("POST", "/accounts/logout/", {"csrf": "forged"})
        self.assertEqual(status, 403)
        status, _, body = c.request("GET", "/projects/")
        self.assertEqual(status, 200)
        self.assertIn("Browser project", body)

    def test_check_page_and_pause_need_membership_and_csrf(self):
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"name": "guarded"},
                                     key=self.alice["api_key"])
        self.assertEqual(status, 201)
        path = f"/projects/{self.alice['project']}/checks/{doc['uuid']}/"
        alice = self.logged_in("alice")
        status, _, body = alice.request("GET", path)
        self.assertEqual(status, 200)
        self.assertIn(doc["ping_url"], body)
        # Pausing without the session's CSRF token (or with another) does
        # nothing.
        for form in ({}, {"csrf": "forged"}):
            status, _, _ = alice.request("POST", path + "pause", form)
            self.assertEqual(status, 403)
        self.assertEqual(self.stack.sql(f"SELECT status FROM checks WHERE id = '{doc['uuid']}'"),
                         "new")
        # Another account can neither read nor pause it, even with its own
        # valid token: the project does not exist for it.
        bob = self.logged_in("bob")
        status, _, _ = bob.request("GET", path)
        self.assertEqual(status, 404)
        token = bob.csrf("/projects/")
        status, _, _ = bob.request("POST", path + "pause", {"csrf": token})
        self.assertEqual(status, 404)
        # A check UUID of another project under Bob's own project: not found.
        status, _, _ = bob.request(
            "GET", f"/projects/{self.bob['project']}/checks/{doc['uuid']}/")
        self.assertEqual(status, 404)
        self.assertEqual(self.stack.sql(f"SELECT status FROM checks WHERE id = '{doc['uuid']}'"),
                         "new")
        # With the token it works, and resumes.
        token = alice.csrf(path)
        status, headers, _ = alice.request("POST", path + "pause", {"csrf": token})
        self.assertEqual((status, headers.get("Location")), (303, path))
        self.assertEqual(self.stack.sql(f"SELECT status FROM checks WHERE id = '{doc['uuid']}'"),
                         "paused")
        status, _, _ = alice.request("POST", path + "resume", {"csrf": token})
        self.assertEqual(status, 303)
        self.assertEqual(self.stack.sql(f"SELECT status FROM checks WHERE id = '{doc['uuid']}'"),
                         "new")

    def test_new_check_form_validates_and_creates(self):
        alice = self.logged_in("alice")
        new = f"/projects/{self.alice['project']}/checks/new"
        token = alice.csrf(new)
        count = lambda: int(self.stack.sql(
            f"SELECT count(*) FROM checks WHERE project_id = '{self.alice['project']}'"))
        before = count()
        # Bad input: a clear 400 on the form, the values kept, nothing made.
        for form, words in (
                ({"name": "x", "period": "0", "grace": "60"}, "whole numbers of minutes"),
                ({"name": "x", "period": "ten", "grace": "60"}, "whole numbers of minutes"),
                ({"name": "cronny", "period": "60", "grace": "60",
                  "schedule": "61 * * * *"}, "schedule"),
                ({"name": "zoned", "period": "60", "grace": "60",
                  "schedule": "0 3 * * *", "tz": "Mars/Olympus"}, "tz")):
            status, _, body = alice.request("POST", new, dict(form, csrf=token))
            self.assertEqual(status, 400, (form, body))
            self.assertIn('role="alert"', body)
            self.assertIn(words, body.lower(), body)
            self.assertIn('value="%s"' % form["name"], body)
        self.assertEqual(count(), before)
        # Without the token: 403, nothing made.
        status, _, _ = alice.request("POST", new, {"name": "no token", "period": "10",
                                                   "grace": "5"})
        self.assertEqual(status, 403)
        self.assertEqual(count(), before)
        # Good input: the check exists, with what was asked.
        status, headers, _ = alice.request("POST", new, {
            "csrf": token, "name": "from the form", "tags": "web nightly",
            "period": "10", "grace": "5"})
        self.assertEqual(status, 303)
        uuid = headers["Location"].rstrip("/").rsplit("/", 1)[1]
        row = self.stack.sql(f"SELECT name, tags, timeout_s, grace_s, kind FROM checks "
                             f"WHERE id = '{uuid}'")
        self.assertEqual(row, "from the form|web nightly|600|300|simple")
        status, _, _ = alice.request("POST", new, {
            "csrf": token, "name": "nightly cron", "period": "10", "grace": "5",
            "schedule": "30 2 * * *", "tz": "Europe/Riga"})
        self.assertEqual(status, 303)
        self.assertEqual(self.stack.sql(
            "SELECT kind, schedule, tz FROM checks WHERE name = 'nightly cron'"),
            "cron|30 2 * * *|Europe/Riga")
        # Bob cannot use Alice's form.
        bob = self.logged_in("bob")
        status, _, _ = bob.request("GET", new)
        self.assertEqual(status, 404)
        status, _, _ = bob.request("POST", new, {"csrf": bob.csrf("/projects/"),
                                                 "name": "intruder", "period": "10",
                                                 "grace": "5"})
        self.assertEqual(status, 404)
        self.assertEqual(self.stack.sql("SELECT count(*) FROM checks WHERE name = 'intruder'"),
                         "0")

    def test_bytes_that_are_not_text_get_400_or_a_new_log_in(self):
        # Invalid UTF-8 in a form or the session cookie: before, it reached
        # the data service's request and failed it as a whole (503).
        not_text = "The form has characters that are not text"
        c = Client(self.base)
        token = c.csrf("/accounts/login/")
        status, _, body = c.request("POST", "/accounts/login/", {
            "csrf": token, "email": b"alice\xff@example.org", "password": "whatever1"})
        self.assertEqual(status, 400, body)
        self.assertIn(not_text, body)
        token = c.csrf("/accounts/signup/")
        status, _, body = c.request("POST", "/accounts/signup/", {
            "csrf": token, "email": "new@example.org", "password": b"\xc0\xafpassword"})
        self.assertEqual(status, 400, body)
        self.assertIn(not_text, body)
        self.assertEqual(self.stack.sql(
            "SELECT count(*) FROM users WHERE email = 'new@example.org'"), "0")
        alice = self.logged_in("alice")
        new = f"/projects/{self.alice['project']}/checks/new"
        count = lambda: int(self.stack.sql(
            f"SELECT count(*) FROM checks WHERE project_id = '{self.alice['project']}'"))
        before = count()
        status, _, body = alice.request("POST", new, {
            "csrf": alice.csrf(new), "name": b"bad \xe2\x82", "period": "10", "grace": "5"})
        self.assertEqual(status, 400, body)
        self.assertIn(not_text, body)
        self.assertEqual(count(), before)
        # A session cookie that is not text is no session: log in again.
        url = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.putrequest("GET", "/projects/")
        conn.putheader("Cookie", b"tocsin_session=\xff\xfeabc")
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        conn.close()
        self.assertEqual((resp.status, resp.getheader("Location")), (303, "/accounts/login/"))

    def test_deleting_a_check_asks_first_and_needs_csrf(self):
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"name": "doomed"},
                                     key=self.alice["api_key"])
        self.assertEqual(status, 201)
        self.assertEqual(self.stack.ping("/" + doc["uuid"])[0], 200)
        path = f"/projects/{self.alice['project']}/checks/{doc['uuid']}/"
        exists = lambda: self.stack.sql(
            f"SELECT count(*) FROM checks WHERE id = '{doc['uuid']}'")
        alice = self.logged_in("alice")
        status, _, body = alice.request("GET", path + "delete")
        self.assertEqual(status, 200)
        self.assertIn("<strong>doomed</strong>", body)
        self.assertIn("cannot be undone", body)
        status, _, _ = alice.request("POST", path + "delete", {"csrf": "forged"})
        self.assertEqual(status, 403)
        bob = self.logged_in("bob")
        status, _, _ = bob.request("POST", path + "delete", {"csrf": bob.csrf("/projects/")})
        self.assertEqual(status, 404)
        self.assertEqual(exists(), "1")
        status, headers, _ = alice.request("POST", path + "delete",
                                           {"csrf": alice.csrf(path + "delete")})
        self.assertEqual((status, headers.get("Location")),
                         (303, f"/projects/{self.alice['project']}/checks/"))
        self.assertEqual(exists(), "0")
        self.assertEqual(self.stack.sql(
            f"SELECT count(*) FROM pings WHERE check_id = '{doc['uuid']}'"), "0")
        status, _, _ = alice.request("GET", path)
        self.assertEqual(status, 404)

    def test_checks_page_filters_by_tags_and_text(self):
        # Bob's project, so the other tests' checks do not get in the way.
        made = {}
        for name, tags in (("Alpha One", "prod db"), ("Beta Two", "prod"),
                           ("Gamma", "dev")):
            status, doc = self.stack.api("POST", "/api/v3/checks/",
                                         {"name": name, "tags": tags},
                                         key=self.bob["api_key"])
            self.assertEqual(status, 201)
            made[name] = doc["uuid"]
        bob = self.logged_in("bob")
        page = f"/projects/{self.bob['project']}/checks/"

        def listed(query):
            status, _, body = bob.request("GET", page + query)
            self.assertEqual(status, 200)
            return {n for n, u in made.items() if 'data-check="%s"' % u in body}, body

        shown, body = listed("")
        self.assertEqual(shown, set(made))
        for tag in ("prod", "db", "dev"):
            self.assertIn('name="tag" value="%s"' % tag, body)
        self.assertEqual(listed("?tag=prod")[0], {"Alpha One", "Beta Two"})
        shown, body = listed("?tag=prod&tag=db")
        self.assertEqual(shown, {"Alpha One"})
        self.assertIn('value="db" checked', body)
        self.assertIn("1 of 3 checks", body)
        self.assertEqual(listed("?q=beta")[0], {"Beta Two"})
        self.assertEqual(listed("?q=" + made["Gamma"][:13])[0], {"Gamma"})
        self.assertEqual(listed("?tag=dev&q=alpha")[0], set())
        # Hostile input is text, escaped back into the form.
        shown, body = listed("?q=%3Cscript%3E%22")
        self.assertEqual(shown, set())
        self.assertIn('value="&lt;script&gt;&quot;"', body)
        self.assertNotIn("<script>\"", body)

    def test_sessions_see_only_their_projects(self):
        c = Client(self.base)
        c.login(self.bob["email"], self.bob["password"])
        status, _, body = c.request("GET", "/projects/")
        self.assertIn("Bob&#39;s", body)
        self.assertNotIn("Browser project", body)
        status, _, _ = c.request("GET", f"/projects/{self.alice['project']}/checks/")
        self.assertEqual(status, 404)
        status, _, _ = c.request("GET", f"/projects/{self.bob['project']}/checks/")
        self.assertEqual(status, 200)

    def test_no_account_enumeration(self):
        c = Client(self.base)
        _, _, unknown = c.login("nobody@example.org", "whatever it is")
        _, _, wrong = c.login("carol-enum@example.org", "whatever it is")
        self.assertIn("Wrong email address or password.", unknown)
        self.assertIn("Wrong email address or password.", wrong)
        # Signing up with a taken address looks like signing up with a new one.
        token = c.csrf("/accounts/signup/")
        _, _, taken = c.request("POST", "/accounts/signup/", {
            "csrf": token, "email": self.alice["email"], "password": "some password"})
        token = c.csrf("/accounts/signup/")
        _, _, fresh = c.request("POST", "/accounts/signup/", {
            "csrf": token, "email": "dave@example.org", "password": "some password"})
        self.assertEqual(taken, fresh)
        status, _, _ = Client(self.base).login("dave@example.org", "some password")
        self.assertEqual(status, 303)

    def test_login_rate_limit(self):
        c = Client(self.base)
        codes = [c.login("erin@example.org", "wrong %d" % i)[0] for i in range(7)]
        self.assertEqual(codes[:5], [400] * 5)
        self.assertIn(429, codes[5:])
        status, headers, _ = c.login("erin@example.org", "wrong again")
        self.assertEqual(status, 429)
        self.assertIn("Retry-After", headers)


    def test_password_change_ends_other_sessions(self):
        user = self.create_user("grace@example.org", "grace's first", "Grace")
        first, second = Client(self.base), Client(self.base)
        self.assertEqual(first.login(user["email"], user["password"])[0], 303)
        self.assertEqual(second.login(user["email"], user["password"])[0], 303)
        token = first.csrf("/accounts/password/")
        status, _, body = first.request("POST", "/accounts/password/",
                                        {"csrf": token, "old": "not it", "new": "grace's second"})
        self.assertEqual(status, 400)
        self.assertIn("The current password is wrong.", body)
        status, _, _ = first.request("POST", "/accounts/password/",
                                     {"old": user["password"], "new": "grace's second"})
        self.assertEqual(status, 403)  # No CSRF token: nothing changes.
        status, _, body = first.request("POST", "/accounts/password/", {
            "csrf": token, "old": user["password"], "new": "grace's second"})
        self.assertEqual(status, 200)
        self.assertIn("Password changed", body)
        self.assertEqual(first.request("GET", "/projects/")[0], 200)  # This one stays.
        status, headers, _ = second.request("GET", "/projects/")
        self.assertEqual((status, headers["Location"]), (303, "/accounts/login/"))
        self.assertEqual(Client(self.base).login(user["email"], user["password"])[0], 400)
        self.assertEqual(Client(self.base).login(user["email"], "grace's second")[0], 303)

    def test_projects_are_made_renamed_and_deleted_by_their_owner(self):
        user = self.create_user("heidi@example.org", "heidi's password", "Heidi")
        c = Client(self.base)
        self.assertEqual(c.login(user["email"], user["password"])[0], 303)
        token = c.csrf("/projects/")
        self.assertEqual(c.request("POST", "/projects/new", {"name": "No token"})[0], 403)
        status, _, body = c.request("POST", "/projects/new", {"csrf": token, "name": "  "})
        self.assertEqual(status, 400)
        self.assertIn("A project needs a name.", body)
        status, _, body = c.request("POST", "/projects/new",
                                    {"csrf": token, "name": "x" * 101})
        self.assertEqual(status, 400)
        self.assertIn("name: 1 to 100 bytes of text", body)
        status, headers, _ = c.request("POST", "/projects/new",
                                       {"csrf": token, "name": "<Second> & co"})
        self.assertEqual(status, 303)
        project = re.match(r"/projects/([0-9a-f-]{36})/checks/$", headers["Location"]).group(1)
        status, _, body = c.request("GET", "/projects/")
        self.assertIn("&lt;Second&gt; &amp; co", body)
        settings = f"/projects/{project}/settings/"
        status, _, body = c.request("GET", settings)
        self.assertEqual(status, 200)
        self.assertIn("No API keys yet.", body)
        # Someone else's project is not there at all.
        other = self.logged_in("bob")
        for method, path in [("GET", settings), ("GET", f"/projects/{project}/delete"),
                             ("GET", f"/projects/{project}/checks/status.json")]:
            self.assertEqual(other.request(method, path)[0], 404, path)
        other_token = other.csrf("/projects/")
        self.assertEqual(other.request("POST", f"/projects/{project}/delete",
                                       {"csrf": other_token})[0], 404)
        # Renamed; a bad name is refused with the reason.
        self.assertEqual(c.request("POST", settings + "name", {"name": "no token"})[0], 403)
        status, _, body = c.request("POST", settings + "name", {"csrf": token, "name": ""})
        self.assertEqual(status, 400)
        self.assertEqual(c.request("POST", settings + "name",
                                   {"csrf": token, "name": "Renamed"})[0], 303)
        self.assertIn("Renamed", c.request("GET", "/projects/")[2])
        # Keys: bad access refused; made; revoked with a token only.
        self.assertEqual(c.request("POST", f"/projects/{project}/keys/new",
                                   {"csrf": token, "access": "admin"})[0], 400)
        status, _, body = c.request("POST", f"/projects/{project}/keys/new",
                                    {"csrf": token, "access": "ro", "label": "grafana"})
        self.assertEqual(status, 200)
        key = re.search(r'class="secret">([^<]+)<', body).group(1)
        self.assertEqual(self.stack.api("GET", "/api/v3/checks/", key=key)[0], 200)
        self.assertEqual(self.stack.api("POST", "/api/v3/checks/", {"name": "x"}, key=key)[0],
                         401)  # read-only
        _, _, body = c.request("GET", settings)
        self.assertNotIn(key, body)
        key_id = re.search(r'/keys/([0-9a-f-]{36})/revoke', body).group(1)
        self.assertEqual(c.request("POST", f"/projects/{project}/keys/{key_id}/revoke",
                                   {"csrf": "forged"})[0], 403)
        self.assertEqual(self.stack.api("GET", "/api/v3/checks/", key=key)[0], 200)
        self.assertEqual(c.request("POST", f"/projects/{project}/keys/{key_id}/revoke",
                                   {"csrf": token})[0], 303)
        self.assertEqual(self.stack.api("GET", "/api/v3/checks/", key=key)[0], 401)
        # Deleting asks first, needs the token, then takes it off the list.
        status, _, body = c.request("GET", f"/projects/{project}/delete")
        self.assertEqual(status, 200)
        self.assertIn("This cannot be undone", body)
        self.assertEqual(c.request("POST", f"/projects/{project}/delete", {})[0], 403)
        self.assertIn("Renamed", c.request("GET", "/projects/")[2])
        self.assertEqual(c.request("POST", f"/projects/{project}/delete",
                                   {"csrf": token})[0], 303)
        self.assertNotIn("Renamed", c.request("GET", "/projects/")[2])
        self.assertEqual(c.request("GET", settings)[0], 404)

    def test_live_status_and_ping_bodies_are_for_members_only(self):
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"name": "body check"},
                                     key=self.alice["api_key"])
        self.assertEqual(status, 201)
        hostile = b"<script>alert(1)</script> \xff\xfe end"
        self.assertEqual(self.stack.ping("/" + doc["uuid"], method="POST", body=hostile)[0], 200)
        project = self.alice["project"]
        live = f"/projects/{project}/checks/status.json"
        # Without a session: a JSON 401, not a redirect (the page's script asks).
        status, headers, body = Client(self.base).request("GET", live)
        self.assertEqual(status, 401)
        self.assertTrue(headers["Content-Type"].startswith("application/json"))
        c = self.logged_in("alice")
        status, headers, body = c.request("GET", live)
        self.assertEqual(status, 200)
        import json
        mine = [x for x in json.loads(body)["checks"] if x["uuid"] == doc["uuid"]]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["status"], mine[0]["n_pings"]), ("up", 1))
        self.assertEqual(headers["Cache-Control"], "private, no-cache")
        # Unchanged since the last poll: 304 without a body.
        req = urllib.request.Request(self.base + live, headers={"If-None-Match": headers["ETag"]})
        with self.assertRaises(urllib.error.HTTPError) as unchanged:
            c.opener.open(req, timeout=30)
        self.assertEqual(unchanged.exception.code, 304)
        self.assertEqual(unchanged.exception.read(), b"")
        check_page = f"/projects/{project}/checks/{doc['uuid']}/"
        _, _, page = c.request("GET", check_page)
        self.assertNotIn("<script>alert", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
        status, _, body_page = c.request("GET", check_page + "pings/1/body")
        self.assertEqual(status, 200)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt; \ufffd\ufffd end", body_page)
        for bad in ["pings/2/body", "pings/0/body", "pings/-1/body", "pings/x/body",
                    "pings/99999999999999999999999/body"]:
            self.assertEqual(c.request("GET", check_page + bad)[0], 404, bad)
        bob = self.logged_in("bob")
        self.assertEqual(bob.request("GET", check_page + "pings/1/body")[0], 404)
        self.assertEqual(bob.request("GET", live)[0], 404)

    def test_integrations_validate_and_belong_to_their_project(self):
        user = self.create_user("ivan@example.org", "ivan's password", "Ivan")
        c = Client(self.base)
        self.assertEqual(c.login(user["email"], user["password"])[0], 303)
        base = f"/projects/{user['project']}/integrations/"
        status, _, page = c.request("GET", base)
        self.assertEqual(status, 200)
        self.assertIn("No integrations yet", page)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = {"csrf": token, "kind": "webhook", "name": "hook",
                "url_down": "ftp://example.org/x"}
        self.assertEqual(c.request("POST", base + "new", dict(form, csrf="forged"))[0], 403)
        status, _, page = c.request("POST", base + "new", form)
        self.assertEqual(status, 400)
        self.assertIn("url_down", page)  # the data service names the field
        self.assertIn('<details open><summary>Webhook', page)
        self.assertIn('value="ftp://example.org/x"', page)  # kept for fixing
        status, _, page = c.request("POST", base + "new", dict(form, kind="carrier-pigeon"))
        self.assertEqual(status, 400)
        status, _, page = c.request("POST", base + "new", {
            "csrf": token, "kind": "email", "name": "<ops>", "to": "a@example.org, b@example.org",
            "notify_down": "on"})
        self.assertEqual(status, 303)
        status, headers, _ = c.request("POST", base + "new", {
            "csrf": token, "kind": "webhook", "name": "hook", "url_down": "http://127.0.0.1:9/"})
        self.assertEqual(status, 303)
        channel = headers["Location"]
        status, _, page = c.request("GET", channel)
        self.assertEqual(status, 200)
        self.assertIn("Nothing sent yet", page)
        _, _, listing = c.request("GET", base)
        self.assertIn("&lt;ops&gt;", listing)
        # Settings: broken JSON and bad values refused with the reason.
        for bad, reason in [("{", "not a JSON object"), ("[1]", "not a JSON object"),
                            ('{"url_down": 5}', "url_down"), ("[" * 50 + "]" * 50, "")]:
            status, _, page = c.request("POST", channel + "settings",
                                        {"csrf": token, "settings": bad})
            self.assertEqual(status, 400, bad)
            self.assertIn(reason, page)
        self.assertEqual(c.request("POST", channel + "settings", {
            "csrf": token, "settings": '{"url_up": "http://127.0.0.1:9/up"}'})[0], 303)
        self.assertIn("http://127.0.0.1:9/up", c.request("GET", channel)[2])
        self.assertEqual(c.request("POST", channel + "name",
                                   {"csrf": token, "name": ""})[0], 400)
        self.assertEqual(c.request("POST", channel + "name",
                                   {"csrf": token, "name": "renamed hook"})[0], 303)
        # Another user finds nothing, and changes nothing.
        bob = self.logged_in("bob")
        bob_token = bob.csrf("/projects/")
        self.assertEqual(bob.request("GET", base)[0], 404)
        self.assertEqual(bob.request("GET", channel)[0], 404)
        for action in ("test", "name", "settings", "delete"):
            self.assertEqual(bob.request("POST", channel + action,
                                         {"csrf": bob_token, "name": "x"})[0], 404, action)
        # Bob's own project path with Ivan's integration: not there either.
        foreign = channel.replace(user["project"], self.bob["project"])
        self.assertEqual(bob.request("GET", foreign)[0], 404)
        self.assertEqual(bob.request("POST", foreign + "delete", {"csrf": bob_token})[0], 404)
        self.assertEqual(c.request("POST", channel + "nonsense", {"csrf": token})[0], 404)
        # A test is queued once however often the button is pressed.
        for _ in range(3):
            status, headers, _ = c.request("POST", channel + "test", {"csrf": token})
            self.assertEqual((status, headers["Location"]), (303, channel + "?sent=1"))
        _, _, page = c.request("GET", channel + "?sent=1")
        self.assertIn("Test notification queued", page)
        self.assertLessEqual(page.count("<td>test</td>"), 1)
        self.assertEqual(c.request("POST", channel + "delete", {"csrf": token})[0], 303)
        self.assertEqual(c.request("GET", channel)[0], 404)
        self.assertNotIn("renamed hook", c.request("GET", base)[2])

    def test_editing_a_check_validates_and_previews_schedules(self):
        status, doc = self.stack.api("POST", "/api/v3/checks/", {"name": "to edit"},
                                     key=self.alice["api_key"])
        self.assertEqual(status, 201)
        c = self.logged_in("alice")
        project = self.alice["project"]
        page = f"/projects/{project}/checks/{doc['uuid']}/edit"
        status, _, body = c.request("GET", page)
        self.assertEqual(status, 200)
        self.assertIn('value="to edit"', body)
        token = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
        form = {"csrf": token, "name": "edited", "slug": "", "tags": "a b", "desc": "<why>",
                "period": "90", "grace": "5", "schedule": "", "tz": "UTC"}
        self.assertEqual(c.request("POST", page, dict(form, csrf="forged"))[0], 403)
        status, _, body = c.request("POST", page, dict(form, period="0"))
        self.assertEqual(status, 400)
        status, _, body = c.request("POST", page, dict(form, schedule="* * * *", tz="UTC"))
        self.assertEqual(status, 400)
        self.assertIn("schedule", body)
        status, _, body = c.request("POST", page, dict(form, schedule="0 3 * * *",
                                                       tz="Mars/Olympus"))
        self.assertEqual(status, 400)
        self.assertIn("tz is not a valid time zone", body)
        self.assertEqual(self.stack.api("GET", f"/api/v3/checks/{doc['uuid']}",
                                        key=self.alice["api_key"])[1]["name"], "to edit")
        self.assertEqual(c.request("POST", page, form)[0], 303)
        _, got = self.stack.api("GET", f"/api/v3/checks/{doc['uuid']}", key=self.alice["api_key"])
        self.assertEqual((got["name"], got["tags"], got["desc"], got["timeout"], got["grace"]),
                         ("edited", "a b", "<why>", 5400, 300))
        self.assertEqual(c.request("POST", page, dict(form, schedule="Mon *-*-* 09:00",
                                                      tz="Europe/Riga"))[0], 303)
        _, got = self.stack.api("GET", f"/api/v3/checks/{doc['uuid']}", key=self.alice["api_key"])
        self.assertEqual((got["schedule"], got["tz"]), ("Mon *-*-* 09:00", "Europe/Riga"))
        # Back to a simple period.
        self.assertEqual(c.request("POST", page, form)[0], 303)
        _, got = self.stack.api("GET", f"/api/v3/checks/{doc['uuid']}", key=self.alice["api_key"])
        self.assertNotIn("schedule", got)
        # The preview: JSON with the server's own markup, escaped; members only.
        import json
        preview = f"/projects/{project}/checks/schedule-preview?"
        status, _, body = c.request("GET", preview + urllib.parse.urlencode(
            {"schedule": "0 12 * * *", "tz": "Asia/Tokyo"}))
        self.assertEqual(status, 200)
        answer = json.loads(body)
        self.assertTrue(answer["ok"])
        self.assertEqual(answer["html"].count("<li>"), 5)
        self.assertIn("12:00 JST", answer["html"])
        for bad in ({"schedule": "<script>", "tz": "UTC"},
                    {"schedule": "0 3 * * *", "tz": "../../etc/passwd"},
                    {"schedule": "x" * 5000, "tz": "UTC"}):
            status, _, body = c.request("GET", preview + urllib.parse.urlencode(bad))
            self.assertEqual(status, 200)
            answer = json.loads(body)
            self.assertFalse(answer["ok"])
            self.assertNotIn("<script>", answer["html"])
        self.assertEqual(self.logged_in("bob").request("GET", preview + "schedule=x")[0], 404)
        self.assertEqual(Client(self.base).request("GET", preview + "schedule=x")[0], 401)
        self.assertEqual(self.logged_in("bob").request("GET", page)[0], 404)

    def test_japanese_from_the_browser_or_the_switch(self):
        def get(path, headers):
            req = urllib.request.Request(self.base + path, headers=headers)
            try:
                with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
                    return r.status, dict(r.headers), r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers), e.read().decode()
        status, _, body = get("/accounts/login/", {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"})
        self.assertEqual(status, 200)
        self.assertIn('<html lang="ja">', body)
        self.assertIn("メールアドレス", body)
        _, _, body = get("/accounts/login/", {"Accept-Language": "fr, en;q=0.5"})
        self.assertIn('<html lang="en">', body)
        self.assertIn("Email address", body)
        # The cookie wins over the browser.
        _, _, body = get("/accounts/login/", {"Accept-Language": "ja", "Cookie": "tocsin_lang=en"})
        self.assertIn("Email address", body)
        # The switch sets the cookie and goes back, but only to our own pages.
        host = urllib.parse.urlsplit(self.base).netloc
        status, headers, _ = get("/lang/ja", {"Referer": self.base + "/projects/x/?q=1"})
        self.assertEqual((status, headers["Location"]), (303, "/projects/x/?q=1"))
        self.assertIn("tocsin_lang=ja", headers["Set-Cookie"])
        for referer in ("https://evil.example/projects/", "//evil.example/", "nonsense",
                        self.base.replace(host, "evil.example") + "/x",
                        self.base + "//evil.example/"):
            status, headers, _ = get("/lang/en", {"Referer": referer})
            self.assertEqual((status, headers["Location"]), (303, "/"), referer)
        self.assertEqual(get("/lang/fr", {})[0], 404)
        # A session's pages follow the cookie too.
        c = self.logged_in("alice")
        c.jar.set_cookie(http.cookiejar.Cookie(
            0, "tocsin_lang", "ja", None, False, urllib.parse.urlsplit(self.base).hostname,
            False, False, "/", True, False, None, False, None, None, {}))
        _, _, body = c.request("GET", "/projects/")
        self.assertIn("新しいプロジェクト", body)
        c.jar.clear(urllib.parse.urlsplit(self.base).hostname, "/", "tocsin_lang")
        _, _, body = c.request("GET", "/projects/")
        self.assertIn("New project", body)

    def test_every_dashboard_text_has_a_translation(self):
        gateway = os.path.join(ROOT, "services", "web-gateway")
        sources = sorted(os.path.join(gateway, f) for f in os.listdir(gateway)
                         if f.startswith("dashboard") and f.endswith(".cc"))
        out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "i18n_strings.py"),
                              "--check", os.path.join(gateway, "i18n.cc")] + sources,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_badges_page_lists_signed_urls_for_members(self):
        status, _ = self.stack.api("POST", "/api/v3/checks/", {"name": "badged", "tags": "web"},
                                   key=self.alice["api_key"])
        self.assertEqual(status, 201)
        page = f"/projects/{self.alice['project']}/badges/"
        status, _, body = self.logged_in("alice").request("GET", page)
        self.assertEqual(status, 200)
        urls = re.findall(r'<code data-copy="[^"]*">([^<]+)</code>', body)
        self.assertTrue(any("/web.svg" in u for u in urls), urls)
        svg = [u for u in urls if u.endswith("/web.svg")][0]
        path = urllib.parse.urlsplit(svg).path
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            self.assertEqual(r.headers["Content-Type"].split(";")[0], "image/svg+xml")
        self.assertEqual(self.logged_in("bob").request("GET", page)[0], 404)
        self.assertEqual(Client(self.base).request("GET", page)[0], 303)

    def test_members_are_invited_by_link_and_removed(self):
        owner_doc = self.create_user("judy@example.org", "judy's password", "Judy's")
        guest_doc = self.create_user("kim@example.org", "kim's password", "Kim's")
        other_doc = self.create_user("leo@example.org", "leo's password", "Leo's")
        owner, guest, other = Client(self.base), Client(self.base), Client(self.base)
        for c, d in ((owner, owner_doc), (guest, guest_doc), (other, other_doc)):
            self.assertEqual(c.login(d["email"], d["password"])[0], 303)
        project = owner_doc["project"]
        members = f"/projects/{project}/members/"
        status, _, page = owner.request("GET", members)
        self.assertEqual(status, 200)
        self.assertIn("judy@example.org", page)
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        self.assertEqual(owner.request("POST", members + "invite",
                                       {"email": "kim@example.org", "role": "ro"})[0], 403)
        for bad in ({"email": "not an address", "role": "ro"},
                    {"email": "kim@example.org", "role": "owner"},
                    {"email": "judy@example.org", "role": "rw"}):
            status, _, _ = owner.request("POST", members + "invite", dict(bad, csrf=token))
            self.assertEqual(status, 400, bad)
        status, _, page = owner.request("POST", members + "invite",
                                        {"csrf": token, "email": "Kim@Example.org", "role": "ro"})
        self.assertEqual(status, 200)
        link = re.search(r'class="secret">([^<]+)<', page).group(1)
        path = urllib.parse.urlsplit(link).path
        self.assertIn("Kim@Example.org", owner.request("GET", members)[2])
        # The link is also mailed to the address, once.
        def mailed():
            return [m for m in self.smtp.messages if m["to"] == ["Kim@Example.org"]]
        self.assertTrue(wait_until(lambda: mailed(), 20), "no invitation email")
        mail = mailed()[0]["data"].decode()
        self.assertIn(link, mail.replace("=\r\n", "").replace("=3D", "="))
        self.assertIn("judy@example.org", mail)
        time.sleep(2.5)  # two more runs of the job: nothing more is sent
        self.assertEqual(len(mailed()), 1)
        # Not a member yet; another user cannot use the link; GET changes nothing.
        self.assertEqual(guest.request("GET", f"/projects/{project}/checks/")[0], 404)
        self.assertEqual(guest.request("GET", path)[0], 200)
        self.assertEqual(guest.request("GET", f"/projects/{project}/checks/")[0], 404)
        self.assertIn("log in", Client(self.base).request("GET", path)[2].lower())
        other_token = other.csrf("/projects/")
        self.assertEqual(other.request("POST", path, {"csrf": other_token})[0], 403)
        guest_token = guest.csrf("/projects/")
        self.assertEqual(guest.request("POST", path, {})[0], 403)  # no CSRF token
        status, headers, _ = guest.request("POST", path, {"csrf": guest_token})
        self.assertEqual((status, headers["Location"]), (303, f"/projects/{project}/checks/"))
        self.assertEqual(guest.request("GET", f"/projects/{project}/checks/")[0], 200)
        # Once only.
        self.assertEqual(guest.request("POST", path, {"csrf": guest_token})[0], 404)
        self.assertEqual(other.request("POST", path, {"csrf": other_token})[0], 404)
        # A read-only member sees members but cannot invite, remove others or see keys.
        status, _, page = guest.request("GET", members)
        self.assertEqual(status, 200)
        self.assertNotIn("Create invitation link", page)
        owner_id = re.search(r'name="user" value="([^"]+)"', owner.request("GET", members)[2])
        guest_id = owner_id.group(1)  # the only removable member is the guest
        self.assertEqual(guest.request("POST", members + "invite", {
            "csrf": guest_token, "email": "leo@example.org", "role": "rw"})[0], 403)
        self.assertEqual(guest.request("GET", f"/projects/{project}/settings/")[0], 200)
        self.assertNotIn("API keys", guest.request("GET", f"/projects/{project}/settings/")[2])
        # The owner removes the guest; the guest is out at once.
        self.assertEqual(owner.request("POST", members + "remove",
                                       {"csrf": token, "user": guest_id})[0], 303)
        self.assertEqual(guest.request("GET", f"/projects/{project}/checks/")[0], 404)
        self.assertEqual(guest.request("POST", members + "remove",
                                       {"csrf": guest_token, "user": guest_id})[0], 404)
        # A member may leave; the owner may not be removed.
        status, _, page = owner.request("POST", members + "invite",
                                        {"csrf": token, "email": "kim@example.org", "role": "rw"})
        path = urllib.parse.urlsplit(re.search(r'class="secret">([^<]+)<', page).group(1)).path
        self.assertEqual(guest.request("POST", path, {"csrf": guest_token})[0], 303)
        status, headers, _ = guest.request("POST", members + "remove",
                                           {"csrf": guest_token, "user": guest_id})
        self.assertEqual((status, headers["Location"]), (303, "/projects/"))
        _, _, page = owner.request("GET", members)
        self.assertNotIn("kim@example.org", page)
        status, _, page = owner.request("POST", members + "invite",
                                        {"csrf": token, "email": "leo@example.org", "role": "rw"})
        invitation = re.findall(r'name="invitation" value="([^"]+)"',
                                owner.request("GET", members)[2])
        self.assertEqual(len(invitation), 1)
        self.assertEqual(owner.request("POST", members + "remove",
                                       {"csrf": token, "invitation": invitation[0]})[0], 303)
        self.assertNotIn("leo@example.org", owner.request("GET", members)[2])
        self.assertEqual(other.request("GET", members)[0], 404)


if __name__ == "__main__":
    unittest.main()
