// The offline verifier page: inputs (camera, image, pasted text) -> verifyQr (HC1, WHO, SHC, DIVOC on this
// device; ICAO through the API when online) -> a large, announced result.
import { countryName } from "./countries.js";
import { prepareRevocationList, revocationListExpiry } from "./revocation.js";
import { age, cached, refresh } from "./lists.js";
import { qrReader, readQr } from "./qr.js";
import { shcChunk } from "./shc.js";
import { ADVICE, STATUS_TEXT, displayStatus } from "./verdicts.js";
import { formatOf, prepareTrust, verifyQr } from "./verify.js";

const $ = (id) => document.getElementById(id);
const REFRESH_EVERY_MS = 6 * 60 * 60 * 1000;
const MAX_PHOTO_SIDE = 2400; // phone photos are 12+ MP; this keeps a version-34 QR at several pixels a module

const state = {
  trust: { hc1: new Map(), shc: new Map(), divoc: new Map(), size: 0 },
  trustEntry: null,
  revocation: null,
  revocationEntry: null,
  ready: null,
  stream: null,
  scanning: false,
  shcParts: new Map(), // a SMART Health Card of several QR codes, scanned one by one
};

const FORMAT_NAMES = {
  HC1: "EU Digital COVID Certificate (HC1)",
  WHO: "WHO DDCC:VS (HC1)",
  SHC: "SMART Health Card",
  DIVOC: "DIVOC verifiable credential",
  ICAO: "ICAO travel seal (VDS-NC)",
};

// ---------------------------------------------------------------- lists

