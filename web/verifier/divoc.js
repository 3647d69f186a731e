// DIVOC certificates in the browser: "B64:" + base64 of a zip holding certificate.json, a W3C verifiable
// credential with an Ed25519Signature2018 or RsaSignature2018 proof. The proof's detached JWS
// ({"alg": "EdDSA"|"PS256", "b64": false, "crit": ["b64"]}) signs
//   ASCII(header_b64 + ".") + SHA-256(URDNA2015(proof options)) + SHA-256(URDNA2015(credential without proof)),
// the proof options being the proof without `jws`, with "@context": security v2. Canonicalisation is the
// vendored jsonld.js; its document loader serves only the contexts bundled in ./contexts (never the network).
// Keys: trust list entries of framework "divoc" whose kid is the proof's verificationMethod (a DID).
import { isDivocRevoked } from "./revocation.js";
import {
  CLOCK_SKEW_SECONDS, CannotCheckHere, base64ToBytes, base64UrlToBytes, concat, day, inflate, integer, mapping, result, sha256, text, utf8,
} from "./common.js";

export const PREFIX = "B64:";
const SECURITY_V2 = "https://w3id.org/security/v2";
const PYLD_DEFAULT_BASE = "http://example.org/base/";
const MAX_UNZIPPED = 256 * 1024;

const here = (path) => new URL(path, import.meta.url).href;
const CONTEXT_FILES = {
  "https://www.w3.org/2018/credentials/v1": "./contexts/W32018CredentialsV1.json",
  "https://cowin.gov.in/credentials/vaccination/v1": "./contexts/DIVOCVaccinationContextV1.json",
  "https://cowin.gov.in/credentials/vaccination/v2": "./contexts/DIVOCVaccinationContextV2.json",
  // Other DIVOC deployments published the v2 context under their own names (as WHO's validator maps them).
  "https://divoc.prod/vaccine/credentials/vaccination/v1": "./contexts/DIVOCVaccinationContextV2.json",
  "https://divoc.lgcc.gov.lk/credentials/vaccination/v1": "./contexts/DIVOCVaccinationContextV2.json",
  "https://www.pedulilindungi.id/credentials/vaccination/v2": "./contexts/DIVOCVaccinationContextV2.json",
  "https://w3id.org/security/v1": "./contexts/security-v1.jsonld",
  "https://w3id.org/security/v2": "./contexts/security-v2.jsonld",
};
export const CONTEXT_URLS = Object.keys(CONTEXT_FILES);
export const ASSETS = [
  here("./vendor/jsonld/jsonld.esm.min.js"),
  ...new Set(Object.values(CONTEXT_FILES).map(here)),
].map((u) => new URL(u).pathname);

export class DivocError extends Error {}

// ---------------------------------------------------------------- zip

/** certificate.json from the zip (stored or deflated), read from the central directory. */
async function unzipCertificate(zip) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new DivocError("not a zip archive");
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  for (let n = 0; n < entries; n++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== 0x02014b50) throw new DivocError("damaged zip directory");
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (name !== "certificate.json") continue;
    if (size > MAX_UNZIPPED) throw new DivocError("certificate.json too large");
    if (local + 30 > zip.length || view.getUint32(local, true) !== 0x04034b50) throw new DivocError("damaged zip entry");
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = zip.subarray(start, start + compressedSize);
    if (data.length !== compressedSize) throw new DivocError("truncated zip entry");
    if (method === 0) return data;
    if (method === 8) return inflate(data, "deflate-raw");
    throw new DivocError(`unsupported zip compression ${method}`);
  }
  throw new DivocError("no certificate.json in the zip");
}

export async function decodeDivoc(qrText) {
  const qr = String(qrText ?? "").trim();
  if (!qr.startsWith(PREFIX)) throw new DivocError("not a DIVOC certificate (no B64: prefix)");
  let document;
  try {
    const zip = base64ToBytes(qr.slice(PREFIX.length));
    document = JSON.parse(utf8(await unzipCertificate(zip)));
  } catch (e) {
    if (e instanceof CannotCheckHere) throw e;
    throw new DivocError(`the QR text is damaged (${e instanceof DivocError ? e.message : "the certificate cannot be unpacked"})`);
  }
  if (!document || typeof document !== "object" || !document.credentialSubject || typeof document.credentialSubject !== "object") {
    throw new DivocError("the certificate has no credentialSubject");
  }
  return document;
}

