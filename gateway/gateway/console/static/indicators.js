/* The indicator system (A32.1): per agency and per region, this period beside the previous one, charted with Apache
   ECharts (vendored, drawn on a canvas in the page) and tabled in full, since a chart alone says nothing to a screen
   reader; exchanges between agencies by requests and rows; exports as CSV or XLSX. Read from supervision-svc's API
   through the gateway. Whatever indicator names arrive are shown, in the order they arrive, each with the unit and
   the requirement its figures carry; the known ones get a label in the console's language. */
"use strict";

(() => {
  const { t, indicatorLabel, unitLabel, language } = HubConsole.i18n;
  const { call, problem, download } = HubConsole.api;
  const W = HubConsole.widgets;
  const { el } = W;
  const API = "/api/supervision/indicators";
  const TOP_PAIRS = 15;
  const PREFERRED = "catalogue_coverage";
  // Graphical objects at 3:1 or more against white (WCAG 1.4.11); the system's CJK fonts.
  const COLOURS = ["#0b55b8", "#6b7480", "#b35c00", "#14532d"];
  const FONT = 'system-ui, "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  let charts = [];

  function leave() {
    for (const chart of charts) chart.dispose();
    charts = [];
  }

  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

  /** A figure's value as text: a ratio as a percentage, a count or mean with its unit; nothing as a dash. */
  function shown(value, unit) {
    if (value === null || value === undefined) return t("common.none");
    const format = (n, digits) => n.toLocaleString(language(), { maximumFractionDigits: digits });
    if (unit === "ratio") return `${format(value * 100, 1)}%`;
    return `${format(value, 2)} ${unitLabel(unit)}`.trim();
  }

  /** The periods kept and the current one: {current, periods} newest first. */
  function periodsOf(body) {
    const periods = (body.periods || []).map((p) => p.period).sort().reverse();
    return { current: body.current_period || periods[0], periods };
  }

  /** Every indicator that arrived, in the order it arrived, with its unit and requirement. */
  function indicatorsOf(report) {
    const found = new Map();
    for (const row of [...report.agencies, ...report.regions]) {
      for (const [name, figure] of Object.entries(row.indicators)) {
        if (!found.has(name)) found.set(name, { unit: figure.unit, requirement: figure.requirement });
      }
    }
    return found;
  }

  function chart(container, title, draw) {
    const box = el("div", { class: "chart", role: "img", "aria-label": t("indicators.chart_label", { title }) });
    container.append(el("figure", { class: "figure" }, el("figcaption", { text: title }), box));
    const instance = echarts.init(box, null, { renderer: "canvas" });
    instance.setOption({
      color: COLOURS,
      textStyle: { fontFamily: FONT, color: "#1b1f24" },
      // Drawn on the canvas: no HTML tooltip, so the page's content security policy needs no inline style.
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0 },
      grid: { left: 8, right: 24, bottom: 8, top: 36, containLabel: true },
      animation: false,
      ...draw,
    });
    charts.push(instance);
  }

  // Axis text as dark as the page's muted text (4.5:1 on white), not ECharts' lighter default grey.
  const axis = (options) => ({ ...options, axisLabel: { color: "#4a5360", ...options.axisLabel } });

  /** This period's and the previous period's figure of `name`, one bar pair per row (agency or region); a ratio
      is charted as a percentage. */
  function periodBars(container, title, rows, label, name, unit, report) {
    const scale = unit === "ratio" ? 100 : 1;
    const figure = (row, which) => {
      const value = row.indicators[name]?.[which];
      return value === null || value === undefined ? null : value * scale;
    };
    const labels = rows.map(label);
    chart(container, title, {
      xAxis: axis({ type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 5 ? 30 : 0 } }),
      yAxis: axis({ type: "value", axisLabel: unit === "ratio" ? { formatter: "{value}%" } : {} }),
      series: [
        { type: "bar", name: t("indicators.current", { period: report.period }), data: rows.map((r) => figure(r, "value")) },
        { type: "bar", name: t("indicators.previous", { period: report.previous_period }),
          data: rows.map((r) => figure(r, "previous")) }, // prettier-ignore
      ],
    });
  }

  function exchangeBars(container, pairs) {
    const title = t("indicators.exchanges", { n: TOP_PAIRS });
    const top = pairs.slice().sort((a, b) => b.rows - a.rows).slice(0, TOP_PAIRS);
    if (!top.length) {
      container.append(el("h3", { text: title }), el("p", { class: "empty", text: t("common.empty") }));
      return;
    }
    const pair = (p) => t("indicators.pair", { consumer: p.consumer_agency_name, provider: p.provider_agency_name });
    const bottomUp = top.slice().reverse(); // a horizontal bar chart draws its first category at the bottom
    chart(container, title, {
      xAxis: axis({ type: "value" }),
      yAxis: axis({ type: "category", data: bottomUp.map(pair) }),
      series: [
        { type: "bar", name: t("indicators.rows"), data: bottomUp.map((p) => p.rows) },
        { type: "bar", name: t("indicators.requests"), data: bottomUp.map((p) => p.requests) },
      ],
    });
    const columns = [
      { label: t("col.consumer"), cell: (p) => p.consumer_agency_name },
      { label: t("col.provider"), cell: (p) => p.provider_agency_name },
      { label: t("indicators.requests"), cell: (p) => shown(p.requests, "requests") },
      { label: t("indicators.rows"), cell: (p) => shown(p.rows, "rows") },
    ];
    container.append(W.table(title, columns, top));
  }

  function figureCell(figure) {
    if (!figure) return t("common.none");
    const node = el("span", { class: "measure" }, shown(figure.value, figure.unit));
    if (figure.previous !== null) {
      node.append(el("span", { class: "previous", text: t("indicators.was", { value: shown(figure.previous, figure.unit) }) }));
    }
    return node;
  }

  function figureTable(caption, rows, indicators, leading) {
    const columns = [
      ...leading,
      ...[...indicators].map(([name, about]) => ({
        label: `${indicatorLabel(name)} (${about.requirement})`,
        cell: (row) => figureCell(row.indicators[name]),
      })),
    ];
    return W.table(caption, columns, rows);
  }

  async function show(results, query, chosen, known) {
    leave();
    W.notice(results, t("common.loading"));
    const [report, exchanges] = await Promise.all([call(`${API}?${query}`), call(`${API}/exchanges?${query}`)]);
    const failed = [report, exchanges].find((answer) => !answer.ok);
    if (failed) {
      W.notice(results, t("common.unavailable", { what: t("indicators.title"), problem: problem(failed) }), "error");
      return null;
    }
    const data = report.body;
    const indicators = indicatorsOf(data);
    const names = [...indicators.keys()];
    const name = names.includes(chosen) ? chosen : names.includes(PREFERRED) ? PREFERRED : names[0];
    const regionLabel = (r) => r.region_name || W.regionName(known, r.region_code);
    // An agency row only for the indicators its figures hold.
    const agencies = data.agencies.filter((a) => a.indicators[name]);
    results.replaceChildren();
    if (name) {
      const label = indicatorLabel(name);
      const { unit } = indicators.get(name);
      const byAgency = t("indicators.by_agency", { name: label });
      if (agencies.length) periodBars(results, byAgency, agencies, (a) => a.agency_name, name, unit, data);
      periodBars(results, t("indicators.by_region", { name: label }), data.regions, regionLabel, name, unit, data);
    }
    exchangeBars(results, exchanges.body.pairs);
    results.append(
      figureTable(t("indicators.table_agencies"), data.agencies, indicators, [
        { label: t("common.agency"), cell: (a) => a.agency_name },
        { label: t("common.region"), cell: (a) => W.regionName(known, a.region_code) },
      ]),
      figureTable(t("indicators.table_regions"), data.regions, indicators, [
        { label: t("common.region"), cell: regionLabel },
      ]),
    );
    return names;
  }

  async function render(main) {
    main.append(el("p", { class: "intro", text: t("indicators.intro") }));
    const results = el("div", { class: "indicator-results" });
    const listed = await call(`${API}/periods`);
    if (!listed.ok) {
      main.append(results);
      W.notice(results, t("common.unavailable", { what: t("indicators.title"), problem: problem(listed) }), "error");
      return;
    }
    const { current, periods } = periodsOf(listed.body);
    if (current && !periods.includes(current)) periods.unshift(current);
    const known = await W.names();
    const period = W.choice("period", periods.map((p) => [p, p]), current);
    const regions = [["", t("indicators.all_regions")], ...[...known.regions].map(([code, n]) => [code, `${n} ${code}`])];
    const region = W.choice("region", regions, "");
    const indicator = W.choice("indicator", [], "");
    const query = () => {
      const asked = new URLSearchParams({ period: period.value });
      if (region.value) asked.set("region", region.value);
      return asked;
    };
    const form = el(
      "form",
      { class: "filters", "aria-label": t("indicators.title") },
      W.field(t("indicators.period"), period),
      W.field(t("indicators.region"), region),
      W.field(t("indicators.indicator"), indicator),
      el("button", { type: "submit", text: t("indicators.show") }),
    );
    const exports = el("div", { class: "actions" }, ...["csv", "xlsx"].map((format) => {
      const button = el("button", { type: "button", class: "secondary", text: t(`indicators.export_${format}`) });
      button.addEventListener("click", async () => {
        const file = `indicators-${period.value}.${format}`;
        const asked = query();
        asked.set("format", format);
        const answer = await download(`${API}/export?${asked}`, file);
        W.announce(answer.ok ? t("audit.downloaded", { file }) : problem(answer));
      });
      return button;
    })); // prettier-ignore
    const refresh = async () => {
      const names = await show(results, query(), indicator.value, known);
      if (!names) return;
      const kept = names.includes(indicator.value) ? indicator.value : names.includes(PREFERRED) ? PREFERRED : names[0];
      indicator.replaceChildren(...names.map((n) => el("option", { value: n, text: indicatorLabel(n) })));
      indicator.value = kept || "";
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      refresh();
    });
    main.append(form, exports, results);
    await refresh();
  }

  HubConsole.views = HubConsole.views || {};
  HubConsole.views.indicators = {
    title: "indicators.title",
    nav: "nav.indicators",
    roles: ["reviewer", "administrator", "inspector", "agency_officer", "agency_admin"],
    render,
    leave,
  };
})();
