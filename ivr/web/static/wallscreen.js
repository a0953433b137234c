"use strict";
// The wall screen: queue figures pushed by the board stream, ticket figures polled.
const SHOWN = 7;  // lines per table: the screen never scrolls
const LEVEL = document.querySelector('meta[name="levels"]').content.split(",").pop();
let pollMs = 5000;

function counts(tableId, lines) {
  fill(tableId, lines.slice(0, SHOWN).map((l) => row([
    l.name, {text: l.received, cls: "num received"}, {text: l.resolved, cls: "num resolved"}], {key: l.key})));
}

function drawTickets(t) {
  document.getElementById("ws-day").textContent = t.day;
  document.getElementById("ws-month").textContent = t.month;
  document.getElementById("ws-received").textContent = t.received;
  document.getElementById("ws-resolved").textContent = t.resolved;
  counts("ws-kinds", t.by_kind);
  counts("ws-categories", t.by_category);
  counts("ws-districts", t.by_district);
  fill("ws-top", t.top_month.map((l) => row([l.name, {text: l.received, cls: "num received"}], {key: l.key})));
  document.getElementById("ws-updated").textContent = `tickets at ${new Date().toLocaleTimeString()}`;
}

async function poll() {
  try {
    const reply = await api("GET", "/api/v1/wallscreen");
    if (reply.status === 200) { drawTickets(reply.data); pollMs = (reply.data.poll_s || 5) * 1000; }
  } finally { setTimeout(poll, pollMs); }
}

function drawQueues(board) {
  fill("ws-queues", board.queues.map((q) => row([
    q.name, {text: q.waiting, cls: "num waiting"}, {text: q.waiting ? duration(q.longest_wait_s) : "–", cls: "num"},
    {text: q.answered, cls: "num"}, {text: q.abandoned, cls: "num"},
    {text: percent(q.service_level[LEVEL]), cls: "num"}], {queue: q.name})));
}

stream("board", "board", drawQueues);
poll();
