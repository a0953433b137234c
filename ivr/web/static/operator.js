"use strict";
// The operator's day at the console: queue log-in/out, pause with a reason, the wrap-up code
// after each call, transfer and hold, and my figures for the day. console.js tells it about
// the call offered (operatorOffer); my_shift.js draws my figures (myShiftSoon).
let me = null, meAt = 0, connectedCall = null, wrapFor = null, wrapEndsAt = 0;

function el(id) { return document.getElementById(id); }

function say(id, reply, done) {
  el(id).textContent = reply.status < 300 ? done : (reply.data.message || `error ${reply.status}`);
}

async function loadCodes(path, select) {
  const reply = await api("GET", path);
  if (reply.status !== 200) return;
  for (const c of reply.data.codes) select.add(new Option(c.label, c.code));
}

function drawMe() {
  if (!me) return;
  const extra = (Date.now() - meAt) / 1000;
  el("me-queues").textContent = me.logged_in ? "logged in" : "logged out";
  el("me-login").hidden = me.logged_in;
  el("me-logout").hidden = !me.logged_in;
  const paused = !!me.pause_reason;
  el("unpause").hidden = !paused;
  el("pause").hidden = paused;
  el("pause-state").textContent = paused
    ? `paused (${me.pause_reason}) for ${duration(me.paused_s + extra)}` : "";
  el("held").hidden = !me.held;
  if (me.held) el("held-caller").textContent = me.held.caller_number || "(withheld)";
  if (wrapFor) {
    const left = Math.max(0, (wrapEndsAt - Date.now()) / 1000);
    el("wrapup-left").textContent = left > 0 ? `ready for calls in ${duration(left)} or once saved`
      : "ready for calls again";
  }
}

async function refreshMe() {
  const reply = await api("GET", "/api/v1/console/me");
  if (reply.status !== 200) { el("me-queues").textContent = reply.data.message || "unknown"; return; }
  me = reply.data; meAt = Date.now();
  drawMe();
}

// From console.js on every redraw: a connected call may be transferred or held; once it is
// over, its wrap-up code is asked for until one is saved.
function operatorOffer(call) {
  const connected = call && call.state === "connected" ? call : null;
  el("transfer-form").hidden = !connected;
  if (connected) { connectedCall = connected; return; }
  if (connectedCall && (!wrapFor || wrapFor.unique_id !== connectedCall.unique_id)) {
    wrapFor = connectedCall;
    wrapEndsAt = Date.now() + 1000 * (me ? me.wrapup_s : 30);
    el("wrapup").hidden = false;
    el("wrapup-caller").textContent = wrapFor.caller_number || "(withheld)";
    el("wrapup-code").value = "";
    el("wrapup-result").textContent = "";
    refreshMe();
    myShiftSoon();
  }
  connectedCall = null;
}

el("me-login").addEventListener("click", async () => {
  say("me-result", await api("POST", "/api/v1/console/login"), "logged in");
  refreshMe();
});
el("me-logout").addEventListener("click", async () => {
  say("me-result", await api("POST", "/api/v1/console/logout"), "logged out");
  refreshMe();
});
el("pause-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const reply = await api("POST", "/api/v1/console/pause", {reason: el("pause-reason").value});
  if (reply.status !== 200) el("pause-state").textContent = reply.data.message || `error ${reply.status}`;
  refreshMe();
  myShiftSoon();
});
el("unpause").addEventListener("click", async () => {
  await api("POST", "/api/v1/console/unpause");
  refreshMe();
  myShiftSoon();
});
el("wrapup-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!wrapFor) return;
  const reply = await api("POST", "/api/v1/console/wrapup", {
    unique_id: wrapFor.unique_id, code: el("wrapup-code").value, queue: wrapFor.queue,
    caller_number: wrapFor.caller_number || ""});
  say("wrapup-result", reply, `saved: ${el("wrapup-code").selectedOptions[0].textContent}`);
  if (reply.status === 200) { wrapEndsAt = Date.now(); myShiftSoon(); }
});
el("transfer-to").addEventListener("change", () => {
  el("transfer-target").setAttribute("list", el("transfer-to").value === "queue" ? "transfer-queues" : "");
});
el("transfer-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const target = el("transfer-target").value.trim();
  const reply = await api("POST", "/api/v1/console/transfer", {
    mode: el("transfer-mode").value, to: el("transfer-to").value, target});
  say("transfer-result", reply, `transferred to ${target}`);
});
el("hold").addEventListener("click", async () => {
  say("transfer-result", await api("POST", "/api/v1/console/hold"), "on hold");
  refreshMe();
});
el("resume").addEventListener("click", async () => {
  say("transfer-result", await api("POST", "/api/v1/console/resume"), "ringing your phone");
  refreshMe();
});

loadCodes("/api/v1/pause-reasons", el("pause-reason"));
loadCodes("/api/v1/wrapup-codes", el("wrapup-code"));
refreshMe();
setInterval(drawMe, 1000);
setInterval(refreshMe, 10000);
