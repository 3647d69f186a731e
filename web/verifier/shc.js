// SMART Health Cards in the browser: "shc:/" + two digits per JWS character -> compact JWS (ES256, header
// zip: "DEF" = raw DEFLATE) -> WebCrypto ECDSA P-256 with the issuer's key (trust list: framework "shc",
// `issuer` = the card's `iss`, `kid` = the JWK thumbprint). A card of several QR codes ("shc:/1/2/...") is
// verified once every part is given (one per line).
import {
  CLOCK_SKEW_SECONDS, CannotCheckHere, base64UrlToBytes, day, inflate, mapping, result, text, utf8, verdict,
} from "./common.js";

export const PREFIX = "shc:/";

const CVX_NAMES = {
  207: "Spikevax (Moderna)",
  208: "Comirnaty (Pfizer-BioNTech)",
  210: "Vaxzevria (AstraZeneca)",
  211: "Nuvaxovid (Novavax)",
  212: "COVID-19 Vaccine Janssen",
  213: "COVID-19 vaccine, unspecified",
  217: "Comirnaty (Pfizer-BioNTech)",
  218: "Comirnaty (Pfizer-BioNTech), pediatric",
  221: "Spikevax (Moderna)",
  228: "Spikevax (Moderna), pediatric",
  300: "Comirnaty bivalent (Pfizer-BioNTech)",
  301: "Comirnaty bivalent (Pfizer-BioNTech)",
};

export class ShcError extends Error {}

/** The chunk of one scanned text: {index, total, digits}; total 1 for a single QR. */
export function shcChunk(qrText) {
  const qr = String(qrText ?? "").trim();
  const m = /^shc:\/(?:(\d+)\/(\d+)\/)?(\d*)$/.exec(qr);
  if (!m) return null;
  const total = m[2] ? Number(m[2]) : 1;
  const index = m[1] ? Number(m[1]) : 1;
  if (total < 1 || index < 1 || index > total) return null;
  return { index, total, digits: m[3] };
}

/** The JWS of one card from its QR text(s): one "shc:/..." per line, chunks in any order. */
export function shcJws(qrText) {
  const lines = String(qrText ?? "").split(/\s+/).filter(Boolean);
  const chunks = lines.map(shcChunk);
  if (!chunks.length || chunks.some((c) => !c)) throw new ShcError("the QR text is damaged (not shc:/ followed by digits)");
  const total = chunks[0].total;
  const parts = new Array(total);
  for (const chunk of chunks) {
    if (chunk.total !== total) throw new ShcError("the QR codes are parts of different cards");
    parts[chunk.index - 1] = chunk.digits;
  }
  const missing = [];
  for (let i = 0; i < total; i++) if (parts[i] === undefined) missing.push(i + 1);
  if (missing.length) {
    const error = new ShcError(`this card has ${total} QR codes: part ${missing.join(", ")} is missing`);
    error.incomplete = true;
    throw error;
  }
  const digits = parts.join("");
  if (digits.length % 2) throw new ShcError("the QR text is damaged (an odd number of digits)");
  let jws = "";
  for (let i = 0; i < digits.length; i += 2) {
    const n = Number(digits.slice(i, i + 2));
    if (n > 77) throw new ShcError("the QR text is damaged (a digit pair out of range)");
    jws += String.fromCharCode(n + 45);
  }
  return jws;
}

export async function decodeShc(qrText) {
  const jws = shcJws(qrText);
  const parts = jws.split(".");
  if (parts.length !== 3) throw new ShcError("the QR text is damaged (not a signed card)");
  let header, payload, signature;
  try {
    header = JSON.parse(utf8(base64UrlToBytes(parts[0])));
    let raw = base64UrlToBytes(parts[1]);
    if (header && header.zip === "DEF") raw = await inflate(raw, "deflate-raw", { allowTrailing: true });
    payload = JSON.parse(utf8(raw));
    signature = base64UrlToBytes(parts[2]);
  } catch (e) {
    if (e instanceof CannotCheckHere) throw e;
    throw new ShcError("the QR text is damaged (the card cannot be unpacked)");
  }
  if (!header || typeof header !== "object" || !payload || typeof payload !== "object") {
    throw new ShcError("the card's header or content is not a JSON object");
  }
  return { header, payload, signature, signingInput: new TextEncoder().encode(`${parts[0]}.${parts[1]}`) };
}

