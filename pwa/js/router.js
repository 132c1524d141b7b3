// Hash routes: #/practice/P03?rule=offer_breathing → {name: "player", params: ["P03"], query}.

const ROUTES = [
  [/^$/, "home"],
  [/^enroll$/, "enroll"],
  [/^practices$/, "practices"],
  [/^practice\/([A-Za-z0-9_-]+)$/, "player"],
  [/^checkin$/, "checkin"],
  [/^offer\/([A-Za-z0-9_-]+)$/, "offer"],
  [/^checkin\/([A-Za-z0-9_-]+)$/, "checkin"],
  [/^questionnaire\/([A-Za-z0-9_-]+)$/, "questionnaire"],
  [/^trends$/, "trends"],
  [/^reflect$/, "reflect"],
  [/^help$/, "help"],
  [/^settings$/, "settings"],
  [/^consent$/, "consent"],
  [/^mydata$/, "mydata"],
];

// Views she may see before joining, and while the app is locked.
export const OPEN_VIEWS = new Set(["help", "enroll"]);

export function parse(hash = location.hash) {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const query = Object.fromEntries(new URLSearchParams(search));
  for (const [pattern, name] of ROUTES) {
    const found = pattern.exec(path);
    if (found) return { name, params: found.slice(1), query };
  }
  return { name: "home", params: [], query };
}

// Each screen replaces the one before in the browser's history, so the history never shows a
// trail of the screens she visited (and Back leaves the app rather than walking through it).
export function go(path) {
  const hash = `#/${path.replace(/^#?\/?/, "")}`;
  history.replaceState(null, "", hash);
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}
