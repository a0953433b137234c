"use strict";
// The wallboard: redrawn on every 'board' event; waits and times in state tick each second.
const LEVELS = document.querySelector('meta[name="levels"]').content.split(",");
const EMERGENCY = ["police", "fire", "ambulance", "emergency"];
let board = null, receivedAt = 0;

function since() { return (Date.now() - receivedAt) / 1000; }

// A cluster's board (README "Cluster") names its nodes, and each caller's and operator's node.
function drawNodes() {
  const nodes = document.getElementById("nodes");
  if (!nodes) return;
  nodes.textContent = (board.nodes || []).map((n) => `${n.name}: ${n.alive ? "up" : "down"}`).join("  ");
}

function draw() {
  if (!board) return;
  drawNodes();
  const extra = since();
  fill("queues", board.queues.map((q) => row([
    q.name, {text: q.waiting, cls: "num waiting"},
    {text: q.waiting ? duration(q.longest_wait_s + extra) : "–", cls: "num"},
    {text: q.answered, cls: "num answered"}, {text: q.abandoned, cls: "num abandoned"},
    {text: LEVELS.map((t) => `${t}s: ${percent(q.service_level[t])}`).join("  "), cls: "num"},
    {text: q.average_speed_of_answer_s === null ? "–" : duration(q.average_speed_of_answer_s), cls: "num"},
    {text: percent(q.abandon_rate), cls: "num"}], {queue: q.name})));
  // A 112 caller with no key for silent_after_s is a silent call (it ticks here too).
  const silent = (q, c) => c.silent || (EMERGENCY.includes(q.name) && !c.keyed &&
    c.waited_s + extra >= board.silent_after_s);
  const on = (x) => (x.node ? ` · ${x.node}` : "");  // a cluster's board: the node
  fill("waiting", board.queues.flatMap((q) => q.callers.map((c) => row([
    q.name + on(c), c.caller_number, {text: duration(c.waited_s + extra), cls: "num"}, c.language, c.ticket,
    silent(q, c) ? {text: "silent", cls: "silent"}
      : (c.virtual ? {text: "virtual hold: called back", cls: "virtual"} : "")],
    {caller: c.caller_number, silent: silent(q, c) ? "yes" : "no",
     virtual: c.virtual ? "yes" : "no", node: c.node || ""}))));
  fill("operators", board.operators.map((o) => row([
    o.name, (o.paused ? "paused" : (o.call || o.state.replace(/_/g, " "))) + on(o),
    {text: duration(o.in_state_s + extra), cls: "num"}, o.paused_reason, o.queues.join(", ")],
    {operator: o.name, node: o.node || ""})));
  fill("abandoned", board.abandoned.map((a) => row([
    new Date(a.at * 1000).toLocaleTimeString(), a.queue, a.caller_number, duration(a.waited_s),
    a.callback || ""], {caller: a.caller_number})));
}

// The whole board once, then only what changed (ivr/web/board_delta.py says how).
const feed = stream("board-delta", "board", (data) => { board = data; receivedAt = Date.now(); draw(); });
feed.addEventListener("board-delta", (e) => {
  if (!board) return;
  board = applyDelta(board, JSON.parse(e.data)); receivedAt = Date.now(); draw();
});

// Kept queues and operators keep ticking: their seconds move on by the time between bodies.
function movedOn(entry, seconds) {
  if (entry.callers && !entry.callers.length) return entry;  // an empty queue's wait stays 0
  const moved = {...entry};
  for (const key of ["waited_s", "longest_wait_s", "in_state_s"]) {
    if (key in moved) moved[key] += seconds;
  }
  if (moved.callers) moved.callers = moved.callers.map((c) => movedOn(c, seconds));
  return moved;
}

function applyDelta(old, delta) {
  const seconds = delta.at - old.at, next = {...old};
  for (const [key, value] of Object.entries(delta)) if (!key.endsWith("_order")) next[key] = value;
  for (const part of ["queues", "operators"]) {
    const kept = new Map(old[part].map((e) => [e.name, movedOn(e, seconds)]));
    if (!delta[part + "_order"]) { next[part] = [...kept.values()]; continue; }
    const fresh = new Map(delta[part].map((e) => [e.name, e]));
    next[part] = delta[part + "_order"].map((name) => fresh.get(name) || kept.get(name));
  }
  return next;
}
setInterval(draw, 1000);

// Overdue tickets of every agency (the agencies' supervisors see theirs in their inbox).
async function loadOverdue() {
  const reply = await api("GET", "/api/v1/reports/escalations?hours=0");
  if (reply.status !== 200) return;
  document.getElementById("overdue-count").textContent = `(${reply.data.overdue_count})`;
  const rows = [];
  for (const line of reply.data.agencies) for (const number of line.overdue) {
    const tr = row([line.agency_name, ""], {number, agency: line.agency});
    tr.className = "overdue";
    const link = document.createElement("a");
    link.href = `/agency?agency=${encodeURIComponent(line.agency)}`;
    link.textContent = number;
    tr.lastChild.appendChild(link);
    rows.push(tr);
  }
  fill("overdue", rows);
}
loadOverdue();
setInterval(loadOverdue, 30000);
