"use strict";
// The roster page: the week grid (operators × days × shifts), ticked in place, the roster
// check's warnings, CSV in and out.
const weekBox = document.getElementById("week");

function th(text, span) {
  const cell = document.createElement("th");
  cell.textContent = text; if (span) cell.colSpan = span;
  return cell;
}

function head(grid) {
  const days = document.createElement("tr"), shifts = document.createElement("tr");
  days.append(th("Operator"), ...grid.days.map((d) => th(
    new Date(d + "T12:00:00").toLocaleDateString(undefined, {weekday: "short", day: "numeric", month: "short"}),
    grid.shift_names.length)));
  shifts.append(th(""), ...grid.days.flatMap(() => grid.shifts.map((s) => th(s))));
  document.querySelector("#grid thead").replaceChildren(days, shifts);
}

function cell(o, day, shift) {
  const skills = (o.cells[day] || {})[shift];
  const box = document.createElement("input");
  box.type = "checkbox"; box.checked = skills !== undefined;
  box.title = `${o.username} ${shift} ${day}`;
  box.addEventListener("change", () => setCell(o.username, day, shift, box.checked));
  const td = cellWith(box, skills ? " " + skills : "");
  Object.assign(td.dataset, {operator: o.username, date: day, shift});
  return td;
}

function draw(grid) {
  weekBox.value = grid.week;
  head(grid);
  fill("grid", grid.operators.map((o) => {
    const tr = row([o.name ? `${o.username} (${o.name})` : o.username], {operator: o.username});
    for (const day of grid.days) for (const shift of grid.shift_names) tr.appendChild(cell(o, day, shift));
    return tr;
  }));
  document.getElementById("warnings").replaceChildren(...grid.warnings.map((w) => {
    const li = document.createElement("li"); li.textContent = w.message; li.dataset.kind = w.kind;
    return li;
  }));
}

async function setCell(operator, date, shift, working) {
  const skills = document.getElementById("cell-skills").value.trim();
  const body = {operator, date, shift, working, ...(skills ? {skills} : {})};
  const reply = await api("POST", "/api/v1/roster/assignments", body);
  if (reply.status !== 200) { say("grid-result", failure(reply), false); await load(weekBox.value); return; }
  say("grid-result", `saved: ${operator} ${working ? "on" : "off"} ${shift} ${date}`, true);
  draw(reply.data);
  await loadHistory("roster");
}

async function load(week) {
  const reply = await api("GET", "/api/v1/roster/week" + (week ? `?week=${week}` : ""));
  if (reply.status !== 200) { say("grid-result", failure(reply), false); return; }
  draw(reply.data);
  await loadHistory("roster");
}

function shiftWeek(days) {
  const d = new Date(weekBox.value + "T12:00:00");
  d.setDate(d.getDate() + days);
  load(d.toISOString().slice(0, 10));
}

document.getElementById("previous").addEventListener("click", () => shiftWeek(-7));
document.getElementById("next").addEventListener("click", () => shiftWeek(7));
weekBox.addEventListener("change", () => load(weekBox.value));

csvImportForm("PUT", "/api/v1/roster.csv", async (reply) => {
  if (reply.status === 200) {
    say("import-result", `imported: ${reply.data.assignments} assignments in the roster`, true);
    await load(weekBox.value);
    return;
  }
  say("import-result", reply.status === 422 ? "nothing was imported; fix these lines:" : failure(reply), false);
});

load("");
