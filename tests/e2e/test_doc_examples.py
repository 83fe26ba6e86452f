"""Replays the reference documentation's example requests and compares the
shapes of our answers (field names and JSON types, not values) with the
documented example responses, for API v1, v2 and v3.

Deliberate differences, each recorded in HEALTHCHECKS-BEHAVIOUR.md or in our
docs/api.md:
- the flips list is an object {"flips": [...]}, not a bare array;
- "subject"/"subject_fail" appear in some older examples only: optional;
- a check shows "timeout" (simple) or "schedule" + "tz" (cron/OnCalendar),
  so those are compared only against the matching kind of check;
- older v1/v2 examples predate "uuid" and "badge_url" (which Healthchecks
  does return in v1/v2, per HEALTHCHECKS-BEHAVIOUR.md) and the newer
  "filter_http_body"/"filter_default_fail": ours may have them where an
  example does not.
"""
import json
import os
import re
import unittest
import uuid

from stack import Stack

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                    "reference", "healthchecks-docs")
OPTIONAL = {"subject", "subject_fail"}
KIND_FIELDS = {"timeout", "schedule", "tz"}
NEWER_THAN_SOME_EXAMPLES = {"uuid", "badge_url", "filter_http_body", "filter_default_fail"}


def examples(doc):
    """{section anchor: [example response JSON, ...]} from one docs file."""
    with open(os.path.join(DOCS, doc)) as f:
        text = f.read()
    out = {}
    for section in re.split(r"\n## ", text):
        m = re.search(r"\{: #([\w-]+) \.rule \}", section.split("\n", 1)[0])
        if not m:
            continue
        found = []
        # Every JSON block from the first example response on (the read-only
        # variants follow it); some older examples have trailing commas.
        start = section.find("### Example Response")
        if start >= 0:
            for block in re.findall(r"```json\n(.*?)```", section[start:], re.S):
                found.append(json.loads(re.sub(r",(\s*[}\]])", r"\1", block)))
        out[m.group(1)] = found
    return out


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


class DocExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = Stack()
        cls.stack.env.update({"TOCSIN_HTTP_PORT": "18100", "TOCSIN_GATEWAY_PORT": "18181",
                              "TOCSIN_DATA_PORT": "18151", "TOCSIN_SCHEDULER_PORT": "18152",
                              "TOCSIN_PG_PORT": "18533",
                              "TOCSIN_GATEWAY_METRICS_PORT": "19181",
                              "TOCSIN_DATA_METRICS_PORT": "19151",
                              "TOCSIN_SCHEDULER_METRICS_PORT": "19152"})
        cls.stack.start()
        cls.key = cls.stack.info["api_key"]
        cls.ro = cls.stack.info["api_key_readonly"]

    @classmethod
    def tearDownClass(cls):
        cls.stack.destroy()

    def assertSameShape(self, ours, documented, path="$"):
        if isinstance(documented, dict):
            self.assertIsInstance(ours, dict, path)
            doc_keys = set(documented) - OPTIONAL
            our_keys = set(ours) - OPTIONAL
            if {"ping_url", "unique_key", "n_pings"} & doc_keys:
                # A check: compare the schedule fields of its own kind only,
                # and allow fields newer than the example.
                doc_keys -= KIND_FIELDS
                our_keys -= KIND_FIELDS
                our_keys -= NEWER_THAN_SOME_EXAMPLES - doc_keys
            self.assertEqual(our_keys, doc_keys, path)
            for k in doc_keys:
                self.assertSameShape(ours[k], documented[k], f"{path}.{k}")
        elif isinstance(documented, list):
            self.assertIsInstance(ours, list, path)
            if documented and ours:
                for item in ours:
                    self.assertSameShape(item, documented[0], path + "[]")
        elif documented is None or ours is None:
            pass  # Nullable in one of the two (dates, rid, body_url).
        else:
            self.assertEqual(kind(ours), kind(documented), path)

    def check_version(self, version, doc):
        ex = examples(doc)
        api = f"/api/{version}"
        s = self.stack
        status, created = s.api("POST", f"{api}/checks/",
                                {"name": "Backups", "tags": "prod www", "timeout": 3600,
                                 "grace": 60}, key=self.key)
        self.assertEqual(status, 201)
        self.assertSameShape(created, ex["create-check"][0], "create")
        u = created["uuid"]
        rid = str(uuid.uuid4())
        s.ping(f"/{u}/start?rid={rid}")
        s.ping(f"/{u}?rid={rid}", method="POST", body="done")
        s.ping(f"/{u}/fail")
        s.ping(f"/{u}")
        status, doc_list = s.api("GET", f"{api}/checks/", key=self.key)
        self.assertSameShape(doc_list["checks"][0], ex["list-checks"][0]["checks"][0], "list")
        status, ro_list = s.api("GET", f"{api}/checks/", key=self.ro)
        self.assertSameShape(ro_list["checks"][0], ex["list-checks"][1]["checks"][0], "list ro")
        status, got = s.api("GET", f"{api}/checks/{u}", key=self.key)
        self.assertSameShape(got, ex["get-check"][0], "get")
        status, got_ro = s.api("GET", f"{api}/checks/{ro_list['checks'][0]['unique_key']}",
                               key=self.ro)
        self.assertSameShape(got_ro, ex["get-check"][1], "get ro")
        status, updated = s.api("POST", f"{api}/checks/{u}", {"name": "Backups"}, key=self.key)
        self.assertSameShape(updated, ex["update-check"][0], "update")
        status, pings = s.api("GET", f"{api}/checks/{u}/pings/", key=self.key)
        for p in pings["pings"]:
            # The documented list shows pings with and without a duration.
            shape = next(d for d in ex["list-pings"][0]["pings"]
                         if ("duration" in d) == ("duration" in p))
            self.assertSameShape(p, shape, "pings[]")
        status, flips = s.api("GET", f"{api}/checks/{u}/flips/", key=self.key)
        self.assertEqual(set(flips), {"flips"})  # Object, not the example's array.
        self.assertSameShape(flips["flips"], ex["list-flips"][0], "flips")
        status, channels = s.api("GET", f"{api}/channels/", key=self.key)
        self.assertSameShape(channels, {"channels": []}, "channels")
        status, badges = s.api("GET", f"{api}/badges/", key=self.key)
        documented_badges = ex["list-badges"][0]["badges"]
        self.assertSameShape(badges["badges"]["prod"], next(iter(documented_badges.values())),
                             "badges")
        status, paused = s.api("POST", f"{api}/checks/{u}/pause", key=self.key, raw="")
        self.assertSameShape(paused, ex["pause-check"][0], "pause")
        if "resume-check" in ex and ex["resume-check"]:
            status, resumed = s.api("POST", f"{api}/checks/{u}/resume", key=self.key, raw="")
            self.assertSameShape(resumed, ex["resume-check"][0], "resume")
        status, deleted = s.api("DELETE", f"{api}/checks/{u}", key=self.key)
        self.assertSameShape(deleted, ex["delete-check"][0], "delete")

    def test_v3(self):
        self.check_version("v3", "api.md")

    def test_v2(self):
        self.check_version("v2", "apiv2.md")

    def test_v1(self):
        self.check_version("v1", "apiv1.md")


if __name__ == "__main__":
    unittest.main()
