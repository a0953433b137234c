"use strict";
// Registered callers: search, register or edit, unregister, import and export the CSV.
const FIELDS = ["number", "name", "address", "district", "notes"];
const box = (field) => document.getElementById(`caller-${field}`);
const say = (id, text, good) => {
  const el = document.getElementById(id); el.textContent = text; el.className = good ? "good" : "bad";
};
const failure = (reply) => reply.data.message || `error ${reply.status}`;

function button(label, onClick) {
  const b = document.createElement("button"); b.type = "button"; b.textContent = label;
  b.addEventListener("click", onClick); return b;
}

function callerRow(c) {
  const tr = row([c.number, c.name, c.address, c.district, c.notes,
    `${new Date(c.updated_at).toLocaleString()} (${c.updated_by})`], {number: c.number});
  const actions = document.createElement("td");
  actions.append(button("Edit", () => edit(c)), " ", button("Delete", () => remove(c.number)));
  tr.appendChild(actions);
  return tr;
}

async function search() {
  const q = document.getElementById("search-text").value;
  const reply = await api("GET", `/api/v1/callers?q=${encodeURIComponent(q)}`);
  if (reply.status !== 200) { say("search-result", failure(reply), false); return; }
  fill("callers", reply.data.callers.map(callerRow));
  const n = reply.data.callers.length;
  say("search-result", `${n}${reply.data.more ? "+ (narrow the search)" : ""} found`, true);
}

function edit(c) {
  for (const field of FIELDS) { box(field).value = c[field] || ""; box(field).classList.remove("bad"); }
  box("number").readOnly = true;
  document.getElementById("form-title").textContent = `Edit ${c.number}`;
  say("form-result", "", true);
  box("name").focus();
}

function clearForm() {
  document.getElementById("caller-form").reset();
  box("number").readOnly = false;
  for (const field of FIELDS) box(field).classList.remove("bad");
  document.getElementById("form-title").textContent = "Register a number";
}

async function remove(number) {
  if (!confirm(`Unregister ${number}?`)) return;
  const reply = await api("DELETE", `/api/v1/callers/${encodeURIComponent(number)}`);
  await search();
  say("search-result", reply.status === 200 ? `${number} unregistered` : failure(reply), reply.status === 200);
}

document.getElementById("caller-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  for (const field of FIELDS) box(field).classList.remove("bad");
  const number = box("number").value.trim();
  const body = {name: box("name").value, address: box("address").value,
    district: box("district").value, notes: box("notes").value};
  const reply = await api("PUT", `/api/v1/callers/${encodeURIComponent(number)}`, body);
  if (reply.status === 200) {
    edit(reply.data);
    say("form-result", `saved: ${reply.data.number}`, true);
    await search();
    return;
  }
  const field = (reply.data.details || {}).field || (reply.data.error_id === "bad-caller-number" ? "number" : "");
  if (FIELDS.includes(field)) box(field).classList.add("bad");
  say("form-result", failure(reply), false);
});

csvImportForm("POST", "/api/v1/callers/import", async (reply) => {
  if (reply.status === 200) {
    say("import-result", `imported ${reply.data.total}: ${reply.data.added} added, ${reply.data.updated} replaced`, true);
    await search();
    return;
  }
  say("import-result", reply.status === 422 ? "nothing was imported; fix these lines:" : failure(reply), false);
});

document.getElementById("search-form").addEventListener("submit", (e) => { e.preventDefault(); search(); });
document.getElementById("clear").addEventListener("click", clearForm);
search();
