// Dashboard tab (GET /v1/admin/dashboard): certificates issued per day as an inline SVG bar chart (drawn here,
// no library), SMS sent/failed/pending, issue queue depth and dead letters, certificate counts.
import { call, el } from "/common/api.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) node.setAttribute(k, String(v));
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function number(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function count(value) {
  return number(value).toLocaleString("en-JM");
}

/** A round upper bound for the y axis and its step: 0..max in 4-5 steps of 1, 2 or 5 x 10^k. */
export function niceScale(max) {
  if (max <= 0) return { top: 4, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  const stepInt = Math.max(1, step);
  return { top: Math.ceil(max / stepInt) * stepInt, step: stepInt };
}

function dayLabel(iso, withYear = false) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return String(iso || "");
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return date.toLocaleDateString("en-JM", { day: "numeric", month: "short", ...(withYear ? { year: "numeric" } : {}), timeZone: "UTC" });
}

/** The issued-per-day bar chart: an accessible SVG (role img, title + description) and the numbers as a table. */
export function issuedChart(days, { width: available = 720 } = {}) {
  const data = [...days].filter((d) => d && d.date).sort((a, b) => String(a.date).localeCompare(String(b.date)));
  const total = data.reduce((n, d) => n + number(d.count), 0);
  const max = Math.max(0, ...data.map((d) => number(d.count)));
  const { top, step } = niceScale(max);
  // Drawn at the width it is shown at (1 SVG unit = 1 CSS pixel), so the text stays readable on phones.
  const width = Math.round(Math.max(300, Math.min(1100, available)));
  const height = width < 500 ? 220 : 280;
  const pad = { left: 48, right: 12, top: 16, bottom: 44 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const slot = plotW / Math.max(1, data.length);
  const barW = Math.max(2, Math.min(48, slot * 0.7));
  const y = (v) => pad.top + plotH - (v / top) * plotH;
  const labelEvery = Math.max(1, Math.ceil(data.length / Math.max(2, Math.floor(plotW / 64))));
  const busiest = data.reduce((best, d) => (number(d.count) > number(best?.count ?? -1) ? d : best), null);
  const range = data.length ? `${dayLabel(data[0].date, true)} to ${dayLabel(data[data.length - 1].date, true)}` : "";
  const description = data.length
    ? `${count(total)} certificates issued from ${range}, over ${data.length} day${data.length === 1 ? "" : "s"}; the busiest day was ${dayLabel(busiest.date, true)} with ${count(busiest.count)}.`
    : "No certificates issued in this period.";

  const grid = [];
  for (let v = 0; v <= top; v += step) {
    grid.push(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), class: v === 0 ? "chart__axis" : "chart__grid" }));
    grid.push(svg("text", { x: pad.left - 8, y: y(v) + 4, "text-anchor": "end", class: "chart__tick" }, count(v)));
  }
  const bars = data.map((d, i) => {
    const value = number(d.count);
    const x = pad.left + slot * i + (slot - barW) / 2;
    const h = Math.max(value > 0 ? 1 : 0, plotH * (value / top));
    const group = svg("g", { class: "chart__bar", "data-date": d.date, "data-count": value },
      svg("title", {}, `${dayLabel(d.date, true)}: ${count(value)} certificate${value === 1 ? "" : "s"}`),
      svg("rect", { x: x.toFixed(1), y: (pad.top + plotH - h).toFixed(1), width: barW.toFixed(1), height: h.toFixed(1), rx: Math.min(3, barW / 4) }));
    if (slot >= 26 && value > 0) {
      group.append(svg("text", { x: (x + barW / 2).toFixed(1), y: (pad.top + plotH - h - 5).toFixed(1), "text-anchor": "middle", class: "chart__value" }, count(value)));
    }
    if ((data.length - 1 - i) % labelEvery === 0) { // counted from the newest day, which always has its label
      // Keep the label inside the drawing: the newest day sits at the right edge.
      let labelX = x + barW / 2;
      let anchor = "middle";
      if (labelX + 24 > width) { labelX = width - 2; anchor = "end"; }
      group.append(svg("text", { x: labelX.toFixed(1), y: height - pad.bottom + 18, "text-anchor": anchor, class: "chart__tick" }, dayLabel(d.date)));
    }
    return group;
  });
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, class: "chart", id: "issued-chart", role: "img",
    "aria-labelledby": "issued-chart-title issued-chart-desc", preserveAspectRatio: "xMidYMid meet", focusable: "false",
  },
  svg("title", { id: "issued-chart-title" }, "Certificates issued per day"),
  svg("desc", { id: "issued-chart-desc" }, description),
  ...grid,
  ...bars,
  svg("text", { x: pad.left + plotW / 2, y: height - 6, "text-anchor": "middle", class: "chart__label" }, "Day of issue (UTC)"));

  const table = el("details", { class: "chart__data" },
    el("summary", {}, "Show the numbers"),
    el("div", { class: "table-wrap" },
      el("table", { id: "issued-table" },
        el("caption", { class: "visually-hidden" }, "Certificates issued per day"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Day"), el("th", { scope: "col" }, "Certificates issued"))),
        el("tbody", {}, ...data.map((d) => el("tr", {}, el("th", { scope: "row" }, dayLabel(d.date, true)), el("td", {}, count(d.count))))))));

  return el("figure", { class: "card chart-card" },
    el("h3", { id: "issued-heading" }, "Certificates issued per day"),
    el("p", { class: "hint", id: "issued-summary" }, description),
    data.length ? chart : null,
    data.length ? table : null);
}

