// The offline verifier page: inputs (camera, image, pasted text) -> verifyHc1 -> a large, announced result.
import { verifyHc1, prepareTrustList } from "./hc1.js";
import { prepareRevocationList, revocationListExpiry } from "./revocation.js";
import { age, cached, refresh } from "./lists.js";

const $ = (id) => document.getElementById(id);
const REFRESH_EVERY_MS = 6 * 60 * 60 * 1000;

const state = {
  trust: new Map(),
  trustEntry: null,
  revocation: null,
  revocationEntry: null,
  ready: null,
  stream: null,
  scanning: false,
};

const STATUS_TEXT = {
  VALID: { title: "Valid", tone: "valid" },
  REVOKED: { title: "Revoked", tone: "revoked" },
  EXPIRED: { title: "Not valid", tone: "invalid", cause: "Expired" },
  NOT_YET_VALID: { title: "Not valid", tone: "invalid", cause: "Not valid yet" },
  SIGNATURE_INVALID: { title: "Not valid", tone: "invalid", cause: "Signature invalid" },
  UNKNOWN_ISSUER: { title: "Not valid", tone: "invalid", cause: "Unknown issuer" },
  MALFORMED: { title: "Not valid", tone: "invalid", cause: "Malformed" },
  NO_TRUST_LIST: { title: "Cannot verify", tone: "invalid", cause: "No trust list on this device" },
};

const ADVICE = {
  SIGNATURE_INVALID: "The certificate was changed after it was issued, or it is forged.",
  UNKNOWN_ISSUER: "It was not signed by a trusted issuer. If you are online, update the lists and try again.",
  MALFORMED: "Scan it again; if this persists, ask the holder for the original certificate.",
  EXPIRED: "Ask the holder for a current certificate.",
  NOT_YET_VALID: "Check that this device's date and time are correct.",
  REVOKED: "The issuer has withdrawn this certificate. Do not accept it.",
  NO_TRUST_LIST: "Connect to the internet once and reload this page, so it can download the list of trusted issuers.",
};

// ---------------------------------------------------------------- lists

async function useTrust(entry) {
  const trust = entry && entry.document ? await prepareTrustList(entry.document) : new Map();
  state.trustEntry = entry;
  state.trust = trust;
}

async function useRevocation(entry) {
  state.revocationEntry = entry;
  const trust = state.trustEntry ? state.trustEntry.document : null;
  state.revocation = entry && entry.document ? await prepareRevocationList(entry.document, trust) : null;
}

/** The revocation list usable for checks (signature verified), or null. */
function trustedRevocation() {
  return state.revocation && !state.revocation.error ? state.revocation : null;
}

function revocationText(prefix) {
  const rev = state.revocationEntry;
  if (!rev) return "No revocation list on this device yet: revocation not checked.";
  if (rev.absent) return `No revocation list (the service has none; checked ${age(rev.fetchedAt)} ago).`;
  if (!state.revocation || state.revocation.error) {
    const why = state.revocation ? state.revocation.error : "unreadable";
    return `Revocation list not trusted (${why}): revocation not checked.`;
  }
  const list = state.revocation;
  let text = `${prefix} ${age(rev.fetchedAt)} ago (issued ${age(list.issuedAt.getTime())} ago, ${list.count} revoked).`;
  const expiry = revocationListExpiry(list);
  if (expiry && expiry < new Date()) {
    text += ` It is out of date since ${expiry.toLocaleString("en-JM")}: update it when you are online (later revocations are not known).`;
  }
  return text;
}

function renderLists() {
  const trust = state.trustEntry;
  $("trust-age").textContent = trust
    ? `Trust list updated ${age(trust.fetchedAt)} ago (${state.trust.size} signing ${state.trust.size === 1 ? "key" : "keys"}).`
    : "No trust list on this device yet.";
  $("revocation-age").textContent = revocationText("Revocation list updated");
  const online = navigator.onLine;
  const status = $("network-status");
  status.textContent = online ? "Online" : "Offline: using the lists saved on this device";
  status.dataset.online = String(online);
}