export function summariseDivoc(document) {
  const subject = mapping(document.credentialSubject);
  const evidence = Array.isArray(document.evidence) && document.evidence.length ? mapping(document.evidence[document.evidence.length - 1]) : {};
  const address = mapping(mapping(evidence.facility).address);
  return {
    kind: "vaccination",
    name: text(subject.name),
    dateOfBirth: day(subject.dob),
    vaccine: text(evidence.vaccine),
    dose: integer(evidence.dose),
    totalDoses: integer(evidence.totalDoses),
    date: day(evidence.date),
    country: text(address.addressCountry),
    certificateId: text(evidence.certificateId),
    hcid: text(evidence.certificateId),
  };
}

// ---------------------------------------------------------------- canonicalisation

let jsonldLoading = null;

/** The vendored jsonld.js (a UMD bundle, so a classic script that sets window.jsonld), loaded once. */
export function loadJsonld() {
  if (globalThis.jsonld) return Promise.resolve(globalThis.jsonld);
  if (!jsonldLoading) {
    jsonldLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = here("./vendor/jsonld/jsonld.esm.min.js");
      script.onload = () => (globalThis.jsonld ? resolve(globalThis.jsonld) : reject(new Error("jsonld did not load")));
      script.onerror = () => reject(new Error("jsonld could not be loaded"));
      document.head.append(script);
    }).catch((e) => {
      jsonldLoading = null;
      throw e;
    });
  }
  return jsonldLoading;
}

const contexts = new Map();

async function documentLoader(url) {
  const file = CONTEXT_FILES[url];
  if (!file) throw new DivocError(`unknown JSON-LD context ${url} (only bundled contexts are used)`);
  if (!contexts.has(url)) {
    contexts.set(url, fetch(here(file)).then((r) => {
      if (!r.ok) throw new Error(`context ${url}: ${r.status}`);
      return r.json();
    }).catch((e) => { contexts.delete(url); throw e; }));
  }
  return { contextUrl: null, documentUrl: url, document: await contexts.get(url) };
}

/** URDNA2015 N-Quads, as pyld's jsonld.normalize gives them. */
export async function canonicalise(value) {
  const jsonld = await loadJsonld();
  // base: pyld (and so the server, and the real DIVOC signatures checked with it) resolves relative IRIs, such
  // as DIVOC's empty credentialSubject.id, against this default base; jsonld.js would drop them unsigned.
  return jsonld.canonize(value, { algorithm: "URDNA2015", format: "application/n-quads", documentLoader, safe: false, base: PYLD_DEFAULT_BASE });
}

/** The bytes the proof's JWS signs (header_b64 + "." + the two digests). */
export async function signingInput(document, headerB64) {
  const { proof, ...credential } = document;
  const { jws, ...options } = proof;
  options["@context"] = SECURITY_V2;
  const [optionsNquads, documentNquads] = await Promise.all([canonicalise(options), canonicalise(credential)]);
  const encoder = new TextEncoder();
  return concat(
    encoder.encode(`${headerB64}.`),
    await sha256(encoder.encode(optionsNquads)),
    await sha256(encoder.encode(documentNquads)),
  );
}

// ---------------------------------------------------------------- verification

const PROOF_ALGORITHMS = { Ed25519Signature2018: "EdDSA", RsaSignature2018: "PS256" };

async function signatureMatches(candidate, alg, signature, data) {
  try {
    const key = await candidate.key;
    if (alg === "EdDSA" && candidate.type === "Ed25519") return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
    if (alg === "PS256" && candidate.type === "RSA") {
      // DIVOC signs with salt 32; other signers use the maximum (any salt is as strong; the engine accepts any).
      const maxSalt = signature.length - 32 - 2;
      for (const saltLength of new Set([32, maxSalt, 0, 64])) {
        if (saltLength >= 0 && (await crypto.subtle.verify({ name: "RSA-PSS", saltLength }, key, signature, data))) return true;
      }
      return false;
    }
  } catch {
    // an unusable key (e.g. a browser without Ed25519): not a match
  }
  return false;
}

function dayEdge(value, end) {
  const day = value ? String(value).slice(0, 10) : "";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  return new Date(`${day}T${end ? "23:59:59.999" : "00:00:00"}Z`);
}

function didBase(value) {
  return String(value || "").split("#")[0];
}

/**
 * @param trust prepared trust (verify.js prepareTrust): trust.divoc is Map kid (DID) -> [{type, key, notBefore, notAfter}]
 */
