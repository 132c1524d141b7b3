// Data: every export in each format and shape, the codebook, each dataset's last
// Savor-Next-Since, and the audit trail, filtered here.

import { API, studyPath } from "../api.js";
import { el, field, section, table, when } from "../dom.js";

export const title = "Data";

// The datasets the service also writes as FHIR (research/exports/service.py).
const FHIR = ["responses", "scores"];

function link(ctx, path, text) {
  return el("a", { href: API + studyPath(ctx.study, path), download: "" }, text);
}

function exportsPart(ctx, last) {
  const since = el("input", { type: "number", min: 0, value: 0, name: "since" });
  // Every dataset the service exports, as it lists them, with its last export if any.
  const rows = last.map((previous) => {
    const d = previous.dataset;
    const q = (format, shape = "long") => `/export/${d}?format=${format}&shape=${shape}`;
    const kinds = [link(ctx, q("csv"), "CSV"), " ", link(ctx, q("ndjson"), "NDJSON")];
    if (d === "responses") kinds.push(" ", link(ctx, q("csv", "wide"), "CSV wide"), " ", link(ctx, q("ndjson", "wide"), "NDJSON wide"));
    if (FHIR.includes(d)) kinds.push(" ", link(ctx, q("fhir"), "FHIR"));
    const since = previous.at
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
    el("li", {}, link(ctx, "/codebook?format=redcap", "REDCap data dictionary (CSV)"))));
}

const PAGE = 200;

function auditPart(ctx, first) {
  const events = [...first];
  const query = { actor: "", action: "" };
  const filter = el("input", { type: "search", name: "filter" });
  const body = el("div");
  const more = el("button", { type: "button" }, "Older events");
  const path = (before) => {
    const q = new URLSearchParams({ limit: PAGE });
    if (before) q.set("before", before);
    if (query.actor) q.set("actor", query.actor);
    if (query.action) q.set("action", query.action);
    return studyPath(ctx.study, `/audit?${q}`);
  };
  function draw() {
    const words = filter.value.trim().toLowerCase();
    const shown = events.filter((e) => !words || `${e.actor} ${e.action} ${JSON.stringify(e.detail)}`.toLowerCase().includes(words));
    body.replaceChildren(table(`${shown.length} of ${events.length} events loaded`, ["When", "Who", "What", "Detail"],
      shown.map((e) => [when(e.at), e.actor, e.action, Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ")]), { class: "audit" }));
  }
  async function load(before) {
    const page = await ctx.call("GET", path(before));
    if (!before) events.length = 0;
    events.push(...page);
    more.hidden = page.length < PAGE;
    draw();
  }
  const ask = el("form", { class: "inline" },
    field("Who (email or token label)", "actor", "search"),
    field("What (action, such as export)", "action", "search"),
    el("button", {}, "Show"));
  ask.addEventListener("submit", async (event) => {
    event.preventDefault();
    Object.assign(query, Object.fromEntries(new FormData(ask)));
    await load(null).catch((error) => ctx.report(error.message));
  });
  filter.addEventListener("input", draw);
  more.addEventListener("click", () => load(events[events.length - 1]?.at).catch((error) => ctx.report(error.message)));
  more.hidden = first.length < PAGE;
  draw();
  return section("Audit trail (newest first)", ask, el("label", {}, "Filter what is loaded", filter), body, more);
}

export async function render(ctx) {
  const [last, audit] = await Promise.all([
    ctx.can("export:read") ? ctx.call("GET", studyPath(ctx.study, "/exports/last")) : null,
    ctx.can("audit:read") ? ctx.call("GET", studyPath(ctx.study, `/audit?limit=${PAGE}`)) : null,
  ]);
  return [el("h2", {}, "Data"), last ? exportsPart(ctx, last) : null, codebookPart(ctx), audit ? auditPart(ctx, audit) : null].filter(Boolean);
}
