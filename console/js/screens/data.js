// Data: every export in each format and shape, the codebook, each dataset's last
// Savor-Next-Since, and the audit trail, filtered here.

import { API, studyPath } from "../api.js";
import { el, section, table, when } from "../dom.js";

export const title = "Data";

const DATASETS = ["responses", "prompts", "practice_sessions", "participants", "participant_states", "offers"];

function link(ctx, path, text) {
  return el("a", { href: API + studyPath(ctx.study, path), download: "" }, text);
}

function exportsPart(ctx, last) {
  const since = el("input", { type: "number", min: 0, value: 0, name: "since" });
  const byName = Object.fromEntries(last.map((e) => [e.dataset, e]));
  const rows = DATASETS.map((d) => {
    const q = (format, shape = "long") => `/export/${d}?format=${format}&shape=${shape}`;
    const kinds = [link(ctx, q("csv"), "CSV"), " ", link(ctx, q("ndjson"), "NDJSON")];
    if (d === "responses") kinds.push(" ", link(ctx, q("csv", "wide"), "CSV wide"), " ", link(ctx, q("ndjson", "wide"), "NDJSON wide"), " ", link(ctx, q("fhir"), "FHIR"));
    const previous = byName[d];
    const since = previous
      ? el("span", {}, `${previous.next_since} (${when(previous.at)}, ${previous.rows ?? "?"} rows) `,
        el("a", { href: API + studyPath(ctx.study, `${q("csv")}&since=${previous.next_since}`), download: "", "data-keep": "" }, "CSV of what is new since"))
      : "never exported";
    return [d, el("span", { class: "downloads" }, kinds), since];
  });
  const node = table("Exports (all rows; set 'since' for only what is new)", ["Dataset", "Download", "Last export's Savor-Next-Since"], rows, { class: "exports" });
  since.addEventListener("input", () => {
    for (const a of node.querySelectorAll("a[download]:not([data-keep])")) {
      const url = new URL(a.href);
      url.searchParams.set("since", since.value || "0");
      a.href = url.pathname + url.search;
    }
  });
  return section("Exports", el("label", {}, "Only records after (since)", since), node);
}

function codebookPart(ctx) {
  return section("Codebook", el("ul", {},
    el("li", {}, link(ctx, "/codebook", "JSON (instruments and every export column)")),
    el("li", {}, link(ctx, "/codebook?format=csv&part=items", "CSV: items")),
    el("li", {}, link(ctx, "/codebook?format=csv&part=columns", "CSV: export columns")),
    el("li", {}, link(ctx, "/codebook?format=datapackage", "Frictionless data package")),
    el("li", {}, "REDCap data dictionary: not offered yet.")));
}

function auditPart(ctx, first) {
  const events = [...first];
  const filter = el("input", { type: "search", name: "filter" });
  const body = el("div");
  const more = el("button", { type: "button" }, "Older events");
  function draw() {
    const words = filter.value.trim().toLowerCase();
    const shown = events.filter((e) => !words || `${e.actor} ${e.action} ${JSON.stringify(e.detail)}`.toLowerCase().includes(words));
    body.replaceChildren(table(`${shown.length} of ${events.length} events loaded`, ["When", "Who", "What", "Detail"],
      shown.map((e) => [when(e.at), e.actor, e.action, Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ")]), { class: "audit" }));
  }
  filter.addEventListener("input", draw);
  more.addEventListener("click", async () => {
    const last = events[events.length - 1];
    if (!last) return;
    const older = await ctx.call("GET", studyPath(ctx.study, `/audit?limit=200&before=${encodeURIComponent(last.at)}`));
    events.push(...older);
    more.hidden = older.length < 200;
    draw();
  });
  more.hidden = first.length < 200;
  draw();
  return section("Audit trail (newest first)", el("label", {}, "Filter by who, what or detail", filter), body, more);
}

export async function render(ctx) {
  const [last, audit] = await Promise.all([
    ctx.can("export:read") ? ctx.call("GET", studyPath(ctx.study, "/exports/last")) : null,
    ctx.can("audit:read") ? ctx.call("GET", studyPath(ctx.study, "/audit?limit=200")) : null,
  ]);
  return [el("h2", {}, "Data"), last ? exportsPart(ctx, last) : null, codebookPart(ctx), audit ? auditPart(ctx, audit) : null].filter(Boolean);
}
