"use strict";
// The users page: accounts (role, agencies, enabled, password) and API tokens.
const ROLES = ["operator", "supervisor", "admin", "agency"];

function codes(text) { return text.split(",").map((s) => s.trim()).filter(Boolean); }

async function act(method, path, body, done) {
  const reply = await api(method, path, body);
  if (reply.status >= 400) { say("users-result", failure(reply), false); return; }
  say("users-result", done, true);
  await refresh();
}

function roleCell(u) {
  const select = document.createElement("select");
  select.name = "role";
  for (const r of ROLES) { const o = new Option(r, r, false, r === u.role); select.add(o); }
  const agencies = document.createElement("input");
  agencies.name = "agencies"; agencies.value = u.agencies.join(", "); agencies.placeholder = "agencies";
  return cellWith(select, agencies, button("Save role", () => act(
    "PUT", `/api/v1/users/${u.username}/role`,
    {role: select.value, agencies: select.value === "agency" ? codes(agencies.value) : []},
    `${u.username}: role ${select.value}`), "save-role"));
}

function userRow(u) {
  const tr = row([u.username], {user: u.username});
  tr.appendChild(roleCell(u));
  tr.appendChild(cellWith(u.active ? "yes " : "no ", u.active
    ? button("Disable", () => act("POST", `/api/v1/users/${u.username}/disable`, {}, `${u.username} disabled`), "disable")
    : button("Enable", () => act("POST", `/api/v1/users/${u.username}/enable`, {}, `${u.username} enabled`), "enable")));
  const password = document.createElement("input");
  password.type = "password"; password.name = "password"; password.autocomplete = "new-password";
  tr.appendChild(cellWith(password, button("Reset", () => act(
    "POST", `/api/v1/users/${u.username}/password`, {password: password.value},
    `${u.username}: new password set`), "reset")));
  return tr;
}

function tokenRow(t) {
  const tr = row([t.id, t.username, t.label, new Date(t.created_at).toLocaleString()], {token: t.id});
  tr.appendChild(cellWith(t.revoked ? "revoked" : button("Revoke", () => act(
    "DELETE", `/api/v1/tokens/${t.id}`, undefined, `token ${t.id} revoked`), "revoke")));
  return tr;
}

async function refresh() {
  const [users, tokens] = await Promise.all([api("GET", "/api/v1/users"), api("GET", "/api/v1/tokens")]);
  fill("users", (users.data.users || []).map(userRow));
  fill("tokens", (tokens.data.tokens || []).map(tokenRow));
  await loadHistory("user");
}

document.getElementById("add-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const body = {username: f.username.value.trim(), role: f.role.value, password: f.password.value,
                agencies: codes(f.agencies.value)};
  const reply = await api("POST", "/api/v1/users", body);
  if (reply.status !== 201) { showRefusal(f, "add-result", reply); return; }
  say("add-result", `added ${reply.data.username} (${reply.data.role})`, true);
  f.reset();
  await refresh();
});

document.getElementById("token-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const reply = await api("POST", "/api/v1/tokens", {username: f.username.value.trim(), label: f.label.value});
  if (reply.status !== 201) { showRefusal(f, "token-result", reply); return; }
  say("token-result", `token ${reply.data.id} (shown only now): ${reply.data.token}`, true);
  await refresh();
});

refresh();
