/* Oversight: the audit (verifying the hash chain, searching it, the inspector's export with its proof, A34.1, A36.1),
   the register of legacy point-to-point channels (A12.1) and the security events (A28.1), from the gateway's own
   /admin routes. The gateway scopes each to the user's region (A4.1). */
"use strict";

(() => {
  const { t } = HubConsole.i18n;
  const { call, problem, download } = HubConsole.api;
  const W = HubConsole.widgets;
  const { el } = W;
  // What one search reads at most: the export's JSON for the range, searched in the page.
  const SEARCH_MAX = 2000;
  const SECURITY_PAGE = 100;

  const number = (value, fallback = "") => {
    const parsed = Number.parseInt(value, 10);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
  };
  const eventLabel = (event) => W.label("event", event);

  function verification() {
    const part = W.section("audit.verify", "audit.verify.note");
    const result = el("div", { class: "verify-result" });
    const run = el("button", { type: "button", text: t("audit.verify.run") });
    run.addEventListener("click", async () => {
      run.disabled = true;
      W.notice(result, t("common.loading"));
      const answer = await call("/admin/audit/verify");
      run.disabled = false;
      if (!answer.ok) return W.notice(result, problem(answer), "error");
      if (answer.body.intact) {
        W.notice(result, t("audit.verify.intact"), "ok");
        W.announce(t("audit.verify.intact"));
        return;
      }
      const breaks = answer.body.breaks;
      W.notice(result, t("audit.verify.broken", { n: breaks.length }), "error");
      result.append(el("ul", {}, ...breaks.map((b) =>
        el("li", { text: t("audit.verify.break", { seq: b.seq, reason: `${b.kind}: ${b.detail}` }) })))); // prettier-ignore
    });
    part.body.append(run, result);
    return part;
  }

  function exporting() {
    const part = W.section("audit.export", "audit.export.note");
    const first = el("input", { type: "number", name: "from", min: 1, value: 1, inputmode: "numeric" });
    const last = el("input", { type: "number", name: "to", min: 1, inputmode: "numeric" });
    const format = W.choice("format", [["csv", "CSV"], ["json", "JSON"]], "csv");
    const result = el("div", { class: "form-result" });
    const form = el(
      "form",
      { class: "filters", "aria-label": t("audit.export") },
      W.field(t("audit.from"), first),
      W.field(t("audit.to"), last),
      W.field(t("audit.format"), format),
      el("button", { type: "submit", text: t("audit.download") }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const query = new URLSearchParams({ from: number(first.value, 1), format: format.value });
      if (number(last.value)) query.set("to", number(last.value));
      const file = `audit-${query.get("from")}-${query.get("to") || "head"}.${format.value}`;
      const answer = await download(`/admin/audit/export?${query}`, file);
      if (answer.ok) {
        W.notice(result, t("audit.downloaded", { file }), "ok");
        W.announce(t("audit.downloaded", { file }));
      } else W.notice(result, problem(answer), "error");
    });
    part.body.append(form, result);
    return part;
  }

  function searching() {
    const part = W.section("audit.search", "audit.search.note", { max: SEARCH_MAX });
    const first = el("input", { type: "number", name: "from", min: 1, value: 1, inputmode: "numeric" });
    const last = el("input", { type: "number", name: "to", min: 1, value: 500, inputmode: "numeric" });
    const caller = el("input", { type: "search", name: "caller", maxlength: 200 });
    const path = el("input", { type: "search", name: "path", maxlength: 200 });
    const kind = W.choice("kind", [["", t("audit.search.any")], ["exchange", t("kind.exchange")],
                                   ["security", t("kind.security")]], ""); // prettier-ignore
    const status = el("input", { type: "number", name: "status", min: 100, max: 599, inputmode: "numeric" });
    const results = el("div", { class: "search-results" });
    const form = el(
      "form",
      { class: "filters", role: "search", "aria-label": t("audit.search") },
      W.field(t("audit.from"), first),
      W.field(t("audit.search.to"), last),
      W.field(t("audit.search.caller"), caller),
      W.field(t("audit.search.path"), path),
      W.field(t("audit.search.kind"), kind),
      W.field(t("audit.search.status"), status),
      el("button", { type: "submit", text: t("audit.search.run") }),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const from = number(first.value, 1);
      const to = number(last.value, from + SEARCH_MAX - 1);
      if (to < from || to - from + 1 > SEARCH_MAX) {
        W.notice(results, t("audit.search.range", { max: SEARCH_MAX }), "error");
        return;
      }
      W.notice(results, t("common.loading"));
      const answer = await call(`/admin/audit/export?${new URLSearchParams({ from, to, format: "json" })}`);
      if (!answer.ok) return W.notice(results, problem(answer), "error");
      const wanted = (r) =>
        (!caller.value || String(r.caller).includes(caller.value.trim())) &&
        (!path.value || String(r.path).includes(path.value.trim())) &&
        (!kind.value || r.kind === kind.value) &&
        (!status.value || r.status === Number(status.value));
      const found = answer.body.records.filter(wanted);
      const columns = [
        { label: t("col.seq"), cell: (r) => r.seq },
        { label: t("common.time"), cell: (r) => W.when(r.request_in) },
        { label: t("col.event"), cell: (r) => (r.kind === "security" ? eventLabel(r.event) : t("kind.exchange")) },
        { label: t("col.caller"), cell: (r) => r.caller },
        { label: t("col.roles"), cell: (r) => W.roleNames(r.roles) },
        { label: t("col.method"), cell: (r) => r.method },
        { label: t("col.path"), cell: (r) => r.path },
        { label: t("col.status"), cell: (r) => r.status },
      ];
      const summary = t("audit.search.found", { n: found.length, from, to });
      results.replaceChildren(el("p", { class: "summary", text: summary }),
                              W.table(t("audit.search"), columns, found)); // prettier-ignore
      W.announce(summary);
    });
    part.body.append(form, results);
    return part;
  }

  async function renderAudit(main) {
    main.append(el("p", { class: "intro", text: t("audit.intro") }));
    main.append(verification().node, exporting().node, searching().node);
  }

  async function renderLegacy(main) {
    main.append(el("p", { class: "intro", text: t("legacy.intro") }));
    const body = el("div");
    main.append(body);
    W.notice(body, t("common.loading"));
    const [indicator, channels, known] = await Promise.all([
      call("/admin/legacy-channels/indicator"),
      call("/admin/legacy-channels"),
      W.names(),
    ]);
    const failed = [indicator, channels].find((a) => !a.ok);
    if (failed) return W.notice(body, t("common.unavailable", { what: t("legacy.title"), problem: problem(failed) }), "error");
    const columns = [
      { label: t("col.channel"), cell: (c) => c.name },
      { label: t("common.agency"), cell: (c) => W.agencyName(known, c.agency_id) },
      { label: t("col.counterpart"), cell: (c) => c.counterpart },
      { label: t("common.region"), cell: (c) => W.regionName(known, c.region_code) },
      { label: t("common.state"), cell: (c) => W.stateLabel(c.status) },
      { label: t("col.deadline"), cell: (c) => W.dueCell(c.deadline, { overdue: c.overdue,
          closed: ["integrated", "retired"].includes(c.status) }) }, // prettier-ignore
      { label: t("col.registered"), cell: (c) => W.when(c.registered_at) },
      { label: t("col.note"), cell: (c) => c.note || t("common.none") },
    ];
    body.replaceChildren(
      el("p", { class: "summary", text: t("legacy.summary", indicator.body) }),
      W.table(t("legacy.title"), columns, channels.body, (c) => c.overdue && "overdue"),
    );
  }

  async function renderSecurity(main) {
    main.append(el("p", { class: "intro", text: t("security.intro") }));
    const body = el("div");
    const more = el("button", { type: "button", class: "secondary", text: t("common.more"), hidden: true });
    main.append(body, more);
    const shown = [];
    const columns = [
      { label: t("col.seq"), cell: (r) => r.seq },
      { label: t("common.time"), cell: (r) => W.when(r.request_in) },
      { label: t("col.event"), cell: (r) => eventLabel(r.event) },
      { label: t("col.caller"), cell: (r) => r.caller },
      { label: t("col.ip"), cell: (r) => r.client_ip || t("common.none") },
      { label: t("col.method"), cell: (r) => r.method },
      { label: t("col.path"), cell: (r) => r.path },
      { label: t("col.status"), cell: (r) => r.status },
      { label: t("col.detail"), cell: (r) => r.detail || t("common.none") },
    ];
    const load = async () => {
      const from = shown.length ? shown[shown.length - 1].seq + 1 : 1;
      const answer = await call(`/admin/security-events?${new URLSearchParams({ from, limit: SECURITY_PAGE })}`);
      if (!answer.ok) return W.notice(body, t("common.unavailable", { what: t("security.title"), problem: problem(answer) }), "error");
      shown.push(...answer.body);
      const counts = new Map();
      for (const record of shown) counts.set(record.event, (counts.get(record.event) || 0) + 1);
      const summary = [...counts].map(([event, n]) => `${eventLabel(event)} ${n}`).join("，") || t("common.none");
      body.replaceChildren(el("p", { class: "summary", text: t("security.summary", { n: shown.length, counts: summary }) }),
                           W.table(t("security.title"), columns, shown)); // prettier-ignore
      more.hidden = answer.body.length < SECURITY_PAGE;
    };
    more.addEventListener("click", load);
    W.notice(body, t("common.loading"));
    await load();
  }

  HubConsole.views = HubConsole.views || {};
  HubConsole.views.audit = { title: "audit.title", nav: "nav.audit", roles: ["inspector"], render: renderAudit };
  HubConsole.views.legacy = { title: "legacy.title", nav: "nav.legacy", roles: ["reviewer", "administrator", "inspector"],
                              render: renderLegacy }; // prettier-ignore
  HubConsole.views.security = { title: "security.title", nav: "nav.security", roles: ["inspector", "administrator"],
                                render: renderSecurity }; // prettier-ignore
})();
