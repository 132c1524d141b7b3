// Her open check-ins, minus those she has answered on this phone (the server may not know yet),
// and the local timestamps every record carries.

import * as api from "./api.js";
import { kv } from "./db.js";

export function isoNow(date = new Date()) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
  return `${local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

export function today() {
  return isoNow().slice(0, 10);
}

// mode: see api.js read(); Home shows the kept list at once, check-in screens ask first.
export async function openPrompts(mode = "fresh") {
  const [answeredIds, list] = await Promise.all([
    kv.get("answeredPrompts"),
    api.prompts(mode).catch(() => []),
  ]);
  const answered = new Set(answeredIds ?? []);
  const now = Date.now();
  return (Array.isArray(list) ? list : []).filter(
    (p) => !answered.has(p.id) && (!p.expires_at || Date.parse(p.expires_at) > now),
  );
}

export async function rememberAnswered(promptId) {
  const answered = ((await kv.get("answeredPrompts")) ?? []).slice(-200);
  await kv.set("answeredPrompts", [...answered, promptId]);
}
