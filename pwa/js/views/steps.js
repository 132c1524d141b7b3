// The timed steps of a practice: large text, a timer, pause and resume, the study's recording
// or an optional voice, interval bells for the quiet timer, and the screen kept on.

import { bell, unlockAudio } from "../bell.js";
import { $, html, render } from "../html.js";
import { language } from "../i18n.js";

const clock = (seconds) => {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

function speak(text) {
  const synth = globalThis.speechSynthesis;
  if (!synth) return;
  synth.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = language() === "es" ? "es-US" : "en-US";
  const voice = synth.getVoices().find((v) => v.lang.toLowerCase().startsWith(language()));
  if (voice) utterance.voice = voice;
  utterance.rate = 0.9;
  synth.speak(utterance);
}

async function keepAwake(state) {
  try {
    if (navigator.wakeLock && document.visibilityState === "visible" && !state.wakeLock) {
      state.wakeLock = await navigator.wakeLock.request("screen");
      state.wakeLock.addEventListener("release", () => (state.wakeLock = null));
    }
  } catch {
    // not allowed here (battery saver, or no support): the practice works the same
  }
}

function view(t, title, steps) {
  return html`
    <h1 tabindex="-1">${title}</h1>
    <p class="muted" id="step-count"></p>
    <progress id="progress" max="1" value="0" aria-labelledby="step-count"></progress>
    <p class="step-text" id="step-text" aria-live="polite"></p>
    <div class="controls">
      <span class="timer" role="timer" id="timer" aria-label="${t("player.time_left")}"></span>
      <div class="actions">
        <button type="button" class="button" id="pause">${t("player.pause")}</button>
        <button type="button" class="button secondary" id="next">${steps > 1 ? t("player.next") : t("player.finish")}</button>
      </div>
    </div>
    <p><button type="button" class="link-button" id="end">${t("player.end")}</button></p>`;
}

// Seconds of practice so far; the watch stands still while she pauses.
class Stopwatch {
  #before = 0;
  #since = performance.now();
  running = true;

  seconds() {
    return this.#before + (this.running ? (performance.now() - this.#since) / 1000 : 0);
  }

  pause() {
    this.#before = this.seconds();
    this.running = false;
  }

  resume() {
    this.#since = performance.now();
    this.running = true;
  }
}

const sum = (steps) => steps.reduce((total, s) => total + s.seconds, 0);

// Runs the steps and calls onDone({completed, seconds, steps, endedAt}) once.
export function runSteps(root, ctx, { title, steps, voice, audioUrl, bellEvery, onDone }) {
  const { t } = ctx;
  const total = sum(steps);
  const watch = new Stopwatch();
  const state = { index: 0, stepStart: 0, done: false };
  const elapsed = () => watch.seconds();
  let nextBell = bellEvery ? bellEvery * 60 : Infinity;
  let audio = null;

  render(root, view(t, title, steps.length));
  const els = {
    count: $("#step-count", root),
    text: $("#step-text", root),
    timer: $("#timer", root),
  };
  if (audioUrl) {
    audio = new Audio(audioUrl);
    audio.play().catch(() => null);
  }

  function showStep() {
    const step = steps[state.index];
    els.count.textContent = t("player.step_of", { n: state.index + 1, total: steps.length });
    els.text.textContent = step.text;
    $("#next", root).textContent =
      state.index < steps.length - 1 ? t("player.next") : t("player.finish");
    if (voice && !audio) speak(step.text);
  }

  function finish(completed) {
    if (state.done) return;
    const seconds = Math.round(elapsed());
    watch.pause();
    state.done = true;
    stop();
    if (completed) bell(0.2);
    onDone({
      completed,
      seconds,
      steps: completed ? steps.length : state.index,
      endedAt: new Date(),
    });
  }

  function advance(manual = false) {
    if (state.index >= steps.length - 1) return finish(true);
    state.index += 1;
    state.stepStart = elapsed();
    if (audio && manual) audio.currentTime = sum(steps.slice(0, state.index));
    showStep();
  }

  function tick() {
    if (!watch.running) return;
    const now = elapsed();
    if (now - state.stepStart >= steps[state.index].seconds) advance();
    if (state.done) return;
    if (now >= nextBell) {
      bell();
      nextBell += bellEvery * 60;
    }
    const left =
      steps[state.index].seconds - (now - state.stepStart) + sum(steps.slice(state.index + 1));
    els.timer.textContent = clock(left);
    $("#progress", root).value = Math.min(1, (total - left) / total);
  }

  function pause() {
    if (watch.running) {
      watch.pause();
      audio?.pause();
      globalThis.speechSynthesis?.cancel();
    } else {
      watch.resume();
      audio?.play().catch(() => null);
      keepAwake(state);
    }
    $("#pause", root).textContent = watch.running ? t("player.pause") : t("player.resume");
    ctx.status(watch.running ? t("player.resumed") : t("player.paused"));
  }

  const onVisible = () => watch.running && keepAwake(state);
  const timer = setInterval(tick, 250);
  document.addEventListener("visibilitychange", onVisible);
  $("#pause", root).addEventListener("click", pause);
  $("#next", root).addEventListener("click", () => advance(true));
  $("#end", root).addEventListener("click", () => finish(false));

  function stop() {
    delete document.body.dataset.focus;
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisible);
    audio?.pause();
    globalThis.speechSynthesis?.cancel();
    state.wakeLock?.release().catch(() => null);
  }

  document.body.dataset.focus = "1";
  if (bellEvery !== undefined) bell();
  keepAwake(state);
  showStep();
  tick();
  // Without a starting bell, sound is readied for the closing one once the first step is on
  // screen: starting the audio system is slow on a cheap phone, and the step need not wait.
  if (bellEvery === undefined) requestAnimationFrame(() => setTimeout(unlockAudio, 0));
  return () => {
    if (!state.done) {
      state.done = true;
      stop();
    }
  };
}
