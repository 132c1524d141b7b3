// The study team's console: signs her in, then shows the screens her role opens, one ES
// module each, loaded when first opened. Every screen reads the research API, as a script can.

import { call } from "./js/api.js";
import { el } from "./js/dom.js";
import { can, screensFor } from "./js/roles.js";
import { setup, signInForm } from "./js/signin.js";

const main = document.getElementById("main");
const status = document.getElementById("status");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let me = null;
let study = null;

function report(message) {
  status.textContent = message;
}

function show(...nodes) {
  main.replaceChildren(...nodes);
  // A new screen starts at its top, with the focus on it for a screen reader.
  window.scrollTo(0, 0);
  main.focus({ preventScroll: true });
}

function signIn() {
  me = null;
  who.replaceChildren();
  nav.replaceChildren();
  signInForm(show, report, start);
}

function roleIn(slug) {
  return me.roles.find((r) => r.study === slug)?.role;
}

function drawNav(current) {
  const role = roleIn(study);
  const links = screensFor(role).map(([hash, label]) =>
    el("li", {}, el("a", { href: `#/${hash}`, "aria-current": hash === current ? "page" : null }, label)),
  );
  nav.replaceChildren(el("ul", {}, links));
}

function drawWho() {
  const choose = el(
    "select",
    { "aria-label": "Study", onchange: (e) => { study = e.target.value; sessionStorage.setItem("study", study); route(); } },
    me.roles.map((r) => el("option", { value: r.study, selected: r.study === study }, `${r.study} (${r.role})`)),
  );
  const out = el("button", { onclick: () => call("DELETE", "/session").then(signIn) }, "Sign out");
  who.replaceChildren(el("span", {}, me.display_name), " ", choose, " ", out);
}

async function route() {
  if (!me) return;
  const role = roleIn(study);
  const open = screensFor(role);
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const screen = open.find(([hash]) => hash === name) ? name : open[0][0];
  drawNav(screen);
  report("");
  main.setAttribute("aria-busy", "true");
  try {
    const module = await import(`./js/screens/${screen}.js`);
    const context = { study, role, can: (scope) => can(role, scope), report, route, call };
    const nodes = await module.render(context, ...rest.map(decodeURIComponent));
    document.title = `${module.title || screen} · Savor console`;
    show(...nodes);
  } catch (error) {
    if (error.status === 401) return signIn();
    show(el("p", {}, "This screen could not be shown."));
    report(error.message);
  } finally {
    main.removeAttribute("aria-busy");
  }
}

async function start() {
  try {
    me = await call("GET", "/session");
  } catch {
    signIn();
    return;
  }
  if (!me.roles.length) {
    show(el("p", {}, "You have no role in any study yet: ask an admin of the study."));
    return;
  }
  const kept = sessionStorage.getItem("study");
  study = me.roles.some((r) => r.study === kept) ? kept : me.roles[0].study;
  drawWho();
  await route();
}

window.addEventListener("hashchange", () => {
  if (location.hash !== "#main") route(); // the skip link only moves the focus
});
const setupToken = new URLSearchParams(location.hash.slice(1)).get("setup");
(setupToken ? setup(setupToken, show, report, signIn) : start()).catch((error) => report(error.message));
