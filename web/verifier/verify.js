// One entry point for the page: the scanned text -> the format's module (HC1/WHO, SHC, DIVOC, ICAO) -> one
// result shape. What a module cannot settle on this device is NEEDS_CONNECTION: the page then asks the API
// when online.
import { PREFIX as DIVOC_PREFIX, verifyDivoc } from "./divoc.js";
import { PREFIX as HC1_PREFIX, prepareTrustList, verifyHc1 } from "./hc1.js";
import { result } from "./common.js";
import { prepareIcaoAnchors, verifyIcao } from "./icao.js";
import { PREFIX as SHC_PREFIX, verifyShc } from "./shc.js";

function framework(entry) {
  return entry.framework ? String(entry.framework).toLowerCase() : "hc1";
}

function okpOrRsa(jwk) {
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519" && jwk.x) {
    return ["Ed25519", crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"])];
  }
  if (jwk.kty === "RSA" && jwk.n && jwk.e) {
    return ["RSA", crypto.subtle.importKey("jwk", { kty: "RSA", n: jwk.n, e: jwk.e }, { name: "RSA-PSS", hash: "SHA-256" }, false, ["verify"])];
  }
  return [null, null];
}

function dates(entry) {
  return {
    notBefore: entry.notBefore ? new Date(entry.notBefore) : null,
    notAfter: entry.notAfter ? new Date(entry.notAfter) : null,
  };
}

/**
 * GET /v1/trust-list -> {hc1: Map kid -> DSCs, shc: Map iss -> keys, divoc: Map DID -> keys, size}.
 * Entries without `framework` are HC1 (the list's original shape); unusable entries are skipped.
 */
export async function prepareTrust(document) {
  const entries = document && Array.isArray(document.certificates) ? document.certificates : [];
  const shc = new Map();
  const divoc = new Map();
  const unsupported = new Set(); // DIVOC DIDs whose key this browser cannot use (e.g. no WebCrypto Ed25519)
  let extra = 0;
  for (const entry of entries) {
    if (!entry || typeof entry !== "object" || !entry.jwk || typeof entry.jwk !== "object") continue;
    const kind = framework(entry);
    try {
      if (kind === "shc" && entry.issuer && entry.kid && entry.jwk.kty === "EC" && entry.jwk.crv === "P-256") {
        const key = crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: entry.jwk.x, y: entry.jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
        await key;
        const iss = String(entry.issuer).replace(/\/+$/, "");
        if (!shc.has(iss)) shc.set(iss, []);
        shc.get(iss).push({ kid: entry.kid, key, ...dates(entry) });
        extra++;
      } else if (kind === "divoc" && entry.kid) {
        const [type, key] = okpOrRsa(entry.jwk);
        if (!type) continue;
        try {
          await key;
        } catch {
          unsupported.add(entry.kid);
          unsupported.add(String(entry.kid).split("#")[0]);
          continue;
        }
        // By the DID as listed and without its fragment ("did:jamaica#key-1" also answers "did:jamaica"):
        // the signature decides, so a looser match cannot make a forgery pass.
        // `issuer`: the key only vouches for credentials of that issuer (DIVOC's default DID did:india is shared).
        const item = { type, key, issuer: entry.issuer ? String(entry.issuer).replace(/\/+$/, "") : null, ...dates(entry) };
        for (const id of new Set([entry.kid, String(entry.kid).split("#")[0]])) {
          if (!divoc.has(id)) divoc.set(id, []);
          divoc.get(id).push(item);
        }
        extra++;
      }
    } catch {
      // A key this browser cannot import is skipped; the others still work.
    }
  }
  const hc1 = await prepareTrustList(document);
  let size = extra;
  for (const list of hc1.values()) size += list.length;
  const icao = prepareIcaoAnchors(entries);
  return { hc1, shc, divoc, divocUnsupported: unsupported, icao, size: size + icao.length };
}

/** What an ICAO VDS-NC seal says (not verified on the device): for display only. */
export function summariseIcao(qr) {
  try {
    const data = JSON.parse(qr).data || {};
    const msg = data.msg || {};
    const pid = msg.pid || {};
    const event = (Array.isArray(msg.ve) && msg.ve[0]) || {};
    const doses = Array.isArray(event.vd) ? event.vd : [];
    const last = doses[doses.length - 1] || {};
    const clean = (v) => (typeof v === "string" && v.trim() ? v.trim().replace(/\s+/g, " ") : null);
    return {
      kind: "vaccination",
      name: clean(pid.n),
      dateOfBirth: clean(pid.dob),
      vaccine: clean(event.nam),
      dose: Number.isInteger(last.seq) ? last.seq : null,
      totalDoses: null,
      date: clean(last.dvc),
      country: clean(last.ctr) || clean(data.hdr && data.hdr.is),
      certificateId: clean(msg.uvci),
      hcid: clean(msg.uvci),
    };
  } catch {
    return null;
  }
}

export function isIcao(qr) {
  if (!qr.startsWith("{")) return false;
  try {
    const seal = JSON.parse(qr);
    return !!(seal && seal.data && seal.data.hdr && seal.sig && /^icao\./.test(String(seal.data.hdr.t || "")));
  } catch {
    return false;
  }
}

/** The format a scanned text claims to be (by its prefix), or null. */
export function formatOf(text) {
  const qr = String(text ?? "").trim();
  if (qr.startsWith(HC1_PREFIX)) return "HC1";
  if (qr.startsWith(SHC_PREFIX)) return "SHC";
  if (qr.startsWith(DIVOC_PREFIX)) return "DIVOC";
  if (isIcao(qr)) return "ICAO";
  return null;
}

/** Verify one scanned text on this device. */
export async function verifyQr(text, trust, { revocation = null, now = new Date() } = {}) {
  const qr = String(text ?? "").trim();
  if (!qr) return result("EMPTY", "nothing to verify yet");
  try {
    switch (formatOf(qr)) {
      case "HC1":
        return await verifyHc1(qr, trust.hc1, { revocation, now });
      case "SHC":
        return await verifyShc(qr, trust, { now });
      case "DIVOC":
        return await verifyDivoc(qr, trust, { revocation, now });
      case "ICAO":
        return await verifyIcao(qr, trust, { now, certificate: summariseIcao(qr) });
      default:
        return result("MALFORMED", "not a recognised vaccination certificate QR", {
          damaged: /^(hc1|shc|b64):/i.test(qr), // the right start in the wrong case: a misread
        });
    }
  } catch (e) {
    return result("MALFORMED", `the certificate cannot be read (${(e && e.message) || e})`, { format: formatOf(qr), damaged: true });
  }
}
