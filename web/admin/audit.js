// Audit trail tab (GET /v1/admin/audit?hcid=|actor=|mobile=) and the audit table also used in a certificate's view.
import { call, el, fieldError, tenDigits } from "/common/api.js";

const $ = (id) => document.getElementById(id);

const ACTIONS = {
  "citizen.otp_requested": "Citizen asked for a sign-in code",
  "citizen.session": "Citizen signed in",
  "citizen.list": "Citizen listed certificates",
  "citizen.pdf": "Citizen downloaded a PDF",
  "staff.login": "Staff sign-in",
  "staff.search": "Staff search",
  "staff.print": "Staff printed a PDF",
  "admin.audit": "Admin viewed the audit trail",
  "admin.view": "Admin viewed a certificate",
  "admin.search": "Admin search",
  "admin.correct": "Correction",
  "admin.correction": "Correction",
  "admin.revoke": "Revocation",
  "admin.revocation": "Revocation",
  "certificate.issued": "Certificate issued",
  "certificate.superseded": "Certificate superseded",
  "certificate.revoked": "Certificate revoked",
  "ingest.issue": "Issued from the source system",
  "ingest.edit": "Source system edit applied",
  "ingest.edit_conflict": "Source edit changed a corrected field",
};

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso || "");
  return date.toLocaleString("en-JM", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
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
  if (Array.isArray(entry.resultHcids) && entry.resultHcids.length) {
    parts.push(`${entry.resultHcids.length} result${entry.resultHcids.length === 1 ? "" : "s"}`);
  }
  if (entry.reason) parts.push(`reason: ${entry.reason}`);
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
    const who = entry.actorLabel && entry.actorLabel !== entry.actor ? `${entry.actorLabel} (${entry.actor})` : entry.actor || "";
    const outcome = String(entry.outcome || "");
    return el("tr", { "data-action": entry.action || "", "data-entry": entry.entryId || "" },
      el("td", { "data-label": "When" }, el("time", { datetime: entry.at || "" }, when(entry.at))),
      el("td", { "data-label": "Who" }, el("span", { class: "audit-who" }, who), entry.role ? el("span", { class: "hint audit-role" }, ` ${entry.role}`) : null),
      el("td", { "data-label": "Action" }, ACTIONS[entry.action] || entry.action || "", " ", el("code", { class: "audit-code" }, entry.action || "")),
      el("td", { "data-label": "Outcome" }, el("span", { class: `outcome outcome--${outcome === "ok" ? "ok" : "other"}` }, outcome)),
      el("td", { "data-label": "Certificate" }, hcidCell),
      el("td", { "data-label": "Details" }, details(entry)),
      el("td", { "data-label": "From" }, entry.sourceIp || ""));
  });
  return el("div", { class: "table-wrap" },
    el("table", { class: "responsive-table audit-table", id },
      el("caption", {}, caption || `${entries.length} entries`),
      el("thead", {}, el("tr", {}, ...["When", "Who", "Action", "Outcome", "Certificate", "Details", "From"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)));
}

const LABELS = {
  hcid: ["Certificate ID (HCID)", "text"],
  actor: ["Staff username or actor", "text"],
  mobile: ["Citizen's mobile number", "tel"],
};

export function setUpAudit(ctx) {
  const by = $("audit-by");
  const input = $("audit-value");

  by.addEventListener("change", () => {
    const [label, type] = LABELS[by.value];
    $("audit-value-label").textContent = label;
    input.type = type;
    input.value = "";
    fieldError(input, "");
  });

  async function show(kind, value) {
    const token = ctx.token();
    if (!token) return;
    const params = new URLSearchParams({ [kind]: value, limit: "200" });
    const box = $("audit-results");
    let data;
    try {
      data = await call(`/v1/admin/audit?${params}`, { token });
    } catch (e) {
      if (ctx.authFailure(e)) return;
      if (e.status === 422 && e.problems.length) fieldError(input, e.problems.map((p) => `${p.problem}.`).join(" "));
      else ctx.error(`Could not load the audit trail: ${e.message}`);
      return;
    }
    const entries = (data && data.entries) || [];
    const what = { hcid: `certificate ${value}`, actor: value, mobile: "this mobile number" }[kind];
    box.replaceChildren(entries.length
      ? auditTable(entries, {
        caption: `${entries.length} entr${entries.length === 1 ? "y" : "ies"} for ${what}, newest first`,
        id: "audit-table",
        open: (hcid) => {
          ctx.showTab("certificates");
          ctx.openCertificate(hcid);
        },
      })
      : el("p", { class: "alert", id: "audit-empty" }, `No audit entries for ${what}.`));
  }

  $("audit-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    ctx.error("");
    fieldError(input, "");
    let value = input.value.trim();
    if (by.value === "mobile") {
      value = tenDigits(value);
      if (!value) {
        fieldError(input, "Enter a 10-digit Jamaican mobile number, for example 876-555-0123.");
        return input.focus();
      }
    } else if (by.value === "hcid") {
      value = value.toUpperCase().replace(/^URN:UVCI:01:[A-Z]{2}:/, "").replace(/#.$/, "");
    }
    if (!value) {
      fieldError(input, `Enter the ${LABELS[by.value][0].toLowerCase()}.`);
      return input.focus();
    }
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      await show(by.value, value);
    } finally {
      if (button) button.disabled = false;
    }
  });

  return {
    show,
    clear() {
      $("audit-results").replaceChildren();
      input.value = "";
    },
  };
}
