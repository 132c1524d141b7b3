// A soft bell made with WebAudio: a few decaying partials, no sound file to download.

let context;

export function unlockAudio() {
  const Context = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!Context) return null;
  context ??= new Context();
  if (context.state === "suspended") context.resume();
  return context;
}

export function bell(volume = 0.25) {
  const audio = unlockAudio();
  if (!audio) return;
  const start = audio.currentTime + 0.02;
  for (const [ratio, gain, seconds] of [
    [1, 1, 5],
    [2.76, 0.45, 3],
    [5.4, 0.2, 1.6],
  ]) {
    const osc = audio.createOscillator();
    const env = audio.createGain();
    osc.frequency.value = 528 * ratio;
    env.gain.setValueAtTime(0.0001, start);
    env.gain.exponentialRampToValueAtTime(volume * gain, start + 0.015);
    env.gain.exponentialRampToValueAtTime(0.0001, start + seconds);
    osc.connect(env).connect(audio.destination);
    osc.start(start);
    osc.stop(start + seconds + 0.1);
  }
}
