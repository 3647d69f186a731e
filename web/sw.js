// Service worker: keeps the offline verifier (/verify, its scripts and styles) and the citizen portal (/, which shows
// the certificates kept on this phone) available without a network.
// Network first (fresh files after a deploy), the cached copy when the network fails or stalls.
// API responses (/v1/...) are never cached here: the page caches the lists itself, with their fetch time.
const CACHE = "vaxcert-pages-v3";
const PRECACHE = [
  "/",
  "/portal/app.js",
  "/portal/qr.js",
  "/portal/kept.js",
  "/common/api.js",
  "/vendor/qrcodegen.js",
  "/verify",
  "/assets/style.css",
  "/assets/icon.svg",
  "/verifier/app.js",
  "/verifier/hc1.js",
  "/verifier/base45.js",
  "/verifier/cbor.js",
  "/verifier/cose.js",
  "/verifier/x509.js",
  "/verifier/revocation.js",
  "/verifier/lists.js",
  "/verifier/common.js",
  "/verifier/countries.js",
  "/verifier/divoc.js",
  "/verifier/qr.js",
  "/verifier/shc.js",
  "/verifier/verify.js",
  "/verifier/verdicts.js",
  "/verifier/icao.js",
  // The QR reader for browsers without BarcodeDetector, and DIVOC's canonicaliser with its JSON-LD contexts.
  "/verifier/vendor/barcode-detector/ponyfill.js",
  "/verifier/vendor/barcode-detector/zxing-exported.js",
  "/verifier/vendor/zxing-wasm/zxing_reader.wasm",
  "/verifier/vendor/jsonld/jsonld.esm.min.js",
  "/verifier/contexts/W32018CredentialsV1.json",
  "/verifier/contexts/DIVOCVaccinationContextV1.json",
  "/verifier/contexts/DIVOCVaccinationContextV2.json",
  "/verifier/contexts/security-v1.jsonld",
  "/verifier/contexts/security-v2.jsonld",
];
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })))),
  );
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("vaxcert-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

function cacheKey(url) {
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
  if (path === "/index.html") return "/";
  return path === "/verify.html" ? "/verify" : path;
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), NETWORK_TIMEOUT_MS)),
    ]);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(key);
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const key = cacheKey(url);
  if (!PRECACHE.includes(key)) return; // everything else (API, other pages) goes straight to the network
  event.respondWith(networkFirst(request, key));
});
