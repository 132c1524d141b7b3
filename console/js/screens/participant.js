// One participant: why she is flagged, her phones, a heatmap of her prompts' fates, and her
// stress, craving and positive affect with her practice sessions marked.

import { studyPath } from "../api.js";
import { FATES, grid, legend, lines } from "../charts.js";
import { ago, el, section, table, when } from "../dom.js";

export const title = "Participant";

const REASONS = {
  no_device: "No phone is signed up for notifications: she may have turned them off, or not added the app to her home screen.",
  push_refused: "Every phone refused its last 3 notifications: the subscription has likely expired; she can open the app to renew it.",
  no_receipts: "Her last 3 notifications never reported reaching her phone: the phone may be off, in low-power mode or offline.",
};

function health(page) {
  const said = page.notifications === "failing" ? REASONS[page.notifications_reason] : page.notifications === "ok" ? "Notifications reach her phone." : "Nothing is sent: she has withdrawn.";
  const devices = page.devices.map((d) => [d.platform, d.installed === null ? "—" : d.installed ? "yes" : "no", d.permission || "—", d.app_version || "—", ago(d.last_seen_at), when(d.last_success_at), String(d.failures)]);
  return section(
    "Notifications",
    el("p", { class: page.notifications === "failing" ? "warn" : "" }, `${page.notifications}: ${said}`),
    devices.length ? table("Her phones", ["Push service", "Installed", "Permission", "App version", "Last seen", "Last accepted push", "Refusals in a row"], devices) : null,
  );
}

function heatmap(prompts) {
  const byDay = new Map();
  for (const p of prompts) {
    if (!byDay.has(p.local_date)) byDay.set(p.local_date, []);
    byDay.get(p.local_date).push(p);
  }
  const rows = [...byDay].map(([day, list]) => ({
    label: day,
    cells: list.map((p) => ({ cls: `fate-${p.fate}`, title: `${day} ${new Date(p.scheduled_at).toLocaleTimeString("en-GB", { timeStyle: "short" })} ${p.kind}: ${p.fate}` })),
  }));
  const counts = FATES.map(([key, label]) => [label, prompts.filter((p) => p.fate === key).length]).filter(([, n]) => n);
  const summary = `${prompts.length} prompts over ${rows.length} days: ${counts.map(([l, n]) => `${n} ${l}`).join(", ")}`;
  return section("Prompts day by day", el("p", {}, summary), grid(rows, { label: summary }), legend(FATES));
}

function trajectories(page) {
  const days = [...new Set([...page.ratings.map((r) => r.date), ...page.practice.map((p) => p.local_date)])].sort();
  if (!days.length) return section("Feelings and practice", el("p", {}, "No check-in answers or practice yet."));
  const at = (day) => days.indexOf(day);
  const series = [["stress", "Stress"], ["craving", "Craving"], ["positive_affect", "Positive affect"]].map(([key, label]) => ({
    key,
    label,
    points: page.ratings.filter((r) => r[key] !== null).map((r) => ({ x: at(r.date), y: r[key] })),
  }));
  const marks = page.practice.map((p) => ({ x: at(p.local_date), title: `${p.local_date}: practice ${p.practice_id}, ${p.minutes} min${p.completed ? "" : " (stopped early)"}` }));
  const label = `Daily means from ${days[0]} to ${days[days.length - 1]}; ${marks.length} practice sessions marked`;
  return section(
    "Feelings and practice",
    lines(series, marks, { label, days }),
    legend([["stress", "Stress"], ["craving", "Craving"], ["positive_affect", "Positive affect"], ["practice", "Practice session"]], "key"),
  );
}

export async function render(ctx, pseudonym) {
  const page = await ctx.call("GET", studyPath(ctx.study, `/participants/${encodeURIComponent(pseudonym)}`));
  return [
    el("p", {}, el("a", { href: "#/participants" }, "All participants")),
    el("h2", {}, `Participant ${page.pseudonym}`),
    el("p", {}, `${page.status}, ${page.stage || "stage unsaid"}, program week ${page.program_week}, joined ${when(page.enrolled_at)}`),
    page.flags.length ? section("Flags", el("ul", { class: "flags" }, page.flags.map((f) => el("li", { "data-flag": f.code }, f.reason)))) : null,
    health(page),
    heatmap(page.prompts),
    trajectories(page),
  ].filter(Boolean);
}
