/* What every view of the console builds with: elements (API text only ever as text, never as HTML), sections,
   tables with captions and header cells, labelled fields, dates and due dates, and the names of agencies and regions
   (from the catalogue's API, read once per sign-in). */
"use strict";

(() => {
  const { t, language } = HubConsole.i18n;
  const { call } = HubConsole.api;
  // Deadlines are counted in the hub's time zone (working days in China), whatever the browser's is.
  const HUB_ZONE = "Asia/Shanghai";
  const DAY_MS = 24 * 3600 * 1000;

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  let counter = 0;
  const uniqueId = (stem) => `${stem}-${++counter}`;

  /** A titled section of a view: {node, body}. */
  function section(titleKey, noteKey, noteValues = {}) {
    const id = uniqueId("section");
    const body = el("div", { class: "section-body" });
    const node = el(
      "section",
      { class: "panel", "aria-labelledby": id },
      el("h2", { id, text: t(titleKey) }),
      noteKey ? el("p", { class: "note", text: t(noteKey, noteValues) }) : null,
      body,
    );
    return { node, body };
  }

  /** A table: columns [{label, cell(row) → text or node}], rows; `rowClass(row)` marks rows (overdue). */
  function table(caption, columns, rows, rowClass = () => "") {
    if (!rows.length) return el("p", { class: "empty", text: t("common.empty") });
    const head = el("tr", {}, ...columns.map((c) => el("th", { scope: "col", text: c.label })));
    const body = rows.map((row) =>
      el(
        "tr",
        { class: rowClass(row) || null },
        ...columns.map((c, i) => {
          const value = c.cell(row);
          const cell = el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {});
          cell.append(value instanceof Node ? value : String(value ?? t("common.none")));
          return cell;
        }),
      ),
    );
    return el(
      "div",
      // Focusable, so a keyboard can scroll a table wider than the page.
      { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
      el("table", {}, el("caption", { text: caption }), el("thead", {}, head), el("tbody", {}, ...body)),
    );
  }

  /** A labelled control. */
  function field(label, control) {
    const id = control.id || uniqueId("field");
    control.id = id;
    return el("div", { class: "field" }, el("label", { for: id, text: label }), control);
  }

  function choice(name, options, selected) {
    return el(
      "select",
      { name },
      ...options.map(([value, label]) => el("option", { value, selected: value === selected, text: label })),
    );
  }

  /** A message in a container (role=alert for errors, so screen readers hear it at once). */
  function notice(container, text, kind = "info") {
    const node = el("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : null, text });
    container.replaceChildren(node);
    return node;
  }

  /** Tell screen readers (and sighted users, in the status bar) what just happened. */
  function announce(text) {
    document.getElementById("status").textContent = text;
  }

  const when = (iso) =>
    iso ? new Date(iso).toLocaleString(language(), { dateStyle: "medium", timeStyle: "short", timeZone: HUB_ZONE }) : "";

  /** Today in the hub's time zone, as YYYY-MM-DD. */
  function today() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: HUB_ZONE }).format(new Date());
  }

  /** Whether a deadline is past: open (not closed) and due before today. */
  const isOverdue = (dueOn, closed = false) => Boolean(dueOn) && !closed && dueOn < today();

  /** A due date's cell: the date, marked overdue (with the days past) or due within three days; never colour alone. */
  function dueCell(dueOn, { closed = false, provisional = false, overdue = null } = {}) {
    if (!dueOn) return t("common.none");
    const late = overdue ?? isOverdue(dueOn, closed);
    const days = Math.round((Date.parse(today()) - Date.parse(dueOn)) / DAY_MS);
    const node = el("span", { class: "due" }, el("time", { datetime: dueOn, text: dueOn }));
    if (provisional) node.append(t("common.provisional"));
    if (late) node.append(" ", el("strong", { class: "badge overdue", text: t("common.overdue", { days }) }));
    else if (!closed && days >= -3) node.append(" ", el("span", { class: "badge soon", text: t("common.due_soon") }));
    return node;
  }

  const shortId = (id) => String(id).slice(0, 8);
  /** The console's word for a value the API names (a state, role, event…): `prefix.value`, or the value itself. */
  const label = (prefix, value) => (t(`${prefix}.${value}`) === `${prefix}.${value}` ? value : t(`${prefix}.${value}`));
  const stateLabel = (state) => label("state", state);
  /** Role names in the console's language, from a list or the audit's comma-separated text. */
  const roleNames = (roles) =>
    (Array.isArray(roles) ? roles : String(roles || "").split(",").filter(Boolean)).map((r) => label("role", r)).join("、");

  let directory = null;
  /** Names of agencies and regions by id and code, from the catalogue (read once per sign-in). */
  async function names() {
    directory ??= (async () => {
      const [agencies, regions] = await Promise.all([
        call("/api/catalog/agencies?limit=500"),
        call("/api/catalog/regions"),
      ]);
      return {
        agencies: new Map((agencies.ok ? agencies.body : []).map((a) => [a.id, a.name])),
        regions: new Map((regions.ok ? regions.body : []).map((r) => [r.code, r.name])),
      };
    })();
    return directory;
  }

  function forgetNames() {
    directory = null;
  }

  const agencyName = (known, id) => (id ? known.agencies.get(id) || shortId(id) : t("common.none"));
  const regionName = (known, code) => (code ? `${known.regions.get(code) || ""} ${code}`.trim() : t("common.none"));

  HubConsole.widgets = {
    el, section, table, field, choice, notice, announce, when, today, isOverdue, dueCell, shortId, label,
    roleNames, stateLabel, names, forgetNames, agencyName, regionName,
  };
})();
