"""End-to-end: the web dashboard through nginx — in Debian's Chromium
(tests/browser/dashboard.mjs: log-in, projects, checks, log-out, axe-core on
every page, screenshots at desktop and phone widths), and its security rules
over plain HTTP (CSRF, sessions scoped to their user, log-in rate limits, no
account enumeration)."""
import http.cookiejar
import os
import re
import shutil
import subprocess
import unittest
import urllib.error
import urllib.parse
import urllib.request

from stack import ROOT, Stack

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
        cls.stack = Stack(ports=PORTS, env={"REGISTRATION_OPEN": "True"})
        cls.stack.start()
        cls.base = cls.stack.info["base_url"]
        cls.alice = cls.create_user("alice@example.org", "correct horse battery",
                                    "Browser project")
        cls.bob = cls.create_user("bob@example.org", "another good one", "Bob's")

    @classmethod
    def tearDownClass(cls):
        cls.stack.destroy()

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
                   PASSWORD=self.alice["password"], SCREENSHOTS=SCREENSHOTS)
        out = subprocess.run(["node", os.path.join(BROWSER_DIR, "dashboard.mjs")],
                             env=env, capture_output=True, text=True, timeout=300)
        print("\n" + out.stdout)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(os.path.exists(os.path.join(SCREENSHOTS, "checks-phone.png")))

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
            return {n for n, u in made.items() if 'data-uuid="%s"' % u in body}, body

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


if __name__ == "__main__":
    unittest.main()
