"use strict";
// The ticket desk: every answered 12345 call ends with a ticket or with a reason for none.
// The desk opens when a hotline call is connected and stays after the call until one of the
// two is saved; console.js tells it about the call (deskOffer) and the registered caller.
const desk = {call: null, lists: null, registered: null};
const $ = (id) => document.getElementById(id);

function options(select, entries, keep) {
  const first = keep ? [select.options[0]] : [];
  select.replaceChildren(...first, ...entries.map(([value, label]) => new Option(label, value)));
}

async function loadDeskLists() {
  const reply = await api("GET", "/api/v1/desk");
  if (reply.status !== 200) return;
  desk.lists = reply.data;
  options($("desk-kind"), Object.entries(reply.data.kinds));
  $("desk-kind").value = "handling_request";
  options($("desk-category"), reply.data.categories.map((c) => [c.code, c.name]), true);
  options($("nodesk-reason"), Object.entries(reply.data.reasons), true);
  options($("desk-district"), reply.data.districts.map((d) => [d.code, d.name]), true);
}

function showRoute() {
  const category = (desk.lists ? desk.lists.categories : []).find((c) => c.code === $("desk-category").value);
  $("desk-route").textContent = category
    ? `→ ${category.agency_name}, deadline ${category.deadline}` : "";
}

function showSubdistricts() {
  const district = (desk.lists ? desk.lists.districts : []).find((d) => d.code === $("desk-district").value);
  options($("desk-subdistrict"), district ? district.subdistricts.map((s) => [s.code, s.name]) : [], true);
}

function deskOpen(call) {
  desk.call = call;
  $("desk-form").reset(); $("nodesk-form").reset();
  $("desk-kind").value = "handling_request";
  $("desk-result").textContent = ""; $("nodesk-result").textContent = "";
  $("desk-caller").textContent = call.caller_number || "(withheld)";
  $("desk-call").textContent = `call ${call.unique_id}`;
  $("desk-number").value = call.caller_number || "";
  $("desk-language").value = call.language === "en" ? "en" : "id";
  showRoute(); showSubdistricts(); deskPrefill();
  $("desk").hidden = false;
  $("made").hidden = true;
  // Straight to the first field unless the operator is typing somewhere already.
  if (document.activeElement === document.body) $("desk-kind").focus();
}

function deskPrefill() {
  const entry = desk.registered;
  if (!desk.call || !entry || entry.number !== desk.call.caller_number) return;
  if (!$("desk-name").value) $("desk-name").value = entry.name || "";
  if (!$("desk-address").value) $("desk-address").value = entry.address || "";
}

function deskRegistered(number, entry) {
  desk.registered = entry ? {...entry, number} : null;
  deskPrefill();
}

// Called on every console redraw with the call offered (or null).
function deskOffer(call) {
  if (!call || call.emergency || call.state !== "connected") return;
  if (desk.call && desk.call.unique_id === call.unique_id) return;
  if (desk.call) loadUnwrapped();  // the unsaved call waits in the list below
  deskOpen(call);
}

function deskDone() {
  desk.call = null;
  $("desk").hidden = true;
  loadUnwrapped();
}

$("desk-category").addEventListener("change", showRoute);
$("desk-district").addEventListener("change", showSubdistricts);

$("desk-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!desk.call) return;
  const reply = await api("POST", `/api/v1/calls/${encodeURIComponent(desk.call.unique_id)}/ticket`, {
    kind: $("desk-kind").value, category: $("desk-category").value,
    caller_number: $("desk-number").value.trim(), contact_name: $("desk-name").value.trim(),
    language: $("desk-language").value, district: $("desk-district").value,
    subdistrict: $("desk-subdistrict").value, address: $("desk-address").value.trim(),
    description: $("desk-description").value.trim(), closed_on_call: $("desk-closed").checked});
  if (reply.status !== 201) {
    $("desk-result").textContent = reply.data.message || `error ${reply.status}`;
    return;
  }
  const t = reply.data;
  $("made-number").textContent = t.number_grouped;
  $("made-route").textContent = t.status === "closed" ? "Closed: answered on the call."
    : `${t.agency_name || t.agency}, due ${new Date(t.due_at).toLocaleString()}` +
      (t.spooled ? " (saved locally; the database is away)" : "");
  $("made-link").textContent = t.tracking_path ? location.origin + t.tracking_path : "–";
  $("made-link").href = t.tracking_path || "#";
  $("made").hidden = false;
  deskDone();
  $("made-number").setAttribute("tabindex", "-1");
  $("made-number").focus();
});

$("nodesk-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!desk.call) return;
  const reply = await api("POST", `/api/v1/calls/${encodeURIComponent(desk.call.unique_id)}/wrapup`, {
    reason: $("nodesk-reason").value, note: $("nodesk-note").value.trim(),
    queue: desk.call.queue || "", caller_number: desk.call.caller_number || ""});
  if (reply.status !== 200) {
    $("nodesk-result").textContent = reply.data.message || `error ${reply.status}`;
    return;
  }
  $("made").hidden = true;
  deskDone();
});

async function loadUnwrapped() {
  const reply = await api("GET", "/api/v1/calls/unwrapped");
  if (reply.status !== 200) return;
  const waiting = reply.data.calls.filter((c) => !desk.call || c.unique_id !== desk.call.unique_id);
  $("unwrapped-box").hidden = waiting.length === 0;
  fill("unwrapped", waiting.map((c) => {
    const tr = row([new Date(c.answered_call_at).toLocaleTimeString(), c.caller_number || "(withheld)", ""]);
    const button = document.createElement("button");
    button.textContent = "Wrap up";
    button.addEventListener("click", () => deskOpen({unique_id: c.unique_id, queue: c.queue,
      caller_number: c.caller_number, language: "id"}));
    tr.lastChild.appendChild(button);
    return tr;
  }));
}

loadDeskLists().then(loadUnwrapped);
