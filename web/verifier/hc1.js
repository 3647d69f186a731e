// HC1 (EU DCC / WHO GDHCN) verification entirely in the browser:
// "HC1:" -> Base45 -> zlib inflate (DecompressionStream) -> COSE_Sign1 -> WebCrypto ES256/PS256 -> CWT claims.
//
// Status precedence (worst first), as the server's engine: MALFORMED > UNKNOWN_ISSUER > SIGNATURE_INVALID >
// REVOKED > EXPIRED / NOT_YET_VALID > VALID. Only trusted certificates whose kid matches are tried.
import * as base45 from "./base45.js";
import { decode as cborDecode } from "./cbor.js";
import { ES256, PS256, parseSign1 } from "./cose.js";
import { isRevoked } from "./revocation.js";
import { parseCertificate } from "./x509.js";
import { CLOCK_SKEW_SECONDS, CannotCheckHere, base64ToBytes, bytesToBase64, inflate, result as baseResult, text } from "./common.js";

export const PREFIX = "HC1:";

const VACCINES = {
  "EU/1/20/1528": "Comirnaty (Pfizer-BioNTech)",
  "EU/1/20/1507": "Spikevax (Moderna)",
  "EU/1/21/1529": "Vaxzevria (AstraZeneca)",
  "EU/1/20/1525": "COVID-19 Vaccine Janssen (Johnson & Johnson)",
  "EU/1/21/1618": "Nuvaxovid (Novavax)",
  Covishield: "Covishield (Serum Institute of India)",
  "BBIBP-CorV": "Covilo (Sinopharm)",
  CoronaVac: "CoronaVac (Sinovac)",
  "Sputnik-V": "Sputnik V",
};

export { base64ToBytes, bytesToBase64 };

