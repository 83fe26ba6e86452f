"""tocsinctl's offline commands: `cron next` output, options and errors.

Usage: test_tocsinctl.py PATH_TO_TOCSINCTL (run by CTest).
"""
import re
import shutil
import subprocess
import sys
import unittest

CTL = None


def ctl(*args):
    return subprocess.run([CTL, *args], capture_output=True, text=True, timeout=60)


class CronNextTest(unittest.TestCase):
    def test_defaults_to_five_utc_times(self):
        out = ctl("cron", "next", "*/15 * * * *")
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(len(lines), 5)
        for line in lines:
            self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:(00|15|30|45):00Z$")

    def test_from_count_and_zone(self):
        out = ctl("cron", "next", "--tz", "America/New_York", "--from",
                  "2024-03-09T12:00:00Z", "--count", "3", "0 2 * * *")
        self.assertEqual(out.returncode, 0, out.stderr)
        # 02:00 does not exist on 2024-03-10 in New York: it runs once, when
        # the clock jumps (07:00Z), as Debian's cron does.
        self.assertEqual(out.stdout.splitlines(), [
            "2024-03-10T07:00:00Z", "2024-03-11T06:00:00Z", "2024-03-12T06:00:00Z"])

    def test_strictly_after_from(self):
        out = ctl("cron", "next", "--from", "2024-01-01T00:00:00+00:00",
                  "--count", "1", "0 0 * * *")
        self.assertEqual(out.stdout.strip(), "2024-01-02T00:00:00Z")
        out = ctl("cron", "next", "--from", "2024-01-01T02:00:00+02:00",
                  "--count", "1", "0 0 * * *")
        self.assertEqual(out.stdout.strip(), "2024-01-02T00:00:00Z")

    def test_agrees_with_systemd_where_semantics_coincide(self):
        if not shutil.which("systemd-analyze"):
            self.fail("systemd-analyze missing (tools/install-deps.sh installs systemd)")
        sd = subprocess.run(
            ["systemd-analyze", "calendar", "--iterations=4",
             "--base-time=2024-01-01 00:00:00 UTC", "Mon..Fri *-*-* 09:30:00 UTC"],
            capture_output=True, text=True, timeout=60)
        expected = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC",
                              sd.stdout)
        self.assertEqual(len(expected), 4, sd.stdout)
        out = ctl("cron", "next", "--from", "2024-01-01T00:00:00Z", "--count", "4",
                  "30 9 * * 1-5")
        ours = [l.replace("T", " ").rstrip("Z") for l in out.stdout.splitlines()]
        self.assertEqual(ours, expected)

    def test_invalid_expression_names_the_field_and_exits_2(self):
        for expr, field in (("61 * * * *", "minute"), ("* 24 * * *", "hour"),
                            ("* * 30 2 *", "day-of-month"), ("* * * 13 *", "month"),
                            ("* * * * 8", "day-of-week")):
            out = ctl("cron", "next", expr)
            self.assertEqual(out.returncode, 2, expr)
            self.assertEqual(out.stdout, "", expr)
            self.assertIn(field, out.stderr, expr)
        out = ctl("cron", "next", "0 0 * * * *")
        self.assertEqual(out.returncode, 2)
        self.assertIn("5 fields", out.stderr)

    def test_bad_options_exit_2(self):
        self.assertEqual(ctl("cron", "next", "--tz", "Mars/Base", "* * * * *").returncode, 2)
        self.assertEqual(ctl("cron", "next", "--from", "yesterday", "* * * * *").returncode, 2)
        self.assertEqual(ctl("cron", "next", "--count", "0", "* * * * *").returncode, 2)
        self.assertEqual(ctl("cron", "next").returncode, 2)
        self.assertEqual(ctl("frobnicate").returncode, 2)


class ScheduleNextTest(unittest.TestCase):
    def test_oncalendar_with_dst_gap(self):
        out = ctl("schedule", "next", "--from", "2024-03-30T00:00:00Z", "--tz",
                  "Europe/Riga", "--count", "3", "Sat,Sun *-*-* 03:30")
        self.assertEqual(out.returncode, 0, out.stderr)
        # 03:30 on 2024-03-31 does not exist in Riga (clocks jump 03:00 -> 04:00).
        self.assertEqual(out.stdout.splitlines(), [
            "2024-03-30T01:30:00Z", "2024-04-06T00:30:00Z", "2024-04-07T00:30:00Z"])

    def test_detects_cron_like_healthchecks(self):
        a = ctl("schedule", "next", "--from", "2024-01-01T00:00:00Z", "--count", "2", "0 5 * * *")
        b = ctl("cron", "next", "--from", "2024-01-01T00:00:00Z", "--count", "2", "0 5 * * *")
        self.assertEqual((a.returncode, a.stdout), (0, b.stdout))

    def test_oncalendar_stops_at_2200(self):
        out = ctl("schedule", "next", "--from", "2195-01-01T00:00:00Z", "--count", "10",
                  "*-01-01 00:00:00")
        self.assertEqual(out.returncode, 0, out.stderr)
        # Strictly after the start: 2196 .. 2199, then the evaluator stops.
        self.assertEqual(len(out.stdout.splitlines()), 4)
        self.assertTrue(out.stdout.splitlines()[-1].startswith("2199-01-01"))

    def test_errors_exit_2(self):
        out = ctl("schedule", "next", "Mon 25:00")
        self.assertEqual(out.returncode, 2)
        self.assertIn("hour", out.stderr)
        out = ctl("cron", "next", "daily")
        self.assertEqual(out.returncode, 2)



class CheckDeployTest(unittest.TestCase):
    """`tocsinctl check --deploy` reads only the environment it is given."""

    PRODUCTION = {
        "SECRET_KEY": "k3Jx9vQ2mW7pL0aZ4tR8yU1cE6hN5bG3dF2sA9qW8eR7tY6uI5oP4lK3jH",
        "TOCSIN_INTERNAL_TOKEN": "Zq8Wn3Lp5Xr7Ty1Uv9Kb2Mc4Nd6Fg0HjSaQe",
        "SITE_ROOT": "https://hc.example.org", "DOMAINS": "hc.example.org",
        "DB_HOST": "postgres", "DB_USER": "tocsin",
        "DB_PASSWORD": "pw-from-a-docker-secret-4f9a",
        "EMAIL_HOST": "smtp.example.org", "DEFAULT_FROM_EMAIL": "alerts@example.org",
    }

    def run_check(self, env):
        return subprocess.run([CTL, "check", "--deploy"], env=env,
                              capture_output=True, text=True, timeout=60)

    def test_production_settings_pass(self):
        out = self.run_check(dict(self.PRODUCTION))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(out.stdout, "System check identified no issues.\n")

    def test_errors_fail_and_name_the_setting_without_its_value(self):
        env = dict(self.PRODUCTION, SITE_ROOT="http://hc.example.org",
                   SECRET_KEY="tooshort-secret", TOCSIN_RATE_LIMITS="off")
        out = self.run_check(env)
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("tocsin.E005: SITE_ROOT", out.stdout)
        self.assertIn("tocsin.E003", out.stdout)
        self.assertIn("tocsin.W008", out.stdout)
        self.assertNotIn("tooshort-secret", out.stdout)

    def test_warnings_alone_exit_zero(self):
        env = dict(self.PRODUCTION, INTEGRATIONS_ALLOW_PRIVATE_IPS="True")
        out = self.run_check(env)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertIn("tocsin.W007", out.stdout)
        self.assertIn("1 issue (0 errors, 1 warning)", out.stdout)

if __name__ == "__main__":
    CTL = sys.argv.pop(1)
    unittest.main()
