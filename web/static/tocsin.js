// Tocsin's dashboard: the little it needs from script. Loaded from our own
// origin (the CSP allows no inline script). Everything works without it;
// this adds "Copy" buttons next to ping URLs and examples.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const target of document.querySelectorAll("[data-copy]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy " + (target.dataset.copy || "text"));
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
        status.textContent = "Copied";
      } catch (e) {
        // No clipboard (plain HTTP, say): select the text for Ctrl+C.
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        status.textContent = "Selected: press Ctrl+C";
      }
    });
    target.after(button, status);
  }
});
