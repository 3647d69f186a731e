// Citizen portal: mobile number -> SMS code -> the certificates of everyone on that number, each with its QR code
// on screen (HC1, or the SMART Health Card), full screen for a counter, kept on this phone for offline use, into a
// health wallet (.smart-health-card), printed, or as the PDF. The session token lives in sessionStorage only and is
// cleared on sign-out or expiry; what is kept on the phone is the QR texts and the summary, never the token.
import { ApiError, Session, call, el, fieldError, formatDate, maskMobile, statusOf, tenDigits, waitText } from "/common/api.js";
import { forget, isKept, keep, keptCertificates, refresh } from "/portal/kept.js";
import { qrSvg } from "/portal/qr.js";

const $ = (id) => document.getElementById(id);
const session = new Session("vaxcert.citizen.session");
const blobUrls = new Set();
const SESSION_ENDED = "Your session has ended, for your security. Enter your number to sign in again.";
const CODE_HELP_AFTER_MS = 60_000;
let mobile = null; // 10 digits, kept in memory only while the code is pending
let codeHelpTimer = null;

function notice(text) {
  $("notice").textContent = text || "";
}

function error(text) {
  $("error").textContent = text || "";
}

function show(step, { focus = true } = {}) {
  for (const id of ["step-mobile", "step-code", "step-list"]) $(id).hidden = id !== step;
  if (step !== "step-code") stopCodeHelp();
  renderKept();
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

session.onExpire = () => signOut(SESSION_ENDED);

function handleAuthFailure(e) {
  if (e instanceof ApiError && e.status === 401) {
    signOut(SESSION_ENDED);
    return true;
  }
  return false;
}

/** Run `work` with `button` disabled and labelled "Sending…", then restore it. */
async function sending(button, work) {
  if (!button) return work();
  const label = button.textContent;
  button.disabled = true;
  button.textContent = "Sending…";
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = label;
    button.removeAttribute("aria-busy");
  }
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
  startCodeHelp();
  return true;
}

// After a minute without a code, say what to check and where to get help.
function startCodeHelp() {
  stopCodeHelp();
  $("code-help").hidden = true;
  codeHelpTimer = setTimeout(() => {
    if (!$("step-code").hidden) $("code-help").hidden = false;
  }, CODE_HELP_AFTER_MS);
}

function stopCodeHelp() {
  if (codeHelpTimer) clearTimeout(codeHelpTimer);
  codeHelpTimer = null;
  $("code-help").hidden = true;
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
  const sent = await sending(event.submitter, () => sendCode());
  if (sent) {
    show("step-code", { focus: false });
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

function wrongCodeText(e) {
  const left = e.data ? e.data.triesLeft : undefined;
  if (e.reason !== "wrong" || typeof left !== "number") return OTP_ERRORS[e.reason];
  if (left <= 0) return "That code is not right, and it can no longer be used. Send a new one.";
  return `That code is not right. Check the SMS and try again: ${left} ${left === 1 ? "try" : "tries"} left.`;
}

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
  await sending(event.submitter, async () => {
    try {
      const result = await call("/v1/citizen/session", { method: "POST", body: { mobile, otp } });
      session.start(result.token, result.expiresIn, { mobile: maskMobile(mobile) });
      notice("");
      stopCodeHelp();
      await loadCertificates();
    } catch (e) {
      if (e.status === 401) {
        fieldError(input, wrongCodeText(e) || "That code did not work. Send a new one.");
        input.focus();
        input.select();
      } else if (e.status === 429) {
        error(`Too many attempts. Try again ${waitText(e.retryAfter)}.`);
      } else if (e.status === 422) {
        fieldError(input, "Enter the 6 digits from the SMS.");
      } else {
        error(e.message);
      }
    }
  });
});

