"use strict";
// The catalog admin: one table and form per kind, the history with "Go back" on each change.
const KINDS = [
  {kind: "category", plural: "categories", title: "Categories", fields: [
    ["code", "Code"], ["name", "Name"], ["agency", "Agency", "agency"], ["tier", "Deadline tier", "tier"],
    ["group", "Group"], ["keywords", "Keywords"], ["description", "Description", "textarea"],
    ["active", "Takes new tickets", "bool"]]},
  {kind: "agency", plural: "agencies", title: "Agencies and branches", fields: [
    ["code", "Code"], ["name_en", "English name"], ["name_id", "Indonesian name (empty: the English one)"],
    ["office_hours", "Office hours (unticked: round the clock)", "bool"], ["supervisor", "Supervisor"],
    ["email", "E-mail (overdue tickets)"], ["parent", "Branch of", "parent-agency"],
    ["districts", "Districts served by the branch (codes, comma-separated)", "list"], ["active", "Active", "bool"]]},
  {kind: "district", plural: "districts", title: "Districts and sub-districts", fields: [
    ["code", "Code"], ["name", "Name"], ["parent", "Sub-district of", "parent-district"], ["active", "Active", "bool"]]},
  {kind: "tier", plural: "tiers", title: "Deadline tiers", fields: [
    ["code", "Code"], ["amount", "Amount", "number"], ["unit", "Unit", "unit"],
    ["clock_always", "Clock time even at office-hours agencies", "bool"]]},
  {kind: "holiday", plural: "holidays", title: "Holidays", fields: [
    ["code", "Day", "date"], ["name", "Name"], ["workday", "A make-up working day (not a holiday)", "bool"]]},
];
const RETIRED = ["category", "agency", "district"];
const SELECTS = ["agency", "tier", "parent-agency", "parent-district", "unit"];
let catalog = null;

const el = (tag, props) => Object.assign(document.createElement(tag), props || {});
const box = (kind, field) => document.getElementById(`${kind}-${field}`);
const failure = (reply) => reply.data.message || `error ${reply.status}`;
function say(id, text, good) { const e = document.getElementById(id); e.textContent = text; e.className = good ? "good" : "bad"; }
function button(label, onClick, id) { const b = el("button", {type: "button", textContent: label}); if (id) b.id = id; b.addEventListener("click", onClick); return b; }

function choices(type) {
  // The codes a select offers: agencies, tiers, top-level agencies or districts.
  if (!SELECTS.includes(type)) return null;
  if (type === "agency") return catalog.agencies.map((a) => [a.code, `${a.name_en}${a.active ? "" : " (retired)"}`]);
  if (type === "tier") return catalog.tiers.map((t) => [t.code, `${t.code}: ${t.amount} ${t.unit}`]);
  if (type === "parent-agency") return [["", "(none: an agency)"], ...catalog.agencies.filter((a) => !a.parent).map((a) => [a.code, a.name_en])];
  if (type === "parent-district") return [["", "(none: a district)"], ...catalog.districts.filter((d) => !d.parent).map((d) => [d.code, d.name])];
  if (type === "unit") return [["hours", "hours"], ["days", "days"]];
  return null;
}

function input(spec, name, label, type) {
  const id = `${spec.kind}-${name}`;
  if (type === "bool") {
    const lab = el("label", {className: "check"});
    const on = name === "active" || name === "office_hours";  // defaultChecked: what reset() restores
    lab.append(el("input", {type: "checkbox", id, checked: on, defaultChecked: on}), label);
    return lab;
  }
  const lab = el("label", {textContent: label});
  let field;
  if (SELECTS.includes(type)) field = el("select", {id});
  else if (type === "textarea") field = el("textarea", {id, rows: 2});
  else field = el("input", {id, type: type === "number" ? "number" : type === "date" ? "date" : "text"});
  field.dataset.type = type || "text";
  lab.appendChild(field);
  return lab;
}

function section(spec) {
  const part = el("section", {id: `${spec.kind}-section`});
  const heads = spec.fields.filter(([n]) => n !== "description").map(([, label]) => el("th", {textContent: label.split(" (")[0]}));
  const table = el("table", {id: `${spec.kind}-table`});
  const head = el("tr"); head.append(...heads, el("th"));
  table.append(el("thead"), el("tbody")); table.tHead.appendChild(head);
  const form = el("form", {id: `${spec.kind}-form`, className: "entry"});
  form.append(...spec.fields.map(([n, label, type]) => input(spec, n, label, type)));
  const actions = el("div");
  actions.append(el("button", {id: `${spec.kind}-save`, textContent: "Save"}), " ",
    button("New entry", () => clearForm(spec), `${spec.kind}-new`), " ", el("span", {id: `${spec.kind}-result`, role: "status"}));
  form.appendChild(actions);
  form.addEventListener("submit", (e) => { e.preventDefault(); save(spec); });
  part.append(el("h2", {textContent: spec.title}), table, el("h3", {id: `${spec.kind}-form-title`, textContent: `Add to ${spec.title.toLowerCase()}`}), form);
  return part;
}