async function refreshLists({ announce = false } = {}) {
  const button = $("refresh-lists");
  button.disabled = true;
  const trustDownload = refresh("trust");
  // A downloaded revocation list is saved only if its signature checks out against the (new) trust list and
  // it is not older than the saved one (an old list replayed must not undo revocations).
  const validate = async (document) => {
    const fresh = await trustDownload;
    const trustDocument = fresh.entry ? fresh.entry.document : null;
    const list = await prepareRevocationList(document, trustDocument);
    if (list && list.error) return list.error;
    const saved = trustedRevocation();
    if (list && saved && list.issuedAt < saved.issuedAt) return "it is older than the list saved on this device";
    return null;
  };
  const [trust, revocation] = await Promise.all([trustDownload, refresh("revocation", { validate })]);
  await useTrust(trust.entry);
  await useRevocation(revocation.entry);
  button.disabled = false;
  renderLists();
  const problems = [];
  if (!trust.ok) problems.push(`Could not update the trust list (${trust.error}).`);
  if (!revocation.ok) problems.push(`Could not update the revocation list (${revocation.error}).`);
  if (problems.length) {
    const saved = state.trustEntry ? " Using the lists saved on this device." : "";
    $("lists-message").textContent = problems.join(" ") + saved;
  } else {
    $("lists-message").textContent = announce ? "Lists updated." : "";
  }
}

async function init() {
  await useTrust(cached("trust"));
  await useRevocation(cached("revocation"));
  renderLists();
  if (!state.trustEntry) await refreshLists(); // nothing saved yet: verification waits for the first download
  else if (navigator.onLine) refreshLists(); // saved lists work now; fresher ones replace them when they arrive
}