$("resend").addEventListener("click", async (event) => {
  if (await sending(event.currentTarget, () => sendCode({ resend: true }))) $("otp").focus();
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
  const certificates = data.certificates || [];
  refresh(certificates);
  renderCertificates(certificates);
  show("step-list");
}

function doseText(c) {
  return c.totalDoses ? `Dose ${c.dose} of ${c.totalDoses}` : `Dose ${c.dose}`;
}

function personKey(c) {
  return `${(c.name || "").toLowerCase()}|${c.dob}`;
}

/** hcids of the latest current dose of each person with several (the one to show first at a counter). */
function latestDoses(certificates) {
  const latest = new Map();
  const count = new Map();
  for (const c of certificates) {
    if (c.status !== "VALID") continue;
    const key = personKey(c);
    count.set(key, (count.get(key) || 0) + 1);
    const best = latest.get(key);
    if (!best || c.date > best.date || (c.date === best.date && c.dose > best.dose)) latest.set(key, c);
  }
  return new Set([...latest].filter(([key]) => count.get(key) > 1).map(([, c]) => c.hcid));
}

function details(c) {
  return el("dl", {},
    el("dt", {}, "Dose"), el("dd", {}, doseText(c).replace("Dose ", "")),
    el("dt", {}, "Vaccine"), el("dd", {}, c.vaccine || ""),
    el("dt", {}, "Date"), el("dd", {}, formatDate(c.date)),
    el("dt", {}, "Date of birth"), el("dd", {}, formatDate(c.dob)),
    el("dt", {}, "Certificate ID"), el("dd", {}, c.hcid));
}

const FORMATS = {
  hc1: { field: "qr", label: "Certificate", long: "Vaccination certificate QR code (EU DCC / WHO)" },
  shc: { field: "shcQr", label: "SMART Health Card", long: "SMART Health Card QR code" },
};

/** The QR code with the holder's name and dose beside it, and a switch between the two formats. */
function qrPanel(c, idPrefix) {
  const figure = el("figure", { class: "qr-figure" });
  const caption = el("figcaption", { class: "qr-caption" },
    el("strong", { class: "qr-caption__name" }, c.name),
    el("span", {}, `${doseText(c)} · ${formatDate(c.date)}`),
    el("span", {}, c.vaccine || ""));
  const formatNote = el("p", { class: "hint qr-format", id: `${idPrefix}-format` });
  const panel = el("div", { class: "qr-panel", "data-format": "hc1" });
  const draw = (format) => {
    const text = c[FORMATS[format].field];
    panel.dataset.format = format;
    figure.replaceChildren(qrSvg(text, `${FORMATS[format].long} of ${c.name}, ${doseText(c).toLowerCase()}`), caption);
    formatNote.textContent = format === "shc"
      ? "SMART Health Card: read by health wallet apps and by verifiers in the US and Canada."
      : "Vaccination certificate (EU DCC, WHO DDCC): read by verifier apps worldwide and at /verify.";
    for (const b of switcher.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.format === format));
  };
  const switcher = el("div", { class: "qr-switch", role: "group", "aria-label": `QR code shown for ${c.name}` });
  for (const [format, spec] of Object.entries(FORMATS)) {
    if (!c[spec.field]) continue;
    const b = el("button", { type: "button", class: "qr-switch__option", "data-format": format, "aria-pressed": "false" }, spec.label);
    b.addEventListener("click", () => draw(format));
    switcher.append(b);
  }
  panel.append(c.shcQr ? switcher : "", figure, formatNote);
  draw("hc1");
  return panel;
}

function currentFormat(card) {
  const panel = card.querySelector(".qr-panel");
  return panel ? panel.dataset.format : "hc1";
}

function openFullScreen(c, format) {
  const dialog = $("qr-dialog");
  const text = c[FORMATS[format].field] || c.qr;
  $("qr-dialog-name").textContent = c.name;
  $("qr-dialog-dose").textContent = `${doseText(c)} · ${formatDate(c.date)} · ${c.vaccine || ""}`;
  $("qr-dialog-format").textContent = FORMATS[format].long;
  $("qr-dialog-code").replaceChildren(qrSvg(text, `${FORMATS[format].long} of ${c.name}, ${doseText(c).toLowerCase()}`));
  dialog.showModal();
  if (dialog.requestFullscreen) dialog.requestFullscreen().catch(() => {});
  $("qr-dialog-close").focus();
}

$("qr-dialog-close").addEventListener("click", () => $("qr-dialog").close());
$("qr-dialog").addEventListener("close", () => {
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
});

