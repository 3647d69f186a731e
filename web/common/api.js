// Shared by the citizen portal, the facility page and the admin page: JSON API calls on the same origin, readable errors,
// and a short-lived session token kept in sessionStorage only (gone when the tab closes or on sign-out).

export class ApiError extends Error {
  constructor(status, message, { problems = [], reason = null, retryAfter = null, data = {} } = {}) {
    super(message);
    this.status = status;
    this.problems = problems; // [{field, problem}]
    this.reason = reason;
    this.retryAfter = retryAfter; // seconds
    this.data = data; // the whole JSON error body (e.g. a sign-in challenge)
  }
}

const NETWORK_MESSAGE = "We could not reach the service. Check your internet connection and try again.";

async function errorFrom(response) {
  let data = {};
  try {
    data = await response.json();
  } catch {
    // not JSON
  }
  const retry = Number(response.headers.get("Retry-After"));
  const problems = Array.isArray(data.errors) ? data.errors : [];
  let message = typeof data.message === "string" && data.message ? data.message : `The service answered ${response.status}.`;
  if (response.status >= 500) message = "The service is having a problem. Please try again in a few minutes.";
  return new ApiError(response.status, message, {
    problems,
    reason: data.reason || null,
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    data: data && typeof data === "object" ? data : {},
  });
}

/** Call the API. `as`: "json" (default) or "blob". Throws ApiError (status 0 for network failures). */
export async function call(path, { method = "GET", body, token, as = "json", signal } = {}) {
  const headers = { Accept: as === "blob" ? "application/pdf" : "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      signal,
    });
  } catch {
    throw new ApiError(0, NETWORK_MESSAGE);
  }
  if (!response.ok) throw await errorFrom(response);
  if (as === "blob") return response.blob();
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** "in 3 minutes" / "in 40 seconds" for Retry-After. */
export function waitText(seconds) {
  if (!seconds) return "later";
  if (seconds < 90) return `in ${Math.ceil(seconds)} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minutes`;
}

export class Session {
  constructor(key) {
    this.key = key;
    this.timer = null;
    this.onExpire = null;
  }

  get() {
    try {
      const value = JSON.parse(sessionStorage.getItem(this.key) || "null");
      if (!value || !value.token || Date.now() >= value.expiresAt) {
        this.clear();
        return null;
      }
      return value;
    } catch {
      return null;
    }
  }

  get token() {
    const value = this.get();
    return value ? value.token : null;
  }

  start(token, expiresIn, extra = {}) {
    const seconds = Math.max(1, Number(expiresIn) || 900);
    const value = { token, expiresAt: Date.now() + seconds * 1000, ...extra };
    sessionStorage.setItem(this.key, JSON.stringify(value));
    this.watch();
    return value;
  }

  watch() {
    clearTimeout(this.timer);
    const value = this.get();
    if (!value) return;
    this.timer = setTimeout(() => {
      this.clear();
      if (this.onExpire) this.onExpire();
    }, Math.max(0, value.expiresAt - Date.now()));
  }

  clear() {
    clearTimeout(this.timer);
    sessionStorage.removeItem(this.key);
  }

  /** Sign out: the server refuses the token from now on (DELETE `path`), then it is forgotten here.
   * Never waits or throws: without a connection the token still expires on its own. */
  end(path) {
    const token = this.token;
    this.clear();
    if (!token) return;
    try {
      fetch(path, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${token}` },
        cache: "no-store",
        credentials: "omit",
        keepalive: true, // still sent if the page is being closed
      }).catch(() => {});
    } catch {
      // offline, or fetch unavailable: nothing more to do
    }
  }
}

export function formatDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  if (!m) return iso || "";
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return date.toLocaleDateString("en-JM", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export const STATUS = {
  VALID: { label: "Valid", badge: "badge--active" },
  SUPERSEDED: { label: "Replaced by a newer certificate", badge: "badge--inactive" },
  REVOKED: { label: "Revoked", badge: "badge--revoked" },
};

export function statusOf(value) {
  return STATUS[value] || { label: value || "Unknown", badge: "badge--inactive" };
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** Show an error under a field: aria-invalid + aria-describedby + the message. */
export function fieldError(input, message) {
  const id = `${input.id}-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = el("p", { id, class: "field-error" });
    input.insertAdjacentElement("afterend", box);
  }
  box.textContent = message || "";
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
  if (message) {
    input.setAttribute("aria-invalid", "true");
    described.push(id);
  } else {
    input.removeAttribute("aria-invalid");
  }
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

/** Local Jamaican mobile formats -> 10 digits, or null. */
export function tenDigits(raw) {
  let digits = String(raw || "").replace(/[\s\-().]/g, "");
  if (digits.startsWith("+1")) digits = digits.slice(2);
  else if (digits.length === 11 && digits.startsWith("1")) digits = digits.slice(1);
  return /^(876|658)[2-9]\d{6}$/.test(digits) ? digits : null;
}

export function maskMobile(digits) {
  return digits ? `${digits.slice(0, 3)}•••${digits.slice(-4)}` : "";
}
