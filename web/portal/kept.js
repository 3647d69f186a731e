// "Keep on this phone": the QR texts and the summary of chosen certificates in localStorage, shown offline and
// after the session has ended. Never the PDF, the session token or the mobile number.
const KEY = "vaxcert.kept.v1";
const FIELDS = ["hcid", "name", "dob", "vaccine", "dose", "totalDoses", "date", "status", "qr", "shcQr"];

function read() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "{}");
    return value && typeof value === "object" && value.certificates ? value : { certificates: {} };
  } catch {
    return { certificates: {} };
  }
}

function write(value) {
  if (Object.keys(value.certificates).length) localStorage.setItem(KEY, JSON.stringify(value));
  else localStorage.removeItem(KEY);
}

function pick(certificate) {
  const kept = {};
  for (const field of FIELDS) if (certificate[field] !== undefined) kept[field] = certificate[field];
  return kept;
}

/** Kept certificates, newest vaccination first. */
export function keptCertificates() {
  return Object.values(read().certificates).sort((a, b) => (b.date || "").localeCompare(a.date || "") || b.dose - a.dose);
}

export function isKept(hcid) {
  return Boolean(read().certificates[hcid]);
}

export function keep(certificate) {
  const value = read();
  value.certificates[certificate.hcid] = { ...pick(certificate), savedAt: new Date().toISOString() };
  write(value);
}

export function forget(hcid) {
  const value = read();
  delete value.certificates[hcid];
  write(value);
}

/** After a sign-in: kept copies take the current status (a revoked certificate must not look valid offline). */
export function refresh(certificates) {
  const value = read();
  let changed = false;
  for (const c of certificates) {
    const old = value.certificates[c.hcid];
    if (old) {
      value.certificates[c.hcid] = { ...pick(c), savedAt: old.savedAt };
      changed = true;
    }
  }
  if (changed) write(value);
}
