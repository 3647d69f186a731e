// Citizen portal: mobile number -> SMS code -> the certificates of everyone on that number -> PDF preview and
// download. The session token lives in sessionStorage only and is cleared on sign-out or expiry.
import { ApiError, Session, call, el, fieldError, formatDate, maskMobile, statusOf, tenDigits, waitText } from "/common/api.js";

const $ = (id) => document.getElementById(id);
const session = new Session("vaxcert.citizen.session");
const blobUrls = new Set();
let mobile = null; // 10 digits, kept in memory only while the code is pending

function notice(text) {
  $("notice").textContent = text || "";
}

function error(text) {
  $("error").textContent = text || "";
}

function show(step, { focus = true } = {}) {
  for (const id of ["step-mobile", "step-code", "step-list"]) $(id).hidden = id !== step;
  if (focus) {
    const heading = $(step).querySelector("h2");
    if (heading) heading.focus();
  }
}

function releaseBlobs() {
  for (const url of blobUrls) URL.revokeObjectURL(url);
  blobUrls.clear();
}

function signOut(message) {
  session.clear();
  releaseBlobs();
  $("certificates").replaceChildren();
  mobile = null;
  $("otp").value = "";
  error("");
  notice(message || "");
  show("step-mobile");
}

session.onExpire = () => signOut("Your session has ended, for your security. Enter your number to sign in again.");

function handleAuthFailure(e) {
  if (e instanceof ApiError && e.status === 401) {
    signOut("Your session has ended, for your security. Enter your number to sign in again.");
    return true;
  }
  return false;
}

// ------------------------------------------------------------------ step 1: mobile

async function sendCode({ resend = false } = {}) {
  error("");
  try {
    await call("/v1/citizen/otp", { method: "POST", body: { mobile } });
  } catch (e) {
    if (e.status === 429) error(`Too many codes asked for this number. Try again ${waitText(e.retryAfter)}.`);
    else if (e.status === 422) error(e.problems.map((p) => `Mobile number ${p.problem}.`).join(" ") || e.message);
    else error(e.message);
    return false;
  }
  $("code-sent").textContent = `If ${maskMobile(mobile)} has certificates, we have sent a 6-digit code to it by SMS.`;
  $("otp").value = "";
  fieldError($("otp"), "");
  notice(resend ? "A new code has been sent. Earlier codes no longer work." : "");
  return true;
}

$("mobile-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("mobile");
  const digits = tenDigits(input.value);
  if (!digits) {
    fieldError(input, "Enter a 10-digit Jamaican mobile number starting 876 or 658, for example 876-555-0123.");
    input.focus();
    return;
  }
  fieldError(input, "");
  mobile = digits;
  const button = event.submitter;
  if (button) button.disabled = true;
  const sent = await sendCode();
  if (button) button.disabled = false;
  if (sent) {
    show("step-code");
    $("otp").focus();
  }
});

// ------------------------------------------------------------------ step 2: code

const OTP_ERRORS = {
  wrong: "That code is not right. Check the SMS and try again.",
  expired: "Code expired, send a new one.",
  locked: "Too many wrong codes. Send a new one.",
  none: "There is no active code for this number. Send a new one.",
};

$("code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("otp");
  const otp = input.value.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(otp)) {
    fieldError(input, "Enter the 6 digits from the SMS.");
    input.focus();
    return;
  }
  fieldError(input, "");
  error("");
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    const result = await call("/v1/citizen/session", { method: "POST", body: { mobile, otp } });
    session.start(result.token, result.expiresIn, { mobile: maskMobile(mobile) });
    notice("");
    await loadCertificates();
  } catch (e) {
    if (e.status === 401) {
      fieldError(input, OTP_ERRORS[e.reason] || "That code did not work. Send a new one.");
      input.focus();
      input.select();
    } else if (e.status === 429) {
      error(`Too many attempts. Try again ${waitText(e.retryAfter)}.`);
    } else if (e.status === 422) {
      fieldError(input, "Enter the 6 digits from the SMS.");
    } else {
      error(e.message);
    }
  } finally {
    if (button) button.disabled = false;
  }
});

$("resend").addEventListener("click", async () => {
  if (await sendCode({ resend: true })) $("otp").focus();
});

$("change-number").addEventListener("click", () => {
  mobile = null;
  notice("");
  error("");
  show("step-mobile");
  $("mobile").focus();
});

