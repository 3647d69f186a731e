// Just enough DER to read an X.509 certificate: the SubjectPublicKeyInfo (for WebCrypto importKey "spki"),
// the validity window and the key type.

export class DerError extends Error {}

const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const CURVES = { "1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384", "1.3.132.0.35": "P-521" };
const OID_RSA = "1.2.840.113549.1.1.1";
const OID_RSA_PSS = "1.2.840.113549.1.1.10";

function readTlv(bytes, pos) {
  if (pos + 2 > bytes.length) throw new DerError("DER: truncated");
  const tag = bytes[pos];
  let len = bytes[pos + 1];
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + 2 + n > bytes.length) throw new DerError("DER: bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[pos + 2 + i];
    header += n;
  }
  const start = pos + header;
  const end = start + len;
  if (end > bytes.length) throw new DerError("DER: truncated");
  return { tag, start, end, header, raw: bytes.subarray(pos, end), content: bytes.subarray(start, end) };
}

function children(bytes, tlv) {
  const out = [];
  let pos = tlv.start;
  while (pos < tlv.end) {
    const child = readTlv(bytes, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

function oid(content) {
  const parts = [Math.floor(content[0] / 40), content[0] % 40];
  let n = 0;
  for (let i = 1; i < content.length; i++) {
    n = n * 128 + (content[i] & 0x7f);
    if (!(content[i] & 0x80)) { parts.push(n); n = 0; }
  }
  return parts.join(".");
}

function time(tlv) {
  const s = new TextDecoder().decode(tlv.content);
  let year, rest;
  if (tlv.tag === 0x17) { // UTCTime YYMMDDHHMMSSZ
    const yy = Number(s.slice(0, 2));
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = s.slice(2);
  } else if (tlv.tag === 0x18) { // GeneralizedTime YYYYMMDDHHMMSSZ
    year = Number(s.slice(0, 4));
    rest = s.slice(4);
  } else {
    throw new DerError("DER: bad time");
  }
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((i) => Number(rest.slice(i, i + 2) || "0"));
  return new Date(Date.UTC(year, mo - 1, d, h, mi, se));
}

/**
 * The parts a signature check of the certificate needs: the TBSCertificate bytes, the signature algorithm OID
 * and the signature (BIT STRING content without its unused-bits byte), beside what parseCertificate gives.
 */
export function parseSignedCertificate(der) {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30) throw new DerError("X.509: not a SEQUENCE");
  const [tbs, algorithm, signature] = children(der, cert);
  if (!tbs || !algorithm || !signature || signature.tag !== 0x03) throw new DerError("X.509: unexpected layout");
  const [algOid] = children(der, algorithm);
  return {
    ...parseCertificate(der),
    tbs: tbs.raw.slice(),
    signatureAlgorithm: oid(algOid.content),
    signature: signature.content.slice(1),
  };
}

export function parseCertificate(der) {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30) throw new DerError("X.509: not a SEQUENCE");
  const [tbs] = children(der, cert);
  if (!tbs || tbs.tag !== 0x30) throw new DerError("X.509: no TBSCertificate");
  const fields = children(der, tbs);
  let i = fields[0] && fields[0].tag === 0xa0 ? 1 : 0; // [0] version
  i += 2; // serialNumber, signature AlgorithmIdentifier
  i += 1; // issuer
  const validity = fields[i++];
  i += 1; // subject
  const spki = fields[i];
  if (!validity || validity.tag !== 0x30 || !spki || spki.tag !== 0x30) throw new DerError("X.509: unexpected layout");
  const [notBefore, notAfter] = children(der, validity).map(time);
  const [algorithm, bitString] = children(der, spki);
  const [algOid, params] = children(der, algorithm);
  const keyOid = oid(algOid.content);
  let keyType = "unknown";
  let spkiBytes = spki.raw;
  if (keyOid === OID_EC_PUBLIC_KEY) {
    const curve = params && params.tag === 0x06 ? CURVES[oid(params.content)] : undefined;
    keyType = curve ? `EC-${curve}` : "EC-other";
  } else if (keyOid === OID_RSA) {
    keyType = "RSA";
  } else if (keyOid === OID_RSA_PSS) {
    // WebCrypto imports RSA keys only with the rsaEncryption identifier: rewrap the same key bits.
    keyType = "RSA";
    spkiBytes = rsaSpki(bitString.raw);
  }
  return { notBefore, notAfter, keyType, spki: spkiBytes.slice() };
}

function derSequence(parts) {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const lenBytes = len < 128 ? [len] : len < 256 ? [0x81, len] : [0x82, len >> 8, len & 0xff];
  const out = new Uint8Array(1 + lenBytes.length + len);
  out.set([0x30, ...lenBytes]);
  let at = 1 + lenBytes.length;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function rsaSpki(bitStringTlv) {
  // AlgorithmIdentifier { rsaEncryption, NULL }
  const algorithm = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00]);
  return derSequence([algorithm, bitStringTlv]);
}