// ---------------------------------------------------------------- result

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function formatDate(iso) {
  if (!iso) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return date.toLocaleDateString("en-JM", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

function showResult(outcome) {
  const box = $("result");
  const status = outcome.status;
  const meta = STATUS_TEXT[status] || STATUS_TEXT.MALFORMED;
  box.replaceChildren();
  box.dataset.status = status;
  box.className = `result result--${meta.tone}`;

  const icon = meta.tone === "valid" ? "✓" : "✕";
  const headline = el("div", { class: "verdict" },
    el("span", { class: "verdict__icon", "aria-hidden": "true" }, icon),
    el("div", {},
      el("h2", { class: "verdict__title", id: "verdict-title" }, meta.title.toUpperCase()),
      meta.cause ? el("p", { class: "verdict__cause" }, meta.cause) : null));
  box.append(headline);

  const explanation = status === "VALID"
    ? "The signature is genuine and the certificate is in date. Check the name and date of birth against an identity document."
    : `${capitalise(outcome.reason || "")}. ${ADVICE[status] || ""}`.trim();
  box.append(el("p", { class: "result__reason", id: "result-reason" }, explanation));

  const cert = outcome.certificate;
  if (cert && ["VALID", "REVOKED", "EXPIRED", "NOT_YET_VALID"].includes(status)) {
    const rows = [
      ["Name", cert.name],
      ["Date of birth", formatDate(cert.dateOfBirth)],
      ["Dose", cert.dose ? (cert.totalDoses ? `${cert.dose} of ${cert.totalDoses}` : String(cert.dose)) : null],
      ["Vaccine", cert.vaccine],
      ["Vaccination date", formatDate(cert.date)],
      ["Country", cert.country],
      ["Certificate ID", cert.hcid || cert.certificateId],
    ];
    const list = el("dl", { class: "cert-data" });
    for (const [label, value] of rows) {
      if (!value) continue;
      list.append(el("div", { class: "cert-data__row" }, el("dt", {}, label), el("dd", { "data-field": label }, value)));
    }
    box.append(list);
  }

  const notes = [];
  if (outcome.issuer) notes.push(`Issuer: ${outcome.issuer}.`);
  if (state.trustEntry) notes.push(`Trust list updated ${age(state.trustEntry.fetchedAt)} ago.`);
  notes.push(revocationText("Revocation list updated"));
  notes.push(`Checked ${new Date().toLocaleString("en-JM")} on this device.`);
  box.append(el("p", { class: "result__notes" }, notes.join(" ")));

  const again = el("button", { type: "button", class: "button button--secondary" }, "Check another certificate");
  again.addEventListener("click", () => {
    box.replaceChildren();
    box.dataset.status = "";
    box.className = "result";
    $("qr-text").value = "";
    $("qr-text").focus();
  });
  box.append(again);
  box.scrollIntoView({ behavior: "smooth", block: "start" });
}

function capitalise(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

async function verifyText(text) {
  await state.ready;
  if (!state.trustEntry || !state.trust.size) {
    showResult({ status: "NO_TRUST_LIST", reason: "this device has no list of trusted issuers yet" });
    return;
  }
  const outcome = await verifyHc1(text, state.trust, { revocation: trustedRevocation(), now: new Date() });
  showResult(outcome);
}

// ---------------------------------------------------------------- inputs

function detectorSupported() {
  return "BarcodeDetector" in window;
}

async function qrDetector() {
  if (!detectorSupported()) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
  } catch {
    return null;
  }
  return new window.BarcodeDetector({ formats: ["qr_code"] });
}

async function startCamera() {
  const message = $("camera-support");
  const detector = await qrDetector();
  if (!detector) {
    message.textContent = "This browser cannot read QR codes from the camera. Upload a photo of the QR code, or paste its text below.";
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    message.textContent = "This browser gives no access to the camera here. Upload a photo or paste the text instead.";
    return;
  }
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (e) {
    message.textContent = e && e.name === "NotAllowedError"
      ? "Camera permission was refused. Allow the camera in your browser settings, or upload a photo instead."
      : "No camera could be started. Upload a photo of the QR code, or paste its text below.";
    return;
  }
  const video = $("camera");
  video.srcObject = state.stream;
  $("camera-box").hidden = false;
  $("start-camera").hidden = true;
  $("stop-camera").hidden = false;
  message.textContent = "Point the camera at the QR code.";
  await video.play().catch(() => {});
  state.scanning = true;
  const tick = async () => {
    if (!state.scanning) return;
    try {
      const codes = await detector.detect(video);
      if (codes.length && codes[0].rawValue) {
        stopCamera();
        message.textContent = "QR code read.";
        await verifyText(codes[0].rawValue);
        return;
      }
    } catch {
      // the video may not be ready yet
    }
    setTimeout(tick, 150);
  };
  tick();
}

function stopCamera() {
  state.scanning = false;
  if (state.stream) for (const track of state.stream.getTracks()) track.stop();
  state.stream = null;
  $("camera").srcObject = null;
  $("camera-box").hidden = true;
  $("start-camera").hidden = false;
  $("stop-camera").hidden = true;
}

async function fromImage(file) {
  const hint = $("upload-hint");
  const detector = await qrDetector();
  if (!detector) {
    hint.textContent = "This browser cannot read QR codes from pictures. Paste the QR code text below instead.";
    return;
  }
  try {
    const bitmap = await createImageBitmap(file);
    const codes = await detector.detect(bitmap);
    if (!codes.length) {
      hint.textContent = "No QR code was found in that picture. Try a sharper, closer photo.";
      return;
    }
    hint.textContent = "QR code read from the picture.";
    await verifyText(codes[0].rawValue);
  } catch {
    hint.textContent = "That file could not be read as a picture.";
  }
}

function setUpInputs() {
  const support = $("camera-support");
  if (!detectorSupported()) {
    support.textContent = "This browser cannot scan QR codes with the camera. Upload a photo of the QR code or paste its text instead.";
    $("start-camera").hidden = true;
  } else {
    support.textContent = "Uses the camera on this device; nothing is recorded or sent.";
  }
  $("start-camera").addEventListener("click", startCamera);
  $("stop-camera").addEventListener("click", () => {
    stopCamera();
    support.textContent = "Camera stopped.";
  });
  $("upload").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (file) fromImage(file);
  });
  $("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verifyText($("qr-text").value);
  });
  $("clear").addEventListener("click", () => {
    $("qr-text").value = "";
    $("qr-text").focus();
  });
  $("refresh-lists").addEventListener("click", () => refreshLists({ announce: true }));
  window.addEventListener("online", () => refreshLists());
  window.addEventListener("offline", renderLists);
  setInterval(renderLists, 60 * 1000);
  setInterval(() => navigator.onLine && refreshLists(), REFRESH_EVERY_MS);
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
setUpInputs();
state.ready = init();
document.documentElement.dataset.verifierReady = "loading";
state.ready.finally(() => {
  document.documentElement.dataset.verifierReady = "true";
});
