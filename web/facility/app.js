// Facility page: staff sign in (common/staff-signin.js: password, then any MFA / new-password challenge), search by
// mobile number, by date of birth (typed dd/mm/yyyy or picked) + name, or by certificate number (HCID or DIVOC id),
// and print the certificate PDF with the browser's print dialog. Rows show what tells namesakes apart (masked);
// revoked and replaced certificates offer the current one, and print only after "print anyway". Token in
// sessionStorage only; a warning shows before the session ends.
import { ApiError, Session, call, el, fieldError, formatDate, statusOf, tenDigits } from "/common/api.js";
import { setUpStaffSignIn } from "/common/staff-signin.js";

const $ = (id) => document.getElementById(id);
const session = new Session("vaxcert.facility.session");
let printUrl = null;

function notice(text) {
  $("notice").textContent = text || "";
}

function error(text) {
  $("error").textContent = text || "";
}

function showDesk() {
  const value = session.get();
  $("signed-in").textContent = `Signed in as ${value ? value.username : "staff"}.`;
  $("login").hidden = true;
  $("desk").hidden = false;
  $("search-heading").focus();
  warnBeforeExpiry();
}

// ------------------------------------------------------------------ session-end warning

const WARN_BEFORE_MS = 2 * 60 * 1000;
let warnTimer = null;

function warnBeforeExpiry() {
  clearTimeout(warnTimer);
  $("session-warning").hidden = true;
  const value = session.get();
  if (!value) return;
  const left = value.expiresAt - Date.now();
  // Two minutes before the end, or at half time for sessions shorter than four minutes.
  const at = Math.max(0, left > 2 * WARN_BEFORE_MS ? left - WARN_BEFORE_MS : left / 2);
  warnTimer = setTimeout(() => {
    const now = session.get();
    if (!now) return;
    const minutes = Math.max(1, Math.round((now.expiresAt - Date.now()) / 60000));
    const box = $("session-warning");
    box.textContent = `Your session ends in about ${minutes} minute${minutes === 1 ? "" : "s"}. Finish printing, then sign in again to continue.`;
    box.hidden = false;
  }, at);
}

function releasePdf() {
  if (printUrl) URL.revokeObjectURL(printUrl);
  printUrl = null;
  $("print-frame").removeAttribute("src");
  $("print-area").hidden = true;
}

function signOut(message) {
  session.clear();
  clearTimeout(warnTimer);
  $("session-warning").hidden = true;
  releasePdf();
  $("results").replaceChildren();
  signIn.reset();
  $("desk").hidden = true;
  $("login").hidden = false;
  error("");
  notice(message || "");
  $("login-heading").focus();
}

const EXPIRED = "Your session has ended. Sign in again to continue.";
session.onExpire = () => signOut(EXPIRED);

function authFailure(e) {
  if (e instanceof ApiError && e.status === 401) {
    signOut(EXPIRED);
    return true;
  }
  if (e instanceof ApiError && e.status === 403) {
    error("Your account is not allowed to search or print certificates. Ask your supervisor for access.");
    return true;
  }
  return false;
}

// ------------------------------------------------------------------ sign in (shared with the admin page)

const signIn = setUpStaffSignIn({
  root: $("login"),
  error,
  notice,
  onSignedIn({ token, expiresIn, username }) {
    session.start(token, expiresIn, { username });
    showDesk();
  },
});

$("sign-out").addEventListener("click", () => {
  session.end("/v1/staff/session");
  signOut("You have signed out.");
});

// ------------------------------------------------------------------ search

for (const radio of document.querySelectorAll('input[name="by"]')) {
  radio.addEventListener("change", () => {
    const by = document.querySelector('input[name="by"]:checked').value;
    $("by-mobile").hidden = by !== "mobile";
    $("by-person").hidden = by !== "person";
    $("by-id").hidden = by !== "id";
  });
}

const FIELD_INPUT = { mobile: "search-mobile", dob: "search-dob", name: "search-name", hcid: "search-id", legacyId: "search-id" };
const FIELD_NAME = { mobile: "Mobile number", dob: "Date of birth", name: "Name", hcid: "Certificate number", legacyId: "Certificate number" };

