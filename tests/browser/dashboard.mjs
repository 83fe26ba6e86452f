// The dashboard in a real browser (Debian's Chromium through playwright-core),
// through nginx. Run by tests/e2e/test_dashboard.py, which starts the stack
// and passes BASE_URL, EMAIL, PASSWORD, SCREENSHOTS (a directory) and
// RECEIVER_URL (a local HTTP server that records what it gets).
// Prints one line per step; exits non-zero on the first failure.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const { BASE_URL, EMAIL, PASSWORD, SCREENSHOTS, RECEIVER_URL } = process.env;

function check(cond, what) {
  if (!cond) throw new Error(what);
  console.log("ok: " + what);
}

// Serious and critical accessibility violations on the current page.
async function axe(page, name) {
  // Through the DevTools protocol: the page's CSP (no inline scripts)
  // stays in force for everything else.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run());
  const bad = result.violations.filter((v) => ["serious", "critical"].includes(v.impact));
  check(bad.length === 0, `${name}: no serious or critical axe violations ` +
        (bad.length ? JSON.stringify(bad.map((v) => v.id)) : ""));
}

async function shoot(page, name) {
  for (const [label, size] of [["desktop", { width: 1280, height: 800 }],
                               ["phone", { width: 360, height: 740 }]]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${SCREENSHOTS}/${name}-${label}.png`, fullPage: true });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= size.width, `${name} fits ${size.width} px wide (${wide} px)`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const errors = [];
try {
  // A zone other than the machine's, to see times shown in the browser's own.
  const page = await browser.newPage({ timezoneId: "Asia/Tokyo" });
  // CSP violations and script errors show up here.
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));

  // Signing up, then logging in with the new account, and out again.
  const newcomer = `newcomer-${Date.now()}@example.org`;
  await page.goto(BASE_URL + "/accounts/signup/");
  await page.getByLabel("Email address").fill(newcomer);
  await page.getByLabel("Password (at least 8 characters)").fill("a fine password");
  await axe(page, "sign-up page");
  await shoot(page, "signup");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Account ready" }).waitFor();
  await page.getByRole("link", { name: "Log in" }).last().click();
  await page.getByLabel("Email address").fill(newcomer);
  await page.getByLabel("Password").fill("a fine password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/projects\/$/);
  check(await page.getByRole("link", { name: "My Project" }).isVisible(),
        "a new account signs up, logs in and finds its first project");
  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(/\/accounts\/login\/$/);

  await page.goto(BASE_URL + "/");
  check(page.url().endsWith("/accounts/login/"), "the home page sends a visitor to log in");
  await axe(page, "log-in page");
  await shoot(page, "login");

  await page.getByLabel("Email address").fill(EMAIL);
  await page.getByLabel("Password").fill("wrong password");
  await page.getByRole("button", { name: "Log in" }).click();
  check(await page.getByRole("alert").textContent() === "Wrong email address or password.",
        "a wrong password is refused with a clear message");
  // That answer is a 400, which Chromium logs as a failed load: expected.
  errors.length = 0;

  await page.getByLabel("Email address").fill(EMAIL);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/projects\/$/);
  check(await page.getByRole("heading", { name: "Projects" }).isVisible(),
        "logging in lands on the projects page");
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "tocsin_session");
  check(session && session.httpOnly && session.sameSite === "Lax",
        "the session cookie is HttpOnly and SameSite=Lax");
  await axe(page, "projects page");
  await shoot(page, "projects");

  await page.getByRole("link", { name: "Browser project" }).click();
  await page.waitForURL(/\/checks\/$/);
  check(await page.getByText("nightly-backup").isVisible(), "the project's checks are listed");
  await axe(page, "checks page");
  await shoot(page, "checks");

  const checksUrl = page.url();
  await page.getByRole("link", { name: "New check" }).click();
  await page.waitForURL(/\/checks\/new$/);
  await axe(page, "new check form");
  await shoot(page, "new-check");
  await page.getByLabel("Name", { exact: true }).fill("made in the browser");
  await page.getByLabel("Period: a ping is expected every (minutes)").fill("30");
  await page.getByRole("button", { name: "Create check" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  check(await page.getByRole("heading", { name: "made in the browser" }).isVisible(),
        "a check made with the form opens its page");
  check((await page.locator("dl.check").textContent()).includes("every 30m"),
        "with the period that was asked");
  await page.getByRole("link", { name: "Delete this check…" }).click();
  await page.getByRole("button", { name: "Delete" }).click();
  await page.waitForURL(/\/checks\/$/);
  check(await page.getByText("made in the browser").count() === 0,
        "deleting it after the confirmation takes it off the list");
  await page.goto(checksUrl);

  await page.getByRole("link", { name: "nightly-backup" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  check(await page.getByRole("heading", { name: "nightly-backup" }).isVisible(),
        "a check's page opens from the list");
  const pings = page.locator("table.pings tbody tr");
  check(await pings.count() === 1, "the check's ping is listed");
  const row = await pings.first().textContent();
  check(row.includes("success") && row.includes("POST") && row.includes("11 bytes"),
        "the ping shows its kind, method and body size: " + row);
  check((await page.locator("pre code").first().textContent()).includes("curl -fsS"),
        "ready-to-paste examples are shown");
  await page.getByRole("button", { name: "Copy ping URL" }).click();
  await page.getByRole("status").filter({ hasText: /Copied|Selected/ }).first()
    .waitFor({ timeout: 5000 });
  check(true, "the ping URL's Copy button copies (or selects) it");
  await axe(page, "check page");
  await shoot(page, "check");
  check((await page.locator("ol.flips").textContent()).includes("new") &&
        (await page.locator("ol.flips li").count()) === 1,
        "the status history shows the first ping's change, new to up");
  await page.getByRole("button", { name: "Pause" }).click();
  await page.getByRole("button", { name: "Resume" }).waitFor();
  check(await page.locator("dl.check .status").textContent() === "paused",
        "pausing shows the check paused");
  await page.getByRole("button", { name: "Resume" }).click();
  await page.getByRole("button", { name: "Pause" }).waitFor();
  check(await page.locator("dl.check .status").textContent() === "new",
        "resuming makes it new again");

  // A project of one's own, made from the projects page, with an API key
  // made, shown once, used and revoked on its settings page.
  await page.goto(BASE_URL + "/projects/");
  await page.getByLabel("Name").fill("Made in the browser");
  await page.getByRole("button", { name: "Create project" }).click();
  await page.waitForURL(/\/projects\/[0-9a-f-]{36}\/checks\/$/);
  check(await page.getByRole("heading", { name: "Made in the browser" }).isVisible(),
        "a new project opens on its checks page");
  await page.getByRole("link", { name: "Settings" }).click();
  await page.waitForURL(/\/settings\/$/);
  await axe(page, "project settings");
  await shoot(page, "settings");
  await page.getByLabel("Label (what the key is for)").fill("browser test");
  await page.getByRole("button", { name: "Create API key" }).click();
  const apiKey = (await page.locator("code.secret").textContent()).trim();
  check(/^[A-Za-z0-9_-]{20,}$/.test(apiKey), "a new API key is shown");
  await axe(page, "new API key");
  const listWith = async (key) =>
    (await fetch(BASE_URL + "/api/v3/checks/", { headers: { "X-Api-Key": key } })).status;
  check(await listWith(apiKey) === 200, "the new key works with the Management API");
  await page.getByRole("link", { name: "Back to the settings" }).click();
  await page.waitForURL(/\/settings\/$/);
  check(!(await page.content()).includes(apiKey) &&
        (await page.locator("table.keys").textContent()).includes("browser test"),
        "the settings list the key by its label, never the key again");
  await page.getByRole("button", { name: "Revoke browser test" }).click();
  await page.waitForURL(/\/settings\/$/);
  check(await page.locator("table.keys").count() === 0 && await listWith(apiKey) === 401,
        "a revoked key is gone and stops working");

  // A check of the new project, pinged with curl while the checks page is
  // open: the page changes by itself, without a reload.
  await page.getByRole("link", { name: "Checks" }).click();
  await page.getByRole("link", { name: "New check" }).click();
  await page.getByLabel("Name", { exact: true }).fill("live one");
  await page.getByRole("button", { name: "Create check" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  const pingUrl = (await page.locator('code[data-copy="ping URL"]').textContent()).trim();
  await page.getByRole("link", { name: "Checks" }).click();
  await page.waitForURL(/\/checks\/$/);
  const status = page.locator('tr[data-check] [data-field="status"]');
  check(await status.textContent() === "new", "the new check is listed as new");
  await page.evaluate(() => { window.notReloaded = true; });
  execFileSync("curl", ["-fsS", "-m", "10", "-o", "/dev/null", "--data-binary",
                        "<b>job said</b> hello & goodbye", pingUrl]);
  await page.locator('tr[data-check] [data-field="status"]', { hasText: "up" })
    .waitFor({ timeout: 20000 });
  check(await page.evaluate(() => window.notReloaded === true) &&
        (await page.locator('tr[data-check] [data-field="last_ping"]').textContent()) !== "never",
        "after a ping with curl the page shows the check up by itself (no reload)");
  await page.getByRole("link", { name: "live one" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  const logRow = await page.locator("table.pings tbody tr").first().textContent();
  check(logRow.includes("<b>job said</b> hello & goodbye"),
        "the ping log previews the body as text: " + logRow);
  await page.getByRole("link", { name: "31 bytes" }).click();
  await page.waitForURL(/\/pings\/1\/body$/);
  check(await page.locator("pre code").textContent() === "<b>job said</b> hello & goodbye",
        "the body's link opens the whole body, as text");
  await axe(page, "ping body page");

  // Editing it: a cron schedule, previewed by the server as it is typed.
  await page.getByRole("link", { name: "Back to the check" }).click();
  await page.getByRole("link", { name: "Edit this check" }).click();
  await page.waitForURL(/\/edit$/);
  const schedule = page.getByLabel(/Or a schedule instead of the period/);
  await schedule.fill("61 * * * *");
  await page.locator("#schedule-preview .error").waitFor({ timeout: 10000 });
  check((await page.locator("#schedule-preview").textContent()).includes("schedule"),
        "an invalid cron expression is explained as it is typed");
  await schedule.fill("30 4 * * 1");
  await page.getByLabel("Time zone of the schedule").fill("Asia/Tokyo");
  await page.locator("#schedule-preview li").first().waitFor({ timeout: 10000 });
  const times = await page.locator("#schedule-preview li").allTextContents();
  check(times.length === 5 && times.every((t) => t.startsWith("Mon") && t.includes("04:30")),
        "the next five times are previewed in the schedule's zone: " + times[0]);
  await page.getByLabel("Description").fill("Weekly report, Monday mornings.");
  await axe(page, "edit check form");
  await shoot(page, "edit-check");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  const settingsText = await page.locator("dl.check").textContent();
  check(settingsText.includes("30 4 * * 1 (Asia/Tokyo)") &&
        settingsText.includes("Weekly report, Monday mornings."),
        "the edited schedule and description are saved");

  // A webhook to a local receiver, and a test through it that arrives.
  await page.getByRole("link", { name: "Integrations" }).click();
  await page.waitForURL(/\/integrations\/$/);
  await page.locator("summary", { hasText: "Webhook" }).click();
  await page.locator("#add-webhook-name").fill("local receiver");
  await page.getByLabel("URL to call when a check goes down")
    .fill(RECEIVER_URL + "/hook/$STATUS/$NAME");
  await axe(page, "integrations page");
  await shoot(page, "integrations");
  await page.getByRole("button", { name: "Add Webhook" }).click();
  await page.waitForURL(/\/integrations\/[0-9a-f-]{36}\/$/);
  await page.getByRole("button", { name: "Send a test notification" }).click();
  await page.getByRole("status").filter({ hasText: "Test notification queued" }).waitFor();
  const sent = page.locator('td[data-state="sent"]');
  for (let i = 0; i < 40 && await sent.count() === 0; i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  check(await sent.count() === 1, "the test notification is delivered and listed as sent");
  await axe(page, "integration page");
  await shoot(page, "integration");
  // The project's check alerts through the new integration; its page
  // turns that off and on.
  await page.getByRole("link", { name: "Checks" }).click();
  await page.getByRole("link", { name: "live one" }).click();
  const box = page.getByRole("checkbox", { name: /local receiver/ });
  check(await box.isChecked(), "a new integration covers the project's existing checks");
  await box.uncheck();
  await page.getByRole("button", { name: "Save integrations" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  check(!(await box.isChecked()), "a check's integrations are switched off on its page");
  await box.check();
  await page.getByRole("button", { name: "Save integrations" }).click();
  await page.waitForURL(/\/checks\/[0-9a-f-]{36}\/$/);
  check(await box.isChecked(), "and on again");
  // A real alert: the job reports a failure; the open page shows the check
  // down by itself, and the webhook gets the alert (test_dashboard.py
  // checks the receiver).
  execFileSync("curl", ["-fsS", "-m", "10", "-o", "/dev/null", pingUrl + "/fail"]);
  await page.locator('dl.check [data-field="status"]', { hasText: "down" })
    .waitFor({ timeout: 20000 });
  check(true, "a failure ping shows the check down on its open page");
  for (let i = 0; i < 40 && await page.locator('td[data-state="sent"]').count() === 0; i++) {
    await page.waitForTimeout(500);
    await page.reload();
  }
  check((await page.locator("table.channels").last().textContent()).includes("local receiver") &&
        await page.locator('td[data-state="sent"]').count() === 1,
        "the alert is listed as sent through the webhook on the check's page");

  // Badges: the project's badge URLs with previews that load.
  await page.getByRole("link", { name: "Badges" }).click();
  await page.waitForURL(/\/badges\/$/);
  const badge = page.getByRole("img", { name: "All checks" });
  await badge.waitFor();
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  check(await badge.evaluate((img) => img.naturalWidth > 0),
        "the badges page previews the project's badge");
  await axe(page, "badges page");
  await shoot(page, "badges");

  // Members: an invitation link made on the members page.
  await page.getByRole("link", { name: "Members" }).click();
  await page.waitForURL(/\/members\/$/);
  await page.locator("#invite-email").fill("colleague@example.org");
  await page.getByRole("button", { name: "Create invitation link" }).click();
  check((await page.locator("code.secret").textContent()).includes("/invitations/"),
        "an owner gets an invitation link to send");
  await page.getByRole("link", { name: "Back to the members" }).click();
  check((await page.locator("ul.invitations").textContent()).includes("colleague@example.org"),
        "the open invitation is listed");
  await axe(page, "members page");
  await shoot(page, "members");

  // Japanese, one link away, and back; times in the browser's zone, named.
  await page.goto(BASE_URL + "/projects/");
  await page.getByRole("link", { name: "日本語" }).click();
  await page.waitForURL(/\/projects\/$/);
  check(await page.locator("html").getAttribute("lang") === "ja" &&
        await page.getByRole("heading", { name: "プロジェクト", exact: true }).isVisible(),
        "the language link switches the pages to Japanese and stays on the page");
  await page.getByRole("link", { name: "Made in the browser" }).click();
  await page.waitForURL(/\/checks\/$/);
  check(await page.locator('[data-field="status"]').first().textContent() === "ダウン" &&
        await page.getByRole("link", { name: "新しいチェック" }).isVisible(),
        "statuses and actions are in Japanese");
  const when = page.locator('[data-field="last_ping"] time');
  check((await when.getAttribute("title")).endsWith(" UTC") &&
        /JST|GMT\+9/.test(await when.textContent()),
        "times are shown in the browser's zone: " + await when.textContent());
  await axe(page, "checks page in Japanese");
  await shoot(page, "checks-ja");
  await page.getByRole("link", { name: "live one" }).click();
  await axe(page, "check page in Japanese");
  await shoot(page, "check-ja");
  await page.getByRole("link", { name: "English" }).click();
  await page.getByRole("heading", { name: "live one" }).waitFor();
  check(await page.locator("html").getAttribute("lang") === "en", "and back to English");

  await page.getByRole("button", { name: "Log out" }).click();
  await page.waitForURL(/\/accounts\/login\/$/);
  await page.goto(BASE_URL + "/projects/");
  check(page.url().endsWith("/accounts/login/"), "after logging out the pages are closed");
  check(errors.length === 0, "no script or CSP errors in the console " + JSON.stringify(errors));
} finally {
  await browser.close();
}
