"use strict";
// The admin's lists of pause reasons and wrap-up codes: "code: label" lines, saved whole.
function asText(codes) { return codes.map((c) => `${c.code}: ${c.label}`).join("\n"); }

function asCodes(text) {
  return text.split("\n").map((line) => line.trim()).filter((line) => line).map((line) => {
    const at = line.indexOf(":");
    return at < 0 ? {code: line, label: line}
      : {code: line.slice(0, at).trim(), label: line.slice(at + 1).trim()};
  });
}

for (const form of document.querySelectorAll(".codes-form")) {
  const box = form.querySelector("textarea"), result = form.querySelector(".result");
  api("GET", form.dataset.path).then((reply) => {
    if (reply.status === 200) box.value = asText(reply.data.codes);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const reply = await api("PUT", form.dataset.path, {codes: asCodes(box.value)});
    if (reply.status === 200) { box.value = asText(reply.data.codes); result.textContent = "saved"; }
    else result.textContent = reply.data.message || `error ${reply.status}`;
  });
}
