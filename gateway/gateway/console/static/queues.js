/* Review queues: what waits for the signed-in operator or officer, with due dates and overdue items marked.
   Catalogue submissions the bureau publishes or returns (A14.1) and catalogue update deadlines (A14.2); share
   applications the provider agency and the bureau review (A20.2) and disputes (A20.3); open data applications the
   agency answers (A24.2) and error reports (A26.1). Decisions are the same API calls any client makes; the services
   check the caller's region and agency (A4.1, A15.2). */
"use strict";

(() => {
  const { t } = HubConsole.i18n;
  const { call, problem, session } = HubConsole.api;
  const W = HubConsole.widgets;
  const { el } = W;
  const OPERATORS = ["reviewer", "administrator", "inspector"];
  const UNDECIDED_APPLICATIONS = ["requested", "provider_approved", "bureau_approved"];
  const has = (roles, wanted) => wanted.some((role) => roles.includes(role));
  const excerpt = (text, length = 80) => (text && text.length > length ? `${text.slice(0, length)}…` : text);

  /** The items of `paths` (one per state asked, each its route's first page of up to 100–200, earliest due or
      newest first as the route lists them); null, and an error notice in `body`, if one fails. */
  async function readAll(body, what, paths, pick) {
    const answers = await Promise.all(paths.map((path) => call(path)));
    const failed = answers.find((a) => !a.ok);
    if (failed) {
      W.notice(body, t("common.unavailable", { what, problem: problem(failed) }), "error");
      return null;
    }
    return answers.flatMap((a) => pick(a.body));
  }

  /** A section that (re)loads itself: `fill(body, reload)` draws its content. */
  function loading(titleKey, noteKey, fill) {
    const part = W.section(titleKey, noteKey);
    const reload = async () => {
      W.notice(part.body, t("common.loading"));
      await fill(part.body, reload);
    };
    part.ready = reload();
    return part;
  }

  async function post(path, body, result) {
    const answer = await call(path, { method: "POST", json: body });
    if (!answer.ok) W.notice(result, problem(answer), "error");
    return answer.ok;
  }

  /** The reviewer publishes a submitted entry, or returns it with a reason (A14.1). */
  function entryActions(entry, reload) {
    const result = el("div", { class: "form-result" });
    const publish = el("button", { type: "button", text: t("action.publish"),
                                   "aria-label": `${t("action.publish")} ${entry.code}` }); // prettier-ignore
    publish.addEventListener("click", async () => {
      publish.disabled = true;
      if (await post(`/api/catalog/entries/${entry.entry_id}/approve`, undefined, result)) {
        W.announce(t("action.published", { code: entry.code }));
        await reload();
      } else publish.disabled = false;
    });
    const reason = el("input", { type: "text", name: "reason", maxlength: 1000, required: true });
    const back = el(
      "form",
      { class: "inline", "aria-label": `${t("action.return")} ${entry.code}` },
      W.field(t("action.return_reason"), reason),
      el("button", { type: "submit", class: "secondary", text: t("action.return") }),
    );
    back.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await post(`/api/catalog/entries/${entry.entry_id}/return`, { reasons: [reason.value] }, result)) {
        W.announce(t("action.returned", { code: entry.code }));
        await reload();
      }
    });
    return el("div", { class: "actions" }, publish, back, result);
  }

  /** A decision on an application: approve or refuse with reasons, and for sharing the risk level (A20.2, A29.1). */
  function decisionForm(application, path, withRisk, reload) {
    const decision = W.choice("decision", [["approve", t("action.approve")], ["refuse", t("action.refuse")]], "approve");
    const risk = W.choice("risk_level", ["low", "medium", "high"].map((r) => [r, t(`risk.${r}`)]), "low");
    const reasons = el("input", { type: "text", name: "reasons", maxlength: 1000 });
    const result = el("div", { class: "form-result" });
    const submit = el("button", { type: "submit", text: t("action.submit_decision") });
    const form = el(
      "form",
      { class: "decision", "aria-label": `${t("action.decision")} ${W.shortId(application.id)}` },
      W.field(t("action.decision"), decision),
      withRisk ? W.field(t("action.risk"), risk) : null,
      W.field(t("action.reasons"), reasons),
      submit,
      result,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      submit.disabled = true;
      const body = { decision: decision.value, reasons: reasons.value.trim() ? [reasons.value.trim()] : [] };
      if (withRisk) body.risk_level = risk.value;
      if (await post(path, body, result)) {
        const decided = t(`action.${decision.value}`);
        W.announce(t("action.decided", { id: W.shortId(application.id), decision: decided }));
        await reload();
      } else submit.disabled = false;
    });
    return form;
  }

  function submissions(known, roles) {
    return loading("queues.submissions", "queues.submissions.note", async (body, reload) => {
      const entries = await readAll(body, t("queues.submissions"),
                                    ["/api/catalog/catalogue?state=submitted&limit=200"], (b) => b.items); // prettier-ignore
      if (!entries) return;
      const columns = [
        { label: t("col.code"), cell: (e) => e.code },
        { label: t("col.name"), cell: (e) => e.name },
        { label: t("col.provider"), cell: (e) => W.agencyName(known, e.provider_agency_id) },
        { label: t("common.region"), cell: (e) => W.regionName(known, e.region_code) },
        { label: t("col.version"), cell: (e) => e.version },
      ];
      if (roles.includes("reviewer")) columns.push({ label: t("common.actions"), cell: (e) => entryActions(e, reload) });
      body.replaceChildren(W.table(t("queues.submissions"), columns, entries));
    });
  }

  function notices(known) {
    return loading("queues.notices", "queues.notices.note", async (body) => {
      const paths = ["open", "overdue"].map((s) => `/api/catalog/change-notices?state=${s}`);
      const found = await readAll(body, t("queues.notices"), paths, (b) => b);
      if (!found) return;
      found.sort((a, b) => a.due_on.localeCompare(b.due_on));
      const columns = [
        { label: t("col.entry"), cell: (n) => W.shortId(n.entry_id) },
        { label: t("common.agency"), cell: (n) => W.agencyName(known, n.agency_id) },
        { label: t("col.reason"), cell: (n) => excerpt(n.reason) },
        { label: t("common.due"), cell: (n) => W.dueCell(n.due_on, { overdue: n.state === "overdue",
                                                                   provisional: n.provisional }) }, // prettier-ignore
        { label: t("common.state"), cell: (n) => W.stateLabel(n.state) },
      ];
      body.replaceChildren(W.table(t("queues.notices"), columns, found, (n) => n.state === "overdue" && "overdue"));
    });
  }

  /** The review of an application the viewer answers for: the bureau's for a reviewer, the provider's for an
      officer of the provider agency; otherwise none. */
  function ownReview(application, roles, claims) {
    const pending = application.reviews.filter((r) => r.decision === null && !r.closed_on);
    if (roles.includes("reviewer")) return pending.find((r) => r.party === "bureau") || null;
    if (roles.includes("agency_officer") && application.provider_agency_id === claims.agency) {
      return pending.find((r) => r.party === "provider") || null;
    }
    return null;
  }

  function shareApplications(known, roles, claims) {
    return loading("queues.share", "queues.share.note", async (body, reload) => {
      const side = has(roles, OPERATORS) ? "" : "&as=provider";
      const paths = UNDECIDED_APPLICATIONS.map((s) => `/api/share/applications?state=${s}&limit=100${side}`);
      const listed = await readAll(body, t("queues.share"), paths, (b) => b);
      if (!listed) return;
      // The listing has no review deadlines: each application's detail carries its reviews, due on working days.
      const details = await readAll(body, t("queues.share"), listed.map((a) => `/api/share/applications/${a.id}`),
                                    (b) => [b]); // prettier-ignore
      if (!details) return;
      const rows = details.map((a) => {
        const pending = a.reviews.filter((r) => r.decision === null && !r.closed_on);
        const own = ownReview(a, roles, claims);
        const due = own || pending.slice().sort((x, y) => x.due_on.localeCompare(y.due_on))[0] || null;
        return { ...a, pending, own, due };
      });
      rows.sort((x, y) => (x.due?.due_on || "9").localeCompare(y.due?.due_on || "9"));
      const columns = [
        { label: t("col.application"), cell: (a) => W.shortId(a.id) },
        { label: t("col.entry"), cell: (a) => a.entry_code },
        { label: t("col.consumer"), cell: (a) => W.agencyName(known, a.consumer_agency_id) },
        { label: t("col.provider"), cell: (a) => W.agencyName(known, a.provider_agency_id) },
        { label: t("col.purpose"), cell: (a) => excerpt(a.purpose, 40) },
        { label: t("col.applied"), cell: (a) => W.when(a.applied_at) },
        { label: t("col.pending"), cell: (a) => a.pending.map((r) => t(`party.${r.party}`)).join("、") },
        { label: t("common.due"), cell: (a) => a.due ? W.dueCell(a.due.due_on, { provisional: a.due.provisional })
                                                     : t("common.none") }, // prettier-ignore
        { label: t("common.actions"), cell: (a) => a.own ? decisionForm(a,
            `/api/share/applications/${a.id}/reviews/${a.own.party}`, true, reload) : t("common.none") }, // prettier-ignore
      ];
      const late = (a) => a.due && W.isOverdue(a.due.due_on) && "overdue";
      body.replaceChildren(W.table(t("queues.share"), columns, rows, late));
    });
  }

  function disputes(known) {
    return loading("queues.disputes", "queues.disputes.note", async (body) => {
      const paths = ["open", "escalated"].map((s) => `/api/share/disputes?state=${s}&limit=200`);
      const found = await readAll(body, t("queues.disputes"), paths, (b) => b.items);
      if (!found) return;
      const columns = [
        { label: t("col.application"), cell: (d) => W.shortId(d.application_id) },
        { label: t("col.consumer"), cell: (d) => W.agencyName(known, d.consumer_agency_id) },
        { label: t("col.provider"), cell: (d) => W.agencyName(known, d.provider_agency_id) },
        { label: t("col.statement"), cell: (d) => excerpt(d.statement) },
        { label: t("col.raised"), cell: (d) => W.when(d.raised_at) },
        { label: t("common.state"), cell: (d) => W.stateLabel(d.state) },
      ];
      body.replaceChildren(W.table(t("queues.disputes"), columns, found));
    });
  }

  function openApplications(known, roles, claims) {
    return loading("queues.open", "queues.open.note", async (body, reload) => {
      const found = await readAll(body, t("queues.open"), ["/api/open/applications?state=pending&limit=200"],
                                  (b) => b.applications); // prettier-ignore
      if (!found) return;
      const answers = (a) => roles.includes("agency_officer") && a.provider_agency_id === claims.agency;
      const columns = [
        { label: t("col.entry"), cell: (a) => a.entry_name },
        { label: t("col.applicant"), cell: (a) => a.identity.name },
        { label: t("col.provider"), cell: (a) => W.agencyName(known, a.provider_agency_id) },
        { label: t("col.purpose"), cell: (a) => excerpt(a.purpose, 40) },
        { label: t("col.applied"), cell: (a) => W.when(a.applied_at) },
        { label: t("common.due"), cell: (a) => W.dueCell(a.due_on, { overdue: a.overdue, provisional: a.provisional }) },
        { label: t("common.actions"), cell: (a) => answers(a) ? decisionForm(a,
            `/api/open/applications/${a.id}/decision`, false, reload) : t("common.none") }, // prettier-ignore
      ];
      body.replaceChildren(W.table(t("queues.open"), columns, found, (a) => a.overdue && "overdue"));
    });
  }

  function reports(known) {
    return loading("queues.reports", "queues.reports.note", async (body) => {
      const paths = ["received", "handling"].map((s) => `/api/open/feedback?state=${s}&limit=200`);
      const found = await readAll(body, t("queues.reports"), paths, (b) => b.reports);
      if (!found) return;
      const columns = [
        { label: t("col.entry"), cell: (r) => r.entry_name },
        { label: t("col.kind"), cell: (r) => W.label("kind", r.kind) },
        { label: t("col.description"), cell: (r) => excerpt(r.description) },
        { label: t("common.agency"), cell: (r) => W.agencyName(known, r.agency_id) },
        { label: t("col.filed"), cell: (r) => W.when(r.created_at) },
        { label: t("common.state"), cell: (r) => W.stateLabel(r.state) },
      ];
      body.replaceChildren(W.table(t("queues.reports"), columns, found));
    });
  }

  async function render(main) {
    const { claims } = session();
    const roles = claims.roles || [];
    const known = await W.names();
    main.append(el("p", { class: "intro", text: t("queues.intro") }));
    const parts = [];
    if (has(roles, OPERATORS)) parts.push(submissions(known, roles), notices(known));
    parts.push(shareApplications(known, roles, claims), disputes(known));
    parts.push(openApplications(known, roles, claims), reports(known));
    main.append(...parts.map((part) => part.node));
    await Promise.all(parts.map((part) => part.ready));
  }

  HubConsole.views = HubConsole.views || {};
  HubConsole.views.queues = {
    title: "queues.title",
    nav: "nav.queues",
    roles: [...OPERATORS, "agency_officer"],
    render,
  };
})();
