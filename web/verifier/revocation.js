// Revocation check against an EU-style revocation list, isolated here so its format is easy to adapt.
//
// Expected document (GET /v1/revocation-list):
//   {"hashes": ["<base64 of the first 16 bytes of SHA-256>", ...], "issuedAt", "expiresAt", "signature", ...}
// By default hashes are over the UVCI (the `ci` of the EU payload, -260 -> 1 -> v[0].ci). If the list names
// its hash types (`hashTypes` or `hashType`: "UCI", "COUNTRYCODEUCI", "SIGNATURE"), those are checked too.

function base64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

async function hash16(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return base64(digest.slice(0, 16));
}

function hashTypes(list) {
  const declared = list.hashTypes ?? (list.hashType ? [list.hashType] : null);
  return Array.isArray(declared) && declared.length ? declared.map(String) : ["UCI"];
}

/** Prepare a list once: a Set of hashes. Returns null when the document is unusable. */
export function prepareRevocationList(document) {
  if (!document || !Array.isArray(document.hashes)) return null;
  return { hashes: new Set(document.hashes.map(String)), types: hashTypes(document), document };
}

/**
 * @param prepared result of prepareRevocationList
 * @param cert {uci, country, signature (Uint8Array), alg}
 */
export async function isRevoked(prepared, { uci, country, signature, alg }) {
  if (!prepared) return false;
  const encoder = new TextEncoder();
  for (const type of prepared.types) {
    let input = null;
    if (type === "UCI" && uci) input = encoder.encode(uci);
    else if (type === "COUNTRYCODEUCI" && uci && country) input = encoder.encode(country + uci);
    else if (type === "SIGNATURE" && signature) input = alg === -7 ? signature.slice(0, 32) : signature;
    if (input && prepared.hashes.has(await hash16(input))) return true;
  }
  return false;
}

/** Seconds-since-epoch or ISO expiry of the list, if it says one. */
export function revocationListExpiry(document) {
  const value = document && document.expiresAt;
  if (!value) return null;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}