async function useTrust(entry) {
  const trust = entry && entry.document ? await prepareTrust(entry.document) : { hc1: new Map(), shc: new Map(), divoc: new Map(), size: 0 };
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

function certificateRows(cert, format) {
  return [
    ["Name", cert.name],
    ["Date of birth", formatDate(cert.dateOfBirth)],
    ["Dose", cert.dose ? (cert.totalDoses ? `${cert.dose} of ${cert.totalDoses}` : String(cert.dose)) : null],
    ["Vaccine", cert.vaccine],
    ["Vaccination date", formatDate(cert.date)],
    ["Country", countryName(cert.country)],
    ["Certificate ID", cert.hcid || cert.certificateId],
    ["Format", FORMAT_NAMES[format] || format],
  ];
}

function resetResult() {
  const box = $("result");
  box.replaceChildren();
  box.dataset.status = "";
  box.dataset.shown = "";
  box.className = "result";
}

/** An empty input: a prompt of what to do, not a verdict. */
function showPrompt(message, status = "EMPTY") {
  const box = $("result");
  box.replaceChildren(el("p", { class: "result__prompt", id: "result-reason" }, message));
  box.dataset.status = status;
  box.dataset.shown = status;
  box.className = "result result--prompt";
}

function showResult(outcome) {
  const box = $("result");
  const status = outcome.status;
  const shown = displayStatus(outcome);
  const meta = STATUS_TEXT[shown] || STATUS_TEXT.MALFORMED;
  box.replaceChildren();
  box.dataset.status = status;
  box.dataset.shown = shown;
  box.dataset.format = outcome.format || "";
  box.className = `result result--${meta.tone}`;

  const icon = meta.icon || "✕";
  const headline = el("div", { class: "verdict" },
    el("span", { class: "verdict__icon", "aria-hidden": "true" }, icon),
    el("div", {},
      el("h2", { class: "verdict__title", id: "verdict-title" }, meta.title.toUpperCase()),
      meta.cause ? el("p", { class: "verdict__cause" }, meta.cause) : null));
  box.append(headline);

  const explanation = status === "VALID"
    ? "The signature is genuine and the certificate is in date. Check the name and date of birth against an identity document."
    : `${capitalise(outcome.reason || "")}. ${ADVICE[shown] || ""}`.trim();
  box.append(el("p", { class: "result__reason", id: "result-reason" }, explanation));

  const cert = outcome.certificate;
  const verified = ["VALID", "REVOKED", "EXPIRED", "NOT_YET_VALID"].includes(status);
  if (cert && (verified || status === "UNKNOWN_ISSUER" || status === "NEEDS_CONNECTION")) {
    if (!verified) box.append(el("h3", { class: "cert-data__heading" }, "What the QR code says (not verified)"));
    const list = el("dl", { class: "cert-data", "data-verified": String(verified) });
    for (const [label, value] of certificateRows(cert, outcome.format)) {
      if (!value) continue;
      list.append(el("div", { class: "cert-data__row" }, el("dt", {}, label), el("dd", { "data-field": label }, value)));
    }
    box.append(list);
  }

  const notes = [];
  if (outcome.checkedOnline) notes.push("Checked by the verification service, online (this device cannot check it itself).");
  if (outcome.issuer) notes.push(`Issuer: ${countryName(outcome.issuer)}.`);
  if (state.trustEntry) notes.push(`Trust list updated ${age(state.trustEntry.fetchedAt)} ago.`);
  if (["HC1", "WHO", "DIVOC"].includes(outcome.format)) notes.push(revocationText("Revocation list updated"));
  else if (verified) notes.push("Revocation of this kind of certificate is not checked on this device.");
  notes.push(`Checked ${new Date().toLocaleString("en-JM")} on this device.`);
  box.append(el("p", { class: "result__notes" }, notes.join(" ")));

  const again = el("button", { type: "button", class: "button button--secondary" }, "Check another certificate");
  again.addEventListener("click", () => {
    resetResult();
    $("qr-text").value = "";
    $("qr-text").focus();
  });
  box.append(again);
  box.scrollIntoView({ behavior: "smooth", block: "start" });
}

function capitalise(s) {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** ICAO seals: POST /v1/verify (the signer certificate must chain to a CSCA; the service holds those). */
async function verifyOnline(text) {
  if (!navigator.onLine) return null;
  try {
    const response = await fetch("/v1/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ qr: text }),
      cache: "no-store",
    });
    if (!response.ok) return null;
    const outcome = await response.json();
    return outcome && typeof outcome.status === "string" ? { ...outcome, checkedOnline: true } : null;
  } catch {
    return null;
  }
}

/** What this device cannot check (NEEDS_CONNECTION) goes to the service when online. */
async function orOnline(outcome, qr) {
  if (outcome.status !== "NEEDS_CONNECTION") return outcome;
  const online = await verifyOnline(qr);
  if (!online) return outcome;
  // The service discloses nothing it has not verified: what the QR says is shown, marked not verified.
  if (online.status === "UNKNOWN_ISSUER" && !online.certificate) online.certificate = outcome.certificate;
  return online;
}

async function verifyText(text) {
  await state.ready;
  const qr = String(text ?? "").trim();
  if (!qr) {
    showPrompt("Nothing to check yet: scan the QR code with the camera, upload a photo of it, or paste its text here.");
    $("qr-text").focus();
    return;
  }
  if (formatOf(qr) === "ICAO") {
    showResult(await orOnline(await verifyQr(qr, state.trust), qr)); // needs no trust list on the device
    return;
  }
  if (!state.trustEntry || !state.trust.size) {
    showResult({ status: "NO_TRUST_LIST", reason: "this device has no list of trusted issuers yet" });
    return;
  }
  const outcome = await orOnline(await verifyQr(qr, state.trust, { revocation: trustedRevocation(), now: new Date() }), qr);
  if (outcome.incomplete) {
    // Not a verdict: a card in several QR codes needs every part (scan them in turn, or paste one per line).
    showPrompt(`${capitalise(outcome.reason)}: scan it too, or paste every part, one per line.`, "INCOMPLETE");
    return;
  }
  showResult(outcome);
}

// ---------------------------------------------------------------- inputs

/** A scanned SMART Health Card part: null when the card is complete (its text), else a "scan part n" message. */
function collectShcPart(text) {
  const chunk = shcChunk(text);
  if (!chunk || chunk.total === 1) return { text };
  if (state.shcParts.size && [...state.shcParts.values()][0].total !== chunk.total) state.shcParts.clear();
  state.shcParts.set(chunk.index, { total: chunk.total, text: String(text).trim() });
  const missing = [];
  for (let i = 1; i <= chunk.total; i++) if (!state.shcParts.has(i)) missing.push(i);
  if (missing.length) return { message: `Part ${chunk.index} of ${chunk.total} read: now scan part ${missing[0]}.` };
  const all = [...state.shcParts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p.text).join("\n");
  state.shcParts.clear();
  return { text: all };
}

async function startCamera() {
  const message = $("camera-support");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    message.textContent = "This browser gives no access to the camera here. Upload a photo or paste the text instead.";
    return;
  }
  message.textContent = "Starting the camera…";
  const { detector } = await qrReader();
  if (!detector) {
    message.textContent = "The QR reader could not be loaded on this device. Paste the QR code text below instead.";
    return;
  }
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 1920 }, height: { ideal: 1080 } },
      audio: false,
    });
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
  let frames = 0;
  const tick = async () => {
    if (!state.scanning) return;
    try {
      if (video.readyState >= 2) {
        // Every fourth frame also goes to zxing where the browser's own detector is used (dense DIVOC codes).
        frames++;
        const found = await readQr(video, { secondOpinion: frames % 4 === 0 });
        if (found) {
          const part = collectShcPart(found);
          if (part.message) {
            message.textContent = part.message;
          } else {
            stopCamera();
            message.textContent = "QR code read.";
            await verifyText(part.text);
            return;
          }
        }
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

function scaled(bitmap, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  if (scale === 1) return null;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas;
}

async function fromImage(file) {
  const hint = $("upload-hint");
  hint.textContent = "Reading the picture…";
  const { detector } = await qrReader();
  if (!detector) {
    hint.textContent = "The QR reader could not be loaded on this device. Paste the QR code text below instead.";
    return;
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    hint.textContent = "That file could not be read as a picture. Choose a photo (JPEG or PNG) or a screenshot.";
    return;
  }
  let text = null;
  try {
    // Phone-size first; then every pixel (a small QR in a large photo); then smaller (a blurred photo
    // often reads better with its blur scaled down).
    const attempts = [() => scaled(bitmap, MAX_PHOTO_SIDE) || bitmap, () => bitmap, () => scaled(bitmap, 1200)];
    const tried = new Set();
    for (const attempt of attempts) {
      const source = attempt();
      const size = source && `${source.width}x${source.height}`;
      if (!source || tried.has(size)) continue;
      tried.add(size);
      text = await readQr(source);
      if (text) break;
    }
  } catch {
    text = null;
  }
  if (!text) {
    hint.textContent = "No QR code was found in that picture. Take the photo closer, straight on, in focus and without glare, so the whole QR code fills most of the picture.";
    return;
  }
  const part = collectShcPart(text);
  if (part.message) {
    hint.textContent = `${part.message.replace("scan", "upload a photo of")}`;
    return;
  }
  hint.textContent = "QR code read from the picture.";
  await verifyText(part.text);
}

function setUpInputs() {
  const support = $("camera-support");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    support.textContent = "This browser gives no access to a camera here. Upload a photo of the QR code or paste its text instead.";
    $("start-camera").hidden = true;
  } else {
    support.textContent = "Uses the camera on this device; nothing is recorded or sent.";
  }
  qrReader().then(({ engine }) => {
    document.documentElement.dataset.qrReader = engine || "none";
  });
  $("start-camera").addEventListener("click", startCamera);
  $("stop-camera").addEventListener("click", () => {
    stopCamera();
    support.textContent = "Camera stopped.";
  });
  $("upload").addEventListener("change", (event) => {
    const file = event.target.files && event.target.files[0];
    if (file) fromImage(file).finally(() => { event.target.value = ""; }); // the same photo can be chosen again
  });
  $("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verifyText($("qr-text").value);
  });
  $("clear").addEventListener("click", () => {
    $("qr-text").value = "";
    resetResult();
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
