"use strict";
// The operator console: pops up the call offered to this operator, with the caller's tickets.
let call = null, receivedAt = 0;

function show(data) {
  call = data.call; receivedAt = Date.now();
  showRegistered((call && call.caller_number) || "");
  document.getElementById("idle").hidden = !!call;
  document.getElementById("call").hidden = !call;
  if (!call) return;
  document.getElementById("call-state").textContent =
    call.state === "connected" ? "On a call" : "Ringing";
  document.getElementById("caller").textContent = call.caller_number || "(withheld)";
  document.getElementById("language").textContent = call.language || "–";
  document.getElementById("queue").textContent = call.queue;
  document.getElementById("waited").textContent = duration(call.waited_s);
  document.getElementById("ticket").textContent = call.ticket || "–";
  const ticketBox = document.getElementById("status-ticket");
  if (!ticketBox.value) ticketBox.value = call.ticket || (data.earlier[0] || {}).number || "";
  fill("earlier", data.earlier.map((t) => row([
    t.number, new Date(t.created_at).toLocaleString(), t.category_name, t.status, t.description])));
}

document.getElementById("status-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const number = document.getElementById("status-ticket").value.trim();
  const reply = await api("POST", `/api/v1/tickets/${encodeURIComponent(number)}/status`, {
    status: document.getElementById("status-value").value,
    note: document.getElementById("status-note").value});
  document.getElementById("status-result").textContent =
    reply.status === 200 ? `saved: ${reply.data.status}` : (reply.data.message || `error ${reply.status}`);
});

// The registered caller (name, address, district, notes: /admin/callers), looked up once
// per number offered, not on every redraw; hidden when the number is not registered.
let registeredFor = "";

async function showRegistered(number) {
  if (number === registeredFor) return;
  registeredFor = number;
  const box = document.getElementById("registered");
  box.hidden = true;
  if (!number) return;
  let reply;
  try { reply = await api("GET", `/api/v1/callers/${encodeURIComponent(number)}`); }
  catch (e) { registeredFor = ""; return; }  // the next redraw tries again
  if (registeredFor !== number || reply.status !== 200) return;
  for (const field of ["name", "address", "district", "notes"])
    document.getElementById(`registered-${field}`).textContent = reply.data[field] || "–";
  box.hidden = false;
}

stream("console", "console", show);
