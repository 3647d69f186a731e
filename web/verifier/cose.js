// COSE_Sign1 (RFC 9052) as HCERT uses it: untagged, tag 18, or tag 61 (CWT) wrapping tag 18.
import { CborError, Tagged, decode, encode } from "./cbor.js";

export const ES256 = -7;
export const PS256 = -37;
const HEADER_ALG = 1;
const HEADER_KID = 4;
const TAG_SIGN1 = 18;
const TAG_CWT = 61;

export class CoseError extends Error {}

export function parseSign1(bytes) {
  let value;
  try {
    value = decode(bytes);
  } catch (e) {
    throw new CoseError(e instanceof CborError ? e.message : "COSE: not CBOR");
  }
  if (value instanceof Tagged && value.tag === TAG_CWT) value = value.value;
  if (value instanceof Tagged && value.tag === TAG_SIGN1) value = value.value;
  if (value instanceof Tagged) throw new CoseError(`COSE: unexpected tag ${value.tag}`);
  if (!Array.isArray(value) || value.length !== 4) throw new CoseError("COSE: not a COSE_Sign1 structure");
  const [protectedBytes, unprotected, payload, signature] = value;
  if (!(protectedBytes instanceof Uint8Array)) throw new CoseError("COSE: protected header is not a byte string");
  if (!(unprotected instanceof Map)) throw new CoseError("COSE: unprotected header is not a map");
  if (!(payload instanceof Uint8Array)) throw new CoseError("COSE: payload is not a byte string");
  if (!(signature instanceof Uint8Array)) throw new CoseError("COSE: signature is not a byte string");
  let protectedHeader = new Map();
  if (protectedBytes.length > 0) {
    try {
      protectedHeader = decode(protectedBytes);
    } catch {
      throw new CoseError("COSE: protected header is not CBOR");
    }
    if (!(protectedHeader instanceof Map)) throw new CoseError("COSE: protected header is not a map");
  }
  const alg = protectedHeader.has(HEADER_ALG) ? protectedHeader.get(HEADER_ALG) : unprotected.get(HEADER_ALG);
  const kid = protectedHeader.has(HEADER_KID) ? protectedHeader.get(HEADER_KID) : unprotected.get(HEADER_KID);
  return {
    alg: typeof alg === "number" ? alg : null,
    kid: kid instanceof Uint8Array ? kid : null,
    protectedBytes,
    payload,
    signature,
    toBeSigned: sigStructure(protectedBytes, payload),
  };
}

export function sigStructure(protectedBytes, payload, externalAad = new Uint8Array(0)) {
  return encode(["Signature1", protectedBytes, externalAad, payload]);
}
