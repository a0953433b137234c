"use strict";
// 112 incidents for supervisors: what each call did, its outcome, and the prank lane.
let names = {}, shown = null;

function isoDay(input, days) {
  if (input.value) return new Date(input.value + "T00:00:00").toISOString();
  return new Date(Date.now() + days * 86400000).toISOString();
}

function lastCallback(incident) {
  const end = incident.callbacks.find((entry) => entry.summary);
  return end ? end.summary : "";
}

async function load() {
  const query = new URLSearchParams({start: isoDay(document.getElementById("start"), -1),
    end: document.getElementById("end").value
      ? new Date(new Date(document.getElementById("end").value + "T00:00:00").getTime() + 86400000).toISOString()
      : new Date(Date.now() + 60000).toISOString()});
  const caller = document.getElementById("caller").value.trim();
  if (caller) query.set("caller", caller);
  const reply = await api("GET", "/api/v1/incidents?" + query);
  const result = document.getElementById("result");
  if (reply.status !== 200) { result.textContent = reply.data.message || `error ${reply.status}`; return; }
  result.textContent = `${reply.data.incidents.length} calls`;
  names = reply.data.outcome_names;
  fill("outcomes", Object.entries(reply.data.outcomes).map(([key, count]) =>
    row([names[key] || (key === "none" ? "not given yet" : key), {text: count, cls: "num"}], {outcome: key})));
  fill("incidents", reply.data.incidents.map((i) => {
    const tr = row([new Date(i.arrived_at).toLocaleString(), i.caller_number, i.queue, i.state,
      {text: i.waited_s === null ? "–" : duration(i.waited_s), cls: "num"}, i.answered_by,
      i.silent ? {text: "silent", cls: "silent"} : "", i.lane, lastCallback(i),
      names[i.outcome] || i.outcome], {id: i.unique_id, caller: i.caller_number});
    tr.addEventListener("click", () => detail(i));
    return tr;
  }));
}

function detail(incident) {
  shown = incident;
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-id").textContent = incident.unique_id;
  document.getElementById("detail-body").textContent = JSON.stringify(incident, null, 2);
  document.getElementById("clear-result").textContent = "";
}

document.getElementById("clear-pranks").addEventListener("click", async () => {
  if (!shown) return;
  const reply = await api("DELETE", `/api/v1/pranks/${encodeURIComponent(shown.caller_number)}`);
  document.getElementById("clear-result").textContent = reply.status === 200
    ? `cleared: ${reply.data.prank_calls} prank calls count now` : (reply.data.message || `error ${reply.status}`);
});

document.getElementById("filter").addEventListener("submit", (e) => { e.preventDefault(); load(); });
load();
setInterval(load, 15000);
