"use strict";
// The operator console: pops up the call offered to this operator, with the caller's tickets.
let call = null, receivedAt = 0;

// Every 112 call gets an outcome from the operator; the form stays until one is saved.
const OUTCOMES = {police: "Police", fire: "Fire", ambulance: "Ambulance",
  other_emergency: "Other emergency", information: "Information only",
  wrong_number: "Wrong number", silent: "Silent call", prank: "Prank"};
let outcomeFor = null, prankNumber = null;

function askOutcome(offer) {
  if (!offer || !offer.emergency || offer.state !== "connected") return;
  if (outcomeFor && outcomeFor.unique_id === offer.unique_id) return;
  outcomeFor = offer;
  document.getElementById("outcome").hidden = false;
  document.getElementById("outcome-caller").textContent = offer.caller_number || "(withheld)";
  document.getElementById("outcome-value").value = offer.silent ? "silent" : "";
  document.getElementById("outcome-result").textContent = "";
}

async function showPranks(number) {
  if (number === prankNumber) return;
  prankNumber = number;
  const box = document.getElementById("pranks");
  box.hidden = true;
  if (!number) return;
  const reply = await api("GET", `/api/v1/pranks/${encodeURIComponent(number)}`);
  if (reply.status === 200 && reply.data.prank_calls > 0) {
    box.textContent = `${reply.data.prank_calls} prank calls in ${reply.data.days} days` +
      (reply.data.lane === "prank" ? " (prank lane: waits behind other 112 callers)" : "");
    box.hidden = false;
  }
}

function show(data) {
  call = data.call; receivedAt = Date.now();
  askOutcome(call);
  deskOffer(call);
  operatorOffer(call);
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
  document.getElementById("silent-steps").hidden = !call.silent;
  if (call.emergency) showPranks(call.caller_number);
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

const outcomeList = document.getElementById("outcome-value");
for (const [value, label] of Object.entries(OUTCOMES)) outcomeList.add(new Option(label, value));

document.getElementById("outcome-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!outcomeFor) return;
  const reply = await api("POST", `/api/v1/incidents/${encodeURIComponent(outcomeFor.unique_id)}/outcome`,
    {outcome: outcomeList.value});
  const result = document.getElementById("outcome-result");
  result.textContent = reply.status === 200 ? `saved: ${OUTCOMES[reply.data.outcome]}`
    : (reply.data.message || `error ${reply.status}`);
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
  if (registeredFor !== number) return;
  deskRegistered(number, reply.status === 200 ? reply.data : null);
  if (reply.status !== 200) return;
  for (const field of ["name", "address", "district", "notes"])
    document.getElementById(`registered-${field}`).textContent = reply.data[field] || "–";
  box.hidden = false;
}

stream("console", "console", show);
