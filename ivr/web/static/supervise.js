"use strict";
// The wallboard's supervisor tools (separate from wallboard.js): pause or unpause an operator
// with a reason, and listen, whisper or barge on an operator's call from one's own phone
// (a roster phone account, remembered in this browser).
const PHONE_KEY = "hotline.supervisor.phone";

function superviseStatus(text, ok) {
  const out = document.getElementById("supervise-status");
  out.textContent = text;
  out.className = ok ? "ok" : "error";
}

async function loadOperatorChoices() {
  const reply = await api("GET", "/api/v1/operators");
  if (reply.status !== 200) return;
  const select = document.getElementById("supervise-operator");
  const chosen = select.value;
  const names = reply.data.operators.map((o) => o.username).sort();
  select.replaceChildren(...names.map((name) => {
    const option = document.createElement("option");
    option.value = name; option.textContent = name;
    return option;
  }));
  if (names.includes(chosen)) select.value = chosen;
}

async function superviseAction(kind) {
  const operator = document.getElementById("supervise-operator").value;
  if (!operator) { superviseStatus("Choose an operator.", false); return; }
  const path = `/api/v1/operators/${encodeURIComponent(operator)}/`;
  let reply;
  if (kind === "pause") {
    const reason = document.getElementById("supervise-reason").value;
    reply = await api("POST", path + "pause", {reason});
  } else if (kind === "unpause") {
    reply = await api("POST", path + "unpause", {});
  } else {
    const phone = document.getElementById("supervise-phone").value.trim();
    localStorage.setItem(PHONE_KEY, phone);
    reply = await api("POST", path + "spy", {mode: kind, phone});
  }
  if (reply.status === 202) superviseStatus(`${kind}: ${operator} — done`, true);
  else superviseStatus(`${kind}: ${reply.data.message || reply.status}`, false);
}

function setUpSupervise() {
  const phone = document.getElementById("supervise-phone");
  phone.value = localStorage.getItem(PHONE_KEY) || "";
  for (const button of document.querySelectorAll("#supervise button[data-action]")) {
    button.addEventListener("click", () => superviseAction(button.dataset.action));
  }
  loadOperatorChoices();
  setInterval(loadOperatorChoices, 10000);
}

setUpSupervise();
