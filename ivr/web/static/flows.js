"use strict";
// The flow editor: load, check (menu tree preview), save (checked again), roll back.
const select = document.getElementById("flow"), text = document.getElementById("text");
const tree = document.getElementById("tree"), result = document.getElementById("result");
const issues = document.getElementById("issues");

function report(reply, okText) {
  issues.replaceChildren();
  if (reply.status === 200) {
    result.textContent = okText; result.className = "good";
    if (reply.data.tree !== undefined) tree.textContent = reply.data.tree;
    return true;
  }
  result.textContent = reply.data.message || `error ${reply.status}`; result.className = "bad";
  for (const issue of (reply.data.details || {}).issues || []) {
    const li = document.createElement("li");
    li.textContent = (issue.line ? `line ${issue.line}: ` : "") + `${issue.where}: ${issue.message}`;
    issues.appendChild(li);
  }
  return false;
}

async function load(number) {
  const reply = await api("GET", `/api/v1/flows/${number}`);
  text.value = reply.data.text; tree.textContent = reply.data.tree;
  document.getElementById("versions").textContent =
    `${reply.data.installed ? "edited" : "built-in"}; ${reply.data.versions.length} saved version(s)`;
}

document.getElementById("check").onclick = async () => {
  report(await api("POST", `/api/v1/flows/${select.value}/check`, {text: text.value}), "The flow is valid (not saved yet).");
};
document.getElementById("save").onclick = async () => {
  if (report(await api("PUT", `/api/v1/flows/${select.value}`, {text: text.value}), "Saved: the next call uses it.")) await load(select.value);
};
document.getElementById("rollback").onclick = async () => {
  const reply = await api("POST", `/api/v1/flows/${select.value}/rollback`);
  if (reply.status === 200) { await load(select.value); report(reply, reply.data.message); }
  else report(reply, "");
};
select.onchange = () => load(select.value);

(async () => {
  const reply = await api("GET", "/api/v1/flows");
  for (const flow of reply.data.flows) {
    const option = document.createElement("option"); option.value = option.textContent = flow.number;
    select.appendChild(option);
  }
  if (select.value) await load(select.value);
})();
