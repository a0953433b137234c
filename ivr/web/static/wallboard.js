"use strict";
// The wallboard: redrawn on every 'board' event; waits and times in state tick each second.
const LEVELS = document.querySelector('meta[name="levels"]').content.split(",");
let board = null, receivedAt = 0;

function since() { return (Date.now() - receivedAt) / 1000; }

function draw() {
  if (!board) return;
  const extra = since();
  fill("queues", board.queues.map((q) => row([
    q.name, {text: q.waiting, cls: "num waiting"},
    {text: q.waiting ? duration(q.longest_wait_s + extra) : "–", cls: "num"},
    {text: q.answered, cls: "num answered"}, {text: q.abandoned, cls: "num abandoned"},
    {text: LEVELS.map((t) => `${t}s: ${percent(q.service_level[t])}`).join("  "), cls: "num"},
    {text: q.average_speed_of_answer_s === null ? "–" : duration(q.average_speed_of_answer_s), cls: "num"},
    {text: percent(q.abandon_rate), cls: "num"}], {queue: q.name})));
  fill("waiting", board.queues.flatMap((q) => q.callers.map((c) => row([
    q.name, c.caller_number, {text: duration(c.waited_s + extra), cls: "num"}, c.language, c.ticket],
    {caller: c.caller_number}))));
  fill("operators", board.operators.map((o) => row([
    o.name, o.paused ? "paused" : (o.call || o.state.replace(/_/g, " ")),
    {text: duration(o.in_state_s + extra), cls: "num"}, o.paused_reason, o.queues.join(", ")],
    {operator: o.name})));
  fill("abandoned", board.abandoned.map((a) => row([
    new Date(a.at * 1000).toLocaleTimeString(), a.queue, a.caller_number, duration(a.waited_s)])));
}

stream("board", "board", (data) => { board = data; receivedAt = Date.now(); draw(); });
setInterval(draw, 1000);
