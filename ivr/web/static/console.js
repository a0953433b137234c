"use strict";
// The operator console: pops up the call offered to this operator, with the caller's tickets.
let call = null, receivedAt = 0;

function show(data) {
  call = data.call; receivedAt = Date.now();
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

stream("console", "console", show);
