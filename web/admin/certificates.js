// Certificates tab: find (HCID, mobile, dob + name), the certificate with its version history and audit trail,
// the correction form (a confirmation of the changes and the SMS first, then 202 -> the new certificate, once issued) and revocation (a confirm dialog with a reason).
import { call, el, fieldError, formatDate, tenDigits } from "/common/api.js";
import { auditTable } from "/admin/audit.js";

const $ = (id) => document.getElementById(id);

export const ADMIN_STATUS = {
  VALID: { label: "Valid", badge: "badge--active" },
  SUPERSEDED: { label: "Superseded", badge: "badge--inactive" },
  REVOKED: { label: "Revoked", badge: "badge--revoked" },
};

export function adminStatus(value) {
  return ADMIN_STATUS[value] || { label: value || "Unknown", badge: "badge--inactive" };
}

export function statusBadge(value) {
  const status = adminStatus(value);
  return el("span", { class: `badge ${status.badge}`, "data-status": value || "" }, status.label);
}

/** "URN:UVCI:01:JM:ABC...#X", "abc 123" -> "ABC123". */
export function normaliseHcid(raw) {
  let text = String(raw || "").trim().toUpperCase();
  const uvci = /^URN:UVCI:01:[A-Z]{2}:([0-9A-Z]+)(#.)?$/.exec(text);
  if (uvci) text = uvci[1];
  text = text.replace(/[\s-]+/g, "");
  return /^[0-9A-Z]{8,40}$/.test(text) ? text : null;
}

export function formatDateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString("en-JM", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

function first(...values) {
  for (const v of values) if (v !== undefined && v !== null && v !== "") return v;
  return null;
}

/** The correctable fields of a certificate, from whichever shape the API gives (flat, person/vaccination, record). */
export function correctable(c) {
  // GET /v1/admin/certificates/{hcid} gives them in `fields`, named as the corrections endpoint takes them.
  const f = c.fields || {};
  const identifier = first(f.identifier, c.identifier) || {};
  const [given, ...family] = String(c.name || "").split(" ");
  const givenName = first(f.givenName, c.givenName);
  const familyName = first(f.familyName, c.familyName);
  return {
    givenName: givenName ?? (familyName ? "" : given || ""),
    familyName: familyName ?? family.join(" "),
    birthDate: first(f.birthDate, c.birthDate, c.dob) || "",
    sex: String(first(f.sex, c.sex) || ""),
    identifierType: first(identifier.type) || "",
    identifierValue: first(identifier.value) || "",
    mobile: first(f.mobile, c.mobile) || "",
    vaccine: String(first(f.vaccine, c.vaccineKey, c.vaccine) || ""),
    lot: first(f.lot, c.lot) || "",
    date: first(f.date, c.date) || "",
    dose: String(first(f.dose, c.dose) ?? ""),
    totalDoses: String(first(f.totalDoses, c.totalDoses) ?? ""),
    centre: first(f.centre, c.centre) || "",
    practitioner: first(f.practitioner, c.practitioner) || "",
  };
}

const FORM_FIELDS = ["givenName", "familyName", "birthDate", "sex", "identifierType", "identifierValue", "mobile",
  "vaccine", "lot", "date", "dose", "totalDoses", "centre"];
// API error field -> input id
const ERROR_INPUT = {
  identifier: "c-identifierValue", "identifier.type": "c-identifierType", "identifier.value": "c-identifierValue",
  reason: "c-reason",
};

function smsText(c) {
  const status = first(c.smsStatus, c.sms && c.sms.status, typeof c.sms === "string" ? c.sms : null);
  if (!status) return null;
  const labels = { SENT: "Sent", PENDING: "Waiting to be sent", SENDING: "Being sent", FAILED: "Failed", NONE: "No mobile number", NO_MOBILE: "No mobile number" };
  const at = first(c.smsSentAt, c.sms && c.sms.sentAt);
  return `${labels[status] || status}${at ? ` (${formatDateTime(at)})` : ""}`;
}

export function setUpCertificates(ctx) {
  let current = null; // the certificate shown
  let searchRoute = "admin"; // "admin" until the admin search turns out not to exist, then "facility"
  let loadSeq = 0;

  // ---------------------------------------------------------------- find

  for (const radio of document.querySelectorAll('input[name="find-by"]')) {
    radio.addEventListener("change", () => {
      const by = document.querySelector('input[name="find-by"]:checked').value;
      $("find-by-hcid").hidden = by !== "hcid";
      $("find-by-mobile").hidden = by !== "mobile";
      $("find-by-person").hidden = by !== "person";
    });
  }

  $("find-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    ctx.error("");
    for (const id of ["find-hcid", "find-mobile", "find-dob", "find-name"]) fieldError($(id), "");
    const by = document.querySelector('input[name="find-by"]:checked').value;
    if (by === "hcid") {
      const hcid = normaliseHcid($("find-hcid").value);
      if (!hcid) {
        fieldError($("find-hcid"), "Enter the certificate ID: letters and digits, as printed under the QR code.");
        return $("find-hcid").focus();
      }
      $("find-results").replaceChildren();
      return open(hcid, { announce: true });
    }
    const params = new URLSearchParams();
    if (by === "mobile") {
      const digits = tenDigits($("find-mobile").value);
      if (!digits) {
        fieldError($("find-mobile"), "Enter a 10-digit Jamaican mobile number, for example 876-555-0123.");
        return $("find-mobile").focus();
      }
      params.set("mobile", digits);
    } else {
      const dob = $("find-dob").value;
      const name = $("find-name").value.trim();
      if (!dob) fieldError($("find-dob"), "Enter the date of birth.");
      if (name.length < 2) fieldError($("find-name"), "Enter at least 2 letters of the family or given name.");
      if (!dob) return $("find-dob").focus();
      if (name.length < 2) return $("find-name").focus();
      params.set("dob", dob);
      params.set("name", name);
    }
    const token = ctx.token();
    if (!token) return;
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      renderResults(await search(params, token));
    } catch (e) {
      if (ctx.authFailure(e)) return;
      if (e.status === 422 && e.problems.length) {
        const inputs = { mobile: "find-mobile", dob: "find-dob", name: "find-name" };
        for (const p of e.problems) if (inputs[p.field]) fieldError($(inputs[p.field]), `${p.problem}.`);
        ctx.error("Check the search details.");
      } else {
        ctx.error(e.message);
      }
    } finally {
      if (button) button.disabled = false;
    }
  });

  async function search(params, token) {
    if (searchRoute === "admin") {
      try {
        return await call(`/v1/admin/certificates?${params}`, { token });
      } catch (e) {
        if (e.status !== 404 && e.status !== 405) throw e;
        searchRoute = "facility"; // no admin search: the facility search takes ministry-admin tokens too
      }
    }
    return call(`/v1/facility/certificates?${params}`, { token });
  }

  function renderResults(data) {
    const certificates = (data && data.certificates) || [];
    const box = $("find-results");
    hideDetail();
    if (!certificates.length) {
      box.replaceChildren(el("p", { class: "alert", id: "find-summary" }, "No certificates found. Check the details, or try another kind of search."));
      return;
    }
    const count = `${certificates.length} certificate${certificates.length === 1 ? "" : "s"} found`;
    const rows = certificates.map((c) => {
      const button = el("button", { type: "button", class: "button button--small", "aria-label": `Open ${c.name}, dose ${c.dose}, ${c.hcid}` }, "Open");
      button.addEventListener("click", () => open(c.hcid, { focus: true }));
      return el("tr", { "data-hcid": c.hcid },
        el("td", { "data-label": "Name" }, c.name || ""),
        el("td", { "data-label": "Date of birth" }, formatDate(c.dob)),
        el("td", { "data-label": "Dose" }, c.totalDoses ? `${c.dose} of ${c.totalDoses}` : String(c.dose ?? "")),
        el("td", { "data-label": "Vaccine" }, c.vaccine || ""),
        el("td", { "data-label": "Date" }, formatDate(c.date)),
        el("td", { "data-label": "Status" }, statusBadge(c.status)),
        el("td", { "data-label": "Certificate ID" }, el("code", {}, c.hcid)),
        el("td", { "data-label": "" }, button));
    });
    const table = el("table", { class: "responsive-table" },
      el("caption", { id: "find-summary" }, data.truncated ? `${count} (more match: narrow the search)` : count),
      el("thead", {}, el("tr", {}, ...["Name", "Date of birth", "Dose", "Vaccine", "Date", "Status", "Certificate ID", ""].map((h) => el("th", { scope: "col" }, h || el("span", { class: "visually-hidden" }, "Open"))))),
      el("tbody", {}, ...rows));
    box.replaceChildren(el("div", { class: "table-wrap" }, table));
  }

  // ---------------------------------------------------------------- detail

  function hideDetail() {
    current = null;
    $("detail").hidden = true;
    $("correct-form").hidden = true;
    $("correct-confirm").hidden = true;
  }

  async function fetchCertificate(hcid) {
    const token = ctx.token();
    if (!token) return null;
    return call(`/v1/admin/certificates/${encodeURIComponent(hcid)}`, { token });
  }

  /** Load and show a certificate. Returns it, or null (the error has been shown). */
  async function open(hcid, { focus = true, announce = false } = {}) {
    const seq = ++loadSeq;
    let data;
    try {
      data = await fetchCertificate(hcid);
    } catch (e) {
      if (ctx.authFailure(e)) return null;
      if (e.status === 404) {
        hideDetail();
        ctx.error(`No certificate with the ID ${hcid}.`);
        $("find-hcid").focus();
      } else {
        ctx.error(`Could not load certificate ${hcid}: ${e.message}`);
      }
      return null;
    }
    if (!data || seq !== loadSeq) return null;
    const c = data.certificate || data;
    render(c, data);
    if (announce) ctx.notice(`Certificate ${c.hcid || hcid} found.`);
    if (focus) $("detail-heading").focus();
    return c;
  }

  function render(c, data) {
    current = c;
    const status = c.status || "";
    $("detail").hidden = false;
    $("detail").dataset.hcid = c.hcid;
    $("detail").dataset.status = status;
    $("detail-heading").textContent = c.name || c.hcid;
    const badge = statusBadge(status);
    badge.id = "detail-status";
    $("detail-status").replaceWith(badge);

    const replaced = $("detail-replaced");
    replaced.replaceChildren();
    replaced.hidden = true;
    if (c.supersededBy || c.supersedes) {
      if (c.supersededBy) replaced.append("Replaced by the corrected certificate ", hcidLink(c.supersededBy), ". ");
      if (c.supersedes) replaced.append("Corrects certificate ", hcidLink(c.supersedes), ".");
      replaced.hidden = false;
    }

    const person = correctable(c);
    const identifier = person.identifierValue ? `${person.identifierType || "ID"} ${person.identifierValue}` : null;
    const facts = [
      ["Certificate ID", el("code", {}, c.hcid)],
      ["Status", adminStatus(status).label + (c.revokedAt ? ` since ${formatDateTime(c.revokedAt)}` : "")],
      ["Revocation reason", first(c.revocationReason, c.reason)],
      ["Version", c.version != null ? String(c.version) : null],
      ["Name", c.name],
      ["Date of birth", formatDate(c.dob || person.birthDate)],
      ["Sex", person.sex ? person.sex.charAt(0).toUpperCase() + person.sex.slice(1) : null],
      ["Identifier", identifier],
      ["Mobile", person.mobile || null],
      ["Vaccine", c.vaccine],
      ["Dose", c.dose != null ? (c.totalDoses ? `${c.dose} of ${c.totalDoses}` : String(c.dose)) : null],
      ["Vaccination date", formatDate(c.date)],
      ["Lot", person.lot || null],
      ["Centre", person.centre || null],
      ["Practitioner", person.practitioner || null],
      ["Issued", formatDateTime(c.issuedAt)],
      ["Expires", formatDateTime(c.expiresAt)],
      ["Signing key (kid)", c.kid ? el("code", {}, c.kid) : null],
      ["SMS", smsText(c)],
    ];
    $("detail-fields").replaceChildren(...facts.filter(([, v]) => v).map(([label, value]) =>
      el("div", { class: "facts__row" }, el("dt", {}, label), el("dd", { "data-field": label }, value))));

    if (c.correctionPending) {
      replaced.append(el("span", { id: "correction-pending" }, " A correction of this certificate is being issued."));
      replaced.hidden = false;
    }

    const active = status === "VALID" && !c.correctionPending;
    $("open-correct").disabled = !active;
    $("open-revoke").disabled = !active;
    const hint = $("actions-hint");
    hint.hidden = active;
    hint.replaceChildren();
    if (!active) {
      hint.append(c.correctionPending && status === "VALID"
        ? "A correction is being issued: wait for it, then work on the new version (Reload)."
        : status === "SUPERSEDED"
        ? "This version was replaced by a correction: it cannot be corrected or revoked. Work on the current version."
        : "This certificate is revoked: it cannot be corrected or revoked again.");
    }
    $("correct-form").hidden = true;
    $("correct-confirm").hidden = true;

    renderHistory(c, data.history || c.history || []);
    const entries = data.audit || c.audit || [];
    const auditBox = $("detail-audit");
    auditBox.replaceChildren(entries.length
      ? auditTable(entries, { caption: `${entries.length} entr${entries.length === 1 ? "y" : "ies"}, newest first`, open: (hcid) => open(hcid), id: "detail-audit-table" })
      : el("p", { class: "hint" }, "No audit entries for this certificate."));
  }

  function hcidLink(hcid) {
    const button = el("button", { type: "button", class: "button--link hcid-link", "data-hcid": hcid }, hcid);
    button.addEventListener("click", () => open(hcid));
    return button;
  }

  function renderHistory(c, history) {
    const versions = history.length ? [...history] : [c];
    versions.sort((a, b) => (Number(b.version) || 0) - (Number(a.version) || 0));
    const named = versions.some((v) => v.name);
    const rows = versions.map((v) => {
      const isCurrent = v.hcid === c.hcid;
      return el("tr", { "data-hcid": v.hcid, "data-status": v.status || "", "aria-current": isCurrent ? "true" : null, class: isCurrent ? "is-current" : null },
        el("td", { "data-label": "Version" }, v.version != null ? String(v.version) : ""),
        el("td", { "data-label": "Certificate ID" }, isCurrent ? el("span", {}, el("code", {}, v.hcid), " (shown)") : hcidLink(v.hcid)),
        el("td", { "data-label": "Status" }, statusBadge(v.status)),
        named ? el("td", { "data-label": "Name" }, v.name || "") : null,
        el("td", { "data-label": "Issued" }, formatDateTime(v.issuedAt)),
        el("td", { "data-label": "Note" }, first(v.correctionReason, v.revocationReason, v.reason) || ""));
    });
    $("history").replaceChildren(el("table", { class: "responsive-table", id: "history-table" },
      el("caption", { class: "visually-hidden" }, "Versions of this certificate, newest first"),
      el("thead", {}, el("tr", {}, ...["Version", "Certificate ID", "Status", named ? "Name" : null, "Issued", "Note"].filter(Boolean).map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)));
  }

  $("reload-detail").addEventListener("click", () => current && open(current.hcid, { focus: false }));

  // ---------------------------------------------------------------- correct

  let original = null;

  $("open-correct").addEventListener("click", () => {
    if (!current) return;
    original = correctable(current);
    for (const name of FORM_FIELDS) {
      const input = $(`c-${name}`);
      input.value = original[name] ?? "";
      fieldError(input, "");
    }
    if ($("c-sex").value !== original.sex) $("c-sex").value = ""; // an unexpected value: "Not recorded"
    $("c-reason").value = "";
    fieldError($("c-reason"), "");
    $("correct-form").hidden = false;
    $("correct-heading").focus();
  });

  $("cancel-correct").addEventListener("click", () => {
    $("correct-form").hidden = true;
    $("correct-confirm").hidden = true;
    $("open-correct").focus();
  });

  function changes() {
    const body = {};
    const value = (name) => $(`c-${name}`).value.trim();
    for (const name of ["givenName", "familyName", "birthDate", "sex", "mobile", "vaccine", "lot", "date", "centre"]) {
      if (value(name) !== String(original[name] ?? "").trim()) body[name] = value(name);
    }
    for (const name of ["dose", "totalDoses"]) {
      if (value(name) !== String(original[name] ?? "").trim()) body[name] = value(name) === "" ? null : Number(value(name));
    }
    if (value("identifierType") !== original.identifierType || value("identifierValue") !== original.identifierValue) {
      body.identifier = value("identifierValue") ? { type: value("identifierType") || "TRN", value: value("identifierValue") } : null;
    }
    return body;
  }

  $("correct-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    ctx.error("");
    for (const name of [...FORM_FIELDS, "reason"]) fieldError($(`c-${name}`), "");
    const body = changes();
    const reason = $("c-reason").value.trim();
    let firstBad = null;
    if (!Object.keys(body).length) {
      ctx.error("Nothing was changed. Change the wrong fields, then issue the corrected certificate.");
      firstBad = $("c-givenName");
    }
    for (const name of ["dose", "totalDoses"]) {
      if (name in body && body[name] !== null && !(Number.isInteger(body[name]) && body[name] >= 1 && body[name] <= 9)) {
        fieldError($(`c-${name}`), "Enter a whole number from 1 to 9.");
        firstBad = firstBad || $(`c-${name}`);
      }
    }
    if (body.mobile && !tenDigits(body.mobile)) {
      fieldError($("c-mobile"), "Enter a 10-digit Jamaican mobile number, for example 876-555-0123.");
      firstBad = firstBad || $("c-mobile");
    }
    if (!reason) {
      fieldError($("c-reason"), "Give the reason for the correction.");
      firstBad = firstBad || $("c-reason");
    }
    if (firstBad) return firstBad.focus();
    if (body.mobile) body.mobile = tenDigits(body.mobile);
    const token = ctx.token();
    if (!token) return;
    const button = event.submitter;
    if (button) button.disabled = true;
    let preview;
    try {
      // Nothing is issued yet: the API answers what would change and the SMS the holder will get.
      preview = await call(`/v1/admin/certificates/${encodeURIComponent(current.hcid)}/corrections?preview=true`, { method: "POST", token, body: { ...body, reason } });
    } catch (e) {
      if (button) button.disabled = false;
      correctionRefused(e);
      return;
    }
    if (button) button.disabled = false;
    showConfirmation(preview, body, reason);
  });

  function correctionRefused(e) {
    if (ctx.authFailure(e)) return;
    if (e.status === 409) {
      ctx.error(`This certificate cannot be corrected: ${e.message}. Reload it to see its current state.`);
    } else if (e.status === 422 && e.problems.length) {
      const unplaced = [];
      for (const p of e.problems) {
        const key = String(p.field || "");
        const input = $(ERROR_INPUT[key] || `c-${key.split(".").pop()}`) || $(`c-${key.split(".")[0]}`);
        if (input) fieldError(input, `${p.problem}.`);
        else unplaced.push(`${key}: ${p.problem}`);
      }
      ctx.error(`The correction was refused. ${unplaced.length ? unplaced.join("; ") + "." : "Check the highlighted fields."}`);
      const bad = document.querySelector('#correct-form [aria-invalid="true"]');
      if (bad) bad.focus();
    } else {
      ctx.error(`The correction failed: ${e.message}`);
    }
  }

  const FIELD_LABELS = {
    givenName: "Given name", familyName: "Family name", birthDate: "Date of birth", sex: "Sex", identifier: "Identifier",
    mobile: "Mobile number", vaccine: "Vaccine", lot: "Lot (batch) number", date: "Vaccination date", dose: "Dose number",
    totalDoses: "Doses in the series", centre: "Vaccination centre", practitioner: "Vaccinator", nextDose: "Next dose due",
  };

  function shown(value) {
    if (value === null || value === undefined || value === "") return "(none)";
    if (typeof value === "object") return [value.type, value.value].filter(Boolean).join(" ");
    return String(value);
  }

  /** The confirmation: each changed field (old -> new) and the SMS, then issue or go back to the form. */
  function showConfirmation(preview, body, reason) {
    const old = current.hcid;
    $("correct-form").hidden = true;
    const box = $("correct-confirm");
    const changes = (preview.changes || []).map((c) => el("li", { "data-field": c.field },
      `${FIELD_LABELS[c.field] || c.field}: `, el("del", {}, shown(c.from)), " → ", el("ins", {}, shown(c.to))));
    const sms = preview.sms || {};
    const issue = el("button", { type: "button", class: "button", id: "confirm-correct" }, "Issue corrected certificate");
    const back = el("button", { type: "button", class: "button button--secondary", id: "back-correct" }, "Back to the form");
    box.replaceChildren(
      el("h3", { id: "correct-confirm-heading", tabindex: "-1" }, "Check the correction before it is issued"),
      el("p", {}, `Certificate ${old} will be replaced by a new certificate (version ${preview.version}); the current one stops verifying.`),
      changes.length ? el("ul", { class: "changes", id: "correct-changes" }, ...changes) : el("p", { id: "correct-changes" }, "No field changes: the certificate is re-issued as it is."),
      el("p", {}, el("strong", {}, "Reason: "), reason),
      sms.text
        ? el("div", {}, el("p", {}, `The holder gets this SMS at ${sms.to}:`), el("p", { class: "sms-preview", id: "correct-sms" }, sms.text))
        : el("p", { id: "correct-sms" }, "No SMS: there is no mobile number on the certificate."),
      el("div", { class: "button-row" }, issue, back));
    box.hidden = false;
    $("correct-confirm-heading").focus();
    back.addEventListener("click", () => {
      box.hidden = true;
      $("correct-form").hidden = false;
      $("correct-heading").focus();
    });
    issue.addEventListener("click", () => issueCorrection(old, body, reason, issue));
  }

  async function issueCorrection(old, body, reason, button) {
    const token = ctx.token();
    if (!token) return;
    button.disabled = true;
    let result;
    try {
      result = await call(`/v1/admin/certificates/${encodeURIComponent(old)}/corrections`, { method: "POST", token, body: { ...body, reason } });
    } catch (e) {
      button.disabled = false;
      $("correct-confirm").hidden = true;
      $("correct-form").hidden = false;
      correctionRefused(e);
      return;
    }
    $("correct-confirm").hidden = true;
    $("correct-form").hidden = true;
    $("find-results").replaceChildren(); // its statuses are out of date now
    const fresh = result && result.hcid;
    ctx.notice(`Correction accepted: certificate ${fresh} replaces ${old}. Waiting for it to be issued…`);
    const shown = fresh ? await waitFor(fresh) : null;
    button.disabled = false;
    if (shown) {
      ctx.notice(`Corrected certificate ${fresh} issued; ${old} is now superseded. The holder is told by SMS.`);
    } else {
      ctx.notice(`Correction accepted: certificate ${fresh} replaces ${old}. It is not issued yet; use Reload in a moment.`);
      await open(old);
    }
  }

  /** The corrected certificate is issued through the queue: poll for it (about 30 s at most). */
  async function waitFor(hcid) {
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    await pause(800); // issuing takes about a second: fewer "not found" views in the audit trail
    for (let i = 0; i < 30; i++) {
      try {
        const data = await fetchCertificate(hcid);
        if (data) {
          render(data.certificate || data, data);
          $("detail-heading").focus();
          return data;
        }
      } catch (e) {
        if (ctx.authFailure(e)) return null;
        if (e.status !== 404) break;
      }
      await pause(1000);
    }
    return null;
  }

  // ---------------------------------------------------------------- revoke

  const dialog = $("revoke-dialog");
  const dialogError = el("p", { id: "revoke-error", class: "alert alert--error", role: "alert" });
  $("revoke-form").insertBefore(dialogError, $("revoke-form").querySelector(".button-row"));

  $("open-revoke").addEventListener("click", () => {
    if (!current) return;
    $("revoke-hcid").textContent = current.hcid;
    $("revoke-name").textContent = current.name || "the holder";
    $("revoke-reason").value = "";
    fieldError($("revoke-reason"), "");
    dialogError.textContent = "";
    dialog.showModal();
    $("revoke-reason").focus();
  });

  $("cancel-revoke").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (!$("detail").hidden) $("open-revoke").disabled ? $("detail-heading").focus() : $("open-revoke").focus();
  });

  $("revoke-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const reason = $("revoke-reason").value.trim();
    dialogError.textContent = "";
    if (!reason) {
      fieldError($("revoke-reason"), "Give the reason for revoking the certificate.");
      return $("revoke-reason").focus();
    }
    fieldError($("revoke-reason"), "");
    const token = ctx.token();
    if (!token) return dialog.close();
    const hcid = current.hcid;
    const button = $("confirm-revoke");
    button.disabled = true;
    try {
      const result = await call(`/v1/admin/certificates/${encodeURIComponent(hcid)}/revoke`, { method: "POST", token, body: { reason } });
      dialog.close();
      ctx.error("");
      $("find-results").replaceChildren(); // its statuses are out of date now
      ctx.notice(`Certificate ${hcid} revoked${result && result.revokedAt ? ` at ${formatDateTime(result.revokedAt)}` : ""}. Verifiers show it as REVOKED once their revocation list updates.`);
      await open(hcid, { focus: true });
    } catch (e) {
      if (e.status === 401 || e.status === 403) {
        dialog.close();
        ctx.authFailure(e);
      } else if (e.status === 422 && e.problems.length) {
        fieldError($("revoke-reason"), e.problems.map((p) => `${p.problem}.`).join(" "));
        $("revoke-reason").focus();
      } else {
        dialogError.textContent = e.status === 409 ? `This certificate cannot be revoked: ${e.message}.` : `Revocation failed: ${e.message}`;
      }
    } finally {
      button.disabled = false;
    }
  });

  return {
    open,
    clear() {
      hideDetail();
      $("find-results").replaceChildren();
      if (dialog.open) dialog.close();
    },
  };
}
