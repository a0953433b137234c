"use strict";
// Shared by the pages: the CSRF token, JSON calls, a live event stream, small formatters.
const CSRF = document.querySelector('meta[name="csrf"]').content;

async function api(method, path, body) {
  const reply = await fetch(path, {
    method, credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": CSRF},
    body: body === undefined ? undefined : JSON.stringify(body)});
  const data = await reply.json().catch(() => ({}));
  return {status: reply.status, data};
}

function stream(want, event, onData) {
  // EventSource reconnects by itself; the link indicator says whether we are live.
  const link = document.getElementById("link");
  const source = new EventSource("/api/v1/events?want=" + want);
  source.addEventListener(event, (e) => { onData(JSON.parse(e.data)); });
  source.onopen = () => { if (link) { link.textContent = "live"; link.className = "link up"; } };
  source.onerror = () => { if (link) { link.textContent = "reconnecting…"; link.className = "link down"; } };
  return source;
}

function duration(seconds) {
  seconds = Math.max(0, Math.round(seconds));
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return m ? `${m}m ${String(s).padStart(2, "0")}s` : `${s}s`;
}

function percent(share) { return share === null || share === undefined ? "–" : `${Math.round(share * 100)}%`; }

function row(cells, attrs) {
  const tr = document.createElement("tr");
  for (const [key, value] of Object.entries(attrs || {})) tr.dataset[key] = value;
  for (const cell of cells) {
    const td = document.createElement("td");
    if (typeof cell === "object" && cell !== null) { td.textContent = cell.text; td.className = cell.cls || ""; }
    else td.textContent = cell;
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableId, rows) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren(...rows);
}

// The CSV import form of a page (#import-form, #import-file or #import-text, #import-problems):
// sends the CSV, lists the lines refused, then hands the reply to onReply.
function csvImportForm(method, path, onReply) {
  document.getElementById("import-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const problems = document.getElementById("import-problems");
    problems.replaceChildren();
    const file = document.getElementById("import-file").files[0];
    const text = file ? await file.text() : document.getElementById("import-text").value;
    const response = await fetch(path, {
      method, credentials: "same-origin",
      headers: {"Content-Type": "text/csv", "X-CSRF-Token": CSRF}, body: text});
    const reply = {status: response.status, data: await response.json().catch(() => ({}))};
    for (const p of (reply.data.details || {}).problems || []) {
      const li = document.createElement("li"); li.textContent = `line ${p.line}: ${p.reason}`;
      problems.appendChild(li);
    }
    await onReply(reply);
  });
}
