"use strict";
// The wall screen: queue figures pushed by the board stream; the queues' day (service level
// against target, hourly sparklines) and the ticket figures polled.
const SHOWN = 7;  // lines per table: the screen never scrolls
const SVG = "http://www.w3.org/2000/svg";
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

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

// One queue's card, made on first sight (from the stream or the trends) and kept.
function card(name) {
  const box = document.getElementById("ws-queues");
  let c = box.querySelector(`[data-queue="${name}"]`);
  if (c) return c;
  c = el("article", "ws-queue"); c.dataset.queue = name; c.dataset.state = "ok";
  const figure = (cls, label) => { const f = el("div", `fig ${cls}`); f.append(el("b", "", "–"), el("span", "", label)); return f; };
  const figures = el("div", "figs");
  figures.append(figure("waiting", "waiting"), figure("longest", "longest"),
                 figure("sl15", "in 15 s"), figure("sl20", "in 20 s"));
  c.append(el("h3", "", name), figures, el("div", "spark"), el("p", "day"));
  box.appendChild(c);
  return c;
}

function set(c, cls, text) { c.querySelector(`.${cls} b`).textContent = text; }

// The day's sparkline: bars of calls offered per hour, a line of the share answered in 15 s
// (one point per hour with calls), a dashed line at the 15 s target.
function sparkline(q) {
  const n = q.offered.length, width = 100, height = 40, step = width / n;
  const most = Math.max(1, ...q.offered);
  const chart = svg("svg", {viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none",
                            class: "sparkline", role: "img",
                            "aria-label": `${q.queue}: calls offered and service level per hour`});
  q.offered.forEach((o, i) => chart.appendChild(svg("rect", {
    class: "offered", x: (i * step + step * 0.15).toFixed(2), width: (step * 0.7).toFixed(2),
    y: (height - (o / most) * height * 0.5).toFixed(2), height: ((o / most) * height * 0.5).toFixed(2)})));
  const target = q.targets[0].percent / 100;
  const y = (share) => (height - 2 - share * (height - 4)).toFixed(2);
  chart.appendChild(svg("line", {class: "target", x1: 0, x2: width, y1: y(target), y2: y(target)}));
  const points = q.service_level_15.map((s, i) => s === null ? null : `${((i + 0.5) * step).toFixed(2)},${y(s)}`)
    .filter((p) => p !== null);
  chart.appendChild(svg("polyline", {class: "level", points: points.join(" ")}));
  for (const p of points) { const [cx, cy] = p.split(","); chart.appendChild(svg("circle", {class: "point", cx, cy, r: 1.2})); }
  return chart;
}

function drawTrends(t) {
  for (const q of t.queues) {
    const c = card(q.queue);
    c.dataset.state = q.state;
    set(c, "sl15", percent(q.day.service_level_15));
    set(c, "sl20", q.targets.length > 1 ? percent(q.day.service_level_20) : "");
    c.querySelector(".sl20").classList.toggle("unused", q.targets.length < 2);  // the hotline: 15 s only
    c.querySelector(".spark").replaceChildren(sparkline(q));
    c.querySelector(".day").textContent = `${q.day.offered} offered today · target ` +
      q.targets.map((g) => `${g.percent}% in ${g.within_s}s`).join(", ");
  }
}

async function poll() {
  try {
    const [tickets, trends] = await Promise.all([api("GET", "/api/v1/wallscreen"), api("GET", "/api/v1/wallscreen/trends")]);
    if (tickets.status === 200) { drawTickets(tickets.data); pollMs = (tickets.data.poll_s || 5) * 1000; }
    if (trends.status === 200) drawTrends(trends.data);
  } finally { setTimeout(poll, pollMs); }
}

function drawQueues(board) {
  for (const q of board.queues) {
    const c = card(q.name);
    set(c, "waiting", q.waiting);
    set(c, "longest", q.waiting ? duration(q.longest_wait_s) : "–");
    c.querySelector(".waiting").classList.toggle("busy", q.waiting > 0);
  }
}

stream("board", "board", drawQueues);
poll();