function fhirName(names) {
  if (!Array.isArray(names) || !names.length || !names[0] || typeof names[0] !== "object") return null;
  const given = (Array.isArray(names[0].given) ? names[0].given : []).filter((g) => typeof g === "string");
  const family = typeof names[0].family === "string" ? names[0].family : "";
  return text([...given, family].join(" ").replace(/\s+/g, " "));
}

export function summariseShc(payload) {
  const bundle = mapping(mapping(mapping(mapping(payload.vc).credentialSubject)).fhirBundle);
  const resources = (Array.isArray(bundle.entry) ? bundle.entry : []).map((e) => mapping(mapping(e).resource));
  const patient = resources.find((r) => r.resourceType === "Patient") || {};
  const immunizations = resources.filter((r) => r.resourceType === "Immunization");
  immunizations.sort((a, b) => String(a.occurrenceDateTime || "").localeCompare(String(b.occurrenceDateTime || "")));
  const latest = immunizations[immunizations.length - 1] || {};
  const coding = (mapping(latest.vaccineCode).coding || []).find((c) => c && c.code);
  const cvx = coding ? String(coding.code) : null;
  return {
    kind: "vaccination",
    name: fhirName(patient.name),
    dateOfBirth: day(patient.birthDate),
    vaccine: cvx ? CVX_NAMES[cvx] || `CVX ${cvx}` : null,
    dose: immunizations.length || null, // SHC has no dose number: count the doses on the card
    totalDoses: null,
    date: day(latest.occurrenceDateTime),
    country: null,
    certificateId: null,
    hcid: null,
  };
}

function numericDate(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * @param trust prepared trust (verify.js prepareTrust): trust.shc is Map iss -> [{kid, key, notBefore, notAfter}]
 */
export async function verifyShc(qrText, trust, { now = new Date() } = {}) {
  let card;
  try {
    card = await decodeShc(qrText);
  } catch (e) {
    if (e instanceof CannotCheckHere) return result("NEEDS_CONNECTION", e.message, { format: "SHC" });
    return result("MALFORMED", e.message || "the card cannot be read", { format: "SHC", damaged: !e.incomplete, incomplete: !!e.incomplete });
  }
  if (card.header.alg !== "ES256") {
    return result("MALFORMED", `SMART Health Cards are signed ES256, not ${card.header.alg}`, { format: "SHC" });
  }
  const issuer = text(card.payload.iss);
  const kid = text(card.header.kid);
  const certificate = summariseShc(card.payload);
  const common = { format: "SHC", issuer, kid };
  const keys = (issuer && trust.shc.get(issuer.replace(/\/+$/, ""))) || [];
  const candidates = keys.filter((k) => k.kid === kid);
  if (!candidates.length) {
    const reason = keys.length ? "the issuer's key that signed this card is not in the trust list" : "the issuer is not in the trust list";
    return result("UNKNOWN_ISSUER", reason, { ...common, certificate });
  }
  let signer = null;
  if (card.signature.length === 64) {
    for (const candidate of candidates) {
      try {
        if (await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, await candidate.key, card.signature, card.signingInput)) {
          signer = candidate;
          break;
        }
      } catch {
        // a key of another type: not this one
      }
    }
  }
  if (!signer) {
    return result("SIGNATURE_INVALID", "the signature does not match the trusted key", { ...common, checks: { signature: false } });
  }
  const at = now.getTime() / 1000;
  const nbf = numericDate(card.payload.nbf);
  const exp = numericDate(card.payload.exp);
  const failures = {};
  if (exp !== null && exp < at) failures.EXPIRED = "the card has expired";
  else if (signer.notAfter && now > signer.notAfter) failures.EXPIRED = "the issuer's signing key has expired";
  if (nbf !== null && nbf > at + CLOCK_SKEW_SECONDS) failures.NOT_YET_VALID = "the card is not valid yet (check this device's clock)";
  const status = verdict(failures);
  return result(status, failures[status] || "signature and validity checked", {
    ...common,
    certificate,
    issuedAt: nbf !== null ? new Date(nbf * 1000).toISOString() : null,
    expiresAt: exp !== null ? new Date(exp * 1000).toISOString() : null,
    checks: { signature: true, expiry: !(status === "EXPIRED" || status === "NOT_YET_VALID"), notRevoked: null },
  });
}
