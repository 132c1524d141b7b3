// Quick exit lands here: a plain clock with nothing of the app, which replaced the app's page
// in the history. A tap on the clock opens the app again (locked, if she has a PIN).

import * as i18n from "./i18n.js";

function tick() {
  const now = new Date();
  document.getElementById("clock-time").textContent = i18n.formatTime(now);
  document.getElementById("clock-date").textContent = i18n.formatDate(now, {
    weekday: "long",
    month: "long",
    day: "numeric",
  });
}

await i18n.setLanguage(new URLSearchParams(location.search).get("lang") || undefined);
document.title = i18n.t("exit.title");
tick();
setInterval(tick, 15_000);
document.getElementById("neutral-clock").addEventListener("click", () => location.replace("/"));
