// Setup from an invitation link, and sign-in.

import { call } from "./api.js";
import { el, field } from "./dom.js";

export function form(title, fields, submit, onsubmit, report) {
  const node = el("form", {}, el("h2", {}, title), ...fields, el("button", {}, submit));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await onsubmit(Object.fromEntries(new FormData(node)));
    } catch (error) {
      report(error.message);
    }
  });
  return node;
}

export async function setup(token, show, report, signIn) {
  const offer = await call("POST", "/staff/setup/offer", { token });
  const qr = el("div", { class: "qr", role: "img", "aria-label": "QR code for your app" });
  qr.innerHTML = offer.qr_svg; // drawn by our own server
  show(
    el("p", {}, `Welcome, ${offer.display_name} (${offer.email}).`),
    el("p", {}, "Scan this code with an authenticator app, or type the key below into it."),
    qr,
    el("p", { class: "secret" }, offer.totp_secret),
    form(
      "Choose your password",
      [
        field("Password (12 characters or more)", "password", "password", { minlength: "12", required: true }),
        field("The 6-digit code your app shows", "totp_code", "text", { inputmode: "numeric", required: true }),
      ],
      "Finish setup",
      async (values) => {
        const done = await call("POST", "/staff/setup", { token, ...values });
        history.replaceState(null, "", "/console/");
        show(
          el("h2", {}, "Your recovery codes"),
          el("p", {}, "Keep them somewhere safe: each signs you in once if you lose your phone."),
          el("ul", {}, done.recovery_codes.map((code) => el("li", { class: "secret" }, code))),
          el("button", { onclick: signIn }, "Sign in"),
        );
      },
      report,
    ),
  );
}

export function signInForm(show, report, onSignedIn) {
  show(
    form(
      "Sign in",
      [
        field("Email", "email", "email", { autocomplete: "username", required: true }),
        field("Password", "password", "password", { autocomplete: "current-password", required: true }),
        field("Code from your app (or a recovery code)", "code", "text", {
          autocomplete: "one-time-code",
          required: true,
        }),
      ],
      "Sign in",
      async ({ email, password, code }) => {
        const body = { email, password };
        body[/^\d{6}$/.test(code.trim()) ? "totp_code" : "recovery_code"] = code.trim();
        await call("POST", "/session", body);
        await onSignedIn();
      },
      report,
    ),
  );
}
