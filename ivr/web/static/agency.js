"use strict";
// An agency's inbox: its tickets by deadline (overdue red, due soon amber) and the actions.
const ROLE = document.querySelector(".who").textContent.match(/\((\w+)\)/)[1];
let chosen = new URLSearchParams(location.search).get("agency") || "", open = null;
const STATE = {overdue: "Overdue", due_soon: "Due soon", on_time: "On time", finished: "Finished"};

async function load() {
  const reply = await api("GET", "/api/v1/agency/tickets" + (chosen ? `?agency=${encodeURIComponent(chosen)}` : ""));
  const result = document.getElementById("result");
  if (reply.status !== 200) {
    result.textContent = reply.data.message || `error ${reply.status}`;
    document.getElementById("choose").hidden = false;
    return;
  }
  document.getElementById("agencies").textContent = reply.data.agencies.join(", ");
  const overdue = reply.data.tickets.filter((t) => t.deadline_state === "overdue").length;
  result.textContent = `${reply.data.tickets.length} tickets, ${overdue} overdue`;
  fill("inbox", reply.data.tickets.map((t) => {
    const tr = row([t.number, new Date(t.due_at).toLocaleString(), t.status, t.kind,
      t.category_name, t.district, t.address, t.description, t.handed_back || ""],
      {number: t.number, state: t.deadline_state});
    tr.className = t.deadline_state;
    tr.tabIndex = 0;
    tr.title = STATE[t.deadline_state];
    tr.addEventListener("click", () => show(t.number));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") show(t.number); });
    return tr;
  }));
}

// Hotline supervisors: tickets agencies handed back, waiting to be routed on (assign).
async function loadHandedBack() {
  const reply = await api("GET", "/api/v1/agency/handed-back");
  if (reply.status !== 200) return;
  document.getElementById("reroute").hidden = false;
  fill("handed-back", reply.data.tickets.map((t) => {
    const tr = row([t.number, new Date(t.due_at).toLocaleString(), t.category_name, t.district,
      t.address, t.handed_back], {number: t.number, state: t.deadline_state});
    tr.className = t.deadline_state;
    tr.tabIndex = 0;
    tr.addEventListener("click", () => show(t.number));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") show(t.number); });
    return tr;
  }));
}

async function show(number) {
  const reply = await api("GET", `/api/v1/agency/tickets/${encodeURIComponent(number)}`);
  if (reply.status !== 200) { document.getElementById("result").textContent = reply.data.message; return; }
  draw(reply.data);
}

function draw(t) {
  open = t;
  document.getElementById("ticket").hidden = false;
  document.getElementById("t-number").textContent = t.number;
  document.getElementById("t-state").textContent = STATE[t.deadline_state];
  document.getElementById("t-state").className = t.deadline_state;
  for (const [id, value] of [["t-status", t.status], ["t-due", new Date(t.due_at).toLocaleString()],
    ["t-agency", t.agency_name], ["t-category", t.category_name], ["t-address", t.address],
    ["t-description", t.description], ["t-handed-back", t.handed_back || "–"]])
    document.getElementById(id).textContent = value;
  fill("history", t.history.map((h) => row([new Date(h.at).toLocaleString(), h.actor, h.to, h.note, h.public_note])));
}

async function act(action, body) {
  if (!open) return;
  const reply = await api("POST", `/api/v1/agency/tickets/${encodeURIComponent(open.number)}/${action}`, body);
  const result = document.getElementById("action-result");
  if (reply.status !== 200) { result.textContent = reply.data.message || `error ${reply.status}`; return false; }
  result.textContent = `saved: ${reply.data.status}`;
  draw(reply.data);
  load();
  if (HOTLINE) loadHandedBack();
  return true;
}

function onSubmit(id, action, body) {
  document.getElementById(id).addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await act(action, body())) e.target.reset();
  });
}

document.getElementById("accept").addEventListener("click", () => act("accept", {}));
onSubmit("note-form", "note", () => ({note: document.getElementById("note").value,
  public: document.getElementById("note-public").checked}));
onSubmit("resolve-form", "resolve", () => ({note: document.getElementById("resolve-note").value}));
onSubmit("handback-form", "handback", () => ({reason: document.getElementById("handback-reason").value}));
onSubmit("assign-form", "assign", () => ({agency: document.getElementById("assign-agency").value}));
document.getElementById("choose").addEventListener("submit", (e) => {
  e.preventDefault();
  chosen = document.getElementById("agency").value.trim();
  load();
});
const HOTLINE = ROLE === "supervisor" || ROLE === "admin";
document.getElementById("assign-form").hidden = !HOTLINE;
const refresh = () => { load(); if (HOTLINE) loadHandedBack(); };
refresh();
setInterval(refresh, 30000);
