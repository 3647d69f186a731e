// Facility page: staff sign in (common/staff-signin.js: password, then any MFA / new-password challenge), search by
// mobile number or by date of birth + name, print the certificate PDF with the browser's print dialog. Token in
// sessionStorage only.
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
}

function releasePdf() {
  if (printUrl) URL.revokeObjectURL(printUrl);
  printUrl = null;
  $("print-frame").removeAttribute("src");
  $("print-area").hidden = true;
}

function signOut(message) {
  session.clear();
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
    const byMobile = document.querySelector('input[name="by"]:checked').value === "mobile";
    $("by-mobile").hidden = !byMobile;
    $("by-person").hidden = byMobile;
  });
}

const FIELD_INPUT = { mobile: "search-mobile", dob: "search-dob", name: "search-name" };

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  error("");
  for (const id of Object.values(FIELD_INPUT)) fieldError($(id), "");
  const byMobile = document.querySelector('input[name="by"]:checked').value === "mobile";
  const params = new URLSearchParams();
  if (byMobile) {
    const digits = tenDigits($("search-mobile").value);
    if (!digits) {
      fieldError($("search-mobile"), "Enter a 10-digit Jamaican mobile number, for example 876-555-0123.");
      return $("search-mobile").focus();
    }
    params.set("mobile", digits);
  } else {
    const dob = $("search-dob").value;
    const name = $("search-name").value.trim();
    if (!dob) fieldError($("search-dob"), "Enter the date of birth.");
    if (name.length < 2) fieldError($("search-name"), "Enter at least 2 letters of the family or given name.");
    if (!dob) return $("search-dob").focus();
    if (name.length < 2) return $("search-name").focus();
    params.set("dob", dob);
    params.set("name", name);
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
        if (input) fieldError(input, `${p.field === "dob" ? "Date of birth" : p.field === "name" ? "Name" : "Mobile number"}: ${p.problem}.`);
      }
      error("Check the search details.");
    } else {
      error(e.message);
    }
  } finally {
    if (button) button.disabled = false;
  }
});

function renderResults(certificates, truncated) {
  const box = $("results");
  releasePdf();
  if (!certificates.length) {
    box.replaceChildren(el("p", { class: "alert", id: "results-summary" }, "No certificates found. Check the details, or try the other kind of search."));
    return;
  }
  const count = `${certificates.length} certificate${certificates.length === 1 ? "" : "s"} found`;
  const rows = certificates.map((c) => {
    const status = statusOf(c.status);
    const printButton = el("button", { type: "button", class: "button button--small", "aria-label": `Print ${c.name}, dose ${c.dose}` }, "Print");
    const printStatus = el("span", { class: "print-status", role: "status" });
    const row = el("tr", { "data-hcid": c.hcid },
      el("td", { "data-label": "Name" }, c.name),
      el("td", { "data-label": "Date of birth" }, formatDate(c.dob)),
      el("td", { "data-label": "Dose" }, c.totalDoses ? `${c.dose} of ${c.totalDoses}` : String(c.dose)),
      el("td", { "data-label": "Vaccine" }, c.vaccine || ""),
      el("td", { "data-label": "Date" }, formatDate(c.date)),
      el("td", { "data-label": "Status" }, el("span", { class: `badge ${status.badge}` }, status.label)),
      el("td", { "data-label": "Print" }, printButton, printStatus));
    printButton.addEventListener("click", () => printCertificate(c, row, printButton, printStatus));
    return row;
  });
  const table = el("table", { class: "responsive-table" },
    el("caption", { id: "results-summary" }, truncated ? `${count} (more match: narrow the search)` : count),
    el("thead", {}, el("tr", {}, ...["Name", "Date of birth", "Dose", "Vaccine", "Date", "Status", "Print"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...rows));
  box.replaceChildren(el("div", { class: "table-wrap" }, table));
}

// ------------------------------------------------------------------ print

async function printCertificate(c, row, button, status) {
  const token = session.token;
  if (!token) return signOut(EXPIRED);
  button.disabled = true;
  status.textContent = "Preparing…";
  status.className = "print-status";
  let blob;
  try {
    blob = await call(`/v1/facility/certificates/${encodeURIComponent(c.hcid)}/pdf`, { token, as: "blob" });
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
    button.textContent = "Print again";
    status.textContent = "Printed";
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
