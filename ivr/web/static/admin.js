"use strict";
// Shared by the admin pages (users, operators, roster): inline errors and the history list.

function say(id, text, ok) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.className = ok ? "ok" : "error";
}

function failure(reply) {
  return (reply.data && reply.data.message) || `failed (${reply.status})`;
}

// Show the refusal beside the form field it names (details.field), else in the status line.
function showRefusal(form, statusId, reply) {
  for (const box of form.querySelectorAll(".bad")) box.classList.remove("bad");
  const field = ((reply.data || {}).details || {}).field;
  const box = field && form.querySelector(`[name="${field}"]`);
  if (box) box.classList.add("bad");
  say(statusId, failure(reply), false);
}

async function loadHistory(kind) {
  const reply = await api("GET", `/api/v1/admin/history?kind=${kind}`);
  const list = document.getElementById("history");
  list.replaceChildren(...(reply.data.changes || []).map((c) => {
    const li = document.createElement("li");
    li.textContent = `${new Date(c.at).toLocaleString()} · ${c.actor} · ${c.subject}: ${c.summary}`;
    return li;
  }));
}

function button(label, onClick, cls) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = label; if (cls) b.className = cls;
  b.addEventListener("click", onClick);
  return b;
}

function cellWith(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}
