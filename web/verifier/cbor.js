// A small CBOR (RFC 8949) decoder and the encoder subset COSE needs. Maps decode to Map (HCERT keys are
// integers; a key twice is refused), byte strings to Uint8Array, tags to Tagged, 64-bit integers beyond 2^53 to BigInt.

export class CborError extends Error {}

export class Tagged {
  constructor(tag, value) {
    this.tag = tag;
    this.value = value;
  }
}

const MAX_DEPTH = 64;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decode(bytes) {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (reader.pos !== bytes.length) throw new CborError("CBOR: trailing bytes");
  return value;
}

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
  }

  need(n) {
    if (this.pos + n > this.bytes.length) throw new CborError("CBOR: unexpected end of data");
  }

  u8() {
    this.need(1);
    return this.bytes[this.pos++];
  }

  argument(info) {
    if (info < 24) return info;
    if (info === 24) return this.u8();
    if (info === 25) { this.need(2); const v = this.view.getUint16(this.pos); this.pos += 2; return v; }
    if (info === 26) { this.need(4); const v = this.view.getUint32(this.pos); this.pos += 4; return v; }
    if (info === 27) {
      this.need(8);
      const v = this.view.getBigUint64(this.pos);
      this.pos += 8;
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    throw new CborError(`CBOR: invalid additional information ${info}`);
  }

  take(n) {
    if (typeof n !== "number") throw new CborError("CBOR: length too large");
    this.need(n);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  chunks(major) {
    const parts = [];
    for (;;) {
      const head = this.u8();
      if (head === 0xff) break;
      if (head >> 5 !== major || (head & 31) === 31) throw new CborError("CBOR: bad indefinite-length chunk");
      parts.push(this.take(this.argument(head & 31)));
    }
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  item(depth) {
    if (depth > MAX_DEPTH) throw new CborError("CBOR: nested too deeply");
    const head = this.u8();
    const major = head >> 5;
    const info = head & 31;
    switch (major) {
      case 0: return this.argument(info);
      case 1: {
        const n = this.argument(info);
        return typeof n === "bigint" ? -1n - n : -1 - n;
      }
      case 2: return info === 31 ? this.chunks(2) : this.take(this.argument(info));
      case 3: {
        const raw = info === 31 ? this.chunks(3) : this.take(this.argument(info));
        try { return utf8.decode(raw); } catch { throw new CborError("CBOR: invalid UTF-8 text"); }
      }
      case 4: {
        const out = [];
        if (info === 31) {
          while (this.peekBreak() === false) out.push(this.item(depth + 1));
        } else {
          const n = this.argument(info);
          if (typeof n !== "number" || n > this.bytes.length) throw new CborError("CBOR: array too long");
          for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
        }
        return out;
      }
      case 5: {
        const out = new Map();
        const seen = new Set();
        const entry = () => {
          const start = this.pos;
          const key = this.item(depth + 1);
          // A map with a key twice is invalid (RFC 8949 5.6): refuse it, so no verifier can be shown
          // a different value for a field than the one a second decoder would pick.
          const id = keyIdentity(key, this.bytes, start, this.pos);
          if (seen.has(id)) throw new CborError("CBOR: duplicate map key");
          seen.add(id);
          out.set(key, this.item(depth + 1));
        };
        if (info === 31) {
          while (this.peekBreak() === false) entry();
        } else {
          const n = this.argument(info);
          if (typeof n !== "number" || n > this.bytes.length) throw new CborError("CBOR: map too long");
          for (let i = 0; i < n; i++) entry();
        }
        return out;
      }
      case 6: return new Tagged(this.argument(info), this.item(depth + 1));
      default: return this.simple(info);
    }
  }

  peekBreak() {
    this.need(1);
    if (this.bytes[this.pos] === 0xff) { this.pos++; return true; }
    return false;
  }

  simple(info) {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 23) return undefined;
    if (info === 24) return { simple: this.u8() };
    if (info === 25) { this.need(2); const v = half(this.view.getUint16(this.pos)); this.pos += 2; return v; }
    if (info === 26) { this.need(4); const v = this.view.getFloat32(this.pos); this.pos += 4; return v; }
    if (info === 27) { this.need(8); const v = this.view.getFloat64(this.pos); this.pos += 8; return v; }
    if (info < 20) return { simple: info };
    throw new CborError("CBOR: unexpected break or reserved simple value");
  }
}

// Primitive keys compare by value (1 and 0x18 0x01 are the same key); others (byte strings, arrays,
// maps, tags) by their encoded bytes, since Map compares objects by reference.
function keyIdentity(key, bytes, start, end) {
  const kind = typeof key;
  if (key === null || kind === "number" || kind === "bigint" || kind === "string" || kind === "boolean" || kind === "undefined") {
    return `${kind}:${String(key)}`;
  }
  let hex = "raw:";
  for (let i = start; i < end; i++) hex += bytes[i].toString(16).padStart(2, "0");
  return hex;
}

function half(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

// Encoder: unsigned/negative integers, byte strings, text, arrays, Maps (definite lengths, in the given order).
export function encode(value) {
  const out = [];
  write(out, value);
  return new Uint8Array(out);
}

function head(out, major, n) {
  if (n < 24) out.push((major << 5) | n);
  else if (n < 0x100) out.push((major << 5) | 24, n);
  else if (n < 0x10000) out.push((major << 5) | 25, n >> 8, n & 0xff);
  else if (n < 0x100000000) out.push((major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  else {
    const big = BigInt(n);
    out.push((major << 5) | 27);
    for (let i = 7; i >= 0; i--) out.push(Number((big >> BigInt(8 * i)) & 0xffn));
  }
}

function write(out, value) {
  if (value instanceof Uint8Array) {
    head(out, 2, value.length);
    for (const b of value) out.push(b);
  } else if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    head(out, 3, bytes.length);
    for (const b of bytes) out.push(b);
  } else if (typeof value === "number" && Number.isInteger(value)) {
    if (value >= 0) head(out, 0, value);
    else head(out, 1, -1 - value);
  } else if (Array.isArray(value)) {
    head(out, 4, value.length);
    for (const v of value) write(out, v);
  } else if (value instanceof Map) {
    head(out, 5, value.size);
    for (const [k, v] of value) { write(out, k); write(out, v); }
  } else if (value instanceof Tagged) {
    head(out, 6, value.tag);
    write(out, value.value);
  } else {
    throw new CborError(`CBOR: cannot encode ${typeof value}`);
  }
}
