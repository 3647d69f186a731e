// Audit trail tab: recent activity newest first (GET /v1/admin/audit with from/to/action and the `next` cursor),
// or the entries of one certificate / actor / citizen's number (?hcid=|actor=|mobile=); every entry in words;
// CSV export of a date range (GET /v1/admin/audit/export). The audit table is also used in a certificate's view.
import { ApiError, call, el, fieldError, tenDigits } from "/common/api.js";

const $ = (id) => document.getElementById(id);

const ACTIONS = {
  "citizen.otp_requested": "Citizen asked for a sign-in code",
  "citizen.session": "Citizen signed in",
  "citizen.list": "Citizen listed certificates",
  "citizen.pdf": "Citizen downloaded a PDF",
  "citizen.shc": "Citizen downloaded a SMART Health Card",
  "citizen.sign_out": "Citizen signed out",
  "staff.login": "Staff sign-in",
  "staff.mfa": "Staff authenticator code",
  "staff.mfa_setup": "Staff authenticator set up",
  "staff.password_change": "Staff password change",
  "staff.search": "Staff search",
  "staff.print": "Staff printed a PDF",
  "staff.shc": "Staff downloaded a SMART Health Card",
  "staff.sign_out": "Staff signed out",
  "admin.audit": "Admin viewed the audit trail",
  "admin.audit_export": "Admin exported the audit trail",
  "admin.view": "Admin viewed a certificate",
  "admin.search": "Admin search",
  "admin.correct": "Correction",
  "admin.revoke": "Revocation",
  "admin.dashboard": "Admin viewed the dashboard",
  "admin.keys": "Admin viewed the keys",
  "admin.key_rotate": "Signing key rotated",
  "admin.key_withdraw": "Key withdrawn",
  "admin.revocation": "Revocation",
  "certificate.issued": "Certificate issued",
  "certificate.superseded": "Certificate superseded",
  "certificate.revoked": "Certificate revoked",
  "ingest.issue": "Issued from the source system",
  "ingest.edit": "Source system edit applied",
  "ingest.edit_conflict": "Source edit changed a corrected field",
};

