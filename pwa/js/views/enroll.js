// Joining the study: a code (typed, or from a /?code=… link), her language and waking hours,
// and in plain words what the study sees; then the study's consent (views/consent.js), and she
// joins by agreeing to that version. No name, email or phone is asked.

import * as api from "../api.js";
import { kv } from "../db.js";
import { $, html, render } from "../html.js";
import { language } from "../i18n.js";
import * as outbox from "../outbox.js";
import { panel } from "./consent.js";

let draft = null;

const ERRORS = [
  "malformed_code",
  "unknown_code",
  "code_used",
  "code_expired",
  "too_many_attempts",
  "offline",
];

function list(t, key) {
  return html`<ul>${t(key)
    .split("\n")
    .map((line) => html`<li>${line}</li>`)}</ul>`;
}

function form(t, values) {
  const lang = (code, label) => html`<label class="choice"><input type="radio" name="language"
    value="${code}" ${values.language === code ? html`checked` : ""}> <span lang="${code}">${label}</span></label>`;
  return html`
    <h1 tabindex="-1">${t("enroll.title")}</h1>
    <p>${t("enroll.intro")}</p>
    <form id="enroll" novalidate>
      <div class="field">
        <label for="code">${t("enroll.code")}</label>
        <p class="hint" id="code-hint">${t("enroll.code_hint")}</p>
        <input id="code" name="code" type="text" autocomplete="off" autocapitalize="characters"
          spellcheck="false" aria-describedby="code-hint code-error" value="${values.code}" required>
        <p class="error" id="code-error" role="alert"></p>
      </div>
      <fieldset>
        <legend>${t("enroll.language")}</legend>
        <div class="inline-choices">${lang("en", "English")}${lang("es", "Español")}</div>
      </fieldset>
      <fieldset>
        <legend>${t("enroll.hours")}</legend>
        <p class="hint">${t("enroll.hours_hint")}</p>
        <div class="field"><label for="wake">${t("enroll.wake")}</label>
          <input id="wake" name="wake" type="time" value="${values.wake}" required></div>
        <div class="field"><label for="sleep">${t("enroll.sleep")}</label>
          <input id="sleep" name="sleep" type="time" value="${values.sleep}" required></div>
      </fieldset>
      <section class="card soft" aria-labelledby="sees">
        <h2 id="sees">${t("privacy.sees_title")}</h2>${list(t, "privacy.sees")}
        <h2>${t("privacy.phone_title")}</h2>${list(t, "privacy.phone")}
        <p>${t("privacy.never")}</p>
      </section>
      <button class="button wide" type="submit">${t("enroll.join")}</button>
    </form>`;
}

function readForm(root) {
  return {
    code: $("#code", root).value.trim().toUpperCase(),
    language: $("input[name=language]:checked", root)?.value ?? language(),
    wake: $("#wake", root).value || "07:00",
    sleep: $("#sleep", root).value || "22:00",
  };
}

function showError(root, ctx, failure) {
  const code = ERRORS.includes(failure.code) ? failure.code : "other";
  $("#code-error", root).textContent = ctx.t(`enroll.error.${code}`);
  $("#code", root).focus();
  $("button[type=submit]", root).disabled = false;
}

// The code's study's consent, read before joining; the code is not used up by reading it.
async function readConsent(root, ctx) {
  const values = readForm(root);
  const error = $("#code-error", root);
  if (!values.code) {
    error.textContent = ctx.t("enroll.error.empty");
    $("#code", root).focus();
    return;
  }
  $("button[type=submit]", root).disabled = true;
  error.textContent = "";
  draft = values;
  try {
    const consent = await api.enrollConsent({ code: values.code, language: values.language });
    showConsent(root, ctx, values, consent);
  } catch (failure) {
    showError(root, ctx, failure);
  }
}

function showConsent(root, ctx, values, consent, note = "") {
  const { t } = ctx;
  render(
    root,
    panel(t, consent, {
      title: t("consent.title"),
      intro: note,
      agree: t("consent.agree_join"),
      back: t("consent.back"),
    }),
  );
  $("h1", root).focus();
  $("#consent-back", root).addEventListener("click", () => enroll(root, ctx));
  $("#consent-agree", root).addEventListener("click", async (event) => {
    event.target.disabled = true;
    try {
      await join(ctx, values, consent.version);
    } catch (failure) {
      if (failure.code === "consent_outdated") {
        const newer = await api.enrollConsent({ code: values.code, language: values.language });
        return showConsent(root, ctx, values, newer, t("consent.changed"));
      }
      enroll(root, ctx);
      showError(root, ctx, failure);
    }
  });
}

async function join(ctx, values, consentVersion) {
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const joined = await api.enroll({
    code: values.code,
    timezone,
    language: values.language,
    consent_version: consentVersion,
  });
  await api.setToken(joined.token);
  await kv.set("lang", values.language);
  ctx.app.me = joined.participant;
  draft = null;
  history.replaceState(null, "", "/#/");
  await outbox.save(
    api.writes.updateMe({ wake_time: values.wake, sleep_time: values.sleep }),
    "settings",
  );
  navigator.storage?.persist?.().catch(() => null);
  await ctx.setLanguage(values.language);
}

export default function enroll(root, ctx) {
  const fromLink = new URLSearchParams(location.search).get("code") ?? "";
  const values = draft ?? { code: fromLink, language: language(), wake: "07:00", sleep: "22:00" };
  render(root, form(ctx.t, values));
  $("#enroll", root).addEventListener("submit", (event) => {
    event.preventDefault();
    readConsent(root, ctx);
  });
  for (const radio of root.querySelectorAll("input[name=language]")) {
    radio.addEventListener("change", () => {
      draft = readForm(root);
      ctx.setLanguage(radio.value);
    });
  }
}
