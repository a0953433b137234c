"use strict";
// The operators page: phone accounts, added, edited and removed.
const form = document.getElementById("operator-form");
let editing = null;  // the username being edited, or null when adding

function startEdit(o) {
  editing = o ? o.username : null;
  form.reset();
  for (const box of form.querySelectorAll(".bad")) box.classList.remove("bad");
  if (o) for (const k of ["username", "name", "skills", "contact"]) form[k].value = o[k];
  form.username.readOnly = Boolean(o);
  document.getElementById("form-title").textContent = o ? `Edit ${o.username}` : "Add an operator";
  say("form-result", "", true);
}

function operatorRow(o) {
  const tr = row([o.username, o.name, o.skills, o.registers ? "registers" : o.contact], {operator: o.username});
  tr.appendChild(cellWith(button("Edit", () => startEdit(o), "edit"),
    button("Remove", async () => {
      const reply = await api("DELETE", `/api/v1/roster/operators/${o.username}`);
      if (reply.status !== 200) { say("list-result", failure(reply), false); return; }
      say("list-result", `${o.username} removed`, true);
      await refresh();
    }, "remove")));
  return tr;
}

async function refresh() {
  const reply = await api("GET", "/api/v1/roster/operators");
  fill("operators", (reply.data.operators || []).map(operatorRow));
  await loadHistory("operator");
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {username: form.username.value.trim(), password: form.password.value,
                name: form.name.value, skills: form.skills.value, contact: form.contact.value};
  const reply = editing
    ? await api("PUT", `/api/v1/roster/operators/${editing}`, body)
    : await api("POST", "/api/v1/roster/operators", body);
  if (reply.status >= 400) { showRefusal(form, "form-result", reply); return; }
  startEdit(null);
  say("form-result", `saved ${reply.data.username}; the phone account goes live in a few seconds`, true);
  await refresh();
});

document.getElementById("new").addEventListener("click", () => startEdit(null));
refresh();