const ROLES = { staff: "Facility staff", admin: "Administrator", citizen: "Citizen", system: "Source system" };

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso || "");
  return date.toLocaleString("en-JM", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function masked(e164) {
  const digits = String(e164 || "").replace(/\D/g, "").replace(/^1(?=\d{10}$)/, "");
  return digits.length === 10 ? `${digits.slice(0, 3)}•••${digits.slice(-4)}` : "a number";
}

function dmy(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : String(iso || "");
}

/** What was searched, in words: "mobile 876•••1234", "date of birth 14/02/1990 and name “reid”". */
function searched(query) {
  const q = query || {};
  const parts = [];
  if (q.hcid) parts.push(`certificate ${q.hcid}`);
  if (q.legacyId) parts.push(`DIVOC certificate ${q.legacyId}`);
  if (q.mobile) parts.push(`mobile ${masked(q.mobile)}`);
  if (q.dob) parts.push(`date of birth ${dmy(q.dob)}`);
  if (q.name) parts.push(`name “${q.name}”`);
  return parts.length ? parts.join(" and ") : "certificates";
}

function results(entry) {
  const n = Array.isArray(entry.resultHcids) ? entry.resultHcids.length : null;
  return n === null ? "" : `: ${n} result${n === 1 ? "" : "s"}`;
}

const REFUSED = { denied: "refused (wrong code or password)", not_found: "nothing found", conflict: "refused by the certificate's state", challenged: "a further sign-in step was asked" };

/** One entry as a sentence: "Facility staff jdoe searched mobile 876•••1234: 3 results". */
export function describe(entry) {
  const q = entry.query && typeof entry.query === "object" ? entry.query : {};
  const who = `${ROLES[entry.role] || "Someone"} ${entry.role === "citizen" ? entry.actorLabel || "" : entry.actor || ""}`.replace(/\s+/g, " ").trim();
  const cert = entry.hcid ? `certificate ${entry.hcid}` : "a certificate";
  const did = {
    "citizen.otp_requested": () => "asked for a sign-in code",
    "citizen.session": () => "signed in with a code",
    "citizen.list": () => `listed their certificates${results(entry)}`,
    "citizen.pdf": () => `downloaded ${cert}`,
    "citizen.shc": () => `downloaded the SMART Health Card of ${cert}`,
    "citizen.sign_out": () => "signed out",
    "staff.login": () => "signed in",
    "staff.sign_out": () => "signed out",
    "staff.shc": () => `downloaded the SMART Health Card of ${cert}`,
    "staff.mfa": () => "entered an authenticator code",
    "staff.mfa_setup": () => "set up an authenticator app",
    "staff.password_change": () => "changed their password",
    "staff.search": () => `searched ${searched(q)}${results(entry)}`,
    "staff.print": () => `sent ${cert} to the printer${q.printAnyway ? ` although it is ${String(q.status || "not valid").toLowerCase()} (print anyway)` : ""}`,
    "admin.search": () => `searched ${searched(q)}${results(entry)}`,
    "admin.view": () => (q.preview ? `previewed a correction of ${cert}` : `viewed ${cert}`),
    "admin.correct": () => `corrected ${cert}${entry.resultHcids && entry.resultHcids.length ? ` (new certificate ${entry.resultHcids[0]})` : ""}${q.reason ? `: “${q.reason}”` : ""}`,
    "admin.revoke": () => `revoked ${cert}${q.reason ? `: “${q.reason}”` : ""}`,
    "admin.dashboard": () => "viewed the dashboard",
    "admin.audit": () => `viewed the audit trail${q.hcid ? ` of certificate ${q.hcid}` : q.actor ? ` of ${q.actor}` : q.mobile ? ` of mobile ${masked(q.mobile)}` : q.from ? ` from ${when(q.from)}` : ""}`,
    "admin.audit_export": () => `exported the audit trail${q.from ? ` from ${when(q.from)} to ${when(q.to)}` : ""}`,
    "admin.keys": () => "viewed the signing keys",
    "admin.key_rotate": () => `rotated the signing key${q.kid ? ` (new key ${q.kid})` : ""}`,
    "admin.key_withdraw": () => `withdrew key ${q.kid || ""}${q.reason ? `: “${q.reason}”` : ""}`,
    "ingest.issue": () => `issued ${cert} from its event`,
    "ingest.edit": () => `applied an edit to ${cert}${Array.isArray(q.fields) && q.fields.length ? ` (${q.fields.join(", ")})` : ""}`,
    "ingest.edit_conflict": () => `edited ${cert}, changing fields an administrator had corrected${Array.isArray(q.fields) && q.fields.length ? ` (${q.fields.join(", ")})` : ""}`,
  }[entry.action];
  const what = did ? did() : `${ACTIONS[entry.action] || entry.action || "did something"}`;
  const outcome = entry.outcome && entry.outcome !== "ok" ? ` — ${REFUSED[entry.outcome] || entry.outcome}` : "";
  return `${who} ${what}${outcome}`;
}

function details(entry) {
  const parts = [];
  const query = entry.query && typeof entry.query === "object" ? entry.query : null;
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v === null || v === undefined || v === "") continue;
      parts.push(`${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`);
    }
  }
  return parts.join(" · ");
}

/**
 * A table of audit entries.
 * @param open (hcid) => void, to make HCIDs clickable (opens the certificate)
 */
