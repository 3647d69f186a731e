// What each verdict says to a verifier: the engine's statuses, refined where people would misread them
// (a superseded certificate is "replaced", not "withdrawn"; an unknown issuer is "cannot check", not "false").

// tone: valid (green), invalid/revoked (red), caution (amber: nothing proves it false, but it is not checked).
export const STATUS_TEXT = {
  VALID: { title: "Valid", tone: "valid", icon: "✓" },
  REVOKED: { title: "Revoked", tone: "revoked", cause: "No longer valid" },
  SUPERSEDED: { title: "Replaced", tone: "revoked", cause: "Replaced by a newer certificate" },
  EXPIRED: { title: "Not valid", tone: "invalid", cause: "Expired" },
  NOT_YET_VALID: { title: "Not valid", tone: "invalid", cause: "Not valid yet" },
  SIGNATURE_INVALID: { title: "Not valid", tone: "invalid", cause: "Signature invalid" },
  UNKNOWN_ISSUER: { title: "Cannot check this issuer", tone: "caution", icon: "?", cause: "Unknown issuer: not checked" },
  MALFORMED: { title: "Not valid", tone: "invalid", cause: "Not a vaccination certificate" },
  DAMAGED: { title: "Not valid", tone: "invalid", cause: "The QR code is damaged" },
  NEEDS_CONNECTION: { title: "Needs a connection", tone: "caution", icon: "…", cause: "Not checked on this device" },
  NO_TRUST_LIST: { title: "Cannot verify", tone: "caution", icon: "!", cause: "No trust list on this device" },
};

export const ADVICE = {
  SIGNATURE_INVALID: "The certificate was changed after it was issued, or it is forged.",
  UNKNOWN_ISSUER: "Its issuer is not in this device's list of trusted issuers, so its signature could not be checked. This does not mean it is false. If you are online, update the lists and try again; otherwise check the holder's documents another way.",
  MALFORMED: "This QR code is not a vaccination certificate this page knows (HC1, WHO, SMART Health Card, DIVOC or ICAO).",
  DAMAGED: "Part of the QR code is missing or changed, so it cannot be checked and must not be accepted as it is. Scan it again (steady, closer, good light, no glare) or, if you pasted it, paste the whole text. If it keeps failing, ask the holder for the original certificate or a fresh print.",
  EXPIRED: "Ask the holder for a current certificate.",
  NOT_YET_VALID: "Check that this device's date and time are correct.",
  REVOKED: "The issuer has revoked it, or replaced it with a corrected certificate. Do not accept it: the holder can download their current certificate.",
  SUPERSEDED: "The issuer has replaced this certificate with a corrected one. Ask the holder for their latest certificate.",
  NEEDS_CONNECTION: "Connect to the internet and scan it again.",
  NO_TRUST_LIST: "Connect to the internet once and reload this page, so it can download the list of trusted issuers.",
};

/** What the page shows: the engine's status, refined where people would misread it. */
export function displayStatus(outcome) {
  if (outcome.status === "REVOKED" && /supersed/i.test(outcome.reason || "")) return "SUPERSEDED";
  if (outcome.status === "MALFORMED" && outcome.damaged) return "DAMAGED";
  return outcome.status;
}