/** dd/mm/yyyy (Jamaica's order; also with - or .), or yyyy-mm-dd from the picker -> "yyyy-mm-dd", or null. */
export function isoDate(raw) {
  const text = String(raw || "").trim();
  let m = /^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})$/.exec(text);
  let y, mo, d;
  if (m) [d, mo, y] = [+m[1], +m[2], +m[3]];
  else if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text))) [y, mo, d] = [+m[1], +m[2], +m[3]];
  else return null;
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return `${y}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function dayMonthYear(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

$("search-dob-picker").addEventListener("change", () => {
  if ($("search-dob-picker").value) $("search-dob").value = dayMonthYear($("search-dob-picker").value);
  fieldError($("search-dob"), "");
});

const HCID = /^[0-9A-HJKMNP-TV-Z]{20}$/;
let lastSearch = null; // what was searched, in words (for "no results")

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  error("");
  for (const id of Object.values(FIELD_INPUT)) fieldError($(id), "");
  const by = document.querySelector('input[name="by"]:checked').value;
  const params = new URLSearchParams();
  if (by === "mobile") {
    const digits = tenDigits($("search-mobile").value);
    if (!digits) {
      fieldError($("search-mobile"), "Enter a 10-digit Jamaican mobile number, for example 876-555-0123.");
      return $("search-mobile").focus();
    }
    params.set("mobile", digits);
    lastSearch = { kind: "mobile", words: `mobile number ${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}` };
  } else if (by === "person") {
    const typed = $("search-dob").value.trim();
    const dob = isoDate(typed);
    const name = $("search-name").value.trim();
    if (!dob) fieldError($("search-dob"), typed ? "Enter the date as day/month/year, for example 14/02/1990." : "Enter the date of birth.");
    else if (dob > new Date().toISOString().slice(0, 10)) fieldError($("search-dob"), "The date of birth is in the future: check the day, month and year.");
    if (name.length < 2) fieldError($("search-name"), "Enter at least 2 letters of the family or given name.");
    if ($("search-dob").getAttribute("aria-invalid")) return $("search-dob").focus();
    if (name.length < 2) return $("search-name").focus();
    params.set("dob", dob);
    params.set("name", name);
    lastSearch = { kind: "person", words: `date of birth ${dayMonthYear(dob)} and name “${name}”` };
  } else {
    const typed = $("search-id").value.replace(/\s+/g, "").toUpperCase().replace(/^URN:UVCI:01:[A-Z]{2}:/, "").replace(/#.$/, "");
    if (!typed) {
      fieldError($("search-id"), "Enter the certificate number.");
      return $("search-id").focus();
    }
    if (HCID.test(typed)) params.set("hcid", typed);
    else params.set("legacyId", typed);
    lastSearch = { kind: "id", words: `certificate number ${typed}` };
  }
  const token = session.token;
  if (!token) return signOut(EXPIRED);
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    const data = await call(`/v1/facility/certificates?${params}`, { token });
    renderResults(data.certificates || [], Boolean(data.truncated));
  } catch (e) {
    if (authFailure(e)) return;
    if (e.status === 422 && e.problems.length) {
      for (const p of e.problems) {
        const input = $(FIELD_INPUT[p.field] || "");
        if (input) fieldError(input, `${FIELD_NAME[p.field] || p.field}: ${p.problem}.`);
      }
      error("Check the search details.");
    } else {
      error(e.message);
    }
  } finally {
    if (button) button.disabled = false;
  }
});

const SUGGESTIONS = {
  mobile: ["the number the person gave when vaccinated (it may be a family member's)", "searching by date of birth and name instead"],
  person: [
    "the date of birth: day first, then month (14/02/1990)",
    "fewer letters of the name, or only the family name",
    "the name the person was registered under (maiden name, second given name)",
    "searching by mobile number or certificate number instead",
  ],
  id: ["the number printed under the QR code (letters and digits, 20 characters)", "the number of an old DIVOC certificate", "searching by mobile number or by date of birth and name instead"],
};

function details(c) {
  const parts = [];
  if (c.mobileMasked) parts.push(`Mobile ${c.mobileMasked}`);
  if (c.identifierMasked) parts.push(c.identifierMasked);
  if (c.centre) parts.push(c.centre);
  if (c.version && c.version > 1) parts.push(`Version ${c.version}`);
  if (c.legacyId) parts.push(`DIVOC ${c.legacyId}`);
  return parts.join(" · ");
}

function renderResults(certificates, truncated) {
  const box = $("results");
  releasePdf();
  if (!certificates.length) {
    const searched = lastSearch ? lastSearch.words : "these details";
    const tips = SUGGESTIONS[lastSearch ? lastSearch.kind : "person"] || [];
    box.replaceChildren(el("div", { class: "alert", id: "results-summary" },
      el("p", {}, `No certificates found for ${searched}.`),
      el("p", {}, "Check:"),
      el("ul", {}, ...tips.map((t) => el("li", {}, t)))));
    return;
  }
  const count = `${certificates.length} certificate${certificates.length === 1 ? "" : "s"} found`;
  const rows = certificates.map((c) => {
    const status = statusOf(c.status);
    const valid = c.status === "VALID";
    const label = `${c.name}, dose ${c.dose}`;
    const printText = valid ? "Print" : "Print anyway…";
    const printButton = el("button", { type: "button", class: `button button--small${valid ? "" : " button--secondary"}`, "aria-label": `${printText} ${label}` }, printText);
    const printStatus = el("span", { class: "print-status", role: "status" });
    const actions = el("div", { class: "row-actions" });
    if (!valid && c.supersededBy) {
      const current = el("button", { type: "button", class: "button button--small", "aria-label": `Show current certificate of ${label}` }, "Show current certificate");
      current.addEventListener("click", () => showCurrent(c.supersededBy));
      actions.append(current);
    }
    actions.append(printButton, printStatus);
    const note = valid ? null : el("span", { class: "row-note" },
      c.status === "SUPERSEDED"
        ? `Replaced by a corrected certificate${c.supersededBy ? ` (${c.supersededBy})` : ""}: give the person the current one.`
        : `Revoked${c.reason ? `: ${c.reason}` : ""}. Verifiers reject it.`);
    const row = el("tr", { "data-hcid": c.hcid, "data-status": c.status },
      el("td", { "data-label": "Name" }, c.name),
      el("td", { "data-label": "Tells apart" }, el("span", { class: "row-details" }, details(c))),
      el("td", { "data-label": "Date of birth" }, formatDate(c.dob)),
      el("td", { "data-label": "Dose" }, c.totalDoses ? `${c.dose} of ${c.totalDoses}` : String(c.dose)),
      el("td", { "data-label": "Vaccine" }, c.vaccine || ""),
      el("td", { "data-label": "Date" }, formatDate(c.date)),
      el("td", { "data-label": "Status" }, el("span", { class: `badge ${status.badge}` }, status.label), note),
      el("td", { "data-label": "Print" }, actions));
    printButton.addEventListener("click", () => (valid ? printCertificate(c, row, printButton, printStatus) : confirmPrint(c, row, printButton, printStatus)));
    return row;
  });
  const table = el("table", { class: "responsive-table" },
    el("caption", { id: "results-summary" }, truncated ? `${count} (more match: narrow the search)` : count),
    el("thead", {}, el("tr", {}, ...["Name", "Tells apart", "Date of birth", "Dose", "Vaccine", "Date", "Status", "Print"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows));
  box.replaceChildren(el("div", { class: "table-wrap" }, table));
}

/** Search for the certificate that replaced this one. */
function showCurrent(hcid) {
  document.querySelector('input[name="by"][value="id"]').click();
  $("search-id").value = hcid;
  $("search-form").requestSubmit();
}

/** Printing a revoked or replaced certificate needs an explicit "print anyway" (the API audits it as such). */
function confirmPrint(c, row, button, status) {
  const cell = button.closest("td");
  if (cell.querySelector(".confirm-box")) return;
  const id = `confirm-${c.hcid}`;
  const yes = el("button", { type: "button", class: "button button--danger button--small" }, "Print anyway");
  const no = el("button", { type: "button", class: "button button--secondary button--small" }, "Cancel");
  const box = el("div", { class: "confirm-box", role: "group", "aria-labelledby": id },
    el("p", { id }, `This certificate is ${c.status === "REVOKED" ? "revoked" : "replaced by a newer one"}: verifiers will reject it. Print it anyway? The print is recorded.`),
    el("div", { class: "row-actions" }, yes, no));
  cell.append(box);
  yes.focus();
  no.addEventListener("click", () => {
    box.remove();
    button.focus();
  });
  yes.addEventListener("click", () => {
    box.remove();
    printCertificate(c, row, button, status, { anyway: true });
  });
}

// ------------------------------------------------------------------ print

async function printCertificate(c, row, button, status, { anyway = false } = {}) {
  const token = session.token;
  if (!token) return signOut(EXPIRED);
  button.disabled = true;
  status.textContent = "Preparing…";
  status.className = "print-status";
  let blob;
  try {
    const query = anyway ? "?printAnyway=true" : "";
    blob = await call(`/v1/facility/certificates/${encodeURIComponent(c.hcid)}/pdf${query}`, { token, as: "blob" });
  } catch (e) {
    button.disabled = false;
    status.textContent = "";
    if (!authFailure(e)) error(`Could not get the certificate: ${e.message}`);
    return;
  }
  releasePdf();
  printUrl = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
  const frame = $("print-frame");
  $("print-open").href = printUrl;
  $("print-area").hidden = false;
  frame.onload = () => {
    frame.dataset.loaded = "true";
    try {
      frame.contentWindow.focus();
      frame.contentWindow.print();
    } catch {
      // The PDF viewer may refuse: the visible viewer and the "open in a new tab" link remain.
    }
    button.disabled = false;
    button.textContent = anyway ? "Print anyway again…" : "Print again";
    button.setAttribute("aria-label", `${button.textContent} ${c.name}, dose ${c.dose}`);
    status.textContent = "Sent to printer";
    status.className = "print-status printed";
    row.dataset.printed = "true";
  };
  frame.dataset.loaded = "false";
  frame.src = printUrl;
}

if (session.get()) {
  session.watch();
  showDesk();
}
