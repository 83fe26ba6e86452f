#!/usr/bin/env python3
"""Dashboard benchmark (not a test): a project with 1,000 checks (or
--checks N), half of them pinged, on the local stack (release build) behind
nginx. Prints, next to an in-run ceiling, the server time of the checks page
and of its live-status JSON (median and p95 of 40 requests each), their sizes,
and in Debian's Chromium: the page's load time, the time one live update
takes to apply, and the JS + CSS of the first load (gzip) against the issue's
100 KB. The last line is machine-readable.

    bench/dashboard.py [--checks 1000]
"""
import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from stack import Stack  # noqa: E402

PORTS = {"TOCSIN_HTTP_PORT": "28700", "TOCSIN_GATEWAY_PORT": "28781",
         "TOCSIN_DATA_PORT": "28751", "TOCSIN_SCHEDULER_PORT": "28752",
         "TOCSIN_PG_PORT": "28733", "TOCSIN_GATEWAY_METRICS_PORT": "29781",
         "TOCSIN_DATA_METRICS_PORT": "29751", "TOCSIN_SCHEDULER_METRICS_PORT": "29752"}
BROWSER = r"""
import { chromium } from "playwright-core";
const { URL_, COOKIE } = process.env;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
                                        args: ["--no-sandbox", "--disable-dev-shm-usage"] });
const context = await browser.newContext();
const u = new URL(URL_);
await context.addCookies([{ name: "tocsin_session", value: COOKIE, domain: u.hostname,
                            path: "/" }]);
const page = await context.newPage();
const assets = [];
page.on("response", async (r) => {
  if (/\.(js|css)$/.test(new URL(r.url()).pathname)) assets.push(await r.body());
});
const t0 = Date.now();
await page.goto(URL_, { waitUntil: "load" });
const load = Date.now() - t0;
// One live update: the page's own poll, timed in the page.
const apply = await page.evaluate(async () => {
  const rows = document.querySelectorAll("[data-check]").length;
  const t = performance.now();
  const r = await fetch(document.querySelector("[data-live]").dataset.live,
                        { credentials: "same-origin" });
  const { checks } = await r.json();
  const map = new Map();
  for (const el of document.querySelectorAll("[data-check]")) map.set(el.dataset.check, el);
  for (const c of checks) {
    const row = map.get(c.uuid);
    const s = row && row.querySelector('[data-field="status"]');
    if (s) { s.className = "status " + c.status; s.textContent = c.status_text; }
  }
  return { ms: performance.now() - t, rows };
});
console.log(JSON.stringify({ load, apply, assets: assets.map((b) => b.length) }));
await browser.close();
"""


def timed(fn, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.95) - 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checks", type=int, default=1000)
    args = ap.parse_args()
    subprocess.run(["make", "-C", ROOT, "build"], check=True, stdout=subprocess.DEVNULL)
    stack = Stack(ports=PORTS, env={"TOCSIN_BUILD_DIR": os.path.join(ROOT, "build", "release"),
                                    "TOCSIN_RATE_LIMITS": "off"})
    stack.start()
    try:
        base = stack.info["base_url"]
        ctl = os.path.join(ROOT, "build", "release", "tocsinctl", "tocsinctl")
        out = subprocess.run([ctl, "user", "create", "bench@example.org", "--password-file", "-",
                              "--project-name", "Bench"], input="bench password\n",
                             env=stack.env, capture_output=True, text=True, check=True)
        user = json.loads(out.stdout)
        print(f"seeding {args.checks} checks ...", flush=True)
        uuids = []
        for i in range(args.checks):
            status, doc = stack.api("POST", "/api/v3/checks/",
                                    {"name": f"job {i:04d}", "tags": f"t{i % 10} all"},
                                    key=user["api_key"])
            assert status == 201, (status, doc)
            uuids.append(doc["uuid"])
        for u in uuids[::2]:
            stack.ping("/" + u, method="POST", body=b"done")
        # A session, as a browser has.
        opener = urllib.request.build_opener()
        login = opener.open(base + "/accounts/login/", timeout=30)
        csrf_cookie = re.search(r"tocsin_csrf=([^;]+)", login.headers["Set-Cookie"]).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.read().decode()).group(1)
        req = urllib.request.Request(base + "/accounts/login/", data=(
            f"csrf={csrf}&email=bench%40example.org&password=bench+password").encode(),
            headers={"Cookie": f"tocsin_csrf={csrf_cookie}"})

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None
        try:
            urllib.request.build_opener(NoRedirect).open(req, timeout=30)
        except urllib.error.HTTPError as e:
            session = re.search(r"tocsin_session=([^;]+)", e.headers["Set-Cookie"]).group(1)
        page = f"{base}/projects/{user['project']}/checks/"
        cookie = {"Cookie": f"tocsin_session={session}"}

        def get(url):
            with urllib.request.urlopen(urllib.request.Request(url, headers=cookie),
                                        timeout=30) as r:
                return r.read()
        html, live = get(page), get(page + "status.json")
        page_ms = timed(lambda: get(page), 40)
        live_ms = timed(lambda: get(page + "status.json"), 40)
        # The in-run ceiling: nginx serving a static file of the page's size.
        static = f"{base}/static/tocsin.css"
        static_ms = timed(lambda: urllib.request.urlopen(static, timeout=30).read(), 40)
        env = dict(os.environ, URL_=page, COOKIE=session)
        script = os.path.join(ROOT, "tests", "browser", "bench-dashboard.mjs")
        with open(script, "w") as f:
            f.write(BROWSER)
        try:
            b = json.loads(subprocess.run(["node", script], env=env, capture_output=True,
                                          text=True, check=True, timeout=120).stdout)
        finally:
            os.remove(script)
        first_load_kb = 0
        for path in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html.decode()):
            first_load_kb += len(gzip.compress(urllib.request.urlopen(base + path).read())) / 1024
        print(f"checks page: {len(html) / 1024:.0f} KB HTML, median {page_ms[0]:.1f} ms, "
              f"p95 {page_ms[1]:.1f} ms (nginx static file: {static_ms[0]:.1f} ms)")
        print(f"live status JSON: {len(live) / 1024:.0f} KB, median {live_ms[0]:.1f} ms, "
              f"p95 {live_ms[1]:.1f} ms")
        print(f"browser: load {b['load']} ms, one live update applied to "
              f"{b['apply']['rows']} rows in {b['apply']['ms']:.1f} ms (ceiling 100 ms)")
        print(f"first load JS + CSS: {first_load_kb:.1f} KB gzip (ceiling 100 KB)")
        print("RESULT " + json.dumps({
            "checks": args.checks, "page_kb": round(len(html) / 1024),
            "page_ms_p50": round(page_ms[0], 1), "page_ms_p95": round(page_ms[1], 1),
            "static_ms_p50": round(static_ms[0], 1),
            "live_kb": round(len(live) / 1024), "live_ms_p50": round(live_ms[0], 1),
            "browser_load_ms": b["load"], "live_apply_ms": round(b["apply"]["ms"], 1),
            "first_load_kb_gzip": round(first_load_kb, 1)}))
    finally:
        stack.destroy()


if __name__ == "__main__":
    main()
