"""Each service refuses to start on a bad setting, with one line naming it.

Usage: test_bad_settings.py DATA_BIN GATEWAY_BIN SCHEDULER_BIN (run by CTest).
"""
import subprocess
import sys
import unittest

BINS = {}
TOKEN = {"TOCSIN_INTERNAL_TOKEN": "0123456789abcdef0123"}


def run(name, env):
    return subprocess.run([BINS[name]], env=env, capture_output=True, text=True,
                          timeout=30)


class BadSettingsTest(unittest.TestCase):
    def assertRefused(self, name, env, setting):
        out = run(name, env)
        self.assertEqual(out.returncode, 2, out.stderr)
        lines = out.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, out.stderr)
        self.assertIn(setting, lines[0])

    def test_missing_internal_token(self):
        for name in BINS:
            self.assertRefused(name, {}, "TOCSIN_INTERNAL_TOKEN")

    def test_bad_numbers_durations_and_choices(self):
        self.assertRefused("data", dict(TOKEN, TOCSIN_DB_POOL_SIZE="lots"), "TOCSIN_DB_POOL_SIZE")
        self.assertRefused("data", dict(TOKEN, DB_PORT="70000"), "DB_PORT")
        self.assertRefused("data", dict(TOKEN, TOCSIN_LOG_LEVEL="loud"), "TOCSIN_LOG_LEVEL")
        self.assertRefused("gateway", dict(TOKEN, SITE_ROOT="example.org"), "SITE_ROOT")
        self.assertRefused("gateway", dict(TOKEN, TOCSIN_TRUSTED_PROXIES="10.0.0.0/99"),
                           "TOCSIN_TRUSTED_PROXIES")
        self.assertRefused("gateway", dict(TOKEN, TOCSIN_RPC_DEADLINE="soon"),
                           "TOCSIN_RPC_DEADLINE")
        self.assertRefused("scheduler", dict(TOKEN, TOCSIN_DEADLINE_WATCH="0s"),
                           "TOCSIN_DEADLINE_WATCH")

    def test_secret_file_that_cannot_be_read(self):
        out = run("data", {"TOCSIN_INTERNAL_TOKEN_FILE": "/nonexistent/token"})
        self.assertEqual(out.returncode, 2)
        self.assertIn("TOCSIN_INTERNAL_TOKEN_FILE", out.stderr)


if __name__ == "__main__":
    BINS["data"], BINS["gateway"], BINS["scheduler"] = sys.argv[1:4]
    del sys.argv[1:4]
    unittest.main()
