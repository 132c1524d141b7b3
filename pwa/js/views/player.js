// A practice from start to end: choose a length, optional before-ratings, the steps, optional
// after-ratings, then one record saved through the outbox. The stages live in setup.js.

import * as api from "../api.js";
import { kv } from "../db.js";
import { $, focusTop, html, render } from "../html.js";
import { language } from "../i18n.js";
import * as outbox from "../outbox.js";
import { isoNow, today } from "../prompts.js";
import { localOffers, showOffers } from "./offers.js";
import { countdown, crisisPause, ratings, setup } from "./setup.js";
import { runSteps } from "./steps.js";

export default async function player(root, ctx, route) {
  const { t } = ctx;
  let practice;
  try {
    practice = await api.practice(route.params[0]);
  } catch {
    render(
      root,
      html`<h1 tabindex="-1">${t("practices.title")}</h1><p>${t("common.offline_empty")}</p>`,
    );
    return;
  }
  if (!practice.unlocked && !route.query.rule) {
    render(
      root,
      html`<h1 tabindex="-1">${practice.title}</h1><p>${t("practices.opens", { n: practice.unlock_week })}</p>
      <p><a class="button" href="#/practices">${t("practices.title")}</a></p>`,
    );
    return;
  }
  // The ratings before it are fetched while she chooses, so Begin waits on nothing remote.
  if (practice.ema_pre.length) api.instrument(practice.ema_pre.at(-1)).catch(() => null);
  const audioFor = (variant) => variant.audio.find((a) => a.language === language())?.url;
  render(root, setup(t, practice, practice.variants.some(audioFor)));
  const session = { stop: null };
  $("#setup", root).addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    start(root, ctx, practice, route, session, {
      variant: practice.variants.find((v) => v.key === data.get("variant")),
      option: data.get("option"),
      voice: data.get("voice") === "on",
      bellEvery: practice.timer ? Number(data.get("bell") ?? 0) : undefined,
      delay: Number(data.get("delay") ?? 0),
      audioFor,
    });
  });
  return () => session.stop?.();
}

async function start(root, ctx, practice, route, session, choice) {
  const { t } = ctx;
  const pre = practice.ema_pre.length
    ? await ratings(root, ctx, practice.ema_pre.at(-1), {
        heading: t("player.before_title"),
        intro: t("player.before_intro"),
        skip: t("player.skip_ratings"),
      })
    : null;
  if (pre && localOffers(pre.instrument, pre.answers).some((o) => o.rule === "crisis_help")) {
    await crisisPause(root, ctx);
  }
  if (choice.delay) await countdown(root, ctx, choice.delay);
  const startedAt = isoNow();
  const steps = choice.variant.steps.map((s) => ({
    ...s,
    text: (choice.option && s.alt[choice.option]) || s.text,
  }));
  const result = await new Promise((resolve) => {
    session.stop = runSteps(root, ctx, {
      title: practice.title,
      steps,
      voice: choice.voice,
      audioUrl: choice.audioFor(choice.variant),
      bellEvery: choice.bellEvery,
      onDone: resolve,
    });
    focusTop(root);
  });
  const post = practice.ema_post.length
    ? await ratings(root, ctx, practice.ema_post.at(-1), {
        heading: t("player.after_title"),
        intro: result.completed ? t("player.after_intro") : t("player.after_intro_early"),
        skip: t("player.skip_ratings"),
      })
    : null;
  await finish(root, ctx, { practice, route, choice, startedAt, result, pre, post });
}

async function finish(root, ctx, { practice, route, choice, startedAt, result, pre, post }) {
  const { t } = ctx;
  const trigger = route.query.rule ? "rule" : route.query.prompt ? "prompt" : "self";
  const body = {
    client_id: crypto.randomUUID(),
    practice_id: practice.id,
    practice_version: practice.version,
    variant: choice.variant.key,
    option: choice.option || null,
    started_at: startedAt,
    ended_at: isoNow(result.endedAt),
    completed: result.completed,
    seconds_practiced: result.seconds,
    steps_completed: result.steps,
    trigger,
    prompt_id: trigger === "prompt" ? route.query.prompt : null,
    rule: trigger === "rule" ? route.query.rule : null,
    pre_instrument: pre?.instrument.id ?? null,
    pre: pre?.answers ?? null,
    post_instrument: post?.instrument.id ?? null,
    post: post?.answers ?? null,
  };
  const me = ctx.app.me ?? (await ctx.loadMe());
  if (me?.status !== "withdrawn")
    ctx.saved(await outbox.save(api.writes.practiceSession(body), practice.title));
  if (result.seconds > 0) await kv.set("lastPracticeDay", today());
  render(
    root,
    html`<h1 tabindex="-1">${t("player.thanks")}</h1>
    <p>${t("player.practiced", { minutes: t("common.minutes", { n: Math.max(1, Math.round(result.seconds / 60)) }) })}</p>
    <p>${t("player.every_bit")}</p><div id="offers"></div>
    <div class="actions"><a class="button" href="#/">${t("common.home")}</a>
    <a class="button secondary" href="#/practices">${t("practices.title")}</a></div>`,
  );
  focusTop(root);
  if (post)
    showOffers(
      $("#offers", root),
      ctx,
      localOffers(post.instrument, post.answers).filter((o) => o.rule === "crisis_help"),
    );
}
