// The signed revocation list (GET /v1/revocation-list), verified in the browser, and the revocation check.
//
// Document:
//   {"version": 1, "issuer": "JM", "issuedAt", "expiresAt", "hashType": "UCI",
//    "hashes": ["<base64 of the first 16 bytes of SHA-256 of the UCI>", ...],
//    "kid": "<base64 kid of the signing certificate in the trust list>", "jws": "<compact JWS>"}
// The JWS (ES256, header {"alg": "ES256", "kid", "typ"}) signs the JSON of every other field. It is checked with
// WebCrypto against the trust-list certificate with that kid (any type: it is the CSCA today), and only the
// SIGNED payload is used, never the unsigned copy beside it. Hash input: the UCI exactly as in the HC1 `ci`
// (e.g. "URN:UVCI:01:JM:7Q2K9M4XHD3R8T6WB1NC#X"), UTF-8; `divocHashes` (when present): the same hash of a
// migrated DIVOC certificate's certificateId. An expired list is still used (it can only add
// revocations, never remove one) but is reported as out of date.
import { parseCertificate } from "./x509.js";

const SKEW_MS = 5 * 60 * 1000;

export class RevocationListError extends Error {}

function base64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text) {
  const raw = atob(String(text).replace(/\s+/g, ""));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new RevocationListError("the JWS is not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

async function hash16(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return base64(digest.slice(0, 16));
}

function date(value) {
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Trust list entries (any certificate type) whose kid matches: [{spki, keyType, notBefore, notAfter, country}]. */
async function signersFor(trustDocument, kid) {
  const entries = trustDocument && Array.isArray(trustDocument.certificates) ? trustDocument.certificates : [];
  const found = [];
  for (const entry of entries) {
    try {
      const der = fromBase64(entry.rawData);
      const entryKid = entry.kid || base64(new Uint8Array(await crypto.subtle.digest("SHA-256", der)).slice(0, 8));
      if (entryKid !== kid) continue;
      const cert = parseCertificate(der);
      if (cert.keyType !== "EC-P-256") continue;
      found.push({ ...cert, country: entry.country || null });
    } catch {
      // an unreadable entry cannot sign anything
    }
  }
  return found;
}

/**
 * Verify a revocation list document against the trust list. Throws RevocationListError with the reason.
 * @returns {hashes: Set, count, issuedAt: Date, expiresAt: Date, expired: bool, issuer, kid, payload}
 */
export async function verifyRevocationList(document, trustDocument, { now = new Date() } = {}) {
  if (!document || typeof document.jws !== "string") throw new RevocationListError("no signature (jws)");
  const parts = document.jws.split(".");
  if (parts.length !== 3) throw new RevocationListError("the signature is not a compact JWS");
  let header;
  let payload;
  try {
    const text = new TextDecoder("utf-8", { fatal: true });
    header = JSON.parse(text.decode(fromBase64Url(parts[0])));
    payload = JSON.parse(text.decode(fromBase64Url(parts[1])));
  } catch (e) {
    throw new RevocationListError(e instanceof RevocationListError ? e.message : "the JWS is unreadable");
  }
  const signature = fromBase64Url(parts[2]);
  if (!header || header.alg !== "ES256" || "crit" in header) throw new RevocationListError("the signature must be ES256");
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) throw new RevocationListError("the signed content is not a list");
  if (typeof header.kid !== "string") throw new RevocationListError("the signature names no key");
  if (signature.length !== 64) throw new RevocationListError("an ES256 signature is 64 bytes");
  const signers = await signersFor(trustDocument, header.kid);
  if (!signers.length) throw new RevocationListError("its signing key is not in the trust list");
  const signed = new TextEncoder().encode(`${parts[0]}.${parts[1]}`);
  let signer = null;
  for (const candidate of signers) {
    try {
      const key = await crypto.subtle.importKey("spki", candidate.spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      // JWS ES256 signatures are raw r || s, which is what WebCrypto takes.
      if (await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, signed)) {
        signer = candidate;
        break;
      }
    } catch {
      // try the next certificate with this kid
    }
  }
  if (!signer) throw new RevocationListError("the signature does not match the trusted key");
  const issuedAt = date(payload.issuedAt);
  const expiresAt = date(payload.expiresAt);
  if (payload.hashType !== "UCI" || !Array.isArray(payload.hashes) || !issuedAt || !expiresAt) {
    throw new RevocationListError("the signed content lacks issuedAt, expiresAt, hashType UCI or hashes");
  }
  if (signer.country && payload.issuer && payload.issuer !== signer.country) {
    throw new RevocationListError(`issued for ${payload.issuer} with a key of ${signer.country}`);
  }
  if (issuedAt < signer.notBefore || issuedAt > signer.notAfter) {
    throw new RevocationListError("its signing certificate was not valid when it was signed");
  }
  return {
    hashes: new Set(payload.hashes.map(String)),
    // Migrated legacy DIVOC certificates whose vaxcert certificate is revoked or superseded (absent in older lists).
    divocHashes: new Set((Array.isArray(payload.divocHashes) ? payload.divocHashes : []).map(String)),
    count: payload.hashes.length + (Array.isArray(payload.divocHashes) ? payload.divocHashes.length : 0),
    issuedAt,
    expiresAt,
    expired: now.getTime() > expiresAt.getTime(),
    future: issuedAt.getTime() > now.getTime() + SKEW_MS,
    issuer: payload.issuer || null,
    kid: header.kid,
    payload,
  };
}

/**
 * A list ready for isRevoked, or {error} when it cannot be trusted (then nothing is checked against it).
 * A missing document (the service has no list) gives null.
 */
export async function prepareRevocationList(document, trustDocument, { now = new Date() } = {}) {
  if (!document) return null;
  try {
    return await verifyRevocationList(document, trustDocument, { now });
  } catch (e) {
    return { error: e instanceof RevocationListError ? e.message : "the list could not be checked", hashes: null };
  }
}

/**
 * @param prepared result of prepareRevocationList (a list with an error revokes nothing)
 * @param cert {uci} (the UVCI from the certificate's `ci`)
 */
export async function isRevoked(prepared, { uci }) {
  if (!prepared || !prepared.hashes || !uci) return false;
  return prepared.hashes.has(await hash16(new TextEncoder().encode(uci)));
}

/** A legacy DIVOC certificate (its `evidence[].certificateId`, exactly) listed in the signed `divocHashes`. */
export async function isDivocRevoked(prepared, certificateId) {
  if (!prepared || !prepared.divocHashes || !certificateId) return false;
  return prepared.divocHashes.has(await hash16(new TextEncoder().encode(certificateId)));
}

/** The list's expiry (Date) from its signed content, if it was verified. */
export function revocationListExpiry(prepared) {
  return prepared && prepared.expiresAt instanceof Date ? prepared.expiresAt : null;
}
