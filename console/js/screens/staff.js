// Staff (admins): the team, their roles and two-factor, lock and unlock, a new setup link
// (a lost phone, a forgotten password), removal from the study, invitations.

import { studyPath } from "../api.js";
import { el, field, section, table } from "../dom.js";

export const title = "Staff";

const ROLES = ["coordinator", "investigator", "data_manager", "admin"];

export async function render(ctx) {
  const people = await ctx.call("GET", studyPath(ctx.study, "/staff"));
  const act = async (method, path, body) => {
    try {
      await ctx.call(method, studyPath(ctx.study, path), body);
      await ctx.route();
    } catch (error) {
      ctx.report(error.message);
    }
  };
  const shown = el("div", { "aria-live": "polite" });
  const showLink = (heading, link) =>
    shown.replaceChildren(el("h3", {}, heading), el("p", { class: "secret" }, link));
  const newLink = async (p) => {
    try {
      const made = await ctx.call("POST", studyPath(ctx.study, `/staff/${p.id}/setup-link`));
      showLink(`Give ${p.display_name} this new setup link yourself`, made.setup_link);
    } catch (error) {
      ctx.report(error.message);
    }
  };
  // Removing asks once more in place: a slip of the mouse must not take someone's access.
  const remove = (p) => {
    const cell = el("span", { class: "actions confirm" });
    const ask = el("button", { onclick: () => cell.replaceChildren(
      `Remove ${p.display_name} from this study?`,
      el("button", { onclick: () => act("DELETE", `/staff/${p.id}`) }, "Yes, remove"),
      el("button", { onclick: () => cell.replaceChildren(ask) }, "Keep"),
    ) }, `Remove ${p.display_name}`);
    cell.append(ask);
    return cell;
  };
  const rows = people.map((p) => {
    const role = p.roles.find((r) => r.study === ctx.study).role;
    const choose = el("select", { "aria-label": `Role of ${p.display_name}`, onchange: (e) => act("PUT", `/staff/${p.id}/role`, { role: e.target.value }) },
      ROLES.map((r) => el("option", { value: r, selected: r === role }, r)));
    const lock = p.locked
      ? el("button", { onclick: () => act("POST", `/staff/${p.id}/unlock`) }, `Unlock ${p.display_name}`)
      : el("button", { onclick: () => act("POST", `/staff/${p.id}/lock`) }, `Lock ${p.display_name}`);
    const link = el("button", { onclick: () => newLink(p) }, `New setup link for ${p.display_name}`);
    return [p.display_name, p.email, choose, p.two_factor ? "on" : "off", p.locked ? "locked" : "active", el("div", { class: "actions" }, lock, link, remove(p))];
  });
  const invite = el("form", {}, el("h3", {}, "Invite a person"),
    field("Email", "email", "email", { required: true }),
    field("Name", "display_name", "text", { required: true }),
    el("label", {}, "Role", el("select", { name: "role" }, ROLES.map((r) => el("option", { value: r }, r)))),
    el("button", {}, "Invite"));
  invite.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await ctx.call("POST", studyPath(ctx.study, "/staff"), Object.fromEntries(new FormData(invite)));
      showLink("Give her this setup link yourself", made.setup_link || "She already has an account: she signs in as usual.");
    } catch (error) {
      ctx.report(error.message);
    }
  });
  return [el("h2", {}, "Staff"), section("Team", table(null, ["Name", "Email", "Role", "Two-factor", "Account", ""], rows, { class: "team" })), invite, shown];
}