/** The print view: the holder, every detail and both QR codes, then the browser's print dialog. */
function printCertificate(c) {
  const sheet = $("print-view");
  const codes = el("div", { class: "print-codes" });
  for (const spec of Object.values(FORMATS)) {
    if (!c[spec.field]) continue;
    codes.append(el("figure", {}, qrSvg(c[spec.field], `${spec.long} of ${c.name}`), el("figcaption", {}, spec.long)));
  }
  sheet.replaceChildren(
    el("p", { class: "print-issuer" }, "Ministry of Health and Wellness, Jamaica"),
    el("h2", {}, "COVID-19 vaccination certificate"),
    el("p", { class: "print-name" }, c.name),
    el("p", {}, `${statusOf(c.status).label}`),
    details(c),
    codes,
    el("p", { class: "print-note" }, "Check this certificate at /verify or with any EU DCC or SMART Health Card verifier app."));
  window.print();
}

window.addEventListener("afterprint", () => $("print-view").replaceChildren());

function keepButton(c, message) {
  const button = el("button", { type: "button", class: "button button--secondary" });
  const label = () => {
    button.textContent = isKept(c.hcid) ? "Remove from this phone" : "Keep on this phone";
  };
  button.addEventListener("click", () => {
    if (isKept(c.hcid)) {
      forget(c.hcid);
      message.textContent = "Removed from this phone.";
    } else {
      keep(c);
      message.textContent = "Kept on this phone: it shows here even offline and after you sign out.";
    }
    label();
  });
  label();
  return button;
}

function currentCard(c, { latest }) {
  const status = statusOf(c.status);
  const titleId = `cert-${c.hcid}`;
  const preview = el("div", { class: "preview", id: `preview-${c.hcid}` });
  const message = el("p", { class: "hint", role: "status" });
  const previewButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Preview");
  const downloadButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Download PDF");
  const fullButton = el("button", { type: "button", class: "button", "aria-describedby": titleId }, "Full screen");
  const walletButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Add to health wallet");
  const printButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Print");
  const card = el("li", { class: `cert-card${latest ? " cert-card--latest" : ""}`, "data-hcid": c.hcid },
    el("div", { class: "cert-card__head" },
      el("h3", { id: titleId }, `${c.name} — ${doseText(c).toLowerCase()}`),
      el("span", { class: "cert-card__tags" },
        latest ? el("span", { class: "badge badge--latest" }, "Latest dose") : null,
        el("span", { class: `badge ${status.badge}` }, status.label))),
    qrPanel(c, `qr-${c.hcid}`),
    el("div", { class: "button-row" }, fullButton, keepButton(c, message), c.shcQr ? walletButton : null, printButton),
    details(c),
    el("div", { class: "button-row" }, previewButton, downloadButton),
    message,
    preview);
  fullButton.addEventListener("click", () => openFullScreen(c, currentFormat(card)));
  walletButton.addEventListener("click", () => downloadHealthCard(c, message));
  printButton.addEventListener("click", () => printCertificate(c));
  previewButton.addEventListener("click", () => previewPdf(c, preview, message, previewButton));
  downloadButton.addEventListener("click", () => downloadPdf(c, message));
  return card;
}

/** Superseded and revoked certificates: collapsed and marked, with their details and PDF on request. */
function inactiveCard(c) {
  const status = statusOf(c.status);
  const titleId = `cert-${c.hcid}`;
  const preview = el("div", { class: "preview", id: `preview-${c.hcid}` });
  const message = el("p", { class: "hint", role: "status" });
  const previewButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Preview");
  const downloadButton = el("button", { type: "button", class: "button button--secondary", "aria-describedby": titleId }, "Download PDF");
  const why = c.status === "SUPERSEDED"
    ? "This certificate was replaced by a corrected one, shown above. Do not use it."
    : "This certificate was revoked by the Ministry and is no longer valid.";
  const card = el("li", { class: "cert-card cert-card--inactive", "data-hcid": c.hcid },
    el("details", {},
      el("summary", {},
        el("span", { id: titleId, class: "cert-card__summary" }, `${c.name} — ${doseText(c).toLowerCase()}`),
        el("span", { class: `badge ${status.badge}` }, status.label)),
      el("p", {}, why),
      details(c),
      el("div", { class: "button-row" }, previewButton, downloadButton),
      message,
      preview));
  previewButton.addEventListener("click", () => previewPdf(c, preview, message, previewButton));
  downloadButton.addEventListener("click", () => downloadPdf(c, message));
  return card;
}