export function auditTable(entries, { caption, open = null, id = null } = {}) {
  const rows = entries.map((entry) => {
    const hcid = entry.hcid;
    const hcidCell = hcid
      ? open
        ? (() => {
          const b = el("button", { type: "button", class: "button--link hcid-link", "data-hcid": hcid }, hcid);
          b.addEventListener("click", () => open(hcid));
          return b;
        })()
        : el("code", {}, hcid)
      : "";
    const outcome = String(entry.outcome || "");
    return el("tr", { "data-action": entry.action || "", "data-entry": entry.entryId || "" },
      el("td", { "data-label": "When" }, el("time", { datetime: entry.at || "" }, when(entry.at))),
      el("td", { "data-label": "What happened" }, el("span", { class: "audit-words" }, describe(entry)), " ", el("code", { class: "audit-code" }, entry.action || "")),
      el("td", { "data-label": "Outcome" }, el("span", { class: `outcome outcome--${outcome === "ok" ? "ok" : "other"}` }, outcome)),
      el("td", { "data-label": "Certificate" }, hcidCell),
      el("td", { "data-label": "Details" }, details(entry)),
      el("td", { "data-label": "From" }, entry.sourceIp || ""));
  });
  return el("div", { class: "table-wrap" },
    el("table", { class: "responsive-table audit-table", id },
      el("caption", {}, caption || `${entries.length} entries`),
      el("thead", {}, el("tr", {}, ...["When", "What happened", "Outcome", "Certificate", "Details", "From"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)));
}

const LABELS = {
  hcid: ["Certificate ID (HCID)", "text"],
  actor: ["Staff username or actor", "text"],
  mobile: ["Citizen's mobile number", "tel"],
};

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function setUpAudit(ctx) {
  const by = $("audit-by");
  const input = $("audit-value");
  const actionSelect = $("audit-action");
  for (const [value, label] of Object.entries(ACTIONS)) actionSelect.append(el("option", { value }, label));
  let shown = []; // entries on screen (recent activity pages append)
  let next = null;
  let filters = null;

  by.addEventListener("change", () => {
    $("audit-value-field").hidden = by.value === "recent";
    if (by.value === "recent") return;
    const [label, type] = LABELS[by.value];
    $("audit-value-label").textContent = label;
    input.type = type;
    input.value = "";
    fieldError(input, "");
  });

  function caption(kind, value, count) {
    const what = { recent: "recent activity", hcid: `certificate ${value}`, actor: value, mobile: "this mobile number" }[kind];
    return `${count} entr${count === 1 ? "y" : "ies"} for ${what}, newest first`;
  }

  function render(kind, value) {
    const box = $("audit-results");
    $("audit-more").hidden = !next;
    const what = { recent: "in this period", hcid: `for certificate ${value}`, actor: `for ${value}`, mobile: "for this mobile number" }[kind];
    box.replaceChildren(shown.length
      ? auditTable(shown, {
        caption: caption(kind, value, shown.length) + (next ? " (older entries: see below)" : ""),
        id: "audit-table",
        open: (hcid) => {
          ctx.showTab("certificates");
          ctx.openCertificate(hcid);
        },
      })
      : el("p", { class: "alert", id: "audit-empty" }, `No audit entries ${what}.`));
  }

  function inRange(entry, f) {
    if (f.action && entry.action !== f.action) return false;
    const day = String(entry.at || "").slice(0, 10);
    if (f.from && day < f.from) return false;
    if (f.to && day > f.to) return false;
    return true;
  }

  /** Show entries: kind "recent" (by time, paged) or hcid / actor / mobile (filtered here by action and dates). */
  async function show(kind, value, f = { action: "", from: "", to: "" }, { more = false } = {}) {
    const token = ctx.token();
    if (!token) return;
    const params = new URLSearchParams({ limit: kind === "recent" ? "50" : "500" });
    if (kind === "recent") {
      if (f.from) params.set("from", f.from);
      if (f.to) params.set("to", f.to);
      if (f.action) params.set("action", f.action);
      if (more && next) params.set("next", next);
    } else {
      params.set(kind, value);
    }
    let data;
    try {
      data = await call(`/v1/admin/audit?${params}`, { token });
    } catch (e) {
      if (ctx.authFailure(e)) return;
      if (e.status === 422 && e.problems.length) {
        const target = { from: $("audit-from"), to: $("audit-to"), action: actionSelect }[e.problems[0].field] || input;
        fieldError(target, e.problems.map((p) => `${p.problem}.`).join(" "));
      } else ctx.error(`Could not load the audit trail: ${e.message}`);
      return;
    }
    const entries = ((data && data.entries) || []).filter((entry) => kind === "recent" || inRange(entry, f));
    shown = more ? shown.concat(entries) : entries;
    next = kind === "recent" ? (data && data.next) || null : null;
    filters = { kind, value, f };
    render(kind, value);
  }

  function readFilters() {
    const f = { action: actionSelect.value, from: $("audit-from").value, to: $("audit-to").value };
    if (f.from && f.to && f.from > f.to) {
      fieldError($("audit-from"), "The first day is after the last day.");
      return null;
    }
    return f;
  }

  $("audit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    ctx.error("");
    for (const box of [input, $("audit-from"), $("audit-to"), actionSelect]) fieldError(box, "");
    const f = readFilters();
    if (!f) return $("audit-from").focus();
    let value = input.value.trim();
    if (by.value === "mobile") {
      value = tenDigits(value);
      if (!value) {
        fieldError(input, "Enter a 10-digit Jamaican mobile number, for example 876-555-0123.");
        return input.focus();
      }
    } else if (by.value === "hcid") {
      value = value.toUpperCase().replace(/\s+/g, "").replace(/^URN:UVCI:01:[A-Z]{2}:/, "").replace(/#.$/, "");
    }
    if (by.value !== "recent" && !value) {
      fieldError(input, `Enter the ${LABELS[by.value][0].toLowerCase()}.`);
      return input.focus();
    }
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      await show(by.value, value, f);
    } finally {
      if (button) button.disabled = false;
    }
  });

  $("audit-more").addEventListener("click", async () => {
    if (!filters || !next) return;
    const button = $("audit-more");
    button.disabled = true;
    const before = shown.length;
    try {
      await show(filters.kind, filters.value, filters.f, { more: true });
    } finally {
      button.disabled = false;
    }
    const first = document.querySelectorAll("#audit-table tbody tr")[before];
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  });

  $("audit-export").addEventListener("click", async () => {
    ctx.error("");
    for (const box of [$("audit-from"), $("audit-to")]) fieldError(box, "");
    const f = readFilters();
    if (!f) return $("audit-from").focus();
    const to = f.to || isoDay(new Date());
    const from = f.from || isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86400000));
    if ((Date.parse(to) - Date.parse(from)) / 86400000 > 30) {
      fieldError($("audit-from"), "An export covers at most 31 days: choose a later first day.");
      return $("audit-from").focus();
    }
    const token = ctx.token();
    if (!token) return;
    const button = $("audit-export");
    button.disabled = true;
    try {
      const response = await fetch(`/v1/admin/audit/export?${new URLSearchParams({ from, to })}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: "text/csv" },
        cache: "no-store",
        credentials: "omit",
      });
      if (response.status === 401 || response.status === 403) {
        ctx.authFailure(new ApiError(response.status, "not signed in as an administrator"));
        return;
      }
      if (!response.ok) {
        let message = `The service answered ${response.status}.`;
        try {
          const body = await response.json();
          message = (body.errors && body.errors.map((p) => p.problem).join("; ")) || body.message || message;
        } catch {
          // not JSON
        }
        ctx.error(`Could not export the audit trail: ${message}`);
        return;
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = el("a", { href: url, download: `vaxcert-audit-${from}-to-${to}.csv`, id: "audit-download", hidden: true });
      document.body.append(link);
      link.click();
      setTimeout(() => {
        URL.revokeObjectURL(url);
        link.remove();
      }, 60000);
      ctx.notice(`Audit trail from ${dmy(from)} to ${dmy(to)} downloaded as CSV.`);
    } catch {
      ctx.error("We could not reach the service. Check your internet connection and try again.");
    } finally {
      button.disabled = false;
    }
  });

  return {
    show,
    clear() {
      $("audit-results").replaceChildren();
      $("audit-more").hidden = true;
      shown = [];
      next = null;
      input.value = "";
    },
  };
}
