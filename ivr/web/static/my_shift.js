"use strict";
// The console's "my shift" panel (separate from console.js): my own figures for the shift
// running now, from GET /api/v1/me/figures, refreshed every 30 s.
function minutes(seconds) { return seconds === null ? "–" : duration(seconds); }

async function loadMyShift() {
  const reply = await api("GET", "/api/v1/me/figures");
  const panel = document.getElementById("my-shift");
  if (!panel || reply.status !== 200) return;
  const f = reply.data;
  const reasons = Object.entries(f.pause_s_by_reason).map(([r, s]) => `${r} ${minutes(s)}`);
  panel.querySelector(".shift").textContent = f.shift || "today";
  fill("my-shift-figures", [row([f.handled, f.missed, minutes(f.average_handle_s),
    minutes(f.paused_s), minutes(f.wrapup_s), reasons.join(", ")])]);
}

loadMyShift();
setInterval(loadMyShift, 30000);
