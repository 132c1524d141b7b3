// The app's entry: `make pwa` bundles it with every module it reaches into /app.js, the one
// script the page loads. A slow phone spends a turn of its CPU on each file a page asks for,
// and the views come in the same file, so no tap waits on a download or a chain of imports.
//
// It starts the app in the app's own page, and names the app's parts: a page that imports
// /app.js (a test, or a look from the browser's console) reaches the very instances the app
// runs. The vault is named lazily, so that Home still opens without the journal's key.

import { start } from "./main.js";

export * as api from "./api.js";
export * as db from "./db.js";
export * as i18n from "./i18n.js";
export * as outbox from "./outbox.js";
export * as updates from "./updates.js";
export const vault = () => import("./vault.js");

if (document.getElementById("main")) start();
