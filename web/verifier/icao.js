// ICAO VDS-NC seals in the browser: {"data": {"hdr", "msg"}, "sig": {"alg": "ES256", "cer", "sigvl"}}.
// The signer certificate `sig.cer` must be issued by a trusted CSCA of the issuing state (trust list: framework
// "icao", CSCA certificates), or be a trusted key itself; then ES256 (raw r||s) over the RFC 8785 canonical JSON
// of `data`. Conservative: whatever this page cannot settle (an unknown CSCA, an algorithm or certificate it
// cannot read) is NEEDS_CONNECTION, which the page sends to the service when online; only a chain checked
// here gives VALID or SIGNATURE_INVALID.
import { base64ToBytes, bytesToBase64, result } from "./common.js";
import { alpha2 } from "./countries.js";
import { parseCertificate, parseSignedCertificate } from "./x509.js";

const CERT_ALGORITHMS = {
  "1.2.840.10045.4.3.2": ["ECDSA", "SHA-256"],
  "1.2.840.10045.4.3.3": ["ECDSA", "SHA-384"],
  "1.2.840.10045.4.3.4": ["ECDSA", "SHA-512"],
  "1.2.840.113549.1.1.11": ["RSASSA-PKCS1-v1_5", "SHA-256"],
  "1.2.840.113549.1.1.12": ["RSASSA-PKCS1-v1_5", "SHA-384"],
  "1.2.840.113549.1.1.13": ["RSASSA-PKCS1-v1_5", "SHA-512"],
};
const CURVE_BYTES = { "EC-P-256": 32, "EC-P-384": 48, "EC-P-521": 66 };

/** RFC 8785 JSON canonicalisation (what the seal's signature covers): sorted keys, ES number and string forms. */
export function canonicalJson(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}

function base64Any(text) {
  // Seals carry base64url, some with padding; standard base64 is accepted too.
  const b64 = String(text).replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  return base64ToBytes(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

/** ICAO Doc 9303 issuing-state codes to ISO alpha-2 ("D" is Germany, British codes start GB). */
function issuingCountry(code) {
  const value = String(code || "").toUpperCase().replace(/<+$/, "");
  if (value === "D") return "DE";
  if (/^GB[A-Z]$/.test(value)) return "GB";
  return alpha2(value);
}

/** A DER ECDSA-Sig-Value to raw r||s of `size` bytes each (what WebCrypto takes). */
function rawEcdsa(der, size) {
  if (der[0] !== 0x30) throw new Error("not an ECDSA signature");
  let at = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
  const parts = [];
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) throw new Error("not an ECDSA signature");
    const length = der[at + 1];
    let value = der.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) throw new Error("ECDSA integer too long");
    const padded = new Uint8Array(size);
    padded.set(value, size - value.length);
    parts.push(padded);
  }
  const out = new Uint8Array(2 * size);
  out.set(parts[0]);
  out.set(parts[1], size);
  return out;
}

async function issued(anchor, signer) {
  const algorithm = CERT_ALGORITHMS[signer.signatureAlgorithm];
  if (!algorithm) return false;
  const [family, hash] = algorithm;
  try {
    if (family === "ECDSA") {
      if (!anchor.keyType.startsWith("EC-P")) return false;
      const key = await crypto.subtle.importKey("spki", anchor.spki, { name: "ECDSA", namedCurve: anchor.keyType.slice(3) }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "ECDSA", hash }, key, rawEcdsa(signer.signature, CURVE_BYTES[anchor.keyType]), signer.tbs);
    }
    if (anchor.keyType !== "RSA") return false;
    const key = await crypto.subtle.importKey("spki", anchor.spki, { name: family, hash }, false, ["verify"]);
    return await crypto.subtle.verify({ name: family }, key, signer.signature, signer.tbs);
  } catch {
    return false;
  }
}

/** Trust list entries of framework "icao" with a certificate: [{spki, keyType, country, der64}]. */
export function prepareIcaoAnchors(entries) {
  const anchors = [];
  for (const entry of entries) {
    if (!entry || String(entry.framework || "").toLowerCase() !== "icao" || !entry.rawData) continue;
    try {
      const cert = parseCertificate(base64ToBytes(entry.rawData));
      anchors.push({ spki: cert.spki, keyType: cert.keyType, country: entry.country ? String(entry.country).toUpperCase() : null, spki64: bytesToBase64(cert.spki) });
    } catch {
      // an unreadable CSCA anchors nothing
    }
  }
  return anchors;
}

export async function verifyIcao(qr, trust, { now = new Date(), certificate = null } = {}) {
  const seal = JSON.parse(qr);
  const data = seal.data || {};
  const sig = seal.sig || {};
  const state = data.hdr && data.hdr.is;
  const common = { format: "ICAO", issuer: state || null, certificate };
  const needs = (why) => result("NEEDS_CONNECTION", `this ICAO travel seal is checked by the service (${why}): connect to the internet`, common);
  if (sig.alg !== "ES256" || typeof sig.cer !== "string" || typeof sig.sigvl !== "string") return needs("its signature is not one this device reads");
  let signer;
  try {
    signer = parseSignedCertificate(base64Any(sig.cer));
  } catch {
    return needs("its signer certificate is not one this device reads");
  }
  const country = issuingCountry(state);
  const anchors = (trust.icao || []).filter((a) => !a.country || !country || a.country === country);
  const own = bytesToBase64(signer.spki);
  let chained = anchors.some((a) => a.spki64 === own); // a trusted key that is the signer's own
  for (const anchor of anchors) {
    if (chained) break;
    chained = await issued(anchor, signer);
  }
  if (!chained) return needs("its signer is not one this device can check");
  if (signer.keyType !== "EC-P-256") return needs("its signer key is not P-256");
  let valid = false;
  try {
    const key = await crypto.subtle.importKey("spki", signer.spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const signature = base64Any(sig.sigvl);
    valid = signature.length === 64 && (await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, new TextEncoder().encode(canonicalJson(data))));
  } catch {
    valid = false;
  }
  if (!valid) return result("SIGNATURE_INVALID", "the signature does not match the seal's signer", { format: "ICAO", issuer: state || null, checks: { signature: false } });
  const failures = {};
  if (now > signer.notAfter) failures.EXPIRED = "the seal's signer certificate has expired";
  if (now < signer.notBefore) failures.NOT_YET_VALID = "the seal's signer certificate is not valid yet";
  const status = ["EXPIRED", "NOT_YET_VALID"].find((s) => s in failures) || "VALID";
  return result(status, failures[status] || "signature and signer certificate checked", {
    ...common,
    checks: { signature: true, expiry: status === "VALID", notRevoked: null },
  });
}
