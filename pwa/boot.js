// Runs before the app's modules. If a newly applied version fails to start (a script that does
// not load or throws before the first screen), the service worker brings back the last good
// version and the app opens again. Harmless otherwise: the worker only rolls back a version
// on trial. The app sets window.savorStarted once it has drawn its first screen.
(() => {
  let asked = false;
  function broken(event) {
    const script = event.target?.tagName === "SCRIPT" || event.type !== "error" || event.error;
    const worker = navigator.serviceWorker?.controller;
    if (asked || window.savorStarted || !script || !worker) return;
    asked = true;
    const channel = new MessageChannel();
    channel.port1.onmessage = (answer) => {
      if (answer.data?.rolledBack) location.reload();
    };
    worker.postMessage({ type: "broken" }, [channel.port2]);
  }
  addEventListener("error", broken, true);
  addEventListener("unhandledrejection", broken);
})();
