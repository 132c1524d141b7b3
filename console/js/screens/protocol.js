// Protocol: the version in force, readable by everyone; an admin edits the YAML, has it
// checked by the server (each problem shown on its line), sees the diff and what changes for
// participants, then applies it.

import { studyPath } from "../api.js";
import { el, section, when } from "../dom.js";

export const title = "Protocol";

function numbered(source, problems = []) {
  const onLine = new Map();
  for (const p of problems) if (p.line) onLine.set(p.line, [...(onLine.get(p.line) || []), p]);
  const items = source.split("\n").map((text, i) => {
    const found = onLine.get(i + 1) || [];
    return el("li", { class: found.length ? "bad" : null, id: found.length ? `line-${i + 1}` : null },
      el("code", {}, text || " "),
      found.map((p) => el("p", { class: "problem" }, `Line ${i + 1}: ${p.place ? `${p.place}: ` : ""}${p.message}`)));
  });
  return el("ol", { class: "yaml", tabindex: 0, "aria-label": "The protocol, line by line" }, items);
}

function diffView(lines) {
  if (!lines.length) return el("p", {}, "Same text as the version in force.");
  return el("pre", { class: "diff", tabindex: 0, "aria-label": "Lines changed" }, lines.map((l) => el("span", { class: `op-${l.op === "@" ? "at" : l.op === "+" ? "add" : l.op === "-" ? "del" : "same"}` }, `${l.op === "@" ? "" : l.op} ${l.text}\n`)));
}

function editor(ctx, current) {
  const area = el("textarea", { name: "yaml", rows: 24, spellcheck: "false", "aria-describedby": "checked" });
  area.value = current.source;
  const result = el("div", { id: "checked", "aria-live": "polite" });
  const apply = el("button", { type: "button", disabled: true }, "Apply");
  const check = el("button", { type: "button" }, "Check");
  check.addEventListener("click", async () => {
    apply.disabled = true;
    const found = await ctx.call("POST", studyPath(ctx.study, "/protocol/check"), area.value, "application/yaml");
    if (!found.valid) {
      result.replaceChildren(
        el("h4", {}, `${found.problems.length} problem(s) to fix`),
        el("ul", { class: "problems" }, found.problems.map((p) => el("li", {}, p.line ? el("a", { href: `#/protocol/line-${p.line}`, onclick: (e) => { e.preventDefault(); document.getElementById(`line-${p.line}`)?.scrollIntoView(); } }, `Line ${p.line}`) : "The whole file", `: ${p.place ? `${p.place}: ` : ""}${p.message}`))),
        numbered(area.value, found.problems),
      );
      return;
    }
    result.replaceChildren(
      el("h4", {}, "What changes for participants"),
      el("ul", { class: "changes" }, found.changes.map((c) => el("li", {}, c))),
      el("h4", {}, `Against version ${found.current_version}`),
      diffView(found.diff),
    );
    apply.disabled = false;
  });
  apply.addEventListener("click", async () => {
    try {
      const done = await ctx.call("PUT", studyPath(ctx.study, "/protocol"), area.value, "application/yaml");
      ctx.report(done.changed ? `Version ${done.protocol_version} is in force.` : "Nothing changed: the version in force is the same.");
      apply.disabled = true;
      result.replaceChildren(el("p", { class: "done" }, done.changed ? `Applied: version ${done.protocol_version} is in force.` : "Nothing to apply."));
    } catch (error) {
      ctx.report(error.message);
    }
  });
  return section("Edit", el("label", {}, "The protocol (YAML)", area), el("div", { class: "actions" }, check, apply), result);
}

export async function render(ctx) {
  const current = await ctx.call("GET", studyPath(ctx.study, "/protocol"));
  const readable = section(`Version ${current.version} in force since ${when(current.created_at)}`,
    el("details", { open: !ctx.can("protocol:write") }, el("summary", {}, "Read it"), numbered(current.source)));
  return [el("h2", {}, "Protocol"), readable, ctx.can("protocol:write") ? editor(ctx, current) : null].filter(Boolean);
}
