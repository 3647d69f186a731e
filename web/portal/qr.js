// QR codes drawn in the page as SVG (crisp at any size, no canvas): the HC1 text in alphanumeric mode at error
// correction level Q (as on the PDF), a SMART Health Card as the specification requires: "shc:/" in byte mode,
// the digits in numeric mode, level L (one chunk up to version 22).
import qrcodegen from "/vendor/qrcodegen.js";

const { QrCode, QrSegment } = qrcodegen;
const SVG = "http://www.w3.org/2000/svg";
const QUIET_ZONE = 4; // modules of white around the code, as scanners expect

export function qrFor(text) {
  if (text.startsWith("shc:/")) {
    const prefix = Array.from(new TextEncoder().encode("shc:/"));
    const segments = [QrSegment.makeBytes(prefix), QrSegment.makeNumeric(text.slice(5))];
    return QrCode.encodeSegments(segments, QrCode.Ecc.LOW, 1, 40, -1, false);
  }
  return QrCode.encodeSegments(QrSegment.makeSegments(text), QrCode.Ecc.QUARTILE, 1, 40, -1, false);
}

/** An <svg> of the QR code of `text`, labelled for screen readers. */
export function qrSvg(text, label) {
  const qr = qrFor(text);
  const size = qr.size + QUIET_ZONE * 2;
  const path = [];
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.getModule(x, y)) path.push(`M${x + QUIET_ZONE},${y + QUIET_ZONE}h1v1h-1z`);
    }
  }
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("class", "qr");
  svg.dataset.version = String(qr.version);
  const background = document.createElementNS(SVG, "rect");
  background.setAttribute("width", "100%");
  background.setAttribute("height", "100%");
  background.setAttribute("fill", "#fff");
  const modules = document.createElementNS(SVG, "path");
  modules.setAttribute("d", path.join(""));
  modules.setAttribute("fill", "#000");
  svg.append(background, modules);
  return svg;
}
