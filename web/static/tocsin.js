// Tocsin's dashboard: the little it needs from script. Loaded from our own
// origin (the CSP allows no inline script). Everything works without it;
// this adds "Copy" buttons next to ping URLs and examples.
"use strict";

// The script's own words, in the page's language (<html lang>).
const WORDS = {
  en: {
    copy: "Copy", copyWhat: "Copy ", copied: "Copied", selected: "Selected: press Ctrl+C",
    loggedOut: "Logged out: reload the page to log in again.",
    nowOne: "A check is now ", nowMany: " checks changed status",
  },
  ja: {
    copy: "コピー", copyWhat: "コピー: ", copied: "コピーしました",
    selected: "選択しました: Ctrl+C を押してください",
    loggedOut: "ログアウトしました。ページを再読み込みしてログインしてください。",
    nowOne: "チェックの状態が変わりました: ", nowMany: " 件のチェックの状態が変わりました",
  },
};
const T = WORDS[document.documentElement.lang] || WORDS.en;

// Times come from the server in UTC (named); shown in the browser's own
// zone, named too.
const LOCAL_TIME = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
  second: "2-digit", timeZoneName: "short",
});
function localize(el) {
  const when = new Date(el.getAttribute("datetime"));
  if (isNaN(when)) return;
  el.title = el.textContent;  // The UTC form stays one hover away.
  el.textContent = LOCAL_TIME.format(when);
}
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("time[datetime]").forEach(localize);
});

document.addEventListener("DOMContentLoaded", () => {
  for (const target of document.querySelectorAll("[data-copy]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = T.copy;
    button.setAttribute("aria-label", T.copyWhat + (target.dataset.copy || ""));
    const status = document.createElement("span");
    status.className = "copied";
    status.setAttribute("role", "status");
    button.addEventListener("click", async () => {
      try {
        // A clipboard that neither works nor fails (permission prompt never
        // answered) counts as failed after a second.
        await Promise.race([
          navigator.clipboard.writeText(target.textContent),
          new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 1000)),
        ]);
        status.textContent = T.copied;
      } catch (e) {
        // No clipboard (plain HTTP, say): select the text for Ctrl+C.
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        status.textContent = T.selected;
      }
    });
    target.after(button, status);
  }
});

// Live status: a page with [data-live] asks for its project's check
// statuses every few seconds (less often while hidden, backing off when the
// server is busy) and swaps in what changed. Cells carry data-field names
// inside an element with data-check="<uuid>".
document.addEventListener("DOMContentLoaded", () => {
  const source = document.querySelector("[data-live]");
  if (!source || !window.fetch) return;
  const url = source.dataset.live;
  const announce = document.createElement("p");
  announce.className = "sr-only";
  announce.setAttribute("role", "status");
  source.before(announce);
  let delay = 3000;
  const poll = async () => {
    if (document.hidden) return setTimeout(poll, 15000);
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
      });
      if (response.status === 401 || response.type === "opaqueredirect") {
        announce.textContent = T.loggedOut;
        return;  // Nothing more to show until the user logs in again.
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      const { checks } = await response.json();
      const changed = [];
      // One pass over the page, not one per check: a project may have
      // thousands.
      const rows = new Map();
      for (const el of document.querySelectorAll("[data-check]")) {
        if (!rows.has(el.dataset.check)) rows.set(el.dataset.check, []);
        rows.get(el.dataset.check).push(el);
      }
      for (const check of checks) {
        for (const row of rows.get(check.uuid) || []) {
          const status = row.querySelector('[data-field="status"]');
          if (status && !status.classList.contains(check.status)) {
            status.className = "status " + check.status;
            status.textContent = check.status_text;
            changed.push(check.status_text);
          }
          const last = row.querySelector('[data-field="last_ping"]');
          const shown = last && last.querySelector("time");
          if (last && (shown ? shown.getAttribute("datetime") : "") !== check.last_ping) {
            if (check.last_ping) {
              const time = document.createElement("time");
              time.setAttribute("datetime", check.last_ping);
              time.textContent = check.last_ping_text;
              last.replaceChildren(time);
              localize(time);
            } else {
              last.textContent = check.last_ping_text;
            }
          }
          const count = row.querySelector('[data-field="n_pings"]');
          if (count) count.textContent = String(check.n_pings);
        }
      }
      if (changed.length === 1) announce.textContent = T.nowOne + changed[0];
      else if (changed.length > 1) announce.textContent = changed.length + T.nowMany;
      delay = 3000;
    } catch (e) {
      delay = Math.min(delay * 2, 60000);
    }
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
});

// Schedule preview: as the schedule or its zone is typed, the server's own
// evaluator lists the next expected times (or says why the expression is
// not one) in the form's status region.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-preview]");
  if (!form || !window.fetch) return;
  const region = document.getElementById("schedule-preview");
  const inputs = ["schedule", "tz"].map((id) => document.getElementById(id));
  if (!region || inputs.includes(null)) return;
  let timer = null;
  let asked = 0;
  const ask = async () => {
    const mine = ++asked;
    const query = new URLSearchParams({ schedule: inputs[0].value, tz: inputs[1].value });
    try {
      const response = await fetch(form.dataset.preview + "?" + query, {
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
      });
      if (!response.ok || mine !== asked) return;  // A later answer wins.
      const { html } = await response.json();
      // Our own server's markup, with every value escaped there.
      region.innerHTML = html;
    } catch (e) {
      // Offline for a moment: the form still submits and is checked there.
    }
  };
  for (const input of inputs) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(ask, 300);
    });
  }
});