function renderCertificates(certificates) {
  const list = $("certificates");
  list.replaceChildren();
  if (!certificates.length) {
    list.append(el("li", { class: "alert" }, "No certificates were found for this number. A vaccination site can look up your record with your date of birth and name."));
    return;
  }
  const latest = latestDoses(certificates);
  const current = certificates.filter((c) => c.status === "VALID");
  const inactive = certificates.filter((c) => c.status !== "VALID");
  for (const c of current) list.append(currentCard(c, { latest: latest.has(c.hcid) }));
  for (const c of inactive) list.append(inactiveCard(c));
}

// ------------------------------------------------------------------ kept on this phone

function renderKept() {
  const kept = keptCertificates();
  const box = $("kept");
  const list = $("kept-list");
  list.replaceChildren();
  // Signed in, the list above shows the same certificates live; the kept copies are for when it cannot.
  box.hidden = !kept.length || !$("step-list").hidden;
  for (const c of kept) {
    const message = el("p", { class: "hint", role: "status" });
    const fullButton = el("button", { type: "button", class: "button" }, "Full screen");
    const printButton = el("button", { type: "button", class: "button button--secondary" }, "Print");
    const removeButton = el("button", { type: "button", class: "button button--secondary" }, "Remove from this phone");
    const status = statusOf(c.status);
    const current = c.status === "VALID";
    // A kept copy learns at the next sign-in that it was revoked or replaced: then no QR to show.
    const item = el("li", { class: `kept-card${current ? "" : " kept-card--inactive"}`, "data-hcid": c.hcid },
      el("div", { class: "cert-card__head" },
        el("h3", {}, `${c.name} — ${doseText(c).toLowerCase()}`),
        el("span", { class: `badge ${status.badge}` }, status.label)),
      current ? qrPanel(c, `kept-${c.hcid}`) : el("p", {}, "This certificate is no longer valid. Sign in to see the current one."),
      el("p", { class: "hint kept-saved" }, `Saved on this phone on ${formatDate(c.savedAt)}.`),
      el("div", { class: "button-row" }, current ? fullButton : null, current ? printButton : null, removeButton),
      message);
    fullButton.addEventListener("click", () => openFullScreen(c, currentFormat(item)));
    printButton.addEventListener("click", () => printCertificate(c));
    removeButton.addEventListener("click", () => {
      forget(c.hcid);
      renderKept();
      notice("Removed from this phone.");
    });
    list.append(item);
  }
}

// ------------------------------------------------------------------ files

async function fetchBlob(c, message, kind) {
  const token = session.token;
  if (!token) {
    signOut(SESSION_ENDED);
    return null;
  }
  message.textContent = "Getting your certificate…";
  try {
    return await call(`/v1/citizen/certificates/${encodeURIComponent(c.hcid)}/${kind}`, { token, as: "blob" });
  } catch (e) {
    if (!handleAuthFailure(e)) message.textContent = e.status === 404 ? "This certificate is no longer available." : e.message;
    return null;
  }
}

async function fetchPdf(c, message) {
  const blob = await fetchBlob(c, message, "pdf");
  if (!blob) return null;
  const url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
  blobUrls.add(url);
  return url;
}

function saveFile(url, name) {
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
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
  saveFile(url, `vaccination-certificate-${c.hcid}.pdf`);
  message.textContent = "Download started.";
}

// Apple Health and Wallet and other SMART Health Card apps import the .smart-health-card file.
async function downloadHealthCard(c, message) {
  const blob = await fetchBlob(c, message, "shc");
  if (!blob) return;
  const url = URL.createObjectURL(new Blob([blob], { type: "application/smart-health-card" }));
  blobUrls.add(url);
  saveFile(url, `${c.hcid}.smart-health-card`);
  message.textContent = "Health card downloaded: open the file to add it to your health wallet app.";
}

$("sign-out").addEventListener("click", () => {
  session.end("/v1/citizen/session");
  signOut("You have signed out.");
});

// The page itself is served offline by the service worker, so kept certificates show without a network.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

renderKept();
// A page reload inside the session keeps it (sessionStorage), until it expires.
if (session.get()) {
  session.watch();
  loadCertificates();
}
