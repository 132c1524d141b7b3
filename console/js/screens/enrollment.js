// Enrollment: make single-use codes and print one card per code (the browser's print, A4 or
// Letter): its QR code, its link, the code in large letters and what the app is.

import { studyPath } from "../api.js";
import { el, field, when } from "../dom.js";

export const title = "Enrollment";

const WHAT = "Savor is a free phone app for mothers in recovery: short check-ins and calming practices, in English or Spanish. Scan the code or open the link to join.";

function card(code) {
  const qr = el("div", { class: "qr", role: "img", "aria-label": `QR code for ${code.code}` });
  qr.innerHTML = code.qr_svg; // drawn by our own server (segno)
  return el("article", { class: "card" }, qr, el("div", {},
    el("p", { class: "code" }, code.code),
    el("p", { class: "link" }, code.link),
    el("p", {}, WHAT)));
}

export async function render(ctx) {
  const sheet = el("div", { class: "sheet a4", id: "sheet" });
  const paper = el("select", { name: "paper", onchange: (e) => { sheet.className = `sheet ${e.target.value}`; } },
    el("option", { value: "a4" }, "A4"), el("option", { value: "letter" }, "Letter"));
  const print = el("button", { type: "button", hidden: true, onclick: () => window.print() }, "Print the cards");
  const made = el("p", { role: "status" });
  const form = el("form", { class: "inline" },
    field("How many codes", "count", "number", { min: 1, max: 1000, value: 10, required: true }),
    field("Days until they expire (blank: the protocol's)", "days", "number", { min: 1, max: 365 }),
    el("label", {}, "Paper", paper),
    el("button", {}, "Make codes"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    const body = { count: Number(values.count) };
    if (values.days) body.expires_in_days = Number(values.days);
    try {
      const created = await ctx.call("POST", studyPath(ctx.study, "/enrollment-codes"), body);
      sheet.replaceChildren(...created.codes.map(card));
      made.textContent = `${created.codes.length} codes made; they expire ${when(created.expires_at)}. They are shown only now: print them before leaving this page.`;
      print.hidden = false;
    } catch (error) {
      ctx.report(error.message);
    }
  });
  return [el("h2", {}, "Enrollment codes"), form, made, print, sheet];
}