function shown(entry, name) {
  const value = entry[name];
  if (typeof value === "boolean") return value ? "yes" : "no";
  return Array.isArray(value) ? value.join(", ") : String(value);
}

function entryRow(spec, entry) {
  const tr = row(spec.fields.filter(([n]) => n !== "description").map(([n]) => shown(entry, n)), {code: entry.code});
  if (RETIRED.includes(spec.kind) && !entry.active) tr.className = "retired";
  const cell = el("td");
  cell.append(button("Edit", () => edit(spec, entry)), " ");
  if (!RETIRED.includes(spec.kind)) cell.append(button("Remove", () => remove(spec, entry)));
  else if (entry.active) cell.append(button("Retire", () => remove(spec, entry)));
  else cell.append(button("Restore", () => send(spec, "PUT", entry.code, {...body(spec, entry), active: true})));
  tr.appendChild(cell);
  return tr;
}

function body(spec, entry) { const b = {...entry}; delete b.code; return b; }

function fillSelects(spec) {
  for (const [name, , type] of spec.fields) {
    const options = choices(type);
    if (options === null) continue;
    const select = box(spec.kind, name), keep = select.value;
    select.replaceChildren(...options.map(([v, t]) => el("option", {value: v, textContent: t})));
    if (keep) select.value = keep;
  }
}

function draw() {
  for (const spec of KINDS) { fill(`${spec.kind}-table`, catalog[spec.plural].map((e) => entryRow(spec, e))); fillSelects(spec); }
  fill("history", catalog.changes.map((c) => {
    const tr = row([c.id, new Date(c.at).toLocaleString(), c.actor, c.kind, c.code, c.summary], {change: c.id});
    const cell = el("td"); cell.appendChild(button("Go back", () => goBack(c))); tr.appendChild(cell);
    return tr;
  }));
}

async function load() {
  const reply = await api("GET", "/api/v1/catalog");
  if (reply.status !== 200) { say("load-result", failure(reply), false); return; }
  catalog = reply.data; draw();
}

function edit(spec, entry) {
  for (const [name] of spec.fields) {
    const field = box(spec.kind, name); field.classList.remove("bad");
    if (field.type === "checkbox") field.checked = Boolean(entry[name]);
    else field.value = Array.isArray(entry[name]) ? entry[name].join(", ") : String(entry[name]);
  }
  box(spec.kind, "code").readOnly = true;
  document.getElementById(`${spec.kind}-form-title`).textContent = `Edit ${spec.kind} ${entry.code}`;
  say(`${spec.kind}-result`, "", true);
}

function clearForm(spec) {
  document.getElementById(`${spec.kind}-form`).reset();
  box(spec.kind, "code").readOnly = false;
  document.getElementById(`${spec.kind}-form-title`).textContent = `Add to ${spec.title.toLowerCase()}`;
  fillSelects(spec);
}

function values(spec) {
  const out = {};
  for (const [name] of spec.fields) {
    const field = box(spec.kind, name);
    if (field.type === "checkbox") out[name] = field.checked;
    else if (field.dataset.type === "number") out[name] = field.value === "" ? 0 : Number(field.value);
    else out[name] = field.value;
  }
  return out;
}

async function send(spec, method, code, data) {
  const path = method === "POST" ? `/api/v1/catalog/${spec.plural}` : `/api/v1/catalog/${spec.plural}/${encodeURIComponent(code)}`;
  const reply = await api(method, path, data);
  for (const [name] of spec.fields) box(spec.kind, name).classList.remove("bad");
  if (reply.status === 200 || reply.status === 201) {
    say(`${spec.kind}-result`, `saved: ${reply.data.change.summary} ${spec.kind} ${code}`, true);
    await load();
    return true;
  }
  const field = (reply.data.details || {}).field;
  if (field && box(spec.kind, field)) box(spec.kind, field).classList.add("bad");
  say(`${spec.kind}-result`, failure(reply), false);
  return false;
}

async function save(spec) {
  const data = values(spec), editing = box(spec.kind, "code").readOnly;
  if (editing) delete data.code;
  if (await send(spec, editing ? "PUT" : "POST", editing ? box(spec.kind, "code").value : data.code, data)) {
    if (!editing) clearForm(spec);
  }
}

async function remove(spec, entry) {
  const word = RETIRED.includes(spec.kind) ? "Retire" : "Remove";
  if (!confirm(`${word} ${spec.kind} ${entry.code}?`)) return;
  await send(spec, "DELETE", entry.code);
}

async function goBack(change) {
  if (!confirm(`Go back on change ${change.id} (${change.summary} ${change.kind} ${change.code})?`)) return;
  const reply = await api("POST", `/api/v1/catalog/changes/${change.id}/revert`);
  say("history-result", reply.status === 200 ? `went back on change ${change.id}: ${reply.data.change.summary} ${change.kind} ${change.code}` : failure(reply), reply.status === 200);
  await load();
}

document.getElementById("kinds").append(...KINDS.map(section));
load();
