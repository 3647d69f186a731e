// Base45 (RFC 9285), the text encoding of HC1 QR codes.
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

export class Base45Error extends Error {}

export function decode(text) {
  const out = [];
  for (let i = 0; i < text.length; i += 3) {
    const chunk = text.slice(i, i + 3);
    if (chunk.length < 2) throw new Base45Error("Base45: dangling character");
    let n = 0;
    for (let j = chunk.length - 1; j >= 0; j--) {
      const v = VALUES.get(chunk[j]);
      if (v === undefined) throw new Base45Error(`Base45: invalid character ${JSON.stringify(chunk[j])}`);
      n = n * 45 + v;
    }
    if (chunk.length === 3) {
      if (n > 0xffff) throw new Base45Error("Base45: value out of range");
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) throw new Base45Error("Base45: value out of range");
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

export function encode(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 2) {
    if (i + 1 < bytes.length) {
      let n = bytes[i] * 256 + bytes[i + 1];
      const c = n % 45; n = (n - c) / 45;
      const d = n % 45; const e = (n - d) / 45;
      s += ALPHABET[c] + ALPHABET[d] + ALPHABET[e];
    } else {
      const n = bytes[i];
      s += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45)];
    }
  }
  return s;
}