// ------------------------------------------------------------------ step 3: certificates

async function loadCertificates() {
  const token = session.token;
  if (!token) return signOut();
  let data;
  try {
    data = await call("/v1/citizen/certificates", { token });
  } catch (e) {
    if (!handleAuthFailure(e)) error(e.message);
    return;
  }
  const value = session.get();
  $("signed-in").textContent = `Signed in with ${value ? value.mobile : "your mobile number"}.`;
  renderCertificates(data.certificates || []);
  show("step-list");
}

function doseText(c) {
  return c.totalDoses ? `Dose ${c.dose} of ${c.totalDoses}` : `Dose ${c.dose}`;
}

function renderCertificates(certificates) {
  const list = $("certificates");
  list.replaceChildren();
  if (!certificates.length) {
    list.append(el("li", { class: "alert" }, "No certificates were found for this number. A vaccination site can look up your record with your date of birth and name."));
    return;
  }
  for (const c of certificates) {
    const status = statusOf(c.status);
    const titleId = `cert-${c.hcid}`;
    const preview = el("div", { class: "preview", id: `preview-${c.hcid}` });
    const message = el("p", { class: "hint", role: "status" });
    const previewButton = el("button", { type: "button", class: "button", "aria-describedby": titleId }, "Preview");
    const downloadButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Download PDF");
    const card = el("li", { class: `cert-card${c.status === "VALID" ? "" : " cert-card--inactive"}`, "data-hcid": c.hcid },
      el("div", { class: "cert-card__head" },
        el("h3", { id: titleId }, `${c.name} — ${doseText(c).toLowerCase()}`),
        el("span", { class: `badge ${status.badge}` }, status.label)),
      el("dl", {},
        el("dt", {}, "Dose"), el("dd", {}, doseText(c).replace("Dose ", "")),
        el("dt", {}, "Vaccine"), el("dd", {}, c.vaccine || ""),
        el("dt", {}, "Date"), el("dd", {}, formatDate(c.date)),
        el("dt", {}, "Date of birth"), el("dd", {}, formatDate(c.dob)),
        el("dt", {}, "Certificate ID"), el("dd", {}, c.hcid)),
      el("div", { class: "button-row" }, previewButton, downloadButton),
      message,
      preview);
    previewButton.addEventListener("click", () => previewPdf(c, preview, message, previewButton));
    downloadButton.addEventListener("click", () => downloadPdf(c, message));
    list.append(card);
  }
}

async function fetchPdf(c, message) {
  const token = session.token;
  if (!token) {
    signOut("Your session has ended, for your security. Enter your number to sign in again.");
    return null;
  }
  message.textContent = "Getting your certificate…";
  try {
    const blob = await call(`/v1/citizen/certificates/${encodeURIComponent(c.hcid)}/pdf`, { token, as: "blob" });
    const url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
    blobUrls.add(url);
    return url;
  } catch (e) {
    if (!handleAuthFailure(e)) message.textContent = e.status === 404 ? "This certificate is no longer available." : e.message;
    return null;
  }
}

async function previewPdf(c, box, message, button) {
  if (box.querySelector("iframe")) {
    box.replaceChildren();
    button.textContent = "Preview";
    button.setAttribute("aria-expanded", "false");
    message.textContent = "";
    return;
  }
  const url = await fetchPdf(c, message);
  if (!url) return;
  const frame = el("iframe", { src: url, title: `Certificate PDF: ${c.name}, ${doseText(c).toLowerCase()}` });
  frame.addEventListener("load", () => {
    message.textContent = "Preview shown below.";
    frame.dataset.loaded = "true";
  });
  box.replaceChildren(frame, el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener" }, "Open the PDF in a new tab")));
  button.textContent = "Hide preview";
  button.setAttribute("aria-expanded", "true");
}

async function downloadPdf(c, message) {
  const url = await fetchPdf(c, message);
  if (!url) return;
  const link = el("a", { href: url, download: `vaccination-certificate-${c.hcid}.pdf` });
  document.body.append(link);
  link.click();
  link.remove();
  message.textContent = "Download started.";
}

$("sign-out").addEventListener("click", () => {
  session.end("/v1/citizen/session");
  signOut("You have signed out.");
});

// A page reload inside the session keeps it (sessionStorage), until it expires.
if (session.get()) {
  session.watch();
  loadCertificates();
}
