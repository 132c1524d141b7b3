// The study team's console: setup link, sign-in, the team, invitations and the audit, all
// over the research API with the session cookie. Text goes in with textContent, never as
// markup; the one exception is the QR code, an SVG our own server drew.

const API = "/api/research/v1";
const main = document.getElementById("main");
const status = document.getElementById("status");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function field(label, name, type = "text", extra = {}) {
  return el("label", {}, label, el("input", { name, type, required: "", ...extra }));
}

function csrf() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("savor_csrf="));
  return found ? found.slice("savor_csrf=".length) : "";
}

async function call(method, path, body) {
  const headers = { "X-CSRF-Token": csrf() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? data.error.message : response.statusText);
  return data;
}

function show(...nodes) {
  status.textContent = "";
  main.replaceChildren(...nodes);
  main.focus();
}

function form(title, fields, submit, onsubmit) {
  const node = el("form", {}, el("h2", {}, title), ...fields, el("button", {}, submit));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await onsubmit(Object.fromEntries(new FormData(node)));
    } catch (error) {
      status.textContent = error.message;
    }
  });
  return node;
}

async function setup(token) {
  const offer = await call("POST", "/staff/setup/offer", { token });
  const qr = el("div", { class: "qr", role: "img", "aria-label": "QR code for your app" });
  qr.innerHTML = offer.qr_svg;
  show(
    el("p", {}, `Welcome, ${offer.display_name} (${offer.email}).`),
    el("p", {}, "Scan this code with an authenticator app, or type the key below into it."),
    qr,
    el("p", { class: "secret" }, offer.totp_secret),
    form(
      "Choose your password",
      [
        field("Password (12 characters or more)", "password", "password", { minlength: "12" }),
        field("The 6-digit code your app shows", "totp_code", "text", { inputmode: "numeric" }),
      ],
      "Finish setup",
      async (values) => {
        const done = await call("POST", "/staff/setup", { token, ...values });
        history.replaceState(null, "", "/console/");
        show(
          el("h2", {}, "Your recovery codes"),
          el("p", {}, "Keep them somewhere safe: each signs you in once if you lose your phone."),
          el("ul", {}, ...done.recovery_codes.map((code) => el("li", { class: "secret" }, code))),
          el("button", { onclick: signIn }, "Sign in"),
        );
      },
    ),
  );
}

function signIn() {
  document.getElementById("who").textContent = "";
  show(
    form(
      "Sign in",
      [
        field("Email", "email", "email", { autocomplete: "username" }),
        field("Password", "password", "password", { autocomplete: "current-password" }),
        field("Code from your app (or a recovery code)", "code", "text", {
          autocomplete: "one-time-code",
        }),
      ],
      "Sign in",
      async ({ email, password, code }) => {
        const body = { email, password };
        body[/^\d{6}$/.test(code.trim()) ? "totp_code" : "recovery_code"] = code.trim();
        await call("POST", "/session", body);
        await home();
      },
    ),
  );
}

function table(heads, rows) {
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((c) => el("td", {}, c))))),
  );
}

async function team(slug) {
  const people = await call("GET", `/studies/${slug}/staff`);
  const rows = people.map((p) => [
    p.display_name,
    p.email,
    p.roles.find((r) => r.study === slug).role,
    p.two_factor ? "yes" : "no",
    p.locked
      ? el("button", { onclick: () => act(`/studies/${slug}/staff/${p.id}/unlock`) }, "Unlock")
      : "",
  ]);
  const invite = form(
    "Invite a person",
    [
      field("Email", "email", "email"),
      field("Name", "display_name"),
      el(
        "label",
        {},
        "Role",
        el("select", { name: "role" }, ...["coordinator", "investigator", "data_manager", "admin"]
          .map((r) => el("option", { value: r }, r))),
      ),
    ],
    "Invite",
    async (values) => {
      const made = await call("POST", `/studies/${slug}/staff`, values);
      const link = made.setup_link || "She already has an account: she signs in as usual.";
      show(el("h2", {}, "Give her this setup link yourself"), el("p", { class: "secret" }, link),
        el("button", { onclick: home }, "Back"));
    },
  );
  return el("section", {}, el("h3", {}, "Team"),
    table(["Name", "Email", "Role", "Two-factor", ""], rows), invite);
}

async function act(path) {
  try {
    await call("POST", path);
    await home();
  } catch (error) {
    status.textContent = error.message;
  }
}

async function audit(slug) {
  const events = await call("GET", `/studies/${slug}/audit?limit=50`);
  return el("section", {}, el("h3", {}, "Audit (newest first)"),
    table(["When", "Who", "What", "Role"], events.map((e) => [
      new Date(e.at).toLocaleString(), e.actor, e.action, e.detail.role || "",
    ])));
}

async function home() {
  let me;
  try {
    me = await call("GET", "/session");
  } catch {
    signIn();
    return;
  }
  document.getElementById("who").textContent = `${me.display_name} · `;
  document.getElementById("who").append(
    el("button", { onclick: () => call("DELETE", "/session").then(signIn) }, "Sign out"),
  );
  const studies = [];
  for (const { study, role } of me.roles) {
    const parts = [el("h2", {}, `${study} — ${role}`)];
    if (role === "admin") parts.push(await team(study));
    if (role === "admin" || role === "investigator") parts.push(await audit(study));
    studies.push(el("section", {}, ...parts));
  }
  show(...studies);
}

const setupToken = new URLSearchParams(location.hash.slice(1)).get("setup");
(setupToken ? setup(setupToken) : home()).catch((error) => {
  status.textContent = error.message;
});
