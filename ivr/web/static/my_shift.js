"use strict";
// The console's "my shift" panel (separate from console.js): my own figures for the shift
// running now, from GET /api/v1/me/figures. Refreshed every 30 s, and soon after each of my
// own actions or calls (operator.js calls myShiftSoon): the figures are written as Asterisk
// reports the pause ended or the call completed, a moment after the click.
function minutes(seconds) { return seconds === null ? "–" : duration(seconds); }

async function loadMyShift() {
  const reply = await api("GET", "/api/v1/me/figures");
  const panel = document.getElementById("my-shift");
  if (!panel || reply.status !== 200) return;
  const f = reply.data;
  const reasons = Object.entries(f.pause_s_by_reason).map(([r, s]) => `${r} ${minutes(s)}`);
  panel.querySelector(".shift").textContent = f.shift || "today";
  fill("my-shift-figures", [row([
    {text: f.handled, cls: "handled"}, {text: f.missed, cls: "missed"},
    {text: minutes(f.average_handle_s), cls: "handle"}, {text: minutes(f.paused_s), cls: "paused"},
    {text: minutes(f.wrapup_s), cls: "wrapup"}, {text: reasons.join(", "), cls: "reasons"}])]);
}

function myShiftSoon() {
  for (const ms of [1000, 4000]) setTimeout(loadMyShift, ms);
}

loadMyShift();
setInterval(loadMyShift, 30000);
