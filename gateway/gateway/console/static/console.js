/* The console's shell: signing in and out, who is signed in (login, roles, region, agency), the views the user's
   roles open (#/queues, #/indicators, #/audit, #/legacy, #/security) and the language switch. A view's links are
   offered by role only for convenience: the gateway's policy table decides every request the views make. */
"use strict";

(() => {
  const { t, applyStatic, setLanguage, language } = HubConsole.i18n;
  const { session, signIn, signOut, problem } = HubConsole.api;
  const W = HubConsole.widgets;
  const { el } = W;
  const ORDER = ["queues", "indicators", "audit", "legacy", "security"];
  const main = document.getElementById("main");
  const nav = document.getElementById("nav");
  let shown = null; // the view on the page

  const viewsFor = (roles) => ORDER.filter((key) => HubConsole.views[key].roles.some((role) => roles.includes(role)));

  function leave() {
    shown?.leave?.();
    shown = null;
  }

  function showWho(user, known) {
    const who = document.getElementById("who");
    who.hidden = !user;
    if (!user) return who.replaceChildren();
    const { roles = [], region, agency } = user.claims;
    const lines = [
      t("who.line", { login: user.login }),
      t("who.roles", { roles: W.roleNames(roles) }),
      region ? t("who.region", { region: W.regionName(known, region) }) : null,
      agency ? t("who.agency", { agency: W.agencyName(known, agency) }) : null,
    ];
    who.replaceChildren(...lines.filter(Boolean).map((text) => el("span", { text })));
  }

  function showNav(keys, active) {
    nav.hidden = !keys.length;
    document.getElementById("nav-list").replaceChildren(
      ...keys.map((key) =>
        el("li", {}, el("a", { href: `#/${key}`, "aria-current": key === active ? "page" : null,
                               text: t(HubConsole.views[key].nav) })), // prettier-ignore
      ),
    );
  }

  function loginForm(reason) {
    leave();
    showWho(null);
    showNav([]);
    document.getElementById("sign-out").hidden = true;
    const login = el("input", { type: "text", name: "username", autocomplete: "username", required: true });
    const password = el("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    const result = el("div", { class: "form-result" });
    const form = el(
      "form",
      { class: "login", "aria-labelledby": "login-title" },
      W.field(t("login.username"), login),
      W.field(t("login.password"), password),
      el("button", { type: "submit", text: t("login.submit") }),
      result,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await signIn(login.value.trim(), password.value);
      if (!answer.ok) {
        W.notice(result, [400, 401].includes(answer.status) ? t("login.failed") : problem(answer), "error");
        return;
      }
      W.forgetNames();
      await route();
    });
    main.replaceChildren(el("h1", { id: "login-title", text: t("login.title") }),
                         el("p", { class: "intro", text: t("login.intro") }), form); // prettier-ignore
    if (reason === "expired") W.notice(result, t("login.expired"), "error");
    document.title = `${t("login.title")} · ${t("app.title")}`;
  }

  /** Show the view the address names (or the user's first), after sign-in; `focus` moves focus to its heading. */
  async function route(focus = false) {
    applyStatic();
    const user = session();
    if (!user) return loginForm();
    document.getElementById("sign-out").hidden = false;
    const known = await W.names();
    showWho(user, known);
    const keys = viewsFor(user.claims.roles || []);
    const wanted = location.hash.replace(/^#\//, "");
    const key = keys.includes(wanted) ? wanted : keys[0];
    showNav(keys, key);
    leave();
    W.announce("");
    // Each showing draws into a page of its own: a slower earlier one finishing late draws into a detached page.
    const page = el("div", { class: "view" });
    main.replaceChildren(page);
    if (!key) {
      page.append(el("p", { text: t("view.none") }));
      return;
    }
    const view = HubConsole.views[key];
    shown = view;
    const heading = el("h1", { tabindex: -1, text: t(view.title) });
    page.append(heading);
    document.title = `${t(view.title)} · ${t("app.title")}`;
    if (focus) heading.focus();
    await view.render(page);
  }

  document.getElementById("language").addEventListener("click", () => {
    setLanguage(language() === "en" ? "zh-CN" : "en");
    route();
  });
  document.getElementById("sign-out").addEventListener("click", () => {
    signOut();
    W.forgetNames();
    history.replaceState(null, "", location.pathname);
    loginForm();
  });
  window.addEventListener("hub:signed-out", (event) => loginForm(event.detail));
  window.addEventListener("hashchange", () => route(true));
  route();
})();
