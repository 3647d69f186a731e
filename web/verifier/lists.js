// The trust list and the revocation list, cached in localStorage with the time they were fetched, so the
// verifier works offline. The service worker never caches /v1/ responses: the age shown is the real one.

const LISTS = {
  trust: { url: "/v1/trust-list", key: "vaxcert.verifier.trustList" },
  revocation: { url: "/v1/revocation-list", key: "vaxcert.verifier.revocationList" },
};

/** {document, fetchedAt (ms), absent (true when the server has no such list)} or null. */
export function cached(name) {
  try {
    const raw = localStorage.getItem(LISTS[name].key);
    if (!raw) return null;
    const value = JSON.parse(raw);
    return value && typeof value.fetchedAt === "number" ? value : null;
  } catch {
    return null;
  }
}

function store(name, value) {
  try {
    localStorage.setItem(LISTS[name].key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the list still works for this page view.
  }
  return value;
}

/**
 * Fetch a list. Returns {ok: true, entry} on success (entry is what `cached` returns), or
 * {ok: false, error, entry: <the cached one or null>} when offline, the server failed, or `validate`
 * (async (document) => null | "why it is refused") refused the download: a refused list never replaces the saved one.
 */
export async function refresh(name, { timeoutMs = 8000, validate = null } = {}) {
  const list = LISTS[name];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(list.url, { cache: "no-store", signal: controller.signal, headers: { Accept: "application/json" } });
    if (response.status === 404 && name === "revocation") {
      return { ok: true, entry: store(name, { document: null, absent: true, fetchedAt: Date.now() }) };
    }
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const document = await response.json();
    const refused = validate ? await validate(document) : null;
    if (refused) return { ok: false, error: `the downloaded list was refused: ${refused}`, entry: cached(name) };
    return { ok: true, entry: store(name, { document, absent: false, fetchedAt: Date.now() }) };
  } catch (e) {
    const error = e.name === "AbortError" ? "the request timed out" : e.message || "network error";
    return { ok: false, error, entry: cached(name) };
  } finally {
    clearTimeout(timer);
  }
}

export function clearCached() {
  for (const list of Object.values(LISTS)) localStorage.removeItem(list.key);
}

/** "3 minutes", "2 days" ... */
export function age(fetchedAt, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - fetchedAt) / 1000));
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  for (const [unit, size] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${unit}${n === 1 ? "" : "s"}`;
    }
  }
  return "less than a minute";
}
