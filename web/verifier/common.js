// Small helpers the format modules share: encodings, bounded decompression, the result shape.

/** This browser lacks something a check needs (e.g. DecompressionStream before Safari 16.4): not a verdict. */
export class CannotCheckHere extends Error {}

export const CLOCK_SKEW_SECONDS = 300; // issuing systems' and phones' clocks drift
const MAX_INFLATED = 256 * 1024; // a zip bomb in a QR code is still a zip bomb

export function base64ToBytes(text) {
  const raw = atob(String(text).replace(/\s+/g, ""));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function base64UrlToBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return base64ToBytes(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

export function utf8(bytes) {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * Decompress with DecompressionStream ("deflate" = zlib, "deflate-raw" = raw DEFLATE), at most 256 KB out.
 * allowTrailing: bytes after the end of the DEFLATE stream are ignored (as zlib does; some real SMART Health
 * Cards have them), where DecompressionStream fails; the caller's parse of the output catches truncation.
 */
export async function inflate(bytes, format = "deflate", { allowTrailing = false } = {}) {
  let decompressor;
  try {
    decompressor = new DecompressionStream(format);
  } catch {
    throw new CannotCheckHere(`this browser cannot decompress ${format} data (update it, or connect to the internet)`);
  }
  const stream = new Blob([bytes]).stream().pipeThrough(decompressor);
  const reader = stream.getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (allowTrailing && total > 0) break;
      throw e;
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.length;
    if (total > MAX_INFLATED) {
      await reader.cancel();
      throw new Error("decompressed data too large");
    }
    parts.push(value);
  }
  return concat(...parts);
}

export function text(value) {
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

export function integer(value) {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && /^\d+$/.test(value.trim())) return Number(value.trim());
  return null;
}

export function day(value) {
  const s = text(value);
  return s ? s.slice(0, 10) : null;
}

export function mapping(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : {};
}

export function result(status, reason, extra = {}) {
  return { valid: status === "VALID", status, reason, format: null, issuer: null, kid: null, certificate: null, ...extra };
}

/** The worst of the failures found after a good signature (REVOKED > EXPIRED > NOT_YET_VALID), else VALID. */
export function verdict(failures) {
  return ["REVOKED", "EXPIRED", "NOT_YET_VALID"].find((s) => s in failures) || "VALID";
}
