/* The open data portal's one script, hand-written (no build step). Pages are rendered by open-svc; this script does
   what needs an account or a token: signing up and in (the gateway's /portal/accounts and /auth/token), applying
   (A24.2), accepting the open-use agreement, data keys and keyed records (A24.3), reports (A26.1) and requests for
   data (A27.1), through open-svc's API. Its text comes from the page's message catalogue, in the page's language;
   what the API answers is only ever written as text, never as HTML. */
"use strict";

(() => {
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const messages = read("portal-messages");
  const config = read("portal-config");
  const language = document.documentElement.lang;

  function t(key, values = {}) {
    const text = Object.hasOwn(messages, key) ? messages[key] : key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }

  // The signed-in user: the gateway's access token, kept for this browser tab only, until it expires.
  const { session, signIn, signOut, call } = HubSession.open("portal.session", { tokenPath: config.token });

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    node.append(...children);
    return node;
  }

  const when = (iso) =>
    iso ? new Date(iso).toLocaleString(language, { dateStyle: "medium", timeStyle: "short" }) : "";

  // What went wrong, in the page's language; the service's own words (English) follow as the detail.
  function problem(answer) {
    const known = [0, 400, 401, 403, 404, 409, 413, 422, 429];
    const summary = t(known.includes(answer.status) ? `js.problem.${answer.status}` : "js.problem.other", {
      status: answer.status,
    });
    const detail = answer.body && typeof answer.body.detail === "string" ? answer.body.detail : "";
    return detail ? [el("span", { text: summary }), el("span", { class: "detail", lang: "en", text: ` (${detail})` })] : [summary];
  }

  function say(box, ok, ...parts) {
    box.replaceChildren(...parts);
    box.className = `result ${ok ? "ok" : "error"}`;
    box.focus();
  }

  // The fields a problem names (`body.applicant.identifier` → the field named `identifier`), marked invalid.
  function markFields(form, answer) {
    for (const note of form.querySelectorAll(".field-error")) note.remove();
    for (const field of form.querySelectorAll("[aria-invalid]")) {
      field.removeAttribute("aria-invalid");
      field.setAttribute("aria-describedby", field.dataset.describedby ?? "");
    }
    const errors = answer.body && Array.isArray(answer.body.errors) ? answer.body.errors : [];
    for (const error of errors) {
      const name = String(error.field ?? "")
        .split(".")
        .reverse()
        .find((part) => part && !/^\d+$/.test(part));
      let field = name ? form.elements.namedItem(name) : null;
      if (field instanceof RadioNodeList) field = field[0];
      if (!(field instanceof HTMLElement) || !field.id) continue;
      const note = el("p", { class: "field-error", id: `${field.id}-error`, text: t("js.field_error", { message: error.message ?? "" }) });
      field.dataset.describedby ??= field.getAttribute("aria-describedby") ?? "";
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", `${field.dataset.describedby} ${note.id}`.trim());
      const anchor = field.type === "checkbox" || field.type === "radio" ? field.closest("fieldset") : field;
      anchor.insertAdjacentElement("afterend", note);
    }
  }

  function handle(form, action) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await action(new FormData(form));
      } finally {
        button.disabled = false;
      }
    });
  }

  function signinLink() {
    return `${config.portal}/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
  }

  function showSession() {
    const current = session();
    for (const node of document.querySelectorAll("[data-signed-in]")) node.hidden = !current;
    for (const node of document.querySelectorAll("[data-signed-out]")) node.hidden = Boolean(current);
    for (const form of document.querySelectorAll("form[data-script]")) {
      form.hidden = form.hasAttribute("data-needs-session") && !current;
    }
    for (const link of document.querySelectorAll("a[data-next]")) link.href = signinLink();
    const box = document.getElementById("session");
    if (box && current) {
      const out = el("button", { type: "button", class: "secondary", text: t("js.signout") });
      out.addEventListener("click", () => {
        signOut();
        location.reload();
      });
      box.replaceChildren(el("span", { text: t("js.signed_in_as", { login: current.login }) }), out);
    }
  }

  // --- signing in and up (the gateway's routes)

  function nextPage() {
    const next = new URLSearchParams(location.search).get("next");
    return next && next.startsWith(`${config.portal}/`) ? next : `${config.portal}/account`;
  }

  function signinPage() {
    const signin = document.getElementById("signin-form");
    handle(signin, async (data) => {
      const answer = await signIn(String(data.get("username")), String(data.get("password")));
      if (answer.ok) location.assign(nextPage());
      else say(document.getElementById("signin-result"), false, answer.status === 401 ? t("js.signin_failed") : problem(answer)[0]);
    });
    const signup = document.getElementById("signup-form");
    handle(signup, async (data) => {
      const account = {
        login: String(data.get("login")),
        display_name: String(data.get("display_name")),
        password: String(data.get("password")),
      };
      const answer = await call(config.accounts, { method: "POST", json: account, auth: false });
      markFields(signup, answer);
      if (!answer.ok) {
        say(document.getElementById("signup-result"), false, ...(answer.status === 409 ? [t("js.login_taken")] : problem(answer)));
        return;
      }
      const signedIn = await signIn(account.login, account.password);
      if (signedIn.ok) location.assign(nextPage());
      else say(document.getElementById("signup-result"), false, ...problem(signedIn));
    });
  }

  // --- applying for a dataset open on conditions (A24.2)

  function applyPage() {
    const form = document.getElementById("apply-form");
    const result = document.getElementById("apply-result");
    handle(form, async (data) => {
      const items = data.getAll("items").map(String);
      if (!items.length) {
        say(result, false, t("js.choose_items"));
        return;
      }
      const body = {
        entry_id: form.dataset.entry,
        purpose: String(data.get("purpose")),
        data_format: String(data.get("data_format")),
        items,
        applicant: {
          kind: String(data.get("kind")),
          name: String(data.get("name")).trim(),
          identifier: String(data.get("identifier")).trim().toUpperCase(),
          contact: String(data.get("contact")).trim(),
        },
      };
      const answer = await call(`${config.api}/applications`, { method: "POST", json: body });
      markFields(form, answer);
      if (answer.ok) {
        form.querySelector("button[type=submit]").hidden = true;
        say(result, true, t("js.applied", { due: answer.body.due_on }), " ",
          el("a", { href: `${config.portal}/account`, text: t("js.to_account") }));
      } else {
        say(result, false, ...problem(answer));
      }
    });
  }

  // --- reporting an error or objecting (A26.1), and following a report

  function reportPage() {
    const form = document.getElementById("report-form");
    const result = document.getElementById("report-result");
    handle(form, async (data) => {
      const body = {
        entry_id: form.dataset.entry,
        kind: String(data.get("kind")),
        description: String(data.get("description")),
        items: data.getAll("items").map(String),
        record_key: String(data.get("record_key") ?? "").trim() || null,
      };
      const answer = await call(`${config.api}/feedback`, { method: "POST", json: body });
      markFields(form, answer);
      if (!answer.ok) {
        say(result, false, ...problem(answer));
        return;
      }
      form.querySelector("button[type=submit]").hidden = true;
      const follow = `${config.portal}/feedback?id=${encodeURIComponent(answer.body.id)}`;
      const parts = [el("p", { text: t("js.reported", { id: answer.body.id }) })];
      if (answer.body.reporter_token) {
        parts.push(
          el("p", { text: t("js.reporter_token") }),
          el("p", { class: "key", "data-reporter-token": true, text: answer.body.reporter_token }),
        );
      }
      parts.push(el("p", {}, el("a", { href: follow, text: t("js.follow_report") })));
      say(result, true, ...parts);
    });
  }

  function describeReport(report) {
    return el("dl", { class: "metadata" },
      el("dt", { text: t("js.report_dataset") }), el("dd", { text: report.entry_name }),
      el("dt", { text: t("js.report_kind") }), el("dd", { text: t(`report_kind.${report.kind}`) }),
      el("dt", { text: t("js.report_filed") }), el("dd", { text: when(report.created_at) }),
      el("dt", { text: t("js.report_state") }), el("dd", { text: t(`report_state.${report.state}`) }),
      el("dt", { text: t("js.report_answer") }), el("dd", { text: report.answer ?? t("js.no_answer_yet") }),
    );
  }

  function feedbackPage() {
    const form = document.getElementById("follow-form");
    const result = document.getElementById("follow-result");
    const given = new URLSearchParams(location.search).get("id");
    if (given) form.elements.namedItem("id").value = given;
    handle(form, async (data) => {
      const token = String(data.get("token") ?? "").trim();
      const id = encodeURIComponent(String(data.get("id")).trim());
      const answer = await call(`${config.api}/feedback/${id}`, { headers: token ? { "x-reporter-token": token } : {} });
      if (answer.ok) say(result, true, describeReport(answer.body));
      else say(result, false, ...problem(answer));
    });
    if (session()) loadMyReports();
  }

  async function loadMyReports() {
    const box = document.getElementById("my-reports");
    const answer = await call(`${config.api}/feedback?limit=100`);
    if (!answer.ok) {
      box.replaceChildren(el("p", { class: "result error" }, ...problem(answer)));
      return;
    }
    const reports = answer.body.reports;
    box.replaceChildren(...(reports.length ? reports.map(describeReport) : [el("p", { text: t("js.no_reports") })]));
  }

  // --- requests for data to be opened, and votes (A27.1)

  function demandsPage() {
    const form = document.getElementById("demand-form");
    const result = document.getElementById("demand-result");
    handle(form, async (data) => {
      const body = {
        title: String(data.get("title")),
        description: String(data.get("description")),
        agency_id: String(data.get("agency_id") ?? "") || null,
      };
      const answer = await call(`${config.api}/demands`, { method: "POST", json: body });
      markFields(form, answer);
      if (answer.ok) {
        form.reset();
        say(result, true, t("js.demand_requested", { title: answer.body.title }));
      } else {
        say(result, false, ...problem(answer));
      }
    });
    for (const button of document.querySelectorAll("button[data-vote]")) {
      button.addEventListener("click", async () => {
        const card = button.closest(".card");
        const box = card.querySelector("[data-vote-result]");
        if (!session()) {
          say(box, false, t("signin.needed"), " ", el("a", { href: signinLink(), text: t("nav.signin") }));
          return;
        }
        const answer = await call(`${config.api}/demands/${button.dataset.vote}/votes`, { method: "POST" });
        if (answer.ok) {
          card.querySelector("[data-votes]").textContent = t("demands.votes", { count: answer.body.votes });
          button.disabled = true;
          say(box, true, t("js.voted"));
        } else {
          say(box, false, ...(answer.status === 409 ? [t("js.voted_already")] : problem(answer)));
        }
      });
    }
  }

  // --- my applications, the open-use agreement and data keys (A24.2, A24.3)

  async function loadApplications(notice) {
    const box = document.getElementById("applications");
    const answer = await call(`${config.api}/applications?limit=100`);
    if (!answer.ok) {
      box.replaceChildren(el("p", { class: "result error" }, ...problem(answer)));
      showSession();
      return;
    }
    const applications = answer.body.applications;
    if (!applications.length) {
      const conditional = `${config.portal}/datasets?open_type=conditional`;
      box.replaceChildren(el("p", {}, t("js.no_applications"), " ", el("a", { href: conditional, text: t("js.find_conditional") })));
      return;
    }
    box.replaceChildren(...applications.map(application));
    if (notice) say(document.querySelector(`#application-${notice.id} .result`), true, notice.text);
  }

  function application(app) {
    const id = `application-${app.id}`;
    const article = el("article", { class: "application", id, "aria-labelledby": `${id}-name` });
    const facts = el("dl", { class: "metadata" },
      el("dt", { text: t("js.state") }), el("dd", { "data-state": app.state, text: t(`application_state.${app.state}`) }),
      el("dt", { text: t("js.applied_at") }), el("dd", { text: when(app.applied_at) }),
      el("dt", { text: t("js.due_on") }), el("dd", { text: app.due_on + (app.overdue ? ` (${t("js.overdue")})` : "") }),
      el("dt", { text: t("js.items") }), el("dd", { text: (app.approved_items ?? app.items).join(", ") }),
    );
    if (app.reasons.length) facts.append(el("dt", { text: t("js.reasons") }), el("dd", { text: app.reasons.join("; ") }));
    const actions = el("div", { class: "actions" });
    const result = el("div", { class: "result", role: "status", tabindex: "-1" });
    article.append(
      el("h3", { id: `${id}-name` }, el("a", { href: `${config.portal}/datasets/${app.entry_id}`, text: app.entry_name })),
      facts, actions, result,
    );
    if (app.state === "approved") acceptance(app, actions, result);
    if (app.state === "agreed") keyTools(app, article, actions, result);
    if (app.state === "pending" || app.state === "approved") {
      const withdraw = el("button", { type: "button", class: "secondary", text: t("js.withdraw") });
      withdraw.addEventListener("click", async () => {
        const answer = await call(`${config.api}/applications/${app.id}/withdraw`, { method: "POST" });
        if (answer.ok) await loadApplications({ id: app.id, text: t("js.withdrawn") });
        else say(result, false, ...problem(answer));
      });
      actions.append(withdraw);
    }
    if (app.state === "agreed" || app.state === "revoked") listKeys(app, article);
    return article;
  }

  function acceptance(app, actions, result) {
    const box = document.getElementById("applications");
    const version = box.dataset.agreementVersion;
    if (!version) {
      actions.append(el("p", { text: t("js.no_agreement") }));
      return;
    }
    const checkId = `accept-${app.id}`;
    const check = el("input", { type: "checkbox", id: checkId });
    const label = el("label", { for: checkId, text: t("js.accept_label", { title: box.dataset.agreementTitle, version }) });
    const accept = el("button", { type: "button", disabled: true, text: t("js.accept") });
    check.addEventListener("change", () => {
      accept.disabled = !check.checked;
    });
    accept.addEventListener("click", async () => {
      const answer = await call(`${config.api}/applications/${app.id}/agreement`, {
        method: "POST",
        json: { version: Number(version) },
      });
      if (answer.ok) await loadApplications({ id: app.id, text: t("js.accepted") });
      else say(result, false, ...problem(answer));
    });
    actions.append(el("div", { class: "check" }, check, label), accept);
  }

  function keyTools(app, article, actions, result) {
    const keyId = `key-${app.id}`;
    const issue = el("button", { type: "button", text: t("js.issue_key") });
    const key = el("input", { id: keyId, class: "key", autocomplete: "off", spellcheck: "false", "aria-describedby": `${keyId}-hint` });
    const use = el("button", { type: "button", class: "secondary", text: t("js.fetch_records") });
    const records = el("div", { class: "records", "aria-live": "polite" });
    issue.addEventListener("click", async () => {
      const answer = await call(`${config.api}/applications/${app.id}/keys`, { method: "POST" });
      if (!answer.ok) {
        say(result, false, ...problem(answer));
        return;
      }
      key.value = answer.body.data_key;
      say(result, true, t("js.key_issued"));
      listKeys(app, article);
    });
    use.addEventListener("click", async () => {
      if (!key.value.trim()) {
        say(result, false, t("js.key_needed"));
        key.focus();
        return;
      }
      const path = `${config.api}/access/${app.entry_id}/records?limit=20`;
      const answer = await call(path, { headers: { "x-open-data-key": key.value.trim() } });
      if (!answer.ok) {
        say(result, false, ...problem(answer));
        return;
      }
      records.replaceChildren(recordsTable(answer.body));
      say(result, true, t("js.records_fetched", { count: answer.body.records.length }));
    });
    actions.append(issue);
    article.append(
      el("div", { class: "form" },
        el("label", { for: keyId, text: t("js.data_key") }), key,
        el("p", { class: "hint", id: `${keyId}-hint`, text: t("js.key_hint") }), use),
      records,
    );
  }

  function recordsTable(page) {
    const head = el("tr", {}, ...page.items.map((name) => el("th", { scope: "col", text: name })));
    const rows = page.records.map((record) =>
      el("tr", {}, ...page.items.map((name) => el("td", { text: record.data[name] ?? "" }))),
    );
    return el("div", { class: "scroll", role: "region", tabindex: "0", "aria-label": t("js.records_caption") },
      el("table", { class: "data" }, el("caption", { text: t("js.records_caption") }),
        el("thead", {}, head), el("tbody", {}, ...rows)));
  }

  async function listKeys(app, article) {
    const answer = await call(`${config.api}/applications/${app.id}/keys`);
    article.querySelector(".keys")?.remove();
    if (!answer.ok || !answer.body.length) return;
    const rows = answer.body.map((key) => {
      const state = key.revoked_at ? t("js.key_revoked", { at: when(key.revoked_at) }) : t("js.key_live");
      const cell = el("td");
      if (!key.revoked_at) {
        const revoke = el("button", { type: "button", class: "secondary", text: t("js.revoke") });
        revoke.setAttribute("aria-label", t("js.revoke_key", { hint: key.hint }));
        revoke.addEventListener("click", async () => {
          const revoked = await call(`${config.api}/keys/${key.id}/revoke`, { method: "POST", json: { reason: null } });
          if (revoked.ok) listKeys(app, article);
        });
        cell.append(revoke);
      }
      return el("tr", {}, el("td", {}, el("code", { text: `${key.hint}…` })), el("td", { text: when(key.issued_at) }),
        el("td", { text: state }), cell);
    });
    const headers = ["js.key_hint_column", "js.key_issued_at", "js.key_state", "js.key_action"];
    article.append(el("div", { class: "scroll keys" }, el("table", { class: "data" },
      el("caption", { text: t("js.keys_caption") }),
      el("thead", {}, el("tr", {}, ...headers.map((key) => el("th", { scope: "col", text: t(key) })))),
      el("tbody", {}, ...rows))));
  }

  function accountPage() {
    if (session()) loadApplications();
  }

  const pages = {
    signin: signinPage,
    apply: applyPage,
    report: reportPage,
    feedback: feedbackPage,
    demands: demandsPage,
    account: accountPage,
  };
  showSession();
  const page = document.getElementById("main").dataset.page;
  if (Object.hasOwn(pages, page) && document.querySelector("form[data-script], #applications")) pages[page]();
})();
