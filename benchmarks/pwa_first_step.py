"""Time to the first practice step on a throttled phone, cold and warm, against no throttling.

Starts `savor serve` on a fresh SQLite demo and enrolls a mother through the API. Each run
opens Debian's Chromium at 390x844 with touch and, when throttled, Chrome's "Slow 4G" over
CDP (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up) and a CPU four times slower. It then
does what she does: opens the app, taps Practice, the 3-Minute Breathing Break, Begin, skips
the before-ratings, and sees the first step. The page itself notes when each view is ready,
so the times are the browser's, from the start of navigation; the taps come as soon as
each button can be pressed.

How the taps are made (`--taps`):

- `touch` (the default): the page's marks and each button are awaited inside the page (one
  CDP call each, no polling), and once a button is drawn, in view and the element at its
  centre, a finger's touch starts and ends there (CDP touch events, turned into a tap and a
  click by the browser, as on a phone). Nothing of Playwright's runs in the page's own world.
- `direct`: each mark and button is polled for every 20 ms with Playwright's `evaluate`, and
  the mouse is pressed there (the figures of 8 December 2026, night). Each poll is a task on
  the page's slowed CPU, and the first `evaluate` compiles Playwright's utility script in the
  page's world (one 15 ms task unthrottled, about 60 ms throttled), while the app starts.
- `playwright`: Playwright's `locator.click()`, as the figures before 8 December 2026 were
  taken. Its actionability checks need Playwright's own injected script in the page, which
  the slower CPU compiles before the first tap (a trace shows one 60-140 ms task), and a
  few round trips per tap: time a phone does not spend, counted as the app's.

- cold: a fresh profile (no HTTP cache, no service worker) with only her sign-in stored;
- warm: the same profile visited again once the service worker has cached the app.

The unthrottled runs of the same flow are the baseline that gives each ratio. The network
conditions are set on the service worker as well as on the page (see WorkerThrottle): when it
appears, again once its script has loaded, and before each visit; the slower CPU applies to
the page alone. The machine's 1-minute load average is noted with each run, since other work
on the same cores moves the figures.

    flock /tmp/savor-bench.lock .venv/bin/python -m benchmarks.pwa_first_step --runs 5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

import httpx
from playwright.sync_api import Browser, CDPSession, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from benchmarks.common import free_port, start_server, stop_server
from benchmarks.pwa_first_view import ARGS, CHROMIUM

# Chrome DevTools' "Slow 4G" preset; throughput in bytes per second.
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
}
CPU_SLOWDOWN = 4
MARKS = ("home", "practices", "player", "step")
# Practice, the 3-Minute Breathing Break, Begin, and skip the before-ratings.
TAPS = (
    '.tabs a[data-view="practices"]',
    'a.tile[href="#/practice/P03"]',
    '#setup button[type="submit"]',
    "#ratings #skip",
)
WAIT_MS = 60_000
POLL_MS = 20

# Where a finger would press the button: its centre, once it is drawn, in view and on top.
WHERE = """selector => {
  const button = document.querySelector(selector);
  if (!button) return null;
  button.scrollIntoView({ block: "center" });
  const box = button.getBoundingClientRect();
  if (!box.width || !box.height) return null;
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const top = document.elementFromPoint(x, y);
  return top && (top === button || button.contains(top)) ? [x, y] : null;
}"""


# Notes the moment each view is drawn and idle, and the moment the first step has text; and
# lets the harness wait for a mark, or for a button a finger can press, without polling.
MARKER = """(() => {
  window.__marks = {};
  const waiting = [];
  new MutationObserver(() => {
    const marks = window.__marks;
    const main = document.getElementById("main");
    const view = document.body && document.body.dataset.view;
    if (view && main && main.dataset.route && !main.hasAttribute("aria-busy") && !marks[view])
      marks[view] = performance.now();
    const step = document.getElementById("step-text");
    if (step && step.textContent.trim() && !marks.step) marks.step = performance.now();
    for (const wait of waiting.splice(0)) if (!wait()) waiting.push(wait);
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  const giveUp = (reject, what) => setTimeout(() => reject(new Error(`never ${what}`)), WAIT_MS);
  window.__when = (name) => new Promise((resolve, reject) => {
    const wait = () => window.__marks[name] !== undefined && (resolve(true), true);
    if (!wait()) waiting.push(wait);
    giveUp(reject, name);
  });
  window.__where = (selector) => new Promise((resolve, reject) => {
    const look = () => {
      const point = (WHERE)(selector);
      if (point) resolve(point);
      else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
    giveUp(reject, selector);
  });
})();""".replace("WAIT_MS", str(WAIT_MS)).replace("(WHERE)", f"({WHERE})")


def _serve(data_dir: str) -> tuple[str, subprocess.Popen, str]:
    port = str(free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAVOR_")}
    env |= {"SAVOR_DATA_DIR": data_dir, "SAVOR_SCHEDULER_ENABLED": "false"}
    env |= {"SAVOR_LOG_LEVEL": "WARNING"}
    demo = subprocess.run(
        [sys.executable, "-m", "savor.cli", "demo", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    code = json.loads(demo.stdout)["enrollment_codes"][0]
    server = start_server(["-m", "savor.cli", "serve", "--port", port], env, "/readyz")
    base = f"http://127.0.0.1:{port}"
    body = {"code": code, "timezone": "America/Chicago", "language": "en", "consent_version": 1}
    token = httpx.post(f"{base}/api/v1/enroll", json=body, timeout=10).json()["token"]
    return base, server, token


def _wait_for(page: Page, expression: str) -> None:
    # Polled from here: Playwright's own waiting evaluates strings, which the app's CSP forbids.
    for _ in range(WAIT_MS // POLL_MS):
        if page.evaluate(f"() => Boolean({expression})"):
            return
        page.wait_for_timeout(POLL_MS)
    raise TimeoutError(f"the page never showed {expression}")


def _in_page(cdp: CDPSession, expression: str) -> Any:
    """The value of the page's promise, awaited in the page itself (one CDP call, no polling)."""
    answer = cdp.send(
        "Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True}
    )
    if "exceptionDetails" in answer:
        raise TimeoutError(answer["exceptionDetails"].get("exception", {}).get("description"))
    return answer["result"].get("value")


def _wait_mark(page: Page, cdp: CDPSession, mark: str, how: str) -> None:
    if how == "touch":
        _in_page(cdp, f"window.__when({mark!r})")
    else:
        _wait_for(page, f"window.__marks.{mark}")


def _tap(page: Page, cdp: CDPSession, selector: str, how: str) -> None:
    if how == "playwright":
        page.locator(selector).click()
        return
    if how == "touch":
        x, y = _in_page(cdp, f"window.__where({selector!r})")
        touch = {"x": x, "y": y, "radiusX": 4, "radiusY": 4, "force": 1, "id": 0}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [touch]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        return
    for _ in range(WAIT_MS // POLL_MS):
        if (point := page.evaluate(WHERE, selector)) is not None:
            page.mouse.click(*point)
            return
        page.wait_for_timeout(POLL_MS)
    raise TimeoutError(f"the page never showed {selector}")


def _throttle(page: Page, throttled: bool) -> CDPSession:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    if throttled:
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return cdp


class WorkerThrottle:
    """Slow 4G for service workers too: their fetches escape the page's network conditions.

    Playwright opens CDP sessions on pages only, so each worker is reached through the
    browser's session and Target.sendMessageToTarget. Conditions set as the worker appears
    did not always take (about half the cold runs once measured its fetches unthrottled), so
    they are sent again when its script has loaded (its target info changes) and by `again()`
    before each visit and, on a cold visit (which installs the worker), once the app is up.
    """

    def __init__(self, browser: Browser) -> None:
        self.on = False
        self._sessions: dict[str, str] = {}
        self._session = browser.new_browser_cdp_session()
        self._session.on("Target.targetCreated", lambda event: self._slow(event["targetInfo"]))
        self._session.on("Target.targetInfoChanged", lambda event: self._slow(event["targetInfo"]))
        self._session.on(
            "Target.targetDestroyed", lambda event: self._sessions.pop(event["targetId"], None)
        )
        self._session.send("Target.setDiscoverTargets", {"discover": True})

    def again(self) -> None:
        for target in self._session.send("Target.getTargets")["targetInfos"]:
            self._slow(target)

    def _slow(self, target: dict) -> None:
        if not self.on or target["type"] != "service_worker":
            return
        try:
            session = self._sessions.get(target["targetId"])
            if session is None:
                attached = self._session.send(
                    "Target.attachToTarget", {"targetId": target["targetId"], "flatten": False}
                )
                session = self._sessions[target["targetId"]] = attached["sessionId"]
            for number, (method, params) in enumerate(
                [("Network.enable", {}), ("Network.emulateNetworkConditions", SLOW_4G)]
            ):
                message = json.dumps({"id": number + 1, "method": method, "params": params})
                self._session.send(
                    "Target.sendMessageToTarget", {"sessionId": session, "message": message}
                )
        except PlaywrightError:
            # The worker stopped (the browser stops idle workers); the next one is caught anew.
            self._sessions.pop(target["targetId"], None)


def _first_step(
    page: Page, workers: WorkerThrottle, base: str, throttled: bool, taps: str, cold: bool
) -> dict[str, float]:
    """Open the app and go to the breathing break's first step; the page's marks, in ms."""
    cdp = _throttle(page, throttled)
    workers.again()
    load = os.getloadavg()[0]
    page.goto(f"{base}/", wait_until="commit")
    _wait_mark(page, cdp, "home", taps)
    if cold:
        # The worker this visit installs has loaded its script by now. Only then: the call
        # takes 3-40 ms, spent before the first tap, and a warm visit's worker is throttled.
        workers.again()
    for selector in TAPS:
        _tap(page, cdp, selector, taps)
    _wait_mark(page, cdp, "step", taps)
    marks = _in_page(cdp, "window.__marks")
    return {**marks, "load": max(load, os.getloadavg()[0])}


def _visit_pair(
    browser: Browser, workers: WorkerThrottle, base: str, token: str, throttled: bool, taps: str
) -> tuple[dict, dict]:
    """One cold visit in a fresh profile, then a warm one once the app is cached."""
    workers.on = throttled
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.add_init_script(MARKER)
    page = context.new_page()
    # Only her sign-in is stored, from a page that is not the app, so nothing is cached.
    page.goto(f"{base}/healthz")
    page.evaluate("t => import('/app.js').then(({ db }) => db.kv.set('token', t))", token)
    context.new_cdp_session(page).send("Network.clearBrowserCache")
    cold = _first_step(page, workers, base, throttled, taps, cold=True)
    _wait_for(
        page, "navigator.serviceWorker.controller && document.documentElement.dataset.offlineReady"
    )
    page.close()
    warm = _first_step(context.new_page(), workers, base, throttled, taps, cold=False)
    context.close()
    return cold, warm


def _summary(name: str, runs: list[dict], baseline: list[dict] | None) -> None:
    cells = []
    for mark in MARKS:
        times = [r[mark] for r in runs]
        cell = f"{mark} {statistics.median(times):6.0f} / {max(times):6.0f} ms"
        if baseline:
            ratio = statistics.median(times) / statistics.median([r[mark] for r in baseline])
            cell += f" (x{ratio:4.1f})"
        cells.append(cell)
    loads = [r["load"] for r in runs]
    cells.append(f"load {min(loads):.1f}-{max(loads):.1f}")
    print(f"{name:22} " + "  ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--taps", choices=("touch", "direct", "playwright"), default="touch")
    args = parser.parse_args()
    runs, taps = args.runs, args.taps
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        base, server, token = _serve(tmp)
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            workers = WorkerThrottle(browser)
            results: dict[tuple[str, bool], list[dict]] = {}
            for _ in range(runs):
                for throttled in (False, True):
                    cold, warm = _visit_pair(browser, workers, base, token, throttled, taps)
                    results.setdefault(("cold", throttled), []).append(cold)
                    results.setdefault(("warm", throttled), []).append(warm)
            browser.close()
        finally:
            stop_server(server)
    print(f"\nTaps: {taps}. Time from navigation to each view, {runs} runs: median / worst")
    print("(x slower than the same visit unthrottled). Throttled: Slow 4G and a 4x slower CPU.\n")
    for visit in ("cold", "warm"):
        _summary(f"{visit}, unthrottled", results[(visit, False)], None)
        _summary(f"{visit}, throttled", results[(visit, True)], results[(visit, False)])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