function plain(value) {
  if (value instanceof Map) {
    const out = {};
    for (const [k, v] of value) out[String(k)] = plain(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function integer(value) {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "bigint") return Number(value);
  return null;
}

function epoch(value) {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "bigint") return Number(value);
  return null;
}

function hcidFromUci(uci) {
  if (!uci) return null;
  const prefix = "URN:UVCI:01:";
  if (uci.startsWith(prefix)) {
    const parts = uci.slice(prefix.length).split("#")[0].split(":");
    if (parts.length === 2 && parts[1]) return parts[1];
  }
  return uci;
}

/** Trust list entries of the HC1 framework (today's entries have no `framework`: they are HC1 DSCs). */
export function isHc1Entry(entry) {
  return !entry.framework || String(entry.framework).toLowerCase() === "hc1";
}

/** Trust list JSON (GET /v1/trust-list) -> Map kid(base64) -> [{spki | jwk, keyType, keys, notBefore, notAfter, country}]. */
export async function prepareTrustList(document) {
  const byKid = new Map();
  const entries = document && Array.isArray(document.certificates) ? document.certificates : [];
  for (const entry of entries) {
    if (!entry || !isHc1Entry(entry)) continue;
    if (entry.certificateType && entry.certificateType !== "DSC") continue;
    try {
      const item = entry.rawData ? await fromCertificate(entry) : await fromJwk(entry);
      if (!item) continue;
      if (!byKid.has(item.kid)) byKid.set(item.kid, []);
      byKid.get(item.kid).push(item);
    } catch {
      // An unreadable entry is skipped; the others still work.
    }
  }
  return byKid;
}

async function fromCertificate(entry) {
  const der = base64ToBytes(entry.rawData);
  const cert = parseCertificate(der);
  const kid = entry.kid || bytesToBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", der)).slice(0, 8));
  if (!cert.keyType.startsWith("EC-P") && cert.keyType !== "RSA") return null;
  // Validate the key once now (an unusable key is skipped); RSA-PSS keys are re-imported per hash.
  const validated = await importKey(cert.spki, cert.keyType, "SHA-256");
  const notBefore = entry.notBefore ? new Date(entry.notBefore) : cert.notBefore;
  const notAfter = entry.notAfter ? new Date(entry.notAfter) : cert.notAfter;
  return { kid, spki: cert.spki, keyType: cert.keyType, keys: new Map([[cert.keyType === "RSA" ? "SHA-256" : "EC", Promise.resolve(validated)]]), notBefore, notAfter, country: entry.country || null };
}

/** A key imported from a JWKS (no certificate): its validity is what the trust list says. */
async function fromJwk(entry) {
  const jwk = entry.jwk;
  if (!entry.kid || !jwk || typeof jwk !== "object") return null;
  const keyType = jwk.kty === "EC" && ["P-256", "P-384", "P-521"].includes(jwk.crv) ? `EC-${jwk.crv}` : jwk.kty === "RSA" ? "RSA" : null;
  if (!keyType) return null;
  const validated = await importKey({ jwk }, keyType, "SHA-256");
  return {
    kid: entry.kid,
    spki: { jwk },
    keyType,
    keys: new Map([[keyType === "RSA" ? "SHA-256" : "EC", Promise.resolve(validated)]]),
    notBefore: entry.notBefore ? new Date(entry.notBefore) : new Date(0),
    notAfter: entry.notAfter ? new Date(entry.notAfter) : new Date(8.64e15),
    country: entry.country || null,
  };
}

// COSE algorithm -> [family, hash]. The hash comes from alg, the curve from the DSC's key (as the EU reference
// verifiers do: some issuers label a P-384 signature ES256).
const ALGORITHMS = new Map([
  [ES256, ["ECDSA", "SHA-256"]],
  [-35, ["ECDSA", "SHA-384"]],
  [-36, ["ECDSA", "SHA-512"]],
  [PS256, ["RSA-PSS", "SHA-256"]],
  [-38, ["RSA-PSS", "SHA-384"]],
  [-39, ["RSA-PSS", "SHA-512"]],
]);
const EC_SIGNATURE_LENGTH = { "EC-P-256": 64, "EC-P-384": 96, "EC-P-521": 132 };
const HASH_LENGTH = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

function importKey(spki, keyType, hash) {
  // spki: DER bytes, or {jwk} for a key that came without a certificate.
  const [format, data] = spki instanceof Uint8Array ? ["spki", spki] : ["jwk", { ...spki.jwk, alg: undefined, key_ops: undefined, use: undefined }];
  if (keyType === "RSA") return crypto.subtle.importKey(format, data, { name: "RSA-PSS", hash }, false, ["verify"]);
  return crypto.subtle.importKey(format, data, { name: "ECDSA", namedCurve: keyType.slice(3) }, false, ["verify"]);
}

async function signatureMatches(candidate, alg, signature, toBeSigned) {
  const algorithm = ALGORITHMS.get(alg);
  if (!algorithm) return false;
  const [family, hash] = algorithm;
  const isEc = candidate.keyType.startsWith("EC-P");
  if ((family === "ECDSA") !== isEc) return false;
  if (isEc && signature.length !== EC_SIGNATURE_LENGTH[candidate.keyType]) return false;
  const cacheKey = isEc ? "EC" : hash;
  if (!candidate.keys.has(cacheKey)) candidate.keys.set(cacheKey, importKey(candidate.spki, candidate.keyType, hash));
  try {
    const key = await candidate.keys.get(cacheKey);
    const params = isEc ? { name: "ECDSA", hash } : { name: "RSA-PSS", saltLength: HASH_LENGTH[hash] };
    return await crypto.subtle.verify(params, key, signature, toBeSigned);
  } catch {
    return false;
  }
}

function result(status, reason, extra = {}) {
  return baseResult(status, reason, { format: "HC1", ...extra });
}

/** Decode without checking anything: throws on malformed input. */
export async function decodeHc1(qrText) {
  const qr = String(qrText ?? "").trim();
  if (!qr.startsWith(PREFIX)) throw new Error("not an HC1 certificate (no HC1: prefix)");
  let bytes;
  try {
    bytes = base45.decode(qr.slice(PREFIX.length));
  } catch (e) {
    throw new Error(`the QR text is damaged (${e.message})`);
  }
  let cose = bytes;
  if (bytes.length && bytes[0] === 0x78) {
    try {
      cose = await inflate(bytes, "deflate");
    } catch (e) {
      if (e instanceof CannotCheckHere) throw e;
      throw new Error("the QR text is damaged (decompression failed)");
    }
  }
  const sign1 = parseSign1(cose);
  let claims;
  try {
    claims = cborDecode(sign1.payload);
  } catch (e) {
    throw new Error(`the certificate content is unreadable (${e.message})`);
  }
  if (!(claims instanceof Map)) throw new Error("the certificate content is not a CWT claims map");
  const hcert = claims.get(-260);
  // WHO's own DDCC QR: the same envelope around a flat DDCC:VS map ("name", "birthDate", ...) instead of CWT claims.
  const who = hcert === undefined && typeof claims.get("name") === "string" ? plain(claims) : null;
  if (!who && !(hcert instanceof Map)) throw new Error("no health certificate (-260) in the claims");
  return {
    sign1,
    format: who ? "WHO" : "HC1",
    issuer: text(claims.get(1)),
    exp: epoch(claims.get(4)),
    iat: epoch(claims.get(6)),
    eu: hcert instanceof Map && hcert.has(1) ? plain(hcert.get(1)) : null,
    ddcc: hcert instanceof Map && hcert.get(3) instanceof Map ? hcert.get(3) : null,
    who,
  };
}

/** A DDCC date ("2022-07-08" or a date-time) as the start or the end of that day (UTC), or null. */
function dayEdge(value, end) {
  const s = text(value);
  if (!s) return null;
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T${end ? "23:59:59.999" : "00:00:00"}Z` : s);
  return Number.isNaN(date.getTime()) ? null : date;
}

function coded(value) {
  if (value && typeof value === "object") return text(value.display) || text(value.code);
  return text(value);
}

function summariseWho(who) {
  return {
    kind: "vaccination",
    name: text(who.name),
    dateOfBirth: text(who.birthDate) ? text(who.birthDate).slice(0, 10) : null,
    vaccine: coded(who.brand) || coded(who.vaccine),
    dose: integer(who.dose),
    totalDoses: integer(who.total_doses),
    date: text(who.date) ? text(who.date).slice(0, 10) : null,
    country: coded(who.country),
    certificateId: text(who.hcid),
    hcid: text(who.hcid),
  };
}

export function summarise(doc) {
  if (doc.who) return summariseWho(doc.who);
  const eu = doc.eu || {};
  const nam = eu.nam || {};
  const name = [text(nam.gn) || text(nam.gnt), text(nam.fn) || text(nam.fnt)].filter(Boolean).join(" ") || null;
  const entry = (Array.isArray(eu.v) && eu.v[0]) || (Array.isArray(eu.t) && eu.t[0]) || (Array.isArray(eu.r) && eu.r[0]) || {};
  const kind = Array.isArray(eu.v) && eu.v.length ? "vaccination" : Array.isArray(eu.t) && eu.t.length ? "test" : Array.isArray(eu.r) && eu.r.length ? "recovery" : null;
  const uci = text(entry.ci);
  const mp = text(entry.mp);
  const hcid = (doc.ddcc && text(doc.ddcc.get(11))) || hcidFromUci(uci);
  return {
    kind,
    name,
    dateOfBirth: text(eu.dob),
    vaccine: mp ? VACCINES[mp] || mp : null,
    dose: integer(entry.dn),
    totalDoses: integer(entry.sd),
    date: text(entry.dt) ? text(entry.dt).slice(0, 10) : text(entry.sc) ? text(entry.sc).slice(0, 10) : text(entry.fr),
    country: text(entry.co),
    certificateId: uci,
    hcid,
  };
}

/**
 * Verify one scanned HC1 (EU DCC or WHO DDCC) text.
 * @param trust Map from prepareTrustList
 * @param options {revocation: prepared revocation list or null, now: Date}
 * @returns {valid, status, reason, format, issuer, kid, certificate, checks}; certificate also on
 *   UNKNOWN_ISSUER (decoded, NOT verified: the page labels it so), never on SIGNATURE_INVALID / MALFORMED.
 */
export async function verifyHc1(qrText, trust, { revocation = null, now = new Date() } = {}) {
  const qr = String(qrText ?? "").trim();
  if (!qr) return result("MALFORMED", "nothing to verify: the QR text is empty", { format: null });
  if (!qr.startsWith(PREFIX)) return result("MALFORMED", "not a recognised vaccination certificate QR", { format: null });
  let doc;
  try {
    doc = await decodeHc1(qr);
  } catch (e) {
    if (e instanceof CannotCheckHere) return result("NEEDS_CONNECTION", e.message);
    return result("MALFORMED", e.message || "unreadable certificate", { damaged: true });
  }
  const { sign1 } = doc;
  const common = { format: doc.format, issuer: doc.issuer, kid: sign1.kid ? bytesToBase64(sign1.kid) : null };
  const unverified = () => {
    try {
      return summarise(doc);
    } catch {
      return null;
    }
  };
  if (!sign1.kid) return result("UNKNOWN_ISSUER", "no key identifier (kid) in the certificate", { ...common, certificate: unverified() });
  const candidates = trust.get(common.kid) || [];
  if (!candidates.length) return result("UNKNOWN_ISSUER", "the signing key is not in the trust list", { ...common, certificate: unverified() });
  let signer = null;
  for (const candidate of candidates) {
    if (await signatureMatches(candidate, sign1.alg, sign1.signature, sign1.toBeSigned)) {
      signer = candidate;
      break;
    }
  }
  if (!signer) {
    const reason = ALGORITHMS.has(sign1.alg) ? "the signature does not match the trusted key" : `unsupported signature algorithm ${sign1.alg}`;
    return result("SIGNATURE_INVALID", reason, { ...common, checks: { signature: false } });
  }
  const certificate = summarise(doc);
  const at = now.getTime() / 1000;
  const expired = doc.exp !== null && doc.exp < at;
  const premature = doc.iat !== null && doc.iat > at + CLOCK_SKEW_SECONDS;
  const revoked = revocation
    ? await isRevoked(revocation, { uci: certificate.certificateId, country: certificate.country, signature: sign1.signature, alg: sign1.alg })
    : false;
  // WHO's flat DDCC map has its own validity (valid_from, valid_until or period.end), used without CWT dates.
  const who = doc.who || {};
  const whoUntil = doc.exp === null ? dayEdge(who.valid_until || (who.period && who.period.end), true) : null;
  const whoFrom = doc.iat === null ? dayEdge(who.valid_from || (who.period && who.period.start), false) : null;
  const failures = {};
  if (revoked) failures.REVOKED = "this certificate has been revoked by its issuer";
  if (expired || (whoUntil && now > whoUntil)) failures.EXPIRED = "the certificate has expired";
  else if (now > signer.notAfter) failures.EXPIRED = "the issuer's signing certificate has expired";
  if (premature || (whoFrom && now < whoFrom)) failures.NOT_YET_VALID = "the certificate is not valid yet (check this device's clock)";
  else if (now < signer.notBefore) failures.NOT_YET_VALID = "the issuer's signing certificate is not valid yet";
  const status = ["REVOKED", "EXPIRED", "NOT_YET_VALID"].find((s) => s in failures) || "VALID";
  return result(status, failures[status] || "signature and validity checked", {
    ...common,
    certificate,
    expiresAt: doc.exp ? new Date(doc.exp * 1000).toISOString() : null,
    issuedAt: doc.iat ? new Date(doc.iat * 1000).toISOString() : null,
    checks: {
      signature: true,
      expiry: !("EXPIRED" in failures || "NOT_YET_VALID" in failures),
      signerValidity: now >= signer.notBefore && now <= signer.notAfter,
      notRevoked: revocation ? !revoked : null,
    },
  });
}