function stat(label, value, { warn = false, id, hint } = {}) {
  return el("div", { class: `stat${warn ? " stat--warn" : ""}`, id },
    el("dt", {}, label),
    el("dd", {}, el("span", { class: "stat__value" }, count(value)), hint ? el("span", { class: "stat__hint" }, hint) : null));
}

function group(title, id, ...stats) {
  return el("section", { class: "card stat-group", "aria-labelledby": `${id}-heading` },
    el("h3", { id: `${id}-heading` }, title),
    el("dl", { class: "stats", id }, ...stats));
}

/** A ranked list (centre, vaccine or dose -> count) of the last 30 days, as a table. */
function breakdown(title, id, rows, label, name = (v) => String(v)) {
  const list = Array.isArray(rows) ? rows : [];
  return el("section", { class: "card stat-group", "aria-labelledby": `${id}-heading` },
    el("h3", { id: `${id}-heading` }, title),
    list.length
      ? el("table", { class: "breakdown-table", id },
        el("caption", { class: "hint" }, "Last 30 days"),
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, label), el("th", { scope: "col" }, "Issued"))),
        el("tbody", {}, ...list.map((r) => el("tr", {}, el("td", {}, name(r[Object.keys(r).find((k) => k !== "count")])), el("td", {}, count(r.count))))))
      : el("p", { class: "hint", id }, "Nothing issued in the last 30 days."));
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "over 24 hours";
  if (seconds < 60) return `${seconds} seconds or less`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} minutes or less`;
  return `${Math.round(seconds / 3600)} hours or less`;
}

function delayGroup(delay) {
  const d = delay || {};
  const n = number(d.count);
  return el("section", { class: "card stat-group", "aria-labelledby": "stats-delay-heading" },
    el("h3", { id: "stats-delay-heading" }, "Form received to SMS sent"),
    n
      ? el("dl", { class: "stats", id: "stats-delay" },
        el("div", { class: "stat" }, el("dt", {}, "Half of them (p50)"), el("dd", {}, el("span", { class: "stat__value" }, duration(d.p50Seconds)))),
        el("div", { class: "stat" }, el("dt", {}, "95 in 100 (p95)"), el("dd", {}, el("span", { class: "stat__value" }, duration(d.p95Seconds)))),
        el("div", { class: "stat" }, el("dt", {}, "SMS measured"), el("dd", {}, el("span", { class: "stat__value" }, count(n)))))
      : el("p", { class: "hint", id: "stats-delay" }, "No SMS sent in the last 30 days."));
}

export function renderDashboard(data, { width } = {}) {
  const sms = data.sms || {};
  const queue = data.queue || {};
  const certificates = data.certificates || {};
  const dead = number(queue.deadLetters);
  const failed = number(sms.failed);
  const conflicts = number((data.edits || {}).conflicts);
  return [
    el("div", { class: "stat-groups" },
      group("Certificates", "stats-certificates",
        stat("Valid", certificates.valid),
        stat("Revoked", certificates.revoked),
        stat("Superseded", certificates.superseded),
        stat("Edit conflicts", conflicts, { hint: conflicts > 0 ? "CommCare edits that changed a field an admin had corrected: see the audit trail." : null })),
      group("SMS to holders", "stats-sms",
        stat("Sent", sms.sent),
        stat("Failed", sms.failed, { warn: failed > 0, hint: failed > 0 ? "Check the numbers; failed sends are retried." : null }),
        stat("Pending", sms.pending)),
      group("Issue queue", "stats-queue",
        stat("Waiting", queue.depth, { id: "stat-queue-depth" }),
        stat("Dead letters", queue.deadLetters, { warn: dead > 0, id: "stat-dead-letters", hint: dead > 0 ? "Need attention: see the operations guide." : null }))),
    issuedChart(Array.isArray(data.issuedPerDay) ? data.issuedPerDay : [], { width }),
    el("div", { class: "stat-groups" },
      breakdown("By vaccination centre", "by-centre", data.issuedByCentre, "Centre"),
      breakdown("By vaccine", "by-vaccine", data.issuedByVaccine, "Vaccine"),
      breakdown("By dose", "by-dose", data.issuedByDose, "Dose", (d) => `Dose ${d}`),
      delayGroup(data.issuanceDelay)),
  ];
}

export function setUpDashboard(ctx) {
  let loaded = null; // the last answer, redrawn when the window is resized
  let loading = null;
  let drawnWidth = 0;

  function draw() {
    const box = $("dashboard");
    drawnWidth = box.clientWidth;
    // The chart card's inner width: the panel minus the card's padding and border.
    const width = Math.max(300, box.clientWidth - 44);
    box.replaceChildren(...renderDashboard(loaded, { width }));
  }

  async function load() {
    const token = ctx.token();
    if (!token) return;
    const box = $("dashboard");
    box.setAttribute("aria-busy", "true");
    $("dashboard-updated").textContent = "Loading…";
    try {
      loaded = (await call("/v1/admin/dashboard", { token })) || {};
      draw();
      const at = new Date().toLocaleTimeString("en-JM", { hour: "2-digit", minute: "2-digit" });
      $("dashboard-updated").textContent = `Updated at ${at}.`;
    } catch (e) {
      if (ctx.authFailure(e)) return;
      $("dashboard-updated").textContent = "";
      box.replaceChildren(el("p", { class: "alert alert--error" }, `Could not load the dashboard: ${e.message}`));
    } finally {
      box.removeAttribute("aria-busy");
    }
  }

  function refresh() {
    if (!loading) loading = load().finally(() => { loading = null; });
    return loading;
  }

  $("refresh-dashboard").addEventListener("click", refresh);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const width = $("dashboard").clientWidth;
      if (loaded && !$("panel-dashboard").hidden && Math.abs(width - drawnWidth) > 40) draw();
    }, 200);
  });

  return {
    show() {
      if (!loaded) refresh();
    },
    clear() {
      loaded = null;
      $("dashboard").replaceChildren();
      $("dashboard-updated").textContent = "";
    },
  };
}
