// Every word she reads comes from i18n/<lang>.json; a missing key is recorded, never invented.

export const LANGUAGES = ["en", "es"];
const loaded = {};
let strings = {};
let current = "en";
export const missing = new Set();

export function pickLanguage(wanted) {
  const tag = (wanted || navigator.language || "en").slice(0, 2).toLowerCase();
  return LANGUAGES.includes(tag) ? tag : "en";
}

export async function setLanguage(lang) {
  current = pickLanguage(lang);
  if (!loaded[current]) {
    const response = await fetch(`/i18n/${current}.json`);
    loaded[current] = await response.json();
  }
  strings = loaded[current];
  document.documentElement.lang = current;
  return current;
}

export function language() {
  return current;
}

function lookup(key) {
  return key.split(".").reduce((node, part) => (node == null ? undefined : node[part]), strings);
}

export function t(key, vars = {}) {
  let value = lookup(key);
  if (value && typeof value === "object" && "other" in value) {
    const form = new Intl.PluralRules(current).select(vars.n ?? 0);
    value = value[form] ?? value.other;
  }
  if (typeof value !== "string") {
    missing.add(`${current}:${key}`);
    return key;
  }
  return value.replace(/\{(\w+)\}/g, (_, name) =>
    name in vars ? String(vars[name]) : `{${name}}`,
  );
}

// Fill data-i18n (text) and data-i18n-label (aria-label) attributes below `root`.
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

export function formatTime(value) {
  return new Intl.DateTimeFormat(current, { hour: "numeric", minute: "2-digit" }).format(
    new Date(value),
  );
}

export function formatDate(value, options = { month: "short", day: "numeric" }) {
  const date =
    typeof value === "string" && value.length === 10 ? new Date(`${value}T12:00`) : new Date(value);
  return new Intl.DateTimeFormat(current, options).format(date);
}

export function formatNumber(value, digits = 1) {
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value);
}

export function minutesLabel(seconds) {
  return t("common.minutes", { n: Math.round(seconds / 60) });
}