export async function verifyDivoc(qrText, trust, { revocation = null, now = new Date() } = {}) {
  let document;
  try {
    document = await decodeDivoc(qrText);
  } catch (e) {
    if (e instanceof CannotCheckHere) return result("NEEDS_CONNECTION", e.message, { format: "DIVOC" });
    return result("MALFORMED", e.message || "the certificate cannot be read", { format: "DIVOC", damaged: true });
  }
  const certificate = summariseDivoc(document);
  const proofs = document.proof;
  const proof = mapping(Array.isArray(proofs) && proofs.length === 1 ? proofs[0] : proofs);
  const method = text(proof.verificationMethod);
  if (!method) return result("MALFORMED", "the certificate's proof names no signing key (verificationMethod)", { format: "DIVOC" });
  const issuer = typeof document.issuer === "string" ? document.issuer : text(mapping(document.issuer).id);
  const common = { format: "DIVOC", issuer, kid: method };
  // A key bound to a credential issuer vouches only for that issuer's credentials (as the engine: string issuers).
  const bound = typeof document.issuer === "string" ? document.issuer.trim().replace(/\/+$/, "") : null;
  const candidates = (method ? trust.divoc.get(method) || trust.divoc.get(didBase(method)) || [] : [])
    .filter((k) => !k.issuer || k.issuer === bound);
  if (!candidates.length && method && trust.divocUnsupported && (trust.divocUnsupported.has(method) || trust.divocUnsupported.has(didBase(method)))) {
    // The issuer is trusted, but this browser cannot check its kind of signature: not a verdict on the certificate.
    return result("NEEDS_CONNECTION", "this browser cannot check this issuer's kind of signature (Ed25519): connect to the internet, or update the browser", { ...common, certificate });
  }
  if (!candidates.length) {
    return result("UNKNOWN_ISSUER", `the signing key ${method} is not in the trust list`, { ...common, certificate });
  }
  // With a trusted key, as the engine: a proof that is not a DIVOC proof is MALFORMED, a wrong one invalid.
  const invalid = (reason) => result("SIGNATURE_INVALID", reason, { ...common, checks: { signature: false } });
  const malformed = (reason) => result("MALFORMED", reason, common);
  const alg = PROOF_ALGORITHMS[proof.type];
  if (!alg) return malformed(`unsupported proof type ${proof.type}`);
  const jws = text(proof.jws);
  const parts = jws ? jws.split(".") : [];
  if (parts.length !== 3 || parts[1] !== "") return malformed("the certificate's proof is not a detached signature");
  let header, signature;
  try {
    header = JSON.parse(utf8(base64UrlToBytes(parts[0])));
    signature = base64UrlToBytes(parts[2]);
  } catch {
    return malformed("the certificate's proof is unreadable");
  }
  if (!header || header.alg !== alg) return malformed(`a ${proof.type} proof must use alg ${alg}`);
  if (header.b64 !== false || !Array.isArray(header.crit) || !header.crit.includes("b64")) {
    return malformed("the proof must be unencoded (b64: false, crit: [b64])");
  }
  let data;
  try {
    data = await signingInput(document, parts[0]);
  } catch (e) {
    if (e instanceof DivocError) return invalid(e.message);
    // The canonicaliser itself did not load (e.g. not cached yet while offline): nothing was verified.
    return result("NEEDS_CONNECTION", "this device could not load the DIVOC checker: go online once and try again", { ...common, certificate });
  }
  let signer = null;
  for (const candidate of candidates) {
    if (await signatureMatches(candidate, alg, signature, data)) { signer = candidate; break; }
  }
  if (!signer) return invalid("the signature does not match the trusted key");
  const failures = {};
  const revoked = revocation ? await isDivocRevoked(revocation, certificate.certificateId) : false;
  if (revoked) failures.REVOKED = "the ministry has revoked this certificate, or replaced it with a new one";
  // Day granularity, as the engine: valid from the start of the issuance day to the end of the expiration day.
  const expires = text(document.expirationDate);
  const issued = text(document.issuanceDate);
  const until = dayEdge(expires, true);
  const from = dayEdge(issued, false);
  if (until && now > until) failures.EXPIRED = "the certificate has expired";
  else if (signer.notAfter && now > signer.notAfter) failures.EXPIRED = "the issuer's signing key has expired";
  if (from && now.getTime() < from.getTime() - CLOCK_SKEW_SECONDS * 1000) failures.NOT_YET_VALID = "the certificate is not valid yet (check this device's clock)";
  const status = ["REVOKED", "EXPIRED", "NOT_YET_VALID"].find((s) => s in failures) || "VALID";
  return result(status, failures[status] || "signature and validity checked", {
    ...common,
    certificate,
    issuedAt: issued,
    expiresAt: expires,
    checks: {
      signature: true,
      expiry: !("EXPIRED" in failures || "NOT_YET_VALID" in failures),
      notRevoked: revocation && revocation.divocHashes ? !revoked : null,
    },
  });
}
