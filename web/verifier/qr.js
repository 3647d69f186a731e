// Reading QR codes from the camera and from pictures in every browser: the browser's own BarcodeDetector where
// it reads QR codes (Chrome on Android, macOS), else the vendored barcode-detector ponyfill on zxing-wasm
// (Safari on iPhone, Firefox, Chrome on Windows/Linux). The wasm comes from our own origin, never a CDN.

const WASM_URL = new URL("./vendor/zxing-wasm/zxing_reader.wasm", import.meta.url).href;

let reader = null;

async function nativeDetector() {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    return new globalThis.BarcodeDetector({ formats: ["qr_code"] });
  } catch {
    return null;
  }
}

async function vendoredDetector() {
  const { BarcodeDetector, prepareZXingModule } = await import("./vendor/barcode-detector/ponyfill.js");
  // Load the wasm now (from our origin), so a failure is known before the camera starts.
  await prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path) },
    fireImmediately: true,
  });
  return new BarcodeDetector({ formats: ["qr_code"] });
}

async function create({ forceVendored = false } = {}) {
  const native = forceVendored ? null : await nativeDetector();
  if (native) return { detector: native, engine: "native" };
  try {
    return { detector: await vendoredDetector(), engine: "zxing-wasm" };
  } catch (error) {
    return { detector: null, engine: null, error: String((error && error.message) || error) };
  }
}

/** {detector, engine: "native" | "zxing-wasm" | null, error?}: one per page. */
export function qrReader(options = {}) {
  if (!reader || options.forceVendored) reader = create(options);
  return reader;
}

let vendored = null;

/** The vendored reader even where the browser has its own (a second opinion on dense codes), or null. */
export function vendoredReader() {
  if (!vendored) vendored = vendoredDetector().catch(() => null);
  return vendored;
}

async function first(detector, source) {
  const codes = await detector.detect(source);
  const found = codes.find((c) => c.rawValue);
  return found ? found.rawValue : null;
}

/**
 * The text of the first QR code in an image source (Blob, ImageBitmap, canvas, video, ImageData), or null.
 * secondOpinion: where the browser's own detector finds nothing, ask zxing too (some native detectors miss
 * DIVOC's dense version 31-34 codes).
 */
export async function readQr(source, { secondOpinion = true } = {}) {
  const { detector, engine } = await qrReader();
  if (!detector) throw new Error("no QR reader");
  const text = await first(detector, source);
  if (text || engine !== "native" || !secondOpinion) return text;
  const zxing = await vendoredReader();
  return zxing ? first(zxing, source) : null;
}
